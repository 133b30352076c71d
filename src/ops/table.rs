//! Table ops: `create_table` (with its nested constraints and indexes), `drop_table`,
//! `rename_table`, `create_table_comment`, `drop_table_comment`.

use serde::{Deserialize, Serialize};

use super::column::Column;
use super::constraint::ReferentialAction;
use super::validate::{Invalid, de_name, de_names, de_opt_name, de_opt_sql, de_sql, is_false, names_known};
use crate::schema::model::{ForeignKey, ForeignKeyOptions, UniqueConstraint};

/// `create_table`: a new table with its columns, constraints and indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// Primary key column names; when absent, the columns marked `primary_key`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_names")]
    pub primary_key: Option<Vec<String>>,
    /// The primary key constraint's name; `None` leaves it to the database
    /// (PostgreSQL: `<table>_pkey`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub primary_key_name: Option<String>,
    /// Unique constraints over one or more columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<UniqueSpec>,
    /// Foreign keys over one or more columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSpec>,
    /// Indexes created with the table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexSpec>,
    /// Table comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// SQLite: `AUTOINCREMENT` on the integer primary key (ignored elsewhere).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sqlite_autoincrement: bool,
    /// SQLite: a `STRICT` table (ignored elsewhere).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sqlite_strict: bool,
    /// SQLite: a `WITHOUT ROWID` table (ignored elsewhere).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sqlite_without_rowid: bool,
    /// PostgreSQL: `PARTITION BY …` (`"RANGE (created_at)"`); the partitions are
    /// `create_object` ops of kind `partition`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_sql")]
    pub partition_by: Option<String>,
    /// `CREATE TABLE IF NOT EXISTS`: nothing happens when the table is there.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_not_exists: bool,
}

/// Serde helper: an optional non-empty list of names.
fn de_opt_names<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    de_names(deserializer).map(Some)
}

impl CreateTable {
    /// The primary key column names: `primary_key` if given, else the columns marked
    /// `primary_key = true`, in column order.
    pub fn primary_key_columns(&self) -> Vec<&str> {
        match &self.primary_key {
            Some(names) => names.iter().map(String::as_str).collect(),
            None => self.columns.iter().filter(|c| c.primary_key).map(|c| c.name.as_str()).collect(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.columns.is_empty() {
            return Err(Invalid::new("columns", "a table needs at least one column"));
        }
        let mut known: Vec<&str> = Vec::with_capacity(self.columns.len());
        for (i, column) in self.columns.iter().enumerate() {
            if known.contains(&column.name.as_str()) {
                return Err(Invalid::new(
                    format!("columns[{i}].name"),
                    format!("duplicate column `{}`", column.name),
                ));
            }
            known.push(&column.name);
            column.validate(&format!("columns[{i}]"))?;
        }
        if let Some(pk) = &self.primary_key {
            names_known("primary_key", pk, &known)?;
            if self.columns.iter().any(|c| c.primary_key) {
                let marked: Vec<&str> =
                    self.columns.iter().filter(|c| c.primary_key).map(|c| c.name.as_str()).collect();
                if marked.iter().any(|m| !pk.iter().any(|p| p == m)) {
                    return Err(Invalid::new(
                        "primary_key",
                        "a column marked primary_key is missing from the table's primary_key list",
                    ));
                }
            }
        }
        if self.primary_key_name.is_some() && self.primary_key_columns().is_empty() {
            return Err(Invalid::new("primary_key_name", "names a primary key, but the table has none"));
        }
        for (i, unique) in self.unique.iter().enumerate() {
            names_known(&format!("unique[{i}].columns"), &unique.columns, &known)?;
        }
        for (i, fk) in self.foreign_keys.iter().enumerate() {
            names_known(&format!("foreign_keys[{i}].columns"), &fk.columns, &known)?;
            if fk.columns.len() != fk.ref_columns.len() {
                return Err(Invalid::new(
                    format!("foreign_keys[{i}].ref_columns"),
                    "ref_columns must list as many columns as columns",
                ));
            }
        }
        for (i, index) in self.indexes.iter().enumerate() {
            names_known(&format!("indexes[{i}].columns"), &index.columns, &known)?;
        }
        Ok(())
    }
}

/// A unique constraint inside `create_table.unique`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueSpec {
    /// Constraint name; the database names it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub name: Option<String>,
    /// The columns.
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
    /// Nulls equal each other (PostgreSQL 15's `NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
}

impl UniqueSpec {
    /// The spec declaring `unique`.
    pub fn for_constraint(unique: &UniqueConstraint) -> UniqueSpec {
        UniqueSpec {
            name: unique.name.clone(),
            columns: unique.columns.clone(),
            nulls_not_distinct: unique.nulls_not_distinct,
        }
    }

    /// The constraint this spec declares, as the model keeps it.
    pub fn to_constraint(&self) -> UniqueConstraint {
        UniqueConstraint {
            name: self.name.clone(),
            columns: self.columns.clone(),
            nulls_not_distinct: self.nulls_not_distinct,
        }
    }
}

/// A foreign key inside `create_table.foreign_keys`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeySpec {
    /// Constraint name; the database names it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub name: Option<String>,
    /// Local columns.
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
    /// Referenced table.
    #[serde(deserialize_with = "de_name")]
    pub ref_table: String,
    /// Referenced columns, matching `columns` one to one.
    #[serde(deserialize_with = "de_names")]
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<ReferentialAction>,
    /// `ON UPDATE` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<ReferentialAction>,
    /// `DEFERRABLE` (PostgreSQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (PostgreSQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
    /// `MATCH FULL` (PostgreSQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub match_full: bool,
}

impl ForeignKeySpec {
    /// The spec declaring `fk` (a `NOT VALID` key is added after the table instead: a
    /// key made with the table checks its rows, which are none).
    pub fn for_key(fk: &ForeignKey) -> ForeignKeySpec {
        ForeignKeySpec {
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            ref_table: fk.ref_table_text(),
            ref_columns: fk.ref_columns.clone(),
            on_delete: fk.on_delete,
            on_update: fk.on_update,
            deferrable: fk.options.deferrable,
            initially_deferred: fk.options.initially_deferred,
            match_full: fk.options.match_full,
        }
    }

    /// The key this spec declares, as the model keeps it.
    pub fn to_key(&self) -> ForeignKey {
        let options = ForeignKeyOptions {
            deferrable: self.deferrable,
            initially_deferred: self.initially_deferred,
            match_full: self.match_full,
            not_valid: false,
        };
        let (columns, ref_columns) = (self.columns.clone(), self.ref_columns.clone());
        let actions = (self.on_delete, self.on_update);
        ForeignKey::from_parts(self.name.clone(), columns, &self.ref_table, ref_columns, actions, options)
    }
}

/// A check constraint inside `create_table.checks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Constraint name; the database names it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub name: Option<String>,
    /// The condition, as SQL.
    #[serde(deserialize_with = "de_sql")]
    pub sql: String,
}

/// An index inside `create_table.indexes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    /// Index name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Indexed columns.
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
    /// A unique index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

/// `drop_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropTable {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// `DROP TABLE IF EXISTS`: nothing happens when the table is not there.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
}

/// `rename_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// Current table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// New table name.
    #[serde(deserialize_with = "de_name")]
    pub new_name: String,
}

/// `create_table_comment` (sets the comment) and `drop_table_comment` (removes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableComment {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// For `create_table_comment`: the new comment. For `drop_table_comment`: the
    /// existing one, which the inverse op needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
