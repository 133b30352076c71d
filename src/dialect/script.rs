//! SQL scripts cut into statements, as the dialect's own shell would: `psql` for
//! PostgreSQL (semicolons inside strings, dollar quotes, comments and parentheses do
//! not end a statement; `BEGIN ATOMIC … END` bodies are one; meta-command lines such
//! as pg_dump's `\restrict KEY` are the shell's, not SQL), the `sqlite3` shell for
//! SQLite (a trigger's `BEGIN … END` body is part of its statement).
//!
//! Running a script a statement at a time lets each statement name its line when it
//! fails, and keeps a long schema file from becoming one transaction that needs a lock
//! per object (PostgreSQL's `max_locks_per_transaction`). Tokens come from `sqlparser`.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use super::Dialect;
use super::imp::CompoundBody;

/// One statement of a script: its text (no trailing `;`, no leading comments) and the
/// 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    /// The statement's SQL.
    pub sql: &'a str,
    /// The line of the script it starts on.
    pub line: usize,
}

/// Why a script could not be cut into statements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The tokenizer stopped (an unterminated string or comment).
    #[error("line {line}: {message}")]
    Tokenize {
        /// Where.
        line: usize,
        /// The tokenizer's message.
        message: String,
    },
    /// A `psql` meta-command that changes what the script means (`\connect`, `\i`…).
    #[error(
        "line {line}: the psql meta-command \\{command} is not supported here (only \\restrict, \\unrestrict, \\set, \\encoding, \\echo and \\pset are skipped); remove it from the file"
    )]
    MetaCommand {
        /// Where.
        line: usize,
        /// The command, without its backslash.
        command: String,
    },
}

/// Whether `sql` has a name token equal to `name` (case-insensitively, quoted or
/// not); `None` when it cannot be tokenized.
pub fn names_word(dialect: Dialect, sql: &str, name: &str) -> Option<bool> {
    let tokens = Tokenizer::new(dialect.imp().tokenizer(), sql).tokenize().ok()?;
    Some(tokens.iter().any(|t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case(name))))
}

/// Meta-commands `psql` runs that do not change the schema a file makes.
const SKIPPED_META_COMMANDS: [&str; 6] = ["restrict", "unrestrict", "set", "encoding", "echo", "pset"];

/// The statements of `sql`, in order; statements with nothing but white space and
/// comments are left out. Where the dialect's shell has a `DELIMITER` command (the
/// `mysql` client), a `DELIMITER x` line makes `x` end statements until the next one.
pub fn split_statements(dialect: Dialect, sql: &str) -> Result<Vec<ScriptStatement<'_>>, ScriptError> {
    if !dialect.imp().delimiter_command() {
        return split_tokens(dialect, sql);
    }
    let mut out = Vec::new();
    // The segment being read: its start (byte, line) and its delimiter (`None`: `;`).
    let (mut start, mut start_line, mut delimiter): (usize, usize, Option<&str>) = (0, 1, None);
    let mut offset = 0;
    for (n, line) in sql.split_inclusive('\n').enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [command, new] = words.as_slice()
            && command.eq_ignore_ascii_case("delimiter")
        {
            segment(dialect, sql, &mut out, (start, offset), start_line, delimiter)?;
            delimiter = (*new != ";").then_some(*new);
            start = offset + line.len();
            start_line = n + 2;
        }
        offset += line.len();
    }
    segment(dialect, sql, &mut out, (start, sql.len()), start_line, delimiter)?;
    Ok(out)
}

/// The statements of `sql[from..to]`, a part of the script that starts on `line` and
/// whose statements end with `delimiter` (`None`: `;`, cut from the tokens).
fn segment<'a>(
    dialect: Dialect,
    sql: &'a str,
    out: &mut Vec<ScriptStatement<'a>>,
    (from, to): (usize, usize),
    line: usize,
    delimiter: Option<&str>,
) -> Result<(), ScriptError> {
    let text = &sql[from..to];
    match delimiter {
        None => {
            for mut statement in split_tokens(dialect, text).map_err(|e| shift(e, line))? {
                statement.line += line - 1;
                out.push(statement);
            }
        }
        Some(d) => {
            // Ends at a line ending with the delimiter (as mysqldump writes them).
            let mut from = from;
            let mut at = from;
            let mut first_line = line;
            for (n, l) in text.split_inclusive('\n').enumerate() {
                at += l.len();
                if let Some(body) = l.trim_end().strip_suffix(d) {
                    let end = at - l.len() + body.len();
                    let statement = sql[from..end].trim();
                    if !statement.is_empty() {
                        let lead = sql[from..end].len() - sql[from..end].trim_start().len();
                        let skipped = sql[from..from + lead].matches('\n').count();
                        out.push(ScriptStatement { sql: statement, line: first_line + skipped });
                    }
                    from = at;
                    first_line = line + n + 1;
                }
            }
            if !sql[from..to].trim().is_empty() {
                let lead = sql[from..to].len() - sql[from..to].trim_start().len();
                let skipped = sql[from..from + lead].matches('\n').count();
                out.push(ScriptStatement { sql: sql[from..to].trim(), line: first_line + skipped });
            }
        }
    }
    Ok(())
}

/// `e` with its line counted from the start of the whole script.
fn shift(e: ScriptError, first_line: usize) -> ScriptError {
    match e {
        ScriptError::Tokenize { line, message } => {
            ScriptError::Tokenize { line: line + first_line - 1, message }
        }
        ScriptError::MetaCommand { line, command } => {
            ScriptError::MetaCommand { line: line + first_line - 1, command }
        }
    }
}

/// [`split_statements`] without `DELIMITER` lines: cut at `;` from the tokens.
fn split_tokens(dialect: Dialect, sql: &str) -> Result<Vec<ScriptStatement<'_>>, ScriptError> {
    let tokens = Tokenizer::new(dialect.imp().tokenizer(), sql)
        .tokenize_with_location()
        .map_err(|e| ScriptError::Tokenize { line: e.location.line as usize, message: e.message })?;
    let offsets = Offsets::new(sql);
    let mut out = Vec::new();
    let mut current = Current::default();
    let mut skip_line: Option<u64> = None;
    let mut i = 0;
    while i < tokens.len() {
        let TokenWithSpan { token, span } = &tokens[i];
        i += 1;
        if skip_line == Some(span.start.line) {
            continue;
        }
        skip_line = None;
        if matches!(token, Token::Whitespace(_)) {
            continue;
        }
        if current.start.is_none() {
            if matches!(token, Token::SemiColon) {
                continue;
            }
            if dialect.imp().backslash_meta_commands() && matches!(token, Token::Backslash) {
                let command = match tokens.get(i).map(|t| &t.token) {
                    Some(Token::Word(w)) if tokens[i].span.start.line == span.start.line => w.value.clone(),
                    _ => String::new(),
                };
                if !SKIPPED_META_COMMANDS.contains(&command.as_str()) {
                    return Err(ScriptError::MetaCommand { line: span.start.line as usize, command });
                }
                skip_line = Some(span.start.line);
                continue;
            }
            current.start = Some(span.start);
        }
        match token {
            Token::LParen => current.parens += 1,
            Token::RParen => current.parens = current.parens.saturating_sub(1),
            Token::Word(w) => current.word(dialect, w.keyword, tokens.get(i..).unwrap_or(&[])),
            Token::SemiColon if current.parens == 0 && current.blocks == 0 => {
                if let Some(start) = current.start.take() {
                    push(&mut out, sql, &offsets, start, span.start);
                }
                current = Current::default();
            }
            _ => {}
        }
    }
    if let Some(start) = current.start {
        let end = tokens.last().map(|t| t.span.end).unwrap_or(start);
        push(&mut out, sql, &offsets, start, end);
    }
    Ok(out)
}

fn push<'a>(
    out: &mut Vec<ScriptStatement<'a>>,
    sql: &'a str,
    offsets: &Offsets,
    start: Location,
    end: Location,
) {
    let (from, to) = (offsets.byte(sql, start), offsets.byte(sql, end));
    let from = conditional_comment_start(sql, from);
    let text = sql.get(from..to).unwrap_or("").trim_end();
    if !text.is_empty() {
        out.push(ScriptStatement { sql: text, line: start.line as usize });
    }
}

/// Where a statement that starts inside a MySQL conditional comment
/// (`/*!50503 SET … */;`, as `mysqldump` writes them) really starts: at its `/*!`.
/// sqlparser reads the comment's content as SQL but places its tokens from the
/// comment's first byte, so `from` lands inside the comment; the statement is sent
/// whole, and the server runs the content as the `mysql` client has it do.
fn conditional_comment_start(sql: &str, from: usize) -> usize {
    /// How far before a statement's first token its `/*!` may be.
    const LOOK_BACK: usize = 256;
    // The tokens sit up to a few bytes past the comment's `/`: look back from just
    // after `from` (so that a `/*` starting at or right before it is found).
    let mut end = (from + 2).min(sql.len());
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    // Only just before `from` (`/*!`, a version number, white space): searching the
    // whole script before each statement made splitting quadratic (3 s for a 2 MB
    // pg_dump file).
    let mut window = end.saturating_sub(LOOK_BACK);
    while !sql.is_char_boundary(window) {
        window -= 1;
    }
    match sql[window..end].rfind("/*").map(|at| window + at) {
        Some(open)
            if sql[open + 2..].starts_with('!')
                && !sql[open..from.max(open)].contains("*/")
                && !sql[open..from.max(open)].contains(';') =>
        {
            open.min(from)
        }
        _ => from,
    }
}

/// The statement being read: where it starts, open parentheses and open
/// `BEGIN … END` blocks (trigger bodies, `BEGIN ATOMIC`).
#[derive(Default)]
struct Current {
    start: Option<Location>,
    parens: usize,
    blocks: usize,
    /// The statement starts with `CREATE`.
    create: bool,
    /// A `CREATE … TRIGGER` (SQLite: its body is a block).
    trigger: bool,
    words: usize,
}

impl Current {
    fn word(&mut self, dialect: Dialect, keyword: Keyword, rest: &[TokenWithSpan]) {
        self.words += 1;
        if self.words == 1 {
            self.create = keyword == Keyword::CREATE;
            return;
        }
        if !self.create {
            return;
        }
        let next_word =
            rest.iter().find(|t| !matches!(t.token, Token::Whitespace(_))).and_then(|t| match &t.token {
                Token::Word(w) => Some(w.keyword),
                _ => None,
            });
        match keyword {
            Keyword::TRIGGER if self.blocks == 0 => self.trigger = true,
            Keyword::BEGIN => {
                let opens = match dialect.imp().compound_body() {
                    CompoundBody::TriggerBegin => self.trigger,
                    CompoundBody::BeginAtomic => next_word == Some(Keyword::ATOMIC),
                };
                if opens {
                    self.blocks += 1;
                }
            }
            Keyword::CASE if self.blocks > 0 => self.blocks += 1,
            Keyword::END if self.blocks > 0 => self.blocks -= 1,
            _ => {}
        }
    }
}

/// Byte offsets of the tokenizer's (line, column) locations; columns count characters.
struct Offsets {
    line_starts: Vec<usize>,
}

impl Offsets {
    fn new(sql: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        Offsets { line_starts }
    }

    fn byte(&self, sql: &str, at: Location) -> usize {
        let Some(&line_start) = self.line_starts.get((at.line as usize).saturating_sub(1)) else {
            return sql.len();
        };
        let line = &sql[line_start..];
        let column = (at.column as usize).saturating_sub(1);
        line_start + line.char_indices().nth(column).map(|(i, _)| i).unwrap_or(line.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(dialect: Dialect, sql: &str) -> Vec<(usize, String)> {
        split_statements(dialect, sql).unwrap().into_iter().map(|s| (s.line, s.sql.to_string())).collect()
    }

    #[test]
    fn mysql_conditional_comments_are_sent_whole() {
        let sql = "/*!40101 SET NAMES utf8mb4 */;\n\
                   /*!50503 set default_storage_engine = InnoDB */;\n\
                   SELECT '/*!'; CREATE TABLE t (id int) /*!50100 ENGINE=InnoDB */;\n\
                   /* plain */ SELECT 1;";
        assert_eq!(
            texts(Dialect::Mysql, sql),
            vec![
                (1, "/*!40101 SET NAMES utf8mb4 */".to_string()),
                (2, "/*!50503 set default_storage_engine = InnoDB */".to_string()),
                (3, "SELECT '/*!'".to_string()),
                (3, "CREATE TABLE t (id int) /*!50100 ENGINE=InnoDB */".to_string()),
                (4, "SELECT 1".to_string()),
            ]
        );
    }

    #[test]
    fn psql_rules() {
        let sql = "\\restrict abcDEF123\n\
                   SET x = 1;\n\
                   CREATE FUNCTION f() RETURNS int AS $$ select 1; $$ LANGUAGE sql;\n\
                   SELECT E'a\\';' , 'it''s', $tag$ x $$ ; $tag$;\n\
                   /* c /* nested */ ; */ SELECT 'é'; -- tail ;\n\
                   CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n\
                   CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n\
                   \\unrestrict abcDEF123\n\
                   SELECT 3";
        assert_eq!(
            texts(Dialect::Postgresql, sql),
            vec![
                (2, "SET x = 1".to_string()),
                (3, "CREATE FUNCTION f() RETURNS int AS $$ select 1; $$ LANGUAGE sql".to_string()),
                (4, "SELECT E'a\\';' , 'it''s', $tag$ x $$ ; $tag$".to_string()),
                (5, "SELECT 'é'".to_string()),
                (
                    6,
                    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))"
                        .to_string()
                ),
                (
                    7,
                    "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END"
                        .to_string()
                ),
                (9, "SELECT 3".to_string()),
            ]
        );
    }

    #[test]
    fn unsupported_meta_command() {
        let err = split_statements(Dialect::Postgresql, "SELECT 1;\n\\connect other\n").unwrap_err();
        assert!(err.to_string().starts_with("line 2: the psql meta-command \\connect"), "{err}");
    }

    #[test]
    fn sqlite_trigger_bodies() {
        let sql = "CREATE TABLE t (a INT);\n\
                   CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 1;\nEND;\n\
                   BEGIN; COMMIT;";
        assert_eq!(
            texts(Dialect::Sqlite, sql),
            vec![
                (1, "CREATE TABLE t (a INT)".to_string()),
                (
                    2,
                    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = CASE WHEN a > 0 THEN 1 ELSE 2 END;\n  SELECT 1;\nEND"
                        .to_string()
                ),
                (6, "BEGIN".to_string()),
                (6, "COMMIT".to_string()),
            ]
        );
    }

    #[test]
    fn unterminated_string_names_its_line() {
        let err = split_statements(Dialect::Postgresql, "SELECT 1;\nSELECT 'x;\n").unwrap_err();
        assert!(matches!(err, ScriptError::Tokenize { line: 2, .. }), "{err}");
    }
}
