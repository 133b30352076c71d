//! The [`Backend`] trait every driver implements, the error type its calls return,
//! and the helpers the drivers share (waiting, interrupts, clocks, lock keys). The
//! drivers themselves live in their dialect's folder (`dialect/<name>/driver/`).

// The docs name every driver's backend; a build without one lacks it.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(rustdoc::broken_intra_doc_links)
)]

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::code_steps::{CodeSteps, StepContext};
use crate::dialect::Dialect;

/// One row of a query, every column as text (`None` for SQL NULL).
pub type TextRow = Vec<Option<String>>;

use crate::dialect::literal::RowBatch;

/// A database the migration loop can run on.
///
/// Statements are plain SQL text: values are rendered as escaped literals by the
/// caller (as Alembic does in its version-table statements), so the same text serves
/// online runs and offline `--sql` output. The one exception is `bulk_insert` data,
/// which online runs bind as parameters ([`Backend::insert_rows`]): user data never
/// becomes SQL text on a live connection.
// `async fn` in a public trait: callers cannot name `Send` bounds on the futures, but
// every use is generic over a concrete backend, whose futures' auto traits are known.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// The SQL dialect of this database.
    fn dialect(&self) -> Dialect;

    /// Runs one statement; returns the rows it changed (meaningful for INSERT, UPDATE
    /// and DELETE only). Rows a statement returns are read and dropped.
    async fn execute(&mut self, sql: &str) -> Result<u64, DbError>;

    /// Runs a script of `;`-separated statements (a plain-SQL revision).
    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs one query; returns every row, every column as text.
    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError>;

    /// Runs one query; returns its first column as text, NULLs skipped.
    async fn query_column(&mut self, sql: &str) -> Result<Vec<String>, DbError> {
        let rows = self.query_rows(sql).await?;
        Ok(rows.into_iter().filter_map(|row| row.into_iter().next().flatten()).collect())
    }

    /// Starts a transaction. SQLite: `BEGIN IMMEDIATE` (the write lock is taken now).
    async fn begin(&mut self) -> Result<(), DbError>;

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<(), DbError>;

    /// Rolls back the open transaction; DDL included (both dialects have
    /// transactional DDL).
    async fn rollback(&mut self) -> Result<(), DbError>;

    /// Takes the migration lock named `key` for this session, waiting for another
    /// holder to release it. PostgreSQL: `pg_advisory_lock` on a 64-bit hash of `key`
    /// (advisory locks are per database already). SQLite: nothing (see the module
    /// docs: `BEGIN IMMEDIATE` serializes writers).
    async fn lock(&mut self, key: &str) -> Result<(), DbError>;

    /// Releases the lock taken by [`Backend::lock`].
    async fn unlock(&mut self, key: &str) -> Result<(), DbError>;

    /// Inserts the rows of `batch` with their values bound as parameters (never as
    /// literals in the SQL text); returns the number of rows inserted. SQLite runs one
    /// prepared statement per row, PostgreSQL multi-row `INSERT`s.
    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError>;

    /// Runs the code step `step.function()` of `steps` on this connection, inside the
    /// open transaction (see [`crate::code_steps`]). A failure, a panic included, is a
    /// [`DbErrorKind::Statement`] error naming the function. The default refuses: a
    /// connection of another kind has no driver handle to give the function.
    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        let _ = steps;
        Err(DbError::new(
            DbErrorKind::Statement,
            format!("code step `{}`: this connection cannot run code steps", step.function()),
        ))
    }

    /// [`Backend::lock`], announcing a wait and bounding it as `wait` says.
    /// PostgreSQL: `pg_try_advisory_lock` first; if another session holds the lock,
    /// `wait.on_wait` is told its pid, application name, client and start time, then
    /// `pg_advisory_lock` waits (under `lock_timeout` when `wait.timeout` is set).
    /// The default takes the lock with [`Backend::lock`].
    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        let _ = wait;
        self.lock(key).await
    }

    /// [`Backend::begin`], announcing a wait for the write lock and bounding it as
    /// `wait` says. SQLite: `BEGIN IMMEDIATE` is retried while another connection holds
    /// the write lock (each try waits up to [`WAIT_POLL`]). The default is
    /// [`Backend::begin`] (PostgreSQL's `BEGIN` takes no lock).
    async fn begin_waiting(&mut self, wait: Wait<'_>) -> Result<(), DbError> {
        let _ = wait;
        self.begin().await
    }
}

/// How long a SQLite migrator waits for the write lock in one try, while it waits for
/// another migrator: the longest it takes to notice that the lock is free, an
/// interrupt, or the end of [`Wait::timeout`].
pub const WAIT_POLL: Duration = Duration::from_secs(1);

/// How [`Backend::lock_waiting`] and [`Backend::begin_waiting`] wait for another
/// migrator.
pub struct Wait<'a> {
    /// Give up after this long; `None`: wait as long as the other holds the lock.
    pub timeout: Option<Duration>,
    /// Told once, when the lock is found held, who holds it: a phrase such as
    /// "PostgreSQL backend pid 1234 (…) holds the migration lock".
    pub on_wait: &'a mut (dyn FnMut(String) + Send),
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

/// The error of a wait that reached [`Wait::timeout`]: names the bound and the holder.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn gave_up(timeout: Duration, holder: &str) -> DbError {
    DbError::new(
        DbErrorKind::LockTimeout,
        format!("gave up waiting for another migrator after {} (lock_timeout): {holder}", seconds(timeout)),
    )
}

/// The error of a wait stopped by [`crate::runtime::interrupt::interrupt`].
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn interrupted() -> DbError {
    DbError::new(DbErrorKind::Interrupted, "interrupted")
}

/// `2 s`, `0.5 s`.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 { format!("{secs:.0} s") } else { format!("{secs} s") }
}

/// A wall-clock time for messages, in the local time zone: `22:41:03` today, with the
/// date otherwise. `unix_seconds` is seconds since the epoch.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn clock(unix_seconds: f64) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond((unix_seconds * 1000.0) as i64) else {
        return format!("{unix_seconds}");
    };
    let tz = jiff::tz::TimeZone::system();
    let at = at.to_zoned(tz.clone());
    let today = jiff::Timestamp::now().to_zoned(tz).date();
    if at.date() == today {
        at.strftime("%H:%M:%S").to_string()
    } else {
        at.strftime("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The time `ago` before now, as [`clock`] writes it.
#[cfg(feature = "sqlite")]
pub(crate) fn clock_ago(ago: Duration) -> String {
    clock(jiff::Timestamp::now().as_millisecond() as f64 / 1000.0 - ago.as_secs_f64())
}

/// Drives a future to completion on the current thread without a runtime.
///
/// Meant for the futures of [`SqliteBackend`](super::SqliteBackend),
/// [`BlockingPostgres`](super::BlockingPostgres) and [`AnyBackend`](super::AnyBackend),
/// which are ready on first poll. Never use it on
/// [`PostgresBackend`](super::PostgresBackend)'s
/// futures: those need a tokio runtime and would wait forever.
pub fn block_on<F: Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

/// What kind of failure a [`DbError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// Opening the database failed (unreachable server, authentication, missing
    /// database or file).
    Connect,
    /// A statement failed.
    Statement,
    /// An UPDATE or DELETE of the version table matched other than one row.
    RowCount,
    /// The connection was lost, or this build lacks the dialect's feature.
    Unavailable,
    /// Waiting for another migrator's lock reached the configured bound.
    LockTimeout,
    /// The work was stopped by [`crate::runtime::interrupt::interrupt`].
    Interrupted,
}

/// A database failure: the database's own message and, for a failed statement, the
/// SQL that failed. The message never contains a password.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.render())]
pub struct DbError {
    kind: DbErrorKind,
    message: String,
    sql: Option<String>,
    code: Option<String>,
}

impl DbError {
    /// An error of `kind` with `message`.
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> Self {
        DbError { kind, message: message.into(), sql: None, code: None }
    }

    /// This error, naming `sql` as the statement that failed.
    pub fn with_sql(mut self, sql: impl Into<String>) -> Self {
        self.sql = Some(sql.into());
        self
    }

    /// This error with the database's error code (PostgreSQL SQLSTATE, SQLite's
    /// extended result code name).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> DbErrorKind {
        self.kind
    }

    /// The database's message, without the SQL.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The statement that failed, exactly as sent.
    pub fn sql(&self) -> Option<&str> {
        self.sql.as_deref()
    }

    /// The database's error code, when it gave one (e.g. `42P07`).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    fn render(&self) -> String {
        match &self.sql {
            // One line: the statement's own line breaks and indentation are folded.
            Some(sql) => {
                format!("{} [SQL: {}]", self.message, sql.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            None => self.message.clone(),
        }
    }
}

/// A failed code step as a statement error.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(dead_code))]
pub(crate) fn code_step_error(message: String) -> DbError {
    DbError::new(DbErrorKind::Statement, message)
}

/// A stable 64-bit key for `pg_advisory_lock`: FNV-1a of `key`, so every build and
/// every process computes the same number for the same version table.
pub fn advisory_lock_id(key: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Reinterpreting the bits: PostgreSQL's key is a signed bigint.
    hash as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_line_with_the_sql() {
        let e = DbError::new(DbErrorKind::Statement, "table t already exists")
            .with_sql("CREATE TABLE t (\n\tid INTEGER\n)");
        assert_eq!(e.to_string(), "table t already exists [SQL: CREATE TABLE t ( id INTEGER )]");
        assert_eq!(e.sql(), Some("CREATE TABLE t (\n\tid INTEGER\n)"));
    }

    #[test]
    fn lock_ids_are_stable() {
        assert_eq!(advisory_lock_id(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_ne!(advisory_lock_id("alembic:a"), advisory_lock_id("alembic:b"));
    }
}
