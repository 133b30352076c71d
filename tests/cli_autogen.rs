//! Autogenerate through the CLI on real-world sample schemas given as `schema.sql`:
//! empty database → `revision --autogenerate` → `upgrade head` → `check` exits 0 (and
//! `check --offline` too) → `downgrade base` leaves an empty database. SQLite and
//! PostgreSQL.

mod common;
mod support;

use alembic::reflect::{ReflectOptions, reflect};
use alembic::runtime::connection::{Backend, block_on, connect};
use alembic::url::DatabaseUrl;
use common::Project;

const SCHEMAS: &[&str] = &["chinook", "northwind", "pagila"];

fn fixture(name: &str, dialect: &str) -> String {
    let path = format!("{}/tests/fixtures/schemas/{name}.{dialect}.sql", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A project whose declared schema is `schema.sql` with `sql` in it.
fn project_with(sql: &str) -> Project {
    Project::with_schema_sql(sql)
}

fn assert_empty(url: &DatabaseUrl) {
    let mut db = connect(url).expect("connect");
    let schema = block_on(reflect(&mut db, &ReflectOptions::default())).expect("reflect");
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert!(schema.is_empty(), "tables left after downgrade base: {names:?}");
}

fn round_trip(p: &Project, extra: &[&str], url: &DatabaseUrl, schema: &str) {
    let with = |args: &[&str]| -> Vec<String> { extra.iter().chain(args).map(|s| s.to_string()).collect() };
    let run = |args: &[&str]| -> String {
        let args = with(args);
        p.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let out = run(&["revision", "--autogenerate", "-m", "initial", "--rev-id", "init01"]);
    assert!(out.contains("Detected create_table"), "{schema}: {out}");
    let file = std::fs::read_to_string(p.versions().join("init01_initial.toml")).unwrap();
    assert!(
        file.contains("op = \"create_table\"") && file.contains("op = \"drop_table\""),
        "{schema}: {file}"
    );

    // Before the upgrade the database is behind the history.
    let args = with(&["check"]);
    let err = p.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("Target database is not up to date."), "{schema}: {err}");

    run(&["upgrade", "head"]);
    assert_eq!(run(&["check"]), "No new upgrade operations detected.\n", "{schema}");
    assert_eq!(run(&["check", "--offline"]), "No new upgrade operations detected.\n", "{schema}");
    // The reflected schema.sql is cached under target/ for the next check.
    let cached = std::fs::read_dir(p.path().join("target/alembic")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(cached, 1, "{schema}: one cached target schema");
    // Nothing to write either.
    assert_eq!(run(&["revision", "--autogenerate", "-m", "nothing"]), "No changes in schema detected.\n");

    run(&["downgrade", "base"]);
    assert_empty(url);
}

#[test]
fn sample_schemas_round_trip_on_sqlite() {
    for schema in SCHEMAS {
        let p = project_with(&fixture(schema, "sqlite"));
        let url = DatabaseUrl::Sqlite { path: Some(p.path().join("app.db")) };
        round_trip(&p, &[], &url, schema);
    }
}

#[test]
fn sample_schemas_round_trip_on_postgresql() {
    for schema in SCHEMAS {
        let Some(db) = support::pg_test_db() else { return };
        let p = project_with(&fixture(schema, "postgresql"));
        let url = db.database_url();
        let text = url.to_string();
        round_trip(&p, &["--url", &text], &url, schema);
    }
}

#[test]
fn a_changed_declaration_is_reported_and_written_as_one_alter_column() {
    let p = project_with("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n");
    p.ok(&["revision", "--autogenerate", "-m", "users", "--rev-id", "u1"]);
    p.ok(&["upgrade", "head"]);
    std::fs::write(
        p.path().join("schema.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(80));\n",
    )
    .unwrap();
    let err = p.fails(&["check"]);
    assert!(
        err.starts_with("error: New upgrade operations detected:\n")
            && err.contains("alter_column users.name"),
        "{err}"
    );
    let out = p.ok(&["revision", "--autogenerate", "-m", "widen name", "--rev-id", "u2"]);
    assert!(out.contains("Detected alter_column users.name"), "{out}");
    let file = std::fs::read_to_string(p.versions().join("u2_widen_name.toml")).unwrap();
    assert_eq!(file.matches("op = \"alter_column\"").count(), 2, "one in each direction:\n{file}");
    assert!(!file.contains("add_column") && !file.contains("drop_column"), "{file}");
    p.ok(&["upgrade", "head"]);
    assert_eq!(p.ok(&["check"]), "No new upgrade operations detected.\n");
}

/// A serial key under a name of its own (`CONSTRAINT "PK_Artist" PRIMARY KEY`) is written
/// in its `create_table` (`primary_key_name`), so foreign keys can reference it at once;
/// the column must still come back SERIAL, so `check` finds nothing after the upgrade.
#[test]
fn named_serial_primary_keys_round_trip_on_postgresql() {
    let Some(db) = support::pg_test_db() else { return };
    let p = project_with(
        "CREATE TABLE \"Artist\" (\"ArtistId\" SERIAL, \"Name\" VARCHAR(120), CONSTRAINT \"PK_Artist\" PRIMARY KEY (\"ArtistId\"));\n\
         CREATE TABLE \"Album\" (\"AlbumId\" SERIAL, \"ArtistId\" INTEGER NOT NULL REFERENCES \"Artist\" (\"ArtistId\"), \
         CONSTRAINT \"PK_Album\" PRIMARY KEY (\"AlbumId\"));\n",
    );
    let url = db.database_url();
    let text = url.to_string();
    let out = p.ok(&["--url", &text, "revision", "--autogenerate", "-m", "init", "--rev-id", "n1"]);
    assert!(!out.contains("create_primary_key"), "{out}");
    let file = std::fs::read_to_string(p.versions().join("n1_init.toml")).unwrap();
    assert!(file.contains("primary_key_name = \"PK_Artist\""), "{file}");
    p.ok(&["--url", &text, "upgrade", "head"]);
    assert_eq!(p.ok(&["--url", &text, "check"]), "No new upgrade operations detected.\n");
    // The keys generate values, as SERIAL columns do.
    let mut conn = db.connect();
    block_on(conn.execute("INSERT INTO \"Artist\" (\"Name\") VALUES ('AC/DC')"))
        .expect("ArtistId has a default");
    block_on(conn.execute("INSERT INTO \"Album\" (\"ArtistId\") VALUES (1)")).expect("AlbumId has a default");
    drop(conn);
    p.ok(&["--url", &text, "downgrade", "base"]);
    assert_empty(&url);
}

/// An applied revision edited afterwards: online `check` compares the database with the
/// history replayed to its revision and names the revision that changed the table last.
fn edited_revision_is_drift(url: Option<&str>) {
    let p = project_with("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n");
    let with = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = url.map(|u| vec!["--url".to_string(), u.to_string()]).unwrap_or_default();
        all.extend(args.iter().map(|s| s.to_string()));
        all
    };
    let run_ok = |args: &[&str]| p.ok(&with(args).iter().map(String::as_str).collect::<Vec<_>>());
    let run_fails = |args: &[&str]| p.fails(&with(args).iter().map(String::as_str).collect::<Vec<_>>());
    run_ok(&["revision", "--autogenerate", "-m", "users", "--rev-id", "u1"]);
    run_ok(&["upgrade", "head"]);
    assert_eq!(run_ok(&["check"]), "No new upgrade operations detected.\n");
    // The revision gains a column after it ran; the declared schema follows it.
    let path = p.versions().join("u1_users.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        "{ name = \"name\"",
        "{ name = \"email\", type = \"varchar(100)\", nullable = true },\n  { name = \"name\"",
        1,
    );
    assert_ne!(edited, text, "the test edits the create_table columns:\n{text}");
    std::fs::write(&path, edited).unwrap();
    std::fs::write(
        p.path().join("schema.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100), name VARCHAR(50) NOT NULL);\n",
    )
    .unwrap();
    let err = run_fails(&["check"]);
    assert!(err.starts_with("error: the database differs from its history at u1"), "{err}");
    assert!(err.contains("add_column users.email"), "{err}");
    assert!(err.contains("revision u1 (") && err.contains("was it edited after it was applied?"), "{err}");
    // Offline, the history is the truth: nothing to report.
    assert_eq!(run_ok(&["check", "--offline"]), "No new upgrade operations detected.\n");
}

#[test]
fn an_edited_applied_revision_is_reported_by_check_on_sqlite() {
    edited_revision_is_drift(None);
}

#[test]
fn an_edited_applied_revision_is_reported_by_check_on_postgresql() {
    let Some(db) = support::pg_test_db() else { return };
    let url = format!(
        "postgresql://{}@{}:{}/{}",
        db.url.user.as_deref().unwrap_or("postgres"),
        db.url.host.as_deref().unwrap_or("127.0.0.1"),
        db.url.port.unwrap_or(5432),
        db.name
    );
    edited_revision_is_drift(Some(&url));
}
