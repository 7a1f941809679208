//! The forecast bench: being written.
fn main() {}
