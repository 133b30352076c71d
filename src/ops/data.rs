//! Data ops: `bulk_insert` and `execute`. Both are opaque to the schema model.

use serde::{Deserialize, Serialize};

use super::rows::Rows;
use super::validate::{Invalid, de_name, de_opt_name, de_opt_sql};

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

/// `execute`: raw SQL, either for every dialect (`sql`) or per dialect (`sqlite`,
/// `postgresql`). A dialect-specific text wins over `sql`; a dialect with neither runs
/// nothing for this op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Execute {
    /// SQL for every dialect.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_sql")]
    pub sql: Option<String>,
    /// SQL for SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_sql")]
    pub sqlite: Option<String>,
    /// SQL for PostgreSQL.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_sql")]
    pub postgresql: Option<String>,
    /// Schema the statements assume, for symmetry with the other ops (informational).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "de_opt_name")]
    pub schema: Option<String>,
}

impl Execute {
    /// SQL for every dialect.
    pub fn new(sql: impl Into<String>) -> Self {
        Execute { sql: Some(sql.into()), ..Execute::default() }
    }

    /// The SQL to run on `dialect` (`"sqlite"` or `"postgresql"`), if any.
    pub fn sql_for(&self, dialect: &str) -> Option<&str> {
        let specific = match dialect {
            "sqlite" => self.sqlite.as_deref(),
            "postgresql" => self.postgresql.as_deref(),
            _ => None,
        };
        specific.or(self.sql.as_deref())
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.sql.is_none() && self.sqlite.is_none() && self.postgresql.is_none() {
            return Err(Invalid::new("", "execute needs `sql`, or `sqlite` and/or `postgresql`"));
        }
        Ok(())
    }
}
