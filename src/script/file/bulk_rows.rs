//! Large `bulk_insert` row arrays, read without a TOML tree per row.
//!
//! A spanned TOML document costs about 2.4 KB per inline table, so a revision of a
//! million rows needed gigabytes just to be parsed. Before the document is parsed, the
//! file's tokens (lexed by `toml_parser`, the lexer the `toml` crate uses) are scanned
//! for `rows = [ … ]` values of [`DETACH_AT`] bytes or more. Each such array is parsed
//! a chunk of rows at a time straight into compact [`Rows`], and the document is then
//! parsed with the array emptied: its text is replaced by the newlines it held, so
//! every line number stays what it is in the file.

use std::collections::HashMap;

use toml_parser::lexer::TokenKind;

use super::document::Source;
use crate::Error;
use crate::ops::Rows;

/// A `rows` array this long (in bytes of text) or longer is read in chunks.
pub(crate) const DETACH_AT: usize = 64 * 1024;

/// Rows parsed per chunk: the TOML tree of one chunk is all that is held at once.
const CHUNK_ROWS: usize = 2048;

/// The file's text with its large row arrays emptied, and their rows.
pub(crate) struct Detached {
    /// The text to parse as the document (same lines as the file).
    pub(crate) text: String,
    /// Rows by the offset, in `text`, of the `[` that opens their (emptied) array.
    pub(crate) rows: HashMap<usize, Rows>,
}

/// An array found by the scan: the span of its text, from `[` to `]` inclusive, and
/// how many inline tables it holds.
struct Found {
    start: usize,
    end: usize,
    tables: usize,
}

/// Reads the large `rows` arrays of `src` (none: `None`, parse the file as it is).
pub(crate) fn detach(src: &Source<'_>) -> Result<Option<Detached>, Error> {
    let found = scan(src.text);
    if found.is_empty() {
        return Ok(None);
    }
    let mut text = String::with_capacity(src.text.len().min(1 << 20));
    let mut rows = HashMap::new();
    let mut copied = 0;
    for array in found {
        text.push_str(&src.text[copied..array.start]);
        rows.insert(text.len(), parse_array(src, &array)?);
        text.push('[');
        text.extend(src.text[array.start..array.end].bytes().filter(|b| *b == b'\n').map(char::from));
        text.push(']');
        copied = array.end;
    }
    text.push_str(&src.text[copied..]);
    Ok(Some(Detached { text, rows }))
}

/// Finds the top-level `rows = [ … ]` values of at least [`DETACH_AT`] bytes.
fn scan(text: &str) -> Vec<Found> {
    let source = toml_parser::Source::new(text);
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut line_start = true;
    let mut in_header = false;
    // At depth 0: the key read so far is exactly `rows`; `=` was seen.
    let mut key_is_rows = false;
    let mut key_parts = 0usize;
    let mut after_equals = false;
    // The `rows` array being read: where it opened, its depth, its inline tables.
    let mut open: Option<(usize, usize, usize)> = None;
    for token in source.lex() {
        let span = token.span();
        let raw = &text[span.start()..span.end()];
        match token.kind() {
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::Newline => {
                if depth == 0 {
                    line_start = true;
                    in_header = false;
                    key_is_rows = false;
                    key_parts = 0;
                    after_equals = false;
                }
                continue;
            }
            TokenKind::Eof => break,
            _ => {}
        }
        if in_header {
            continue;
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        match token.kind() {
            TokenKind::LeftSquareBracket if depth == 0 && at_line_start => in_header = true,
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                if depth == 0 && after_equals && key_is_rows && token.kind() == TokenKind::LeftSquareBracket {
                    open = Some((span.start(), depth + 1, 0));
                }
                if let Some((_, array_depth, tables)) = &mut open
                    && depth == *array_depth
                    && token.kind() == TokenKind::LeftCurlyBracket
                {
                    *tables += 1;
                }
                depth += 1;
                after_equals = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
                if let Some((start, array_depth, tables)) = open
                    && depth + 1 == array_depth
                {
                    open = None;
                    if span.end() - start >= DETACH_AT {
                        found.push(Found { start, end: span.end(), tables });
                    }
                }
            }
            TokenKind::Equals if depth == 0 => after_equals = true,
            TokenKind::Dot if depth == 0 && !after_equals => {
                key_is_rows = false;
                key_parts += 1;
            }
            TokenKind::Atom | TokenKind::BasicString | TokenKind::LiteralString
                if depth == 0 && !after_equals =>
            {
                key_parts += 1;
                key_is_rows = key_parts == 1 && matches!(raw, "rows" | "\"rows\"" | "'rows'");
            }
            _ => after_equals = false,
        }
    }
    found
}

/// Parses the inline tables of one array, [`CHUNK_ROWS`] at a time.
fn parse_array(src: &Source<'_>, array: &Found) -> Result<Rows, Error> {
    #[derive(serde::Deserialize)]
    struct Chunk {
        r: Vec<toml::Table>,
    }
    let inner_start = array.start + 1;
    let inner = &src.text[inner_start..array.end - 1];
    let mut rows = Rows::new();
    let mut reserved = false;
    let mut parse = |from: usize, to: usize, rows: &mut Rows| -> Result<(), Error> {
        const PREFIX: &str = "r = [";
        let chunk = format!("{PREFIX}{}]", &inner[from..to]);
        let parsed: Chunk = toml::from_str(&chunk).map_err(|e| {
            // Spans in the chunk are offsets in the file, shifted.
            let span = e
                .span()
                .map(|s| inner_start + from + s.start.saturating_sub(PREFIX.len()))
                .map(|at| at..at)
                .unwrap_or(array.start..array.start);
            src.error(Some(span), format!("`rows`: {}", e.message().trim().replace('\n', "; ")))
        })?;
        for table in parsed.r {
            rows.push(table);
            if !reserved {
                // The width is known after the first row: room for all, once.
                let more = array.tables.saturating_sub(1);
                // Strings as long as the first row's (plus a little) for every row.
                rows.reserve(more, (rows.text_len() + 4).saturating_mul(more));
                reserved = true;
            }
        }
        Ok(())
    };
    // Cut after every CHUNK_ROWS-th top-level comma of the array.
    let mut depth = 0usize;
    let mut commas = 0usize;
    let mut from = 0usize;
    for token in toml_parser::Source::new(inner).lex() {
        match token.kind() {
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => depth = depth.saturating_sub(1),
            TokenKind::Comma if depth == 0 => {
                commas += 1;
                if commas.is_multiple_of(CHUNK_ROWS) {
                    let cut = token.span().end();
                    parse(from, cut, &mut rows)?;
                    from = cut;
                }
            }
            _ => {}
        }
    }
    parse(from, inner.len(), &mut rows)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn big_file(rows: usize) -> String {
        let mut text =
            String::from("revision = \"a\"\n\n[[upgrade]]\nop = \"bulk_insert\"\ntable = \"t\"\nrows = [\n");
        for i in 0..rows {
            text.push_str(&format!(
                "  {{ id = {i}, name = \"n-{i} ] }} [ {{\", ok = true }}, # a comment ]\n"
            ));
        }
        text.push_str("]\n\n[[upgrade]]\nop = \"execute\"\nsql = \"SELECT 1\"\n");
        text
    }

    #[test]
    fn large_arrays_are_detached_and_lines_kept() {
        let text = big_file(5000);
        let src = Source { path: Path::new("a.toml"), text: &text };
        let detached = detach(&src).unwrap().expect("the array is large");
        assert_eq!(detached.text.lines().count(), text.lines().count());
        assert!(detached.text.len() < 10_000, "{}", detached.text.len());
        let (_, rows) = detached.rows.iter().next().unwrap();
        assert_eq!(rows.len(), 5000);
        let last = rows.iter().last().unwrap().to_table();
        assert_eq!(last["name"].as_str(), Some("n-4999 ] } [ {"));
        let doc: toml::Table = toml::from_str(&detached.text).unwrap();
        assert_eq!(doc["upgrade"][0]["rows"].as_array().map(Vec::len), Some(0));
        assert_eq!(doc["upgrade"][1]["sql"].as_str(), Some("SELECT 1"));
    }

    #[test]
    fn small_arrays_and_other_keys_are_left_alone() {
        let text = "x = [1, 2]\nrows = [{ a = 1 }]\n[t]\nrows = [{ a = 2 }]\n";
        assert!(scan(text).is_empty());
        let src = Source { path: Path::new("a.toml"), text };
        assert!(detach(&src).unwrap().is_none());
    }

    #[test]
    fn a_bad_row_is_reported_at_its_line() {
        let mut text = big_file(3000);
        let line = 7 + 2500;
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[line - 1] = "  { id = 1, name = oops },".to_string();
        text = lines.join("\n");
        let src = Source { path: Path::new("a.toml"), text: &text };
        let err = detach(&src).err().expect("a syntax error").to_string();
        assert!(err.contains(&format!("a.toml:{line}:")), "{err}");
    }
}
