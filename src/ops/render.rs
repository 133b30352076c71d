//! Ops back to TOML text, in the style of DESIGN.md: one `[[upgrade]]` table per op,
//! `op` first, keys in a fixed reading order, columns and other nested tables as
//! inline tables one per line.

use super::Op;

/// Reading order of keys within an op or a nested table. Keys not listed (the
/// column names of `bulk_insert` rows) come after, in their own order.
const KEY_ORDER: &[&str] = &[
    "op",
    "function",
    "name",
    "table",
    "schema",
    "column",
    "new_name",
    "type",
    "collation",
    "columns",
    "using",
    "include",
    "nullable",
    "primary_key",
    "autoincrement",
    "server_default",
    "unique",
    "nulls_not_distinct",
    "index",
    "foreign_key",
    "foreign_keys",
    "checks",
    "indexes",
    "ref_table",
    "ref_columns",
    "on_delete",
    "on_update",
    "where",
    "sql",
    "sqlite",
    "postgresql",
    "comment",
    "existing_type",
    "existing_nullable",
    "existing_server_default",
    "rows",
    "args",
];

/// The key serde uses to carry a TOML datetime through a table.
const DATETIME_KEY: &str = "$__toml_private_datetime";

/// Renders `ops` as an array of tables named `section` (`"upgrade"` or
/// `"downgrade"`), each op preceded by `[[section]]` and separated by a blank line.
/// Empty `ops` give an empty string.
pub fn render_ops_toml(section: &str, ops: &[Op]) -> Result<String, toml::ser::Error> {
    let mut out = String::new();
    for (i, op) in ops.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("[[{section}]]\n"));
        out.push_str(&render_op_toml(op)?);
    }
    Ok(out)
}

/// Renders one op's keys as `key = value` lines (without a table header).
pub fn render_op_toml(op: &Op) -> Result<String, toml::ser::Error> {
    let table = match toml::Value::try_from(op)? {
        toml::Value::Table(table) => table,
        // An op always serialises to a table; anything else would be a bug in the
        // serde attributes, reported rather than panicking.
        other => {
            return Err(<toml::ser::Error as serde::ser::Error>::custom(format!(
                "op serialised to a {} instead of a table",
                other.type_str()
            )));
        }
    };
    let mut out = String::new();
    for (key, value) in ordered(&table) {
        out.push_str(&render_key(key));
        out.push_str(" = ");
        match value {
            toml::Value::Array(items) if !items.is_empty() && items.iter().all(toml::Value::is_table) => {
                out.push_str("[\n");
                for item in items {
                    out.push_str("    ");
                    out.push_str(&render_inline(item));
                    out.push_str(",\n");
                }
                out.push(']');
            }
            other => out.push_str(&render_inline(other)),
        }
        out.push('\n');
    }
    Ok(out)
}

/// A table's entries in [`KEY_ORDER`].
fn ordered(table: &toml::Table) -> Vec<(&String, &toml::Value)> {
    let mut entries: Vec<(&String, &toml::Value)> = table.iter().collect();
    let rank = |key: &str| KEY_ORDER.iter().position(|k| *k == key).unwrap_or(KEY_ORDER.len());
    // A stable sort keeps the unlisted keys in the table's own order.
    entries.sort_by_key(|(key, _)| rank(key));
    entries
}

/// A value on one line: scalars as TOML writes them, arrays `[a, b]`, tables
/// `{ k = v }`.
fn render_inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render_inline).collect();
            format!("[{}]", parts.join(", "))
        }
        toml::Value::Table(table) if table.is_empty() => "{}".to_string(),
        // Serde carries TOML datetimes as this one-key table; write the datetime.
        toml::Value::Table(table) if table.len() == 1 && table.contains_key(DATETIME_KEY) => {
            match &table[DATETIME_KEY] {
                toml::Value::String(text) => text.clone(),
                other => render_inline(other),
            }
        }
        toml::Value::Table(table) => {
            let parts: Vec<String> = ordered(table)
                .into_iter()
                .map(|(k, v)| format!("{} = {}", render_key(k), render_inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// A key, bare when TOML allows it, else a basic string on one line (TOML keys
/// cannot be multi-line strings, which the value writer may choose).
pub(crate) fn render_key(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return key.to_string();
    }
    let mut out = String::with_capacity(key.len() + 2);
    out.push('"');
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
