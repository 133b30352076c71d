//! The connections [`Migrations`](super::Migrations)' blocking methods accept, and the
//! adaptor that lends a backend by reference.

use crate::error::Result;
use crate::runtime::connection::{AnyBackend, Backend, DbError, TextRow, Wait};
use crate::url::Dialect;

/// A connection the blocking methods of [`Migrations`](super::Migrations) can migrate.
///
/// Implemented for `rusqlite::Connection` (feature `sqlite`), for the blocking
/// backends of [`crate::runtime::connection`] ([`AnyBackend`] as returned by
/// [`connect`](super::connect), `BlockingPostgres`, `SqliteBackend`). Every
/// implementation's futures are ready on first poll, so the methods drive them on the
/// caller's thread without a runtime, which is why they are safe inside a tokio
/// runtime as well as in a plain `fn main`.
pub trait Database {
    /// The backend borrowed from this connection for one call.
    type Backend<'a>: Backend
    where
        Self: 'a;

    /// Borrows the connection as a backend.
    fn backend(&mut self) -> Result<Self::Backend<'_>>;
}

/// A backend used through a mutable reference, so a caller keeps ownership of its
/// connection across calls.
#[derive(Debug)]
pub struct Borrowed<'a, B>(pub &'a mut B);

impl<B: Backend> Backend for Borrowed<'_, B> {
    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        self.0.execute(sql).await
    }

    async fn execute_script(&mut self, sql: &str) -> Result<(), DbError> {
        self.0.execute_script(sql).await
    }

    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        self.0.query_rows(sql).await
    }

    async fn begin(&mut self) -> Result<(), DbError> {
        self.0.begin().await
    }

    async fn commit(&mut self) -> Result<(), DbError> {
        self.0.commit().await
    }

    async fn rollback(&mut self) -> Result<(), DbError> {
        self.0.rollback().await
    }

    async fn lock(&mut self, key: &str) -> Result<(), DbError> {
        self.0.lock(key).await
    }

    async fn unlock(&mut self, key: &str) -> Result<(), DbError> {
        self.0.unlock(key).await
    }

    async fn insert_rows(&mut self, batch: crate::runtime::connection::RowBatch) -> Result<u64, DbError> {
        self.0.insert_rows(batch).await
    }

    async fn run_code_step(
        &mut self,
        steps: &crate::code_steps::CodeSteps,
        step: &crate::code_steps::StepContext<'_>,
    ) -> Result<(), DbError> {
        self.0.run_code_step(steps, step).await
    }

    async fn lock_waiting(&mut self, key: &str, wait: Wait<'_>) -> Result<(), DbError> {
        self.0.lock_waiting(key, wait).await
    }

    async fn begin_waiting(&mut self, wait: Wait<'_>) -> Result<(), DbError> {
        self.0.begin_waiting(wait).await
    }
}

#[cfg(feature = "sqlite")]
impl Database for rusqlite::Connection {
    type Backend<'a> = crate::runtime::connection::SqliteBackend<&'a rusqlite::Connection>;

    fn backend(&mut self) -> Result<Self::Backend<'_>> {
        Ok(crate::runtime::connection::SqliteBackend::new(&*self)?)
    }
}

#[cfg(feature = "sqlite")]
impl<C: std::borrow::Borrow<rusqlite::Connection>> Database for crate::runtime::connection::SqliteBackend<C> {
    type Backend<'a>
        = Borrowed<'a, Self>
    where
        C: 'a;

    fn backend(&mut self) -> Result<Self::Backend<'_>> {
        Ok(Borrowed(self))
    }
}

#[cfg(feature = "postgres")]
impl Database for crate::runtime::connection::BlockingPostgres {
    type Backend<'a> = Borrowed<'a, Self>;

    fn backend(&mut self) -> Result<Self::Backend<'_>> {
        Ok(Borrowed(self))
    }
}

impl Database for AnyBackend {
    type Backend<'a> = Borrowed<'a, Self>;

    fn backend(&mut self) -> Result<Self::Backend<'_>> {
        Ok(Borrowed(self))
    }
}
