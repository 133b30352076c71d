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
    /// How much of a failing statement the error line shows.
    const EXCERPT_CHARS: usize = 200;
    let statements = split_statements(db.dialect(), sql).map_err(ReflectError::Script)?;
    for statement in statements {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(ReflectError::Database(crate::runtime::connection::backend::interrupted()));
        }
        if let Err(e) = db.execute_script(statement.sql).await {
            let folded = statement.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            let excerpt = match folded.char_indices().nth(EXCERPT_CHARS) {
                Some((cut, _)) => format!("{}…", &folded[..cut]),
                None => folded,
            };
            let line = statement.line;
            return Err(ReflectError::Statement(Box::new(StatementError {
                line,
                statement: excerpt,
                source: e,
            })));
        }
    }
    Ok(())
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
