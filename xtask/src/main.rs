//! Project automation: `cargo xtask ci|test|pg|bench|demo`.
fn main() {}
