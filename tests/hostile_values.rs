//! Values that try to leave their literal: no server setting lets a `bulk_insert` value
//! or a comment run as SQL, online (rows bound as parameters) or offline (the literal
//! means the same text whatever `standard_conforming_strings` says).
//!
//! The attack is the one a database with `standard_conforming_strings = off` allows
//! against `'…'` literals that only double quotes: a value ending in a backslash eats
//! the closing quote, and the next value's text becomes SQL.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{Kind, TestDb, with_url};

const ENDS_IN_BACKSLASH: &str = "C:\\temp\\";
const PAYLOAD: &str = ", 1); DROP TABLE canary; --";
const COMMENT: &str = "it\\'s'; DROP TABLE canary; --";

/// A history that creates `t`, inserts the hostile row and comments on the table.
fn project() -> Project {
    let p = Project::init();
    p.add(
        "r1",
        &[],
        r#"[[upgrade]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "a", type = "text" },
  { name = "b", type = "text" },
]

[[upgrade]]
op = "bulk_insert"
table = "t"
rows = [ { id = 1, a = 'C:\temp\', b = ", 1); DROP TABLE canary; --" } ]

[[upgrade]]
op = "create_table_comment"
table = "t"
comment = "it\\'s'; DROP TABLE canary; --"
"#,
    );
    p
}

fn database_name(db: &TestDb) -> String {
    db.url.rsplit('/').next().unwrap().to_string()
}

/// A PostgreSQL database whose sessions treat backslashes in `'…'` as escapes.
fn postgres_without_standard_strings() -> Option<TestDb> {
    let db = TestDb::new(Kind::Postgres)?;
    db.execute(&format!("ALTER DATABASE \"{}\" SET standard_conforming_strings = off", database_name(&db)));
    db.execute("CREATE TABLE canary (id integer)");
    // New sessions see the setting (the ALTER applies from the next connection on).
    assert_eq!(db.column("SHOW standard_conforming_strings"), ["off"]);
    Some(db)
}

fn assert_values_kept(db: &TestDb) {
    assert!(db.has_table("canary"), "the payload ran as SQL: canary was dropped");
    let row = db.query("SELECT a, b FROM t WHERE id = 1");
    assert_eq!(row, [[Some(ENDS_IN_BACKSLASH.to_string()), Some(PAYLOAD.to_string())]]);
}

#[test]
fn postgres_online_values_stay_values_without_standard_conforming_strings() {
    let Some(db) = postgres_without_standard_strings() else { return };
    let p = project();
    p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_values_kept(&db);
    assert_eq!(db.column("SELECT obj_description('t'::regclass, 'pg_class')"), [COMMENT]);
}

#[test]
fn postgres_offline_sql_means_the_same_without_standard_conforming_strings() {
    let Some(db) = postgres_without_standard_strings() else { return };
    let p = project();
    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "postgresql"]);
    assert!(sql.contains(r"E'C:\\temp\\'"), "{sql}");
    let Some(server) = support::pg_test_db() else { return };
    // psql runs the script in the attacked database.
    let url = alembic::url::PostgresUrl { dbname: Some(database_name(&db)), ..server.url.clone() };
    support::psql(&url, &sql);
    assert_values_kept(&db);
    assert_eq!(db.column("SELECT obj_description('t'::regclass, 'pg_class')"), [COMMENT]);
    // And the same script on a default server keeps the same values.
    support::psql(&server.url, "CREATE TABLE canary (id integer);");
    support::psql(&server.url, &sql);
    assert_eq!(
        support::psql(&server.url, "SELECT a || '|' || b FROM t"),
        format!("{ENDS_IN_BACKSLASH}|{PAYLOAD}")
    );
}

#[test]
fn sqlite_values_stay_values_online_and_offline() {
    let db = TestDb::sqlite();
    db.execute("CREATE TABLE canary (id integer)");
    let p = project();
    p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_values_kept(&db);

    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    let file = support::SqliteFile::new();
    support::sqlite3(&file.path, &format!("CREATE TABLE canary (id integer);\n{sql}"));
    assert_eq!(
        support::sqlite3(&file.path, "SELECT count(*) FROM canary; SELECT a || '|' || b FROM t;"),
        format!("0\n{ENDS_IN_BACKSLASH}|{PAYLOAD}")
    );
}
