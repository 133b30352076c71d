//! MySQL's and MariaDB's driver: mysql_async connections ([`MysqlBackend`],
//! [`BlockingMysql`]), reflection from `information_schema`, and loading a schema
//! script into a scratch database.

mod code_steps;
mod connection;
pub(crate) mod reflect;

use crate::reflect::{ReflectError, ReflectOptions};
use crate::schema::model::Schema;

pub use connection::{BlockingMysql, MAX_PLACEHOLDERS, MysqlBackend, SESSION_SQL_MODE};

/// Loads a schema script into a scratch database created (and always dropped again)
/// on the server `server` names, with foreign-key checks off as `mysqldump` output
/// expects, and reflects it (`target = "schema.sql"`).
pub(crate) fn load_schema_sql(
    server: &crate::url::MysqlUrl,
    sql: &str,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::{Backend, block_on};

    fn drop_database(server: &crate::url::MysqlUrl, name: &str) -> Result<(), ReflectError> {
        let mut admin = BlockingMysql::connect(server)?;
        block_on(admin.execute(&format!("DROP DATABASE IF EXISTS `{name}`")))?;
        Ok(())
    }

    /// Drops the scratch database when it goes out of scope.
    struct Scratch<'a> {
        name: String,
        server: &'a crate::url::MysqlUrl,
        dropped: bool,
    }
    impl Drop for Scratch<'_> {
        fn drop(&mut self) {
            if !self.dropped
                && let Err(e) = drop_database(self.server, &self.name)
            {
                tracing::warn!("could not drop scratch database {}: {e}", self.name);
            }
        }
    }

    let mut admin = BlockingMysql::connect(server)?;
    let name = crate::reflect::script::scratch_name();
    block_on(admin.execute(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4")))?;
    drop(admin);
    let _forced_exit = crate::runtime::interrupt::on_forced_exit({
        let (server, name) = (server.clone(), name.clone());
        move || {
            if let Err(e) = drop_database(&server, &name) {
                eprintln!("could not drop scratch database {name}: {e}");
            }
        }
    });
    let mut scratch = Scratch { name, server, dropped: false };
    let result = (|| {
        let url = crate::url::MysqlUrl { dbname: Some(scratch.name.clone()), ..scratch.server.clone() };
        let mut db = BlockingMysql::connect(&url)?;
        block_on(db.execute("SET SESSION foreign_key_checks = 0"))?;
        block_on(crate::reflect::script::run_script(&mut db, sql, 1))?;
        block_on(crate::dialect::drivers::reflect(&mut db, opts))
    })();
    scratch.dropped = true;
    let dropped = drop_database(scratch.server, &scratch.name);
    let schema = result?;
    dropped?;
    Ok(schema)
}
