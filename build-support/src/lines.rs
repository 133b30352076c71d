//! Line numbers for problems the library reports without one: a replayed op that does
//! not fit the schema (the library names the op's index) and a broken graph (the
//! library names the file).

use std::ops::Range;
use std::path::Path;

use alembic::Error;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// `path:line: revision …: upgrade op #n (name): message` for a replay failure.
pub(crate) fn replay_problem<'t>(e: &Error, text_of: impl Fn(&Path) -> Option<&'t str>) -> String {
    let Error::Step(step) = e else {
        return e.to_string();
    };
    let Some(path) = &step.path else {
        return e.to_string();
    };
    let line = step.op.and_then(|(index, _)| {
        let text = text_of(path)?;
        span_line(text, step.direction, Some(index))
    });
    let op = match step.op {
        Some((index, name)) => format!("{} op #{} ({name})", step.direction, index + 1),
        None => step.direction.to_string(),
    };
    format!("{}: revision {}: {op}: {}", at(path, line), step.revision, step.message)
}

/// The graph error with the line of the key it is about, when it can be told.
pub(crate) fn graph_problem<'t>(e: &Error, text_of: impl Fn(&Path) -> Option<&'t str>) -> String {
    let Error::File { path, line: None, message } = e else {
        return e.to_string();
    };
    let key = if message.contains("already defined") { "revision" } else { "down_revision" };
    let line = text_of(path).and_then(|text| span_line(text, key, None));
    format!("{}: {message}", at(path, line))
}

fn at(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

/// The line of top-level `key` (or of its `index`th element) in a TOML text.
fn span_line(text: &str, key: &str, index: Option<usize>) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let (name, value) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == key)?;
    let span: Range<usize> = match index {
        None => name.span(),
        Some(i) => element(value, i)?.span(),
    };
    Some(text.as_bytes()[..span.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1)
}

fn element<'a, 'b>(value: &'a Spanned<DeValue<'b>>, index: usize) -> Option<&'a Spanned<DeValue<'b>>> {
    match value.get_ref() {
        DeValue::Array(items) => items.get(index),
        _ => None,
    }
}
