//! What a user sees when an online command cannot do its work: exit 1, one `error:`
//! line first, and never the password of the URL.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{Kind, PASSWORD, TestDb, with_url};

fn project() -> Project {
    let p = Project::init();
    p.add("r1", &[], "[[upgrade]]\nop = \"execute\"\nsql = \"CREATE TABLE t1 (id INTEGER)\"\n");
    p
}

/// Runs `args`, asserts exit 1 with one error line and no password; returns stderr.
fn fails(p: &Project, args: &[&str]) -> String {
    let stderr = p.fails(args);
    assert!(!stderr.contains(PASSWORD), "the password was printed:\n{stderr}");
    stderr
}

fn unknown_revision_in_the_version_table(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = project();
    p.ok(&with_url(&db, &["upgrade", "head"]));
    db.execute("UPDATE alembic_version SET version_num = 'feedbeef'");
    for args in
        [&["current"][..], &["upgrade", "head"], &["downgrade", "base"], &["history", "-i"], &["stamp", "r1"]]
    {
        let stderr = fails(&p, &with_url(&db, args));
        assert!(
            stderr.starts_with("error: Can't locate revision identified by 'feedbeef': the database's version table names a revision that is not in the migrations folder"),
            "{args:?}: {stderr}"
        );
    }
    // `stamp --purge` is the way out, as in Alembic.
    p.ok(&with_url(&db, &["stamp", "--purge", "r1"]));
    assert_eq!(db.rows(), ["r1"]);
}

#[test]
fn sqlite_unknown_revision_in_the_version_table() {
    unknown_revision_in_the_version_table(Kind::Sqlite);
}

#[test]
fn postgres_unknown_revision_in_the_version_table() {
    unknown_revision_in_the_version_table(Kind::Postgres);
}

/// A port nothing listens on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn unreachable_server_is_one_line() {
    let p = project();
    let url = format!("postgresql://postgres:{PASSWORD}@127.0.0.1:{}/app", free_port());
    for args in [&["upgrade", "head"][..], &["current"], &["stamp", "heads"], &["ensure-version"]] {
        let stderr = fails(&p, &with_url_str(&url, args));
        assert!(stderr.starts_with("error: could not connect to PostgreSQL at 127.0.0.1:"), "{stderr}");
        assert!(stderr.trim_end().ends_with("connection refused"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

fn with_url_str<'a>(url: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--url", url];
    all.extend_from_slice(args);
    all
}

#[test]
fn missing_database_and_unknown_user_are_named() {
    let Some(db) = TestDb::postgres() else { return };
    let p = project();
    let (head, _) = db.url.rsplit_once('/').unwrap();
    let missing = format!("{head}/no_such_database_here");
    let stderr = fails(&p, &with_url_str(&missing, &["upgrade", "head"]));
    assert!(
        stderr.starts_with("error: database \"no_such_database_here\" does not exist on PostgreSQL at "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Trust authentication accepts any password, so a wrong one cannot be shown here;
    // an unknown role takes the same path (SQLSTATE 28000).
    let nobody = db.url.replacen("postgres:", "nobody_at_all:", 1);
    let stderr = fails(&p, &with_url_str(&nobody, &["current"]));
    assert!(stderr.contains("as user \"nobody_at_all\""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_urls_are_one_line_without_the_password() {
    let p = project();
    for url in [
        format!("postgres:/user:{PASSWORD}@host/db"),
        format!("mysql://user:{PASSWORD}@host/db"),
        format!("postgresql://user:{PASSWORD}@host:notaport/db"),
        format!("postgresql://user:{PASSWORD}@127.0.0.1/db?sslmod=require"),
    ] {
        let stderr = fails(&p, &with_url_str(&url, &["upgrade", "head"]));
        assert_eq!(stderr.lines().count(), 1, "{url}: {stderr}");
    }
    let stderr = fails(&p, &with_url_str("sqlite:////no/such/folder/app.db", &["current"]));
    assert!(stderr.contains("folder /no/such/folder does not exist"), "{stderr}");
}

/// A SQLite database in the way of nothing: `current` on a missing file creates no
/// version table (and reports no revision).
#[test]
fn sqlite_current_on_a_new_file_prints_nothing() {
    let db = TestDb::sqlite();
    let p = project();
    assert_eq!(p.ok(&with_url(&db, &["current"])), "");
    assert!(!db.has_version_table());
}
