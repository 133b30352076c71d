//! Offline SQL on real databases (acceptance (a) of offline runs): the history of
//! `tests/fixtures/live_history.toml`, which uses every op and puts rows in its tables,
//! is written as revision files (one op per revision, the downgrade its inverse), and
//! `cargo alembic upgrade head --sql` is piped into the `sqlite3` shell (`-bail`) and
//! into `psql -v ON_ERROR_STOP=1` in a fresh database. Then `downgrade head:base --sql`
//! must bring both back to an empty schema but for the version table, which Alembic
//! does not drop either (it ends empty).
//!
//! The `audit` schema of the history is the environment's business, as it would be
//! for a user: attached on SQLite, created on PostgreSQL, before the SQL runs.

mod common;
mod support;

use std::path::Path;

use alembic::dialect::Dialect;
use alembic::ops::{Execute, Op, render_ops_toml};
use alembic::schema::Schema;
use common::Project;
use serde::Deserialize;

#[derive(Deserialize)]
struct Ops {
    upgrade: Vec<Op>,
}

/// Writes the history of `fixture` as revisions `r00`, `r01`, … (the downgrades the
/// inverses on `schema`, the empty schema it starts from) and gives the last id.
fn write_history(p: &Project, fixture: &str, mut schema: Schema) -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture))
            .unwrap();
    let ops = toml::from_str::<Ops>(&text).unwrap().upgrade;
    let mut last = String::new();
    for (i, op) in ops.iter().enumerate() {
        let inverse = match op {
            // Opaque to the model: the inverse a revision author would write.
            Op::Execute(_) => {
                vec![Op::Execute(Execute::new("UPDATE \"user\" SET \"order\" = NULL WHERE \"order\" = 0"))]
            }
            _ => op.inverse(&schema).unwrap(),
        };
        op.apply(&mut schema).unwrap();
        let id = format!("r{i:02}");
        let down: &[&str] = if i == 0 { &[] } else { &[last.as_str()] };
        let body = format!(
            "{}\n{}",
            render_ops_toml("upgrade", std::slice::from_ref(op)).unwrap(),
            render_ops_toml("downgrade", &inverse).unwrap()
        );
        p.add(&id, down, &body);
        last = id;
    }
    last
}

/// A project holding the history.
fn project() -> (Project, String) {
    let p = Project::init();
    let head = write_history(&p, "live_history.toml", Schema::new());
    (p, head)
}

#[test]
fn offline_sql_of_every_op_runs_in_the_sqlite3_shell_and_back() {
    let (p, head) = project();
    let up = p.ok(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    let down = p.ok(&["downgrade", &format!("{head}:base"), "--sql", "--dialect", "sqlite"]);
    let db = support::SqliteFile::new();
    let attach = format!("ATTACH DATABASE '{}' AS audit;\n", db.dir.path().join("audit.db").display());
    let sqlite3 = |sql: &str| support::sqlite3(&db.path, &format!("{attach}{sql}"));
    sqlite3(&up);
    // The rows survived every rebuild, and the version table is at the head.
    assert_eq!(
        sqlite3("SELECT count(*) FROM user; SELECT count(*) FROM post; SELECT count(*) FROM audit.log;"),
        "3\n4\n2"
    );
    assert_eq!(sqlite3("SELECT full_name FROM user WHERE id = 2;"), "O'Brien");
    assert_eq!(sqlite3("SELECT version_num FROM alembic_version;"), head);
    assert_eq!(sqlite3("PRAGMA foreign_key_check;"), "");

    sqlite3(&down);
    assert_eq!(
        sqlite3("SELECT group_concat(name) FROM sqlite_master;"),
        "alembic_version,sqlite_autoindex_alembic_version_1"
    );
    assert_eq!(sqlite3("SELECT count(*) FROM audit.sqlite_master;"), "0");
    assert_eq!(sqlite3("SELECT count(*) FROM alembic_version;"), "0");
}

#[cfg(feature = "postgres")]
#[test]
fn offline_sql_of_every_op_runs_in_psql_and_back() {
    let Some(db) = support::pg_test_db() else { return };
    let (p, head) = project();
    let up = p.ok(&["upgrade", "head", "--sql", "--dialect", "postgresql"]);
    let down = p.ok(&["downgrade", &format!("{head}:base"), "--sql", "--dialect", "postgresql"]);
    let psql = |sql: &str| support::psql(&db.url, sql);
    psql("CREATE SCHEMA audit;");
    psql(&up);
    assert_eq!(
        psql("SELECT count(*) FROM \"user\"; SELECT count(*) FROM post; SELECT count(*) FROM audit.log;"),
        "3\n4\n2"
    );
    assert_eq!(psql("SELECT full_name FROM \"user\" WHERE id = 2;"), "O'Brien");
    assert_eq!(psql("SELECT meta->>'level' FROM audit.log WHERE id = 1;"), "info");
    assert_eq!(psql("SELECT version_num FROM alembic_version;"), head);

    psql(&down);
    assert_eq!(
        psql(
            "SELECT string_agg(schemaname || '.' || tablename, ',') FROM pg_tables \
             WHERE schemaname IN ('public', 'audit');"
        ),
        "public.alembic_version"
    );
    assert_eq!(
        psql(
            "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname IN ('public', 'audit') AND t.typtype = 'e';"
        ),
        "0"
    );
    assert_eq!(
        psql(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname IN ('public', 'audit') AND c.relkind IN ('S', 'v', 'i') \
             AND c.relname NOT LIKE 'alembic_version%';"
        ),
        "0"
    );
    assert_eq!(psql("SELECT count(*) FROM alembic_version;"), "0");
}

/// A history written against PostgreSQL drops unnamed constraints by the names
/// PostgreSQL gave them, which stay after their table and column are renamed
/// (`users_email_key` on `people`): its SQL runs offline in psql and online, both
/// ways.
#[cfg(feature = "postgres")]
#[test]
fn constraints_dropped_by_the_names_postgresql_kept_through_renames() {
    let Some(offline) = support::pg_test_db() else { return };
    let Some(online) = support::pg_test_db() else { return };
    let p = Project::init();
    // The downgrades are the inverses on PostgreSQL's model: they make the constraints
    // again under the names PostgreSQL kept.
    let head = write_history(&p, "renamed_constraints.toml", Dialect::Postgresql.imp().empty_schema());
    assert_eq!(head, "r05");
    let constraints = |url: &alembic::url::PostgresUrl| {
        support::psql(
            url,
            "SELECT coalesce(string_agg(conname, ',' ORDER BY conname), '') FROM pg_constraint \
             WHERE conrelid = 'people'::regclass;",
        )
    };

    let up = p.ok(&["upgrade", "head", "--sql", "--dialect", "postgresql"]);
    assert!(up.contains("DROP CONSTRAINT users_email_key"), "{up}");
    support::psql(&offline.url, &up);
    assert_eq!(constraints(&offline.url), "users_pkey");
    support::psql(&offline.url, &p.ok(&["downgrade", "r05:r03", "--sql", "--dialect", "postgresql"]));
    assert_eq!(constraints(&offline.url), "users_email_key,users_pkey,users_team_id_fkey");

    let url = online.database_url().to_string();
    p.ok(&["--url", &url, "upgrade", "r03"]);
    assert_eq!(constraints(&online.url), "users_email_key,users_pkey,users_team_id_fkey");
    p.ok(&["--url", &url, "upgrade", "head"]);
    assert_eq!(constraints(&online.url), "users_pkey");
    p.ok(&["--url", &url, "downgrade", "r03"]);
    assert_eq!(constraints(&online.url), "users_email_key,users_pkey,users_team_id_fkey");
    p.ok(&["--url", &url, "downgrade", "base"]);
    assert_eq!(
        support::psql(&online.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public';"),
        "1"
    );
}
