//! PostgreSQL for sync code: the client lives on a dedicated thread with its own
//! current-thread tokio runtime, and each call waits for that thread's answer.
//!
//! The caller's thread never builds or enters a runtime, so the same code works from
//! plain `fn main` and from inside a tokio runtime, where `Runtime::block_on` would
//! panic ("Cannot start a runtime from within a runtime"). One path for both cases
//! keeps it tested in both; the cost, a thread per connection and a channel hop per
//! statement, is nothing next to a network round trip.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use tokio::sync::Notify;
use tokio::sync::mpsc as tokio_mpsc;

use super::postgres_connect::Target;
use super::{Backend, DbError, DbErrorKind, PostgresBackend, RowBatch, TextRow, Wait};
use crate::runtime::interrupt;
use crate::url::{Dialect, PostgresUrl};

/// A PostgreSQL connection for sync code; see the module docs of
/// [`super`] for how it avoids nesting runtimes. Its futures are ready on first poll:
/// drive them with [`super::block_on`]. Dropping it closes the connection and joins
/// its thread.
///
/// While it lives, [`interrupt::interrupt`] cancels the statement it is running (a
/// cancel request to the server) or the connect in progress.
pub struct BlockingPostgres {
    requests: Option<tokio_mpsc::UnboundedSender<Request>>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for BlockingPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPostgres").field("open", &self.requests.is_some()).finish()
    }
}

enum Op {
    Execute(String),
    Script(String),
    Query(String),
    Begin,
    Commit,
    Rollback,
    Lock(String),
    Unlock(String),
    InsertRows(RowBatch),
}

enum Reply {
    Changed(u64),
    Rows(Vec<TextRow>),
    Done,
}

struct Request {
    op: Op,
    reply: std_mpsc::Sender<Result<Reply, DbError>>,
}

impl BlockingPostgres {
    /// Connects to the database `url` names, blocking until the server answers.
    pub fn connect(url: &PostgresUrl) -> Result<BlockingPostgres, DbError> {
        let target = Target::resolve(url)?;
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), DbError>>();
        let (requests, mut incoming) = tokio_mpsc::unbounded_channel::<Request>();
        let worker = std::thread::Builder::new()
            .name("alembic-postgres".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let message = format!("cannot start the PostgreSQL connection thread: {e}");
                        let _ = ready_tx.send(Err(DbError::new(DbErrorKind::Unavailable, message)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // Wakes only a wait in progress: what is sent after an interrupt
                    // (a rollback, dropping a scratch database) runs normally.
                    let interrupted = Arc::new(Notify::new());
                    let _registration = interrupt::on_interrupt({
                        let interrupted = interrupted.clone();
                        move || interrupted.notify_waiters()
                    });
                    let connecting = interrupted.notified();
                    tokio::pin!(connecting);
                    connecting.as_mut().enable();
                    let connected = tokio::select! {
                        result = target.connect() => result,
                        () = connecting => Err(super::interrupted()),
                    };
                    let client = match connected {
                        Ok(client) => client,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let token = client.cancel_token();
                    let mut backend = PostgresBackend::new(client);
                    let _ = ready_tx.send(Ok(()));
                    // Ends when the BlockingPostgres is dropped (its sender with it).
                    while let Some(Request { op, reply }) = incoming.recv().await {
                        let notified = interrupted.notified();
                        tokio::pin!(notified);
                        notified.as_mut().enable();
                        let work = serve(&mut backend, op);
                        tokio::pin!(work);
                        let mut cancelled = false;
                        let result = loop {
                            tokio::select! {
                                result = &mut work => break result,
                                () = &mut notified, if !cancelled => {
                                    // The statement fails with query_canceled, and a
                                    // transaction it was in is rolled back.
                                    cancelled = true;
                                    target.cancel(&token).await;
                                }
                            }
                        };
                        // The caller may have gone (a panic on its side): nothing to do.
                        let _ = reply.send(result);
                    }
                });
            })
            .map_err(|e| {
                DbError::new(
                    DbErrorKind::Unavailable,
                    format!("cannot start the PostgreSQL connection thread: {e}"),
                )
            })?;
        let ready = ready_rx.recv().unwrap_or_else(|_| Err(worker_gone()));
        match ready {
            Ok(()) => Ok(BlockingPostgres { requests: Some(requests), worker: Some(worker) }),
            Err(e) => {
                // The thread has returned or is returning; a panic there is reported as `e`.
                let _ = worker.join();
                Err(e)
            }
        }
    }

    fn call(&self, op: Op) -> Result<Reply, DbError> {
        let (reply, answer) = std_mpsc::channel();
        let requests = self.requests.as_ref().ok_or_else(worker_gone)?;
        requests.send(Request { op, reply }).map_err(|_| worker_gone())?;
        answer.recv().map_err(|_| worker_gone())?
    }

    fn call_done(&self, op: Op) -> Result<(), DbError> {
        self.call(op).map(drop)
    }
}

async fn serve(backend: &mut PostgresBackend, op: Op) -> Result<Reply, DbError> {
    Ok(match op {
        Op::Execute(sql) => Reply::Changed(backend.execute(&sql).await?),
        Op::Script(sql) => backend.execute_script(&sql).await.map(|()| Reply::Done)?,
        Op::Query(sql) => Reply::Rows(backend.query_rows(&sql).await?),
        Op::Begin => backend.begin().await.map(|()| Reply::Done)?,
        Op::Commit => backend.commit().await.map(|()| Reply::Done)?,
        Op::Rollback => backend.rollback().await.map(|()| Reply::Done)?,
        Op::Lock(key) => backend.lock(&key).await.map(|()| Reply::Done)?,
        Op::Unlock(key) => backend.unlock(&key).await.map(|()| Reply::Done)?,
        Op::InsertRows(batch) => Reply::Changed(backend.insert_rows(batch).await?),
    })
}

fn worker_gone() -> DbError {
    DbError::new(DbErrorKind::Unavailable, "the PostgreSQL connection thread has stopped")
}

impl Drop for BlockingPostgres {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, which drops the client and closes
        // the connection; joining makes the close visible to the server before we return.
        self.requests = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Backend for BlockingPostgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgresql
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        match self.call(Op::Execute(sql.to_string()))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.call_done(Op::Script(sql.to_string()))
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        match self.call(Op::Query(sql.to_string()))? {
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
        self.call_done(Op::Lock(key.to_string()))
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        self.call_done(Op::Unlock(key.to_string()))
    }

    async fn insert_rows(&mut self, batch: RowBatch) -> Result<u64, DbError> {
        match self.call(Op::InsertRows(batch))? {
            Reply::Changed(n) => Ok(n),
            Reply::Rows(_) | Reply::Done => Ok(0),
        }
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        // Statement by statement from this side: `wait.on_wait` runs on the caller's
        // thread, and an interrupt cancels the wait like any statement.
        super::postgres::lock_waiting(self, key, wait).await
    }
}
