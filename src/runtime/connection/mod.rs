//! The connection layer the migration loop runs on: one async [`Backend`] trait, with
//! implementations for SQLite ([`SqliteBackend`], feature `sqlite`) and PostgreSQL
//! ([`PostgresBackend`] and [`BlockingPostgres`], feature `postgres`) and MySQL/MariaDB
//! ([`MysqlBackend`] and [`BlockingMysql`], feature `mysql`; see the `mysql` module's
//! docs for its statements, locks, session and TLS).
//!
//! # Shape
//!
//! The loop is written once, as `async fn run<B: Backend>(db: &mut B, …)`, and is
//! generic (not `dyn`) so that each backend's futures stay concrete:
//!
//! - [`SqliteBackend`] wraps a synchronous `rusqlite::Connection`; its futures are ready
//!   on first poll, so sync code drives the loop with [`block_on`].
//! - [`PostgresBackend`] wraps a `tokio_postgres::Client`; an async application awaits
//!   the loop in its own runtime. Because the futures are concrete, the loop's future is
//!   `Send` whenever the backend is (a `tokio::spawn`ed task can migrate).
//! - [`BlockingPostgres`] is PostgreSQL for sync code (the CLI, `fn main`): the client
//!   lives on its own current-thread runtime, which each call drives until the answer
//!   is there. Its futures are therefore also ready at once and [`block_on`] drives
//!   them. The runtime is driven on the caller's thread, a statement costing a write
//!   and a wait as in psql, unless that thread is inside a tokio runtime already (where
//!   `Runtime::block_on` would panic with "Cannot start a runtime from within a
//!   runtime"): then each call drives it on a scoped thread, so it works from plain
//!   `fn main` and from inside a tokio runtime alike.
//! - [`BlockingMysql`] is MySQL for sync code, built the same way on `mysql_async`.
//! - [`AnyBackend`] is whichever blocking backend a URL names ([`connect`]).
//!
//! # Transactions and locking
//!
//! [`Backend::begin`] on SQLite is `BEGIN IMMEDIATE`: the write lock is taken before the
//! version table is read, and a second migrator waits (busy timeout) until the first
//! commits. SQLite has no session lock, so [`Backend::lock`] is a no-op there and a
//! migration loop must read the current heads *inside* each transaction it writes in.
//! On PostgreSQL, [`Backend::lock`] is a session-level advisory lock held for the whole
//! run, so heads read once after locking stay valid: the migration loop reads them in
//! its first transaction only.
//!
//! The migration loop uses [`Backend::lock_waiting`] and [`Backend::begin_waiting`]:
//! the same locks, but a wait is announced once (who holds the lock, since when) and
//! can be bounded ([`Wait::timeout`]). Without a bound they wait as long as the other
//! holds the lock: a holder that dies releases it (its session ends, or the OS drops
//! its file lock), so the wait cannot outlive a dead migrator. SQLite retries
//! `BEGIN IMMEDIATE` with a short busy timeout ([`WAIT_POLL`]) rather than failing
//! after [`DEFAULT_BUSY_TIMEOUT`] while another migrator runs a long step.
//!
//! # PostgreSQL URLs
//!
//! Parameters are found as libpq finds them. Each comes from the URL, else from the
//! service the URL (`?service=NAME`) or `PGSERVICE` names, else from its environment
//! variable (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGPASSFILE`,
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`, `PGOPTIONS`), else
//! libpq's default (the local socket folder if the server listens there, else
//! `localhost`; 5432; the login name; the user name). A unix socket folder is given as
//! `?host=/dir`. Other parameters: `sslmode` (`disable`, `allow`, `prefer` (default),
//! `require`, `verify-ca`, `verify-full`, as in libpq), `sslrootcert`,
//! `application_name` (default `alembic`), `connect_timeout`, `options`, `service` and
//! `passfile`; any other is an error, in the URL and in a service.
//!
//! Services are read from `PGSERVICEFILE`, else `~/.pg_service.conf`, then from
//! `pg_service.conf` in `PGSYSCONFDIR` (default `/etc/postgresql-common`). Without a
//! password, the password file (`?passfile=`, `PGPASSFILE`, else `~/.pgpass`; on
//! Windows `%APPDATA%\postgresql\pgpass.conf`) gives the one of the first line
//! `hostname:port:database:username:password` that matches (`*` matches anything, `\`
//! escapes `:` and `\`, `localhost` stands for the default socket folder). A password
//! file that is not a plain file, or that its group or others may access, is ignored
//! with libpq's warning on stderr. When the server asks for a password and there is
//! none, the error says where one was looked for; when it refuses one, the error gives
//! the server's reason and where the password came from. The `libpq` module reads both
//! files, bounded to 1 MiB.
//!
//! `connect_timeout` bounds the whole connect (TCP, TLS and the start-up and
//! authentication exchange) in seconds, with libpq's semantics: absent means 30 s
//! here (libpq waits forever), `0` or negative waits forever, and values below 2 count
//! as 2. A server that accepts the connection and never answers fails with
//! "no answer from the server within N s (connect_timeout)".

// The docs name both drivers' backends; a build with one feature lacks the other's.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(rustdoc::broken_intra_doc_links)
)]
#[cfg(feature = "postgres")]
mod libpq;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_blocking;
#[cfg(feature = "postgres")]
mod postgres_connect;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "postgres")]
mod tls;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::url::{DatabaseUrl, Dialect};

#[cfg(feature = "mysql")]
pub use mysql::{
    BlockingMysql, MAX_PLACEHOLDERS as MYSQL_MAX_PLACEHOLDERS, MysqlBackend,
    SESSION_SQL_MODE as MYSQL_SESSION_SQL_MODE,
};
#[cfg(feature = "postgres")]
pub use postgres::PostgresBackend;
#[cfg(feature = "postgres")]
pub use postgres_blocking::BlockingPostgres;
#[cfg(feature = "postgres")]
pub use postgres_connect::connect_postgres;
#[cfg(feature = "sqlite")]
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, SqliteBackend};

/// One row of a query, every column as text (`None` for SQL NULL).
pub type TextRow = Vec<Option<String>>;

use crate::code_steps::{CodeSteps, StepContext};
pub use crate::dialect::literal::{Param, RowBatch};

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
/// Meant for the futures of [`SqliteBackend`], [`BlockingPostgres`] and
/// [`AnyBackend`], which are ready on first poll. Never use it on [`PostgresBackend`]'s
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

/// Whichever blocking backend a URL names, as opened by [`connect`].
///
/// Its futures are ready on first poll: drive them with [`block_on`].
pub enum AnyBackend {
    /// A SQLite database.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteBackend),
    /// A PostgreSQL database, through a dedicated thread.
    #[cfg(feature = "postgres")]
    Postgres(BlockingPostgres),
    /// A MySQL or MariaDB database.
    #[cfg(feature = "mysql")]
    Mysql(BlockingMysql),
}

impl fmt::Debug for AnyBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyBackend({})", self.dialect())
    }
}

/// Opens the database `url` names, for sync code: a SQLite file (created if missing,
/// its folder must exist) or in-memory database, a PostgreSQL server through
/// [`BlockingPostgres`] or a MySQL/MariaDB server through [`BlockingMysql`] (both safe
/// to call inside a tokio runtime too).
pub fn connect(url: &DatabaseUrl) -> Result<AnyBackend, DbError> {
    match url {
        #[cfg(feature = "sqlite")]
        DatabaseUrl::Sqlite { path } => SqliteBackend::open(path.as_deref()).map(AnyBackend::Sqlite),
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(pg) => BlockingPostgres::connect(pg).map(AnyBackend::Postgres),
        #[cfg(feature = "mysql")]
        DatabaseUrl::Mysql(my) => BlockingMysql::connect(my).map(AnyBackend::Mysql),
        #[allow(unreachable_patterns)]
        other => Err(DbError::new(
            DbErrorKind::Unavailable,
            format!(
                "cannot open {other}: this build has no {} support (enable the `{}` feature of alembic)",
                other.dialect(),
                feature_of(other.dialect())
            ),
        )),
    }
}

fn feature_of(dialect: Dialect) -> &'static str {
    dialect.imp().driver_feature()
}

/// Forwards every [`Backend`] method to the variant's backend.
macro_rules! each_variant {
    // Matching on `*self` with explicit binding modes keeps the match exhaustive when
    // neither driver feature is on and the enum is empty.
    ($self:ident, ($($bind:tt)+) => $call:expr) => {
        match *$self {
            #[cfg(feature = "sqlite")]
            AnyBackend::Sqlite($($bind)+) => $call,
            #[cfg(feature = "postgres")]
            AnyBackend::Postgres($($bind)+) => $call,
            #[cfg(feature = "mysql")]
            AnyBackend::Mysql($($bind)+) => $call,
        }
    };
}

// With no driver feature the enum is empty and the arguments go unused.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(unused_variables))]
impl Backend for AnyBackend {
    fn dialect(&self) -> Dialect {
        each_variant!(self, (ref db) => db.dialect())
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        each_variant!(self, (ref mut db) => db.execute(sql).await)
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.execute_script(sql).await)
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        each_variant!(self, (ref mut db) => db.query_rows(sql).await)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.begin().await)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.commit().await)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.rollback().await)
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.lock(key).await)
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.unlock(key).await)
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        each_variant!(self, (ref mut db) => db.insert_rows(batch).await)
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.run_code_step(steps, step).await)
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.lock_waiting(key, wait).await)
    }

    async fn begin_waiting(&mut self, wait: Wait<'_>) -> Result<(), DbError> {
        each_variant!(self, (ref mut db) => db.begin_waiting(wait).await)
    }
}

/// A failed code step as a statement error.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(dead_code))]
fn code_step_error(message: String) -> DbError {
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
