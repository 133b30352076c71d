//! Index and constraint ops: `create_index`, `drop_index`,
//! `create_unique_constraint`, `create_foreign_key`, `create_check_constraint`,
//! `create_primary_key`, `drop_constraint`.

use serde::{Deserialize, Serialize};

pub use crate::schema::action::ReferentialAction;
use crate::schema::model::{ForeignKey, ForeignKeyOptions, Index, UniqueConstraint};

use super::validate::{Invalid, de_name, de_names, de_opt_name, de_opt_sql, de_sql, is_false};

/// `create_index`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIndex {
    /// Index name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// Indexed columns (or expressions, as SQL text).
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
    /// A unique index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// Partial index condition, as SQL (`where` in files).
    #[serde(
        default,
        rename = "where",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_sql"
    )]
    pub where_: Option<String>,
    /// Index method (`gin`, `gist`, `brin`, `hash`; PostgreSQL only); absent is the
    /// default, btree.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub using: Option<String>,
    /// Non-key columns stored in the index (PostgreSQL's `INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "de_names")]
    pub include: Vec<String>,
    /// Nulls equal each other for uniqueness (PostgreSQL 15's `NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// `CREATE INDEX IF NOT EXISTS`: nothing happens when the name is taken.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_not_exists: bool,
}

impl CreateIndex {
    /// The op that creates `index` on the table `table` of `schema`.
    pub fn for_index(schema: Option<&str>, table: &str, index: &Index) -> CreateIndex {
        CreateIndex {
            name: index.name.clone(),
            table: table.to_string(),
            schema: schema.map(str::to_string),
            columns: index.columns.clone(),
            unique: index.unique,
            where_: index.where_.clone(),
            using: index.using.clone(),
            include: index.include.clone(),
            nulls_not_distinct: index.nulls_not_distinct,
            if_not_exists: false,
        }
    }

    /// The index this op creates, as the model keeps it.
    pub fn to_index(&self) -> Index {
        Index {
            name: self.name.clone(),
            columns: self.columns.clone(),
            unique: self.unique,
            where_: self.where_.clone(),
            using: self.using.clone(),
            include: self.include.clone(),
            nulls_not_distinct: self.nulls_not_distinct,
        }
    }
}

/// `drop_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropIndex {
    /// Index name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table of the index (some dialects and the inverse op need it).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub table: Option<String>,
    /// Schema of the index, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// `DROP INDEX IF EXISTS`: nothing happens when there is no such index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
}

/// `create_unique_constraint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUniqueConstraint {
    /// Constraint name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The columns.
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
    /// Nulls equal each other (PostgreSQL 15's `NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
}

impl CreateUniqueConstraint {
    /// The op that adds `unique` under `name` to the table `table` of `schema`.
    pub fn for_constraint(
        schema: Option<String>,
        table: String,
        name: String,
        unique: &UniqueConstraint,
    ) -> CreateUniqueConstraint {
        CreateUniqueConstraint {
            name,
            table,
            schema,
            columns: unique.columns.clone(),
            nulls_not_distinct: unique.nulls_not_distinct,
        }
    }

    /// The constraint this op adds, as the model keeps it.
    pub fn to_constraint(&self) -> UniqueConstraint {
        UniqueConstraint {
            name: Some(self.name.clone()),
            columns: self.columns.clone(),
            nulls_not_distinct: self.nulls_not_distinct,
        }
    }
}

/// `create_foreign_key`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateForeignKey {
    /// Constraint name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// The referencing table.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
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
    /// `NOT VALID`: rows already there are not checked (PostgreSQL).
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

impl CreateForeignKey {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.columns.len() != self.ref_columns.len() {
            return Err(Invalid::new("ref_columns", "ref_columns must list as many columns as columns"));
        }
        if self.initially_deferred && !self.deferrable {
            return Err(Invalid::new("initially_deferred", "initially_deferred needs deferrable = true"));
        }
        Ok(())
    }

    /// The op that adds `fk` under `name` to the table `table` of `schema`.
    pub fn for_key(schema: Option<String>, table: String, name: String, fk: &ForeignKey) -> CreateForeignKey {
        let o = fk.options;
        CreateForeignKey {
            name,
            table,
            schema,
            columns: fk.columns.clone(),
            ref_table: fk.ref_table_text(),
            ref_columns: fk.ref_columns.clone(),
            on_delete: fk.on_delete,
            on_update: fk.on_update,
            deferrable: o.deferrable,
            initially_deferred: o.initially_deferred,
            match_full: o.match_full,
            not_valid: o.not_valid,
        }
    }

    /// The key this op adds, as the model keeps it.
    pub fn to_key(&self) -> ForeignKey {
        let options = ForeignKeyOptions {
            deferrable: self.deferrable,
            initially_deferred: self.initially_deferred,
            match_full: self.match_full,
            not_valid: self.not_valid,
        };
        let (columns, ref_columns) = (self.columns.clone(), self.ref_columns.clone());
        let actions = (self.on_delete, self.on_update);
        ForeignKey::from_parts(
            Some(self.name.clone()),
            columns,
            &self.ref_table,
            ref_columns,
            actions,
            options,
        )
    }
}

/// `create_check_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCheckConstraint {
    /// Constraint name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The condition, as SQL.
    #[serde(deserialize_with = "de_sql")]
    pub sql: String,
}

/// `create_primary_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePrimaryKey {
    /// Constraint name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The key's columns.
    #[serde(deserialize_with = "de_names")]
    pub columns: Vec<String>,
}

/// `drop_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropConstraint {
    /// Constraint name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// Kind of constraint (`type` in files).
    #[serde(rename = "type")]
    pub kind: ConstraintType,
}

/// The kind of constraint `drop_constraint` removes (Alembic's `type_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConstraintType {
    /// `unique`.
    Unique,
    /// `foreignkey`.
    ForeignKey,
    /// `check`.
    Check,
    /// `primary`.
    Primary,
}
