//! The keys of a revision file, read from a spanned TOML document so that every
//! problem is reported with its line and key. Shared by `.toml` files and the header
//! block of `.sql` files.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::bulk_rows;
use super::spans::{line_of, locate, span_of};
use super::{Batch, FileWarning, RevisionScript, check_revision_id};
use crate::Error;
use crate::dialect::Dialect;
use crate::ops::{Op, Rows};

/// Which file kind the keys come from: `.sql` headers take `dialect` but no ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `.toml` revision file.
    Toml,
    /// The header block of a `.sql` revision file.
    SqlHeader,
}

/// Where errors point: the file and its text (for line numbers).
pub(crate) struct Source<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
}

impl Source<'_> {
    /// An error at `span` (or without a line).
    pub(crate) fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Error {
        Error::File {
            path: self.path.to_path_buf(),
            line: span.map(|s| line_of(self.text, s.start)),
            message: message.into(),
        }
    }

    /// A TOML syntax error, on one line.
    pub(crate) fn syntax_error(&self, err: &toml::de::Error) -> Error {
        let mut message = err.message().trim().replace('\n', "; ");
        // The parser does not say which key is duplicated; its span does.
        if message == "duplicate key"
            && let Some(key) = err.span().and_then(|s| self.text.get(s))
        {
            message = format!("duplicate key `{}`", key.trim());
        }
        self.error(err.span(), format!("invalid TOML: {message}"))
    }
}

/// The keys read from a file, before the ops or SQL are attached.
pub(crate) struct Parsed {
    pub(crate) script: RevisionScript,
    pub(crate) dialect: Option<Dialect>,
}

/// Reads the keys of `src.text` (a whole `.toml` file, or the TOML made of a `.sql`
/// file's `-- key = value` lines, line for line).
pub(crate) fn parse_keys(src: &Source<'_>, kind: Kind) -> Result<Parsed, Error> {
    // Large `bulk_insert` arrays are read apart (see `bulk_rows`); the document is then
    // the file with them emptied, on the same lines.
    let detached = if kind == Kind::Toml { bulk_rows::detach(src)? } else { None };
    let (text, mut rows) = match detached {
        Some(d) => (std::borrow::Cow::Owned(d.text), d.rows),
        None => (std::borrow::Cow::Borrowed(src.text), HashMap::new()),
    };
    let src = &Source { path: src.path, text: &text };
    let doc = DeTable::parse(src.text).map_err(|e| src.syntax_error(&e))?;
    let doc_span = doc.span();
    let mut script = RevisionScript {
        path: src.path.to_path_buf(),
        revision: String::new(),
        down_revision: Vec::new(),
        branch_labels: Vec::new(),
        depends_on: Vec::new(),
        message: String::new(),
        create_date: None,
        transactional: true,
        batch: Batch::Auto,
        doc: String::new(),
        upgrade: Vec::new(),
        downgrade: Vec::new(),
        warnings: Vec::new(),
    };
    let mut dialect = None;
    let mut have_revision = false;
    for (key, value) in doc.into_inner() {
        let name = key.get_ref().as_ref();
        let span = value.span();
        match (name, kind) {
            ("revision", _) => {
                let id = expect_str(src, name, &value)?;
                check_revision_id(id).map_err(|m| src.error(Some(span), format!("`revision`: {m}")))?;
                script.revision = id.to_string();
                have_revision = true;
            }
            ("down_revision", _) => {
                script.down_revision = str_or_list(src, name, &value)?;
                // `down_revision = ""` is a base, as absent or `None` in Alembic.
                script.down_revision.retain(|s| !s.is_empty());
                for id in &script.down_revision {
                    check_revision_id(id)
                        .map_err(|m| src.error(Some(span.clone()), format!("`down_revision`: {m}")))?;
                }
                no_repeats(src, name, &script.down_revision, &span)?;
            }
            ("branch_labels", _) => {
                script.branch_labels = str_or_list(src, name, &value)?;
                non_empty_entries(src, name, &script.branch_labels, &span)?;
                no_repeats(src, name, &script.branch_labels, &span)?;
            }
            ("depends_on", _) => {
                script.depends_on = str_or_list(src, name, &value)?;
                non_empty_entries(src, name, &script.depends_on, &span)?;
                no_repeats(src, name, &script.depends_on, &span)?;
            }
            ("message", _) => script.message = expect_str(src, name, &value)?.to_string(),
            ("create_date", _) => {
                // Written as a string by the template; a bare TOML datetime is fine too.
                script.create_date = Some(match value.get_ref() {
                    DeValue::Datetime(dt) => dt.to_string(),
                    _ => expect_str(src, name, &value)?.to_string(),
                });
            }
            ("transactional", _) => script.transactional = expect_bool(src, name, &value)?,
            ("batch", _) => {
                script.batch = match expect_str(src, name, &value)? {
                    "auto" => Batch::Auto,
                    "always" => Batch::Always,
                    other => {
                        return Err(src.error(
                            Some(span),
                            format!("`batch`: unknown value \"{other}\", expected \"auto\" or \"always\""),
                        ));
                    }
                }
            }
            ("dialect", Kind::SqlHeader) => {
                let text = expect_str(src, name, &value)?;
                dialect = Some(Dialect::ALL.into_iter().find(|d| d.name() == text).ok_or_else(|| {
                    let names: Vec<String> = Dialect::ALL.iter().map(|d| format!("\"{d}\"")).collect();
                    src.error(
                        Some(span),
                        format!("`dialect`: unknown dialect \"{text}\", expected {}", names.join(" or ")),
                    )
                })?)
            }
            ("upgrade", Kind::Toml) => {
                script.upgrade = parse_ops(src, name, value, &mut rows, &mut script.warnings)?;
            }
            ("downgrade", Kind::Toml) => {
                script.downgrade = parse_ops(src, name, value, &mut rows, &mut script.warnings)?;
            }
            _ => {
                let expected = match kind {
                    Kind::Toml => {
                        "revision, down_revision, branch_labels, depends_on, message, create_date, transactional, batch, upgrade, downgrade"
                    }
                    Kind::SqlHeader => {
                        "revision, down_revision, branch_labels, depends_on, message, create_date, transactional, batch, dialect"
                    }
                };
                return Err(
                    src.error(Some(key.span()), format!("unknown key `{name}` (expected one of {expected})"))
                );
            }
        }
    }
    if !have_revision {
        return Err(src.error(Some(doc_span.start..doc_span.start), "missing key `revision`"));
    }
    // Keys come in file order, but `[[downgrade]]` may come before `[[upgrade]]`.
    script.warnings.sort_by_key(|w| w.line);
    Ok(Parsed { script, dialect })
}

fn expect_str<'v>(src: &Source<'_>, key: &str, value: &'v Spanned<DeValue<'_>>) -> Result<&'v str, Error> {
    value.get_ref().as_str().ok_or_else(|| {
        src.error(Some(value.span()), format!("`{key}` must be a string, not {}", describe(value.get_ref())))
    })
}

fn expect_bool(src: &Source<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Result<bool, Error> {
    value.get_ref().as_bool().ok_or_else(|| {
        src.error(
            Some(value.span()),
            format!("`{key}` must be true or false, not {}", describe(value.get_ref())),
        )
    })
}

/// A string or an array of strings, as a list.
fn str_or_list(src: &Source<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, Error> {
    match value.get_ref() {
        DeValue::String(s) => Ok(vec![s.to_string()]),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.get_ref().as_str().map(str::to_string).ok_or_else(|| {
                    src.error(
                        Some(item.span()),
                        format!("`{key}[{i}]` must be a string, not {}", describe(item.get_ref())),
                    )
                })
            })
            .collect(),
        other => Err(src.error(
            Some(value.span()),
            format!("`{key}` must be a string or an array of strings, not {}", describe(other)),
        )),
    }
}

fn non_empty_entries(
    src: &Source<'_>,
    key: &str,
    entries: &[String],
    span: &Range<usize>,
) -> Result<(), Error> {
    if entries.iter().any(|e| e.trim().is_empty() || e.chars().any(char::is_whitespace)) {
        return Err(src.error(
            Some(span.clone()),
            format!("`{key}`: entries must be non-empty and without whitespace"),
        ));
    }
    Ok(())
}

/// A list key naming one entry twice (`down_revision = ["c3", "c3"]`) is a mistake: a
/// merge of a revision with itself, or a label or dependency said twice.
fn no_repeats(src: &Source<'_>, key: &str, entries: &[String], span: &Range<usize>) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    match entries.iter().find(|e| !seen.insert(e.as_str())) {
        Some(repeated) => {
            Err(src.error(Some(span.clone()), format!("`{key}`: \"{repeated}\" is listed twice")))
        }
        None => Ok(()),
    }
}

/// "a string", "an integer", … for messages.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// `upgrade` or `downgrade`: an array of op tables.
fn parse_ops(
    src: &Source<'_>,
    section: &str,
    value: Spanned<DeValue<'_>>,
    detached: &mut HashMap<usize, Rows>,
    warnings: &mut Vec<FileWarning>,
) -> Result<Vec<Op>, Error> {
    let span = value.span();
    let DeValue::Array(items) = value.into_inner() else {
        return Err(src.error(Some(span), format!("`{section}` must be an array of tables ([[{section}]])")));
    };
    let mut ops = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{section}[{i}]");
        let op = parse_op(src, &at, item, detached)?;
        unknown_types(src, &at, item, &op, warnings);
        ops.push(op);
    }
    Ok(ops)
}

/// A warning for each column type of `op` that no database knows, at the line of its
/// `type` key.
fn unknown_types(
    src: &Source<'_>,
    at: &str,
    item: &Spanned<DeValue<'_>>,
    op: &Op,
    warnings: &mut Vec<FileWarning>,
) {
    for (key, ty) in op.types() {
        let Some(text) = ty.unknown_name() else { continue };
        let type_key = if key.ends_with("type") { key.clone() } else { format!("{key}.type") };
        let span = span_of(item, &type_key).unwrap_or_else(|| item.span());
        let what = format!("unknown type `{text}` in {at}.{key}");
        warnings.push(FileWarning {
            path: src.path.to_path_buf(),
            line: Some(line_of(src.text, span.start)),
            message: format!("{what}; it is passed to the database as written"),
            strict_message: format!(
                "{what} (an error with --strict and in `check`; a type of your own passes quoted, \
                 '\"{text}\"', or schema-qualified, 'public.{text}')"
            ),
        });
    }
}

/// One op table, with errors located at the key at fault.
fn parse_op(
    src: &Source<'_>,
    at: &str,
    item: &Spanned<DeValue<'_>>,
    detached: &mut HashMap<usize, Rows>,
) -> Result<Op, Error> {
    let item_span = item.span();
    let Some(table) = item.get_ref().as_table() else {
        return Err(
            src.error(Some(item_span), format!("`{at}` must be a table, not {}", describe(item.get_ref())))
        );
    };
    let Some((_, op_value)) = table.iter().find(|(k, _)| k.get_ref() == "op") else {
        return Err(src.error(Some(item_span), format!("missing key `op` in {at}")));
    };
    let name = expect_str(src, &format!("{at}.op"), op_value)?;
    if !Op::NAMES.contains(&name) {
        return Err(src.error(
            Some(op_value.span()),
            format!("`{at}.op`: unknown op \"{name}\" (expected one of {})", Op::NAMES.join(", ")),
        ));
    }
    // The op's other keys go through serde; the spans they carry are offsets into the
    // whole file, so errors can be located.
    let rest: DeTable<'_> =
        table.iter().filter(|(k, _)| k.get_ref() != "op").map(|(k, v)| (k.clone(), v.clone())).collect();
    let deserializer = Spanned::new(item_span.clone(), DeValue::Table(rest)).into_deserializer();
    let mut op = Op::deserialize_named(name, deserializer).map_err(|e| serde_error(src, at, item, &e))?;
    if let Op::BulkInsert(bulk) = &mut op {
        let rows_at = table.iter().find(|(k, _)| k.get_ref() == "rows").map(|(_, v)| v.span().start);
        if let Some(rows) = rows_at.and_then(|at| detached.remove(&at)) {
            bulk.rows = rows;
        }
    }
    op.validate().map_err(|invalid| {
        let span = span_of(item, &invalid.key).unwrap_or(item_span.clone());
        let key = if invalid.key.is_empty() { at.to_string() } else { format!("{at}.{}", invalid.key) };
        src.error(Some(span), format!("`{key}`: {}", invalid.message))
    })?;
    Ok(op)
}

/// A serde error inside an op, rewritten to name the key at fault.
fn serde_error(src: &Source<'_>, at: &str, item: &Spanned<DeValue<'_>>, err: &toml::de::Error) -> Error {
    let message = err.message().trim().replace('\n', "; ");
    let Some(span) = err.span() else {
        return src.error(Some(item.span()), format!("`{at}`: {message}"));
    };
    let path = locate(at, item, &span);
    let text = if let Some(rest) = message.strip_prefix("unknown field `") {
        // "unknown field `x`, expected one of …": the path ends with the key itself.
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let parent = path.strip_suffix(&format!(".{field}")).unwrap_or(&path);
        let expected = expected.trim_start_matches(',').trim();
        if expected.is_empty() {
            format!("unknown key `{field}` in {parent}")
        } else {
            format!("unknown key `{field}` in {parent} ({expected})")
        }
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        format!("missing key `{field}` in {path}")
    } else {
        format!("`{path}`: {}", message.replace("unknown variant", "unknown value"))
    };
    src.error(Some(span), text)
}
