//! Writing new revision files: ids, slugs, file names, the create date and the
//! minijinja template.
//!
//! Names follow Alembic exactly: a new id is the last 12 hex digits of a uuid4; the
//! file name is `file_template` (Python %-format with the tokens `rev`, `slug`,
//! `epoch`, `year`, `month`, `day`, `hour`, `minute`, `second`) plus `.toml`; the slug
//! is the message's words joined by `_`, lower-cased and truncated at a word boundary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::Error;
use crate::ops::{Op, render_ops_toml};
use crate::script::RevisionScript;

/// The default revision template (`templates/script.toml.j2`), for projects without
/// their own `script.toml.j2`.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/script.toml.j2");

/// Alembic's default `file_template`.
pub const DEFAULT_FILE_TEMPLATE: &str = "%(rev)s_%(slug)s";

/// Alembic's default `truncate_slug_length`.
pub const DEFAULT_TRUNCATE_SLUG_LENGTH: usize = 40;

/// A fresh revision id: the last 12 lowercase hex digits of a random uuid4, as
/// Alembic's `util.rev_id()`.
pub fn new_rev_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    hex[hex.len() - 12..].to_string()
}

/// The file-name slug of a message, by Alembic's rules: the runs of word characters
/// (letters, digits, `_`, Unicode-aware) joined by `_` and lower-cased; when longer
/// than `truncate_slug_length` characters, cut to that length, back to the last `_`,
/// and ended with `_`. A length of 0 means the default 40, as in Alembic.
pub fn slugify(message: &str, truncate_slug_length: usize) -> String {
    let limit = if truncate_slug_length == 0 { DEFAULT_TRUNCATE_SLUG_LENGTH } else { truncate_slug_length };
    let words: Vec<&str> =
        message.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let slug = words.join("_").to_lowercase();
    if slug.chars().count() <= limit {
        return slug;
    }
    let cut: String = slug.chars().take(limit).collect();
    let kept = match cut.rfind('_') {
        Some(at) => &cut[..at],
        None => cut.as_str(),
    };
    format!("{kept}_")
}

/// The values `file_template` tokens stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct FileNameTokens {
    /// `%(rev)s`: the revision id.
    pub rev: String,
    /// `%(slug)s`: see [`slugify`].
    pub slug: String,
    /// The create date, in the configured time zone; gives `epoch` and the date parts.
    pub create_date: jiff::Zoned,
}

/// A token's value: Python formats strings and integers differently.
enum TokenValue<'a> {
    Str(&'a str),
    Int(i64),
}

/// The largest width or precision `file_template` takes (`%(rev)255s`): a file name
/// has at most 255 bytes anyway, and larger ones would only cost time and memory.
pub const MAX_SPEC_WIDTH: usize = 255;

/// Expands `file_template` (Python %-format: `%(name)s`, `%(name)d`, flags, width and
/// precision such as `%(month).2d` or `%(day)02d`, and `%%`) with `tokens`. The
/// `.toml` extension is not added. Unknown tokens, malformed templates and widths or
/// precisions above [`MAX_SPEC_WIDTH`] are [`Error::Config`] errors naming
/// `file_template` and the spec at fault. The result is not checked as a file name
/// here: [`write_revision_file`] does that.
pub fn file_name(file_template: &str, tokens: &FileNameTokens) -> crate::Result<String> {
    let bad = |why: String| Error::Config(format!("file_template \"{file_template}\": {why}"));
    let date = &tokens.create_date;
    let lookup = |name: &str| -> Option<TokenValue<'_>> {
        Some(match name {
            "rev" => TokenValue::Str(&tokens.rev),
            "slug" => TokenValue::Str(&tokens.slug),
            "epoch" => TokenValue::Int(date.timestamp().as_second()),
            "year" => TokenValue::Int(date.year().into()),
            "month" => TokenValue::Int(date.month().into()),
            "day" => TokenValue::Int(date.day().into()),
            "hour" => TokenValue::Int(date.hour().into()),
            "minute" => TokenValue::Int(date.minute().into()),
            "second" => TokenValue::Int(date.second().into()),
            _ => return None,
        })
    };
    let mut out = String::new();
    let mut rest = file_template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let Some(after) = rest.strip_prefix('(') else {
            return Err(bad("a `%` must be followed by `(token)` or another `%`".to_string()));
        };
        let Some(close) = after.find(')') else {
            return Err(bad("unclosed `%(`".to_string()));
        };
        let name = &after[..close];
        let value = lookup(name).ok_or_else(|| {
            bad(format!(
                "unknown token %({name}) (known: rev, slug, epoch, year, month, day, hour, minute, second)"
            ))
        })?;
        let (spec, remaining) = parse_spec(&after[close + 1..]).map_err(|why| match why {
            SpecError::Malformed => bad(format!("bad format after %({name})")),
            SpecError::TooWide => {
                // The spec as written: flags and digits, and the conversion after them.
                let tail = &after[close + 1..];
                let end = tail
                    .find(|c: char| !("-0+ #.".contains(c) || c.is_ascii_digit()))
                    .map_or(tail.len(), |i| i + tail[i..].chars().next().map_or(0, char::len_utf8));
                let mut written: String = format!("%({name}){}", &tail[..end]);
                if written.chars().count() > 60 {
                    written = format!("{}…", written.chars().take(60).collect::<String>());
                }
                bad(format!("{written}: widths and precisions are at most {MAX_SPEC_WIDTH}"))
            }
        })?;
        rest = remaining;
        out.push_str(&spec.apply(&value).map_err(|why| bad(format!("%({name}): {why}")))?);
    }
    out.push_str(rest);
    Ok(out)
}

/// A Python conversion spec after `%(name)`: flags, width, precision, conversion.
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    precision: Option<usize>,
    conversion: char,
}

/// Why a conversion spec was refused.
enum SpecError {
    /// Not a spec Python would accept here.
    Malformed,
    /// A width or precision above [`MAX_SPEC_WIDTH`].
    TooWide,
}

/// Reads a conversion spec; returns it and the text after it.
fn parse_spec(text: &str) -> Result<(Spec, &str), SpecError> {
    let mut spec = Spec {
        left: false,
        zero: false,
        plus: false,
        space: false,
        width: 0,
        precision: None,
        conversion: 's',
    };
    let mut chars = text.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        match c {
            '-' => spec.left = true,
            '0' => spec.zero = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '#' => {}
            _ => break,
        }
        chars.next();
    }
    // Digits are read without overflow: any value above the limit is refused.
    let digits = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        let mut n: Option<usize> = None;
        while let Some(&(_, c)) = chars.peek() {
            let Some(d) = c.to_digit(10) else { break };
            n = Some((n.unwrap_or(0) * 10 + d as usize).min(MAX_SPEC_WIDTH + 1));
            chars.next();
        }
        n
    };
    spec.width = digits(&mut chars).unwrap_or(0);
    if chars.peek().is_some_and(|&(_, c)| c == '.') {
        chars.next();
        spec.precision = Some(digits(&mut chars).unwrap_or(0));
    }
    if spec.width > MAX_SPEC_WIDTH || spec.precision.is_some_and(|p| p > MAX_SPEC_WIDTH) {
        return Err(SpecError::TooWide);
    }
    let (at, conversion) = chars.next().ok_or(SpecError::Malformed)?;
    if !matches!(conversion, 's' | 'd' | 'i' | 'u') {
        return Err(SpecError::Malformed);
    }
    spec.conversion = conversion;
    Ok((spec, &text[at + conversion.len_utf8()..]))
}

impl Spec {
    /// Formats `value` as Python's `%` operator does for these conversions.
    fn apply(&self, value: &TokenValue<'_>) -> Result<String, String> {
        let body = match (self.conversion, value) {
            ('s', TokenValue::Str(s)) => match self.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            },
            ('s', TokenValue::Int(n)) => n.to_string(),
            (_, TokenValue::Int(n)) => {
                let digits = match self.precision {
                    Some(p) => format!("{:0>p$}", n.unsigned_abs()),
                    None => n.unsigned_abs().to_string(),
                };
                let sign = if *n < 0 {
                    "-"
                } else if self.plus {
                    "+"
                } else if self.space {
                    " "
                } else {
                    ""
                };
                if self.zero && !self.left && self.precision.is_none() {
                    let pad = self.width.saturating_sub(sign.len() + digits.len());
                    return Ok(format!("{sign}{}{digits}", "0".repeat(pad)));
                }
                format!("{sign}{digits}")
            }
            (_, TokenValue::Str(_)) => {
                return Err("a number is required, not a string (use `s`)".to_string());
            }
        };
        let pad = self.width.saturating_sub(body.chars().count());
        Ok(if self.left {
            format!("{body}{}", " ".repeat(pad))
        } else {
            format!("{}{body}", " ".repeat(pad))
        })
    }
}

/// The longest file name most file systems take, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// Checks the file name `file_template` gave (with its extension) for a new revision
/// file: one plain name that lands in the version location and that
/// [`list_revision_files`](crate::script::directory::list_revision_files) will list —
/// not empty, no `/` or `\`, not `.` or `..`, not starting with `.` or `#` (hidden),
/// not ending with `~`, no control characters, at most [`MAX_FILE_NAME_BYTES`] bytes.
/// The message says what is wrong; the caller names the option.
pub fn check_file_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".to_string());
    }
    if name.contains(['/', '\\']) {
        return Err("holds a path separator: it must be a plain name in the version location".to_string());
    }
    if name == "." || name == ".." {
        return Err("is not a file name".to_string());
    }
    if name.chars().any(char::is_control) {
        return Err("holds control characters".to_string());
    }
    if name.starts_with('.') || name.starts_with('#') || name.ends_with('~') {
        return Err(
            "would be hidden (revision files do not start with '.' or '#' or end with '~')".to_string()
        );
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(format!("is {} bytes long; file names have at most {MAX_FILE_NAME_BYTES}", name.len()));
    }
    let mut components = Path::new(name).components();
    let plain = matches!(components.next(), Some(std::path::Component::Normal(c)) if c == name)
        && components.next().is_none();
    if !plain {
        return Err("is not a plain file name".to_string());
    }
    Ok(())
}

/// The path of a new revision file `name` (extension included) in the version
/// location `location`, after [`check_file_name`]; errors name `file_template`.
pub fn revision_file_path(location: &Path, name: &str, file_template: &str) -> crate::Result<PathBuf> {
    check_file_name(name).map_err(|why| {
        Error::Config(format!("file_template \"{file_template}\" gives the file name {name:?}, which {why}"))
    })?;
    let path = location.join(name);
    // A plain name has one component, so the file is directly inside the location.
    debug_assert_eq!(path.parent(), Some(location));
    Ok(path)
}

/// Writes a new revision file: the one place revision files are written (`revision`,
/// `merge`, `revision --autogenerate`). The name is checked again
/// ([`revision_file_path`]), the location is created if missing, and the file must not
/// exist yet (it is created exclusively, so neither an existing file nor a symlink in
/// its place is written through).
pub fn write_revision_file(
    location: &Path,
    name: &str,
    file_template: &str,
    text: &str,
) -> crate::Result<PathBuf> {
    use std::io::Write as _;
    let path = revision_file_path(location, name, file_template)?;
    std::fs::create_dir_all(location).map_err(|e| Error::io(location, e))?;
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Command(format!("{} already exists", path.display())));
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    if let Err(e) = file.write_all(text.as_bytes()) {
        // No half-written revision is left behind for the next command to trip on.
        drop(file);
        let _ = std::fs::remove_file(&path);
        return Err(Error::io(&path, e));
    }
    Ok(path)
}

/// The current time in `timezone` (an IANA name such as `"UTC"` or
/// `"Europe/Paris"`; tried as written, then upper-cased, as Alembic does), or in the
/// system's local zone when `None`.
pub fn create_date(timezone: Option<&str>) -> crate::Result<jiff::Zoned> {
    create_date_at(jiff::Timestamp::now(), timezone)
}

/// [`create_date`] for a given instant (for tests and reproducible output).
pub fn create_date_at(at: jiff::Timestamp, timezone: Option<&str>) -> crate::Result<jiff::Zoned> {
    let Some(name) = timezone else {
        return Ok(at.to_zoned(jiff::tz::TimeZone::system()));
    };
    at.in_tz(name)
        .or_else(|_| at.in_tz(&name.to_uppercase()))
        .map_err(|_| Error::Config(format!("Can't locate timezone: {name}")))
}

/// Everything a new revision file says.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRevision {
    /// The new revision's id.
    pub revision: String,
    /// Its parents (none for a base, several for a merge).
    pub down_revision: Vec<String>,
    /// Branch labels.
    pub branch_labels: Vec<String>,
    /// Dependencies.
    pub depends_on: Vec<String>,
    /// The message (`-m`).
    pub message: String,
    /// When it was created, in the configured time zone.
    pub create_date: jiff::Zoned,
    /// Upgrade ops (empty for a hand-written revision).
    pub upgrade: Vec<Op>,
    /// Downgrade ops.
    pub downgrade: Vec<Op>,
}

/// The template context: values ready to paste into a TOML file.
#[derive(Serialize)]
struct Context<'a> {
    up_revision: &'a str,
    down_revision: String,
    revises: String,
    branch_labels: String,
    depends_on: String,
    message: &'a str,
    create_date: String,
    create_date_iso: String,
    upgrades: String,
    downgrades: String,
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML array of strings.
fn toml_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Renders a new revision file from `template_text` (a minijinja template such as
/// [`DEFAULT_TEMPLATE`]) and checks that the result parses back to the same values.
///
/// The context holds `up_revision`, `down_revision` (a TOML value: `""` for a base,
/// `"id"`, or an array for a merge), `revises` (the ids for the header comment),
/// `branch_labels` and `depends_on` (TOML arrays), `message` (raw text),
/// `create_date` (`2026-11-21 10:12:00+00:00`), `create_date_iso` (RFC 3339),
/// `upgrades` and `downgrades` (rendered `[[upgrade]]`/`[[downgrade]]` tables, empty
/// when there are no ops). Filters: `toml` (a string as a TOML string literal) and
/// `comment` (continuation lines prefixed with `# `). Block tags use `trim_blocks` and
/// `lstrip_blocks`; undefined variables are errors.
pub fn render_revision(template_text: &str, rev: &NewRevision) -> crate::Result<String> {
    render_revision_at(Path::new("script.toml.j2"), template_text, rev)
}

/// [`render_revision`] with the template's path, for error messages.
pub fn render_revision_at(
    template_path: &Path,
    template_text: &str,
    rev: &NewRevision,
) -> crate::Result<String> {
    let template_error = |line: Option<usize>, message: String| Error::File {
        path: template_path.to_path_buf(),
        line,
        message,
    };
    let render_ops = |section: &str, ops: &[Op]| {
        render_ops_toml(section, ops)
            .map(|text| text.trim_end().to_string())
            .map_err(|e| template_error(None, format!("cannot render {section} ops: {e}")))
    };
    let date = &rev.create_date;
    let offset = date.strftime("%:z").to_string();
    let iso_offset = if offset == "+00:00" { "Z".to_string() } else { offset.clone() };
    let context = Context {
        up_revision: &rev.revision,
        down_revision: match rev.down_revision.as_slice() {
            [] => toml_str(""),
            [one] => toml_str(one),
            many => toml_list(many),
        },
        revises: rev.down_revision.join(", "),
        branch_labels: toml_list(&rev.branch_labels),
        depends_on: toml_list(&rev.depends_on),
        message: &rev.message,
        create_date: format!("{}{offset}", date.strftime("%Y-%m-%d %H:%M:%S")),
        create_date_iso: format!("{}{iso_offset}", date.strftime("%Y-%m-%dT%H:%M:%S")),
        upgrades: render_ops("upgrade", &rev.upgrade)?,
        downgrades: render_ops("downgrade", &rev.downgrade)?,
    };

    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    // Block tags on their own lines leave no blank lines behind, so templates can be
    // laid out readably.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.add_filter("toml", |s: String| toml_str(&s));
    env.add_filter("comment", |s: String| s.replace('\n', "\n# "));
    let rendered = env
        .render_str(template_text, &context)
        .map_err(|e| template_error(e.line(), format!("template error: {}", describe_template_error(&e))))?;

    // A template that writes something unparsable, or drops a key, is caught here
    // rather than when the revision is next loaded.
    let parsed = RevisionScript::parse_toml(template_path, &rendered)
        .map_err(|e| template_error(None, format!("the template produced an invalid revision file: {e}")))?;
    let same = parsed.revision == rev.revision
        && parsed.down_revision == rev.down_revision
        && parsed.branch_labels == rev.branch_labels
        && parsed.depends_on == rev.depends_on
        && parsed.message == rev.message
        && parsed.upgrade == rev.upgrade
        && parsed.downgrade == rev.downgrade;
    if !same {
        return Err(template_error(
            None,
            "the template's output does not hold the revision's keys (revision, down_revision, branch_labels, depends_on, message, upgrade, downgrade)".to_string(),
        ));
    }
    Ok(rendered)
}

/// A minijinja error on one line, with its cause.
fn describe_template_error(err: &minijinja::Error) -> String {
    let mut text = err.kind().to_string();
    if let Some(detail) = err.detail() {
        let _ = write!(text, ": {detail}");
    }
    text.replace('\n', "; ")
}
