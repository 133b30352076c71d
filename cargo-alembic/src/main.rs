//! `cargo alembic`: Alembic-style migrations for Rust. All behaviour lives in the
//! `alembic` crate's `cli` module; this binary only hands it the arguments.

fn main() {
    std::process::exit(alembic::cli::main(std::env::args_os()));
}
