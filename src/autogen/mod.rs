//! Autogenerate: comparing a target schema with the current one (reflected from a
//! database with [`crate::reflect`], or replayed from the history) into upgrade ops
//! ([`compare`]), and the downgrade ops that undo them ([`downgrade_ops`]).
//!
//! Detected, as DESIGN.md lists: tables (created and dropped in foreign-key order),
//! columns (added, dropped, and changed as one `alter_column` with the `existing_*`
//! keys filled), types (with `compare_type`), server defaults (with
//! `compare_server_default`), nullability, primary keys, indexes, unique
//! constraints, foreign keys, named check constraints, and table and column comments
//! (PostgreSQL; SQLite has no comments). The version table and `exclude_tables`
//! globs are never compared. Spellings that mean the same are normalised per dialect
//! first ([`normalize`]): the key property is that a database built from the ops
//! compares equal to its target.
//!
//! Column order and `autoincrement` are not compared (no op changes them), nor are
//! unnamed check constraints (no op can name them), as in Alembic.

mod compare;
mod constraints;
pub mod normalize;
mod order;

use crate::dialect::Dialect;
use crate::ops::apply::ApplyError;
use crate::ops::{CreateIndex, CreateTable, Op};
use crate::runtime::version_table::DEFAULT_VERSION_TABLE;
use crate::schema::model::Schema;

/// What [`compare`] looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareOptions {
    /// The dialect of the current database: decides which spellings are the same.
    pub dialect: Dialect,
    /// Report type changes (`compare_type` in `alembic.toml`).
    pub compare_type: bool,
    /// Report server default changes (`compare_server_default`).
    pub compare_server_default: bool,
    /// Glob patterns of table names to leave alone (`exclude_tables`).
    pub exclude_tables: Vec<String>,
    /// The version table, never compared.
    pub version_table: String,
}

impl CompareOptions {
    /// Options for `dialect` with the defaults of `alembic.toml`: types and server
    /// defaults compared, nothing excluded, the version table `alembic_version`.
    pub fn new(dialect: Dialect) -> Self {
        CompareOptions {
            dialect,
            compare_type: true,
            compare_server_default: true,
            exclude_tables: Vec::new(),
            version_table: DEFAULT_VERSION_TABLE.to_string(),
        }
    }
}

/// The upgrade ops that turn `current` into `target` (see the module documentation).
/// Empty when there is no difference.
///
/// The ops come in an order that applies cleanly: foreign keys that go away are
/// dropped first, then other dropped or changed constraints and indexes; new tables
/// are created (referenced tables first), columns added, altered and dropped; then new
/// primary keys, unique and check constraints, indexes and foreign keys; comments;
/// and last the tables that go away (referencing tables first).
pub fn compare(target: &Schema, current: &Schema, opts: &CompareOptions) -> Vec<Op> {
    compare::compare(target, current, opts)
}

/// Why [`downgrade_ops`] failed: an upgrade op that does not fit the schema it runs
/// on, or that has no inverse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("upgrade op #{index}: {error}")]
pub struct DowngradeError {
    /// Position of the op in the upgrade list.
    pub index: usize,
    /// What went wrong.
    #[source]
    pub error: ApplyError,
}

/// The ops that undo `upgrade` when it runs on `current`: each op's inverse, read
/// from the schema just before it (replaying the ops along), in reverse order.
pub fn downgrade_ops(upgrade: &[Op], current: &Schema) -> Result<Vec<Op>, DowngradeError> {
    let mut schema = current.clone();
    let mut chunks = Vec::with_capacity(upgrade.len());
    for (index, op) in upgrade.iter().enumerate() {
        let inverse = op.inverse(&schema).map_err(|error| DowngradeError { index, error })?;
        op.apply(&mut schema).map_err(|error| DowngradeError { index, error })?;
        chunks.push(tidy_recreations(inverse));
    }
    Ok(chunks.into_iter().rev().flatten().collect())
}

/// Adjusts the `create_table` ops an inverse recreates a table with, so that they
/// render and round-trip:
///
/// - index entries that are not column names (expressions, `col DESC`) cannot be in
///   `create_table.indexes` (its validation wants column names): such indexes become
///   `create_index` ops after the table;
/// - a `create_primary_key` right after its `create_table` with PostgreSQL's default
///   name (`<table>_pkey`) goes back into the `create_table`, where the key makes an
///   integer column SERIAL; added afterwards it would not.
fn tidy_recreations(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    let mut pending: Vec<Op> = Vec::new();
    for op in ops {
        match op {
            Op::CreateTable(mut create) => {
                out.append(&mut pending);
                pending = split_expression_indexes(&mut create);
                out.push(Op::CreateTable(create));
            }
            Op::CreatePrimaryKey(pk) => {
                let folded = match out.last_mut() {
                    Some(Op::CreateTable(create))
                        if create.table == pk.table
                            && create.schema == pk.schema
                            && create.primary_key.is_none()
                            && !create.columns.iter().any(|c| c.primary_key)
                            && pk.name == format!("{}_pkey", pk.table) =>
                    {
                        create.primary_key = Some(pk.columns.clone());
                        true
                    }
                    _ => false,
                };
                if !folded {
                    out.push(Op::CreatePrimaryKey(pk));
                }
            }
            other => {
                out.append(&mut pending);
                out.push(other);
            }
        }
    }
    out.append(&mut pending);
    out
}

/// Moves the indexes of `create` with non-column entries out, as `create_index` ops.
pub(crate) fn split_expression_indexes(create: &mut CreateTable) -> Vec<Op> {
    let names: Vec<String> = create.columns.iter().map(|c| c.name.clone()).collect();
    let (keep, moved): (Vec<_>, Vec<_>) = std::mem::take(&mut create.indexes)
        .into_iter()
        .partition(|i| i.columns.iter().all(|c| names.contains(c)));
    create.indexes = keep;
    moved
        .into_iter()
        .map(|i| {
            Op::CreateIndex(CreateIndex {
                name: i.name,
                table: create.table.clone(),
                schema: create.schema.clone(),
                columns: i.columns,
                unique: i.unique,
                where_: None,
            })
        })
        .collect()
}
