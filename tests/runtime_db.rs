//! The connection layer and the version table against real SQLite files and a real
//! PostgreSQL server: the table Python Alembic creates, head changes, transactional
//! DDL, lock contention, connection errors, and the blocking PostgreSQL path inside a
//! tokio runtime.

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use alembic::runtime::connection::{Backend, DbErrorKind, block_on, connect};
use alembic::runtime::version_table::VersionTable;
use alembic::url::{DatabaseUrl, Dialect};

/// Long enough for a blocked call to show it is blocked, short enough for a fast suite.
const BLOCKED_FOR: Duration = Duration::from_millis(300);
/// The most a call that should proceed may take.
const PROCEEDS_WITHIN: Duration = Duration::from_secs(10);

const ALEMBIC_DDL: &str = "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)";

/// Every head-changing helper, then the heads read back.
fn exercise_heads<B: Backend>(db: &mut B, vt: &VersionTable) {
    assert_eq!(block_on(vt.read_heads(db)).unwrap(), Vec::<String>::new());
    assert!(!block_on(vt.exists(db)).unwrap(), "read_heads must not create the table");
    assert!(block_on(vt.ensure(db)).unwrap(), "created");
    assert!(!block_on(vt.ensure(db)).unwrap(), "already there");
    block_on(vt.insert(db, "bbb")).unwrap();
    block_on(vt.insert(db, "it's")).unwrap();
    assert_eq!(block_on(vt.read_heads(db)).unwrap(), ["bbb", "it's"]);
    block_on(vt.update(db, "it's", "aaa")).unwrap();
    assert_eq!(block_on(vt.read_heads(db)).unwrap(), ["aaa", "bbb"]);
    block_on(vt.delete(db, "bbb")).unwrap();
    assert_eq!(block_on(vt.read_heads(db)).unwrap(), ["aaa"]);

    let missing = block_on(vt.update(db, "zzz", "yyy")).unwrap_err();
    assert_eq!(missing.kind(), DbErrorKind::RowCount);
    assert!(
        missing.to_string().starts_with(&format!(
            "Online migration expected to match one row when updating 'zzz' to 'yyy' in '{}'; 0 found",
            vt.name()
        )),
        "{missing}"
    );
    let missing = block_on(vt.delete(db, "zzz")).unwrap_err();
    assert_eq!(missing.kind(), DbErrorKind::RowCount);

    let dup = block_on(vt.insert(db, "aaa")).unwrap_err();
    assert_eq!(dup.kind(), DbErrorKind::Statement);
    assert_eq!(dup.sql(), Some(vt.insert_sql("aaa").as_str()));
    block_on(vt.delete_all(db)).unwrap();
    assert!(block_on(vt.read_heads(db)).unwrap().is_empty());
}

/// A transaction with DDL and a version-table row, rolled back: nothing remains.
fn rollback_leaves_no_trace<B: Backend>(db: &mut B, vt: &VersionTable) {
    block_on(db.begin()).unwrap();
    block_on(vt.ensure(db)).unwrap();
    block_on(vt.insert(db, "aaa")).unwrap();
    block_on(db.execute("CREATE TABLE account (id INTEGER PRIMARY KEY)")).unwrap();
    block_on(db.execute("INSERT INTO account (id) VALUES (1)")).unwrap();
    block_on(db.rollback()).unwrap();
    assert!(!block_on(vt.exists(db)).unwrap(), "version table rolled back");
    let err = block_on(db.query_rows("SELECT id FROM account")).unwrap_err();
    assert_eq!(err.kind(), DbErrorKind::Statement, "{err}");

    block_on(db.begin()).unwrap();
    block_on(vt.ensure(db)).unwrap();
    block_on(vt.insert(db, "aaa")).unwrap();
    block_on(db.commit()).unwrap();
    assert_eq!(block_on(vt.read_heads(db)).unwrap(), ["aaa"]);
}

// ---------------------------------------------------------------- SQLite

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use alembic::runtime::connection::SqliteBackend;
    use support::SqliteFile;

    #[test]
    fn sqlite_version_table_is_alembics() {
        let file = SqliteFile::new();
        let mut db = SqliteBackend::open(Some(&file.path)).unwrap();
        let vt = VersionTable::default_for(Dialect::Sqlite);
        assert_eq!(vt.create_sql(), ALEMBIC_DDL);
        block_on(vt.ensure(&mut db)).unwrap();
        let ddl = block_on(db.query_column("SELECT sql FROM sqlite_master WHERE name = 'alembic_version'"))
            .unwrap();
        assert_eq!(ddl, [ALEMBIC_DDL]);

        if let Some(python) = support::python_alembic() {
            let theirs = SqliteFile::new();
            let script = "import sys\n\
                from sqlalchemy import create_engine\n\
                from alembic.runtime.migration import MigrationContext\n\
                with create_engine(sys.argv[1]).begin() as conn:\n    \
                    MigrationContext.configure(conn)._ensure_version_table()\n";
            support::run_python(&python, script, &[&format!("sqlite:///{}", theirs.path.display())]);
            let mut py = SqliteBackend::open(Some(&theirs.path)).unwrap();
            let catalog =
                "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY name";
            let ours = block_on(db.query_column(catalog)).unwrap();
            assert_eq!(block_on(py.query_column(catalog)).unwrap(), ours);
            // And Python Alembic reads the heads we write.
            block_on(vt.insert(&mut db, "abc123")).unwrap();
            drop(db);
            let script = "import sys\n\
                from sqlalchemy import create_engine\n\
                from alembic.runtime.migration import MigrationContext\n\
                with create_engine(sys.argv[1]).connect() as conn:\n    \
                    print(MigrationContext.configure(conn).get_current_heads())\n";
            let heads =
                support::run_python(&python, script, &[&format!("sqlite:///{}", file.path.display())]);
            assert_eq!(heads.trim(), "('abc123',)");
        }
    }

    #[test]
    fn sqlite_heads_insert_update_delete() {
        let file = SqliteFile::new();
        let mut db = SqliteBackend::open(Some(&file.path)).unwrap();
        exercise_heads(&mut db, &VersionTable::default_for(Dialect::Sqlite));
        // A custom, quoted name in an explicit schema.
        let custom = VersionTable::new(Dialect::Sqlite, "Versions Of App", Some("main".into()));
        exercise_heads(&mut db, &custom);
        let ddl = block_on(db.query_column("SELECT sql FROM sqlite_master WHERE name = 'Versions Of App'"))
            .unwrap();
        assert_eq!(ddl.len(), 1);
        assert!(ddl[0].contains("CONSTRAINT \"Versions Of App_pkc\" PRIMARY KEY (version_num)"), "{ddl:?}");
    }

    #[test]
    fn sqlite_rollback_leaves_no_trace() {
        let file = SqliteFile::new();
        let mut db = SqliteBackend::open(Some(&file.path)).unwrap();
        rollback_leaves_no_trace(&mut db, &VersionTable::default_for(Dialect::Sqlite));
    }

    #[test]
    fn sqlite_in_memory_from_url_and_scripts() {
        for url in ["sqlite://", "sqlite:///:memory:"] {
            let mut db = connect(&DatabaseUrl::parse(url, std::path::Path::new("/")).unwrap()).unwrap();
            assert_eq!(db.dialect(), Dialect::Sqlite);
            block_on(db.execute_script(
                "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);",
            ))
            .unwrap();
            assert_eq!(block_on(db.query_column("SELECT x FROM a ORDER BY x")).unwrap(), ["1", "2"]);
            // Statements that return rows are accepted by execute.
            block_on(db.execute("PRAGMA user_version")).unwrap();
            assert_eq!(block_on(db.execute("UPDATE a SET x = x + 10")).unwrap(), 2);
            let rows = block_on(db.query_rows("SELECT NULL, 1.5, 'x'")).unwrap();
            assert_eq!(rows, [vec![None, Some("1.5".to_string()), Some("x".to_string())]]);
        }
    }

    #[test]
    fn sqlite_missing_folder_is_one_clear_line() {
        let file = SqliteFile::new();
        let path = file.dir.path().join("no-such-folder").join("app.db");
        let err = connect(&DatabaseUrl::Sqlite { path: Some(path.clone()) }).unwrap_err();
        assert_eq!(err.kind(), DbErrorKind::Connect);
        assert_eq!(
            err.to_string(),
            format!(
                "cannot open SQLite database {}: folder {} does not exist",
                path.display(),
                path.parent().unwrap().display()
            )
        );
    }

    #[test]
    fn sqlite_borrowed_connection_gets_its_busy_timeout_back() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.busy_timeout(Duration::from_millis(1234)).unwrap();
        let timeout = |c: &rusqlite::Connection| {
            c.pragma_query_value(None, "busy_timeout", |r| r.get::<_, i64>(0)).unwrap()
        };
        {
            let mut db = SqliteBackend::new(&conn).unwrap();
            assert_eq!(timeout(&conn), 30_000);
            block_on(VersionTable::default_for(Dialect::Sqlite).ensure(&mut db)).unwrap();
        }
        assert_eq!(timeout(&conn), 1234);
    }

    /// A second migrator's `begin` waits for the first's commit, then reads what the first
    /// wrote: the version table is read under the write lock.
    #[test]
    fn sqlite_second_writer_waits_for_the_first() {
        let file = SqliteFile::new();
        let vt = VersionTable::default_for(Dialect::Sqlite);
        let mut first = SqliteBackend::open(Some(&file.path)).unwrap();
        block_on(first.begin()).unwrap();
        block_on(vt.ensure(&mut first)).unwrap();
        block_on(vt.insert(&mut first, "aaa")).unwrap();

        let (began, began_rx) = mpsc::channel();
        let path = file.path.clone();
        let second = thread::spawn(move || {
            let mut db = SqliteBackend::open(Some(&path)).unwrap();
            let vt = VersionTable::default_for(Dialect::Sqlite);
            block_on(db.begin()).unwrap();
            began.send(()).unwrap();
            let heads = block_on(vt.read_heads(&mut db)).unwrap();
            block_on(vt.update(&mut db, "aaa", "bbb")).unwrap();
            block_on(db.commit()).unwrap();
            heads
        });
        assert!(
            began_rx.recv_timeout(BLOCKED_FOR).is_err(),
            "second writer began while the first held the lock"
        );
        block_on(first.commit()).unwrap();
        began_rx.recv_timeout(PROCEEDS_WITHIN).expect("second writer proceeds after the commit");
        assert_eq!(second.join().unwrap(), ["aaa"]);
        assert_eq!(block_on(vt.read_heads(&mut first)).unwrap(), ["bbb"]);
    }

    #[test]
    fn sqlite_busy_timeout_ends_the_wait_with_an_error() {
        let file = SqliteFile::new();
        let mut first = SqliteBackend::open(Some(&file.path)).unwrap();
        block_on(first.begin()).unwrap();
        let mut second = SqliteBackend::open(Some(&file.path))
            .unwrap()
            .with_busy_timeout(Duration::from_millis(50))
            .unwrap();
        let err = block_on(second.begin()).unwrap_err();
        assert_eq!(err.kind(), DbErrorKind::Statement);
        assert!(err.to_string().starts_with("database is locked"), "{err}");
        block_on(first.rollback()).unwrap();
        block_on(second.begin()).unwrap();
        block_on(second.commit()).unwrap();
    }
}

// ---------------------------------------------------------------- PostgreSQL

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use alembic::runtime::connection::{BlockingPostgres, PostgresBackend, connect_postgres};
    use alembic::url::PostgresUrl;
    use support::pg_test_db;

    /// Columns, constraints and indexes of `schema.table`, schema names left out.
    fn describe<B: Backend>(db: &mut B, schema: &str, table: &str) -> Vec<String> {
        let rel = format!("'\"{schema}\".\"{table}\"'::regclass");
        let sql = format!(
            "SELECT 'column ' || attname || ' ' || format_type(atttypid, atttypmod) || \
                    CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END \
             FROM pg_attribute WHERE attrelid = {rel} AND attnum > 0 AND NOT attisdropped \
             UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE conrelid = {rel} \
             UNION ALL SELECT 'index ' || c.relname || ' ' || i.indisprimary::text || ' ' || i.indisunique::text \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = {rel} \
             ORDER BY 1"
        );
        block_on(db.query_column(&sql)).unwrap()
    }

    #[test]
    fn pg_version_table_is_alembics() {
        let Some(test_db) = pg_test_db() else { return };
        let mut db = test_db.connect();
        let vt = VersionTable::default_for(Dialect::Postgresql);
        assert_eq!(vt.create_sql(), ALEMBIC_DDL);
        block_on(vt.ensure(&mut db)).unwrap();
        let ours = describe(&mut db, "public", "alembic_version");
        assert_eq!(
            ours,
            [
                "column version_num character varying(32) NOT NULL",
                "constraint alembic_version_pkc PRIMARY KEY (version_num)",
                "index alembic_version_pkc true true",
            ]
        );

        let Some(python) = support::python_alembic() else { return };
        if support::run_python(
            &python,
            "import importlib.util as u; print(bool(u.find_spec('psycopg2')))",
            &[],
        )
        .trim()
            != "True"
        {
            eprintln!("Python comparison skipped: psycopg2 is not installed");
            return;
        }
        if test_db.url.password.is_some() {
            eprintln!("Python comparison skipped: the test server URL has a password");
            return;
        }
        block_on(db.execute("CREATE SCHEMA py")).unwrap();
        let script = "import sys\n\
            from sqlalchemy import create_engine\n\
            from alembic.runtime.migration import MigrationContext\n\
            with create_engine(sys.argv[1]).begin() as conn:\n    \
                MigrationContext.configure(conn, opts={'version_table_schema': 'py'})._ensure_version_table()\n";
        let url = test_db.url.to_string().replacen("postgresql://", "postgresql+psycopg2://", 1);
        support::run_python(&python, script, &[&url]);
        assert_eq!(describe(&mut db, "py", "alembic_version"), ours);
    }

    #[test]
    fn pg_heads_insert_update_delete() {
        let Some(test_db) = pg_test_db() else { return };
        let mut db = test_db.connect();
        exercise_heads(&mut db, &VersionTable::default_for(Dialect::Postgresql));
        block_on(db.execute("CREATE SCHEMA \"My Schema\"")).unwrap();
        let custom = VersionTable::new(Dialect::Postgresql, "Version", Some("My Schema".into()));
        exercise_heads(&mut db, &custom);
        assert!(
            describe(&mut db, "My Schema", "Version")
                .contains(&"constraint Version_pkc PRIMARY KEY (version_num)".to_string())
        );
        // A version table elsewhere on the search path is not this one.
        let other = VersionTable::new(Dialect::Postgresql, "Version", Some("public".into()));
        assert!(!block_on(other.exists(&mut db)).unwrap());
    }

    #[test]
    fn pg_rollback_leaves_no_trace() {
        let Some(test_db) = pg_test_db() else { return };
        let mut db = test_db.connect();
        rollback_leaves_no_trace(&mut db, &VersionTable::default_for(Dialect::Postgresql));
        let err = block_on(db.execute("CREATE TABLE alembic_version (x int)")).unwrap_err();
        assert_eq!(err.code(), Some("42P07"), "{err}");
        assert!(err.to_string().contains("[SQL: CREATE TABLE alembic_version (x int)]"), "{err}");
    }

    /// A second migrator's `lock` waits until the first unlocks; another version table's
    /// lock does not.
    #[test]
    fn pg_second_migrator_waits_for_the_lock() {
        let Some(test_db) = pg_test_db() else { return };
        let vt = VersionTable::default_for(Dialect::Postgresql);
        let mut first = test_db.connect();
        block_on(first.lock(&vt.lock_key())).unwrap();

        let mut other = test_db.connect();
        let other_table = VersionTable::new(Dialect::Postgresql, "other_version", None);
        block_on(other.lock(&other_table.lock_key())).unwrap();
        block_on(other.unlock(&other_table.lock_key())).unwrap();

        let (locked, locked_rx) = mpsc::channel();
        let url = test_db.url.clone();
        let second = thread::spawn(move || {
            let mut db = BlockingPostgres::connect(&url).unwrap();
            let vt = VersionTable::default_for(Dialect::Postgresql);
            block_on(db.lock(&vt.lock_key())).unwrap();
            locked.send(()).unwrap();
            let heads = block_on(vt.read_heads(&mut db)).unwrap();
            block_on(db.unlock(&vt.lock_key())).unwrap();
            heads
        });
        assert!(
            locked_rx.recv_timeout(BLOCKED_FOR).is_err(),
            "second migrator locked while the first held it"
        );
        block_on(first.begin()).unwrap();
        block_on(vt.ensure(&mut first)).unwrap();
        block_on(vt.insert(&mut first, "aaa")).unwrap();
        block_on(first.commit()).unwrap();
        block_on(first.unlock(&vt.lock_key())).unwrap();
        locked_rx.recv_timeout(PROCEEDS_WITHIN).expect("second migrator locks after the unlock");
        assert_eq!(second.join().unwrap(), ["aaa"]);
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    #[test]
    fn pg_unreachable_server_is_one_line_without_the_password() {
        let port = free_port();
        let url = format!("postgresql://bob:hunter2secret@127.0.0.1:{port}/app");
        let url = DatabaseUrl::parse(&url, std::path::Path::new("/")).unwrap();
        let err = connect(&url).unwrap_err();
        assert_eq!(err.kind(), DbErrorKind::Connect);
        assert_eq!(
            err.to_string(),
            format!("could not connect to PostgreSQL at 127.0.0.1:{port}: connection refused")
        );

        let socket =
            DatabaseUrl::parse("postgresql://bob:hunter2secret@/app?host=/nonexistent-dir", "/".as_ref())
                .unwrap();
        let err = connect(&socket).unwrap_err().to_string();
        assert_eq!(
            err,
            "could not connect to PostgreSQL at /nonexistent-dir/.s.PGSQL.5432: no such socket (is the server running?)"
        );
    }

    #[test]
    fn pg_missing_database_is_named() {
        let Some(test_db) = pg_test_db() else { return };
        let missing = PostgresUrl {
            dbname: Some(format!("{}_nope", test_db.name)),
            password: Some("hunter2secret".into()),
            ..test_db.url.clone()
        };
        let err = BlockingPostgres::connect(&missing).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), DbErrorKind::Connect);
        assert_eq!(err.code(), Some("3D000"));
        assert!(
            text.starts_with(&format!("database \"{}_nope\" does not exist on PostgreSQL at ", test_db.name)),
            "{text}"
        );
        assert!(!text.contains("hunter2secret") && !format!("{err:?}").contains("hunter2secret"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    /// `connect` and the blocking backend inside a runtime (as in `#[tokio::main]`),
    /// where nesting a runtime would panic; dropping it there joins its thread.
    #[test]
    fn pg_blocking_path_works_inside_a_tokio_runtime() {
        let Some(test_db) = pg_test_db() else { return };
        let url = test_db.database_url();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let heads = runtime.block_on(async {
            let mut db = connect(&url).unwrap();
            let vt = VersionTable::default_for(Dialect::Postgresql);
            block_on(vt.ensure(&mut db)).unwrap();
            block_on(vt.read_heads(&mut db)).unwrap()
        });
        assert!(heads.is_empty());
    }

    #[test]
    fn pg_async_backend_in_a_spawned_task() {
        let Some(test_db) = pg_test_db() else { return };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let url = test_db.url.clone();
        let heads = runtime.block_on(async move {
            let mut db: PostgresBackend = connect_postgres(&url).await.unwrap();
            // The generic helpers' futures are `Send` for the async backend (spawn
            // requires it, whatever the runtime flavour), so a migration can run in a task.
            let task = tokio::spawn(async move {
                let vt = VersionTable::default_for(Dialect::Postgresql);
                db.begin().await?;
                vt.ensure(&mut db).await?;
                vt.insert(&mut db, "aaa").await?;
                db.commit().await?;
                vt.read_heads(&mut db).await
            });
            task.await.unwrap()
        });
        assert_eq!(heads.unwrap(), ["aaa"]);

        // A borrowed client works too.
        let url = test_db.url.clone();
        runtime.block_on(async move {
            let owned = connect_postgres(&url).await.unwrap();
            let mut db = PostgresBackend::new(owned.client());
            let vt = VersionTable::default_for(Dialect::Postgresql);
            assert_eq!(vt.read_heads(&mut db).await.unwrap(), ["aaa"]);
        });
    }

    #[test]
    fn pg_async_connect_outside_a_runtime_is_an_error_not_a_panic() {
        let url = PostgresUrl {
            user: Some("postgres".into()),
            password: None,
            host: Some("127.0.0.1".into()),
            port: Some(5432),
            dbname: Some("postgres".into()),
            params: vec![("sslmode".into(), "disable".into())],
        };
        let err = block_on(connect_postgres(&url)).unwrap_err();
        assert_eq!(err.kind(), DbErrorKind::Unavailable);
        assert!(err.to_string().contains("inside a tokio runtime"), "{err}");
    }
}

#[cfg(feature = "postgres")]
mod postgres_transport {
    use super::*;
    use alembic::url::PostgresUrl;
    use support::pg_test_db;

    fn with_params(url: &PostgresUrl, params: &[(&str, &str)]) -> PostgresUrl {
        let params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        PostgresUrl { params, ..url.clone() }
    }

    fn encrypted(url: &PostgresUrl) -> Result<String, alembic::runtime::connection::DbError> {
        let mut db = alembic::runtime::connection::BlockingPostgres::connect(url)?;
        let rows =
            block_on(db.query_column("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))?;
        Ok(rows.concat())
    }

    /// `sslmode` as libpq reads it: `disable` is plain, `require` encrypts without
    /// checking the certificate, `verify-full` checks it (and a self-signed test
    /// certificate fails, with a one-line reason).
    #[test]
    fn pg_sslmodes() {
        let Some(test_db) = pg_test_db() else { return };
        let mut db = test_db.connect();
        let server_tls = block_on(db.query_column("SHOW ssl")).unwrap().concat() == "on";
        assert_eq!(encrypted(&with_params(&test_db.url, &[("sslmode", "disable")])).unwrap(), "false");
        let require = encrypted(&with_params(&test_db.url, &[("sslmode", "require")]));
        let prefer = encrypted(&with_params(&test_db.url, &[("sslmode", "prefer")])).unwrap();
        if server_tls {
            assert_eq!(require.unwrap(), "true");
            assert_eq!(prefer, "true");
            let err = encrypted(&with_params(&test_db.url, &[("sslmode", "verify-full")])).unwrap_err();
            eprintln!("verify-full: {err}");
            assert_eq!(err.kind(), DbErrorKind::Connect);
            assert!(err.to_string().starts_with("could not connect to PostgreSQL at "), "{err}");
            assert!(!err.to_string().contains('\n'), "{err}");
        } else {
            let err = require.unwrap_err();
            eprintln!("require without server TLS: {err}");
            assert_eq!(err.kind(), DbErrorKind::Connect);
            assert_eq!(prefer, "false");
        }
    }

    /// A unix socket folder given as `?host=/dir`, when the server listens on one here.
    #[test]
    fn pg_unix_socket() {
        let Some(test_db) = pg_test_db() else { return };
        let port = test_db.url.port.unwrap_or(5432);
        let Some(dir) = ["/var/run/postgresql", "/tmp"]
            .into_iter()
            .find(|d| std::path::Path::new(d).join(format!(".s.PGSQL.{port}")).exists())
        else {
            eprintln!("skipped: no PostgreSQL unix socket here");
            return;
        };
        let text = format!(
            "postgresql://{}@/{}?host={dir}&port={port}",
            test_db.url.user.as_deref().unwrap_or("postgres"),
            test_db.name
        );
        let mut db = connect(&DatabaseUrl::parse(&text, "/".as_ref()).unwrap()).unwrap();
        let rows = block_on(db.query_column("SELECT coalesce(inet_server_addr()::text, 'socket')")).unwrap();
        assert_eq!(rows, ["socket"]);
    }
}

/// The revisions of the concurrency tests, in order; each "migration" records itself
/// in `runs`, so a step run twice shows.
const STEPS: [&str; 5] = ["r1", "r2", "r3", "r4", "r5"];

/// One step of a minimal migration loop: the step after `heads` (none past the end).
fn next_step(heads: &[String]) -> Option<(Option<&'static str>, &'static str)> {
    match heads.first() {
        None => Some((None, STEPS[0])),
        Some(head) => {
            let at = STEPS.iter().position(|s| s == head)?;
            STEPS.get(at + 1).map(|next| (Some(STEPS[at]), *next))
        }
    }
}

/// Runs one step in the open transaction: its "DDL" and its version-table change.
fn run_step<B: Backend>(db: &mut B, vt: &VersionTable, from: Option<&str>, to: &str) {
    block_on(db.execute(&format!("INSERT INTO runs (step) VALUES ('{to}')"))).unwrap();
    match from {
        None => block_on(vt.insert(db, to)).unwrap(),
        Some(from) => block_on(vt.update(db, from, to)).unwrap(),
    }
}

/// N migrators started together, each step in its own transaction: SQLite reads the
/// heads under `BEGIN IMMEDIATE` in every transaction, so every step runs once.
#[cfg(feature = "sqlite")]
#[test]
fn sqlite_concurrent_migrators_run_each_step_once() {
    use alembic::runtime::connection::SqliteBackend;
    let file = support::SqliteFile::new();
    let mut setup = SqliteBackend::open(Some(&file.path)).unwrap();
    block_on(setup.execute("CREATE TABLE runs (step VARCHAR(32) NOT NULL)")).unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (path, barrier) = (file.path.clone(), barrier.clone());
            thread::spawn(move || {
                let mut db = SqliteBackend::open(Some(&path)).unwrap();
                let vt = VersionTable::default_for(Dialect::Sqlite);
                barrier.wait();
                loop {
                    block_on(db.begin()).unwrap();
                    block_on(vt.ensure(&mut db)).unwrap();
                    let heads = block_on(vt.read_heads(&mut db)).unwrap();
                    let Some((from, to)) = next_step(&heads) else {
                        block_on(db.commit()).unwrap();
                        break;
                    };
                    run_step(&mut db, &vt, from, to);
                    block_on(db.commit()).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let vt = VersionTable::default_for(Dialect::Sqlite);
    assert_eq!(block_on(vt.read_heads(&mut setup)).unwrap(), ["r5"]);
    assert_eq!(block_on(setup.query_column("SELECT step FROM runs ORDER BY rowid")).unwrap(), STEPS);
}

/// N migrators started together on PostgreSQL: the advisory lock is held for the run,
/// heads are read once after taking it, and every step runs once.
#[cfg(feature = "postgres")]
#[test]
fn pg_concurrent_migrators_run_each_step_once() {
    let Some(test_db) = support::pg_test_db() else { return };
    let mut setup = test_db.connect();
    block_on(setup.execute("CREATE TABLE runs (n SERIAL, step VARCHAR(32) NOT NULL)")).unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (url, barrier) = (test_db.url.clone(), barrier.clone());
            thread::spawn(move || {
                let mut db = alembic::runtime::connection::BlockingPostgres::connect(&url).unwrap();
                let vt = VersionTable::default_for(Dialect::Postgresql);
                barrier.wait();
                block_on(db.lock(&vt.lock_key())).unwrap();
                block_on(vt.ensure(&mut db)).unwrap();
                let mut heads = block_on(vt.read_heads(&mut db)).unwrap();
                while let Some((from, to)) = next_step(&heads) {
                    block_on(db.begin()).unwrap();
                    run_step(&mut db, &vt, from, to);
                    block_on(db.commit()).unwrap();
                    heads = vec![to.to_string()];
                }
                block_on(db.unlock(&vt.lock_key())).unwrap();
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let vt = VersionTable::default_for(Dialect::Postgresql);
    assert_eq!(block_on(vt.read_heads(&mut setup)).unwrap(), ["r5"]);
    assert_eq!(block_on(setup.query_column("SELECT step FROM runs ORDER BY n")).unwrap(), STEPS);
}
