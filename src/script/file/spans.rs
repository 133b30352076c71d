//! Positions in revision files: byte offsets to lines, and error spans to the key
//! path they fall in (`upgrade[0].column.nullable`), so every message names its key.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// Whether `outer` covers `inner`.
fn covers(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

/// The key path under `value` (named `prefix`) that `span` points at: the key whose
/// own span it is (errors about a key, such as an unknown one), else the deepest key
/// or element whose value covers it; `prefix` itself when none does.
pub(crate) fn locate(prefix: &str, value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> String {
    exact_key(prefix, value, span).unwrap_or_else(|| covering(prefix, value, span))
}

/// The path of the key whose span is exactly `span`, searched through the whole tree
/// (a `[upgrade.column]` sub-table's keys lie outside its parent's span).
fn exact_key(prefix: &str, value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(table) => table.iter().find_map(|(key, child)| {
            let path = join(prefix, key.get_ref());
            if key.span() == *span { Some(path) } else { exact_key(&path, child, span) }
        }),
        DeValue::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| exact_key(&format!("{prefix}[{i}]"), item, span))
        }
        _ => None,
    }
}

/// The deepest path whose key or value covers `span`.
fn covering(prefix: &str, value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> String {
    match value.get_ref() {
        DeValue::Table(table) => locate_in_table(prefix, table, span),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if covers(&item.span(), span) {
                    return covering(&format!("{prefix}[{i}]"), item, span);
                }
            }
            prefix.to_string()
        }
        _ => prefix.to_string(),
    }
}

/// [`covering`] for the entries of a table.
fn locate_in_table(prefix: &str, table: &DeTable<'_>, span: &Range<usize>) -> String {
    for (key, child) in table {
        if covers(&key.span(), span) || covers(&child.span(), span) {
            return covering(&join(prefix, key.get_ref()), child, span);
        }
    }
    prefix.to_string()
}

/// `prefix.key`, or `key` at the top.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

/// The span of the key or element at `path` (`columns[1].name`) under `value`, if it
/// exists: the key's span for a table entry, the element's for an array element.
pub(crate) fn span_of(value: &Spanned<DeValue<'_>>, path: &str) -> Option<Range<usize>> {
    let mut current = value;
    let mut span = value.span();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, indexes) = match segment.find('[') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        if !name.is_empty() {
            let table = current.get_ref().as_table()?;
            let (key, child) = table.iter().find(|(k, _)| k.get_ref() == name)?;
            span = key.span();
            current = child;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index.trim_end_matches(']').parse().ok()?;
            current = current.get_ref().as_array()?.get(index)?;
            span = current.span();
        }
    }
    Some(span)
}
