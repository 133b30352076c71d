//! A diesel SQLite application's crate. Its `schema.rs` (diesel's own `relations`
//! example, licence in `schema.rs.LICENSE`) is the schema: migrations/env.rs reads it.
//! (The application would `mod schema;` it for diesel; this example has no diesel
//! dependency, so it only keeps the file.)
