//! Data ops: `bulk_insert` and `execute`. Both are opaque to the schema model.

use std::collections::BTreeMap;

use serde::de::{DeserializeSeed, Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::rows::Rows;
use super::validate::{Invalid, de_name, de_opt_name, de_sql};
use crate::dialect::name::Dialect;

/// `bulk_insert`: rows inserted into a table (Alembic's `op.bulk_insert`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkInsert {
    /// Table name.
    #[serde(deserialize_with = "de_name")]
    pub table: String,
    /// Schema of the table, when not the default.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
    /// The rows: column name → value, stored compactly (see [`Rows`]).
    pub rows: Rows,
}

/// `execute`: raw SQL, either for every dialect (`sql`) or per dialect (a key named
/// after the dialect: `sqlite`, `postgresql`). A dialect-specific text wins over `sql`;
/// a dialect with neither runs nothing for this op.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Execute {
    /// SQL for every dialect.
    pub sql: Option<String>,
    /// SQL for one dialect, by the dialect's name ([`Dialect::name`]).
    pub per_dialect: BTreeMap<String, String>,
    /// Schema the statements assume, for symmetry with the other ops (informational).
    pub schema: Option<String>,
}

impl Execute {
    /// SQL for every dialect.
    pub fn new(sql: impl Into<String>) -> Self {
        Execute { sql: Some(sql.into()), ..Execute::default() }
    }

    /// SQL for `dialect` only.
    pub fn only(dialect: Dialect, sql: impl Into<String>) -> Self {
        Execute::default().with(dialect, sql)
    }

    /// This op with SQL for `dialect` too.
    pub fn with(mut self, dialect: Dialect, sql: impl Into<String>) -> Self {
        self.per_dialect.insert(dialect.name().to_string(), sql.into());
        self
    }

    /// The SQL to run on the dialect named `dialect`, if any.
    pub fn sql_for(&self, dialect: &str) -> Option<&str> {
        self.per_dialect.get(dialect).map(String::as_str).or(self.sql.as_deref())
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.sql.is_none() && self.per_dialect.is_empty() {
            let names: Vec<String> = Dialect::ALL.iter().map(|d| format!("`{d}`")).collect();
            return Err(Invalid::new(
                "",
                format!("execute needs `sql`, or SQL per dialect ({})", names.join(", ")),
            ));
        }
        Ok(())
    }
}

impl Serialize for Execute {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(sql) = &self.sql {
            map.serialize_entry("sql", sql)?;
        }
        // In the registry's order, as the keys were always written.
        for dialect in Dialect::ALL {
            if let Some(sql) = self.per_dialect.get(dialect.name()) {
                map.serialize_entry(dialect.name(), sql)?;
            }
        }
        if let Some(schema) = &self.schema {
            map.serialize_entry("schema", schema)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Execute {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Execute;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an execute op")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Execute, A::Error> {
                let mut out = Execute::default();
                while let Some(key) = map.next_key::<String>()? {
                    let duplicate = || A::Error::custom(format!("duplicate field `{key}`"));
                    match key.as_str() {
                        "sql" if out.sql.is_some() => return Err(duplicate()),
                        "sql" => out.sql = Some(map.next_value_seed(SqlText)?),
                        "schema" if out.schema.is_some() => return Err(duplicate()),
                        "schema" => out.schema = Some(map.next_value_seed(NameText)?),
                        name => match Dialect::ALL.into_iter().find(|d| d.name() == name) {
                            Some(_) if out.per_dialect.contains_key(name) => return Err(duplicate()),
                            Some(_) => {
                                let sql = map.next_value_seed(SqlText)?;
                                out.per_dialect.insert(key, sql);
                            }
                            None => {
                                let mut expected = vec!["sql".to_string()];
                                expected.extend(Dialect::ALL.iter().map(|d| d.name().to_string()));
                                expected.push("schema".to_string());
                                let expected: Vec<String> =
                                    expected.iter().map(|e| format!("`{e}`")).collect();
                                return Err(A::Error::custom(format!(
                                    "unknown field `{name}`, expected one of {}",
                                    expected.join(", ")
                                )));
                            }
                        },
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// Non-blank SQL text ([`de_sql`]).
struct SqlText;

impl<'de> DeserializeSeed<'de> for SqlText {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        de_sql(deserializer)
    }
}

/// A valid name ([`de_name`]).
struct NameText;

impl<'de> DeserializeSeed<'de> for NameText {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        de_name(deserializer)
    }
}
