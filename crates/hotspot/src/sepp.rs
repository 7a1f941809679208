//! sepp: being written.
