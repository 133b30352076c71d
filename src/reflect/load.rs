//! `target = "schema.sql"`: a SQL schema file loaded into a scratch database of the
//! connection's dialect and reflected, so it compares like a live database.
//!
//! SQLite uses a fresh in-memory database. PostgreSQL and MySQL create a temporary database
//! with a unique name on the server the URL names, and always drops it again (with
//! `FORCE`), also when the script or reflection fails, or on panic (a drop guard). An
//! interrupt ([`crate::runtime::interrupt`]) cancels the script and the guard drops the
//! database; should the process be forced out before that, its forced-exit clean-up
//! drops it from a fresh connection. On MySQL the script runs with foreign-key checks
//! off (as `mysqldump` output expects), a statement at a time; `DELIMITER` lines are
//! not understood yet, and `mysqldump`'s conditional comments (`/*!50001 … */`) are
//! comments here.

// `reflect` and `block_on` serve the driver-specific loaders below; without either
// driver feature only the error path remains.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use super::reflect;
use super::{ReflectError, ReflectOptions};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use crate::runtime::connection::block_on;
use crate::schema::model::Schema;
use crate::url::DatabaseUrl;

/// Runs the SQL script `sql` in a scratch database of `url`'s dialect and reflects
/// the result with `opts`. For SQLite only the dialect of `url` matters (the script
/// runs in memory); for PostgreSQL, `url` names the server (and the credentials) on
/// which a temporary database is created and dropped.
pub fn load_schema_sql(url: &DatabaseUrl, sql: &str, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    match url {
        DatabaseUrl::Sqlite { .. } => sqlite(sql, opts),
        DatabaseUrl::Postgres(pg) => postgres(pg, sql, opts),
        DatabaseUrl::Mysql(my) => mysql(my, sql, opts),
    }
}

#[cfg(feature = "sqlite")]
fn sqlite(sql: &str, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::SqliteBackend;
    let mut db = SqliteBackend::open(None)?;
    block_on(run_script(&mut db, sql))?;
    block_on(reflect(&mut db, opts))
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_sql: &str, _opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    Err(ReflectError::Unavailable(crate::dialect::Dialect::Sqlite, "sqlite"))
}

#[cfg(feature = "postgres")]
fn postgres(
    server: &crate::url::PostgresUrl,
    sql: &str,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::{Backend, BlockingPostgres};

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

    let mut admin = BlockingPostgres::connect(server)?;
    let name = scratch_name();
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
            return Err(ReflectError::Database(crate::runtime::connection::interrupted()));
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
        block_on(run_script(&mut db, sql))?;
        block_on(db.execute("RESET search_path"))?;
        stop_if_interrupted()?;
        block_on(reflect(&mut db, opts))
        // `db` closes here, before the database is dropped.
    })();
    let dropped = scratch.drop_now();
    let schema = result?;
    dropped?;
    Ok(schema)
}

#[cfg(feature = "mysql")]
fn mysql(server: &crate::url::MysqlUrl, sql: &str, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    use crate::runtime::connection::{Backend, BlockingMysql};

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
    let name = scratch_name();
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
        block_on(run_script(&mut db, sql))?;
        block_on(reflect(&mut db, opts))
    })();
    scratch.dropped = true;
    let dropped = drop_database(scratch.server, &scratch.name);
    let schema = result?;
    dropped?;
    Ok(schema)
}

#[cfg(not(feature = "mysql"))]
fn mysql(_server: &crate::url::MysqlUrl, _sql: &str, _opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    Err(ReflectError::Unavailable(crate::dialect::Dialect::Mysql, "mysql"))
}

/// Runs `sql` on `db` a statement at a time; a failing statement is reported with its
/// line and (the start of) its text, not the whole script.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
async fn run_script<B: crate::runtime::connection::Backend>(
    db: &mut B,
    sql: &str,
) -> Result<(), ReflectError> {
    use crate::dialect::script::split_statements;
    /// How much of a failing statement the error line shows.
    const EXCERPT_CHARS: usize = 200;
    let statements = split_statements(db.dialect(), sql).map_err(ReflectError::Script)?;
    for statement in statements {
        if crate::runtime::interrupt::is_interrupted() {
            return Err(ReflectError::Database(crate::runtime::connection::interrupted()));
        }
        if let Err(e) = db.execute_script(statement.sql).await {
            let folded = statement.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            let excerpt = match folded.char_indices().nth(EXCERPT_CHARS) {
                Some((cut, _)) => format!("{}…", &folded[..cut]),
                None => folded,
            };
            let line = statement.line;
            return Err(ReflectError::Statement(Box::new(super::StatementError {
                line,
                statement: excerpt,
                source: e,
            })));
        }
    }
    Ok(())
}

#[cfg(not(feature = "postgres"))]
fn postgres(
    _server: &crate::url::PostgresUrl,
    _sql: &str,
    _opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    Err(ReflectError::Unavailable(crate::dialect::Dialect::Postgresql, "postgres"))
}

/// A database name no other run uses: process id, time and a counter.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn scratch_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("alembic_scratch_{}_{nanos}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
