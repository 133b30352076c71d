//! Plain `.sql` revision files (format in the parent module's documentation).

use super::document::{Kind, Source, parse_keys};
use super::{RevisionScript, doc_comment};
use crate::Error;
use crate::ops::{Execute, Op};

/// A section marker line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Upgrade,
    Downgrade,
}

/// `-- upgrade` / `-- downgrade` (any case, any spacing after `--`).
fn marker(line: &str) -> Option<Marker> {
    let rest = line.trim().strip_prefix("--")?.trim();
    if rest.eq_ignore_ascii_case("upgrade") {
        Some(Marker::Upgrade)
    } else if rest.eq_ignore_ascii_case("downgrade") {
        Some(Marker::Downgrade)
    } else {
        None
    }
}

/// The text of a header comment line after `--` and one optional space.
fn comment_text(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("--")?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// Whether a comment's text is a `key = value` line: an identifier, then `=`.
fn is_key_line(text: &str) -> bool {
    let text = text.trim_start();
    let ident_len = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    ident_len > 0
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text[ident_len..].trim_start().starts_with('=')
}

pub(crate) fn parse(src: &Source<'_>) -> Result<RevisionScript, Error> {
    let lines: Vec<&str> = src.text.lines().collect();
    // Byte offset of each line start, so errors can use the shared span machinery.
    let mut offsets = Vec::with_capacity(lines.len());
    let mut offset = 0;
    for line in src.text.split_inclusive('\n') {
        offsets.push(offset);
        offset += line.len();
    }
    let at_line = |i: usize| offsets.get(i).map(|&o| o..o);

    let mut upgrade_at = None;
    let mut downgrade_at = None;
    // The first line before `-- upgrade` that is not a comment: an error, reported
    // after a missing `-- upgrade` line (the likelier mistake).
    let mut stray = None;
    for (i, line) in lines.iter().enumerate() {
        match marker(line) {
            Some(Marker::Upgrade) if upgrade_at.is_some() => {
                return Err(src.error(at_line(i), "a second `-- upgrade` line"));
            }
            Some(Marker::Downgrade) if downgrade_at.is_some() => {
                return Err(src.error(at_line(i), "a second `-- downgrade` line"));
            }
            Some(Marker::Upgrade) => upgrade_at = Some(i),
            Some(Marker::Downgrade) if upgrade_at.is_none() => {
                return Err(src.error(at_line(i), "`-- downgrade` comes before `-- upgrade`"));
            }
            Some(Marker::Downgrade) => downgrade_at = Some(i),
            None if upgrade_at.is_none() && !line.trim().is_empty() && comment_text(line).is_none() => {
                stray.get_or_insert(i);
            }
            None => {}
        }
    }
    let Some(upgrade_at) = upgrade_at else {
        return Err(src.error(
            None,
            "no `-- upgrade` line: a .sql revision needs `-- upgrade` and `-- downgrade` sections",
        ));
    };
    if let Some(i) = stray {
        return Err(src.error(
            at_line(i),
            "SQL before the `-- upgrade` line (the header holds `--` comment lines only)",
        ));
    }

    // The header's key lines become a TOML document with the same line numbers, so
    // TOML errors point at the right line of the .sql file.
    let mut keys = String::new();
    let mut doc_lines = Vec::new();
    for line in &lines[..upgrade_at] {
        match comment_text(line) {
            Some(text) if is_key_line(text) => keys.push_str(text),
            Some(text) => doc_lines.push(text),
            None => doc_lines.push(""),
        }
        keys.push('\n');
    }
    let header = Source { path: src.path, text: &keys };
    let mut parsed = parse_keys(&header, Kind::SqlHeader)?;
    parsed.script.doc = doc_comment(doc_lines.into_iter());

    let downgrade_start = downgrade_at.unwrap_or(lines.len());
    let upgrade_sql = section(&lines[upgrade_at + 1..downgrade_start]);
    let downgrade_sql = match downgrade_at {
        Some(at) => section(&lines[at + 1..]),
        None => String::new(),
    };
    let execute = |sql: String| -> Vec<Op> {
        if sql.is_empty() {
            return Vec::new();
        }
        let op = match parsed.dialect {
            None => Execute::new(sql),
            Some(dialect) => Execute::only(dialect, sql),
        };
        vec![Op::Execute(op)]
    };
    parsed.script.upgrade = execute(upgrade_sql);
    parsed.script.downgrade = execute(downgrade_sql);
    Ok(parsed.script)
}

/// A section's SQL without its leading and trailing blank lines; empty when blank.
fn section(lines: &[&str]) -> String {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(start), Some(end)) => {
            lines[start..=end].iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
        }
        _ => String::new(),
    }
}
