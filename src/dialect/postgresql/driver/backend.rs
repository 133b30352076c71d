//! PostgreSQL through tokio-postgres: the async backend.

use crate::code_steps::{CodeSteps, StepContext};
use std::borrow::Borrow;

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::runtime::connection::{
    Backend, DbError, DbErrorKind, Param, RowBatch, TextRow, Wait, advisory_lock_id,
};
use crate::url::Dialect;

/// A PostgreSQL database through a `tokio_postgres::Client`, owned or borrowed
/// (`PostgresBackend::new(&client)`, for an application migrating with its own client).
///
/// Its futures need the tokio runtime that drives the client's connection: await them
/// there. Sync code uses [`super::BlockingPostgres`] instead.
///
/// Statements go through the simple query protocol: no prepared statement is left
/// behind, a statement may return rows or not, and a plain-SQL script may hold several.
pub struct PostgresBackend<C: Borrow<Client> = Client> {
    client: C,
}

impl<C: Borrow<Client>> std::fmt::Debug for PostgresBackend<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend").field("closed", &self.client().is_closed()).finish()
    }
}

impl<C: Borrow<Client>> PostgresBackend<C> {
    /// Wraps `client`.
    pub fn new(client: C) -> Self {
        PostgresBackend { client }
    }

    /// The wrapped client.
    pub fn client(&self) -> &Client {
        self.client.borrow()
    }

    async fn simple(&self, sql: &str) -> Result<Vec<SimpleQueryMessage>, DbError> {
        self.client.borrow().simple_query(sql).await.map_err(|e| statement_error(&e, sql))
    }
}

impl<C: Borrow<Client>> Backend for PostgresBackend<C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgresql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        let messages = self.simple(sql).await?;
        let changed = messages.iter().rev().find_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        });
        Ok(changed.unwrap_or(0))
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.simple(sql).await.map(drop)
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        let messages = self.simple(sql).await?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => {
                    Some((0..row.len()).map(|i| row.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.simple("BEGIN").await.map(drop)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.simple("COMMIT").await.map(drop)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.simple("ROLLBACK").await.map(drop)
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        self.simple(&format!("SELECT pg_advisory_lock({})", advisory_lock_id(key))).await.map(drop)
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        self.simple(&format!("SELECT pg_advisory_unlock({})", advisory_lock_id(key))).await.map(drop)
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        lock_waiting(self, key, wait).await
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        steps
            .run_postgres(self.client.borrow(), step)
            .await
            .map_err(crate::runtime::connection::backend::code_step_error)
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        // One multi-row INSERT with `$n` parameters whose types the server infers from
        // the columns; values travel as text in the extended protocol and are parsed by
        // the column type's input function, as a quoted literal would be, but can never
        // be read as SQL. The statement is unnamed and not kept.
        let rows = batch.len();
        if rows == 0 {
            return Ok(0);
        }
        let sql = batch.insert_sql(rows, |i| format!("${}", i + 1));
        let params: Vec<TextParam<'_>> = batch.values.iter().map(TextParam::of).collect();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
        let client = self.client.borrow();
        let statement = client.prepare(&sql).await.map_err(|e| statement_error(&e, &sql))?;
        client.execute(&statement, &refs).await.map_err(|e| statement_error(&e, &sql))
    }
}

/// A parameter sent in PostgreSQL's text format, whatever type the server inferred
/// for it (`None` is NULL).
#[derive(Debug)]
struct TextParam<'a>(Option<std::borrow::Cow<'a, str>>);

impl<'a> TextParam<'a> {
    fn of(param: &'a Param) -> Self {
        TextParam(match param {
            Param::Null => None,
            Param::Integer(i) => Some(i.to_string().into()),
            Param::Float(f) => Some(format!("{f:?}").into()),
            Param::Text(t) => Some(t.as_str().into()),
        })
    }
}

impl tokio_postgres::types::ToSql for TextParam<'_> {
    fn to_sql(
        &self,
        _ty: &tokio_postgres::types::Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match &self.0 {
            None => Ok(tokio_postgres::types::IsNull::Yes),
            Some(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(tokio_postgres::types::IsNull::No)
            }
        }
    }

    fn accepts(_ty: &tokio_postgres::types::Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &tokio_postgres::types::Type) -> tokio_postgres::types::Format {
        tokio_postgres::types::Format::Text
    }

    tokio_postgres::types::to_sql_checked!();
}

/// [`Backend::lock_waiting`] on PostgreSQL, through plain statements (shared by the
/// async and the blocking backend): try the advisory lock; if another session holds
/// it, say who, then wait for it with `lock_timeout` set to the bound (`0`, no bound,
/// when there is none, so a `lock_timeout` meant for the DDL does not end the wait),
/// and put the session's `lock_timeout` back.
pub(super) async fn lock_waiting<B: Backend>(db: &mut B, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
    let id = advisory_lock_id(key);
    let try_lock = format!("SELECT pg_try_advisory_lock({id})");
    if db.query_column(&try_lock).await?.first().is_some_and(|v| v == "t") {
        return Ok(());
    }
    let holder = match lock_holder(db, id).await? {
        Some(holder) => holder,
        // Released between the two queries.
        None if db.query_column(&try_lock).await?.first().is_some_and(|v| v == "t") => return Ok(()),
        None => "another PostgreSQL session holds the migration lock".to_string(),
    };
    if wait.timeout.is_some_and(|limit| limit.is_zero()) {
        return Err(crate::runtime::connection::backend::gave_up(std::time::Duration::ZERO, &holder));
    }
    (wait.on_wait)(holder.clone());
    let previous = db.query_column("SELECT current_setting('lock_timeout')").await?;
    let millis = wait.timeout.map_or(0, |limit| limit.as_millis().max(1));
    db.execute(&format!("SET lock_timeout = {millis}")).await?;
    let locked = db.execute(&format!("SELECT pg_advisory_lock({id})")).await;
    if let Some(previous) = previous.first() {
        let restore = format!(
            "SELECT set_config('lock_timeout', {}, false)",
            crate::dialect::literal::string_literal(Dialect::Postgresql, previous)
        );
        let restored = db.execute(&restore).await;
        if locked.is_ok() {
            restored?;
        }
    }
    match locked {
        Ok(_) => Ok(()),
        // 55P03: lock_not_available, what lock_timeout raises.
        Err(e) if e.code() == Some("55P03") => {
            Err(crate::runtime::connection::backend::gave_up(wait.timeout.unwrap_or_default(), &holder))
        }
        // 57014: query_canceled, what an interrupt's cancel request raises.
        Err(e) if e.code() == Some("57014") && crate::runtime::interrupt::is_interrupted() => {
            Err(crate::runtime::connection::backend::interrupted())
        }
        Err(e) => Err(e),
    }
}

/// Who holds advisory lock `id` in this database, from `pg_locks` and
/// `pg_stat_activity`: "PostgreSQL backend pid 1234 (application_name alembic,
/// client 10.0.0.7, connected since 22:41:03, idle) holds the migration lock".
async fn lock_holder<B: Backend>(db: &mut B, id: i64) -> Result<Option<String>, DbError> {
    // A bigint advisory key is stored as two oids: the high and the low 32 bits.
    let bits = id as u64;
    let (high, low) = (bits >> 32, bits & 0xffff_ffff);
    let sql = format!(
        "SELECT l.pid::text, a.application_name, host(a.client_addr), \
         extract(epoch FROM a.backend_start)::text, a.state \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = '{high}'::oid \
         AND l.objid = '{low}'::oid AND l.objsubid = 1 \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         LIMIT 1"
    );
    let rows = db.query_rows(&sql).await?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let cell = |i: usize| row.get(i).cloned().flatten().filter(|v| !v.is_empty());
    let Some(pid) = cell(0) else { return Ok(None) };
    let mut about = Vec::new();
    if let Some(name) = cell(1) {
        about.push(format!("application_name {name}"));
    }
    if let Some(client) = cell(2) {
        about.push(format!("client {client}"));
    }
    if let Some(start) = cell(3).and_then(|s| s.parse::<f64>().ok()) {
        about.push(format!("connected since {}", crate::runtime::connection::backend::clock(start)));
    }
    if let Some(state) = cell(4) {
        about.push(state);
    }
    let about = if about.is_empty() { String::new() } else { format!(" ({})", about.join(", ")) };
    Ok(Some(format!("PostgreSQL backend pid {pid}{about} holds the migration lock")))
}

/// A failed statement: the server's message (with its detail and hint), its SQLSTATE
/// and the SQL; or, when the server said nothing, the client's reason.
pub(super) fn statement_error(e: &tokio_postgres::Error, sql: &str) -> DbError {
    match e.as_db_error() {
        Some(db) => {
            let mut message = db.message().to_string();
            if let Some(detail) = db.detail() {
                message.push_str(&format!(" (DETAIL: {detail})"));
            }
            if let Some(hint) = db.hint() {
                message.push_str(&format!(" (HINT: {hint})"));
            }
            DbError::new(DbErrorKind::Statement, message).with_code(db.code().code()).with_sql(sql)
        }
        None if e.is_closed() => {
            DbError::new(DbErrorKind::Unavailable, "the connection to PostgreSQL was closed").with_sql(sql)
        }
        None => DbError::new(DbErrorKind::Statement, e.to_string()).with_sql(sql),
    }
}
