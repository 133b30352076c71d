//! Running a schema script statement by statement, for `target = "schema.sql"`
//! (each dialect's driver loads it into its scratch database with these).

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use super::catalog::{ReflectError, StatementError};

/// Runs `sql` on `db` a statement at a time; a failing statement is reported with its
/// line and (the start of) its text, not the whole script.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) async fn run_script<B: crate::runtime::connection::Backend>(
    db: &mut B,
    sql: &str,
) -> Result<(), ReflectError> {
    use crate::dialect::script::split_statements;
    let statements = split_statements(db.dialect(), sql).map_err(ReflectError::Script)?;
    for statement in statements {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(ReflectError::Database(crate::runtime::connection::backend::interrupted()));
        }
        if db
            .dialect()
            .imp()
            .server_wide_statement(&first_words(statement.sql).iter().map(String::as_str).collect::<Vec<_>>())
        {
            return Err(ReflectError::ServerWide { line: statement.line, statement: excerpt(statement.sql) });
        }
        if let Err(e) = db.execute_script(statement.sql).await {
            let line = statement.line;
            return Err(ReflectError::Statement(Box::new(StatementError {
                line,
                statement: excerpt(statement.sql),
                source: e,
            })));
        }
    }
    Ok(())
}

/// A statement folded on one line and shortened, for an error line.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn excerpt(sql: &str) -> String {
    /// How much of a failing statement the error line shows.
    const EXCERPT_CHARS: usize = 200;
    let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &folded[..cut]),
        None => folded,
    }
}

/// The first three words of a statement in upper case, without `OR REPLACE` and
/// without the `/*!NNNNN` opening of a MySQL conditional comment.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn first_words(sql: &str) -> Vec<String> {
    let sql = match sql.strip_prefix("/*!") {
        Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => sql,
    };
    let words = sql
        .split(|c: char| c.is_whitespace() || c == ';' || c == '`' || c == '"')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    let mut out: Vec<String> = Vec::new();
    for word in words {
        if out.len() == 1 && word == "OR" {
            continue;
        }
        if out.len() == 1 && word == "REPLACE" && out[0] == "CREATE" {
            continue;
        }
        out.push(word);
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// A database name no other run uses: process id, time and a counter.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn scratch_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("alembic_scratch_{}_{nanos}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
