//! [`Migrations`] on a hand-built embedded folder (what `embedded!` expands to, without
//! a build script): the fast path at head parses nothing, the full path works.

use include_dir::{Dir, DirEntry, File};

use super::__private::Facts;
use super::*;

const A1: &str = "# Create users\n\nrevision = \"a1\"\ndown_revision = []\nmessage = \"create users\"\n\n\
                  [[upgrade]]\nop = \"create_table\"\ntable = \"users\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n\
                  [[downgrade]]\nop = \"drop_table\"\ntable = \"users\"\n";
const B2: &str = "# Create posts\n\nrevision = \"b2\"\ndown_revision = \"a1\"\nmessage = \"create posts\"\n\n\
                  [[upgrade]]\nop = \"create_table\"\ntable = \"posts\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n\
                  [[downgrade]]\nop = \"drop_table\"\ntable = \"posts\"\n";
const C3: &str = "-- revision = \"c3\"\n-- down_revision = \"a1\"\n-- message = \"side branch\"\n\n-- upgrade\nCREATE TABLE side (id INTEGER);\n\n-- downgrade\nDROP TABLE side;\n";

static DIR: Dir<'static> = Dir::new(
    "",
    &[DirEntry::Dir(Dir::new(
        "versions",
        &[
            DirEntry::File(File::new("versions/a1_users.toml", A1.as_bytes())),
            DirEntry::File(File::new("versions/b2_posts.toml", B2.as_bytes())),
        ],
    ))],
);

const FACTS: Facts = Facts {
    folder: "migrations",
    files: &["versions/a1_users.toml", "versions/b2_posts.toml"],
    heads: &["b2"],
    version_table: "app_versions",
    version_table_schema: None,
    transaction_per_migration: true,
    code_steps: &[],
};

static MIGRATIONS: Migrations = Migrations::__new(&DIR, FACTS);

fn fresh() -> Migrations {
    Migrations::__new(&DIR, FACTS)
}

fn conn() -> rusqlite::Connection {
    rusqlite::Connection::open_in_memory().unwrap()
}

fn tables(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn upgrade_then_nothing_to_do_without_parsing() {
    let mut conn = conn();
    let report = MIGRATIONS.upgrade(&mut conn, "head").unwrap();
    assert_eq!(report.steps, ["upgrade  -> a1, Create users", "upgrade a1 -> b2, Create posts"]);
    assert_eq!(report.heads, ["b2"]);
    assert_eq!(tables(&conn), ["app_versions", "posts", "users"]);

    // A new process (a fresh value): at head, nothing is parsed.
    let again = fresh();
    let report = again.upgrade(&mut conn, "head").unwrap();
    assert!(report.is_noop());
    assert_eq!(report.heads, ["b2"]);
    assert!(again.is_at_head(&mut conn).unwrap());
    assert_eq!(again.current(&mut conn).unwrap(), ["b2"]);
    assert!(again.scripts.get().is_none(), "the fast path must not parse the files");
}

#[test]
fn downgrade_stamp_and_current() {
    let mut conn = conn();
    let m = fresh();
    assert!(m.current(&mut conn).unwrap().is_empty());
    assert!(!m.is_at_head(&mut conn).unwrap());
    m.upgrade(&mut conn, "heads").unwrap();
    let down = m.downgrade(&mut conn, "-1").unwrap();
    assert_eq!(down.steps, ["downgrade b2 -> a1, Create posts"]);
    assert_eq!(m.current(&mut conn).unwrap(), ["a1"]);
    assert!(!m.is_at_head(&mut conn).unwrap());
    assert_eq!(tables(&conn), ["app_versions", "users"]);
    let stamped = m.stamp(&mut conn, "b2").unwrap();
    assert_eq!(stamped.heads, ["b2"]);
    assert_eq!(tables(&conn), ["app_versions", "users"], "stamp runs no migration");
    m.stamp(&mut conn, "a1").unwrap();
    let down = m.downgrade(&mut conn, "base").unwrap();
    assert_eq!(down.steps, ["downgrade a1 -> , Create users"]);
    assert_eq!(tables(&conn), ["app_versions"]);
    assert!(m.current(&mut conn).unwrap().is_empty());
}

#[test]
fn history_and_heads_come_from_the_embedded_files() {
    let m = fresh();
    assert_eq!(m.heads(), ["b2"]);
    assert_eq!(m.revision_count(), 2);
    assert!(m.scripts.get().is_none(), "heads() needs no parsing");
    let history = m.history().unwrap();
    let ids: Vec<&str> = history.iter().map(|r| r.revision.as_str()).collect();
    assert_eq!(ids, ["b2", "a1"]);
    assert_eq!(history[0].message, "Create posts");
    assert_eq!(history[0].down_revisions, ["a1"]);
    assert!(history[0].is_head && !history[1].is_head);
    assert_eq!(history[0].path, Path::new("migrations/versions/b2_posts.toml"));
}

static BRANCHED_DIR: Dir<'static> = Dir::new(
    "",
    &[
        DirEntry::File(File::new("a1_users.toml", A1.as_bytes())),
        DirEntry::File(File::new("b2_posts.toml", B2.as_bytes())),
        DirEntry::File(File::new("c3_side.sql", C3.as_bytes())),
    ],
);

#[test]
fn head_with_two_heads_is_an_error_even_at_heads() {
    let m = Migrations::__new(
        &BRANCHED_DIR,
        Facts {
            folder: "db",
            files: &["a1_users.toml", "b2_posts.toml", "c3_side.sql"],
            heads: &["b2", "c3"],
            version_table: "alembic_version",
            version_table_schema: None,
            transaction_per_migration: false,
            code_steps: &[],
        },
    );
    let mut conn = conn();
    let report = m.upgrade(&mut conn, "heads").unwrap();
    assert_eq!(report.heads, ["b2", "c3"]);
    assert!(m.is_at_head(&mut conn).unwrap());
    assert!(m.upgrade(&mut conn, "heads").unwrap().is_noop());
    // Alembic refuses `head` when there are several; so does the fast path.
    let err = m.upgrade(&mut conn, "head").unwrap_err().to_string();
    assert!(err.contains("Multiple head revisions"), "{err}");
}

#[test]
fn a_file_listed_but_missing_is_named() {
    let m = Migrations::__new(&DIR, Facts { files: &["versions/zz_gone.toml"], heads: &["zz"], ..FACTS });
    let err = m.load_scripts().unwrap_err().to_string();
    assert!(err.contains("migrations/versions/zz_gone.toml") && err.contains("not embedded"), "{err}");
}

#[test]
fn connect_opens_sqlite_urls() {
    let mut db = connect("sqlite://").unwrap();
    let report = fresh().upgrade(&mut db, "head").unwrap();
    assert_eq!(report.heads, ["b2"]);
}

/// The async API can run in a spawned task: its futures are `Send` (checked at compile
/// time; the test body only has to build).
#[cfg(feature = "postgres")]
#[test]
fn async_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn check(client: &tokio_postgres::Client) {
        assert_send(&MIGRATIONS.upgrade_async(client, "head"));
        assert_send(&MIGRATIONS.downgrade_async(client, "base"));
        assert_send(&MIGRATIONS.current_async(client));
    }
    let _ = check;
}
