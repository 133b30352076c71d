//! `cargo alembic`: Alembic-style migrations for Rust. All behaviour lives in the
//! `alembic` crate's `cli` module; this binary only hands it the arguments.

// mimalloc keeps small objects of one size together. Every `CREATE TABLE` makes
// SQLite walk all the tables of its schema (sqlite3FkClearTriggerCache), and with
// the system allocator those objects sit among the CLI's own: at 5,000 revisions the
// walk took a third more CPU than in the `sqlite3` shell. With mimalloc a SQLite run
// costs 7% less CPU in all (`cargo xtask bench --only growth`, issue #15).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(alembic::cli::main(std::env::args_os()));
}
