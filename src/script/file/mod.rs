//! Revision files: TOML (`.toml`) and plain SQL (`.sql`), parsed and validated.
//!
//! Every problem is an [`Error::File`] naming the file, the line
//! and the key at fault (`upgrade[0].column.nullable`). Unknown keys are errors at
//! every level.
//!
//! # `.toml` files
//!
//! The format of DESIGN.md ("Revision files"): the keys `revision` (required),
//! `down_revision` (a string; `""` or absent for a base; an array for a merge),
//! `branch_labels` and `depends_on` (a string or an array of strings), `message`,
//! `create_date`, `transactional` (default true), `batch` (`"auto"`, the default, or
//! `"always"`), then `[[upgrade]]` and `[[downgrade]]` op tables (see [`crate::ops`]).
//! The leading `#` comment block is kept as [`RevisionScript::doc`]. A column type that
//! no database knows (a typo such as `strng`) loads, with a [`FileWarning`] naming its
//! line, in [`RevisionScript::warnings`].
//!
//! # `.sql` files
//!
//! ```sql
//! -- Add email column to users
//! --
//! -- Revision ID: 3f2a9c1b7d4e
//! -- Revises: 88fb11965e20
//! --
//! -- revision = "3f2a9c1b7d4e"
//! -- down_revision = "88fb11965e20"
//! -- message = "Add email column to users"
//! -- dialect = "postgresql"
//!
//! -- upgrade
//! ALTER TABLE users ADD COLUMN email VARCHAR(100);
//!
//! -- downgrade
//! ALTER TABLE users DROP COLUMN email;
//! ```
//!
//! Precisely:
//!
//! 1. The *header* is every line before the `-- upgrade` line. Each is blank or a
//!    comment starting with `--` (leading spaces allowed); anything else is an error.
//! 2. A header comment whose text (after `--` and one optional space) is an identifier
//!    followed by `=` is a *key line*: `key = value` in TOML syntax, one key per line.
//!    The keys are those of `.toml` files except `upgrade`/`downgrade`, plus
//!    `dialect = "sqlite" | "postgresql"`. An unknown key is an error, so prose in the
//!    header must not start with `word =`.
//! 3. The other header comment lines are free text: they form [`RevisionScript::doc`]
//!    (blank lines at either end dropped).
//! 4. The *markers* are lines that read `-- upgrade` and `-- downgrade` (any case,
//!    surrounding spaces ignored). `-- upgrade` is required and comes first;
//!    `-- downgrade` is optional (none means no downgrade SQL); each appears once.
//! 5. The lines between the markers are the upgrade SQL, the lines after
//!    `-- downgrade` the downgrade SQL, both without leading and trailing blank lines.
//!    Each non-blank section becomes one [`Op::Execute`]:
//!    `sqlite` or `postgresql` SQL when `dialect` names one, else `sql` for every
//!    dialect. A blank section has no ops.

mod bulk_rows;
mod document;
mod spans;
mod sql;

use std::path::{Path, PathBuf};

use crate::Error;
use crate::ops::Op;
use document::{Kind, Source, parse_keys};

/// A parsed revision file.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionScript {
    /// Where it was read from.
    pub path: PathBuf,
    /// `revision`.
    pub revision: String,
    /// `down_revision`: empty for a base, several for a merge.
    pub down_revision: Vec<String>,
    /// `branch_labels`.
    pub branch_labels: Vec<String>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// `message`: the first line is the revision's short description.
    pub message: String,
    /// `create_date` as written, when present.
    pub create_date: Option<String>,
    /// `transactional` (default true).
    pub transactional: bool,
    /// `batch`: when SQLite table rebuilds are used.
    pub batch: Batch,
    /// The header comment text (without the comment markers), shown by `show`.
    pub doc: String,
    /// The upgrade operations.
    pub upgrade: Vec<Op>,
    /// The downgrade operations.
    pub downgrade: Vec<Op>,
    /// What is questionable but not wrong, in file order: column types that are
    /// neither neutral, nor SQLAlchemy aliases, nor known database type names
    /// ([`SqlType::is_unknown`](crate::schema::types::SqlType::is_unknown)). The CLI
    /// prints them (`warning: …`); `--strict` and `check` make them errors.
    pub warnings: Vec<FileWarning>,
}

/// A problem in a file that does not stop it from loading, located as
/// [`Error::File`] is: `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarning {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is questionable and what happens, e.g. "unknown type `strng` in
    /// upgrade[0].columns[1]; it is passed to the database as written".
    pub message: String,
    /// The message of the error it is under `--strict`.
    pub strict_message: String,
}

impl std::fmt::Display for FileWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl FileWarning {
    /// The warning as the error it is under `--strict` ([`Error::File`]).
    pub fn to_error(&self) -> Error {
        Error::File { path: self.path.clone(), line: self.line, message: self.strict_message.clone() }
    }
}

/// A revision's `batch` key: when ops are run as a table rebuild ("move and copy") on
/// dialects that cannot alter tables in place (SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Batch {
    /// Rebuild only when the dialect cannot do the op directly (`"auto"`, default).
    #[default]
    Auto,
    /// Rebuild the table for every table-altering op (`"always"`).
    Always,
}

impl Batch {
    /// The value as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Batch::Auto => "auto",
            Batch::Always => "always",
        }
    }
}

impl RevisionScript {
    /// Reads and validates a revision file (`.toml` or `.sql`, by extension). Anything
    /// but a regular file (after following symlinks) is refused before it is opened.
    pub fn load(path: &Path) -> crate::Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            return Err(Error::File {
                path: path.to_path_buf(),
                line: None,
                message: "not a regular file; a revision file must be one".to_string(),
            });
        }
        Self::load_listed(path)
    }

    /// [`RevisionScript::load`] for a path that
    /// [`list_revision_files`](crate::script::directory::list_revision_files) found to
    /// be a regular file: no `stat` (it costs more than the read over thousands of
    /// files).
    pub(crate) fn load_listed(path: &Path) -> crate::Result<Self> {
        let is = |ext: &str| path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext));
        if !is("toml") && !is("sql") {
            return Err(Error::File {
                path: path.to_path_buf(),
                line: None,
                message: "not a revision file (expected a .toml or .sql extension)".to_string(),
            });
        }
        let text = read_revision_text(path)?;
        if is("toml") { Self::parse_toml(path, &text) } else { Self::parse_sql(path, &text) }
    }

    /// Parses the text of a `.toml` revision file; `path` is used in messages and kept
    /// in [`RevisionScript::path`].
    pub fn parse_toml(path: &Path, text: &str) -> crate::Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let src = Source { path, text };
        let mut script = parse_keys(&src, Kind::Toml)?.script;
        let header = text.lines().map_while(|line| {
            let line = line.trim_start();
            if line.trim().is_empty() {
                Some("")
            } else {
                line.strip_prefix('#').map(|rest| rest.strip_prefix(' ').unwrap_or(rest))
            }
        });
        script.doc = doc_comment(header);
        Ok(script)
    }

    /// Parses the text of a `.sql` revision file (format in the module documentation).
    pub fn parse_sql(path: &Path, text: &str) -> crate::Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        sql::parse(&Source { path, text })
    }

    /// The first line of the message (Alembic's "doc" in listings).
    pub fn short_message(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// The largest revision file read: 64 MiB. Real revision files are kilobytes; the
/// limit only stops a mistake (a log, a dump, a link to `/dev/zero`) from filling
/// memory. Files are read through a reader that stops one byte past it.
pub const MAX_REVISION_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The text of a revision file: at most [`MAX_REVISION_FILE_BYTES`], UTF-8 (a leading
/// byte-order mark is kept; the parsers drop it). Errors name the file.
pub fn read_revision_text(path: &Path) -> crate::Result<String> {
    let bytes = read_bounded(path, MAX_REVISION_FILE_BYTES).map_err(|e| Error::io(path, e))?;
    let Some(bytes) = bytes else {
        let size = std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len());
        let size = match size {
            Some(size) if size > MAX_REVISION_FILE_BYTES => format!("{size} bytes"),
            _ => format!("more than {MAX_REVISION_FILE_BYTES} bytes"),
        };
        return Err(Error::File {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "too large for a revision file ({size}; the limit is {MAX_REVISION_FILE_BYTES} bytes, 64 MiB)"
            ),
        });
    };
    String::from_utf8(bytes).map_err(|e| Error::File {
        path: path.to_path_buf(),
        line: None,
        message: format!("not valid UTF-8: {e}"),
    })
}

/// Reads a whole file of at most `limit` bytes (`None` when it holds more), without
/// asking its size first: `fs::read` (and `File`'s `read_to_end`) `stat` and seek
/// every file for a size hint, which costs more than the read itself over thousands
/// of small revision files.
fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?.take(limit.saturating_add(1));
    let mut bytes = vec![0u8; 8192];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            bytes.resize(len * 2, 0);
        }
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if len as u64 > limit {
        return Ok(None);
    }
    bytes.truncate(len);
    Ok(Some(bytes))
}

/// The longest revision id: the version table's column is `VARCHAR(32)`, as in
/// Alembic.
pub const MAX_REVISION_ID_CHARS: usize = 32;

/// Checks a revision identifier. The one check every id goes through: `revision` and
/// `down_revision` in files (and so the output of a project's revision template),
/// `--rev-id` of `revision` and `merge`, and [`RevisionMap::new`](crate::RevisionMap).
///
/// An id is non-empty, at most [`MAX_REVISION_ID_CHARS`] characters, without control
/// characters, without `/` or `\` and not `.` or `..` (ids become file names), and
/// without `@ - + :` or whitespace (the characters that identifier syntax gives
/// meaning to; that message follows Alembic's). Messages quote the id with control
/// characters escaped and long ids shortened.
pub fn check_revision_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the revision identifier is empty".to_string());
    }
    let shown = shown_id(id);
    if id.chars().any(char::is_control) {
        return Err(format!("control characters not allowed in revision identifier '{shown}'"));
    }
    let mut illegal: Vec<char> = id.chars().filter(|c| matches!(c, '@' | '-' | '+' | ':')).collect();
    illegal.sort_unstable();
    illegal.dedup();
    if !illegal.is_empty() {
        let list: Vec<String> = illegal.iter().map(char::to_string).collect();
        return Err(format!(
            "Character(s) '{}' not allowed in revision identifier '{shown}'",
            list.join(", ")
        ));
    }
    if id.chars().any(char::is_whitespace) {
        return Err(format!("whitespace not allowed in revision identifier '{shown}'"));
    }
    if id.contains(['/', '\\']) {
        return Err(format!("path separators ('/', '\\') not allowed in revision identifier '{shown}'"));
    }
    if id == "." || id == ".." {
        return Err(format!("'{id}' is not a revision identifier"));
    }
    let chars = id.chars().count();
    if chars > MAX_REVISION_ID_CHARS {
        return Err(format!(
            "revision identifier '{shown}' is {chars} characters long; at most {MAX_REVISION_ID_CHARS} fit the version table"
        ));
    }
    Ok(())
}

/// An id for a message: control characters escaped, at most 40 characters shown.
fn shown_id(id: &str) -> String {
    let mut shown = String::new();
    for c in id.chars().take(40) {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    if id.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

/// Free-text comment lines joined, trimmed at both ends as Alembic trims a docstring
/// (trailing spaces inside, as in `Revises: ` of a base, are kept).
fn doc_comment<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let lines: Vec<&str> = lines.map(|l| l.trim_end_matches('\r')).collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "x".repeat(20_000)).unwrap();
        assert_eq!(read_bounded(&path, 20_000).unwrap().map(|b| b.len()), Some(20_000));
        assert_eq!(read_bounded(&path, 19_999).unwrap(), None);

        let big = dir.path().join("big.toml");
        std::fs::File::create(&big).unwrap().set_len(MAX_REVISION_FILE_BYTES + 1).unwrap();
        let err = read_revision_text(&big).unwrap_err().to_string();
        assert!(
            err.contains("big.toml") && err.contains(&format!("{} bytes", MAX_REVISION_FILE_BYTES + 1)),
            "{err}"
        );
        assert!(err.contains(&format!("the limit is {MAX_REVISION_FILE_BYTES} bytes")), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn endless_files_stop_at_the_limit_and_load_refuses_special_files() {
        // /dev/zero never ends: the bounded reader stops one byte past the limit.
        assert_eq!(read_bounded(Path::new("/dev/zero"), 100_000).unwrap(), None);
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("z.toml");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = RevisionScript::load(&link).unwrap_err().to_string();
        assert!(err.contains("z.toml: not a regular file"), "{err}");
    }

    #[test]
    fn revision_id_rules() {
        for ok in ["a1", "kilo", "3f2a9c1b7d4e", "ae1027a6acf_x", &"a".repeat(MAX_REVISION_ID_CHARS), "ünï"]
        {
            assert_eq!(check_revision_id(ok), Ok(()), "{ok}");
        }
        for (bad, fragment) in [
            ("", "empty"),
            ("a-b", "Character(s) '-' not allowed in revision identifier 'a-b'"),
            ("a b", "whitespace"),
            ("a\tb", "control characters not allowed in revision identifier 'a\\tb'"),
            ("a/b", "path separators"),
            ("a\\b", "path separators"),
            (".", "'.' is not"),
            ("..", "'..' is not"),
            ("../x", "path separators"),
        ] {
            let err = check_revision_id(bad).unwrap_err();
            assert!(err.contains(fragment), "{bad:?}: {err}");
        }
        let err = check_revision_id(&"z".repeat(100)).unwrap_err();
        assert!(err.contains("100 characters") && err.contains('…') && err.len() < 200, "{err}");
    }
}
