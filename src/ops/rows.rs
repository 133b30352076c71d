//! The rows of a `bulk_insert`, stored compactly.
//!
//! A revision may carry a million rows. As TOML tables each row costs kilobytes (a map
//! per row, a heap string per key); here the column names are stored once and every
//! row is one 16-byte slot per column, the strings in one shared text. A column a row
//! leaves out is [`Cell::Missing`] (TOML has no null: the column gets its default).

use std::fmt;

use serde::de::{SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One value of a row, borrowed from its [`Rows`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// The row does not name this column.
    Missing,
    /// A TOML integer.
    Integer(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML boolean.
    Boolean(bool),
    /// A TOML string.
    String(&'a str),
    /// A datetime, array or table (rare: kept as TOML).
    Other(&'a toml::Value),
}

impl Cell<'_> {
    /// The value as TOML; `None` for [`Cell::Missing`].
    pub fn to_value(&self) -> Option<toml::Value> {
        Some(match *self {
            Cell::Missing => return None,
            Cell::Integer(i) => toml::Value::Integer(i),
            Cell::Float(f) => toml::Value::Float(f),
            Cell::Boolean(b) => toml::Value::Boolean(b),
            Cell::String(s) => toml::Value::String(s.to_string()),
            Cell::Other(v) => v.clone(),
        })
    }
}

/// A stored cell: 16 bytes. Strings live in one text arena, other values in a list.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Missing,
    Integer(i64),
    Float(f64),
    Boolean(bool),
    String { start: u32, len: u32 },
    Other(u32),
}

/// The rows of a `bulk_insert`: column names in first-seen order, then one cell per
/// row and column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    columns: Vec<String>,
    slots: Vec<Slot>,
    text: String,
    others: Vec<toml::Value>,
    len: usize,
}

impl Rows {
    /// No rows.
    pub fn new() -> Self {
        Rows::default()
    }

    /// Rows from TOML tables (column name → value).
    pub fn from_tables(tables: impl IntoIterator<Item = toml::Table>) -> Self {
        let mut rows = Rows::new();
        for table in tables {
            rows.push(table);
        }
        rows
    }

    /// Room for `additional` more rows of the current width, with `text` more bytes of
    /// strings.
    pub fn reserve(&mut self, additional: usize, text: usize) {
        self.slots.reserve_exact(additional.saturating_mul(self.columns.len().max(1)));
        self.text.reserve_exact(text);
    }

    /// Appends a row. A column no earlier row named widens every row (rare: rows
    /// usually name the same columns).
    pub fn push(&mut self, table: toml::Table) {
        for key in table.keys() {
            if !self.columns.iter().any(|c| c == key) {
                self.add_column(key.clone());
            }
        }
        let width = self.columns.len();
        let start = self.slots.len();
        self.slots.resize(start + width, Slot::Missing);
        for (key, value) in table {
            if let Some(i) = self.columns.iter().position(|c| *c == key) {
                self.slots[start + i] = self.store(value);
            }
        }
        self.len += 1;
    }

    fn store(&mut self, value: toml::Value) -> Slot {
        match value {
            toml::Value::Integer(i) => Slot::Integer(i),
            toml::Value::Float(f) => Slot::Float(f),
            toml::Value::Boolean(b) => Slot::Boolean(b),
            toml::Value::String(s) => match (u32::try_from(self.text.len()), u32::try_from(s.len())) {
                (Ok(start), Ok(len)) if u32::try_from(self.text.len() + s.len()).is_ok() => {
                    self.text.push_str(&s);
                    Slot::String { start, len }
                }
                // Past 4 GiB of text: kept as a value of its own.
                _ => self.store_other(toml::Value::String(s)),
            },
            other => self.store_other(other),
        }
    }

    fn store_other(&mut self, value: toml::Value) -> Slot {
        self.others.push(value);
        Slot::Other(u32::try_from(self.others.len() - 1).unwrap_or(u32::MAX))
    }

    fn add_column(&mut self, name: String) {
        let old = self.columns.len();
        self.columns.push(name);
        if self.len == 0 {
            return;
        }
        let mut slots = Vec::with_capacity(self.len * (old + 1));
        for row in self.slots.chunks(old.max(1)).take(self.len) {
            slots.extend(row.iter().take(old).copied());
            slots.push(Slot::Missing);
        }
        self.slots = slots;
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of string values held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Every column name some row gives, in first-seen order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Row<'_>> + ExactSizeIterator {
        let width = self.columns.len().max(1);
        self.slots.chunks(width).take(self.len).map(|slots| Row { rows: self, slots })
    }

    /// The rows as TOML tables (for tests and small tools; costly for large inserts).
    pub fn to_tables(&self) -> Vec<toml::Table> {
        self.iter().map(|r| r.to_table()).collect()
    }

    fn cell(&self, slot: Slot) -> Cell<'_> {
        match slot {
            Slot::Missing => Cell::Missing,
            Slot::Integer(i) => Cell::Integer(i),
            Slot::Float(f) => Cell::Float(f),
            Slot::Boolean(b) => Cell::Boolean(b),
            Slot::String { start, len } => {
                let start = start as usize;
                Cell::String(self.text.get(start..start + len as usize).unwrap_or(""))
            }
            Slot::Other(i) => self.others.get(i as usize).map_or(Cell::Missing, Cell::Other),
        }
    }
}

/// One row of [`Rows`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    rows: &'a Rows,
    slots: &'a [Slot],
}

impl<'a> Row<'a> {
    /// The value of column `name`, if the row gives one.
    pub fn get(&self, name: &str) -> Option<Cell<'a>> {
        let i = self.rows.columns.iter().position(|c| c == name)?;
        let cell = self.rows.cell(*self.slots.get(i)?);
        (!matches!(cell, Cell::Missing)).then_some(cell)
    }

    /// The names of the columns this row gives, with their values.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Cell<'a>)> + use<'a> {
        let rows = self.rows;
        rows.columns
            .iter()
            .zip(self.slots)
            .filter(|(_, s)| !matches!(s, Slot::Missing))
            .map(move |(k, s)| (k.as_str(), rows.cell(*s)))
    }

    /// The row as a TOML table.
    pub fn to_table(&self) -> toml::Table {
        self.entries().filter_map(|(k, c)| Some((k.to_string(), c.to_value()?))).collect()
    }
}

impl From<Vec<toml::Table>> for Rows {
    fn from(tables: Vec<toml::Table>) -> Self {
        Rows::from_tables(tables)
    }
}

impl Serialize for Rows {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for row in self.iter() {
            seq.serialize_element(&RowSer(row))?;
        }
        seq.end()
    }
}

struct RowSer<'a>(Row<'a>);

impl Serialize for RowSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, cell) in self.0.entries() {
            if let Some(value) = cell.to_value() {
                map.serialize_entry(key, &value)?;
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowsVisitor;
        impl<'de> Visitor<'de> for RowsVisitor {
            type Value = Rows;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of tables (column name = value)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
                // One row at a time: no list of tables is built first.
                let mut rows = Rows::new();
                while let Some(table) = seq.next_element::<toml::Table>()? {
                    rows.push(table);
                }
                Ok(rows)
            }
        }
        deserializer.deserialize_seq(RowsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn rows_keep_values_and_missing_columns() {
        let rows = Rows::from_tables([table("a = 1\nb = 'x'"), table("b = 'y'\nc = 2.5"), table("a = 3")]);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.columns(), ["a", "b", "c"]);
        let tables = rows.to_tables();
        assert_eq!(tables[0], table("a = 1\nb = 'x'"));
        assert_eq!(tables[1], table("b = 'y'\nc = 2.5"));
        assert_eq!(tables[2], table("a = 3"));
        let second = rows.iter().nth(1).unwrap();
        assert_eq!(second.get("a"), None);
        assert_eq!(second.get("c"), Some(Cell::Float(2.5)));
    }

    #[test]
    fn rows_round_trip_through_serde() {
        let text = "rows = [{ a = 1, d = 1979-05-27T07:32:00Z }, { b = [1, 2] }]";
        #[derive(Deserialize, Serialize)]
        struct Doc {
            rows: Rows,
        }
        let doc: Doc = toml::from_str(text).unwrap();
        assert_eq!(doc.rows.len(), 2);
        let again: Doc = toml::from_str(&toml::to_string(&doc).unwrap()).unwrap();
        assert_eq!(again.rows, doc.rows);
    }
}
