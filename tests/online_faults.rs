//! Faults and waiting, with real `cargo-alembic` processes, as a user sees them:
//!
//! - a server that accepts the connection and never answers fails within
//!   `connect_timeout`, naming the URL (without its password) and the bound;
//! - a migrator that finds another one holding the lock says so once, naming the
//!   holder, waits as long as it is held (beyond SQLite's busy timeout), and then ends
//!   at head; with `lock_timeout` it gives up with a clear error instead;
//! - SIGINT or SIGTERM in the middle of a long step rolls the step back and exits 130
//!   or 143 with `error: interrupted`; during a slow `schema.sql` target the scratch
//!   database is dropped.
//!
//! Waits are bounded generously, only to turn a hang into a failure.

mod common;
mod online_support;
mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use alembic::runtime::connection::{AnyBackend, Backend, advisory_lock_id, block_on, connect};
use alembic::runtime::version_table::VersionTable;
use alembic::url::{DatabaseUrl, Dialect};
use common::Project;
use online_support::{Kind, TestDb};

/// Far beyond what any step here takes: reaching it means a hang.
const HANG: Duration = Duration::from_secs(90);

/// The `cargo-alembic` binary next to the test executable.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join(format!("cargo-alembic{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} is not built (cargo build -p cargo-alembic)", bin.display());
    bin
}

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// A running `cargo alembic`, its output read line by line as it comes.
struct Running {
    child: Child,
    lines: Receiver<(Stream, String)>,
    stdout: String,
    stderr: String,
}

impl Running {
    fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(binary())
            .current_dir(dir)
            .arg("alembic")
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cargo-alembic");
        let (tx, lines) = mpsc::channel();
        fn pump(stream: impl Read + Send + 'static, which: Stream, tx: mpsc::Sender<(Stream, String)>) {
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send((which, line)).is_err() {
                        break;
                    }
                }
            });
        }
        pump(child.stdout.take().unwrap(), Stream::Stdout, tx.clone());
        pump(child.stderr.take().unwrap(), Stream::Stderr, tx);
        Running { child, lines, stdout: String::new(), stderr: String::new() }
    }

    fn record(&mut self, stream: Stream, line: &str) {
        let text = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        text.push_str(line);
        text.push('\n');
    }

    /// The first line of `stream` that `wanted` accepts; panics (killing the process)
    /// if none comes before [`HANG`] or the output ends.
    fn line_where(&mut self, stream: Stream, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + HANG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((from, line)) => {
                    self.record(from, &line);
                    if from == stream && wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no such line after {HANG:?}:\nstdout:\n{}stderr:\n{}", self.stdout, self.stderr);
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().unwrap();
                    panic!(
                        "ended ({status}) without such a line:\nstdout:\n{}stderr:\n{}",
                        self.stdout, self.stderr
                    );
                }
            }
        }
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` (`INT`, `TERM`) to the process.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{signal} failed");
    }

    /// Waits for the end (killing it and panicking after [`HANG`]); returns the status,
    /// stdout and stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + HANG;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running after {HANG:?}:\nstdout:\n{}stderr:\n{}", self.stdout, self.stderr);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The pipes close with the process: the rest of the output is there.
        while let Ok((from, line)) = self.lines.recv_timeout(HANG) {
            self.record(from, &line);
        }
        (status, self.stdout, self.stderr)
    }
}

/// `a1` creates `runs`; `a2` and `a3` each record themselves there.
fn short_history() -> Project {
    let p = Project::init();
    p.add(
        "a1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"runs\"\n\
         columns = [{ name = \"step\", type = \"varchar(32)\", nullable = false }]\n",
    );
    for (id, down) in [("a2", "a1"), ("a3", "a2")] {
        p.add(
            id,
            &[down],
            &format!("[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('{id}')\"\n"),
        );
    }
    p
}

/// Puts `lines` at the top of the project's alembic.toml (top-level keys).
fn configure(p: &Project, lines: &str) {
    let path = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{lines}\n{text}")).unwrap();
}

fn open(db: &TestDb) -> AnyBackend {
    let url = DatabaseUrl::parse(&db.url, Path::new("/")).unwrap();
    connect(&url).expect("connect to the test database")
}

/// The file of a SQLite test database.
fn sqlite_path(db: &TestDb) -> PathBuf {
    PathBuf::from(db.url.strip_prefix("sqlite:///").unwrap())
}

#[test]
fn connect_timeout_bounds_a_server_that_never_answers() {
    // Accepts every connection and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    let p = Project::init();
    let url = format!("postgresql://app:s3cret-pw@127.0.0.1:{port}/app?connect_timeout=1");
    let run = Running::start(p.path(), &["--url", &url, "current"]);
    let (status, _, stderr) = run.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
    common::assert_error_shape(&stderr);
    // libpq's semantics: a connect_timeout below 2 counts as 2.
    assert_eq!(
        stderr,
        format!(
            "error: could not connect to postgresql://app:***@127.0.0.1:{port}/app?connect_timeout=1: \
             no answer from the server within 2 s (connect_timeout)\n"
        )
    );
}

/// Another connection holds SQLite's write lock (`BEGIN IMMEDIATE`) while `upgrade`
/// starts: it says so once and waits, past the poll interval, then ends at head.
#[test]
fn sqlite_waits_for_the_write_lock_and_says_so() {
    let db = TestDb::sqlite();
    let p = short_history();
    p.ok(&online_support::with_url(&db, &["upgrade", "a1"]));
    let holder = alembic::rusqlite::Connection::open(sqlite_path(&db)).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let mut run = Running::start(p.path(), &["--url", &db.url, "upgrade", "head"]);
    let line = run.line_where(Stream::Stderr, |l| l.starts_with("Waiting for another migrator: "));
    let file = sqlite_path(&db).display().to_string();
    assert!(
        line.starts_with(&format!(
            "Waiting for another migrator: the database file {file} is locked for writing (since "
        )),
        "{line}"
    );
    // Past several polls (and what used to be the busy timeout in the tests' terms):
    // still waiting, not failed.
    std::thread::sleep(Duration::from_secs(3));
    assert!(run.is_running(), "the migrator gave up while the lock was held:\n{}", run.stderr);
    holder.execute_batch("ROLLBACK").unwrap();

    let (status, stdout, stderr) = run.finish();
    assert!(status.success(), "{stdout}{stderr}");
    assert_eq!(stdout, "Running upgrade a1 -> a2, rev a2\nRunning upgrade a2 -> a3, rev a3\n");
    assert_eq!(stderr.matches("Waiting for another migrator").count(), 1, "one line per wait:\n{stderr}");
    assert_eq!(db.rows(), ["a3"]);
}

#[test]
fn sqlite_lock_timeout_gives_up_with_a_clear_error() {
    let db = TestDb::sqlite();
    let p = short_history();
    configure(&p, "lock_timeout = 1");
    p.ok(&online_support::with_url(&db, &["upgrade", "a1"]));
    let holder = alembic::rusqlite::Connection::open(sqlite_path(&db)).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let (status, stdout, stderr) = Running::start(p.path(), &["--url", &db.url, "upgrade", "head"]).finish();
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    let file = sqlite_path(&db).display().to_string();
    let error = stderr.lines().last().unwrap();
    assert!(
        error.starts_with(&format!(
            "error: gave up waiting for another migrator after 1 s (lock_timeout): the database file {file} is locked for writing"
        )),
        "{stderr}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(db.rows(), ["a1"], "nothing ran");
}

/// A session holding the migration lock (the same advisory key as the code's) and its
/// backend pid.
fn hold_pg_lock(db: &TestDb) -> (AnyBackend, String) {
    let mut holder = open(db);
    let key = VersionTable::default_for(Dialect::Postgresql).lock_key();
    block_on(holder.execute(&format!("SELECT pg_advisory_lock({})", advisory_lock_id(&key)))).unwrap();
    let pid = block_on(holder.query_column("SELECT pg_backend_pid()")).unwrap().remove(0);
    (holder, pid)
}

#[test]
fn postgres_waits_for_the_advisory_lock_and_names_the_holder() {
    let Some(db) = TestDb::new(Kind::Postgres) else { return };
    let p = short_history();
    p.ok(&online_support::with_url(&db, &["upgrade", "a1"]));
    let (mut holder, pid) = hold_pg_lock(&db);

    let mut run = Running::start(p.path(), &["--url", &db.url, "upgrade", "head"]);
    let line = run.line_where(Stream::Stderr, |l| l.starts_with("Waiting for another migrator: "));
    assert!(
        line.starts_with(&format!(
            "Waiting for another migrator: PostgreSQL backend pid {pid} (application_name alembic, "
        )),
        "{line}"
    );
    assert!(line.contains("connected since "), "{line}");
    assert!(line.ends_with(") holds the migration lock"), "{line}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(run.is_running(), "the migrator did not wait:\n{}", run.stderr);
    let key = VersionTable::default_for(Dialect::Postgresql).lock_key();
    block_on(holder.execute(&format!("SELECT pg_advisory_unlock({})", advisory_lock_id(&key)))).unwrap();

    let (status, stdout, stderr) = run.finish();
    assert!(status.success(), "{stdout}{stderr}");
    assert_eq!(stdout, "Running upgrade a1 -> a2, rev a2\nRunning upgrade a2 -> a3, rev a3\n");
    assert_eq!(stderr.matches("Waiting for another migrator").count(), 1, "{stderr}");
    assert_eq!(db.rows(), ["a3"]);
}

#[test]
fn postgres_lock_timeout_gives_up_with_a_clear_error() {
    let Some(db) = TestDb::new(Kind::Postgres) else { return };
    let p = short_history();
    configure(&p, "lock_timeout = 1");
    p.ok(&online_support::with_url(&db, &["upgrade", "a1"]));
    let (_holder, pid) = hold_pg_lock(&db);

    let (status, stdout, stderr) = Running::start(p.path(), &["--url", &db.url, "upgrade", "head"]).finish();
    assert_eq!(status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    let error = stderr.lines().last().unwrap();
    assert!(
        error.starts_with(&format!(
            "error: gave up waiting for another migrator after 1 s (lock_timeout): PostgreSQL backend pid {pid} ("
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(online_support::PASSWORD), "{stderr}");
    assert_eq!(db.rows(), ["a1"], "nothing ran");
}

/// `k1` creates `runs`; `k2` records itself, creates `t_k2`, then runs a statement of
/// minutes; `k3` records itself.
fn long_step_history() -> Project {
    let p = Project::init();
    p.add(
        "k1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"runs\"\n\
         columns = [{ name = \"step\", type = \"varchar(32)\", nullable = false }]\n",
    );
    p.add(
        "k2",
        &["k1"],
        "[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('k2')\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = \"t_k2\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n\n\
         [[upgrade]]\nop = \"execute\"\npostgresql = \"SELECT pg_sleep(600)\"\n\
         sqlite = \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000000) SELECT count(*) FROM c\"\n",
    );
    p.add("k3", &["k2"], "[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO runs (step) VALUES ('k3')\"\n");
    p
}

fn signal_mid_step_rolls_back(kind: Kind, signal: &str, code: i32) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = long_step_history();
    p.ok(&online_support::with_url(&db, &["upgrade", "k1"]));
    let mut run = Running::start(p.path(), &["--url", &db.url, "upgrade", "head"]);
    run.line_where(Stream::Stdout, |l| l == "Running upgrade k1 -> k2, rev k2");
    if kind == Kind::Postgres {
        // Into the long statement, not before it.
        let deadline = Instant::now() + HANG;
        while db.column("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(600)%'").is_empty() {
            assert!(Instant::now() < deadline, "the long statement never started");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    run.signal(signal);
    let (status, stdout, stderr) = run.finish();
    assert_eq!(status.code(), Some(code), "{stdout}{stderr}");
    assert_eq!(stderr, "error: interrupted\n");
    assert_eq!(db.rows(), ["k1"], "the interrupted step is not recorded");
    assert_eq!(db.column("SELECT step FROM runs"), Vec::<String>::new(), "no trace of the interrupted step");
    assert!(!db.has_table("t_k2"), "the interrupted step's table is rolled back");
}

#[test]
fn sqlite_sigint_mid_step_rolls_back_and_exits_130() {
    signal_mid_step_rolls_back(Kind::Sqlite, "INT", 130);
}

#[test]
fn postgres_sigterm_mid_step_rolls_back_and_exits_143() {
    signal_mid_step_rolls_back(Kind::Postgres, "TERM", 143);
}

/// SIGINT while a slow `schema.sql` loads into a scratch database: exit 130 and the
/// scratch database is gone.
#[test]
fn postgres_sigint_during_a_schema_sql_load_drops_the_scratch_database() {
    let Some(db) = TestDb::new(Kind::Postgres) else { return };
    let p = Project::init();
    let config = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("target = \"env\""), "{text}");
    std::fs::write(&config, text.replace("target = \"env\"", "target = \"schema.sql\"")).unwrap();
    std::fs::write(
        p.path().join("schema.sql"),
        "CREATE TABLE users (id integer PRIMARY KEY);\nSELECT pg_sleep(600);\n",
    )
    .unwrap();

    let run = Running::start(p.path(), &["--url", &db.url, "check"]);
    let scratch = format!("alembic\\_scratch\\_{}\\_%", run.child.id());
    let deadline = Instant::now() + HANG;
    let sleeping = format!(
        "SELECT datname FROM pg_stat_activity WHERE datname LIKE '{scratch}' AND query LIKE '%pg_sleep(600)%'"
    );
    while db.column(&sleeping).is_empty() {
        assert!(Instant::now() < deadline, "the scratch load never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    run.signal("INT");
    let (status, stdout, stderr) = run.finish();
    assert_eq!(status.code(), Some(130), "{stdout}{stderr}");
    assert_eq!(stderr, "error: interrupted\n");
    let left = db.column(&format!("SELECT datname FROM pg_database WHERE datname LIKE '{scratch}'"));
    assert!(left.is_empty(), "scratch database left on the server: {left:?}");
}
