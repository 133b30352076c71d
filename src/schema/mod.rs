//! The in-memory schema model: tables, columns, neutral types, constraints and indexes.
//!
//! Only the neutral type model ([`types::SqlType`]) lives here so far; revision files
//! name column types with it.

pub mod types;
