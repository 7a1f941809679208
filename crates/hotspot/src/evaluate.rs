//! evaluate: being written.
