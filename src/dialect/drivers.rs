//! The registration of every dialect's driver: the one place that picks a driver by
//! dialect. Connecting ([`connect`], [`AnyBackend`]), reflecting ([`reflect`]) and
//! loading a schema script ([`load_schema_sql`]) dispatch here to
//! `dialect/<name>/driver/`; the rest of the crate reaches them through
//! `runtime::connection` and `reflect`. Adding a dialect adds one arm to each match
//! below (and its variant to [`Dialect`], [`DatabaseUrl`] and [`AnyBackend`]).

// The docs name every driver's backend; a build without one lacks it.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(rustdoc::broken_intra_doc_links)
)]

use std::fmt;

use crate::code_steps::{CodeSteps, StepContext};
use crate::dialect::Dialect;
use crate::reflect::catalog::Queries;
use crate::reflect::{ReflectError, ReflectOptions, Reflection};
use crate::runtime::connection::{Backend, DbError, DbErrorKind, RowBatch, TextRow, Wait};
use crate::schema::model::Schema;
use crate::url::DatabaseUrl;

#[cfg(feature = "mysql")]
use super::mysql::driver::BlockingMysql;
#[cfg(feature = "postgres")]
use super::postgresql::driver::BlockingPostgres;
#[cfg(feature = "sqlite")]
use super::sqlite::driver::SqliteBackend;

/// Whichever blocking backend a URL names, as opened by [`connect`].
///
/// Its futures are ready on first poll: drive them with [`block_on`](crate::runtime::connection::block_on).
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
                other.dialect().imp().driver_feature()
            ),
        )),
    }
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

/// Reads the database behind `db` into a [`Schema`] (see [`crate::reflect`]).
pub async fn reflect<B: Backend>(db: &mut B, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    reflect_counted(db, opts).await.map(|r| r.schema)
}

/// [`reflect`], also reporting the number of catalog queries.
pub async fn reflect_counted<B: Backend>(
    db: &mut B,
    opts: &ReflectOptions,
) -> Result<Reflection, ReflectError> {
    let mut q = Queries::new(db);
    let schema = match q.dialect() {
        // SQLite's reflector needs no driver: any backend on a SQLite database can use it.
        Dialect::Sqlite => super::sqlite::driver::reflect::reflect_database(&mut q, opts).await?,
        #[cfg(feature = "postgres")]
        Dialect::Postgresql => super::postgresql::driver::reflect::reflect_database(&mut q, opts).await?,
        #[cfg(feature = "mysql")]
        Dialect::Mysql => super::mysql::driver::reflect::reflect_database(&mut q, opts).await?,
        #[allow(unreachable_patterns)]
        other => return Err(ReflectError::Unavailable(other, other.imp().driver_feature())),
    };
    Ok(Reflection { schema, queries: q.count() })
}

/// Runs the SQL script `sql` in a scratch database of `url`'s dialect and reflects
/// the result with `opts` (`target = "schema.sql"`), so that it compares like a live
/// database.
///
/// SQLite uses a fresh in-memory database (only the dialect of `url` matters).
/// PostgreSQL and MySQL create a temporary database with a unique name on the server
/// the URL names, and always drop it again (with `FORCE` on PostgreSQL), also when the
/// script or reflection fails, or on panic (a drop guard). An interrupt
/// ([`crate::runtime::interrupt`]) cancels the script and the guard drops the
/// database; should the process be forced out before that, its forced-exit clean-up
/// drops it from a fresh connection. On MySQL the script runs with foreign-key checks
/// off (as `mysqldump` output expects), a statement at a time; `DELIMITER` lines are
/// understood (the `mysql` client's command), and a statement in a conditional comment
/// (`/*!50001 … */`, as `mysqldump` writes them) is sent whole for the server to run.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")), allow(unused_variables))]
pub fn load_schema_sql(url: &DatabaseUrl, sql: &str, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    match url {
        #[cfg(feature = "sqlite")]
        DatabaseUrl::Sqlite { .. } => super::sqlite::driver::load_schema_sql(sql, opts),
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(server) => super::postgresql::driver::load_schema_sql(server, sql, opts),
        #[cfg(feature = "mysql")]
        DatabaseUrl::Mysql(server) => super::mysql::driver::load_schema_sql(server, sql, opts),
        #[allow(unreachable_patterns)]
        other => Err(ReflectError::Unavailable(other.dialect(), other.dialect().imp().driver_feature())),
    }
}
