//! SQL literals for `bulk_insert` values (TOML values), per dialect and column type.
//!
//! - strings: single-quoted, quotes doubled (both databases use standard strings);
//! - integers as written; floats in Rust's shortest round-trip form (`NaN` and
//!   infinities as PostgreSQL's special strings; on SQLite infinities as `9e999` and
//!   NaN as NULL, which is how SQLite stores NaN anyway);
//! - booleans: `true`/`false` on PostgreSQL, `1`/`0` on SQLite (as SQLAlchemy);
//! - dates, times and datetimes: the TOML text as a string literal, with a space
//!   between date and time (`'2024-01-31 10:00:00'`), which both databases parse;
//! - arrays and tables: their JSON text as a string literal (for `json` columns);
//! - a `uuid` string into a SQLite `uuid` column (stored as `CHAR(32)`): the 32 hex
//!   digits without hyphens, the form SQLAlchemy stores.
//!
//! TOML has no null: a column left out of a row gets its default (or NULL).

use super::quote::{qualified_name, quote_identifier};
use super::{Dialect, RenderError};
use crate::schema::model::Table;
use crate::schema::types::SqlType;

/// A string literal: `'it''s'`.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The SQL literal for `value` in a column of type `ty` (when known).
pub fn literal(dialect: Dialect, value: &toml::Value, ty: Option<&SqlType>) -> String {
    match value {
        toml::Value::String(s) => {
            if dialect == Dialect::Sqlite && ty == Some(&SqlType::Uuid) {
                if let Ok(id) = uuid::Uuid::parse_str(s) {
                    return string_literal(&id.simple().to_string());
                }
            }
            string_literal(s)
        }
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => float_literal(dialect, *f),
        toml::Value::Boolean(b) => match (dialect, b) {
            (Dialect::Postgresql, true) => "true".to_string(),
            (Dialect::Postgresql, false) => "false".to_string(),
            (Dialect::Sqlite, true) => "1".to_string(),
            (Dialect::Sqlite, false) => "0".to_string(),
        },
        toml::Value::Datetime(dt) => string_literal(&dt.to_string().replacen('T', " ", 1)),
        toml::Value::Array(_) | toml::Value::Table(_) => {
            string_literal(&serde_json::to_string(value).unwrap_or_default())
        }
    }
}

fn float_literal(dialect: Dialect, f: f64) -> String {
    if f.is_finite() {
        // `{:?}` keeps a decimal point or exponent, so the value stays a float.
        return format!("{f:?}");
    }
    match dialect {
        Dialect::Postgresql if f.is_nan() => "'NaN'".to_string(),
        Dialect::Postgresql if f > 0.0 => "'Infinity'".to_string(),
        Dialect::Postgresql => "'-Infinity'".to_string(),
        Dialect::Sqlite if f.is_nan() => "NULL".to_string(),
        Dialect::Sqlite if f > 0.0 => "9e999".to_string(),
        Dialect::Sqlite => "-9e999".to_string(),
    }
}

/// `INSERT INTO t (a, b) VALUES (1, 'x')` for one row; columns in table order.
pub fn insert_row_sql(dialect: Dialect, table: &Table, row: &toml::Table) -> Result<String, RenderError> {
    let (columns, values) = row_columns(dialect, table, row)?;
    Ok(format!(
        "INSERT INTO {} ({}) VALUES ({})",
        qualified_name(dialect, table.schema.as_deref(), &table.name),
        columns.join(", "),
        values.join(", ")
    ))
}

/// `DELETE FROM t WHERE a = 1 AND b = 'x'`: removes a row `bulk_insert` added. JSON
/// columns are left out of the match (PostgreSQL's `json` has no equality).
pub(crate) fn delete_row_sql(
    dialect: Dialect,
    table: &Table,
    row: &toml::Table,
) -> Result<String, RenderError> {
    let mut conditions = Vec::new();
    for column in &table.columns {
        if column.ty == SqlType::Json {
            continue;
        }
        if let Some(value) = row.get(&column.name) {
            conditions.push(format!(
                "{} = {}",
                quote_identifier(dialect, &column.name),
                literal(dialect, value, Some(&column.ty))
            ));
        }
    }
    if conditions.is_empty() {
        return Err(RenderError::Unsupported {
            op: "bulk_insert",
            message: format!("a row of table {} has no value that can identify it", table.display_name()),
        });
    }
    Ok(format!(
        "DELETE FROM {} WHERE {}",
        qualified_name(dialect, table.schema.as_deref(), &table.name),
        conditions.join(" AND ")
    ))
}

/// Quoted column names and literals of a row, in table column order.
fn row_columns(
    dialect: Dialect,
    table: &Table,
    row: &toml::Table,
) -> Result<(Vec<String>, Vec<String>), RenderError> {
    if let Some(unknown) = row.keys().find(|k| table.column(k).is_none()) {
        return Err(RenderError::Unsupported {
            op: "bulk_insert",
            message: format!("table {} has no column {unknown}", table.display_name()),
        });
    }
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if let Some(value) = row.get(&column.name) {
            columns.push(quote_identifier(dialect, &column.name));
            values.push(literal(dialect, value, Some(&column.ty)));
        }
    }
    if columns.is_empty() {
        return Err(RenderError::Unsupported {
            op: "bulk_insert",
            message: format!("an empty row for table {}", table.display_name()),
        });
    }
    Ok((columns, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_per_dialect() {
        let v = |s: &str| -> toml::Value {
            toml::from_str::<toml::Table>(&format!("v = {s}")).unwrap()["v"].clone()
        };
        let pg = Dialect::Postgresql;
        let lite = Dialect::Sqlite;
        assert_eq!(literal(pg, &v("\"it's\""), None), "'it''s'");
        assert_eq!(literal(pg, &v("true"), None), "true");
        assert_eq!(literal(lite, &v("true"), None), "1");
        assert_eq!(literal(pg, &v("2.0"), None), "2.0");
        assert_eq!(literal(pg, &v("nan"), None), "'NaN'");
        assert_eq!(literal(lite, &v("-inf"), None), "-9e999");
        assert_eq!(literal(pg, &v("1979-05-27T07:32:00Z"), None), "'1979-05-27 07:32:00Z'");
        assert_eq!(literal(pg, &v("{ a = [1, 2] }"), None), "'{\"a\":[1,2]}'");
        let id = v("\"67e55044-10b1-426f-9247-bb680e5fe0c8\"");
        assert_eq!(literal(lite, &id, Some(&SqlType::Uuid)), "'67e5504410b1426f9247bb680e5fe0c8'");
    }
}
