//! PostgreSQL for sync code: the client lives on its own current-thread tokio runtime,
//! and each call drives that runtime until the answer is there.
//!
//! The runtime is driven on the caller's thread when that thread is not inside a
//! tokio runtime (the CLI, `fn main`): a statement then costs what it costs psql, a
//! write and a wait for the reply. Inside a tokio runtime, where `Runtime::block_on`
//! would panic ("Cannot start a runtime from within a runtime"), each call drives it
//! on a short-lived scoped thread instead, so the same code works from async code too.
//! It used to live on a dedicated thread that every statement reached through a
//! channel: three thread wake-ups per statement, most of the CPU a long migration run
//! spent outside the server.

use crate::code_steps::{CodeSteps, StepContext};
use std::sync::Arc;

use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tokio_postgres::CancelToken;

use super::PostgresBackend;
use super::connect::Target;
use crate::runtime::connection::{Backend, DbError, DbErrorKind, RowBatch, TextRow, Wait};
use crate::runtime::interrupt;
use crate::url::{Dialect, PostgresUrl};

/// A PostgreSQL connection for sync code; see the module docs of [`crate::runtime::connection`] for how it
/// avoids nesting runtimes. Its futures are ready on first poll: drive them with
/// [`crate::runtime::connection::block_on`]. Dropping it closes the connection.
///
/// While it lives, [`interrupt::interrupt`] cancels the statement it is running (a
/// cancel request to the server) or the connect in progress.
pub struct BlockingPostgres {
    /// Boxed: the runtime and the connection target are large, and `AnyBackend` holds
    /// this next to a SQLite connection.
    open: Option<Box<Open>>,
}

/// The open connection. Field order is drop order: the client goes before the runtime
/// whose task carries its connection.
struct Open {
    backend: PostgresBackend,
    token: CancelToken,
    target: Target,
    /// Woken by an interrupt; wakes only a wait in progress, so what is sent after an
    /// interrupt (a rollback, dropping a scratch database) runs normally.
    interrupted: Arc<Notify>,
    _registration: interrupt::Registration,
    runtime: Runtime,
}

impl std::fmt::Debug for BlockingPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPostgres").field("open", &self.open.is_some()).finish()
    }
}

enum Op<'a> {
    Execute(&'a str),
    Script(&'a str),
    Query(&'a str),
    Begin,
    Commit,
    Rollback,
    Lock(&'a str),
    Unlock(&'a str),
    InsertRows(RowBatch),
    CodeStep(&'a CodeSteps, &'a StepContext<'a>),
}

enum Reply {
    Changed(u64),
    Rows(Vec<TextRow>),
    Done,
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
            .name("alembic-postgres".into())
            .spawn_scoped(scope, || runtime.block_on(work))
            .map_err(|e| {
                DbError::new(
                    DbErrorKind::Unavailable,
                    format!("cannot start the PostgreSQL connection thread: {e}"),
                )
            })?
            .join()
            .map_err(|_| worker_gone())
    })
}

impl BlockingPostgres {
    /// Connects to the database `url` names, blocking until the server answers.
    pub fn connect(url: &PostgresUrl) -> Result<BlockingPostgres, DbError> {
        let target = Target::resolve(url)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
            DbError::new(
                DbErrorKind::Unavailable,
                format!("cannot start the PostgreSQL connection runtime: {e}"),
            )
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
            tokio::select! {
                result = target.connect() => result,
                () = interrupt => Err(crate::runtime::connection::backend::interrupted()),
            }
        };
        let connected = drive(&runtime, connecting).and_then(|result| result);
        let client = match connected {
            Ok(client) => client,
            Err(e) => {
                shut_down(runtime);
                return Err(e);
            }
        };
        let token = client.cancel_token();
        let backend = PostgresBackend::new(client);
        Ok(BlockingPostgres {
            open: Some(Box::new(Open {
                backend,
                token,
                target,
                interrupted,
                _registration: registration,
                runtime,
            })),
        })
    }

    fn call(&mut self, op: Op<'_>) -> Result<Reply, DbError> {
        let open = self.open.as_mut().ok_or_else(worker_gone)?;
        let Open { backend, token, target, interrupted, runtime, .. } = &mut **open;
        let (token, target, interrupted) = (&*token, &*target, &**interrupted);
        let work = async move {
            let notified = interrupted.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let work = serve(backend, op);
            tokio::pin!(work);
            let mut cancelled = false;
            loop {
                tokio::select! {
                    result = &mut work => break result,
                    () = &mut notified, if !cancelled => {
                        // The statement fails with query_canceled, and a transaction
                        // it was in is rolled back.
                        cancelled = true;
                        target.cancel(token).await;
                    }
                }
            }
        };
        drive(runtime, work)?
    }

    fn call_done(&mut self, op: Op<'_>) -> Result<(), DbError> {
        self.call(op).map(drop)
    }
}

async fn serve(backend: &mut PostgresBackend, op: Op<'_>) -> Result<Reply, DbError> {
    Ok(match op {
        Op::Execute(sql) => Reply::Changed(backend.execute(sql).await?),
        Op::Script(sql) => backend.execute_script(sql).await.map(|()| Reply::Done)?,
        Op::Query(sql) => Reply::Rows(backend.query_rows(sql).await?),
        Op::Begin => backend.begin().await.map(|()| Reply::Done)?,
        Op::Commit => backend.commit().await.map(|()| Reply::Done)?,
        Op::Rollback => backend.rollback().await.map(|()| Reply::Done)?,
        Op::Lock(key) => backend.lock(key).await.map(|()| Reply::Done)?,
        Op::Unlock(key) => backend.unlock(key).await.map(|()| Reply::Done)?,
        Op::InsertRows(batch) => Reply::Changed(backend.insert_rows(batch).await?),
        Op::CodeStep(steps, step) => backend.run_code_step(steps, step).await.map(|()| Reply::Done)?,
    })
}

fn worker_gone() -> DbError {
    DbError::new(DbErrorKind::Unavailable, "the PostgreSQL connection thread has stopped")
}

/// Drops `runtime` (and the connection task on it, which closes the socket) where that
/// is allowed: tokio refuses to drop a runtime inside an asynchronous context.
fn shut_down(runtime: Runtime) {
    if tokio::runtime::Handle::try_current().is_err() {
        drop(runtime);
    } else {
        // Nothing to report to if the thread cannot start: the runtime then leaks
        // with the thread's closure, the socket with it, until the process ends.
        let _ = std::thread::Builder::new().name("alembic-postgres".into()).spawn(move || drop(runtime)).map(
            |thread| {
                let _ = thread.join();
            },
        );
    }
}

impl Drop for BlockingPostgres {
    fn drop(&mut self) {
        // The client first, then the runtime with the connection task: the socket is
        // closed, so the server sees the session end, before this returns.
        if let Some(open) = self.open.take() {
            let Open { backend, runtime, .. } = *open;
            drop(backend);
            shut_down(runtime);
        }
    }
}

impl Backend for BlockingPostgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgresql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        match self.call(Op::Execute(sql))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.call_done(Op::Script(sql))
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        match self.call(Op::Query(sql))? {
            Reply::Rows(rows) => Ok(rows),
            Reply::Changed(_) | Reply::Done => Ok(Vec::new()),
        }
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.call_done(Op::Begin)
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.call_done(Op::Commit)
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.call_done(Op::Rollback)
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        self.call_done(Op::Lock(key))
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        self.call_done(Op::Unlock(key))
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        match self.call(Op::InsertRows(batch))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn run_code_step(&mut self, steps: &CodeSteps, step: &StepContext<'_>) -> Result<(), DbError> {
        self.call_done(Op::CodeStep(steps, step))
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        // Statement by statement from this side: `wait.on_wait` runs on the caller's
        // thread, and an interrupt cancels the wait like any statement.
        super::backend::lock_waiting(self, key, wait).await
    }
}
