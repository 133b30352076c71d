//! The connection layer the migration loop runs on: one async [`Backend`] trait, with
//! implementations for SQLite ([`SqliteBackend`], feature `sqlite`) and PostgreSQL
//! ([`PostgresBackend`] and [`BlockingPostgres`], feature `postgres`) and MySQL/MariaDB
//! ([`MysqlBackend`] and [`BlockingMysql`], feature `mysql`; its statements, locks,
//! session and TLS are described in `dialect/mysql/driver/connection.rs`). The drivers
//! live in their dialect's folder (`dialect/<name>/driver/`); this module re-exports
//! them, and holds the trait they implement (`backend`).
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

pub(crate) mod backend;

pub use crate::dialect::drivers::{AnyBackend, connect};
pub use crate::dialect::literal::{Param, RowBatch};
#[cfg(feature = "mysql")]
pub use crate::dialect::mysql::driver::{
    BlockingMysql, MAX_PLACEHOLDERS as MYSQL_MAX_PLACEHOLDERS, MysqlBackend,
    SESSION_SQL_MODE as MYSQL_SESSION_SQL_MODE,
};
#[cfg(feature = "postgres")]
pub use crate::dialect::postgresql::driver::{BlockingPostgres, PostgresBackend, connect_postgres};
#[cfg(feature = "sqlite")]
pub use crate::dialect::sqlite::driver::{DEFAULT_BUSY_TIMEOUT, SqliteBackend};
pub use backend::{Backend, DbError, DbErrorKind, TextRow, WAIT_POLL, Wait, advisory_lock_id, block_on};
