//! SQLite's driver: the rusqlite connection ([`SqliteBackend`]), reflection from
//! `sqlite_master` and the pragma functions, and loading a schema script in memory.

#[cfg(feature = "sqlite")]
mod code_steps;
#[cfg(feature = "sqlite")]
mod connection;
pub(crate) mod reflect;
mod table_ddl;

#[cfg(feature = "sqlite")]
use crate::reflect::{ReflectError, ReflectOptions};
#[cfg(feature = "sqlite")]
use crate::schema::model::Schema;

#[cfg(feature = "sqlite")]
pub use connection::{DEFAULT_BUSY_TIMEOUT, SqliteBackend};

#[cfg(feature = "sqlite")]
/// Loads a schema script into a fresh in-memory database and reflects it
/// (`target = "schema.sql"`).
pub(crate) fn load_schema_sql(sql: &str, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::block_on;
    let mut db = SqliteBackend::open(None)?;
    block_on(crate::reflect::script::run_script(&mut db, sql, 1))?;
    block_on(crate::dialect::drivers::reflect(&mut db, opts))
}
