//! Operations: the dialect-neutral steps a revision performs (Alembic's `op.*`).
//!
//! Each op of DESIGN.md's table is one struct with exactly the keys of the revision
//! file format; [`Op`] is the tagged union of them (`op = "<name>"` in files). Serde
//! derives give the file format; [`Op::validate`] adds the checks serde cannot express.
//! [`render_ops_toml`] writes ops back in the house style (inline tables for columns),
//! and parsing that text gives the same ops again.

pub mod apply;
pub mod call;
pub mod column;
pub mod constraint;
pub mod data;
pub mod object;
mod render;
pub mod rows;
pub mod table;
mod validate;

use serde::{Deserialize, Deserializer, Serialize};

use crate::schema::types::SqlType;

pub use call::Call;
pub use column::{AddColumn, AlterColumn, Column, DropColumn, ForeignKeyRef, IdentityChange, SetOrDrop};
pub use constraint::{
    ConstraintType, CreateCheckConstraint, CreateForeignKey, CreateIndex, CreatePrimaryKey,
    CreateUniqueConstraint, DropConstraint, DropIndex, ReferentialAction,
};
pub use data::{BulkInsert, Execute};
pub use object::{CreateObject, DropObject};
pub use render::{render_op_toml, render_ops_toml};
pub use rows::{Cell, Row, Rows};
pub use table::{
    CheckSpec, CreateTable, DropTable, ForeignKeySpec, IndexSpec, RenameTable, TableComment, UniqueSpec,
};
pub use validate::Invalid;

/// One operation of a revision's `upgrade` or `downgrade` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `create_table`.
    CreateTable(CreateTable),
    /// `drop_table`.
    DropTable(DropTable),
    /// `rename_table`.
    RenameTable(RenameTable),
    /// `add_column`.
    AddColumn(AddColumn),
    /// `drop_column`.
    DropColumn(DropColumn),
    /// `alter_column`.
    AlterColumn(AlterColumn),
    /// `create_index`.
    CreateIndex(CreateIndex),
    /// `drop_index`.
    DropIndex(DropIndex),
    /// `create_unique_constraint`.
    CreateUniqueConstraint(CreateUniqueConstraint),
    /// `create_foreign_key`.
    CreateForeignKey(CreateForeignKey),
    /// `create_check_constraint`.
    CreateCheckConstraint(CreateCheckConstraint),
    /// `create_primary_key`.
    CreatePrimaryKey(CreatePrimaryKey),
    /// `drop_constraint`.
    DropConstraint(DropConstraint),
    /// `create_table_comment`.
    CreateTableComment(TableComment),
    /// `drop_table_comment`.
    DropTableComment(TableComment),
    /// `bulk_insert`.
    BulkInsert(BulkInsert),
    /// `delete_rows`: the rows of a `bulk_insert` removed again (its inverse); each
    /// row is matched on every value it gives.
    DeleteRows(BulkInsert),
    /// `execute`: raw SQL, opaque to the schema model.
    Execute(Execute),
    /// `create_object`: a view, trigger, function, domain or extension.
    CreateObject(CreateObject),
    /// `drop_object`.
    DropObject(DropObject),
    /// `call`: a code step (a registered Rust function), opaque to the schema model.
    Call(Call),
}

impl Op {
    /// Every op name, as written in files.
    pub const NAMES: &'static [&'static str] = &[
        "create_table",
        "drop_table",
        "rename_table",
        "add_column",
        "drop_column",
        "alter_column",
        "create_index",
        "drop_index",
        "create_unique_constraint",
        "create_foreign_key",
        "create_check_constraint",
        "create_primary_key",
        "drop_constraint",
        "create_table_comment",
        "drop_table_comment",
        "bulk_insert",
        "delete_rows",
        "execute",
        "create_object",
        "drop_object",
        "call",
    ];

    /// The op's name as written in files (`"add_column"`).
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateTable(_) => "create_table",
            Op::DropTable(_) => "drop_table",
            Op::RenameTable(_) => "rename_table",
            Op::AddColumn(_) => "add_column",
            Op::DropColumn(_) => "drop_column",
            Op::AlterColumn(_) => "alter_column",
            Op::CreateIndex(_) => "create_index",
            Op::DropIndex(_) => "drop_index",
            Op::CreateUniqueConstraint(_) => "create_unique_constraint",
            Op::CreateForeignKey(_) => "create_foreign_key",
            Op::CreateCheckConstraint(_) => "create_check_constraint",
            Op::CreatePrimaryKey(_) => "create_primary_key",
            Op::DropConstraint(_) => "drop_constraint",
            Op::CreateTableComment(_) => "create_table_comment",
            Op::DropTableComment(_) => "drop_table_comment",
            Op::BulkInsert(_) => "bulk_insert",
            Op::DeleteRows(_) => "delete_rows",
            Op::Execute(_) => "execute",
            Op::CreateObject(_) => "create_object",
            Op::DropObject(_) => "drop_object",
            Op::Call(_) => "call",
        }
    }

    /// The schema (PostgreSQL) or attached database (SQLite) the op names; `None` for
    /// the default.
    pub fn schema(&self) -> Option<&str> {
        match self {
            Op::CreateTable(o) => o.schema.as_deref(),
            Op::DropTable(o) => o.schema.as_deref(),
            Op::RenameTable(o) => o.schema.as_deref(),
            Op::AddColumn(o) => o.schema.as_deref(),
            Op::DropColumn(o) => o.schema.as_deref(),
            Op::AlterColumn(o) => o.schema.as_deref(),
            Op::CreateIndex(o) => o.schema.as_deref(),
            Op::DropIndex(o) => o.schema.as_deref(),
            Op::CreateUniqueConstraint(o) => o.schema.as_deref(),
            Op::CreateForeignKey(o) => o.schema.as_deref(),
            Op::CreateCheckConstraint(o) => o.schema.as_deref(),
            Op::CreatePrimaryKey(o) => o.schema.as_deref(),
            Op::DropConstraint(o) => o.schema.as_deref(),
            Op::CreateTableComment(o) => o.schema.as_deref(),
            Op::DropTableComment(o) => o.schema.as_deref(),
            Op::BulkInsert(o) | Op::DeleteRows(o) => o.schema.as_deref(),
            Op::Execute(o) => o.schema.as_deref(),
            Op::CreateObject(o) => o.schema.as_deref(),
            Op::DropObject(o) => o.schema.as_deref(),
            Op::Call(_) => None,
        }
    }

    /// The tables the op changes, by name as written: one, two for `rename_table` (old
    /// and new), none for `execute` and `call` (opaque) and for a `drop_index` without `table`.
    pub fn tables(&self) -> Vec<&str> {
        match self {
            Op::CreateTable(o) => vec![&o.table],
            Op::DropTable(o) => vec![&o.table],
            Op::RenameTable(o) => vec![&o.table, &o.new_name],
            Op::AddColumn(o) => vec![&o.table],
            Op::DropColumn(o) => vec![&o.table],
            Op::AlterColumn(o) => vec![&o.table],
            Op::CreateIndex(o) => vec![&o.table],
            Op::DropIndex(o) => o.table.iter().map(String::as_str).collect(),
            Op::CreateUniqueConstraint(o) => vec![&o.table],
            Op::CreateForeignKey(o) => vec![&o.table],
            Op::CreateCheckConstraint(o) => vec![&o.table],
            Op::CreatePrimaryKey(o) => vec![&o.table],
            Op::DropConstraint(o) => vec![&o.table],
            Op::CreateTableComment(o) | Op::DropTableComment(o) => vec![&o.table],
            Op::BulkInsert(o) | Op::DeleteRows(o) => vec![&o.table],
            Op::Execute(_) | Op::Call(_) => Vec::new(),
            Op::CreateObject(o) => o.table.iter().map(String::as_str).collect(),
            Op::DropObject(o) => o.table.iter().map(String::as_str).collect(),
        }
    }

    /// Deserialises the op called `name` from the op's other keys (everything but
    /// `op`). Used by the file parser, which reads `op` itself so that errors inside
    /// the op keep their positions.
    pub fn deserialize_named<'de, D: Deserializer<'de>>(name: &str, deserializer: D) -> Result<Op, D::Error> {
        Ok(match name {
            "create_table" => Op::CreateTable(Deserialize::deserialize(deserializer)?),
            "drop_table" => Op::DropTable(Deserialize::deserialize(deserializer)?),
            "rename_table" => Op::RenameTable(Deserialize::deserialize(deserializer)?),
            "add_column" => Op::AddColumn(Deserialize::deserialize(deserializer)?),
            "drop_column" => Op::DropColumn(Deserialize::deserialize(deserializer)?),
            "alter_column" => Op::AlterColumn(Deserialize::deserialize(deserializer)?),
            "create_index" => Op::CreateIndex(Deserialize::deserialize(deserializer)?),
            "drop_index" => Op::DropIndex(Deserialize::deserialize(deserializer)?),
            "create_unique_constraint" => Op::CreateUniqueConstraint(Deserialize::deserialize(deserializer)?),
            "create_foreign_key" => Op::CreateForeignKey(Deserialize::deserialize(deserializer)?),
            "create_check_constraint" => Op::CreateCheckConstraint(Deserialize::deserialize(deserializer)?),
            "create_primary_key" => Op::CreatePrimaryKey(Deserialize::deserialize(deserializer)?),
            "drop_constraint" => Op::DropConstraint(Deserialize::deserialize(deserializer)?),
            "create_table_comment" => Op::CreateTableComment(Deserialize::deserialize(deserializer)?),
            "drop_table_comment" => Op::DropTableComment(Deserialize::deserialize(deserializer)?),
            "bulk_insert" => Op::BulkInsert(Deserialize::deserialize(deserializer)?),
            "delete_rows" => Op::DeleteRows(Deserialize::deserialize(deserializer)?),
            "execute" => Op::Execute(Deserialize::deserialize(deserializer)?),
            "create_object" => Op::CreateObject(Deserialize::deserialize(deserializer)?),
            "drop_object" => Op::DropObject(Deserialize::deserialize(deserializer)?),
            "call" => Op::Call(Deserialize::deserialize(deserializer)?),
            other => return Err(serde::de::Error::unknown_variant(other, Op::NAMES)),
        })
    }

    /// The column types the op names, each with the key path of what holds it, relative
    /// to the op: `columns[1]` and `column` (a column's `type`), `type` and
    /// `existing_type` (`alter_column`).
    pub fn types(&self) -> Vec<(String, &SqlType)> {
        match self {
            Op::CreateTable(op) => {
                op.columns.iter().enumerate().map(|(i, c)| (format!("columns[{i}]"), &c.ty)).collect()
            }
            Op::AddColumn(op) => vec![("column".to_string(), &op.column.ty)],
            Op::AlterColumn(op) => [("type", op.ty.as_ref()), ("existing_type", op.existing_type.as_ref())]
                .into_iter()
                .filter_map(|(key, ty)| ty.map(|ty| (key.to_string(), ty)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The column types of [`Op::types`], for changing them.
    pub fn types_mut(&mut self) -> Vec<&mut SqlType> {
        match self {
            Op::CreateTable(op) => op.columns.iter_mut().map(|c| &mut c.ty).collect(),
            Op::AddColumn(op) => vec![&mut op.column.ty],
            Op::AlterColumn(op) => op.ty.iter_mut().chain(op.existing_type.iter_mut()).collect(),
            _ => Vec::new(),
        }
    }

    /// Checks what serde cannot: cross-key rules such as "a primary key column is not
    /// nullable" or "`execute` has some SQL". Field-level rules (non-empty names,
    /// `foreign_key` shape, constraint types) are already enforced by deserialisation.
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            Op::CreateTable(op) => op.validate(),
            Op::AddColumn(op) => op.column.validate("column"),
            Op::AlterColumn(op) => op.validate(),
            Op::CreateForeignKey(op) => op.validate(),
            Op::Execute(op) => op.validate(),
            Op::CreateObject(op) => op.validate(),
            Op::DropObject(op) => op.validate(),
            Op::DropTable(_)
            | Op::RenameTable(_)
            | Op::DropColumn(_)
            | Op::CreateIndex(_)
            | Op::DropIndex(_)
            | Op::CreateUniqueConstraint(_)
            | Op::CreateCheckConstraint(_)
            | Op::CreatePrimaryKey(_)
            | Op::DropConstraint(_)
            | Op::CreateTableComment(_)
            | Op::DropTableComment(_)
            | Op::BulkInsert(_)
            | Op::DeleteRows(_)
            | Op::Call(_) => Ok(()),
        }
    }
}
