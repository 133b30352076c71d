//! The in-memory schema model: tables, columns, neutral types, constraints and indexes.
//!
//! [`types::SqlType`] is the neutral type model revision files name column types with;
//! [`model`] holds the schema itself ([`Schema`], [`Table`], …).

pub mod action;
pub mod index_entry;
pub mod metadata;
pub mod model;
pub mod tables;
pub mod types;

pub use action::ReferentialAction;
pub use metadata::MetaData;
pub use model::{
    CheckConstraint, ColumnDef, ForeignKey, Index, PrimaryKey, Schema, Table, Tables, UniqueConstraint,
};
