//! Code steps end to end (examples/code-steps), as an application and its developer
//! run them: the embedded binary and `cargo alembic` (through the env program), on
//! SQLite and PostgreSQL. A revision adds `first_name`/`last_name`, a Rust function
//! splits `full_name` for 100,000 rows, the revision drops `full_name`; downgrade joins
//! them back with another function. A SIGKILL in the middle of the function, and a
//! function returning an error, leave the database at the previous revision with
//! `full_name` intact.

mod common;
mod example_support;
mod online_support;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use example_support::Example;
use online_support::{Kind, TestDb};

const ROWS: usize = 100_000;
const FIRST: &str = "c0de00000001";
const SECOND: &str = "c0de00000002";

/// The example, copied and built (its binary migrates with the embedded history).
struct App {
    example: Example,
    bin: PathBuf,
}

impl App {
    fn build() -> App {
        let example = Example::copy("code-steps");
        let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .arg("build")
            .current_dir(example.path())
            .env("CARGO_TARGET_DIR", example_support::target_dir())
            .output()
            .expect("run cargo build");
        assert!(out.status.success(), "the example builds:\n{}", String::from_utf8_lossy(&out.stderr));
        let bin = example_support::target_dir().join("debug").join(&example.package);
        App { example, bin }
    }

    /// The command that runs `upgrade`/`downgrade TARGET` on `db`, embedded or through
    /// `cargo alembic`.
    fn command(&self, via: Via, db: &TestDb, args: [&str; 2]) -> Command {
        match via {
            Via::Embedded => {
                let mut cmd = Command::new(&self.bin);
                cmd.arg(&db.url).args(args);
                cmd
            }
            Via::Cli => {
                let mut cmd = Command::new(common::bin_path());
                cmd.current_dir(self.example.path())
                    .args(args)
                    .env("DATABASE_URL", &db.url)
                    .env("CARGO_TARGET_DIR", example_support::target_dir());
                cmd
            }
        }
    }

    fn run(&self, via: Via, db: &TestDb, args: [&str; 2]) -> Output {
        self.command(via, db, args).output().expect("run")
    }

    fn ok(&self, via: Via, db: &TestDb, args: [&str; 2]) -> String {
        let out = self.run(via, db, args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{via:?} {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Starts `upgrade head`, waits until the data step has done half the rows, and
    /// kills the process (SIGKILL: no clean-up of any kind runs).
    fn kill_in_the_middle(&self, via: Via, db: &TestDb) {
        let marker = tempfile::NamedTempFile::new().expect("marker").into_temp_path();
        std::fs::remove_file(&marker).expect("no marker yet");
        let mut child = self
            .command(via, db, ["upgrade", "head"])
            .env("CODE_STEPS_PAUSE_AFTER", (ROWS / 2).to_string())
            .env("CODE_STEPS_PAUSE_FILE", &marker)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the upgrade");
        // The CLI may build the env program first.
        let deadline = Instant::now() + Duration::from_secs(600);
        while !Path::new(&marker).exists() {
            if let Some(status) = child.try_wait().expect("poll") {
                panic!("{via:?}: the upgrade ended ({status}) before the data step was half done");
            }
            assert!(Instant::now() < deadline, "{via:?}: the data step never got half way");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }
}

#[derive(Debug, Clone, Copy)]
enum Via {
    Embedded,
    Cli,
}

fn columns(db: &TestDb) -> Vec<String> {
    db.column(match db.kind {
        Kind::Sqlite => "SELECT name FROM pragma_table_info('people') ORDER BY cid",
        _ => {
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'people' ORDER BY ordinal_position"
        }
    })
}

fn seed(db: &TestDb) {
    db.execute(&match db.kind {
        Kind::Sqlite => format!(
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {ROWS}) \
             INSERT INTO people (id, full_name) SELECT i, 'First' || i || ' Last' || i FROM g"
        ),
        _ => format!(
            "INSERT INTO people (id, full_name) SELECT g, 'First' || g || ' Last' || g FROM generate_series(1, {ROWS}) g"
        ),
    });
}

/// The database is at the first revision, every full name as it was.
fn assert_untouched(db: &TestDb, what: &str) {
    assert_eq!(db.rows(), [FIRST], "{what}: the version table names the previous revision");
    assert_eq!(columns(db), ["id", "full_name"], "{what}: the new columns are gone, full_name is there");
    assert_eq!(
        db.column("SELECT count(*) FROM people WHERE full_name = 'First' || id || ' Last' || id"),
        [ROWS.to_string()]
    );
}

fn whole_flow(app: &App, via: Via, db: &TestDb) {
    app.ok(via, db, ["upgrade", FIRST]);
    seed(db);

    app.kill_in_the_middle(via, db);
    assert_untouched(db, &format!("{via:?} killed in the middle of the data step"));

    // A row the function cannot split: its error names revision, file, function and
    // what the function said, and nothing of the step stays.
    db.execute("INSERT INTO people (id, full_name) VALUES (100001, 'Madonna')");
    let out = app.run(via, db, ["upgrade", "head"]);
    assert_eq!(out.status.code(), Some(1), "{via:?}: a failing data step fails the command");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr.lines().last().unwrap_or_default();
    common::assert_error_shape(error);
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    for part in [
        &format!("revision {SECOND} ("),
        "0002_split_full_name.toml): upgrade op #3 (call)",
        "function `split_full_name` failed: person 100001: full name \"Madonna\" has no space",
    ] {
        assert!(error.contains(part), "{via:?}: the error says {part:?}: {error}");
    }
    db.execute("DELETE FROM people WHERE id = 100001");
    assert_untouched(db, &format!("{via:?} after the failing function"));

    let started = Instant::now();
    let printed = app.ok(via, db, ["upgrade", "head"]);
    let took = started.elapsed();
    eprintln!("{:?} {via:?}: upgrade of {ROWS} rows through the code step took {took:?}", db.kind);
    assert!(printed.contains(&format!("Running upgrade {FIRST} -> {SECOND}")), "{printed}");
    assert_eq!(db.rows(), [SECOND]);
    assert_eq!(columns(db), ["id", "first_name", "last_name"]);
    assert_eq!(
        db.column(
            "SELECT count(*) FROM people WHERE first_name = 'First' || id AND last_name = 'Last' || id"
        ),
        [ROWS.to_string()]
    );

    app.ok(via, db, ["downgrade", "-1"]);
    assert_eq!(db.rows(), [FIRST]);
    assert_eq!(columns(db), ["id", "full_name"]);
    assert_eq!(db.column("SELECT full_name FROM people WHERE id = 77"), ["First77 Last77"]);
    assert_untouched(db, &format!("{via:?} after downgrade"));
}

/// A binary that does not register a function its history calls refuses to migrate
/// before anything runs, naming revision, file and function.
fn unregistered_function_is_caught_at_start(app: &App, db: &TestDb) {
    let out = Command::new(&app.bin)
        .args([db.url.as_str(), "upgrade", "head"])
        .env("CODE_STEPS_REGISTER", "none")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    common::assert_error_shape(&stderr);
    for part in
        [&format!("revision {SECOND} (migrations/versions/0002_split_full_name.toml)"), "`split_full_name`"]
    {
        assert!(stderr.contains(part), "{stderr}");
    }
    assert!(!db.has_version_table(), "nothing ran: {stderr}");
}

/// `--sql` on this history refuses the data step by name; with the marker it writes
/// the SQL of the ops around it and a comment in its place.
fn offline_sql_names_the_code_step(app: &App, db: &TestDb) {
    let sql = app.example.run(db, &["upgrade", "head", "--sql"]);
    assert_eq!(sql.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&sql.stderr);
    common::assert_error_shape(&stderr);
    assert!(
        stderr.contains(
            "0002_split_full_name.toml): upgrade op #3 (call): code step `split_full_name` runs Rust code"
        ),
        "{stderr}"
    );
    let sql = app.example.ok(db, &["upgrade", "head", "--sql", "--code-step-markers"]);
    let marker = sql.find("-- CODE STEP NOT RUN: call split_full_name").expect("the marker");
    let drop = sql.find("DROP COLUMN full_name").expect("the drop_column after it");
    assert!(marker < drop, "{sql}");
    assert!(!db.has_version_table(), "offline SQL touches no database");
}

fn on(kind: Kind) {
    let Some(embedded_db) = TestDb::new(kind) else { return };
    let Some(cli_db) = TestDb::new(kind) else { return };
    let app = App::build();
    offline_sql_names_the_code_step(&app, &cli_db);
    unregistered_function_is_caught_at_start(&app, &embedded_db);
    whole_flow(&app, Via::Embedded, &embedded_db);
    whole_flow(&app, Via::Cli, &cli_db);
}

#[test]
fn code_steps_on_sqlite() {
    on(Kind::Sqlite);
}

#[test]
fn code_steps_on_postgres() {
    on(Kind::Postgres);
}
