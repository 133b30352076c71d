//! Canonical forms for comparison, per dialect, so that two spellings of the same
//! thing never count as a difference ("never a difference that is not there"):
//!
//! - types: PostgreSQL aliases (`int4`, `int`, `serial`, `float8`, `bool`,
//!   `character varying(n)`, `decimal`, `timestamp without time zone`, `timestamptz`,
//!   `bytea`, …) become the neutral type first; then both sides are compared as the
//!   dialect renders them, upper case and space-normalised. So on SQLite `timestamp`,
//!   `timestamptz` and `DATETIME` are equal (the database cannot tell them apart) and
//!   `uuid` equals `CHAR(32)`, while other SQLite names are kept as written (`INT` is
//!   not `INTEGER`: SQLite treats `INTEGER PRIMARY KEY` specially). On PostgreSQL
//!   `numeric(p)` equals `numeric(p,0)`, and enums compare by name and values.
//! - server defaults: outer parentheses, a cast on a lone literal (`'x'::text`,
//!   `'x'::character varying`) and a `NULL` default are dropped; on PostgreSQL
//!   `now()`, `transaction_timestamp()` and `CURRENT_TIMESTAMP` are one thing, on
//!   SQLite `datetime('now')` and `CURRENT_TIMESTAMP` (also `date('now')` /
//!   `CURRENT_DATE`, `time('now')` / `CURRENT_TIME`); on a boolean column `true`,
//!   `'t'`, `'true'`, `1`, `'1'`, `'y'`, `'yes'`, `'on'` are true (and the false
//!   forms false); on a numeric column a quoted number is the number and `1.50` is
//!   `1.5`; keywords are case-insensitive and spacing is insignificant outside quotes.
//! - SQL expressions (check conditions, index expressions, partial index `WHERE`):
//!   compared as tokens with parentheses, casts (`::type`) and identifier quotes
//!   removed and keywords lower-cased; PostgreSQL's rewrites `x = ANY (ARRAY[…])`
//!   (for `IN (…)`), `~~` (`LIKE`), `~~*` (`ILIKE`) and `!=` (`<>`) are undone. This
//!   is deliberately lenient: it can miss a change that only moves parentheses, but
//!   never reports one that PostgreSQL's re-printing made up.

use crate::dialect::Dialect;
use crate::dialect::literal::strip_literal_cast;
use crate::dialect::sqltype::render_type;
use crate::schema::index_entry::IndexEntry;
use crate::schema::types::SqlType;

/// `ty` with PostgreSQL's type aliases (when `dialect` is PostgreSQL) mapped to the
/// neutral type they stand for.
pub fn canonical_type(dialect: Dialect, ty: &SqlType) -> SqlType {
    let SqlType::Other(text) = ty else {
        return ty.clone();
    };
    // A quoted name (as autogenerate writes passed-through types) is the plain one.
    let unquoted = unquote_type(dialect, text);
    let ty = &SqlType::Other(unquoted.clone());
    let text = &unquoted;
    dialect.imp().canonical_type(&squash(&text.to_ascii_lowercase())).unwrap_or_else(|| ty.clone())
}

/// `text` quoted as [`crate::autogen::quote_database_types`] writes it: whole on
/// SQLite (which drops the quotes from a declared type), the leading name on
/// PostgreSQL when it is a lower-case name (which the quotes leave the same type).
/// `None` when quoting would change the type (PostgreSQL, no such leading name).
pub fn quote_type(dialect: Dialect, text: &str) -> Option<String> {
    dialect.imp().quote_type(text)
}

/// The inverse of [`quote_type`]: `text` without the quotes, when they make no
/// difference to the dialect; else `text` as it is.
fn unquote_type(dialect: Dialect, text: &str) -> String {
    let q = dialect.imp().identifier_quote();
    let Some(rest) = text.strip_prefix(q) else { return text.to_string() };
    let mut inner = String::new();
    let mut chars = rest.char_indices().peekable();
    let mut after = None;
    while let Some((i, c)) = chars.next() {
        if c != q {
            inner.push(c);
        } else if chars.next_if(|(_, c)| *c == q).is_some() {
            inner.push(q);
        } else {
            after = Some(&rest[i + 1..]);
            break;
        }
    }
    let Some(after) = after else { return text.to_string() };
    let same = quote_type(dialect, &format!("{inner}{after}")).is_some_and(|q| q == text);
    if same { format!("{inner}{after}") } else { text.to_string() }
}

/// The comparison key of a type on `dialect` (see the module documentation).
pub fn type_key(dialect: Dialect, ty: &SqlType) -> String {
    let ty = canonical_type(dialect, ty);
    dialect
        .imp()
        .type_key(&ty)
        .unwrap_or_else(|| squash(&render_type(dialect, &ty, None).to_ascii_uppercase()))
}

/// Whether two types are the same on `dialect`.
pub fn types_equal(dialect: Dialect, a: &SqlType, b: &SqlType) -> bool {
    type_key(dialect, a) == type_key(dialect, b)
}

/// Collapses whitespace to single spaces and removes it next to `(`, `)` and `,`.
fn squash(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = words.join(" ");
    for p in ["(", ")", ","] {
        out = out.replace(&format!(" {p}"), p).replace(&format!("{p} "), p);
    }
    out
}

/// `text` without parentheses that wrap all of it.
fn strip_outer_parens(mut text: &str) -> &str {
    loop {
        let t = text.trim();
        let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
            return t;
        };
        // Only if the first `(` closes at the very end: `(a) + (b)` stays.
        let mut depth = 0i32;
        let mut in_quote = false;
        for c in inner.chars() {
            match c {
                '\'' => in_quote = !in_quote,
                '(' if !in_quote => depth += 1,
                ')' if !in_quote => {
                    depth -= 1;
                    if depth < 0 {
                        return t;
                    }
                }
                _ => {}
            }
        }
        text = inner;
    }
}

fn is_numeric_type(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Numeric { .. }
            | SqlType::Real
            | SqlType::Double
    )
}

/// A number written canonically: no leading `+`, no trailing fraction zeros.
fn canonical_number(text: &str) -> Option<String> {
    let t = text.trim();
    t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    if !t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
        return None;
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.contains(['e', 'E']) || !t.contains('.') {
        return Some(t.to_string());
    }
    let trimmed = t.trim_end_matches('0').trim_end_matches('.');
    Some(if trimmed.is_empty() || trimmed == "-" { "0".to_string() } else { trimmed.to_string() })
}

/// The comparison key of a server default on a column of type `ty`, or `None` when
/// it amounts to no default (see the module documentation).
pub fn default_key(dialect: Dialect, ty: &SqlType, text: &str) -> Option<String> {
    let ty = canonical_type(dialect, ty);
    let mut t = strip_outer_parens(text);
    if let Some(bare) = strip_literal_cast(t) {
        t = bare;
    }
    if t.eq_ignore_ascii_case("null") {
        return None;
    }
    let lower = lower_outside_quotes(&squash(t));
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let time = dialect.imp().time_default(&compact);
    if let Some(time) = time {
        return Some(time.to_string());
    }
    let unquoted =
        compact.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).filter(|r| !r.contains('\''));
    if ty == SqlType::Boolean {
        let word = unquoted.unwrap_or(&compact);
        match word {
            "true" | "t" | "1" | "y" | "yes" | "on" => return Some("true".into()),
            "false" | "f" | "0" | "n" | "no" | "off" => return Some("false".into()),
            _ => {}
        }
    }
    if is_numeric_type(&ty)
        && let Some(n) = canonical_number(unquoted.unwrap_or(&compact))
    {
        return Some(n);
    }
    Some(lower)
}

/// `text` lower-cased except inside single quotes.
fn lower_outside_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quote = false;
    for c in text.chars() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        out.extend(if in_quote { vec![c] } else { c.to_lowercase().collect() });
    }
    out
}

/// Words that continue a multi-word type name after `::`.
const TYPE_WORDS: &[&str] = &["varying", "precision", "without", "with", "time", "zone"];

/// Operators read as one token (longest first).
const OPERATORS: &[&str] =
    &["!~~*", "~~*", "!~~", "->>", "::", ">=", "<=", "<>", "!=", "||", "~~", "->", "#>"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Op(String),
}

fn tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' || c == '`' {
            // Backticks quote names in MySQL (and SQLite), as double quotes elsewhere.
            let mut value = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        value.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                value.push(chars[i]);
                i += 1;
            }
            out.push(if c == '\'' { Tok::Str(value) } else { Tok::Word(value.to_lowercase()) });
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
            || (c == '-' && unary_position(&out) && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            // A minus after an operator (or first) is a negative number's sign, as in
            // PostgreSQL's `'-1'::integer`.
            let start = i;
            if c == '-' {
                i += 1;
            }
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(canonical_number(&text).unwrap_or(text)));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
            let op = OPERATORS
                .iter()
                .find(|o| rest.starts_with(*o))
                .map_or_else(|| c.to_string(), |o| o.to_string());
            i += op.chars().count();
            out.push(Tok::Op(op));
        }
    }
    out
}

/// Whether a `-` here would be a sign: at the start or after an operator other than
/// a closing parenthesis.
fn unary_position(before: &[Tok]) -> bool {
    match before.last() {
        None => true,
        Some(Tok::Op(o)) => o != ")" && o != "]",
        Some(Tok::Word(w)) => {
            ["and", "or", "not", "between", "in", "when", "then", "else", "is"].contains(&w.as_str())
        }
        _ => false,
    }
}

/// The comparison key of a SQL expression (see the module documentation).
pub fn expr_key(sql: &str) -> String {
    expr_key_with(sql, |_| None)
}

/// [`expr_key`] as `dialect` stores expressions: a function the database renames
/// ([`DialectImpl::function_synonym`](crate::dialect::imp::DialectImpl::function_synonym))
/// has its declared name.
pub fn dialect_expr_key(dialect: Dialect, sql: &str) -> String {
    let imp = dialect.imp();
    expr_key_with(sql, |name| imp.function_synonym(name))
}

fn expr_key_with(sql: &str, synonym: impl Fn(&str) -> Option<&'static str>) -> String {
    let toks = tokens(sql);
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Op(o) if o == "::" => {
                // Skip the type: a word, more type words, optional (args) and [].
                i += 2;
                while let Some(Tok::Word(w)) = toks.get(i) {
                    if TYPE_WORDS.contains(&w.as_str()) { i += 1 } else { break }
                }
                if toks.get(i) == Some(&Tok::Op("(".into())) {
                    while i < toks.len() && toks[i] != Tok::Op(")".into()) {
                        i += 1;
                    }
                    i += 1;
                }
                while toks.get(i) == Some(&Tok::Op("[".into()))
                    && toks.get(i + 1) == Some(&Tok::Op("]".into()))
                {
                    i += 2;
                }
                // A quoted number cast to a type is the number ('-1'::integer).
                if let Some(Tok::Str(s)) = out.last()
                    && let Some(n) = canonical_number(s)
                {
                    out.pop();
                    out.push(Tok::Num(n));
                }
            }
            Tok::Op(o) if o == "(" || o == ")" => i += 1,
            Tok::Op(o) if o == "=" && matches!(toks.get(i + 1), Some(Tok::Word(w)) if w == "any") => {
                // `= ANY (ARRAY[a, b])` is PostgreSQL's `IN (a, b)`.
                let mut j = i + 2;
                while toks.get(j) == Some(&Tok::Op("(".into())) {
                    j += 1;
                }
                if matches!(toks.get(j), Some(Tok::Word(w)) if w == "array")
                    && toks.get(j + 1) == Some(&Tok::Op("[".into()))
                {
                    out.push(Tok::Word("in".into()));
                    i = j + 2;
                    // The closing `]` is dropped below.
                } else {
                    out.push(toks[i].clone());
                    i += 1;
                }
            }
            Tok::Op(o) if o == "]" => i += 1,
            Tok::Op(o) => {
                let mapped = match o.as_str() {
                    "~~" => Tok::Word("like".into()),
                    "~~*" => Tok::Word("ilike".into()),
                    "!~~" => Tok::Word("not like".into()),
                    "!~~*" => Tok::Word("not ilike".into()),
                    "!=" => Tok::Op("<>".into()),
                    _ => toks[i].clone(),
                };
                out.push(mapped);
                i += 1;
            }
            Tok::Word(w) if toks.get(i + 1) == Some(&Tok::Op("(".into())) => {
                out.push(Tok::Word(synonym(w).map_or_else(|| w.clone(), str::to_string)));
                i += 1;
            }
            other => {
                out.push(other.clone());
                i += 1;
            }
        }
    }
    out.iter()
        .map(|t| match t {
            Tok::Word(w) | Tok::Num(w) | Tok::Op(w) => w.clone(),
            Tok::Str(s) => format!("'{}'", s.replace('\'', "''")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The comparison key of one index entry of a table with `columns`: the column name
/// as is or the expression by [`expr_key`], then the operator class, ` desc`, and the
/// nulls order only where it is not the default of the sort order (so `a DESC NULLS
/// FIRST` equals `a DESC`, and `a ASC NULLS LAST` equals `a`).
pub fn index_entry_key(entry: &str, is_column: impl Fn(&str) -> bool) -> String {
    let parsed = IndexEntry::parse(entry, is_column);
    let mut key = if parsed.is_column { parsed.target.to_string() } else { expr_key(parsed.target) };
    if let Some(class) = parsed.opclass {
        key.push(' ');
        key.push_str(&class.to_ascii_lowercase());
    }
    if parsed.descending() {
        key.push_str(" desc");
    }
    if parsed.nulls_first() != parsed.descending() {
        key.push_str(if parsed.nulls_first() { " nulls first" } else { " nulls last" });
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: Dialect = Dialect::Postgresql;
    const LITE: Dialect = Dialect::Sqlite;

    fn ty(s: &str) -> SqlType {
        SqlType::parse(s).unwrap()
    }

    #[test]
    fn quoted_pass_through_types_equal_the_plain_ones() {
        for (dialect, plain, quoted) in [
            (LITE, "BLOB SUB_TYPE TEXT", "\"BLOB SUB_TYPE TEXT\""),
            (LITE, "STRING", "\"STRING\""),
            (LITE, "a\"b", "\"a\"\"b\""),
            (PG, "us_postal_code", "\"us_postal_code\""),
            (PG, "halfvec(3)", "\"halfvec\"(3)"),
            (PG, "us_postal_code[]", "\"us_postal_code\"[]"),
        ] {
            assert_eq!(quote_type(dialect, plain).as_deref(), Some(quoted), "{plain}");
            assert!(
                types_equal(dialect, &SqlType::Other(plain.into()), &SqlType::Other(quoted.into())),
                "{plain}"
            );
        }
        // Quotes that change the type are kept: a mixed-case name on PostgreSQL.
        assert_eq!(quote_type(PG, "MyType"), None);
        assert!(!types_equal(PG, &SqlType::Other("mytype".into()), &SqlType::Other("\"MyType\"".into())));
    }

    #[test]
    fn type_aliases() {
        assert!(types_equal(PG, &ty("int4"), &ty("integer")));
        assert!(types_equal(PG, &ty("character varying(50)"), &ty("varchar(50)")));
        assert!(types_equal(PG, &ty("timestamp without time zone"), &ty("timestamp")));
        assert!(types_equal(PG, &ty("numeric(10)"), &ty("numeric(10,0)")));
        assert!(types_equal(PG, &ty("decimal(10, 2)"), &ty("numeric(10,2)")));
        assert!(types_equal(PG, &ty("bool"), &ty("boolean")));
        assert!(types_equal(PG, &ty("char(3)"), &ty("character(3)")));
        assert!(!types_equal(PG, &ty("varchar"), &ty("text")));
        assert!(!types_equal(PG, &ty("timestamp"), &ty("timestamptz")));
        assert!(!types_equal(PG, &ty("enum(m: 'a','b')"), &ty("enum(m: 'a')")));
        assert!(types_equal(LITE, &ty("timestamptz"), &ty("DATETIME")));
        assert!(types_equal(LITE, &ty("uuid"), &ty("CHAR(32)")));
        assert!(types_equal(LITE, &ty("enum(m: 'ab','c')"), &ty("varchar(2)")));
        assert!(types_equal(LITE, &ty("NUMERIC(10, 2)"), &ty("numeric(10,2)")));
        assert!(!types_equal(LITE, &ty("INT"), &ty("INTEGER")));
        assert!(types_equal(LITE, &ty("nvarchar(40)"), &ty("NVARCHAR(40)")));
    }

    #[test]
    fn defaults() {
        let k = |d, t: &str, s: &str| default_key(d, &ty(t), s);
        assert_eq!(k(PG, "text", "'x'::text"), k(PG, "text", "'x'"));
        assert_eq!(k(PG, "varchar(5)", "'x'::character varying"), k(PG, "varchar(5)", "'x'"));
        assert_eq!(k(PG, "timestamp", "now()"), k(PG, "timestamp", "CURRENT_TIMESTAMP"));
        assert_eq!(k(LITE, "timestamp", "datetime('now')"), k(LITE, "timestamp", "(CURRENT_TIMESTAMP)"));
        assert_eq!(k(LITE, "boolean", "'1'"), k(PG, "boolean", "true"));
        assert_eq!(k(LITE, "boolean", "0"), Some("false".into()));
        assert_eq!(k(PG, "integer", "'-1'::integer"), k(PG, "integer", "-1"));
        assert_eq!(k(PG, "numeric(5,2)", "1.50"), k(PG, "numeric(5,2)", "1.5"));
        assert_eq!(k(PG, "text", "NULL::text"), None);
        assert_ne!(k(PG, "text", "'X'"), k(PG, "text", "'x'"));
        assert_eq!(k(PG, "integer", "(1 + 2)"), k(PG, "integer", "1+2").map(|s| s.replace('+', " + ")));
    }

    #[test]
    fn expressions() {
        assert_eq!(expr_key("CHECK_ME"), "check_me");
        assert_eq!(expr_key("(price > (0)::numeric)"), expr_key("price > 0"));
        assert_eq!(expr_key("l > 0::numeric"), expr_key("l>0"));
        assert_eq!(expr_key("status = ANY (ARRAY['a'::text, 'b'::text])"), expr_key("status IN ('a', 'b')"));
        assert_eq!(expr_key("lower((email)::text)"), expr_key("lower(email)"));
        assert_eq!(expr_key("name ~~ 'a%'::text"), expr_key("name LIKE 'a%'"));
        assert_eq!(expr_key("\"Mixed Case\" > 0"), expr_key("\"Mixed Case\">0"));
        assert_eq!(expr_key("x > '-1'::integer"), expr_key("x > -1"));
        // MariaDB stores LENGTH as octet_length, with backticks.
        let mariadb = dialect_expr_key(Dialect::Mysql, "octet_length(`title`) > 0");
        assert_eq!(mariadb, dialect_expr_key(Dialect::Mysql, "length(title) > 0"));
        assert_ne!(expr_key("octet_length(title) > 0"), expr_key("length(title) > 0"), "not on PostgreSQL");
        assert_ne!(expr_key("a > 1"), expr_key("a > 2"));
        assert_eq!(expr_key("d > '2020-01-01'::timestamp without time zone"), expr_key("d > '2020-01-01'"));
    }

    #[test]
    fn index_entries() {
        let cols = |c: &str| c == "a" || c == "Mixed";
        assert_eq!(index_entry_key("a DESC", cols), "a desc");
        assert_eq!(index_entry_key("a asc", cols), "a");
        assert_eq!(index_entry_key("Mixed", cols), "Mixed");
        assert_eq!(index_entry_key("lower((a)::text)", cols), index_entry_key("lower(a)", cols));
        // The default nulls order of each direction is the same as none written.
        assert_eq!(index_entry_key("a DESC NULLS FIRST", cols), index_entry_key("a DESC", cols));
        assert_eq!(index_entry_key("a ASC NULLS LAST", cols), index_entry_key("a", cols));
        assert_ne!(index_entry_key("a NULLS FIRST", cols), index_entry_key("a", cols));
        assert_ne!(index_entry_key("a DESC NULLS LAST", cols), index_entry_key("a DESC", cols));
        assert_eq!(index_entry_key("a Text_Pattern_Ops", cols), "a text_pattern_ops");
        assert_eq!(
            index_entry_key("lower(a) text_pattern_ops DESC", cols),
            format!("{} text_pattern_ops desc", expr_key("lower(a)"))
        );
    }
}
