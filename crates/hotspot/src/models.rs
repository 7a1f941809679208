//! models: being written.
