//! Reading what SQLite's pragmas do not give from the schema's SQL text: constraint
//! names (`CONSTRAINT n UNIQUE (…)`), check constraints, and the expressions and
//! `WHERE` clause of an index. A small tokenizer that knows SQLite's quoting
//! (`"x"`, `` `x` ``, `[x]`, `'text'`) is enough: the text was accepted by SQLite, so
//! only its shape matters.

/// One token of SQL text, with its byte span in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    /// An identifier's name (quotes removed) or the token's text.
    text: String,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word (keyword or identifier).
    Word,
    /// A quoted identifier.
    Quoted,
    /// A string literal, number or operator.
    Other,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
}

impl Token {
    fn is_keyword(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(word)
    }

    fn is_name(&self) -> bool {
        matches!(self.kind, Kind::Word | Kind::Quoted)
    }
}

fn tokenize(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let simple = |kind, text: &str, end| Token { kind, text: text.to_string(), start, end };
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
            }
            b'(' => {
                i += 1;
                out.push(simple(Kind::Open, "(", i));
            }
            b')' => {
                i += 1;
                out.push(simple(Kind::Close, ")", i));
            }
            b',' => {
                i += 1;
                out.push(simple(Kind::Comma, ",", i));
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                let mut value = String::new();
                i += 1;
                let mut seg = i;
                loop {
                    if i >= bytes.len() {
                        value.push_str(&sql[seg..]);
                        break;
                    }
                    if bytes[i] == close {
                        value.push_str(&sql[seg..i]);
                        // A doubled quote stands for one (not inside brackets).
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            value.push(close as char);
                            i += 2;
                            seg = i;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                let kind = if c == b'\'' { Kind::Other } else { Kind::Quoted };
                let text = if c == b'\'' { sql[start..i].to_string() } else { value };
                out.push(Token { kind, text, start, end: i });
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let kind = if c.is_ascii_digit() { Kind::Other } else { Kind::Word };
                out.push(Token { kind, text: sql[start..i].to_string(), start, end: i });
            }
            _ => {
                i += 1;
                // Keep i on a character boundary for non-ASCII punctuation.
                while i < bytes.len() && !sql.is_char_boundary(i) {
                    i += 1;
                }
                out.push(Token { kind: Kind::Other, text: sql[start..i].to_string(), start, end: i });
            }
        }
    }
    out
}

/// The index of the `)` closing the `(` at `open`, if any.
fn closing(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits `tokens` at top-level commas.
fn split_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..]);
    out
}

/// A constraint found in a `CREATE TABLE`: its name and local columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedColumns {
    /// `CONSTRAINT name`, when given.
    pub name: Option<String>,
    /// The constraint's columns.
    pub columns: Vec<String>,
}

/// A check constraint found in a `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckText {
    /// `CONSTRAINT name`, when given.
    pub name: Option<String>,
    /// The condition as written.
    pub sql: String,
}

/// What a `CREATE TABLE` statement says that the pragmas do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableDdl {
    /// The primary key's `CONSTRAINT` name.
    pub primary_key_name: Option<String>,
    /// Unique constraints, column-level ones included.
    pub uniques: Vec<NamedColumns>,
    /// Foreign keys (names and local columns), column-level ones included.
    pub foreign_keys: Vec<NamedColumns>,
    /// Check constraints, column-level ones included.
    pub checks: Vec<CheckText>,
    /// `WITHOUT ROWID`: no column is a rowid alias.
    pub without_rowid: bool,
    /// `AUTOINCREMENT` on the rowid alias: ids are never reused.
    pub autoincrement: bool,
    /// `COLLATE name` of each column that has one: (column, collation).
    pub collations: Vec<(String, String)>,
    /// Generated columns: (column, expression, stored).
    pub generated: Vec<(String, String, bool)>,
    /// A `STRICT` table.
    pub strict: bool,
}

/// The names of the identifiers between the parentheses at `tokens[open]`.
fn name_list(tokens: &[Token], open: usize) -> (Vec<String>, usize) {
    let Some(close) = closing(tokens, open) else {
        return (Vec::new(), tokens.len());
    };
    let names = split_commas(&tokens[open + 1..close])
        .into_iter()
        .filter_map(|part| part.first().filter(|t| t.is_name()).map(|t| t.text.clone()))
        .collect();
    (names, close + 1)
}

/// The source text inside the parentheses at `tokens[open]`, and the index after.
fn paren_text(sql: &str, tokens: &[Token], open: usize) -> (String, usize) {
    match closing(tokens, open) {
        Some(close) => (sql[tokens[open].end..tokens[close].start].trim().to_string(), close + 1),
        None => (String::new(), tokens.len()),
    }
}

/// Parses the constraints of a `CREATE TABLE` statement.
pub(crate) fn parse_create_table(sql: &str) -> TableDdl {
    let tokens = tokenize(sql);
    let mut ddl = TableDdl::default();
    let Some(open) = tokens.iter().position(|t| t.kind == Kind::Open) else {
        return ddl;
    };
    let Some(close) = closing(&tokens, open) else {
        return ddl;
    };
    let tail = &tokens[close + 1..];
    ddl.without_rowid = tail.windows(2).any(|w| w[0].is_keyword("WITHOUT") && w[1].is_keyword("ROWID"));
    ddl.strict = tail.iter().any(|t| t.is_keyword("STRICT"));
    ddl.autoincrement = tokens[open + 1..close].iter().any(|t| t.is_keyword("AUTOINCREMENT"));
    for item in split_commas(&tokens[open + 1..close]) {
        let Some(first) = item.first() else { continue };
        let table_level =
            ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| first.is_keyword(k));
        if table_level {
            table_constraint(sql, item, &mut ddl);
        } else if first.is_name() {
            column_constraints(sql, &first.text, &item[1..], &mut ddl);
        }
    }
    ddl
}

fn table_constraint(sql: &str, item: &[Token], ddl: &mut TableDdl) {
    let mut i = 0;
    let mut name = None;
    if item[0].is_keyword("CONSTRAINT") {
        name = item.get(1).map(|t| t.text.clone());
        i = 2;
    }
    let Some(kind) = item.get(i) else { return };
    let open_after =
        |from: usize| item.iter().skip(from).position(|t| t.kind == Kind::Open).map(|p| p + from);
    if kind.is_keyword("PRIMARY") {
        ddl.primary_key_name = name;
    } else if kind.is_keyword("UNIQUE") {
        if let Some(open) = open_after(i) {
            ddl.uniques.push(NamedColumns { name, columns: name_list(item, open).0 });
        }
    } else if kind.is_keyword("CHECK") {
        if let Some(open) = open_after(i) {
            ddl.checks.push(CheckText { name, sql: paren_text(sql, item, open).0 });
        }
    } else if kind.is_keyword("FOREIGN")
        && let Some(open) = open_after(i)
    {
        ddl.foreign_keys.push(NamedColumns { name, columns: name_list(item, open).0 });
    }
}

fn column_constraints(sql: &str, column: &str, rest: &[Token], ddl: &mut TableDdl) {
    let mut name: Option<String> = None;
    let mut i = 0;
    while i < rest.len() {
        let t = &rest[i];
        if t.is_keyword("CONSTRAINT") {
            name = rest.get(i + 1).map(|n| n.text.clone());
            i += 2;
            continue;
        }
        if t.is_keyword("PRIMARY") {
            ddl.primary_key_name = name.take();
        } else if t.is_keyword("UNIQUE") {
            ddl.uniques.push(NamedColumns { name: name.take(), columns: vec![column.to_string()] });
        } else if t.is_keyword("REFERENCES") {
            ddl.foreign_keys.push(NamedColumns { name: name.take(), columns: vec![column.to_string()] });
        } else if t.is_keyword("CHECK") {
            if rest.get(i + 1).is_some_and(|n| n.kind == Kind::Open) {
                let (text, next) = paren_text(sql, rest, i + 1);
                ddl.checks.push(CheckText { name: name.take(), sql: text });
                i = next;
                continue;
            }
        } else if t.is_keyword("AS") && rest.get(i + 1).is_some_and(|n| n.kind == Kind::Open) {
            // `[GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]`; virtual by default.
            let (text, next) = paren_text(sql, rest, i + 1);
            let stored = rest.get(next).is_some_and(|n| n.is_keyword("STORED"));
            ddl.generated.push((column.to_string(), text, stored));
            name = None;
            i = next;
            continue;
        } else if t.kind == Kind::Open {
            // Skip parenthesised parts (type arguments, DEFAULT (expr), REFERENCES
            // columns) so their words are not taken for constraint keywords.
            i = closing(rest, i).map_or(rest.len(), |c| c + 1);
            continue;
        } else if t.is_keyword("COLLATE") {
            if let Some(collation) = rest.get(i + 1).filter(|n| n.is_name()) {
                ddl.collations.push((column.to_string(), collation.text.clone()));
                i += 1;
            }
            name = None;
        } else if ["NOT", "NULL", "DEFAULT", "GENERATED", "AS"].iter().any(|k| t.is_keyword(k)) {
            name = None;
        }
        i += 1;
    }
}

/// The parts of a `CREATE INDEX` statement the pragmas do not give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexDdl {
    /// Each indexed entry as written, `ASC`/`DESC` and `COLLATE` removed.
    pub elements: Vec<String>,
    /// The `WHERE` condition of a partial index.
    pub where_: Option<String>,
}

/// Parses a `CREATE [UNIQUE] INDEX … ON t (…) [WHERE …]` statement.
pub(crate) fn parse_create_index(sql: &str) -> IndexDdl {
    let tokens = tokenize(sql);
    let mut out = IndexDdl::default();
    let Some(on) = tokens.iter().position(|t| t.is_keyword("ON")) else {
        return out;
    };
    let Some(open) = tokens.iter().skip(on).position(|t| t.kind == Kind::Open).map(|p| p + on) else {
        return out;
    };
    let Some(close) = closing(&tokens, open) else {
        return out;
    };
    for part in split_commas(&tokens[open + 1..close]) {
        let mut end = part.len();
        // Drop a trailing ASC/DESC and a COLLATE clause: not part of the expression.
        if end > 0 && (part[end - 1].is_keyword("ASC") || part[end - 1].is_keyword("DESC")) {
            end -= 1;
        }
        if end >= 2 && part[end - 2].is_keyword("COLLATE") {
            end -= 2;
        }
        if end == 0 {
            continue;
        }
        out.elements.push(sql[part[0].start..part[end - 1].end].trim().to_string());
    }
    if let Some(w) = tokens.get(close + 1).filter(|t| t.is_keyword("WHERE")) {
        let text = sql[w.end..].trim().trim_end_matches(';').trim();
        if !text.is_empty() {
            out.where_ = Some(text.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_constraints_with_names() {
        let ddl = parse_create_table(
            "CREATE TABLE \"T x\" (id INTEGER NOT NULL, \"Mixed\" varchar(5) CONSTRAINT uq UNIQUE, \
             n NUMERIC(10, 2) DEFAULT (1+2) CHECK (n > 0), r INT REFERENCES p(id), \
             CONSTRAINT pk PRIMARY KEY (id), CONSTRAINT ck CHECK (n < (5)), UNIQUE (\"Mixed\", n), \
             CONSTRAINT fk FOREIGN KEY(r, n) REFERENCES p (a, b) ON DELETE CASCADE) WITHOUT ROWID",
        );
        assert_eq!(ddl.primary_key_name.as_deref(), Some("pk"));
        assert_eq!(
            ddl.uniques,
            vec![
                NamedColumns { name: Some("uq".into()), columns: vec!["Mixed".into()] },
                NamedColumns { name: None, columns: vec!["Mixed".into(), "n".into()] },
            ]
        );
        assert_eq!(
            ddl.checks,
            vec![
                CheckText { name: None, sql: "n > 0".into() },
                CheckText { name: Some("ck".into()), sql: "n < (5)".into() },
            ]
        );
        assert_eq!(ddl.foreign_keys.len(), 2);
        assert_eq!(ddl.foreign_keys[1].name.as_deref(), Some("fk"));
        assert!(ddl.without_rowid);
    }

    #[test]
    fn index_elements_and_where() {
        let ix =
            parse_create_index("CREATE INDEX ix on t (lower(b), c desc, \"D\" COLLATE NOCASE) where c > 1");
        assert_eq!(ix.elements, ["lower(b)", "c", "\"D\""]);
        assert_eq!(ix.where_.as_deref(), Some("c > 1"));
    }
}
