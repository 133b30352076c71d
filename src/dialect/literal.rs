//! SQL literals for `bulk_insert` values (TOML values), per dialect and column type.
//!
//! - strings: single-quoted, quotes doubled. On PostgreSQL a string holding a
//!   backslash is written as an escape string (`E'C:\\temp\\'`, backslashes doubled),
//!   which means the same text whatever the server's `standard_conforming_strings`
//!   says: a plain `'…\'` would end early when that setting is off, letting the rest of
//!   the value run as SQL. Online, `bulk_insert` rows are bound as parameters instead
//!   (see [`crate::runtime::connection::RowBatch`]);
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
use crate::ops::{Cell, Row, Rows};
use crate::schema::model::Table;
use crate::schema::types::SqlType;

/// A string literal for `dialect`: `'it''s'`; on PostgreSQL, text with a backslash
/// becomes `E'a\\b'` (see the module docs), so the literal keeps its value under any
/// server setting. SQLite never treats a backslash specially.
pub fn string_literal(dialect: Dialect, text: &str) -> String {
    dialect.imp().string_literal(text)
}

/// The SQL literal for `value` in a column of type `ty` (when known).
pub fn literal(dialect: Dialect, value: &toml::Value, ty: Option<&SqlType>) -> String {
    match value {
        toml::Value::String(s) => text_literal(dialect, s, ty),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => float_literal(dialect, *f),
        toml::Value::Boolean(b) => bool_literal(dialect, *b),
        toml::Value::Datetime(dt) => string_literal(dialect, &datetime_text(dt)),
        toml::Value::Array(_) | toml::Value::Table(_) => string_literal(dialect, &json_text(value)),
    }
}

/// [`literal`] for a cell of `bulk_insert` rows (`None` for a missing cell).
pub fn cell_literal(dialect: Dialect, cell: Cell<'_>, ty: Option<&SqlType>) -> Option<String> {
    Some(match cell {
        Cell::Missing => return None,
        Cell::Integer(i) => i.to_string(),
        Cell::Float(f) => float_literal(dialect, f),
        Cell::Boolean(b) => bool_literal(dialect, b),
        Cell::String(s) => text_literal(dialect, s, ty),
        Cell::Other(v) => literal(dialect, v, ty),
    })
}

fn text_literal(dialect: Dialect, s: &str, ty: Option<&SqlType>) -> String {
    string_literal(dialect, &text_value(dialect.imp().uuid_as_hex(), s, ty))
}

/// The text stored for a TOML string: as written, except a `uuid` string into a SQLite
/// `uuid` column (stored as `CHAR(32)`), which loses its hyphens as SQLAlchemy does.
fn text_value<'s>(uuid_as_hex: bool, s: &'s str, ty: Option<&SqlType>) -> std::borrow::Cow<'s, str> {
    if uuid_as_hex
        && ty == Some(&SqlType::Uuid)
        && let Ok(id) = uuid::Uuid::parse_str(s)
    {
        return id.simple().to_string().into();
    }
    s.into()
}

fn bool_literal(dialect: Dialect, b: bool) -> String {
    dialect.imp().bool_literal(b).to_string()
}

fn datetime_text(dt: &toml::value::Datetime) -> String {
    dt.to_string().replacen('T', " ", 1)
}

fn json_text(value: &toml::Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn float_literal(dialect: Dialect, f: f64) -> String {
    if f.is_finite() {
        // `{:?}` keeps a decimal point or exponent, so the value stays a float.
        return format!("{f:?}");
    }
    dialect.imp().non_finite_literal(f)
}

/// `INSERT INTO t (a, b) VALUES (1, 'x')` for one row; columns in table order.
pub fn insert_row_sql(dialect: Dialect, table: &Table, row: Row<'_>) -> Result<String, RenderError> {
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
pub fn delete_row_sql(dialect: Dialect, table: &Table, row: Row<'_>) -> Result<String, RenderError> {
    let mut conditions = Vec::new();
    for column in &table.columns {
        if column.ty == SqlType::Json {
            continue;
        }
        if let Some(value) = row.get(&column.name).and_then(|c| cell_literal(dialect, c, Some(&column.ty))) {
            conditions.push(format!("{} = {value}", quote_identifier(dialect, &column.name)));
        }
    }
    if conditions.is_empty() {
        return Err(RenderError::Unsupported {
            op: "delete_rows",
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
    row: Row<'_>,
) -> Result<(Vec<String>, Vec<String>), RenderError> {
    if let Some((unknown, _)) = row.entries().find(|(k, _)| table.column(k).is_none()) {
        return Err(unknown_column(table, unknown));
    }
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        if let Some(value) = row.get(&column.name).and_then(|c| cell_literal(dialect, c, Some(&column.ty))) {
            columns.push(quote_identifier(dialect, &column.name));
            values.push(value);
        }
    }
    if columns.is_empty() {
        return Err(empty_row(table));
    }
    Ok((columns, values))
}

fn unknown_column(table: &Table, column: &str) -> RenderError {
    RenderError::Unsupported {
        op: "bulk_insert",
        message: format!("table {} has no column {column}", table.display_name()),
    }
}

fn empty_row(table: &Table) -> RenderError {
    RenderError::Unsupported {
        op: "bulk_insert",
        message: format!("an empty row for table {}", table.display_name()),
    }
}

// ----- rows bound as parameters ---------------------------------------------------

/// A value bound to a statement parameter: no literal, so nothing in it can ever be
/// read as SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// SQL NULL (SQLite's NaN).
    Null,
    /// An integer (SQLite binds it as INTEGER).
    Integer(i64),
    /// A float (SQLite binds it as REAL).
    Float(f64),
    /// Text in the form the database parses for the column's type (PostgreSQL receives
    /// every parameter as text and converts it as it would a quoted literal).
    Text(String),
}

/// Rows that name the same columns, for one parameterised `INSERT`: what an online run
/// sends instead of one literal statement per row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowBatch {
    /// The table, quoted and qualified.
    pub table: String,
    /// The columns the rows give, quoted, in table order.
    pub columns: Vec<String>,
    /// The values, row after row (`columns.len()` per row).
    pub values: Vec<Param>,
}

impl RowBatch {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len() / self.columns.len().max(1)
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `INSERT INTO t (a, b) VALUES (?, ?), (?, ?)` for `rows` rows, with `placeholder`
    /// writing the n-th parameter (0-based): `?` for SQLite, `$n` for PostgreSQL.
    pub fn insert_sql(&self, rows: usize, placeholder: impl Fn(usize) -> String) -> String {
        let width = self.columns.len();
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&placeholder(r * width + c));
            }
            sql.push(')');
        }
        sql
    }
}

/// A `bulk_insert` checked against its table: renders the rows as literal statements
/// (offline) or as [`RowBatch`]es (online), one row at a time, so neither holds more
/// than a batch in memory.
#[derive(Debug, Clone)]
pub struct InsertRows<'r> {
    dialect: Dialect,
    table: Table,
    rows: &'r Rows,
}

impl<'r> InsertRows<'r> {
    /// Checks that every row fits `table` (no unknown column, no empty row).
    pub fn new(dialect: Dialect, table: &Table, rows: &'r Rows) -> Result<Self, RenderError> {
        if let Some(unknown) = rows.columns().iter().find(|c| table.column(c).is_none()) {
            return Err(unknown_column(table, unknown));
        }
        if rows.iter().any(|r| r.entries().next().is_none()) {
            return Err(empty_row(table));
        }
        // Only the columns are needed: a table without its indexes and constraints.
        let table =
            Table { columns: table.columns.clone(), ..Table::new(table.schema.clone(), table.name.clone()) };
        Ok(InsertRows { dialect, table, rows })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// One literal `INSERT` per row, as offline SQL writes them.
    pub fn statements(&self) -> impl Iterator<Item = String> + '_ {
        // `new` checked every row, so rendering cannot fail.
        self.rows.iter().filter_map(|row| insert_row_sql(self.dialect, &self.table, row).ok())
    }

    /// The first statement, shown in errors in place of the whole insert.
    pub fn first_statement(&self) -> Option<String> {
        self.statements().next()
    }

    /// The rows as batches of at most `max_rows` rows (and at most `max_params`
    /// values) that name the same columns, in order.
    pub fn batches(&self, max_rows: usize, max_params: usize) -> impl Iterator<Item = RowBatch> + '_ {
        let mut rows = self.rows.iter().peekable();
        let table = qualified_name(self.dialect, self.table.schema.as_deref(), &self.table.name);
        std::iter::from_fn(move || {
            let first = rows.peek()?;
            let present: Vec<usize> = (0..self.table.columns.len())
                .filter(|&i| first.get(&self.table.columns[i].name).is_some())
                .collect();
            let columns: Vec<String> = present
                .iter()
                .map(|&i| quote_identifier(self.dialect, &self.table.columns[i].name))
                .collect();
            let limit = max_rows.min(max_params / present.len().max(1)).max(1);
            let mut batch = RowBatch { table: table.clone(), columns, values: Vec::new() };
            while batch.len() < limit {
                let Some(row) = rows.peek() else { break };
                let same = (0..self.table.columns.len())
                    .all(|i| row.get(&self.table.columns[i].name).is_some() == present.contains(&i));
                if !same {
                    break;
                }
                for &i in &present {
                    let column = &self.table.columns[i];
                    let cell = row.get(&column.name).unwrap_or(Cell::Missing);
                    batch.values.push(param(self.dialect, cell, &column.ty));
                }
                rows.next();
            }
            Some(batch)
        })
    }
}

/// The parameter for `cell` in a column of type `ty`: the value the literal would give.
fn param(dialect: Dialect, cell: Cell<'_>, ty: &SqlType) -> Param {
    dialect.imp().param(cell, ty)
}

/// A parameter with numbers bound as numbers, booleans as 0/1 and NaN as NULL (the
/// default of [`DialectImpl::param`](super::DialectImpl::param)).
pub fn typed_param(cell: Cell<'_>, ty: &SqlType, uuid_as_hex: bool) -> Param {
    match cell {
        Cell::Missing => Param::Null,
        Cell::Integer(i) => Param::Integer(i),
        Cell::Float(f) if f.is_nan() => Param::Null,
        Cell::Float(f) => Param::Float(f),
        Cell::Boolean(b) => Param::Integer(i64::from(b)),
        other => text_param(other, ty, uuid_as_hex),
    }
}

/// A parameter with every value bound as text, the server parsing it for the column
/// (NaN and the infinities as PostgreSQL spells them).
pub fn text_form_param(cell: Cell<'_>, ty: &SqlType, uuid_as_hex: bool) -> Param {
    match cell {
        Cell::Integer(i) => Param::Text(i.to_string()),
        Cell::Float(f) => Param::Text(match f {
            f if f.is_nan() => "NaN".to_string(),
            f if f.is_infinite() && f > 0.0 => "Infinity".to_string(),
            f if f.is_infinite() => "-Infinity".to_string(),
            f => format!("{f:?}"),
        }),
        Cell::Boolean(b) => Param::Text(b.to_string()),
        other => text_param(other, ty, uuid_as_hex),
    }
}

/// Strings, dates and JSON values, bound as text by every dialect.
fn text_param(cell: Cell<'_>, ty: &SqlType, uuid_as_hex: bool) -> Param {
    match cell {
        Cell::Missing => Param::Null,
        Cell::String(s) => Param::Text(text_value(uuid_as_hex, s, Some(ty)).into_owned()),
        Cell::Other(toml::Value::Datetime(dt)) => Param::Text(datetime_text(dt)),
        Cell::Other(other) => Param::Text(json_text(other)),
        Cell::Integer(i) => Param::Integer(i),
        Cell::Float(f) => Param::Float(f),
        Cell::Boolean(b) => Param::Integer(i64::from(b)),
    }
}

/// `'…'::type` or `NULL::type` without the cast (PostgreSQL prints defaults so),
/// when the text is exactly one literal followed by one cast to a type name. Used by
/// reflection and by autogenerate's comparison alike.
pub fn strip_literal_cast(text: &str) -> Option<&str> {
    let end = if text.starts_with('\'') {
        let bytes = text.as_bytes();
        let mut i = 1;
        loop {
            if i >= bytes.len() {
                return None;
            }
            if bytes[i] == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                break i + 1;
            }
            i += 1;
        }
    } else if text.len() >= 4 && text.is_char_boundary(4) && text[..4].eq_ignore_ascii_case("null") {
        4
    } else {
        return None;
    };
    let ty = text[end..].strip_prefix("::")?;
    // A type name: words, spaces, parentheses, brackets, dots, quotes; no operator.
    let plain = !ty.is_empty() && ty.chars().all(|c| c.is_alphanumeric() || " _().,[]\"".contains(c));
    (plain && !ty.contains("::")).then_some(&text[..end])
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
