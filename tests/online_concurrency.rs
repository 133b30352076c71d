//! Concurrent and interrupted migrators, with real `cargo-alembic` processes:
//!
//! - eight processes running `upgrade head` at once on one database all exit 0, and
//!   every step runs exactly once (SQLite: `BEGIN IMMEDIATE` and a busy timeout;
//!   PostgreSQL: an advisory lock for the run);
//! - a process killed with SIGKILL in the middle of a long step leaves the database at
//!   the previous revision with no trace of the step, and the next run completes it.

mod common;
mod online_support;
mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::Project;
use online_support::{Kind, TestDb};

/// The `cargo-alembic` binary next to the test executable, for spawning.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join(format!("cargo-alembic{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} is not built (cargo build -p cargo-alembic)", bin.display());
    bin
}

fn spawn(p: &Project, db: &TestDb, args: &[&str]) -> Child {
    Command::new(binary())
        .current_dir(p.path())
        .arg("alembic")
        .args(["--url", &db.url])
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cargo-alembic")
}

const STEPS: usize = 12;

/// `s00` creates `runs`; each later revision records itself there and creates a table.
fn counting_history() -> Project {
    let p = Project::init();
    p.add(
        "s00",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"runs\"\n\
         columns = [{ name = \"step\", type = \"varchar(32)\", nullable = false }]\n",
    );
    for i in 1..STEPS {
        let id = format!("s{i:02}");
        let down = format!("s{:02}", i - 1);
        p.add(
            &id,
            &[&down],
            &format!(
                "[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('{id}')\"\n\n\
                 [[upgrade]]\nop = \"create_table\"\ntable = \"t_{id}\"\n\
                 columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}]\n"
            ),
        );
    }
    p
}

fn eight_processes_upgrade_once(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = counting_history();
    let children: Vec<Child> = (0..8).map(|_| spawn(&p, &db, &["upgrade", "head"])).collect();
    let mut running: Vec<String> = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "a migrator failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
        running.extend(stdout.lines().map(str::to_string));
    }
    // Together the processes announced every step exactly once.
    running.sort();
    let expected: Vec<String> = (0..STEPS)
        .map(|i| match i {
            0 => "Running upgrade  -> s00, rev s00".to_string(),
            i => format!("Running upgrade s{:02} -> s{i:02}, rev s{i:02}", i - 1),
        })
        .collect();
    assert_eq!(running, expected);
    let mut ran = db.column("SELECT step FROM runs");
    ran.sort();
    let once: Vec<String> = (1..STEPS).map(|i| format!("s{i:02}")).collect();
    assert_eq!(ran, once, "every step's statements ran exactly once");
    assert_eq!(db.rows(), [format!("s{:02}", STEPS - 1)]);
}

#[test]
fn sqlite_eight_processes_upgrade_together() {
    eight_processes_upgrade_once(Kind::Sqlite);
}

#[test]
fn postgres_eight_processes_upgrade_together() {
    eight_processes_upgrade_once(Kind::Postgres);
}

/// MySQL: `GET_LOCK` for the run.
#[test]
fn mysql_eight_processes_upgrade_together() {
    eight_processes_upgrade_once(Kind::Mysql);
}

/// `k1` creates `runs` and `knob`; `k2` records itself, creates `t_k2`, then runs a
/// statement as long as `knob.n` says (seconds of sleep on PostgreSQL, rows counted on
/// SQLite); `k3` records itself.
fn long_step_history() -> Project {
    let p = Project::init();
    p.add(
        "k1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"runs\"\n\
         columns = [{ name = \"step\", type = \"varchar(32)\", nullable = false }]\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = \"knob\"\ncolumns = [{ name = \"n\", type = \"bigint\" }]\n\n\
         [[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('k1')\"\n",
    );
    p.add(
        "k2",
        &["k1"],
        "[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('k2')\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = \"t_k2\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n\n\
         [[upgrade]]\nop = \"execute\"\n\
         postgresql = \"SELECT pg_sleep((SELECT n FROM knob))\"\n\
         sqlite = \"UPDATE knob SET n = (SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT n FROM knob)) SELECT x FROM c))\"\n",
    );
    p.add("k3", &["k2"], "[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('k3')\"\n");
    p
}

fn killed_mid_step_then_continued(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = long_step_history();
    p.ok(&online_support::with_url(&db, &["upgrade", "k1"]));
    // Long enough that the kill surely lands inside the step.
    let long = match kind {
        Kind::Sqlite => "2000000000",
        Kind::Postgres => "120",
        Kind::Mysql => unreachable!("MySQL commits DDL at once: a killed step leaves its DDL"),
    };
    db.execute(&format!("INSERT INTO knob (n) VALUES ({long})"));

    let mut child = spawn(&p, &db, &["upgrade", "head"]);
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // The step's line is printed as it starts, its transaction already open.
    let started = lines.by_ref().map_while(Result::ok).any(|l| l == "Running upgrade k1 -> k2, rev k2");
    assert!(started, "the long step never started");
    child.kill().expect("SIGKILL the migrator");
    let status = child.wait().unwrap();
    assert!(!status.success());

    assert_eq!(db.rows(), ["k1"], "the killed step must not be recorded");
    assert_eq!(db.column("SELECT step FROM runs"), ["k1"], "no trace of the killed step");
    assert!(!db.has_table("t_k2"), "the killed step's table must not exist");

    // The next run (with a short step this time) continues from k1.
    db.execute("UPDATE knob SET n = 1");
    let out = p.ok(&online_support::with_url(&db, &["upgrade", "head"]));
    assert_eq!(out, "Running upgrade k1 -> k2, rev k2\nRunning upgrade k2 -> k3, rev k3\n");
    assert_eq!(db.rows(), ["k3"]);
    let mut ran = db.column("SELECT step FROM runs");
    ran.sort();
    assert_eq!(ran, ["k1", "k2", "k3"]);
    assert!(db.has_table("t_k2"));
}

#[test]
fn sqlite_killed_mid_step_then_continued() {
    killed_mid_step_then_continued(Kind::Sqlite);
}

#[test]
fn postgres_killed_mid_step_then_continued() {
    killed_mid_step_then_continued(Kind::Postgres);
}

/// `ensure-version` from eight processes at once: one creates the table, none fails.
fn eight_processes_ensure_version(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = counting_history();
    let children: Vec<Child> = (0..8).map(|_| spawn(&p, &db, &["ensure-version"])).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "ensure-version failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(db.has_version_table());
    assert_eq!(db.rows(), Vec::<String>::new());
}

#[test]
fn sqlite_eight_processes_ensure_version_together() {
    eight_processes_ensure_version(Kind::Sqlite);
}

#[test]
fn mysql_eight_processes_ensure_version_together() {
    eight_processes_ensure_version(Kind::Mysql);
}

#[test]
fn postgres_eight_processes_ensure_version_together() {
    eight_processes_ensure_version(Kind::Postgres);
}
