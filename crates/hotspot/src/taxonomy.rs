//! taxonomy: being written.
