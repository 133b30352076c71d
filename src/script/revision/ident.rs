//! Revision identifiers as text: the argument forms a command accepts (one symbolic
//! string, or a tuple of ids such as the current heads), Alembic's relative form
//! `[label@][symbol](+|-)N`, and `start:end` ranges.

use super::RevisionError;

/// An identifier argument, as Alembic's functions accept either a string or a tuple.
///
/// A string may be symbolic (`head`, `heads`, `base`, `label@head`, `+2`, a prefix…);
/// a tuple holds plain revision ids or labels (typically the current heads read from
/// the version table). An empty tuple means "base"/"nothing", like Python's `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionSpec {
    /// One string identifier, symbolic forms allowed.
    Ident(String),
    /// A tuple of identifiers; empty means base.
    Ids(Vec<String>),
}

impl RevisionSpec {
    /// The empty tuple: base / no revisions.
    pub fn base() -> Self {
        RevisionSpec::Ids(Vec::new())
    }

    /// True for the empty tuple (Python's `None` / `()`).
    pub fn is_none(&self) -> bool {
        matches!(self, RevisionSpec::Ids(ids) if ids.is_empty())
    }

    /// The identifiers as a list (Alembic's `util.to_tuple`).
    pub fn to_list(&self) -> Vec<String> {
        match self {
            RevisionSpec::Ident(s) => vec![s.clone()],
            RevisionSpec::Ids(ids) => ids.clone(),
        }
    }

    /// The text Alembic prints for this argument in messages: the string itself, a
    /// Python tuple such as `('a', 'b')`, or `base` when empty.
    pub fn display(&self) -> String {
        match self {
            RevisionSpec::Ident(s) if s.is_empty() => "base".to_string(),
            RevisionSpec::Ident(s) => s.clone(),
            RevisionSpec::Ids(ids) if ids.is_empty() => "base".to_string(),
            RevisionSpec::Ids(ids) if ids.len() == 1 => format!("('{}',)", ids[0]),
            RevisionSpec::Ids(ids) => {
                let inner: Vec<String> = ids.iter().map(|i| format!("'{i}'")).collect();
                format!("({})", inner.join(", "))
            }
        }
    }
}

impl From<&str> for RevisionSpec {
    fn from(s: &str) -> Self {
        RevisionSpec::Ident(s.to_string())
    }
}

impl From<String> for RevisionSpec {
    fn from(s: String) -> Self {
        RevisionSpec::Ident(s)
    }
}

impl From<Option<&str>> for RevisionSpec {
    fn from(s: Option<&str>) -> Self {
        match s {
            Some(s) => RevisionSpec::Ident(s.to_string()),
            None => RevisionSpec::base(),
        }
    }
}

impl From<Vec<String>> for RevisionSpec {
    fn from(ids: Vec<String>) -> Self {
        RevisionSpec::Ids(ids)
    }
}

impl From<&[String]> for RevisionSpec {
    fn from(ids: &[String]) -> Self {
        RevisionSpec::Ids(ids.to_vec())
    }
}

impl From<&[&str]> for RevisionSpec {
    fn from(ids: &[&str]) -> Self {
        RevisionSpec::Ids(ids.iter().map(|s| s.to_string()).collect())
    }
}

impl<const N: usize> From<[&str; N]> for RevisionSpec {
    fn from(ids: [&str; N]) -> Self {
        RevisionSpec::Ids(ids.iter().map(|s| s.to_string()).collect())
    }
}

/// A relative identifier `[label@][symbol](+|-)N`, parsed as Alembic's
/// `_relative_destination` regular expression does (matched at the start; trailing
/// text is ignored, as in Alembic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relative<'a> {
    /// The branch label before `@`, if any.
    pub label: Option<&'a str>,
    /// The revision or symbol the step count is relative to (`head`, `base`, an id).
    pub symbol: Option<&'a str>,
    /// The signed step count as written, e.g. `+2` or `-1`.
    pub raw: &'a str,
    /// The step count; saturates for absurdly long numbers.
    pub steps: i64,
}

impl Relative<'_> {
    /// The absolute step count as Python's `int` prints it (no sign, no leading zeros).
    pub fn count_text(&self) -> String {
        let digits = self.raw.trim_start_matches(['+', '-']).trim_start_matches('0');
        if digits.is_empty() { "0".to_string() } else { digits.to_string() }
    }

    /// The step count as Python prints `int(raw)`.
    pub fn int_text(&self) -> String {
        let count = self.count_text();
        if self.raw.starts_with('-') && count != "0" { format!("-{count}") } else { count }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Matches `(\w+)?([+-]\d+)` at the start of `s`.
fn match_tail(s: &str) -> Option<(Option<&str>, &str)> {
    let word_end = s.char_indices().find(|&(_, c)| !is_word(c)).map_or(s.len(), |(i, _)| i);
    let rest = &s[word_end..];
    let sign = rest.chars().next()?;
    if sign != '+' && sign != '-' {
        return None;
    }
    let digits_len = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits_len == 0 {
        return None;
    }
    let symbol = if word_end > 0 { Some(&s[..word_end]) } else { None };
    Some((symbol, &rest[..1 + digits_len]))
}

/// Parses Alembic's relative identifier form; `None` when `s` is not relative.
pub fn parse_relative(s: &str) -> Option<Relative<'_>> {
    // `(?:(.+?)@)?` is lazy: the shortest label (no newline) followed by a match wins;
    // without any label the whole string is tried.
    let mut found = None;
    for (i, c) in s.char_indices() {
        if c == '\n' {
            break;
        }
        if c == '@'
            && i > 0
            && let Some((symbol, raw)) = match_tail(&s[i + 1..])
        {
            found = Some((Some(&s[..i]), symbol, raw));
            break;
        }
    }
    let (label, symbol, raw) = match found {
        Some(f) => f,
        None => {
            let (symbol, raw) = match_tail(s)?;
            (None, symbol, raw)
        }
    };
    let magnitude: i64 = raw[1..]
        .bytes()
        .try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))
        .unwrap_or(i64::MAX);
    let steps = if raw.starts_with('-') { -magnitude } else { magnitude };
    Some(Relative { label, symbol, raw, steps })
}

/// Parses Python's `int()` of an identifier for the `label@-N` form of
/// `get_revisions`: an optional sign and ASCII digits. Saturates.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))
        .unwrap_or(i64::MAX);
    Some(if neg { -magnitude } else { magnitude })
}

/// Splits a `start:end` range as the `history`, `upgrade --sql` and `downgrade --sql`
/// commands do; an empty side is `None`. Exactly one `:` is required.
pub fn parse_range(range: &str) -> Result<(Option<&str>, Option<&str>), RevisionError> {
    let trimmed = range.trim();
    let mut parts = trimmed.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(start), Some(end), None) => Ok((non_empty(start), non_empty(end))),
        _ => Err(RevisionError::invalid(format!(
            "Invalid revision range '{range}'; expected [start]:[end], [start]:, or :[end]"
        ))),
    }
}

fn non_empty(s: &str) -> Option<&str> {
    if s.is_empty() { None } else { Some(s) }
}

/// Checks a revision id for the graph ([`RevisionMap::new`](super::RevisionMap::new)):
/// the rules of [`check_revision_id`](crate::script::file::check_revision_id), the one
/// place ids are validated, which include Alembic's `Revision.verify_rev_id`.
pub fn verify_rev_id(revision: &str) -> Result<(), RevisionError> {
    if revision.is_empty() {
        return Err(RevisionError::invalid("Revision identifier must not be empty"));
    }
    crate::script::file::check_revision_id(revision).map_err(RevisionError::invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_forms() {
        let r = parse_relative("c2branch@head-1").unwrap();
        assert_eq!((r.label, r.symbol, r.raw, r.steps), (Some("c2branch"), Some("head"), "-1", -1));
        let r = parse_relative("+2").unwrap();
        assert_eq!((r.label, r.symbol, r.steps), (None, None, 2));
        let r = parse_relative("x@-1").unwrap();
        assert_eq!((r.label, r.symbol, r.steps), (Some("x"), None, -1));
        assert!(parse_relative("ae1027a6acf").is_none());
        assert!(parse_relative("heads").is_none());
        let r = parse_relative("base+2").unwrap();
        assert_eq!((r.symbol, r.steps), (Some("base"), 2));
        let r = parse_relative("a@b@c+1").unwrap();
        assert_eq!((r.label, r.symbol), (Some("a@b"), Some("c")));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("a:b").unwrap(), (Some("a"), Some("b")));
        assert_eq!(parse_range(":b").unwrap(), (None, Some("b")));
        assert!(parse_range("a:b:c").is_err());
        assert!(parse_range("ab").is_err());
    }
}
