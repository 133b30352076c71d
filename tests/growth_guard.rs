//! A guard against work per revision that grows with the history (issue #15): loading
//! a history, replaying it on the schema model, rendering it offline for both dialects
//! and running it online must cost about four times as much for 4,000 revisions as for
//! 1,000. The test fails above 8x; a cost that grows with the history per revision (a
//! quadratic run) gives about 16x. (Linear work measured 5x to 6.6x here in debug
//! builds, from B-tree depth and allocator effects, so 6x failed without a fault.)
//!
//! Measured as a ratio within one run, never against a clock limit: each figure is the
//! CPU time of this thread (`CLOCK_THREAD_CPUTIME_ID`, so time the shared machine gives
//! to others does not count), the least of five runs. The online run goes to a
//! database that keeps only the version table ([`VersionOnly`]): a real one's work
//! grows with the schema (SQLite scans `sqlite_master` on each `CREATE TABLE`), and
//! even with the time inside its calls subtracted, the caches it leaves cold made our
//! own share grow 6x instead of 4x. The statements the run sends are counted instead,
//! and must grow like the history too. `cargo xtask bench --only growth` reports the
//! full figures, databases included, in release mode.

use std::path::PathBuf;
use std::time::Duration;

use alembic::dialect::Dialect;
use alembic::runtime::connection::{Backend, DbError, RowBatch, TextRow, block_on};
use alembic::runtime::migrate::{Migrator, Target};
use alembic::runtime::version_table::VersionTable;
use alembic::script::{RevisionScript, ScriptDirectory};

const SMALL: usize = 1_000;
const LARGE: usize = 4_000;
/// The most the cost may grow from `SMALL` to `LARGE` revisions (linear is 4x,
/// quadratic 16x).
const LIMIT: f64 = 8.0;
const RUNS: usize = 5;

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the struct it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn id(i: usize) -> String {
    format!("r{i:05}")
}

/// Revision `i` creates table `t_<i>`: a key, an indexed column and a foreign key to
/// the table before (so that index names and references are looked up on the way up,
/// and on the way down when each `drop_table` checks who references the table).
fn texts(n: usize) -> Vec<(PathBuf, String)> {
    (0..n)
        .map(|i| {
            let down = if i == 0 { String::new() } else { id(i - 1) };
            let parent = if i == 0 { String::new() } else { format!(", foreign_key = \"t_{}.id\"", i - 1) };
            let text = format!(
                "revision = \"{}\"\ndown_revision = \"{down}\"\nmessage = \"create t_{i}\"\n\n\
                 [[upgrade]]\nop = \"create_table\"\ntable = \"t_{i}\"\n\
                 columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, \
                 {{ name = \"name\", type = \"varchar(50)\", index = true }}, {{ name = \"parent\", type = \"integer\"{parent} }}]\n\n\
                 [[downgrade]]\nop = \"drop_table\"\ntable = \"t_{i}\"\n",
                id(i)
            );
            (PathBuf::from(format!("{}_create_t_{i}.toml", id(i))), text)
        })
        .collect()
}

/// Parses the files and builds the graph, on this thread.
fn load(texts: &[(PathBuf, String)]) -> ScriptDirectory {
    let scripts = texts.iter().map(|(path, text)| RevisionScript::parse_toml(path, text).unwrap()).collect();
    let dir = ScriptDirectory::from_scripts(scripts).unwrap();
    assert_eq!(dir.map().heads().len(), 1);
    dir
}

/// A database as far as the migration loop can tell, that keeps only the version
/// table's rows and counts the statements it is sent. On SQLite foreign keys read as
/// enforced, so the run takes the path with the per-step foreign key check.
struct VersionOnly {
    dialect: Dialect,
    heads: Vec<String>,
    created: bool,
    statements: usize,
}

/// The string literals of `sql`, in order (the ids are plain, no quotes inside).
fn literals(sql: &str) -> Vec<&str> {
    sql.split('\'').skip(1).step_by(2).collect()
}

impl Default for VersionOnly {
    fn default() -> Self {
        VersionOnly { dialect: Dialect::Sqlite, heads: Vec::new(), created: false, statements: 0 }
    }
}

impl Backend for VersionOnly {
    fn dialect(&self) -> Dialect {
        self.dialect
    }
    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        self.statements += 1;
        let values = literals(sql);
        if sql.starts_with("CREATE TABLE alembic_version") {
            self.created = true;
        } else if sql.starts_with("INSERT INTO alembic_version") {
            self.heads.push(values[0].to_string());
        } else if sql.starts_with("UPDATE alembic_version") {
            let slot = self.heads.iter_mut().find(|h| **h == values[1]).expect("updated head is a row");
            *slot = values[0].to_string();
        } else if sql.starts_with("DELETE FROM alembic_version") {
            self.heads.retain(|h| h != values[0]);
        }
        Ok(1)
    }
    async fn execute_script(&mut self, _sql: &str) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn query_rows(&mut self, sql: &str) -> Result<Vec<TextRow>, DbError> {
        self.statements += 1;
        let rows = if sql.starts_with("SELECT alembic_version.version_num") {
            self.heads.clone()
        } else if sql.starts_with("SELECT name FROM sqlite_master")
            || sql.starts_with("SELECT c.relname FROM")
        {
            // The version table's lookup (reflection's catalog queries, which select
            // more columns, find an empty database).
            if self.created { vec!["alembic_version".to_string()] } else { vec![] }
        } else if sql == "PRAGMA foreign_keys" {
            vec!["1".to_string()]
        } else {
            vec![]
        };
        Ok(rows.into_iter().map(|v| vec![Some(v)]).collect())
    }
    async fn begin(&mut self) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn commit(&mut self) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn rollback(&mut self) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn lock(&mut self, _key: &str) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn unlock(&mut self, _key: &str) -> Result<(), DbError> {
        self.statements += 1;
        Ok(())
    }
    async fn insert_rows(&mut self, _batch: RowBatch) -> Result<u64, DbError> {
        self.statements += 1;
        Ok(0)
    }
}

/// What is measured, for one history: a CPU time per entry of [`NAMES`], and the
/// statements each online run sent (SQLite, PostgreSQL).
#[derive(Debug, Clone, Copy)]
struct Costs {
    times: [Duration; NAMES.len()],
    statements: [usize; 2],
}

const NAMES: [&str; 7] = [
    "load + heads",
    "replay on the schema model",
    "upgrade --sql (PostgreSQL)",
    "upgrade --sql (SQLite)",
    "downgrade --sql to base (SQLite)",
    "online upgrade (SQLite, without the database)",
    "online upgrade (PostgreSQL, without the database)",
];

impl Costs {
    fn min(self, other: Costs) -> Costs {
        Costs {
            times: std::array::from_fn(|i| self.times[i].min(other.times[i])),
            statements: other.statements,
        }
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = thread_cpu();
    let out = f();
    (thread_cpu() - start, out)
}

fn measure(texts: &[(PathBuf, String)]) -> Costs {
    let n = texts.len();
    let (load, scripts) = timed(|| load(texts));
    let head = vec![id(n - 1)];
    let pg = Migrator::new(&scripts, VersionTable::default_for(Dialect::Postgresql), true);
    let (replay, schema) = timed(|| pg.schema_at(&head).unwrap());
    assert_eq!(schema.tables.len(), n);
    let target = Target::Upgrade("head".into());
    let offline = |migrator: &Migrator<'_>, target: &Target, start: &[String]| {
        timed(|| {
            let mut out = CountingSink(0);
            migrator.write_offline_sql(target, start, None, &mut out).unwrap();
            assert!(out.0 > n * 100, "{} bytes of SQL for {n} revisions", out.0);
        })
        .0
    };
    let offline_pg = offline(&pg, &target, &[]);
    let sqlite = Migrator::new(&scripts, VersionTable::default_for(Dialect::Sqlite), true);
    let offline_sqlite = offline(&sqlite, &target, &[]);
    let downgrade_sqlite = offline(&sqlite, &Target::Downgrade("base".into()), &head);
    let online = |migrator: &Migrator<'_>, dialect: Dialect| {
        let mut db = VersionOnly { dialect, ..VersionOnly::default() };
        let (took, heads) = timed(|| block_on(migrator.run(&mut db, &target, &mut |_| {})).unwrap());
        assert_eq!(heads, head);
        assert_eq!(db.heads, head);
        (took, db.statements)
    };
    let (online_sqlite, sqlite_statements) = online(&sqlite, Dialect::Sqlite);
    let (online_pg, pg_statements) = online(&pg, Dialect::Postgresql);
    Costs {
        times: [load, replay, offline_pg, offline_sqlite, downgrade_sqlite, online_sqlite, online_pg],
        statements: [sqlite_statements, pg_statements],
    }
}

/// Counts what is written.
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn cost_per_revision_does_not_grow_with_the_history() {
    let (small, large) = (texts(SMALL), texts(LARGE));
    let (mut a, mut b) = (measure(&small), measure(&large));
    for _ in 1..RUNS {
        // Interleaved, so that a busy moment of the machine hits both sizes alike.
        a = a.min(measure(&small));
        b = b.min(measure(&large));
    }
    let mut report = String::new();
    let mut over = Vec::new();
    for ((name, x), y) in NAMES.iter().zip(a.times).zip(b.times) {
        let growth = y.as_secs_f64() / x.as_secs_f64().max(1e-6);
        report.push_str(&format!(
            "{name}: {:.1} ms for {SMALL}, {:.1} ms for {LARGE}: x{growth:.1}\n",
            x.as_secs_f64() * 1e3,
            y.as_secs_f64() * 1e3
        ));
        if growth > LIMIT {
            over.push(name.to_string());
        }
    }
    // The same statements per step whatever the history's length, plus a few per run:
    // SQLite's BEGIN, SELECT of the heads, CREATE TABLE, CREATE INDEX, version row,
    // COMMIT; PostgreSQL without the SELECT (its advisory lock keeps the heads as the
    // last step left them). Per run, PostgreSQL's reflection at the start sends its 12
    // catalog queries and 3 session statements (jit off, the server version, jit back):
    // about 22 in all, 0.022 a step at the smaller size.
    for (i, (dialect, expected)) in [("SQLite", 6.0), ("PostgreSQL", 5.0)].into_iter().enumerate() {
        let (small, large) = (a.statements[i] as f64 / SMALL as f64, b.statements[i] as f64 / LARGE as f64);
        report.push_str(&format!(
            "statements per step online ({dialect}): {small:.3} for {SMALL}, {large:.3} for {LARGE}\n"
        ));
        if (large - expected).abs() > 0.01 || (small - expected).abs() > 0.025 {
            over.push(format!("statements per step online ({dialect}), expected {expected}"));
        }
    }
    eprint!("{report}");
    assert!(over.is_empty(), "cost grows faster than the history (limit x{LIMIT}) for {over:?}:\n{report}");
}
