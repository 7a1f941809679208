//! The `pingan` command.
fn main() {}
