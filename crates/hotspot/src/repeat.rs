//! repeat: being written.
