//! `create_object` and `drop_object`: the objects other than tables (extensions,
//! domains, functions, views, materialized views, triggers), each known by the
//! statement that makes it. Autogenerate writes them from what it reflects; the model
//! keeps them (in [`Schema::objects`]) so that they have an inverse, offline SQL knows
//! them and a SQLite rebuild puts views and triggers back.

use serde::{Deserialize, Serialize};

use super::apply::ApplyError;
use super::validate::{Invalid, de_name, de_opt_name, de_sql};
use crate::schema::model::{ObjectKind, Schema, SchemaObject};

/// `create_object`: runs `sql`, the statement that makes the object. For a function or
/// view whose statement says `CREATE OR REPLACE`, an existing object of that name is
/// replaced, and a sequence that exists is altered to the statement's options (the
/// inverse makes the old one again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name (a function's with its argument types: `last_updated()`).
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Schema, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The table of a trigger.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub table: Option<String>,
    /// The statement that makes it.
    #[serde(deserialize_with = "de_sql")]
    pub sql: String,
}

/// `drop_object`: drops the object (`DROP VIEW …`, `DROP TRIGGER … ON …`). `sql`, the
/// statement that made it, is what the inverse runs when the model does not know the
/// object (autogenerate always writes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name.
    #[serde(deserialize_with = "de_name")]
    pub name: String,
    /// Schema, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The table of a trigger.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub table: Option<String>,
    /// The statement that made it, for the inverse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
}

impl CreateObject {
    /// The op that makes `object`.
    pub fn of(object: &SchemaObject) -> Self {
        CreateObject {
            kind: object.kind,
            name: object.name.clone(),
            schema: object.schema.clone(),
            table: object.table.clone(),
            sql: object.sql.clone(),
        }
    }

    /// The object this op makes.
    pub fn object(&self) -> SchemaObject {
        SchemaObject {
            kind: self.kind,
            schema: self.schema.clone(),
            name: self.name.clone(),
            table: self.table.clone(),
            sql: self.sql.clone(),
        }
    }

    /// Whether the statement replaces an object of the same name (`CREATE OR REPLACE`),
    /// or alters it in place: a sequence that exists is changed by `ALTER SEQUENCE`
    /// with the statement's options (dropping it would fail while a default uses it,
    /// and lose its position).
    pub fn replaces(&self) -> bool {
        if self.kind == ObjectKind::Sequence {
            return true;
        }
        let words: Vec<String> = self.sql.split_whitespace().take(3).map(str::to_ascii_uppercase).collect();
        words.len() == 3 && words[0] == "CREATE" && words[1] == "OR" && words[2] == "REPLACE"
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        validate_table(self.kind, self.table.as_deref())
    }
}

impl DropObject {
    /// The object as this op names it (with `sql` or an empty statement).
    pub fn object(&self) -> SchemaObject {
        SchemaObject {
            kind: self.kind,
            schema: self.schema.clone(),
            name: self.name.clone(),
            table: self.table.clone(),
            sql: self.sql.clone().unwrap_or_default(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        validate_table(self.kind, self.table.as_deref())
    }
}

fn validate_table(kind: ObjectKind, table: Option<&str>) -> Result<(), Invalid> {
    match (kind.on_table(), table) {
        (true, None) => Err(Invalid::new("table", format!("a {} needs the `table` it is on", kind.name()))),
        (true, Some(_)) | (false, None) => Ok(()),
        (false, Some(_)) => Err(Invalid::new("table", format!("a {} is not on a table", kind.name()))),
    }
}

/// Applies `create_object`.
pub(crate) fn create(schema: &mut Schema, op: &CreateObject) -> Result<(), ApplyError> {
    let object = op.object();
    if let Some(table) = &op.table
        && schema.table(op.schema.as_deref(), table).is_none()
    {
        return Err(ApplyError::NoTable {
            op: "create_object",
            table: crate::schema::model::qualified(op.schema.as_deref(), table),
        });
    }
    match schema.objects.iter().position(|o| o.same_object(&object)) {
        Some(i) if op.replaces() => schema.objects[i] = object,
        Some(_) => {
            return Err(ApplyError::Invalid {
                op: "create_object",
                message: format!("{} {} exists already", op.kind.name(), op.name),
            });
        }
        None => schema.objects.push(object),
    }
    Ok(())
}

/// Applies `drop_object`.
pub(crate) fn drop(schema: &mut Schema, op: &DropObject) -> Result<(), ApplyError> {
    let object = op.object();
    match schema.objects.iter().position(|o| o.same_object(&object)) {
        Some(i) => {
            schema.objects.remove(i);
            Ok(())
        }
        None => Err(ApplyError::NoObject { op: "drop_object", kind: op.kind.name(), name: op.name.clone() }),
    }
}
