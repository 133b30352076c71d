//! Shared by the online tests: a test database of either dialect addressed by a URL
//! string (as a user passes `--url`), a history written both as our revision files and
//! as Python Alembic scripts doing the same DDL, and Python Alembic itself.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use alembic::runtime::connection::{Backend, TextRow, block_on, connect};
use alembic::runtime::version_table::VersionTable;
use alembic::url::DatabaseUrl;

use crate::common::Project;
use crate::support;

/// The password put in every PostgreSQL URL: the test server trusts any, and no
/// output may ever show it.
pub const PASSWORD: &str = "pw-Zq8XK2vN";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
    /// A fresh MySQL/MariaDB database.
    Mysql,
}

enum Guard {
    Sqlite(support::SqliteFile),
    #[cfg(feature = "postgres")]
    Postgres(Box<support::PgTestDb>),
    #[cfg(feature = "mysql")]
    Mysql(Box<support::MysqlTestDb>),
}

/// A fresh database of one dialect, dropped or deleted with this value.
pub struct TestDb {
    /// What a user would pass to `--url` (with the password for PostgreSQL).
    pub url: String,
    /// The dialect.
    pub kind: Kind,
    parsed: DatabaseUrl,
    _guard: Guard,
}

impl TestDb {
    /// A database of `kind`; `None` when PostgreSQL is absent outside CI.
    pub fn new(kind: Kind) -> Option<TestDb> {
        match kind {
            Kind::Sqlite => Some(TestDb::sqlite()),
            Kind::Postgres => TestDb::postgres(),
            Kind::Mysql => TestDb::mysql(),
        }
    }

    /// A new MySQL/MariaDB database; `None` (with a message) when there is no server
    /// outside CI.
    #[cfg(feature = "mysql")]
    pub fn mysql() -> Option<TestDb> {
        let db = support::mysql_test_db()?;
        let my = &db.url;
        let url = format!(
            "mysql://{}@{}:{}/{}",
            my.user.as_deref().unwrap_or("root"),
            my.host.as_deref().unwrap_or("127.0.0.1"),
            my.port.unwrap_or(3306),
            db.name
        );
        Some(TestDb { url, kind: Kind::Mysql, parsed: db.database_url(), _guard: Guard::Mysql(Box::new(db)) })
    }

    /// Without the `mysql` feature there is no MySQL to test.
    #[cfg(not(feature = "mysql"))]
    pub fn mysql() -> Option<TestDb> {
        eprintln!("skipped: built without the mysql feature");
        None
    }

    /// A new SQLite file.
    pub fn sqlite() -> TestDb {
        let file = support::SqliteFile::new();
        let url = format!("sqlite:///{}", file.path.display());
        let parsed = file.url();
        TestDb { url, kind: Kind::Sqlite, parsed, _guard: Guard::Sqlite(file) }
    }

    /// A new PostgreSQL database; `None` (with a message) when there is no server
    /// outside CI.
    #[cfg(feature = "postgres")]
    pub fn postgres() -> Option<TestDb> {
        let db = support::pg_test_db()?;
        let mut pg = db.url.clone();
        pg.password = Some(PASSWORD.to_string());
        let url = format!(
            "postgresql://{}:{PASSWORD}@{}:{}/{}",
            pg.user.as_deref().unwrap_or("postgres"),
            pg.host.as_deref().unwrap_or("127.0.0.1"),
            pg.port.unwrap_or(5432),
            db.name
        );
        Some(TestDb {
            url,
            kind: Kind::Postgres,
            parsed: DatabaseUrl::Postgres(pg),
            _guard: Guard::Postgres(Box::new(db)),
        })
    }

    /// Without the `postgres` feature there is no PostgreSQL to test.
    #[cfg(not(feature = "postgres"))]
    pub fn postgres() -> Option<TestDb> {
        eprintln!("skipped: built without the postgres feature");
        None
    }

    /// A connection of its own.
    pub fn connect(&self) -> alembic::runtime::connection::AnyBackend {
        connect(&self.parsed).expect("connect to the test database")
    }

    /// The version table's rows, sorted; empty when the table is missing.
    pub fn rows(&self) -> Vec<String> {
        let mut db = connect(&self.parsed).expect("connect to the test database");
        let vt = VersionTable::default_for(db.dialect());
        block_on(vt.read_heads(&mut db)).expect("read the version table")
    }

    /// Whether `alembic_version` exists.
    pub fn has_version_table(&self) -> bool {
        let mut db = connect(&self.parsed).expect("connect to the test database");
        let vt = VersionTable::default_for(db.dialect());
        block_on(vt.exists(&mut db)).expect("look for the version table")
    }

    /// The rows of a query, every value as text.
    pub fn query(&self, sql: &str) -> Vec<TextRow> {
        let mut db = connect(&self.parsed).expect("connect to the test database");
        block_on(db.query_rows(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The first column of a query.
    pub fn column(&self, sql: &str) -> Vec<String> {
        self.query(sql).into_iter().filter_map(|r| r.into_iter().next().flatten()).collect()
    }

    /// Runs a statement.
    pub fn execute(&self, sql: &str) {
        let mut db = connect(&self.parsed).expect("connect to the test database");
        block_on(db.execute(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The tables whose names start with `t_`, sorted, without the prefix: the
    /// revisions whose DDL is in effect in [`History`] projects.
    pub fn revision_tables(&self) -> Vec<String> {
        let sql = match self.kind {
            Kind::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'"
            }
            Kind::Postgres => {
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 't\\_%'"
            }
            Kind::Mysql => {
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 't\\_%'"
            }
        };
        let mut names: Vec<String> =
            self.column(sql).into_iter().map(|n| n.trim_start_matches("t_").to_string()).collect();
        names.sort();
        names
    }

    /// Whether a table of that name exists (in the current schema on PostgreSQL).
    pub fn has_table(&self, name: &str) -> bool {
        let sql = match self.kind {
            Kind::Sqlite => {
                format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
            }
            Kind::Postgres => {
                format!(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = '{name}'"
                )
            }
            Kind::Mysql => format!(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{name}'"
            ),
        };
        !self.column(&sql).is_empty()
    }

    /// The URL for SQLAlchemy, naming psycopg2 (SQLAlchemy 2.1 defaults to psycopg 3)
    /// or pymysql.
    pub fn python_url(&self) -> String {
        self.url.replacen("postgresql://", "postgresql+psycopg2://", 1).replacen(
            "mysql://",
            "mysql+pymysql://",
            1,
        )
    }
}

/// One revision of a test history.
#[derive(Debug, Clone, Copy)]
pub struct Rev {
    pub id: &'static str,
    pub down: &'static [&'static str],
    pub labels: &'static [&'static str],
    pub depends_on: &'static [&'static str],
}

const fn rev(id: &'static str, down: &'static [&'static str]) -> Rev {
    Rev { id, down, labels: &[], depends_on: &[] }
}

/// A branching history: a main line that splits at `b200` and merges at `e500`, and a
/// `billing` branch from its own base whose second revision depends on `b200`.
///
/// ```text
/// a100 - b200 - c300 - e500 - f600          (main)
///           \_ d400 _/
/// x700 - y800 (depends on b200)             (billing)
/// ```
pub const BRANCHING: &[Rev] = &[
    rev("a100", &[]),
    rev("b200", &["a100"]),
    rev("c300", &["b200"]),
    rev("d400", &["b200"]),
    rev("e500", &["c300", "d400"]),
    rev("f600", &["e500"]),
    Rev { id: "x700", down: &[], labels: &["billing"], depends_on: &[] },
    Rev { id: "y800", down: &["x700"], labels: &[], depends_on: &["b200"] },
];

/// Each revision's upgrade creates table `t_<id>` and its downgrade drops it.
pub fn write_history(p: &Project, revs: &[Rev]) {
    for r in revs {
        p.write_revision(&format!("{}_.toml", r.id), &toml_revision(r));
    }
}

fn quoted_list(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", "))
}

fn toml_revision(r: &Rev) -> String {
    let down = match r.down {
        [] => "\"\"".to_string(),
        [one] => format!("\"{one}\""),
        many => quoted_list(many),
    };
    format!(
        "# create t_{id}\n#\n# Revision ID: {id}\n\nrevision = \"{id}\"\ndown_revision = {down}\n\
         branch_labels = {labels}\ndepends_on = {deps}\nmessage = \"create t_{id}\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = \"t_{id}\"\n\
         columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}]\n\n\
         [[downgrade]]\nop = \"drop_table\"\ntable = \"t_{id}\"\n",
        id = r.id,
        labels = quoted_list(r.labels),
        deps = quoted_list(r.depends_on),
    )
}

/// Python Alembic (the venv of `cargo xtask test`, or `ALEMBIC_TEST_PYTHON`); `None`
/// when absent, which fails under `CI=true`.
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("ALEMBIC_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/alembic-venv/bin/python"));
    let works = Command::new(&candidate)
        .args(["-c", "import alembic, sqlalchemy, psycopg2, pymysql"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    assert!(!support::in_ci(), "Python Alembic not found at {} under CI", candidate.display());
    eprintln!("skipped: Python Alembic not found at {}", candidate.display());
    None
}

/// A Python Alembic project with the same history (same ids, same DDL) on `url`.
pub struct PyProject {
    pub dir: tempfile::TempDir,
    python: PathBuf,
}

impl PyProject {
    /// Writes `alembic.ini`, an online `env.py` and one script per revision.
    pub fn new(python: PathBuf, revs: &[Rev], url: &str) -> PyProject {
        let dir = tempfile::Builder::new().prefix("alembic-py-").tempdir().expect("temp dir");
        let versions = dir.path().join("pyalembic/versions");
        std::fs::create_dir_all(&versions).unwrap();
        // `%` is ConfigParser's interpolation character.
        let ini =
            format!("[alembic]\nscript_location = pyalembic\nsqlalchemy.url = {}\n", url.replace('%', "%%"));
        std::fs::write(dir.path().join("alembic.ini"), ini).unwrap();
        std::fs::write(dir.path().join("pyalembic/script.py.mako"), "").unwrap();
        std::fs::write(
            dir.path().join("pyalembic/env.py"),
            "from alembic import context\nfrom sqlalchemy import create_engine\n\n\
             engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n\
             with engine.connect() as connection:\n\
             \x20   context.configure(connection=connection, target_metadata=None)\n\
             \x20   with context.begin_transaction():\n\
             \x20       context.run_migrations()\n",
        )
        .unwrap();
        let py_tuple = |items: &[&str]| match items {
            [] => "None".to_string(),
            [one] => format!("'{one}'"),
            many => format!("({},)", many.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")),
        };
        for r in revs {
            let script = format!(
                "\"\"\"create t_{id}\n\nRevision ID: {id}\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
                 revision = '{id}'\ndown_revision = {down}\nbranch_labels = {labels}\ndepends_on = {deps}\n\n\
                 def upgrade():\n    op.create_table('t_{id}', sa.Column('id', sa.Integer, primary_key=True))\n\n\
                 def downgrade():\n    op.drop_table('t_{id}')\n",
                id = r.id,
                down = py_tuple(r.down),
                labels = py_tuple(r.labels),
                deps = py_tuple(r.depends_on),
            );
            std::fs::write(versions.join(format!("{}_.py", r.id)), script).unwrap();
        }
        PyProject { dir, python }
    }

    /// `python -m alembic <args>`: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(&self.python)
            .current_dir(self.dir.path())
            .args(["-m", "alembic"])
            .args(args)
            .output()
            .expect("run python alembic");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.run(args);
        assert!(ok, "python alembic {} failed:\n{stdout}{stderr}", args.join(" "));
        stdout
    }
}

/// A cargo project with the history written, every command pointed at `db`.
pub fn project_with(revs: &[Rev]) -> Project {
    let p = Project::init();
    write_history(&p, revs);
    p
}

/// `args` with `--url URL` in front, as a user would type it.
pub fn with_url<'a>(db: &'a TestDb, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--url", db.url.as_str()];
    all.extend_from_slice(args);
    all
}
