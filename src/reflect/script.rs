//! Running a schema script statement by statement, for `target = "schema.sql"`
//! (each dialect's driver loads it into its scratch database with these).

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use super::catalog::{ReflectError, StatementError};

/// Runs `sql` on `db` as `psql` or the `sqlite3` shell would, a statement at a time;
/// a failing statement is reported with its line and (the start of) its text, not the
/// whole script. A statement that would act beyond the scratch database is refused
/// before anything runs.
///
/// With `batch` over 1, up to that many consecutive statements go in one message (on
/// PostgreSQL one implicit transaction), saving a round trip and a commit each: a
/// fifth of a 5,000-table load. A batch that fails has rolled back whole and is run
/// again a statement at a time, so the outcome, and the statement an error names, are
/// those of the unbatched run. Statements that control transactions, cannot run inside
/// one, or change what later statements in the same transaction may use (`ALTER
/// TYPE … ADD VALUE`) are sent alone.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) async fn run_script<B: crate::runtime::connection::Backend>(
    db: &mut B,
    sql: &str,
    batch: usize,
) -> Result<(), ReflectError> {
    use crate::dialect::script::split_statements;
    let statements = split_statements(db.dialect(), sql).map_err(ReflectError::Script)?;
    let imp = db.dialect().imp();
    let mut words = Vec::with_capacity(statements.len());
    for statement in &statements {
        let first = first_words(statement.sql);
        if imp.server_wide_statement(&first.iter().map(String::as_str).collect::<Vec<_>>()) {
            return Err(ReflectError::ServerWide { line: statement.line, statement: excerpt(statement.sql) });
        }
        words.push(first);
    }
    let mut pending: Vec<&ScriptStatement<'_>> = Vec::with_capacity(batch);
    for (statement, first) in statements.iter().zip(&words) {
        if batch > 1 && !runs_alone(first, statement.sql) {
            pending.push(statement);
            if pending.len() >= batch {
                flush(db, &mut pending).await?;
            }
            continue;
        }
        flush(db, &mut pending).await?;
        run_one(db, statement).await?;
    }
    flush(db, &mut pending).await
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use crate::dialect::script::ScriptStatement;

/// Sends the statements of `pending` in one message, or (when that fails, which
/// rolled them all back) one at a time; empties it.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
async fn flush<B: crate::runtime::connection::Backend>(
    db: &mut B,
    pending: &mut Vec<&ScriptStatement<'_>>,
) -> Result<(), ReflectError> {
    let statements = std::mem::take(pending);
    if statements.len() > 1 {
        // A new line before each `;`: a statement may end in a `--` comment.
        let text = statements.iter().map(|s| s.sql).collect::<Vec<_>>().join("\n;\n");
        if db.execute_script(&text).await.is_ok() {
            return Ok(());
        }
    }
    for statement in statements {
        run_one(db, statement).await?;
    }
    Ok(())
}

/// Runs one statement of the script, naming its line when it fails.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
async fn run_one<B: crate::runtime::connection::Backend>(
    db: &mut B,
    statement: &ScriptStatement<'_>,
) -> Result<(), ReflectError> {
    if crate::runtime::interrupt::is_interrupted() {
        return Err(ReflectError::Database(crate::runtime::connection::backend::interrupted()));
    }
    db.execute_script(statement.sql).await.map_err(|source| {
        ReflectError::Statement(Box::new(StatementError {
            line: statement.line,
            statement: excerpt(statement.sql),
            source,
        }))
    })
}

/// Whether a statement must be sent on its own (see [`run_script`]), from its first
/// words.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn runs_alone(first: &[String], sql: &str) -> bool {
    const ALONE: &[&str] = &[
        "BEGIN",
        "START",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
        "PREPARE",
        "VACUUM",
        "CHECKPOINT",
        "REINDEX",
        "CLUSTER",
        "COPY",
        "DO",
        "CALL",
        "LOCK",
    ];
    let Some(head) = first.first() else { return true };
    ALONE.contains(&head.as_str())
        || (head == "ALTER" && first.get(1).is_some_and(|w| w == "TYPE"))
        || sql.split_whitespace().take(5).any(|w| w.eq_ignore_ascii_case("CONCURRENTLY"))
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
