//! [`MetaDataError`], and the checks of a declaration that need the whole schema.

use crate::ops::Op;
use crate::ops::apply::ReplayError;
use crate::schema::model::{Schema, Table, qualified};

/// Why a [`MetaData`](super::MetaData) declaration is not a valid schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaDataError {
    /// The same table (in the same schema) is declared twice.
    #[error("table {table} is declared twice")]
    DuplicateTable {
        /// The table, schema-qualified when not in the default schema.
        table: String,
    },
    /// A column name is used twice in one table.
    #[error("table {table}: column {column} is declared twice")]
    DuplicateColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A key, constraint or index names a column the table does not declare.
    #[error("table {table}: {used_by} names column {column}, which the table does not declare")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The missing column.
        column: String,
        /// What names it (`the primary key`, `index ix_x`, …).
        used_by: String,
    },
    /// Two constraints of one table share a name.
    #[error("table {table}: constraint name {name} is used twice")]
    DuplicateConstraint {
        /// The table.
        table: String,
        /// The name.
        name: String,
    },
    /// Two indexes of one schema share a name (generated `ix_<table>_<column>` names
    /// included).
    #[error("index {index} is declared twice")]
    DuplicateIndex {
        /// The index, schema-qualified when not in the default schema.
        index: String,
    },
    /// A foreign key references a table that is not declared.
    #[error("table {table}: foreign key ({columns}) references table {target}, which is not declared")]
    UnknownReferencedTable {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// The referenced table as resolved (schema-qualified when not the default).
        target: String,
    },
    /// A foreign key references a column its target table does not declare.
    #[error("table {table}: foreign key ({columns}) references {target}.{column}, which is not declared")]
    UnknownReferencedColumn {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// The referenced table.
        target: String,
        /// The missing column.
        column: String,
    },
    /// A foreign key's referenced columns are neither the target's primary key nor
    /// unique there (PostgreSQL refuses such a key; SQLite fails on every write).
    #[error(
        "table {table}: foreign key ({columns}) references {target} ({ref_columns}), which is neither its primary key nor unique"
    )]
    ReferencedNotUnique {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// The referenced table.
        target: String,
        /// The referenced columns, comma-separated.
        ref_columns: String,
    },
    /// Anything else wrong with one table: empty names or lists, a nullable primary
    /// key, `on_delete` without `references`, a malformed reference, ….
    #[error("table {table}: {message}")]
    InvalidTable {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
}

/// Maps a replay failure (which validation should have prevented) to an error that
/// names the table.
pub(super) fn from_replay(ops: &[Op], error: ReplayError) -> MetaDataError {
    let table = match ops.get(error.index) {
        Some(Op::CreateTable(op)) => qualified(op.schema.as_deref(), &op.table),
        Some(Op::CreateIndex(op)) => qualified(op.schema.as_deref(), &op.table),
        _ => String::from("?"),
    };
    MetaDataError::InvalidTable { table, message: error.error.to_string() }
}

/// Foreign keys of `table` must point at declared columns that are the target's
/// primary key or unique (as a set: column order may differ).
pub(super) fn check_foreign_keys(schema: &Schema, table: &Table) -> Result<(), MetaDataError> {
    for fk in &table.foreign_keys {
        let target_schema = fk.ref_schema.as_deref().or(table.schema.as_deref());
        let target_name = qualified(target_schema, &fk.ref_table);
        let columns = fk.columns.join(", ");
        let Some(target) = schema.table(target_schema, &fk.ref_table) else {
            return Err(MetaDataError::UnknownReferencedTable {
                table: table.display_name(),
                columns,
                target: target_name,
            });
        };
        if let Some(missing) = fk.ref_columns.iter().find(|c| target.column(c).is_none()) {
            return Err(MetaDataError::UnknownReferencedColumn {
                table: table.display_name(),
                columns,
                target: target_name,
                column: missing.clone(),
            });
        }
        let same_set = |cols: &[String]| {
            cols.len() == fk.ref_columns.len() && fk.ref_columns.iter().all(|c| cols.contains(c))
        };
        let unique = target.primary_key.as_ref().is_some_and(|pk| same_set(&pk.columns))
            || target.uniques.iter().any(|u| same_set(&u.columns))
            || target.indexes.iter().any(|i| i.unique && i.where_.is_none() && same_set(&i.columns));
        if !unique {
            return Err(MetaDataError::ReferencedNotUnique {
                table: table.display_name(),
                columns,
                target: target_name,
                ref_columns: fk.ref_columns.join(", "),
            });
        }
    }
    Ok(())
}
