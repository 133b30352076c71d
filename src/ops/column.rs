//! Columns and the column ops: `add_column`, `drop_column`, `alter_column`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::validate::{Invalid, de_name, de_opt_name, is_false};
use crate::schema::model::{Computed, Identity};
use crate::schema::types::{SqlType, de_opt_written, de_written};

/// A column as declared in `create_table.columns` or `add_column.column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Neutral type (`type` in files; SQLAlchemy's names are read as aliases).
    #[serde(rename = "type", deserialize_with = "de_written")]
    pub ty: SqlType,
    /// `nullable` as written; absent means true, or false for a primary key
    /// (see [`Column::is_nullable`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// Part of the primary key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// `autoincrement` as written; absent means the dialect's default for an integer
    /// primary key (Alembic's "auto").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoincrement: Option<bool>,
    /// Default as SQL text (`"now()"`, `"'active'"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_default: Option<String>,
    /// A single-column unique constraint.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A single-column index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub index: bool,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// A single-column foreign key, `"table.column"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<ForeignKeyRef>,
    /// `identity = { always = true, start = 100 }`: `GENERATED … AS IDENTITY`
    /// (PostgreSQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `computed = { sql = "price * qty" }`: `GENERATED ALWAYS AS (…) STORED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed: Option<Computed>,
    /// `collation = "C"`: `COLLATE "C"` after the type.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub collation: Option<String>,
}

impl Column {
    /// A nullable column with no other options.
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: None,
            primary_key: false,
            autoincrement: None,
            server_default: None,
            unique: false,
            index: false,
            comment: None,
            foreign_key: None,
            identity: None,
            computed: None,
            collation: None,
        }
    }

    /// Whether the column accepts NULL: as written, else true except for primary keys.
    pub fn is_nullable(&self) -> bool {
        self.nullable.unwrap_or(!self.primary_key)
    }

    /// Checks the column on its own; `key` is its path for messages.
    pub(crate) fn validate(&self, key: &str) -> Result<(), Invalid> {
        if self.primary_key && self.nullable == Some(true) {
            return Err(Invalid::new(format!("{key}.nullable"), "a primary key column cannot be nullable"));
        }
        Ok(())
    }
}

/// The target of a column's `foreign_key = "table.column"`. The table part may be
/// schema-qualified (`"audit.users.id"`): the column is after the last dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyRef {
    /// Referenced table (possibly `schema.table`).
    pub table: String,
    /// Referenced column.
    pub column: String,
}

impl ForeignKeyRef {
    /// Parses `"table.column"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.rsplit_once('.') {
            Some((table, column))
                if !table.trim().is_empty() && !column.trim().is_empty() && !table.ends_with('.') =>
            {
                Ok(ForeignKeyRef { table: table.to_string(), column: column.to_string() })
            }
            _ => Err(format!("foreign_key must have the form \"table.column\", got \"{text}\"")),
        }
    }
}

impl fmt::Display for ForeignKeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

impl Serialize for ForeignKeyRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ForeignKeyRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ForeignKeyRef::parse(&text).map_err(de::Error::custom)
    }
}

/// `add_column`: adds one column to an existing table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The new column.
    pub column: Column,
}

/// `drop_column`: removes a column by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// Name of the column to drop.
    #[serde(deserialize_with = "de_name")]
    pub column: String,
}

/// A change to a column's text attribute in `alter_column`: set a new value, or drop
/// it (written `false` in files, as Alembic's `server_default=None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOrDrop {
    /// Set to this SQL text / comment.
    Set(String),
    /// Remove it (`false`).
    Drop,
}

impl Serialize for SetOrDrop {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SetOrDrop::Set(text) => serializer.serialize_str(text),
            SetOrDrop::Drop => serializer.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for SetOrDrop {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetOrDropVisitor;
        impl Visitor<'_> for SetOrDropVisitor {
            type Value = SetOrDrop;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, or false to drop it")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SetOrDrop, E> {
                Ok(SetOrDrop::Set(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<SetOrDrop, E> {
                if v { Err(E::invalid_value(de::Unexpected::Bool(true), &self)) } else { Ok(SetOrDrop::Drop) }
            }
        }
        deserializer.deserialize_any(SetOrDropVisitor)
    }
}

/// A change to a column's identity in `alter_column`: make it (or change it to) this
/// identity, or drop it (written `false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityChange {
    /// `identity = { always = true, … }`.
    Set(Identity),
    /// `identity = false`.
    Drop,
}

impl Serialize for IdentityChange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            IdentityChange::Set(identity) => identity.serialize(serializer),
            IdentityChange::Drop => serializer.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for IdentityChange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Flag(bool),
            Identity(Identity),
        }
        match Written::deserialize(deserializer) {
            Ok(Written::Flag(false)) => Ok(IdentityChange::Drop),
            Ok(Written::Identity(identity)) => Ok(IdentityChange::Set(identity)),
            _ => Err(de::Error::custom(
                "expected an identity table ({ always = true, start = 1, … }) or false",
            )),
        }
    }
}

/// `alter_column`: renames a column or changes its type, nullability, default or
/// comment. The `existing_*` keys describe the column before the change (some
/// dialects need them, as in Alembic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlterColumn {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// Name of the column to change.
    #[serde(deserialize_with = "de_name")]
    pub column: String,
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub new_name: Option<String>,
    /// New type (`type` in files).
    #[serde(
        default,
        rename = "type",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_written"
    )]
    pub ty: Option<SqlType>,
    /// New nullability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// New server default, or `false` to drop it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_default: Option<SetOrDrop>,
    /// New comment, or `false` to drop it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<SetOrDrop>,
    /// New collation, or `false` for the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<SetOrDrop>,
    /// New identity, or `false` to drop it (PostgreSQL; the sequence keeps its
    /// position when only its options change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityChange>,
    /// The type before the change.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_written")]
    pub existing_type: Option<SqlType>,
    /// The nullability before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_nullable: Option<bool>,
    /// The server default before the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_server_default: Option<String>,
}

impl AlterColumn {
    /// An `alter_column` of `table.column` that changes nothing yet.
    pub fn new(table: impl Into<String>, column: impl Into<String>) -> Self {
        AlterColumn {
            table: table.into(),
            schema: None,
            column: column.into(),
            new_name: None,
            ty: None,
            nullable: None,
            server_default: None,
            comment: None,
            collation: None,
            identity: None,
            existing_type: None,
            existing_nullable: None,
            existing_server_default: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        let changes = self.new_name.is_some()
            || self.ty.is_some()
            || self.nullable.is_some()
            || self.server_default.is_some()
            || self.comment.is_some()
            || self.collation.is_some()
            || self.identity.is_some();
        if !changes {
            return Err(Invalid::new(
                "",
                "alter_column changes nothing: give at least one of new_name, type, nullable, server_default, comment, collation, identity",
            ));
        }
        Ok(())
    }
}
