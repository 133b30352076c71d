//! Checks on op values that serde alone cannot express: non-empty names, column lists
//! that refer to declared columns, at least one SQL text for `execute`, and so on.
//!
//! Field-level checks run during deserialisation (the `de_*` helpers, so the error
//! carries the value's position); whole-op checks return an [`Invalid`] naming the key
//! at fault relative to the op, which the file parser turns into a line number.

use serde::de::{Deserialize, Deserializer, Error as _};

/// A problem found in an op after deserialisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Path of the key at fault inside the op (`columns[1].name`); empty for the op
    /// as a whole.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Invalid {
    /// A problem with `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid { key: key.into(), message: message.into() }
    }
}

/// Serde helper: a name that must not be empty or blank.
pub(crate) fn de_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if name.trim().is_empty() {
        return Err(D::Error::custom("must not be empty"));
    }
    Ok(name)
}

/// Serde helper: an optional name that, when given, must not be empty.
pub(crate) fn de_opt_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    de_name(deserializer).map(Some)
}

/// Serde helper: a non-empty list of non-empty names.
pub(crate) fn de_names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    if names.is_empty() {
        return Err(D::Error::custom("must list at least one name"));
    }
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(D::Error::custom("names must not be empty"));
    }
    Ok(names)
}

/// Serde helper: a SQL text that must not be blank.
pub(crate) fn de_sql<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let sql = String::deserialize(deserializer)?;
    if sql.trim().is_empty() {
        return Err(D::Error::custom("the SQL must not be empty"));
    }
    Ok(sql)
}

/// Serde helper: optional SQL text that, when given, must not be blank.
pub(crate) fn de_opt_sql<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    de_sql(deserializer).map(Some)
}

/// Serde helper for `skip_serializing_if`.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// Checks that every name of `names` (found under `key`) is one of `known`.
pub(crate) fn names_known(key: &str, names: &[String], known: &[&str]) -> Result<(), Invalid> {
    for (i, name) in names.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            return Err(Invalid::new(format!("{key}[{i}]"), format!("no column `{name}` in this table")));
        }
    }
    Ok(())
}
