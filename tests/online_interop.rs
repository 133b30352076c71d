//! A database moves between Python Alembic and us, on a branching history (split,
//! merge, a second base with a label and a `depends_on`): what we migrated reads the
//! same in Python Alembic's `current`, Python continues from it, and we continue from a
//! database Python Alembic migrated. Python Alembic runs scripts with the same ids and
//! the same DDL. Without Python the tests skip, except under `CI=true`.

mod common;
mod online_support;
mod support;

use online_support::{BRANCHING, Kind, PyProject, TestDb, project_with, with_url};

fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn python_reads_and_continues_ours(kind: Kind) {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    for target in ["c300", "d400", "billing@head"] {
        p.ok(&with_url(&db, &["upgrade", target]));
    }
    assert_eq!(db.rows(), ["c300", "d400", "y800"]);
    let ours = p.ok(&with_url(&db, &["current"]));
    assert_eq!(sorted(&py.ok(&["current"])), sorted(&ours));
    assert_eq!(sorted(&ours), ["c300", "d400", "y800 (head)"]);

    // Python carries on: the merge, then everything down, dropping our tables.
    py.ok(&["upgrade", "heads"]);
    assert_eq!(db.rows(), ["f600", "y800"]);
    assert_eq!(sorted(&py.ok(&["current"])), sorted(&p.ok(&with_url(&db, &["current"]))));
    py.ok(&["downgrade", "base"]);
    assert_eq!(db.rows(), Vec::<String>::new());
    assert_eq!(db.revision_tables(), Vec::<String>::new());
}

#[test]
fn sqlite_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Sqlite);
}

#[test]
fn postgres_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Postgres);
}

#[test]
fn mysql_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Mysql);
}

fn we_continue_from_python(kind: Kind) {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    py.ok(&["upgrade", "d400"]);
    py.ok(&["upgrade", "billing@x700"]);
    assert_eq!(db.rows(), ["d400", "x700"]);
    assert_eq!(sorted(&p.ok(&with_url(&db, &["current"]))), sorted(&py.ok(&["current"])));

    // We carry on from Python's rows: c300 joins the split, then the merge and the rest.
    let out = p.ok(&with_url(&db, &["upgrade", "heads"]));
    assert_eq!(
        sorted(&out),
        [
            "Running upgrade b200 -> c300, create t_c300",
            "Running upgrade c300, d400 -> e500, create t_e500",
            "Running upgrade e500 -> f600, create t_f600",
            "Running upgrade x700 -> y800, create t_y800",
        ]
    );
    assert_eq!(db.rows(), ["f600", "y800"]);
    assert_eq!(db.revision_tables(), ["a100", "b200", "c300", "d400", "e500", "f600", "x700", "y800"]);
    // Python agrees, and so does our own check.
    assert_eq!(sorted(&py.ok(&["current"])), ["f600 (head)", "y800 (head)"]);
    p.ok(&with_url(&db, &["current", "--check-heads"]));
    p.ok(&with_url(&db, &["downgrade", "base"]));
    assert_eq!(db.revision_tables(), Vec::<String>::new());
    assert_eq!(py.ok(&["current"]), "");
}

#[test]
fn sqlite_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Sqlite);
}

#[test]
fn postgres_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Postgres);
}

#[test]
fn mysql_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Mysql);
}
