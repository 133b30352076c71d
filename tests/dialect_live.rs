//! A history using every op, rendered and run on real databases with rows in them:
//! SQLite through rusqlite on a database file (with an attached database for the
//! `audit` schema), PostgreSQL through `psql` in a fresh database. Rebuilds must keep
//! every row, index and foreign key; then the inverse ops, in reverse order, bring
//! both databases back to an empty schema.
//!
//! PostgreSQL is read from `ALEMBIC_TEST_POSTGRES_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/postgres`). Without a server the PostgreSQL
//! test is skipped with a message, except under `CI=true`, where it fails.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use alembic::dialect::{Dialect, RenderOptions, render_with, requires_rebuild};
use alembic::ops::{Execute, Op};
use alembic::schema::Schema;
use serde::Deserialize;

#[derive(Deserialize)]
struct Ops {
    upgrade: Vec<Op>,
}

/// The history, shared with `tests/offline_live.rs`.
const HISTORY: &str = include_str!("fixtures/live_history.toml");

fn history() -> Vec<Op> {
    toml::from_str::<Ops>(HISTORY).expect("valid history").upgrade
}

/// The downgrade: each op's inverse from the schema before it, last op first. The
/// `execute` (opaque) gets a hand-written inverse, as a revision author would write.
fn downgrade(history: &[Op]) -> Vec<Op> {
    let mut states = vec![Schema::new()];
    for op in history {
        let mut next = states.last().unwrap().clone();
        op.apply(&mut next).unwrap();
        states.push(next);
    }
    let mut out = Vec::new();
    for (op, before) in history.iter().zip(&states).rev() {
        match op {
            Op::Execute(_) => out
                .push(Op::Execute(Execute::new("UPDATE \"user\" SET \"order\" = NULL WHERE \"order\" = 0"))),
            _ => out.extend(op.inverse(before).unwrap()),
        }
    }
    out
}

/// Ops that may change row counts.
fn changes_rows(op: &Op) -> bool {
    matches!(
        op,
        Op::BulkInsert(_) | Op::DeleteRows(_) | Op::Execute(_) | Op::DropTable(_) | Op::CreateTable(_)
    )
}

/// Table names of the model as SQL (for counting rows).
fn tables_sql(dialect: Dialect, schema: &Schema) -> Vec<String> {
    schema
        .tables
        .iter()
        .map(|t| alembic::dialect::quote::qualified_name(dialect, t.schema.as_deref(), &t.name))
        .collect()
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use rusqlite::Connection;

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn total_rows(conn: &Connection, schema: &Schema) -> i64 {
        tables_sql(Dialect::Sqlite, schema)
            .iter()
            .map(|t| count(conn, &format!("SELECT count(*) FROM {t}")))
            .sum()
    }

    /// Index names SQLite has for the table (not the automatic ones).
    fn indexes(conn: &Connection, db: &str, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT name FROM {db}.sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name"
            ))
            .unwrap();
        stmt.query_map([table], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    /// The tables referenced by the table's foreign keys, one entry per key, sorted.
    fn foreign_keys(conn: &Connection, db: &str, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1, ?2) WHERE seq = 0 ORDER BY 1")
            .unwrap();
        stmt.query_map([table, db], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    /// Runs one op as the runtime would: rebuilds with foreign keys off, then checked.
    fn run(conn: &Connection, op: &Op, schema: &mut Schema, step: &str) {
        let options = RenderOptions::default();
        let statements =
            render_with(Dialect::Sqlite, op, schema, options).unwrap_or_else(|e| panic!("{step}: {e}"));
        let rebuild = requires_rebuild(Dialect::Sqlite, op, schema, options);
        let rows_before = total_rows(conn, schema);
        if rebuild {
            conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        }
        conn.execute_batch("BEGIN").unwrap();
        for sql in &statements {
            if let Err(e) = conn.execute_batch(sql) {
                panic!("{step}: {sql}: {e}");
            }
        }
        if rebuild {
            let broken = count(conn, "SELECT count(*) FROM pragma_foreign_key_check");
            assert_eq!(broken, 0, "{step}: foreign keys broken by the rebuild");
        }
        conn.execute_batch("COMMIT").unwrap();
        if rebuild {
            conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        }
        op.apply(schema).unwrap();
        if !changes_rows(op) {
            assert_eq!(total_rows(conn, schema), rows_before, "{step}: rows lost");
        }
        // Every index of the model is in the database, and no other.
        for table in &schema.tables {
            let db = table.schema.as_deref().unwrap_or("main");
            let mut expected: Vec<String> = table.indexes.iter().map(|i| i.name.clone()).collect();
            expected.sort();
            assert_eq!(indexes(conn, db, &table.name), expected, "{step}: indexes of {}", table.name);
            // And every foreign key (a rebuild recreates them from the model).
            let mut expected: Vec<String> = table.foreign_keys.iter().map(|f| f.ref_table.clone()).collect();
            expected.sort();
            assert_eq!(
                foreign_keys(conn, db, &table.name),
                expected,
                "{step}: foreign keys of {}",
                table.name
            );
        }
    }

    #[test]
    fn history_runs_on_sqlite_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("app.db")).unwrap();
        let audit = dir.path().join("audit.db");
        conn.execute_batch(&format!(
            "ATTACH DATABASE '{}' AS audit; PRAGMA foreign_keys = ON",
            audit.display().to_string().replace('\'', "''")
        ))
        .unwrap();
        let history = history();
        let mut schema = Schema::new();
        for (i, op) in history.iter().enumerate() {
            run(&conn, op, &mut schema, &format!("upgrade #{i} {}", op.name()));
        }
        // Rows survived the rebuilds of `user` (a parent with ON DELETE CASCADE
        // children) and of `post`.
        assert_eq!(count(&conn, "SELECT count(*) FROM user"), 3);
        assert_eq!(count(&conn, "SELECT count(*) FROM post"), 4);
        assert_eq!(count(&conn, "SELECT count(*) FROM audit.log"), 2);
        assert_eq!(count(&conn, "SELECT count(*) FROM user WHERE full_name = 'O''Brien' AND active = 0"), 1);
        assert_eq!(count(&conn, "SELECT score FROM post WHERE id = 10"), 5);
        assert_eq!(
            conn.query_row("SELECT ref FROM audit.log WHERE id = 1", [], |r| r.get::<_, String>(0)).unwrap(),
            "67e5504410b1426f9247bb680e5fe0c8"
        );
        // The foreign key from post to user is still there and enforced.
        assert_eq!(
            count(&conn, "SELECT count(*) FROM pragma_foreign_key_list('post') WHERE \"table\" = 'user'"),
            1
        );
        assert!(
            conn.execute_batch("INSERT INTO post (id, user_id) VALUES (99, 999)").is_err(),
            "foreign key not enforced"
        );
        // Cascades still work after the parent was rebuilt.
        conn.execute_batch("DELETE FROM user WHERE id = 3").unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM post"), 3);

        for (i, op) in downgrade(&history).iter().enumerate() {
            run(&conn, op, &mut schema, &format!("downgrade #{i} {}", op.name()));
        }
        assert!(schema.is_empty(), "model not empty: {schema:?}");
        assert_eq!(count(&conn, "SELECT count(*) FROM sqlite_master"), 0);
        assert_eq!(count(&conn, "SELECT count(*) FROM audit.sqlite_master"), 0);
    }
}

/// A fresh PostgreSQL database, dropped when this goes out of scope.
struct PgDatabase {
    admin_url: String,
    url: String,
    name: String,
}

impl PgDatabase {
    fn create() -> Option<Self> {
        let admin_url = std::env::var("ALEMBIC_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_string());
        let reachable = Command::new("psql")
            .args([admin_url.as_str(), "-At", "-c", "SELECT 1"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !reachable {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(!ci, "CI=true but PostgreSQL at {admin_url} is not reachable with psql");
            eprintln!("skipping: PostgreSQL at {admin_url} is not reachable with psql");
            return None;
        }
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let name = format!("alembic_dialect_live_{}_{stamp}", std::process::id());
        psql_with(&admin_url, &format!("CREATE DATABASE {name}"), false).unwrap();
        // Replace the database name: the part after the last '/' before any '?'.
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b.to_string(), format!("?{q}")),
            None => (admin_url.clone(), String::new()),
        };
        let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(&base);
        let url = format!("{prefix}/{name}{query}");
        Some(PgDatabase { admin_url, url, name })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ =
            psql_with(&self.admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name), false);
    }
}

/// Runs `sql` through psql in one transaction, stopping at the first error; gives
/// the unaligned output.
fn psql(url: &str, sql: &str) -> Result<String, String> {
    psql_with(url, sql, true)
}

/// [`psql`], optionally outside a transaction (`CREATE DATABASE` needs that).
fn psql_with(url: &str, sql: &str, transaction: bool) -> Result<String, String> {
    let mut args = vec![url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"];
    if transaction {
        args.push("-1");
    }
    let mut child = Command::new("psql")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child.stdin.take().ok_or("no stdin")?.write_all(sql.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

fn pg_count(url: &str, sql: &str) -> i64 {
    psql(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}")).parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn pg_total_rows(url: &str, schema: &Schema) -> i64 {
    let tables = tables_sql(Dialect::Postgresql, schema);
    if tables.is_empty() {
        return 0;
    }
    let sum: Vec<String> = tables.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect();
    pg_count(url, &format!("SELECT {}", sum.join(" + ")))
}

fn pg_run(url: &str, op: &Op, schema: &mut Schema, step: &str) {
    let statements = render_with(Dialect::Postgresql, op, schema, RenderOptions::default())
        .unwrap_or_else(|e| panic!("{step}: {e}"));
    let rows_before = pg_total_rows(url, schema);
    let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
    if let Err(e) = psql(url, &script) {
        panic!("{step}: {e}\n{script}");
    }
    op.apply(schema).unwrap();
    if !changes_rows(op) {
        assert_eq!(pg_total_rows(url, schema), rows_before, "{step}: rows lost");
    }
}

#[test]
fn history_runs_on_postgresql_and_back() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let url = db.url.as_str();
    psql(url, "CREATE SCHEMA audit").unwrap();
    let history = history();
    let mut schema = Schema::new();
    for (i, op) in history.iter().enumerate() {
        pg_run(url, op, &mut schema, &format!("upgrade #{i} {}", op.name()));
    }
    assert_eq!(pg_count(url, "SELECT count(*) FROM \"user\""), 3);
    assert_eq!(pg_count(url, "SELECT count(*) FROM post"), 4);
    assert_eq!(pg_count(url, "SELECT count(*) FROM \"user\" WHERE full_name = 'O''Brien' AND NOT active"), 1);
    assert_eq!(psql(url, "SELECT meta->>'level' FROM audit.log WHERE id = 1").unwrap(), "info");
    assert_eq!(psql(url, "SELECT obj_description('post'::regclass)").unwrap(), "what people write");
    // The model's indexes are the database's (besides constraint-backed ones).
    let indexes = psql(
        url,
        "SELECT string_agg(i.relname, ',' ORDER BY i.relname) FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname IN ('public', 'audit') AND NOT EXISTS \
         (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .unwrap();
    let mut expected: Vec<String> =
        schema.tables.iter().flat_map(|t| t.indexes.iter().map(|i| i.name.clone())).collect();
    expected.sort();
    assert_eq!(indexes, expected.join(","));
    assert!(psql(url, "INSERT INTO post (id, user_id) VALUES (99, 999)").is_err());

    for (i, op) in downgrade(&history).iter().enumerate() {
        pg_run(url, op, &mut schema, &format!("downgrade #{i} {}", op.name()));
    }
    assert!(schema.is_empty(), "model not empty: {schema:?}");
    assert_eq!(pg_count(url, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'audit')"), 0);
    assert_eq!(
        pg_count(
            url,
            "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname IN ('public', 'audit') AND t.typtype = 'e'"
        ),
        0
    );
}

/// The history on MySQL/MariaDB through the `mariadb` client, with what MySQL cannot
/// store taken out (a partial, functional index) or spelled its way (an indexed
/// `varchar` title, the raw SQL in backticks), and `audit` as a second database.
#[cfg(feature = "mysql")]
#[test]
fn history_runs_on_mysql_and_back() {
    let Some(db) = support::mysql_test_db() else { return };
    let Some(audit) = support::mysql_test_db() else { return };
    let mut text = HISTORY
        .replace("schema = \"audit\"", &format!("schema = \"{}\"", audit.name))
        .replace("{ name = \"title\", type = \"text\" }", "{ name = \"title\", type = \"varchar(200)\" }")
        .replace("sql = \"\\\"order\\\" >= 0\"", "sql = \"`order` >= 0\"")
        .replace(
            "sql = \"UPDATE \\\"user\\\" SET \\\"order\\\" = 0 WHERE \\\"order\\\" IS NULL\"",
            "mysql = \"UPDATE `user` SET `order` = 0 WHERE `order` IS NULL\"",
        );
    let functional = "[[upgrade]]\nop = \"create_index\"\nname = \"ix_user_email_lower\"";
    let start = text.find(functional).expect("the history has the functional index");
    let end = start + text[start + 1..].find("[[upgrade]]").unwrap() + 1;
    text.replace_range(start..end, "");
    assert!(text.contains("mysql = \"UPDATE"), "the execute op was adapted");
    let history = toml::from_str::<Ops>(&text).expect("valid history").upgrade;
    let count = |sql: &str| -> i64 {
        support::mariadb(&db.url, sql).parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let total_rows = |schema: &Schema| -> i64 {
        let tables = tables_sql(Dialect::Mysql, schema);
        if tables.is_empty() {
            return 0;
        }
        let sum: Vec<String> = tables.iter().map(|t| format!("(SELECT count(*) FROM {t})")).collect();
        count(&format!("SELECT {}", sum.join(" + ")))
    };
    let run = |op: &Op, schema: &mut Schema, step: &str| {
        let statements = render_with(Dialect::Mysql, op, schema, RenderOptions::default())
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        let before = total_rows(schema);
        let script: String = statements.iter().map(|s| format!("{s};\n")).collect();
        support::mariadb(&db.url, &script);
        op.apply(schema).unwrap();
        if !changes_rows(op) {
            assert_eq!(total_rows(schema), before, "{step}: rows lost");
        }
    };
    let mut schema = Schema::new();
    for (i, op) in history.iter().enumerate() {
        run(op, &mut schema, &format!("upgrade #{i} {}", op.name()));
    }
    assert_eq!(count("SELECT count(*) FROM `user`"), 3);
    assert_eq!(count("SELECT count(*) FROM post"), 4);
    assert_eq!(count("SELECT count(*) FROM `user` WHERE full_name = 'O''Brien' AND NOT active"), 1);
    let meta = format!("SELECT json_value(meta, '$.level') FROM `{}`.log WHERE id = 1", audit.name);
    assert_eq!(support::mariadb(&db.url, &meta), "info");
    let comment = "SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'post'";
    assert_eq!(support::mariadb(&db.url, comment), "what people write");
    // The model's indexes are the database's, besides those of keys and constraints.
    let keyed: Vec<String> = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.uniques
                .iter()
                .filter_map(|u| u.name.clone())
                .chain(t.foreign_keys.iter().filter_map(|f| f.name.clone()))
        })
        .collect();
    let listed = support::mariadb(
        &db.url,
        &format!(
            "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema IN (DATABASE(), '{}') \
             AND index_name <> 'PRIMARY' AND non_unique = 1 ORDER BY 1",
            audit.name
        ),
    );
    let mut indexes: Vec<&str> = listed.lines().filter(|n| !keyed.iter().any(|k| k == n)).collect();
    // InnoDB's own index for a foreign key is named after the key (`post_ibfk_1` for
    // an unnamed one) or its first column.
    indexes.retain(|n| schema.tables.iter().all(|t| t.foreign_keys.iter().all(|f| f.columns[0] != *n)));
    indexes.retain(|n| !n.contains("_ibfk_"));
    let mut expected: Vec<String> = schema
        .tables
        .iter()
        .flat_map(|t| t.indexes.iter().filter(|i| !i.unique).map(|i| i.name.clone()))
        .collect();
    expected.sort();
    assert_eq!(indexes, expected);
    // Autogenerate finds nothing to do: the database read back is the model.
    let mut conn = db.connect();
    let reflect = |conn: &mut alembic::runtime::connection::BlockingMysql, schema: Option<String>| {
        let opts = alembic::reflect::ReflectOptions { schema, ..Default::default() };
        alembic::runtime::connection::block_on(alembic::reflect::reflect(conn, &opts)).expect("reflect")
    };
    let mut live = reflect(&mut conn, None);
    for table in reflect(&mut conn, Some(audit.name.clone())).tables.iter() {
        live.insert_table(table.clone()).unwrap();
    }
    let diff =
        alembic::autogen::compare(&schema, &live, &alembic::autogen::CompareOptions::new(Dialect::Mysql));
    assert!(diff.is_empty(), "autogenerate after the history: {diff:#?}");
    let orphan = std::panic::catch_unwind(|| {
        support::mariadb(&db.url, "INSERT INTO post (id, user_id) VALUES (99, 999)")
    });
    assert!(orphan.is_err(), "the foreign key holds");

    let downgrade = downgrade(&history).into_iter().map(|op| match op {
        Op::Execute(_) => {
            Op::Execute(Execute::only(Dialect::Mysql, "UPDATE `user` SET `order` = NULL WHERE `order` = 0"))
        }
        other => other,
    });
    for (i, op) in downgrade.enumerate() {
        run(&op, &mut schema, &format!("downgrade #{i} {}", op.name()));
    }
    assert!(schema.is_empty(), "model not empty: {schema:?}");
    let left = format!(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema IN (DATABASE(), '{}')",
        audit.name
    );
    assert_eq!(count(&left), 0);
}
