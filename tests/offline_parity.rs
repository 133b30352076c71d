//! Offline output side by side with Python Alembic's: the same branching history
//! (a branch point, a merge, a second base with a label, `depends_on` across branches)
//! as our revision files and as Python stub scripts whose steps `op.execute` a marker,
//! run with `--sql` for PostgreSQL and for MySQL by both tools. Everything but the version-table
//! statements must be the same text: `BEGIN;`, the version table DDL, each
//! `-- Running …` line in the same order, each step's SQL, `COMMIT;`. The version-table
//! statements must have the same kinds in each step and leave the same rows; which row
//! of a merge Alembic updates and which it deletes follows Python set order, which
//! changes from run to run, so the exact ids are not compared there. Python's
//! `RETURNING` on the `INSERT` is left out by design.
//!
//! Python Alembic comes from `ALEMBIC_TEST_PYTHON` or `/work/venv/bin/python`; without
//! it the test says so and passes.

mod common;
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::Project;

/// A revision: id, down revisions, branch label, depends_on.
type Rev = (&'static str, &'static [&'static str], Option<&'static str>, Option<&'static str>);

const HISTORY: &[Rev] = &[
    ("a1", &[], None, None),
    ("b2", &["a1"], None, None),
    ("c3", &["b2"], None, None),
    ("d4", &["b2"], None, None),
    ("e5", &["c3", "d4"], None, None),
    ("f6", &[], Some("billing"), None),
    ("g7", &["f6"], None, Some("b2")),
    ("h8", &["e5"], None, None),
    ("i9", &["h8"], Some("audit"), None),
    ("j0", &["i9"], None, Some("g7")),
    ("k1", &["h8"], None, None),
    ("l2", &["k1", "j0"], None, None),
    ("m3", &["l2"], None, Some("d4")),
    ("n4", &["g7"], None, None),
];

fn ours() -> Project {
    let p = Project::init();
    let config = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    // Alembic's default: one transaction for the run.
    std::fs::write(
        &config,
        text.replace("transaction_per_migration = true", "transaction_per_migration = false"),
    )
    .unwrap();
    for (rev, down, label, dep) in HISTORY {
        let list = |v: Vec<&str>| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
        let extra = format!(
            "branch_labels = [{}]\ndepends_on = [{}]\n\n[[upgrade]]\nop = \"execute\"\nsql = \"SELECT 'up {rev}'\"\n\n[[downgrade]]\nop = \"execute\"\nsql = \"SELECT 'down {rev}'\"\n",
            list(label.iter().copied().collect()),
            list(dep.iter().copied().collect()),
        );
        p.add(rev, down, &extra);
    }
    p
}

fn python_project(dir: &Path, url: &str) {
    let versions = dir.join("alembic/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.join("alembic.ini"),
        format!("[alembic]\nscript_location = alembic\nsqlalchemy.url = {url}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("alembic/script.py.mako"), "").unwrap();
    std::fs::write(
        dir.join("alembic/env.py"),
        "from alembic import context\n\
         context.configure(url=context.config.get_main_option('sqlalchemy.url'), literal_binds=True, \
         dialect_opts={'paramstyle': 'named'})\n\
         with context.begin_transaction():\n    context.run_migrations()\n",
    )
    .unwrap();
    for (rev, down, label, dep) in HISTORY {
        let py = |v: &[&str]| match v {
            [] => "None".to_string(),
            [one] => format!("'{one}'"),
            many => format!("({},)", many.iter().map(|d| format!("'{d}'")).collect::<Vec<_>>().join(", ")),
        };
        let script = format!(
            "\"\"\"rev {rev}\"\"\"\nfrom alembic import op\nrevision = '{rev}'\ndown_revision = {down}\nbranch_labels = {label}\ndepends_on = {dep}\n\ndef upgrade():\n    op.execute(\"SELECT 'up {rev}'\")\n\ndef downgrade():\n    op.execute(\"SELECT 'down {rev}'\")\n",
            down = py(down),
            label = py(&label.iter().copied().collect::<Vec<_>>()),
            dep = py(&dep.iter().copied().collect::<Vec<_>>()),
        );
        std::fs::write(versions.join(format!("{rev}_.py")), script).unwrap();
    }
}

/// One version-table statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Version {
    Insert(String),
    Delete(String),
    Update { from: String, to: String },
}

impl Version {
    fn parse(chunk: &str) -> Option<Version> {
        let quoted =
            |s: &str| -> Vec<String> { s.split('\'').skip(1).step_by(2).map(str::to_string).collect() };
        let ids = quoted(chunk);
        if chunk.starts_with("INSERT INTO alembic_version") {
            Some(Version::Insert(ids[0].clone()))
        } else if chunk.starts_with("DELETE FROM alembic_version") {
            Some(Version::Delete(ids[0].clone()))
        } else if chunk.starts_with("UPDATE alembic_version") {
            Some(Version::Update { to: ids[0].clone(), from: ids[1].clone() })
        } else {
            None
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Version::Insert(_) => "INSERT",
            Version::Delete(_) => "DELETE",
            Version::Update { .. } => "UPDATE",
        }
    }

    /// Applies the statement to the rows, which must allow it.
    fn apply(&self, rows: &mut BTreeSet<String>, context: &str) {
        let ok = match self {
            Version::Insert(id) => rows.insert(id.clone()),
            Version::Delete(id) => rows.remove(id),
            Version::Update { from, to } => rows.remove(from) && rows.insert(to.clone()),
        };
        assert!(ok, "{context}: {self:?} does not fit the rows {rows:?}");
    }
}

/// An offline run: the text without version statements, and per step the kinds of
/// its version statements and the rows after it.
#[derive(Debug, PartialEq)]
struct Run {
    text: Vec<String>,
    steps: Vec<(Vec<&'static str>, BTreeSet<String>)>,
}

fn parse(sql: &str, start: &[&str], context: &str) -> Run {
    let mut rows: BTreeSet<String> = start.iter().map(|s| s.to_string()).collect();
    let mut run = Run { text: Vec::new(), steps: Vec::new() };
    let mut kinds: Option<Vec<&'static str>> = None;
    let close = |kinds: &mut Option<Vec<&'static str>>, rows: &BTreeSet<String>, run: &mut Run| {
        if let Some(k) = kinds.take() {
            run.steps.push((k, rows.clone()));
        }
    };
    for chunk in sql.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let chunk = chunk.replace(" RETURNING alembic_version.version_num", "");
        if let Some(version) = Version::parse(&chunk) {
            version.apply(&mut rows, context);
            kinds.get_or_insert_with(Vec::new).push(version.kind());
            continue;
        }
        if chunk.starts_with("-- Running") {
            close(&mut kinds, &rows, &mut run);
            kinds = Some(Vec::new());
        }
        run.text.push(chunk.to_string());
    }
    close(&mut kinds, &rows, &mut run);
    run
}

#[test]
fn offline_output_matches_python_alembic() {
    compare_with_python("postgresql", "postgresql://someone@db.invalid/app");
}

/// MySQL has no transactional DDL: neither tool writes `BEGIN;` or `COMMIT;`.
#[test]
fn offline_mysql_output_matches_python_alembic() {
    compare_with_python("mysql", "mysql+pymysql://someone@db.invalid/app");
}

fn compare_with_python(dialect: &str, url: &str) {
    let Some(python) = support::python_alembic() else { return };
    let p = ours();
    let py_dir = tempfile::tempdir().unwrap();
    python_project(py_dir.path(), url);
    // (arguments, the version rows the range starts from)
    let cases: &[(&[&str], &[&str])] = &[
        (&["upgrade", "heads"], &[]),
        (&["upgrade", "audit@head"], &[]),
        (&["upgrade", "billing@head"], &[]),
        (&["upgrade", "a1:e5"], &["a1"]),
        (&["upgrade", "d4:heads"], &["d4"]),
        (&["upgrade", "g7:m3"], &["g7"]),
        (&["downgrade", "m3:base"], &["m3"]),
        (&["downgrade", "n4:base"], &["n4"]),
        (&["downgrade", "j0:a1"], &["j0"]),
        (&["downgrade", "m3:h8"], &["m3"]),
        (&["downgrade", "j0:billing@base"], &["j0"]),
        (&["downgrade", "e5:b2"], &["e5"]),
        (&["stamp", "heads"], &[]),
        (&["stamp", "k1:j0"], &["k1"]),
        (&["stamp", "e5:c3"], &["e5"]),
        (&["stamp", "c3:e5"], &["c3"]),
        (&["stamp", "j0:base"], &["j0"]),
        (&["stamp", "base:k1", "base:j0"], &[]),
        (&["stamp", "a1:billing@head"], &["a1"]),
    ];
    for (args, start) in cases {
        let context = args.join(" ");
        let mut our_args = args.to_vec();
        our_args.extend(["--sql", "--dialect", dialect]);
        let ours = p.ok(&our_args);
        let out = Command::new(&python)
            .args(["-m", "alembic"])
            .args(args.iter())
            .arg("--sql")
            .current_dir(py_dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "alembic {context}: {}", String::from_utf8_lossy(&out.stderr));
        let theirs = String::from_utf8(out.stdout).unwrap();
        let (ours, theirs) = (parse(&ours, start, &context), parse(&theirs, start, &context));
        assert!(!theirs.steps.is_empty(), "{context}: Python Alembic ran no step");
        assert_eq!(ours.text, theirs.text, "{context}: the SQL differs");
        assert_eq!(ours.steps, theirs.steps, "{context}: the version-table statements differ");
    }
}
