//! Neutral types rendered per dialect, as SQLAlchemy renders the matching generic
//! type (`sa.DateTime(timezone=True)` for `timestamptz`, `sa.Uuid` for `uuid`, …).
//!
//! | neutral | SQLite | PostgreSQL |
//! |---|---|---|
//! | `timestamp`, `timestamptz` | `DATETIME` | `TIMESTAMP WITHOUT/WITH TIME ZONE` |
//! | `time` | `TIME` | `TIME WITHOUT TIME ZONE` |
//! | `interval` | `DATETIME` (SQLAlchemy stores an interval as a datetime) | `INTERVAL` |
//! | `double` | `DOUBLE` | `DOUBLE PRECISION` |
//! | `blob` | `BLOB` | `BYTEA` |
//! | `uuid` | `CHAR(32)` | `UUID` |
//! | `enum(name: …)` | `VARCHAR(longest value)` plus a CHECK | the named type `name` |
//!
//! The rest map to the same upper-case name on both; `Other` is passed through.

use super::Dialect;
use crate::schema::types::SqlType;

/// The SQL type for `ty` on `dialect`. `schema` is the table's schema: PostgreSQL
/// enum types live beside the table that uses them.
pub fn render_type(dialect: Dialect, ty: &SqlType, schema: Option<&str>) -> String {
    dialect.imp().render_type(ty, schema)
}

/// The generic spelling of `ty` (the SQLite column of the table above), which a
/// dialect's [`DialectImpl::render_type`](super::DialectImpl::render_type) falls back
/// to for the types it spells no differently.
pub fn standard_type(ty: &SqlType) -> String {
    match ty {
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Integer => "INTEGER".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Boolean => "BOOLEAN".into(),
        SqlType::Varchar(None) => "VARCHAR".into(),
        SqlType::Varchar(Some(n)) => format!("VARCHAR({n})"),
        SqlType::Text => "TEXT".into(),
        SqlType::Numeric { precision: None, .. } => "NUMERIC".into(),
        SqlType::Numeric { precision: Some(p), scale: None } => format!("NUMERIC({p})"),
        SqlType::Numeric { precision: Some(p), scale: Some(s) } => format!("NUMERIC({p}, {s})"),
        SqlType::Real => "REAL".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Time => "TIME".into(),
        SqlType::Timestamp | SqlType::TimestampTz => "DATETIME".into(),
        SqlType::Interval => "DATETIME".into(),
        SqlType::Blob => "BLOB".into(),
        SqlType::Json => "JSON".into(),
        SqlType::Uuid => "CHAR(32)".into(),
        SqlType::Enum { values, .. } => {
            let longest = values.iter().map(|v| v.chars().count()).max().unwrap_or(1);
            format!("VARCHAR({})", longest.max(1))
        }
        SqlType::Other(text) => text.clone(),
    }
}

/// SQLAlchemy's "type affinity": the family a type belongs to. A change of family
/// needs an explicit conversion (CAST in a SQLite rebuild, USING on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Affinity {
    Integer,
    String,
    Numeric,
    Boolean,
    DateTime,
    Date,
    Time,
    Interval,
    Binary,
    Json,
    Uuid,
    Enum(String),
    Other(String),
}

/// The family of `ty`.
pub(crate) fn affinity(ty: &SqlType) -> Affinity {
    match ty {
        SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => Affinity::Integer,
        SqlType::Varchar(_) | SqlType::Text => Affinity::String,
        SqlType::Numeric { .. } | SqlType::Real | SqlType::Double => Affinity::Numeric,
        SqlType::Boolean => Affinity::Boolean,
        SqlType::Timestamp | SqlType::TimestampTz => Affinity::DateTime,
        SqlType::Date => Affinity::Date,
        SqlType::Time => Affinity::Time,
        SqlType::Interval => Affinity::Interval,
        SqlType::Blob => Affinity::Binary,
        SqlType::Json => Affinity::Json,
        SqlType::Uuid => Affinity::Uuid,
        SqlType::Enum { name, .. } => Affinity::Enum(name.clone()),
        SqlType::Other(text) => Affinity::Other(text.to_ascii_lowercase()),
    }
}
