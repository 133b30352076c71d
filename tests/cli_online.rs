//! The online commands as a user runs them, on a SQLite file and on PostgreSQL (with a
//! password in the URL that must never be printed): `upgrade`, `downgrade`, `stamp`
//! (with `--purge`), `current` (`-v`, `--check-heads`), `ensure-version` and
//! `history -i`, over a history with a split, a merge, a second base with a branch
//! label and a `depends_on`, using every identifier form.
//!
//! After each command the version table's rows (and the tables the revisions create)
//! must be what Python Alembic leaves; the same script is run through Python Alembic
//! (when present; under CI it must be) and its rows and output compared.

mod common;
mod online_support;
mod support;

use online_support::{BRANCHING, Kind, PASSWORD, PyProject, TestDb, project_with, with_url};

/// One command of the script and what it must leave behind.
struct Step {
    args: &'static [&'static str],
    /// Exit 0 (else exit 1 with one `error:` line).
    ok: bool,
    /// The version table's rows afterwards, sorted.
    rows: &'static [&'static str],
    /// The revisions whose tables exist afterwards (stamps move rows only).
    tables: Option<&'static [&'static str]>,
    /// Exactly what stdout says (or, on failure, what the error line contains).
    says: Option<&'static str>,
}

const ALL: &[&str] = &["a100", "b200", "c300", "d400", "e500", "f600", "x700", "y800"];

const fn step(args: &'static [&'static str], rows: &'static [&'static str]) -> Step {
    Step { args, ok: true, rows, tables: None, says: None }
}

/// The script. Every expectation was first read off Python Alembic 1.x on the same
/// history; [`python_alembic_agrees`] checks it again on every run.
const SCRIPT: &[Step] = &[
    Step { says: Some(""), ..step(&["current"], &[]) },
    step(&["ensure-version"], &[]),
    Step {
        tables: Some(&["a100"]),
        says: Some("Running upgrade  -> a100, create t_a100\n"),
        ..step(&["upgrade", "a1"], &["a100"])
    },
    Step { tables: Some(&["a100", "b200"]), ..step(&["upgrade", "+1"], &["b200"]) },
    step(&["upgrade", "c300"], &["c300"]),
    Step {
        tables: Some(&["a100", "b200", "c300", "d400"]),
        says: Some("Running upgrade b200 -> d400, create t_d400\n"),
        ..step(&["upgrade", "d400"], &["c300", "d400"])
    },
    Step {
        says: Some("Running upgrade c300, d400 -> e500, create t_e500\n"),
        ..step(&["upgrade", "e500"], &["e500"])
    },
    // A relative step down from a merge point has two ways to go.
    Step { ok: false, says: Some("Ambiguous walk"), ..step(&["downgrade", "-1"], &["e500"]) },
    Step {
        ok: false,
        says: Some("Multiple head revisions are present for given argument 'head'"),
        ..step(&["upgrade", "head"], &["e500"])
    },
    Step {
        tables: Some(&["a100", "b200", "c300", "d400", "e500", "x700", "y800"]),
        says: Some("Running upgrade  -> x700, create t_x700\nRunning upgrade x700 -> y800, create t_y800\n"),
        ..step(&["upgrade", "billing@head"], &["e500", "y800"])
    },
    Step {
        tables: Some(&["a100", "b200", "c300", "d400", "e500", "x700"]),
        says: Some("Running downgrade y800 -> x700, create t_y800\n"),
        ..step(&["downgrade", "billing@-1"], &["e500", "x700"])
    },
    Step { tables: Some(ALL), ..step(&["upgrade", "heads"], &["f600", "y800"]) },
    Step {
        says: Some("f600 (head)\ny800 (head)\n"),
        ..step(&["current", "--check-heads"], &["f600", "y800"])
    },
    Step {
        tables: Some(&["a100", "b200", "c300", "d400", "e500", "f600"]),
        ..step(&["downgrade", "billing@base"], &["f600"])
    },
    Step {
        ok: false,
        says: Some("Database is not on all head revisions"),
        ..step(&["current", "--check-heads"], &["f600"])
    },
    Step {
        tables: Some(&["a100", "b200"]),
        says: Some(
            "Running downgrade f600 -> e500, create t_f600\n\
             Running downgrade e500 -> c300, d400, create t_e500\n\
             Running downgrade c300 -> b200, create t_c300\n\
             Running downgrade d400 -> b200, create t_d400\n",
        ),
        ..step(&["downgrade", "b200"], &["b200"])
    },
    Step { tables: Some(&["a100", "b200", "c300", "d400", "e500"]), ..step(&["upgrade", "e5"], &["e500"]) },
    Step { tables: Some(&["a100", "b200"]), ..step(&["downgrade", "b2"], &["b200"]) },
    Step { tables: Some(&[]), ..step(&["downgrade", "base"], &[]) },
    Step {
        tables: Some(&[]),
        says: Some("Running stamp_revision  -> f600\nRunning stamp_revision  -> y800\n"),
        ..step(&["stamp", "heads"], &["f600", "y800"])
    },
    Step {
        says: Some("Running stamp_revision f600 -> e500\n"),
        ..step(&["stamp", "e500"], &["e500", "y800"])
    },
    step(&["stamp", "--purge", "a100"], &["a100"]),
    step(&["stamp", "base"], &[]),
    Step { tables: Some(ALL), says: Some(""), ..step(&["-q", "upgrade", "heads"], &["f600", "y800"]) },
    Step { tables: Some(&[]), ..step(&["downgrade", "base"], &[]) },
];

/// Lines in a stable order: Alembic lists several heads, and runs independent
/// branches, in Python set order.
fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn run_script(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    for (i, s) in SCRIPT.iter().enumerate() {
        let what = format!("step {i}: cargo alembic {}", s.args.join(" "));
        let out = p.run(&with_url(&db, s.args));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD), "{what} printed the password");
        if s.ok {
            assert!(out.status.success(), "{what} failed:\n{stdout}{stderr}");
            if let Some(says) = s.says {
                assert_eq!(sorted_lines(&stdout), sorted_lines(says), "{what}");
                if kind == Kind::Sqlite || !says.contains('\n') {
                    assert_eq!(stdout, says, "{what}: lines in order");
                }
            }
        } else {
            assert_eq!(out.status.code(), Some(1), "{what} should fail:\n{stdout}{stderr}");
            common::assert_error_shape(&stderr);
            assert!(stderr.contains(s.says.unwrap_or("")), "{what}: {stderr}");
        }
        assert_eq!(db.rows(), s.rows, "{what}: version table");
        if let Some(tables) = s.tables {
            assert_eq!(db.revision_tables(), tables, "{what}: tables");
        }
        if i == 0 {
            assert!(!db.has_version_table(), "`current` must not create the version table");
        }
    }
}

#[test]
fn sqlite_commands_move_rows_as_alembic_does() {
    run_script(Kind::Sqlite);
}

#[test]
fn postgres_commands_move_rows_as_alembic_does() {
    run_script(Kind::Postgres);
}

/// Python Alembic, run through the same script on the same kind of database, leaves
/// the same rows and tables, fails where we fail, and logs the same steps.
fn python_alembic_agrees(kind: Kind) {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(kind) else { return };
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    // Alembic logs each step through `logging`; this env.py prints the log's messages.
    let env = py.dir.path().join("pyalembic/env.py");
    let text = std::fs::read_to_string(&env).unwrap();
    std::fs::write(
        &env,
        format!("import logging\nlogging.basicConfig(level=logging.INFO, format='%(message)s')\n{text}"),
    )
    .unwrap();
    for (i, s) in SCRIPT.iter().enumerate() {
        // Python Alembic spells it with an underscore.
        let args: Vec<&str> =
            s.args.iter().map(|a| if *a == "ensure-version" { "ensure_version" } else { a }).collect();
        let what = format!("step {i}: alembic {}", args.join(" "));
        let (ok, stdout, stderr) = py.run(&args);
        assert_eq!(ok, s.ok, "{what}:\n{stdout}{stderr}");
        assert_eq!(db.rows(), s.rows, "{what}: version table");
        if let Some(tables) = s.tables {
            assert_eq!(db.revision_tables(), tables, "{what}: tables");
        }
        if let (true, Some(says)) = (ok, s.says) {
            // Steps are logged on stderr, `current` prints on stdout.
            let running: String =
                stderr.lines().filter(|l| l.starts_with("Running ")).map(|l| format!("{l}\n")).collect();
            let said = if s.args.contains(&"current") { stdout } else { running };
            let said = if s.args.contains(&"-q") { String::new() } else { said };
            assert_eq!(sorted_lines(&said), sorted_lines(says), "{what}");
        }
    }
}

#[test]
fn python_alembic_agrees_on_sqlite() {
    python_alembic_agrees(Kind::Sqlite);
}

#[test]
fn python_alembic_agrees_on_postgres() {
    python_alembic_agrees(Kind::Postgres);
}

/// `current -v` and `history -i` read the same from both tools (paths aside), and
/// `current -v` shows the URL with the password masked.
fn current_verbose_and_history_indicate_current(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    p.ok(&with_url(&db, &["upgrade", "d400"]));
    p.ok(&with_url(&db, &["upgrade", "billing@head"]));
    let current = p.ok(&with_url(&db, &["current", "-v"]));
    let masked = db.url.replace(PASSWORD, "***");
    assert!(current.starts_with(&format!("Current revision(s) for {masked}:\n")), "{current}");
    assert!(!current.contains(PASSWORD));
    let ours_history = p.ok(&with_url(&db, &["history", "-i"]));
    assert!(ours_history.contains("b200 -> d400 (current), create t_d400"), "{ours_history}");
    assert!(
        ours_history.contains("x700 (b200) -> y800 (billing) (head) (current), create t_y800"),
        "{ours_history}"
    );

    let Some(python) = online_support::python() else { return };
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    let mask_paths = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| if l.starts_with("Path: ") { "Path: <path>".to_string() } else { l.to_string() })
            .collect();
        lines.sort();
        lines
    };
    // The driver name is in Python's URL only because the test put it there.
    let py_current = py.ok(&["current", "-v"]).replace("postgresql+psycopg2://", "postgresql://");
    assert_eq!(mask_paths(&py_current), mask_paths(&current), "current -v");
    assert_eq!(py.ok(&["history", "-i"]), ours_history, "history -i");
    assert_eq!(sorted_lines(&py.ok(&["current"])), sorted_lines(&p.ok(&with_url(&db, &["current"]))));
}

#[test]
fn sqlite_current_verbose_and_history_indicate_current() {
    current_verbose_and_history_indicate_current(Kind::Sqlite);
}

#[test]
fn postgres_current_verbose_and_history_indicate_current() {
    current_verbose_and_history_indicate_current(Kind::Postgres);
}

/// Many steps on a terminal: a progress bar (`pos/len`) on stderr, the step lines still
/// printed; `-q` prints neither. The terminal is `script`'s pseudo-terminal (util-linux);
/// without `script` the test says so and passes.
#[test]
fn progress_bar_on_a_terminal() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to run the CLI on a pseudo-terminal");
        return;
    }
    let db = TestDb::sqlite();
    let p = common::Project::init();
    for i in 0..25 {
        let down = if i == 0 { vec![] } else { vec![format!("p{}", i - 1)] };
        let down: Vec<&str> = down.iter().map(String::as_str).collect();
        p.add(&format!("p{i}"), &down, "");
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|d| d.parent()).unwrap().join("cargo-alembic");
    let on_terminal = |args: &str| {
        let command = format!("{} alembic --url {} {args}", bin.display(), db.url);
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(p.path())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_terminal("upgrade head");
    assert!(shown.contains("/25 "), "no progress bar:\n{shown}");
    assert!(shown.contains("Running upgrade  -> p0, rev p0\r\n"), "{shown}");
    assert!(shown.contains("Running upgrade p23 -> p24, rev p24\r\n"), "{shown}");
    assert_eq!(db.rows(), ["p24"]);
    assert_eq!(on_terminal("-q downgrade base"), "");
    assert_eq!(db.rows(), Vec::<String>::new());
}
