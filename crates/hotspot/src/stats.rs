//! stats: being written.
