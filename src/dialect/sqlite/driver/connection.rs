//! SQLite through rusqlite: a synchronous connection whose futures are ready at once.

use crate::code_steps::{CodeSteps, StepContext};
use std::borrow::Borrow;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;

use crate::runtime::connection::{Backend, DbError, DbErrorKind, Param, RowBatch, TextRow, WAIT_POLL, Wait};
use crate::runtime::interrupt;
use crate::url::Dialect;

/// How long a statement waits for another connection's lock before failing with
/// "database is locked". `BEGIN IMMEDIATE` in [`Backend::begin_waiting`] does not fail
/// after it: it retries for as long as another migrator holds the write lock.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite database: an owned `rusqlite::Connection` (from [`SqliteBackend::open`]) or
/// a borrowed one (`SqliteBackend::new(&conn)`, for an application migrating its own
/// connection).
///
/// The connection's busy timeout is raised to [`DEFAULT_BUSY_TIMEOUT`] (or the one
/// given to [`SqliteBackend::with_busy_timeout`]) while the backend lives, so that
/// concurrent migrators wait for each other; the previous value is restored on drop.
///
/// While it lives, [`interrupt::interrupt`] interrupts the statement it is running.
pub struct SqliteBackend<C: Borrow<rusqlite::Connection> = rusqlite::Connection> {
    conn: C,
    /// The busy timeout the connection had before, in milliseconds, to restore.
    previous_timeout_ms: Option<i64>,
    /// The busy timeout set by this backend.
    busy_timeout: Duration,
    _interrupt: interrupt::Registration,
}

impl<C: Borrow<rusqlite::Connection>> std::fmt::Debug for SqliteBackend<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").field("path", &self.connection().path()).finish()
    }
}

impl SqliteBackend {
    /// Opens the file at `path` (created if missing; its folder must exist), or a fresh
    /// in-memory database when `path` is `None`.
    pub fn open(path: Option<&Path>) -> Result<SqliteBackend, DbError> {
        let conn = match path {
            None => rusqlite::Connection::open_in_memory(),
            Some(path) => {
                // SQLite's own message ("unable to open database file") does not say why.
                let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
                if let Some(folder) = folder.filter(|f| !f.is_dir()) {
                    return Err(DbError::new(
                        DbErrorKind::Connect,
                        format!(
                            "cannot open SQLite database {}: folder {} does not exist",
                            path.display(),
                            folder.display()
                        ),
                    ));
                }
                rusqlite::Connection::open(path)
            }
        };
        let conn = conn.map_err(|e| {
            let what = path.map_or_else(
                || "in-memory SQLite database".to_string(),
                |p| format!("SQLite database {}", p.display()),
            );
            DbError::new(DbErrorKind::Connect, format!("cannot open {what}: {e}"))
        })?;
        SqliteBackend::new(conn)
    }
}

impl<C: Borrow<rusqlite::Connection>> SqliteBackend<C> {
    /// Wraps `conn` (owned or borrowed) with the default busy timeout.
    pub fn new(conn: C) -> Result<Self, DbError> {
        let handle = conn.borrow().get_interrupt_handle();
        let registration = interrupt::on_interrupt(move || handle.interrupt());
        let mut backend = SqliteBackend {
            conn,
            previous_timeout_ms: None,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            _interrupt: registration,
        };
        backend.set_busy_timeout(DEFAULT_BUSY_TIMEOUT)?;
        Ok(backend)
    }

    /// This backend with a busy timeout of `timeout` instead of the default.
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Result<Self, DbError> {
        self.set_busy_timeout(timeout)?;
        Ok(self)
    }

    /// The wrapped connection.
    pub fn connection(&self) -> &rusqlite::Connection {
        self.conn.borrow()
    }

    fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        let conn = self.conn.borrow();
        if self.previous_timeout_ms.is_none() {
            let before = conn
                .pragma_query_value(None, "busy_timeout", |row| row.get::<_, i64>(0))
                .map_err(|e| sqlite_error(&e, "PRAGMA busy_timeout"))?;
            self.previous_timeout_ms = Some(before);
        }
        conn.busy_timeout(timeout).map_err(|e| sqlite_error(&e, "PRAGMA busy_timeout"))?;
        self.busy_timeout = timeout;
        Ok(())
    }

    /// `BEGIN IMMEDIATE`, retried while another connection holds the write lock.
    fn begin_retrying(&mut self, wait: Wait<'_>) -> Result<(), DbError> {
        let configured = self.busy_timeout;
        let started = Instant::now();
        // When this wait began, for the waiting line.
        let mut since: Option<String> = None;
        let mut told = false;
        let result = loop {
            // Each try waits at most one poll (or what is left of the bound), so a wait
            // is announced soon and an interrupt or the bound is noticed in time.
            let left = wait.timeout.map(|limit| limit.saturating_sub(started.elapsed()));
            let this_try = left.map_or(WAIT_POLL, |left| left.min(WAIT_POLL)).min(configured);
            if let Err(e) = self.conn.borrow().busy_timeout(this_try) {
                break Err(sqlite_error(&e, "PRAGMA busy_timeout"));
            }
            match self.run("BEGIN IMMEDIATE") {
                Ok(_) => break Ok(()),
                Err(e) if e.code() == Some("DatabaseBusy") => {
                    if interrupt::is_interrupted() {
                        break Err(crate::runtime::connection::backend::interrupted());
                    }
                    let since = since.get_or_insert_with(|| {
                        crate::runtime::connection::backend::clock_ago(started.elapsed())
                    });
                    let holder = self.lock_holder(since);
                    if let Some(limit) = wait.timeout
                        && started.elapsed() >= limit
                    {
                        break Err(crate::runtime::connection::backend::gave_up(limit, &holder));
                    }
                    // Without a busy timeout of its own there is nothing to retry for.
                    if configured.is_zero() {
                        break Err(e);
                    }
                    if !told {
                        told = true;
                        (wait.on_wait)(holder);
                    }
                }
                Err(e) => break Err(e),
            }
        };
        let restored = self.conn.borrow().busy_timeout(configured);
        if result.is_ok() {
            restored.map_err(|e| sqlite_error(&e, "PRAGMA busy_timeout"))?;
        }
        result
    }

    /// The waiting line's phrase for the write lock of this file.
    fn lock_holder(&self, since: &str) -> String {
        match self.connection().path().filter(|p| !p.is_empty()) {
            Some(path) => format!("the database file {path} is locked for writing (since {since})"),
            None => format!("the database is locked for writing (since {since})"),
        }
    }

    fn run(&self, sql: &str) -> Result<u64, DbError> {
        let conn = self.conn.borrow();
        let mut stmt = conn.prepare(sql).map_err(|e| sqlite_error(&e, sql))?;
        // Stepping through the rows, rather than `execute`, accepts statements that
        // return rows (PRAGMAs, `... RETURNING`) as well as those that do not.
        let mut rows = stmt.raw_query();
        while rows.next().map_err(|e| sqlite_error(&e, sql))?.is_some() {}
        Ok(conn.changes())
    }
}

impl<C: Borrow<rusqlite::Connection>> Drop for SqliteBackend<C> {
    fn drop(&mut self) {
        if let Some(ms) = self.previous_timeout_ms {
            let ms = u64::try_from(ms).unwrap_or(0);
            // Nothing to report to: the connection keeps our timeout if this fails.
            let _ = self.conn.borrow().busy_timeout(Duration::from_millis(ms));
        }
    }
}

impl<C: Borrow<rusqlite::Connection>> Backend for SqliteBackend<C> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        self.run(sql)
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn.borrow().execute_batch(sql).map_err(|e| sqlite_error(&e, sql))
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        let conn = self.conn.borrow();
        let mut stmt = conn.prepare(sql).map_err(|e| sqlite_error(&e, sql))?;
        let width = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sqlite_error(&e, sql))? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(text_of(row.get_ref(i).map_err(|e| sqlite_error(&e, sql))?));
            }
            out.push(values);
        }
        Ok(out)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.run("BEGIN IMMEDIATE").map(drop)
    }

    async fn begin_waiting(&mut self, wait: Wait<'_>) -> Result<(), DbError> {
        self.begin_retrying(wait)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.run("COMMIT").map(drop)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.run("ROLLBACK").map(drop)
    }

    async fn lock(&mut self, _key: &str) -> Result<(), DbError> {
        Ok(())
    }

    async fn unlock(&mut self, _key: &str) -> Result<(), DbError> {
        Ok(())
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        steps
            .run_sqlite(self.conn.borrow(), step)
            .map_err(crate::runtime::connection::backend::code_step_error)
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        // One prepared single-row statement, bound and stepped per row: SQLite parses
        // the SQL once, and no value is ever part of the SQL text.
        let sql = batch.insert_sql(1, |i| format!("?{}", i + 1));
        let conn = self.conn.borrow();
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| sqlite_error(&e, &sql))?;
        let width = batch.columns.len().max(1);
        let mut inserted = 0;
        for row in batch.values.chunks(width) {
            for (i, value) in row.iter().enumerate() {
                let bound = match value {
                    Param::Null => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null),
                    Param::Integer(v) => stmt.raw_bind_parameter(i + 1, v),
                    Param::Float(v) => stmt.raw_bind_parameter(i + 1, v),
                    Param::Text(v) => stmt.raw_bind_parameter(i + 1, v.as_str()),
                };
                bound.map_err(|e| sqlite_error(&e, &sql))?;
            }
            inserted += stmt.raw_execute().map_err(|e| sqlite_error(&e, &sql))? as u64;
        }
        Ok(inserted)
    }
}

fn text_of(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn sqlite_error(e: &rusqlite::Error, sql: &str) -> DbError {
    let error = DbError::new(DbErrorKind::Statement, e.to_string()).with_sql(sql);
    match e.sqlite_error() {
        Some(ffi) => error.with_code(format!("{:?}", ffi.code)),
        None => error,
    }
}
