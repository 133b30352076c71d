//! One entry of an index, split into what it indexes and the modifiers PostgreSQL
//! writes after it: `<column or expression> [opclass] [ASC | DESC] [NULLS FIRST | LAST]`.
//!
//! The model keeps an entry as the text a user or the catalog wrote
//! (`name text_pattern_ops`, `created_at DESC NULLS LAST`, `lower(email)`); rendering
//! (quoting the column, parenthesising the expression) and autogenerate's comparison
//! (the default orders spelled out or not) both read it through [`IndexEntry::parse`],
//! so they agree on what it means.

/// Ascending or descending, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// `ASC` (the default).
    Asc,
    /// `DESC`.
    Desc,
}

/// Where nulls sort, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    /// `NULLS FIRST` (the default of `DESC`).
    First,
    /// `NULLS LAST` (the default of `ASC`).
    Last,
}

/// An index entry taken apart. Every part borrows from the entry's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry<'a> {
    /// The column name or the expression, trimmed.
    pub target: &'a str,
    /// Whether `target` is a column of the table.
    pub is_column: bool,
    /// The operator class (`text_pattern_ops`, `public.my_ops`), when one is named.
    pub opclass: Option<&'a str>,
    /// `ASC` or `DESC`, when written.
    pub order: Option<SortOrder>,
    /// `NULLS FIRST` or `NULLS LAST`, when written.
    pub nulls: Option<NullsOrder>,
}

impl<'a> IndexEntry<'a> {
    /// Takes `entry` apart. `is_column` says which names are columns of the table: an
    /// operator class can only follow a column or a parenthesised expression or call,
    /// so `a + b` stays one expression while `name text_pattern_ops` is a column with
    /// its class.
    pub fn parse(entry: &'a str, is_column: impl Fn(&str) -> bool) -> IndexEntry<'a> {
        let mut rest = entry.trim();
        if is_column(rest) {
            return IndexEntry { target: rest, is_column: true, opclass: None, order: None, nulls: None };
        }
        let mut nulls = None;
        if let Some((head, last)) = split_last_word(rest)
            && let Some((head2, nulls_word)) = split_last_word(head)
            && nulls_word.eq_ignore_ascii_case("nulls")
        {
            if last.eq_ignore_ascii_case("first") {
                nulls = Some(NullsOrder::First);
                rest = head2;
            } else if last.eq_ignore_ascii_case("last") {
                nulls = Some(NullsOrder::Last);
                rest = head2;
            }
        }
        let mut order = None;
        if let Some((head, last)) = split_last_word(rest) {
            if last.eq_ignore_ascii_case("asc") {
                order = Some(SortOrder::Asc);
                rest = head;
            } else if last.eq_ignore_ascii_case("desc") {
                order = Some(SortOrder::Desc);
                rest = head;
            }
        }
        let mut opclass = None;
        if !is_column(rest)
            && let Some((head, last)) = split_last_word(rest)
            && is_opclass_name(last)
            && (is_column(head) || head.ends_with(')'))
        {
            opclass = Some(last);
            rest = head;
        }
        IndexEntry { target: rest, is_column: is_column(rest), opclass, order, nulls }
    }

    /// Whether the entry sorts descending.
    pub fn descending(&self) -> bool {
        self.order == Some(SortOrder::Desc)
    }

    /// Whether nulls sort first, written or by default (first for `DESC`, last for
    /// `ASC`, as PostgreSQL does).
    pub fn nulls_first(&self) -> bool {
        match self.nulls {
            Some(n) => n == NullsOrder::First,
            None => self.descending(),
        }
    }

    /// The modifiers as SQL, each with a leading space: `" text_pattern_ops DESC NULLS LAST"`.
    pub fn modifiers_sql(&self) -> String {
        let mut out = String::new();
        if let Some(class) = self.opclass {
            out.push(' ');
            out.push_str(class);
        }
        match self.order {
            Some(SortOrder::Asc) => out.push_str(" ASC"),
            Some(SortOrder::Desc) => out.push_str(" DESC"),
            None => {}
        }
        match self.nulls {
            Some(NullsOrder::First) => out.push_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => out.push_str(" NULLS LAST"),
            None => {}
        }
        out
    }
}

/// `text` split at its last run of whitespace, when the last word is not inside
/// parentheses or quotes (`lower(a b)` has no last word).
fn split_last_word(text: &str) -> Option<(&str, &str)> {
    let (head, last) = text.rsplit_once(char::is_whitespace)?;
    let head = head.trim_end();
    if head.is_empty() || last.is_empty() || last.contains([')', '(', '\'']) {
        return None;
    }
    Some((head, last))
}

/// A possibly schema-qualified, possibly quoted identifier: an operator class name.
fn is_opclass_name(word: &str) -> bool {
    let plain = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    let quoted = |part: &str| part.len() > 2 && part.starts_with('"') && part.ends_with('"');
    let upper = word.to_ascii_uppercase();
    // Words that continue an expression, not a class name.
    if ["AND", "OR", "NOT", "IS", "NULL", "COLLATE", "IN", "LIKE"].contains(&upper.as_str()) {
        return false;
    }
    word.split('.').all(|p| plain(p) || quoted(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(entry: &str) -> IndexEntry<'_> {
        IndexEntry::parse(entry, |c| ["name", "created_at", "Mixed Case"].contains(&c))
    }

    #[test]
    fn columns_with_modifiers() {
        let e = parse("name");
        assert_eq!((e.target, e.is_column, e.modifiers_sql()), ("name", true, String::new()));
        let e = parse("name text_pattern_ops");
        assert_eq!((e.target, e.opclass), ("name", Some("text_pattern_ops")));
        let e = parse("created_at DESC NULLS LAST");
        assert_eq!(
            (e.target, e.order, e.nulls),
            ("created_at", Some(SortOrder::Desc), Some(NullsOrder::Last))
        );
        assert!(!e.nulls_first());
        let e = parse("created_at nulls first");
        assert!(e.nulls_first() && !e.descending());
        let e = parse("name public.my_ops desc");
        assert_eq!((e.opclass, e.modifiers_sql().as_str()), (Some("public.my_ops"), " public.my_ops DESC"));
        assert!(parse("Mixed Case").is_column);
    }

    #[test]
    fn expressions_stay_whole() {
        let e = parse("a + b");
        assert_eq!((e.target, e.opclass), ("a + b", None));
        let e = parse("lower(name) text_pattern_ops DESC");
        assert_eq!(
            (e.target, e.opclass, e.order),
            ("lower(name)", Some("text_pattern_ops"), Some(SortOrder::Desc))
        );
        let e = parse("(a || b) NULLS FIRST");
        assert_eq!((e.target, e.nulls), ("(a || b)", Some(NullsOrder::First)));
        let e = parse("a IS NULL");
        assert_eq!(e.target, "a IS NULL");
        let e = parse("coalesce(a, 'x y')");
        assert_eq!(e.target, "coalesce(a, 'x y')");
        assert!(!e.is_column);
    }
}
