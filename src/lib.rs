//! `alembic`: database migrations in the manner of Python's Alembic, for Rust.
//!
//! A project keeps a folder of revision files (TOML or plain SQL). Each revision names
//! its parent(s), so the folder forms a graph ([`script::RevisionMap`]) that can branch,
//! merge and depend on other branches, exactly as in Alembic. Revisions hold
//! dialect-neutral operations ([`ops`]) that are rendered to SQL per dialect and applied
//! by the runtime, online or offline.
//!
//! The `cargo alembic` command is a thin shell over [`cli`] (feature `cli`).
//!
//! See `ARCHITECTURE.md` for a map of the modules.

#![warn(missing_docs)]

pub mod autogen;
pub mod code_steps;
pub mod config;
pub mod dialect;
pub mod env;
pub mod error;
pub mod models;
pub mod ops;
pub mod reflect;
pub mod runtime;
pub mod schema;
pub mod script;
pub mod url;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "embed")]
pub mod embed;

#[cfg(feature = "embed")]
pub use embed::Migrations;
pub use error::{Error, Result};
/// `#[derive(alembic::Enum)]` (feature `derive`; see [`models`]).
#[cfg(feature = "derive")]
pub use models::Enum;
/// The [`models::Table`] trait, and with feature `derive` its derive macro.
pub use models::{ColumnType, Table};

/// The MySQL driver this crate is built with (for `MysqlBackend::new(&mut conn)`).
#[cfg(feature = "mysql")]
pub use mysql_async;
/// The SQLite driver this crate is built with, so that applications use the same
/// version (and link one SQLite).
#[cfg(feature = "sqlite")]
pub use rusqlite;
/// The PostgreSQL driver this crate is built with.
#[cfg(feature = "postgres")]
pub use tokio_postgres;
