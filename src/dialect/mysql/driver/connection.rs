//! MySQL and MariaDB through mysql_async: the async backend ([`MysqlBackend`]) and
//! the blocking one for sync code ([`BlockingMysql`]).
//!
//! # Statements
//!
//! Everything but [`Backend::insert_rows`] goes through the text protocol
//! (`COM_QUERY`): nothing is prepared, and every column comes back as text (NULL as
//! `None`), whatever its type. [`Backend::execute_script`] sends the whole script as
//! one `COM_QUERY` with `CLIENT_MULTI_STATEMENTS` on, so the server's own parser cuts
//! it into statements (a `CREATE TRIGGER … BEGIN … END` body with `;` inside needs no
//! `DELIMITER`, which is a command of the `mysql` shell, not SQL, and is not
//! understood). The statements run in order and the first failure stops the script;
//! the ones before it stay done.
//!
//! # Transactions
//!
//! [`Backend::begin`] is `START TRANSACTION`. MySQL commits implicitly before and
//! after most DDL (`CREATE`, `ALTER`, `DROP`, `RENAME`, `TRUNCATE`): a rollback after
//! DDL does not undo it. That is the migration loop's business (a step is then not
//! atomic, and the version table must say which steps ran), not this backend's.
//!
//! # Locking
//!
//! [`Backend::lock`] is `GET_LOCK(name, …)`, a named lock held by the session until
//! `RELEASE_LOCK` or until the session ends (a dead migrator frees it), independent of
//! transactions. Named locks are server-wide, not per database, and their names are at
//! most 64 characters: the name is `alembic_` and a 64-bit FNV-1a hash (the one
//! [`advisory_lock_id`](crate::runtime::connection::advisory_lock_id) computes) of the database name and the key, so two
//! databases on one server never block each other. Waits are `GET_LOCK` calls of at
//! most [`WAIT_POLL`](crate::runtime::connection::WAIT_POLL) each, so an interrupt or the end of [`Wait::timeout`]
//! is noticed within that; a `GET_LOCK(name, 0)` first tells whether the lock is held,
//! and if so `IS_USED_LOCK` and `information_schema.PROCESSLIST` say by whom.
//!
//! # Session
//!
//! [`MysqlBackend::connect`] and [`BlockingMysql::connect`] set the session to what
//! the rendered SQL assumes: `SET NAMES utf8mb4` (or the URL's `charset`),
//! `time_zone = '+00:00'` (`TIMESTAMP` values and `NOW()` in UTC, whatever the
//! server's zone), and `sql_mode` = [`SESSION_SQL_MODE`]: strict, no zero dates, and
//! without `ANSI_QUOTES` (identifiers are quoted with backticks, `"…"` is a string)
//! or `NO_BACKSLASH_ESCAPES` (a backslash in a string literal escapes, as MySQL's
//! default and SQLAlchemy's MySQL dialect assume). [`MysqlBackend::new`] leaves a
//! connection an application hands over as it is; [`MysqlBackend::configure_session`]
//! sets the same.
//!
//! # TLS
//!
//! `ssl_mode` follows the `mysql` client: `DISABLED`; `PREFERRED` (the default: TLS
//! when the server offers it, certificate not checked, else plain text); `REQUIRED`
//! (TLS, certificate not checked); `VERIFY_CA` (chain checked); `VERIFY_IDENTITY`
//! (chain and host name checked). Roots are the PEM file `ssl_ca` names (read here,
//! bounded to 1 MiB), else the public CA set of webpki-roots. TLS is rustls with the
//! ring provider, which is installed as the process's default rustls provider when
//! none is (mysql_async builds its TLS configuration from the default provider). A
//! unix socket is never encrypted (as in MySQL, a socket counts as secure).

use crate::code_steps::{CodeSteps, StepContext};
use std::borrow::BorrowMut;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Params, Row, SslOpts, Statement, Value};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

use crate::runtime::connection::{
    Backend, DbError, DbErrorKind, Param, RowBatch, TextRow, WAIT_POLL, Wait, advisory_lock_id,
};
use crate::runtime::interrupt;
use crate::url::{Dialect, MysqlSslMode, MysqlUrl};

/// The `sql_mode` every connection opened here runs with: MySQL 8's default less
/// `ONLY_FULL_GROUP_BY` (a migration's data statements are the author's, not this
/// tool's to refuse). Strict (bad values are errors, not warnings), no zero dates,
/// and neither `ANSI_QUOTES` nor `NO_BACKSLASH_ESCAPES` (see the module docs).
pub const SESSION_SQL_MODE: &str =
    "STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

/// The most placeholders one prepared statement may have (the protocol counts them
/// in 16 bits).
pub const MAX_PLACEHOLDERS: usize = 65_535;

/// The most bytes of values one `INSERT` of [`Backend::insert_rows`] carries (a row
/// larger than that goes alone): well under the smallest default `max_allowed_packet`
/// (16 MiB on MariaDB, 64 MiB on MySQL 8), so each statement's values travel in its one
/// `COM_STMT_EXECUTE` packet. (Past the limit mysql_async would still succeed, sending
/// every value of the statement in a `COM_STMT_SEND_LONG_DATA` packet of its own.)
const INSERT_MAX_BYTES: usize = 4 << 20;

/// How long a connect may take as a whole (TCP, TLS, authentication, the session
/// set-up) when the URL gives no `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most bytes of an `ssl_ca` file read.
const MAX_CA_FILE_BYTES: u64 = 1 << 20;

/// A MySQL or MariaDB database through a `mysql_async::Conn`, owned or borrowed
/// (`MysqlBackend::new(&mut conn)`, for an application migrating on its own
/// connection).
///
/// Its futures need a tokio runtime (the connection's socket is a tokio one): await
/// them there. Sync code uses [`BlockingMysql`] instead.
pub struct MysqlBackend<C: BorrowMut<Conn> = Conn> {
    conn: C,
}

impl<C: BorrowMut<Conn>> std::fmt::Debug for MysqlBackend<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend").field("connection_id", &self.conn.borrow().id()).finish()
    }
}

impl MysqlBackend {
    /// Connects to the database `url` names and sets the session up (see the module
    /// docs), all within the URL's `connect_timeout` (default 30 s).
    pub async fn connect(url: &MysqlUrl) -> Result<MysqlBackend, DbError> {
        let target = Target::resolve(url)?;
        let conn = target.connect().await?;
        Ok(MysqlBackend { conn })
    }
}

impl<C: BorrowMut<Conn>> MysqlBackend<C> {
    /// Wraps `conn`, leaving its session as it is (see [`Self::configure_session`]).
    pub fn new(conn: C) -> Self {
        MysqlBackend { conn }
    }

    /// The wrapped connection.
    pub fn conn(&mut self) -> &mut Conn {
        self.conn.borrow_mut()
    }

    /// The server's id of this session (`CONNECTION_ID()`, what `KILL` takes).
    pub fn connection_id(&self) -> u32 {
        self.conn.borrow().id()
    }

    /// Sets the session as [`MysqlBackend::connect`] does: `SET NAMES charset`
    /// (`utf8mb4` for `None`), UTC, and [`SESSION_SQL_MODE`].
    pub async fn configure_session(&mut self, charset: Option<&str>) -> Result<(), DbError> {
        let sql = session_sql(charset)?;
        self.conn.borrow_mut().query_drop(sql.as_str()).await.map_err(|e| statement_error(e, &sql))
    }
}

/// The statements that set a session up; `charset` must be a plain name (it is not
/// quoted: `SET NAMES` takes an identifier or a string).
fn session_sql(charset: Option<&str>) -> Result<String, DbError> {
    let charset = charset.unwrap_or("utf8mb4");
    if charset.is_empty() || !charset.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(DbError::new(
            DbErrorKind::Connect,
            format!("charset '{charset}' is not a character set name"),
        ));
    }
    Ok(format!(
        "SET NAMES {charset}; SET SESSION time_zone = '+00:00'; SET SESSION sql_mode = '{SESSION_SQL_MODE}'"
    ))
}

/// Where and how to connect: the options a URL gives, checked once.
#[derive(Clone)]
struct Target {
    /// The URL, for messages (its `Display` masks the password).
    shown: String,
    opts: OptsBuilder,
    ssl_mode: MysqlSslMode,
    ssl: Option<SslOpts>,
    socket: bool,
    charset: Option<String>,
    timeout: Option<Duration>,
}

impl Target {
    fn resolve(url: &MysqlUrl) -> Result<Target, DbError> {
        let shown = url.to_string();
        let bad =
            |why: String| DbError::new(DbErrorKind::Connect, format!("cannot connect to {shown}: {why}"));
        let mut timeout = Some(DEFAULT_CONNECT_TIMEOUT);
        for (key, value) in &url.params {
            match key.replace('-', "_").as_str() {
                // The `mysql` client's `--connect-timeout`, in seconds; 0 waits forever.
                "connect_timeout" => {
                    let secs: u64 = value
                        .parse()
                        .map_err(|_| bad(format!("connect_timeout '{value}' is not a number of seconds")))?;
                    timeout = (secs > 0).then(|| Duration::from_secs(secs));
                }
                _ => {
                    return Err(bad(format!(
                        "unknown parameter '{key}' (known: charset, ssl_mode, ssl_ca, unix_socket, connect_timeout)"
                    )));
                }
            }
        }
        let ssl_mode = url.ssl_mode.unwrap_or(MysqlSslMode::Preferred);
        let ssl = match ssl_mode {
            MysqlSslMode::Disabled => None,
            MysqlSslMode::Preferred | MysqlSslMode::Required => {
                Some(SslOpts::default().with_danger_accept_invalid_certs(true))
            }
            MysqlSslMode::VerifyCa => Some(SslOpts::default().with_danger_skip_domain_validation(true)),
            MysqlSslMode::VerifyIdentity => Some(SslOpts::default()),
        };
        let ssl = match (ssl, &url.ssl_ca) {
            (Some(ssl), Some(path)) => {
                let pem = read_ca_file(path).map_err(bad)?;
                Some(ssl.with_root_certs(vec![pem.into()]).with_disable_built_in_roots(true))
            }
            (ssl, _) => ssl,
        };
        let opts = OptsBuilder::default()
            .ip_or_hostname(url.host.clone().unwrap_or_else(|| "localhost".to_string()))
            .tcp_port(url.port.unwrap_or(3306))
            .user(url.user.clone())
            .pass(url.password.clone())
            .db_name(url.dbname.clone())
            .socket(url.unix_socket.clone())
            // Statements are not cached: bulk inserts close theirs, and nothing else
            // is prepared, so the server keeps no statement of ours.
            .stmt_cache_size(0)
            .prefer_socket(false);
        Ok(Target {
            shown,
            opts,
            ssl_mode,
            ssl,
            socket: url.unix_socket.is_some(),
            charset: url.charset.clone(),
            timeout,
        })
    }

    /// The options of one attempt, with or without TLS.
    fn opts(&self, tls: bool) -> Opts {
        let ssl = if tls && !self.socket { self.ssl.clone() } else { None };
        self.opts.clone().ssl_opts(ssl).into()
    }

    /// Connects and sets the session up, within the time-out.
    async fn connect(&self) -> Result<Conn, DbError> {
        let attempt = async {
            let conn = match self.connect_once(true).await {
                // PREFERRED: plain text when the server has no TLS.
                Err(mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer))
                    if self.ssl_mode == MysqlSslMode::Preferred =>
                {
                    self.connect_once(false).await
                }
                other => other,
            };
            let mut conn = conn.map_err(|e| self.connect_error(&e))?;
            let sql = session_sql(self.charset.as_deref())?;
            conn.query_drop(sql.as_str()).await.map_err(|e| statement_error(e, &sql))?;
            Ok(conn)
        };
        match self.timeout {
            Some(limit) => tokio::time::timeout(limit, attempt).await.unwrap_or_else(|_| {
                Err(DbError::new(
                    DbErrorKind::Connect,
                    format!(
                        "cannot connect to {}: no answer from the server within {} (connect_timeout)",
                        self.shown,
                        crate::runtime::connection::backend::seconds(limit)
                    ),
                ))
            }),
            None => attempt.await,
        }
    }

    async fn connect_once(&self, tls: bool) -> Result<Conn, mysql_async::Error> {
        if tls && self.ssl.is_some() && !self.socket {
            // mysql_async builds its rustls configuration from the process's default
            // provider: make it ring (the one this crate is built with) when none is
            // set, rather than let rustls panic when it cannot choose.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        Conn::new(self.opts(tls)).await
    }

    fn connect_error(&self, e: &mysql_async::Error) -> DbError {
        let why = match e {
            mysql_async::Error::Server(s) => format!("{} (MySQL error {})", s.message, s.code),
            other => root_cause(other),
        };
        let error = DbError::new(DbErrorKind::Connect, format!("cannot connect to {}: {why}", self.shown));
        match e {
            mysql_async::Error::Server(s) => error.with_code(s.code.to_string()),
            _ => error,
        }
    }
}

/// The innermost reason of a client-side error: mysql_async wraps its causes in
/// layers that each repeat "Input/output error: …"; the last one says what happened
/// ("failed to lookup address information: …", "Connection refused").
fn root_cause(e: &mysql_async::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// The PEM text of the `ssl_ca` file `path`: a plain file of at most 1 MiB.
fn read_ca_file(path: &str) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open ssl_ca file {path}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read ssl_ca file {path}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("ssl_ca {path} is not a plain file"));
    }
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| format!("cannot read ssl_ca file {path}: {e}"))?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(format!("ssl_ca file {path} is larger than 1 MiB"));
    }
    Ok(pem)
}

impl<C: BorrowMut<Conn>> Backend for MysqlBackend<C> {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        let conn = self.conn.borrow_mut();
        conn.query_drop(sql).await.map_err(|e| statement_error(e, sql))?;
        Ok(conn.affected_rows())
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        match self.conn.borrow_mut().query_drop(sql).await {
            Ok(()) => Ok(()),
            // ER_EMPTY_QUERY: a script of only comments or white space.
            Err(mysql_async::Error::Server(e)) if e.code == 1065 => Ok(()),
            Err(e) => Err(statement_error(e, sql)),
        }
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        let conn = self.conn.borrow_mut();
        let mut result = conn.query_iter(sql).await.map_err(|e| statement_error(e, sql))?;
        let mut rows = Vec::new();
        // Every result set's rows, as PostgreSQL's simple query gives them.
        while !result.is_empty() {
            result.for_each(|row| rows.push(text_row(row))).await.map_err(|e| statement_error(e, sql))?;
        }
        Ok(rows)
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.execute("START TRANSACTION").await.map(drop)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.execute("COMMIT").await.map(drop)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.execute("ROLLBACK").await.map(drop)
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        lock(self, key).await
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        unlock(self, key).await
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        lock_waiting(self, key, wait).await
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        insert_rows(self.conn.borrow_mut(), batch).await
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        steps
            .run_mysql(self.conn.borrow_mut(), step)
            .await
            .map_err(crate::runtime::connection::backend::code_step_error)
    }
}

/// A row of the text protocol: every value is bytes (text), NULL is `None`. The
/// binary protocol's typed values do not occur here; they are written as MySQL
/// would print them all the same.
fn text_row(row: Row) -> TextRow {
    row.unwrap_raw()
        .into_iter()
        .map(|value| match value? {
            Value::NULL => None,
            Value::Bytes(bytes) => Some(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
            Value::Int(i) => Some(i.to_string()),
            Value::UInt(u) => Some(u.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Double(d) => Some(d.to_string()),
            Value::Date(y, mo, d, h, mi, s, us) if us > 0 => {
                Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"))
            }
            Value::Date(y, mo, d, h, mi, s, _) => {
                Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
            }
            Value::Time(negative, days, h, mi, s, us) => {
                let sign = if negative { "-" } else { "" };
                let hours = u64::from(days) * 24 + u64::from(h);
                Some(if us > 0 {
                    format!("{sign}{hours:02}:{mi:02}:{s:02}.{us:06}")
                } else {
                    format!("{sign}{hours:02}:{mi:02}:{s:02}")
                })
            }
        })
        .collect()
}

/// The value bound for `param`: numbers as numbers, text as bytes the server converts
/// to the column's type as it would a quoted literal (but never reads as SQL).
fn value_of(param: &Param) -> Value {
    match param {
        Param::Null => Value::NULL,
        Param::Integer(i) => Value::Int(*i),
        Param::Float(f) => Value::Double(*f),
        Param::Text(t) => Value::Bytes(t.as_bytes().to_vec()),
    }
}

/// [`Backend::insert_rows`]: multi-row `INSERT`s with `?` placeholders, each within
/// [`MAX_PLACEHOLDERS`] and [`INSERT_MAX_BYTES`]; a statement is prepared once per
/// row count and closed at the end.
async fn insert_rows(conn: &mut Conn, batch: RowBatch) -> Result<u64, DbError> {
    let width = batch.columns.len();
    let rows = batch.len();
    if width == 0 || rows == 0 {
        return Ok(0);
    }
    let max_rows = (MAX_PLACEHOLDERS / width).max(1);
    let row_bytes = |r: usize| -> usize {
        batch.values[r * width..(r + 1) * width]
            .iter()
            .map(|p| match p {
                Param::Text(t) => t.len() + 9,
                _ => 9,
            })
            .sum()
    };
    let mut statements: HashMap<usize, (String, Statement)> = HashMap::new();
    let mut inserted = 0;
    let mut start = 0;
    let mut outcome = Ok(());
    while start < rows {
        let mut end = start;
        let mut bytes = 0;
        while end < rows && end - start < max_rows {
            let more = row_bytes(end);
            if end > start && bytes + more > INSERT_MAX_BYTES {
                break;
            }
            bytes += more;
            end += 1;
        }
        let count = end - start;
        let (sql, statement) = match statements.entry(count) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let sql = batch.insert_sql(count, |_| "?".to_string());
                match conn.prep(sql.as_str()).await {
                    Ok(statement) => slot.insert((sql, statement)),
                    Err(e) => {
                        outcome = Err(statement_error(e, &sql));
                        break;
                    }
                }
            }
        };
        let values: Vec<Value> = batch.values[start * width..end * width].iter().map(value_of).collect();
        if let Err(e) = conn.exec_drop(&*statement, Params::Positional(values)).await {
            outcome = Err(statement_error(e, sql));
            break;
        }
        inserted += conn.affected_rows();
        start = end;
    }
    for (_, (_, statement)) in statements {
        // A statement that cannot be closed goes with the session; the insert's
        // own outcome is what matters.
        let _ = conn.close(statement).await;
    }
    outcome.map(|()| inserted)
}

/// The name of the named lock for `key` in the current database: `alembic_` and 16
/// hex digits (24 characters, within MySQL's 64).
async fn lock_name<B: Backend>(db: &mut B, key: &str) -> Result<String, DbError> {
    let database = db.query_rows("SELECT DATABASE()").await?;
    let database =
        database.into_iter().next().and_then(|r| r.into_iter().next().flatten()).unwrap_or_default();
    // A separator no name has, so `a` + `bc` and `ab` + `c` differ.
    let id = advisory_lock_id(&format!("{database}\u{0}{key}"));
    Ok(format!("alembic_{:016x}", id as u64))
}

/// `GET_LOCK(name, seconds)`: whether the lock was taken (`1`), or the wait ended
/// (`0`); `NULL` (killed, or an error) is an error.
async fn get_lock<B: Backend>(db: &mut B, name: &str, seconds: f64) -> Result<bool, DbError> {
    let sql = format!("SELECT GET_LOCK('{name}', {seconds:.3})");
    let answer = db.query_column(&sql).await;
    match answer {
        Ok(values) => match values.first().map(String::as_str) {
            Some("1") => Ok(true),
            Some("0") => Ok(false),
            _ if interrupt::is_interrupted() => Err(crate::runtime::connection::backend::interrupted()),
            _ => Err(DbError::new(DbErrorKind::Statement, "GET_LOCK returned NULL").with_sql(sql)),
        },
        // ER_QUERY_INTERRUPTED: the interrupt's `KILL QUERY`.
        Err(_) if interrupt::is_interrupted() => Err(crate::runtime::connection::backend::interrupted()),
        Err(e) => Err(e),
    }
}

/// [`Backend::lock`]: `GET_LOCK` until it is taken, a [`WAIT_POLL`] at a time.
async fn lock<B: Backend>(db: &mut B, key: &str) -> Result<(), DbError> {
    let name = lock_name(db, key).await?;
    loop {
        if interrupt::is_interrupted() {
            return Err(crate::runtime::connection::backend::interrupted());
        }
        if get_lock(db, &name, WAIT_POLL.as_secs_f64()).await? {
            return Ok(());
        }
    }
}

/// [`Backend::unlock`]: `RELEASE_LOCK`.
async fn unlock<B: Backend>(db: &mut B, key: &str) -> Result<(), DbError> {
    let name = lock_name(db, key).await?;
    db.execute(&format!("DO RELEASE_LOCK('{name}')")).await.map(drop)
}

/// [`Backend::lock_waiting`] on MySQL, through plain statements (shared by the async
/// and the blocking backend): try the lock; if another session holds it, say who,
/// then wait for it a [`WAIT_POLL`] at a time until it is taken, the bound is
/// reached or the process is interrupted.
async fn lock_waiting<B: Backend>(db: &mut B, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
    let name = lock_name(db, key).await?;
    if get_lock(db, &name, 0.0).await? {
        return Ok(());
    }
    let holder = match lock_holder(db, &name).await? {
        Some(holder) => holder,
        // Released between the two queries.
        None if get_lock(db, &name, 0.0).await? => return Ok(()),
        None => "another MySQL session holds the migration lock".to_string(),
    };
    if wait.timeout.is_some_and(|limit| limit.is_zero()) {
        return Err(crate::runtime::connection::backend::gave_up(Duration::ZERO, &holder));
    }
    (wait.on_wait)(holder.clone());
    let deadline = wait.timeout.map(|limit| Instant::now() + limit);
    loop {
        if interrupt::is_interrupted() {
            return Err(crate::runtime::connection::backend::interrupted());
        }
        let poll = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(crate::runtime::connection::backend::gave_up(
                        wait.timeout.unwrap_or_default(),
                        &holder,
                    ));
                }
                left.min(WAIT_POLL)
            }
            None => WAIT_POLL,
        };
        if get_lock(db, &name, poll.as_secs_f64()).await? {
            return Ok(());
        }
    }
}

/// Who holds the named lock `name`: "MySQL connection 1234 (user root, client
/// 10.0.0.7:51234, database app, Sleep for 3 s) holds the migration lock"; `None` when
/// no one does.
async fn lock_holder<B: Backend>(db: &mut B, name: &str) -> Result<Option<String>, DbError> {
    let sql = format!(
        "SELECT l.holder, p.USER, p.HOST, p.DB, p.COMMAND, p.TIME \
         FROM (SELECT IS_USED_LOCK('{name}') AS holder) l \
         LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.holder"
    );
    let rows = db.query_rows(&sql).await?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let cell = |i: usize| row.get(i).cloned().flatten().filter(|v| !v.is_empty());
    let Some(id) = cell(0) else { return Ok(None) };
    let mut about = Vec::new();
    if let Some(user) = cell(1) {
        about.push(format!("user {user}"));
    }
    if let Some(host) = cell(2) {
        about.push(format!("client {host}"));
    }
    if let Some(database) = cell(3) {
        about.push(format!("database {database}"));
    }
    match (cell(4), cell(5)) {
        (Some(command), Some(time)) => about.push(format!("{command} for {time} s")),
        (Some(command), None) => about.push(command),
        _ => {}
    }
    let about = if about.is_empty() { String::new() } else { format!(" ({})", about.join(", ")) };
    Ok(Some(format!("MySQL connection {id}{about} holds the migration lock")))
}

/// A failed statement: the server's message, its error number (`1146`) as the code,
/// and the SQL; a lost connection is [`DbErrorKind::Unavailable`].
fn statement_error(e: mysql_async::Error, sql: &str) -> DbError {
    match e {
        mysql_async::Error::Server(server) => DbError::new(DbErrorKind::Statement, server.message)
            .with_code(server.code.to_string())
            .with_sql(sql),
        mysql_async::Error::Io(_) => DbError::new(
            DbErrorKind::Unavailable,
            format!("the connection to MySQL was lost: {}", root_cause(&e)),
        )
        .with_sql(sql),
        mysql_async::Error::Driver(mysql_async::DriverError::ConnectionClosed) => {
            DbError::new(DbErrorKind::Unavailable, "the connection to MySQL was closed").with_sql(sql)
        }
        other => DbError::new(DbErrorKind::Statement, other.to_string()).with_sql(sql),
    }
}

// ----- the blocking backend ------------------------------------------------------

/// A MySQL or MariaDB connection for sync code: the connection lives on its own
/// current-thread tokio runtime, which each call drives on the caller's thread, or on
/// a scoped thread when the caller is inside a tokio runtime already (as
/// [`BlockingPostgres`](crate::runtime::connection::BlockingPostgres) does). Its futures are ready on first poll: drive them
/// with [`crate::runtime::connection::block_on`]. Dropping it closes the session (releasing its locks).
///
/// While it lives, [`interrupt::interrupt`] stops the statement it is running: a
/// `KILL QUERY` from a second connection, after which the statement fails with
/// MySQL error 1317 and the session stays usable.
pub struct BlockingMysql {
    /// Boxed: the runtime and the connect options are large, and `AnyBackend` holds
    /// this next to a SQLite connection.
    open: Option<Box<Open>>,
}

/// The open connection. Field order is drop order: the connection goes before the
/// runtime whose reactor drives its socket.
struct Open {
    backend: MysqlBackend,
    target: Target,
    /// Woken by an interrupt; wakes only a wait in progress, so what is sent after an
    /// interrupt (a rollback, a clean-up) runs normally.
    interrupted: Arc<Notify>,
    _registration: interrupt::Registration,
    runtime: Runtime,
}

impl std::fmt::Debug for BlockingMysql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingMysql").field("open", &self.open.is_some()).finish()
    }
}

/// Runs `work` to completion on `runtime`: on this thread, or on a scoped thread when
/// this one is inside a tokio runtime already (where `block_on` would panic).
fn drive<F>(runtime: &Runtime, work: F) -> Result<F::Output, DbError>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(runtime.block_on(work));
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("alembic-mysql".into())
            .spawn_scoped(scope, || runtime.block_on(work))
            .map_err(|e| {
                DbError::new(
                    DbErrorKind::Unavailable,
                    format!("cannot start the MySQL connection thread: {e}"),
                )
            })?
            .join()
            .map_err(|_| worker_gone())
    })
}

fn worker_gone() -> DbError {
    DbError::new(DbErrorKind::Unavailable, "the MySQL connection is closed")
}

/// One call of the blocking backend, run on its runtime.
enum Op<'a> {
    Execute(&'a str),
    Script(&'a str),
    Query(&'a str),
    InsertRows(RowBatch),
    CodeStep(&'a CodeSteps, &'a StepContext<'a>),
}

enum Reply {
    Changed(u64),
    Rows(Vec<TextRow>),
    Done,
}

impl BlockingMysql {
    /// Connects to the database `url` names, blocking until the server answers (within
    /// `connect_timeout`, default 30 s; an interrupt while it waits stops the wait).
    pub fn connect(url: &MysqlUrl) -> Result<BlockingMysql, DbError> {
        let target = Target::resolve(url)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
            DbError::new(DbErrorKind::Unavailable, format!("cannot start the MySQL connection runtime: {e}"))
        })?;
        let interrupted = Arc::new(Notify::new());
        let registration = interrupt::on_interrupt({
            let interrupted = interrupted.clone();
            move || interrupted.notify_waiters()
        });
        let connecting = async {
            let interrupt = interrupted.notified();
            tokio::pin!(interrupt);
            interrupt.as_mut().enable();
            // Only an interrupt during the connect stops it: one made after an
            // interrupt (to drop a scratch database, say) runs normally.
            tokio::select! {
                result = target.connect() => result,
                () = interrupt => Err(crate::runtime::connection::backend::interrupted()),
            }
        };
        let conn = match drive(&runtime, connecting).and_then(|result| result) {
            Ok(conn) => conn,
            Err(e) => {
                shut_down(runtime);
                return Err(e);
            }
        };
        Ok(BlockingMysql {
            open: Some(Box::new(Open {
                backend: MysqlBackend::new(conn),
                target,
                interrupted,
                _registration: registration,
                runtime,
            })),
        })
    }

    /// The server's id of this session (`CONNECTION_ID()`).
    pub fn connection_id(&self) -> Option<u32> {
        self.open.as_ref().map(|open| open.backend.connection_id())
    }

    fn call(&mut self, op: Op<'_>) -> Result<Reply, DbError> {
        let open = self.open.as_mut().ok_or_else(worker_gone)?;
        let Open { backend, target, interrupted, runtime, .. } = &mut **open;
        let id = backend.connection_id();
        let (target, interrupted) = (&*target, &**interrupted);
        let work = async move {
            let notified = interrupted.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let work = serve(backend, op);
            tokio::pin!(work);
            let mut killed = false;
            loop {
                tokio::select! {
                    result = &mut work => break result,
                    () = &mut notified, if !killed => {
                        killed = true;
                        kill_query(target, id).await;
                    }
                }
            }
        };
        drive(runtime, work)?
    }

    fn call_done(&mut self, sql: &str) -> Result<(), DbError> {
        self.call(Op::Execute(sql)).map(drop)
    }
}

/// `KILL QUERY id` from a fresh connection: the statement session `id` runs fails
/// with error 1317 and the session stays. Best effort: if the second connection
/// cannot be made, the statement runs on (as an interrupted psql whose cancel request
/// is lost).
async fn kill_query(target: &Target, id: u32) {
    let killer = async {
        let mut conn = target.connect_once(true).await;
        if matches!(
            conn,
            Err(mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer))
        ) {
            conn = target.connect_once(false).await;
        }
        if let Ok(mut conn) = conn {
            let _ = conn.query_drop(format!("KILL QUERY {id}")).await;
            let _ = conn.disconnect().await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), killer).await;
}

async fn serve(backend: &mut MysqlBackend, op: Op<'_>) -> Result<Reply, DbError> {
    Ok(match op {
        Op::Execute(sql) => Reply::Changed(backend.execute(sql).await?),
        Op::Script(sql) => backend.execute_script(sql).await.map(|()| Reply::Done)?,
        Op::Query(sql) => Reply::Rows(backend.query_rows(sql).await?),
        Op::InsertRows(batch) => Reply::Changed(backend.insert_rows(batch).await?),
        Op::CodeStep(steps, step) => backend.run_code_step(steps, step).await.map(|()| Reply::Done)?,
    })
}

/// Drops `runtime` where that is allowed: tokio refuses to drop a runtime inside an
/// asynchronous context.
fn shut_down(runtime: Runtime) {
    if tokio::runtime::Handle::try_current().is_err() {
        drop(runtime);
    } else {
        // Nothing to report to if the thread cannot start: the runtime then leaks
        // with the thread's closure until the process ends.
        let _ = std::thread::Builder::new().name("alembic-mysql".into()).spawn(move || drop(runtime)).map(
            |thread| {
                let _ = thread.join();
            },
        );
    }
}

impl Drop for BlockingMysql {
    fn drop(&mut self) {
        // A `COM_QUIT` first, so the server ends the session (and frees its named
        // locks) before this returns; then the runtime.
        if let Some(open) = self.open.take() {
            let Open { backend, runtime, .. } = *open;
            let quit = async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), backend.conn.disconnect()).await;
            };
            let _ = drive(&runtime, quit);
            shut_down(runtime);
        }
    }
}

impl Backend for BlockingMysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        match self.call(Op::Execute(sql))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.call(Op::Script(sql)).map(drop)
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        match self.call(Op::Query(sql))? {
            Reply::Rows(rows) => Ok(rows),
            Reply::Changed(_) | Reply::Done => Ok(Vec::new()),
        }
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.call_done("START TRANSACTION")
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.call_done("COMMIT")
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.call_done("ROLLBACK")
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        // Statement by statement from this side: each `GET_LOCK` can be killed by an
        // interrupt, and the flag is checked between them.
        lock(self, key).await
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        unlock(self, key).await
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        // `wait.on_wait` runs on the caller's thread.
        lock_waiting(self, key, wait).await
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        match self.call(Op::InsertRows(batch))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        self.call(Op::CodeStep(steps, step)).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_fit_and_differ_per_database() {
        let name = |db: &str, key: &str| {
            format!("alembic_{:016x}", advisory_lock_id(&format!("{db}\u{0}{key}")) as u64)
        };
        assert_eq!(name("app", "alembic_version").len(), 24);
        assert_ne!(name("app", "alembic_version"), name("other", "alembic_version"));
        assert_ne!(name("a", "bc"), name("ab", "c"));
    }

    #[test]
    fn session_charset_must_be_a_name() {
        assert!(session_sql(Some("utf8mb4")).unwrap().starts_with("SET NAMES utf8mb4;"));
        assert!(session_sql(Some("x; DROP TABLE t")).is_err());
        assert!(session_sql(None).unwrap().contains(SESSION_SQL_MODE));
        assert!(
            !SESSION_SQL_MODE.contains("ANSI_QUOTES") && !SESSION_SQL_MODE.contains("NO_BACKSLASH_ESCAPES")
        );
    }

    #[test]
    fn unknown_parameters_are_refused_and_the_password_not_shown() {
        let url = MysqlUrl {
            user: Some("u".into()),
            password: Some("hunter2".into()),
            host: Some("h".into()),
            port: None,
            dbname: Some("db".into()),
            unix_socket: None,
            charset: None,
            ssl_mode: None,
            ssl_ca: None,
            params: vec![("sslmode".into(), "require".into())],
        };
        let err = Target::resolve(&url).err().expect("refused").to_string();
        assert!(err.contains("unknown parameter 'sslmode'") && !err.contains("hunter2"), "{err}");
        let url = MysqlUrl { params: vec![("connect_timeout".into(), "x".into())], ..url };
        let err = Target::resolve(&url).err().expect("refused").to_string();
        assert!(err.contains("connect_timeout 'x'"), "{err}");
    }
}
