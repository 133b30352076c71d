//! PostgreSQL's driver: tokio-postgres connections found as libpq finds them
//! ([`PostgresBackend`], [`BlockingPostgres`], TLS, service and password files),
//! reflection from `pg_catalog`, and loading a schema script into a scratch database.

mod backend;
mod blocking;
mod code_steps;
mod connect;
mod libpq;
mod objects;
pub(crate) mod reflect;
mod tls;

use crate::reflect::{ReflectError, ReflectOptions};
use crate::schema::model::Schema;

pub use backend::PostgresBackend;
pub use blocking::BlockingPostgres;
pub use connect::connect_postgres;

/// Loads a schema script into a scratch database created (and always dropped again)
/// on the server `server` names, and reflects it (`target = "schema.sql"`).
pub(crate) fn load_schema_sql(
    server: &crate::url::PostgresUrl,
    sql: &str,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::{Backend, block_on};

    /// Drops the scratch database when it goes out of scope.
    struct Scratch<'a> {
        admin: BlockingPostgres,
        name: String,
        server: &'a crate::url::PostgresUrl,
        dropped: bool,
    }
    impl Scratch<'_> {
        fn drop_now(&mut self) -> Result<(), ReflectError> {
            self.dropped = true;
            let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
            block_on(self.admin.execute(&sql))?;
            Ok(())
        }
    }
    impl Drop for Scratch<'_> {
        fn drop(&mut self) {
            if !self.dropped
                && let Err(e) = self.drop_now()
            {
                tracing::warn!("could not drop scratch database {}: {e}", self.name);
            }
        }
    }

    /// Statements of the script sent in one message: about 700 locks at most, and
    /// most of what batching saves.
    const SCRIPT_BATCH: usize = 100;
    let mut admin = BlockingPostgres::connect(server)?;
    let name = crate::reflect::script::scratch_name();
    block_on(admin.execute(&format!("CREATE DATABASE \"{name}\"")))?;
    let _forced_exit = crate::runtime::interrupt::on_forced_exit({
        let (server, name) = (server.clone(), name.clone());
        move || {
            let dropped = BlockingPostgres::connect(&server).and_then(|mut admin| {
                block_on(admin.execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
            });
            if let Err(e) = dropped {
                eprintln!("could not drop scratch database {name}: {e}");
            }
        }
    });
    let mut scratch = Scratch { admin, name, server, dropped: false };
    let stop_if_interrupted = || {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(ReflectError::Database(crate::runtime::connection::backend::interrupted()));
        }
        Ok(())
    };
    let result = (|| {
        let url = crate::url::PostgresUrl { dbname: Some(scratch.name.clone()), ..scratch.server.clone() };
        stop_if_interrupted()?;
        let mut db = BlockingPostgres::connect(&url)?;
        stop_if_interrupted()?;
        // A scratch database is thrown away: its commits need not reach the disk.
        block_on(db.execute("SET synchronous_commit = off"))?;
        block_on(crate::reflect::script::run_script(&mut db, sql, SCRIPT_BATCH))?;
        block_on(db.execute("RESET search_path"))?;
        stop_if_interrupted()?;
        block_on(crate::dialect::drivers::reflect(&mut db, opts))
        // `db` closes here, before the database is dropped.
    })();
    let dropped = scratch.drop_now();
    let schema = result?;
    dropped?;
    Ok(schema)
}
