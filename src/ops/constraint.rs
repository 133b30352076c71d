//! Index and constraint ops: `create_index`, `drop_index`,
//! `create_unique_constraint`, `create_foreign_key`, `create_check_constraint`,
//! `create_primary_key`, `drop_constraint`.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::validate::{Invalid, de_name, de_names, de_opt_name, de_opt_sql, de_sql, is_false};

/// `create_index`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// `create_unique_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// `create_foreign_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl CreateForeignKey {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.columns.len() != self.ref_columns.len() {
            return Err(Invalid::new("ref_columns", "ref_columns must list as many columns as columns"));
        }
        Ok(())
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

/// A foreign key's `ON DELETE` / `ON UPDATE` action. Files may write it in any case
/// (`"cascade"`, `"SET NULL"`); it is written back in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferentialAction {
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
    /// `RESTRICT`.
    Restrict,
    /// `NO ACTION`.
    NoAction,
}

impl ReferentialAction {
    /// The SQL keywords.
    pub fn as_sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::NoAction => "NO ACTION",
        }
    }

    /// Parses an action, case-insensitively and ignoring extra spaces.
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text.split_whitespace().map(str::to_ascii_uppercase).collect();
        Some(match words.join(" ").as_str() {
            "CASCADE" => ReferentialAction::Cascade,
            "SET NULL" => ReferentialAction::SetNull,
            "SET DEFAULT" => ReferentialAction::SetDefault,
            "RESTRICT" => ReferentialAction::Restrict,
            "NO ACTION" => ReferentialAction::NoAction,
            _ => return None,
        })
    }
}

impl fmt::Display for ReferentialAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

impl Serialize for ReferentialAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_sql())
    }
}

impl<'de> Deserialize<'de> for ReferentialAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ReferentialAction::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown referential action \"{text}\", expected one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION"
            ))
        })
    }
}
