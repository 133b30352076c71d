//! A diesel application's crate. Its `schema.rs` (realworld-rust-rocket's, MIT licence
//! in `schema.rs.LICENSE`) is the schema: migrations/env.rs reads it, so that editing
//! a `table!` and running `cargo alembic revision --autogenerate` writes the migration.
//! (The application would `mod schema;` it for diesel; this example has no diesel
//! dependency, so it only keeps the file.)
