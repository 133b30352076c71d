//! `--only mysql-reflect`: reflection of a MariaDB/MySQL database of 1,000 tables (nine
//! columns, an index and a foreign key to the table before each), timed
//!
//! - in process: `alembic::reflect::reflect_counted` on a `BlockingMysql`, then
//!   `compare` of an empty target against it (what `compare_metadata` of an empty
//!   `MetaData` does), from a small binary built in release against the library with
//!   the features `cargo-alembic` has (xtask builds the library without `mysql`); it
//!   lives in `target/mysql-reflect-bench` and shares the target folder, so the
//!   dependencies of the `cargo-alembic` release build are reused;
//! - end to end: `cargo alembic revision --from-database` (connect, reflect, compare
//!   with an empty schema, write the revision file);
//! - Python: SQLAlchemy's `MetaData.reflect()` and Alembic's `compare_metadata(ctx,
//!   MetaData())` through pymysql, on one connection, statements counted with a
//!   `before_cursor_execute` listener.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use alembic::reflect::MYSQL_CATALOG_QUERIES;
use anyhow::{Context, Result, bail};

use super::{Database, Server, least, ratio, secs, speed, timed};
use crate::bench::tempfile_dir;

/// Runs of the in-process reflection.
const RUNS: usize = 5;

/// Runs of `revision --from-database`.
const CLI_RUNS: usize = 3;

/// Runs of each Python measurement.
const PYTHON_RUNS: usize = 2;

/// The schema: `t0000` … each with an auto-increment key, eight more columns, an
/// index, and (after the first) a foreign key to the table before it.
fn schema_sql(n: usize) -> String {
    let mut sql = String::from("SET foreign_key_checks = 0;\n");
    for i in 0..n {
        let fk = if i == 0 {
            String::new()
        } else {
            format!(
                ",\n  CONSTRAINT fk_t{i:04}_parent FOREIGN KEY (parent_id) REFERENCES t{:04} (id) ON DELETE CASCADE",
                i - 1
            )
        };
        sql.push_str(&format!(
            "CREATE TABLE t{i:04} (\n  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  \
             email VARCHAR(255),\n  score DECIMAL(10,2) DEFAULT 0,\n  active TINYINT(1) NOT NULL DEFAULT 1,\n  \
             created_at DATETIME DEFAULT CURRENT_TIMESTAMP,\n  body TEXT,\n  counter BIGINT DEFAULT 0,\n  \
             parent_id INT,\n  KEY ix_t{i:04}_name (name){fk}\n) ENGINE=InnoDB;\n"
        ));
    }
    sql.push_str("SET foreign_key_checks = 1;\n");
    sql
}

/// The in-process bench: `APP URL RUNS` prints, per run, `run <reflect ns> <compare
/// ns> <queries> <tables> <indexes> <foreign keys> <ops>`, then `const <MYSQL_CATALOG_QUERIES>`.
const MAIN: &str = r#"use std::time::Instant;

use alembic::autogen::{CompareOptions, compare};
use alembic::dialect::Dialect;
use alembic::reflect::{MYSQL_CATALOG_QUERIES, ReflectOptions, reflect_counted};
use alembic::runtime::connection::{BlockingMysql, block_on};
use alembic::schema::Schema;
use alembic::url::DatabaseUrl;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = match DatabaseUrl::parse(&args[1], std::path::Path::new("/")).expect("the URL") {
        DatabaseUrl::Mysql(url) => url,
        _ => panic!("not a MySQL URL"),
    };
    let runs: usize = args[2].parse().expect("the number of runs");
    let mut db = BlockingMysql::connect(&url).expect("connecting");
    let opts = ReflectOptions::default();
    let compare_opts = CompareOptions::new(Dialect::Mysql);
    for _ in 0..runs {
        let start = Instant::now();
        let reflection = block_on(reflect_counted(&mut db, &opts)).expect("reflecting");
        let reflect = start.elapsed();
        let start = Instant::now();
        let ops = compare(&Schema::new(), &reflection.schema, &compare_opts);
        let compared = start.elapsed();
        let tables = &reflection.schema.tables;
        let indexes: usize = tables.iter().map(|t| t.indexes.len()).sum();
        let fks: usize = tables.iter().map(|t| t.foreign_keys.len()).sum();
        println!(
            "run {} {} {} {} {indexes} {fks} {}",
            reflect.as_nanos(),
            compared.as_nanos(),
            reflection.queries,
            tables.len(),
            ops.len()
        );
    }
    println!("const {MYSQL_CATALOG_QUERIES}");
}
"#;

/// Python: `URL RUNS` prints `reflect <s> <statements> <tables>` per run, then
/// `compare <s> <statements> <diffs>` per run.
const PYTHON: &str = r#"import sys, time
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

url, runs = sys.argv[1], int(sys.argv[2])
engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
count = [0]

@sa.event.listens_for(engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany):
    count[0] += 1

with engine.connect() as conn:
    for _ in range(runs):
        md = sa.MetaData()
        count[0] = 0
        start = time.perf_counter()
        md.reflect(bind=conn)
        took = time.perf_counter() - start
        print("reflect", took, count[0], len(md.tables), flush=True)
    for _ in range(runs):
        count[0] = 0
        start = time.perf_counter()
        ctx = MigrationContext.configure(conn)
        diffs = compare_metadata(ctx, sa.MetaData())
        took = time.perf_counter() - start
        print("compare", took, count[0], len(diffs), flush=True)
"#;

/// One run of the in-process bench.
#[derive(Debug, Clone, Copy)]
struct Run {
    reflect: Duration,
    compare: Duration,
    queries: usize,
    tables: usize,
    indexes: usize,
    fks: usize,
    ops: usize,
}

/// Builds the in-process bench (release, the workspace's target folder); its path.
fn build_bench(cli_bin: &Path) -> Result<PathBuf> {
    let root = crate::workspace_root();
    // The folder `cargo-alembic` was built in: `<target>/release/cargo-alembic`.
    let target = cli_bin.parent().and_then(Path::parent).context("the target folder")?.to_path_buf();
    let dir = target.join("mysql-reflect-bench");
    std::fs::create_dir_all(dir.join("src"))?;
    // The features and release profile of cargo-alembic's build, so that its
    // artifacts are reused.
    let manifest = format!(
        "[package]\nname = \"mysql_reflect_bench\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
         [dependencies]\nalembic = {{ path = {ws:?}, package = \"alembic-migrate\", default-features = false, \
         features = [\"cli\", \"sqlite\", \"postgres\", \"mysql\"] }}\n\n\
         [profile.release]\ndebug = \"line-tables-only\"\n",
        ws = root.display().to_string(),
    );
    let write_if_changed = |path: PathBuf, text: &str| -> Result<()> {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(path, text)?;
        }
        Ok(())
    };
    write_if_changed(dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(dir.join("src/main.rs"), MAIN)?;
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    }
    let start = Instant::now();
    crate::run(
        crate::cargo()
            .args(["build", "--quiet", "--release"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target),
    )?;
    eprintln!("xtask: mysql-reflect: bench binary built in {:.1} s", start.elapsed().as_secs_f64());
    Ok(target.join("release").join(format!("mysql_reflect_bench{}", std::env::consts::EXE_SUFFIX)))
}

fn parse_runs(out: &str) -> Result<(Vec<Run>, usize)> {
    let mut runs = Vec::new();
    let mut constant = None;
    for line in out.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["run", numbers @ ..] if numbers.len() == 7 => {
                let n: Vec<u64> = numbers.iter().map(|f| f.parse()).collect::<Result<_, _>>()?;
                runs.push(Run {
                    reflect: Duration::from_nanos(n[0]),
                    compare: Duration::from_nanos(n[1]),
                    queries: n[2] as usize,
                    tables: n[3] as usize,
                    indexes: n[4] as usize,
                    fks: n[5] as usize,
                    ops: n[6] as usize,
                });
            }
            ["const", q] => constant = Some(q.parse()?),
            _ => bail!("unexpected output of the bench binary: {line}"),
        }
    }
    Ok((runs, constant.context("the bench binary did not print its constant")?))
}

/// Python's figures: the least time of each kind, with its statement count and
/// result size.
#[derive(Debug, Default)]
struct PythonFigures {
    reflect: Option<(Duration, usize, usize)>,
    compare: Option<(Duration, usize, usize)>,
}

fn parse_python(out: &str) -> Result<PythonFigures> {
    let mut figures = PythonFigures::default();
    for line in out.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [kind, took, statements, size] = fields.as_slice() else {
            bail!("unexpected output of the Python script: {line}");
        };
        let entry = (Duration::from_secs_f64(took.parse()?), statements.parse()?, size.parse()?);
        let slot = match *kind {
            "reflect" => &mut figures.reflect,
            "compare" => &mut figures.compare,
            _ => bail!("unexpected output of the Python script: {line}"),
        };
        if slot.is_none_or(|(best, _, _)| entry.0 < best) {
            *slot = Some(entry);
        }
    }
    Ok(figures)
}

/// Runs the benchmark with the release binary `bin`; `python`: the venv's `bin` folder.
pub(in crate::bench) fn benchmark(
    bin: &Path,
    server: &Server,
    python: Option<&Path>,
    n: usize,
) -> Result<()> {
    println!("## MariaDB/MySQL reflection: {n} tables (9 columns, an index and a foreign key each)\n");
    let db = Database::new(server, "reflect")?;
    let url = server.url_for(&db.name);

    let script = tempfile_dir("mysql-reflect")?;
    let schema_path = script.join("schema.sql");
    std::fs::write(&schema_path, schema_sql(n))?;
    let mut c = server.client(Some(&db.name));
    c.arg("--batch").arg(format!("--execute=source {}", schema_path.display()));
    let (created, _) = timed(&mut c, "creating the tables")?;
    let made = db.count(&format!(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{}'",
        db.name
    ))?;
    if made != n {
        bail!("made {made} tables, expected {n}");
    }
    println!(
        "server: {} at {}; the {n} tables made by the {} client in {}",
        server.sql(None, "SELECT VERSION()")?,
        server.shown(),
        server.client,
        secs(created.wall)
    );

    // In process.
    let bench = build_bench(bin)?;
    let (_, out) =
        timed(Command::new(&bench).arg(&url).arg(RUNS.to_string()), "the reflection bench binary")?;
    let (runs, constant) = parse_runs(&out)?;
    let first = runs.first().copied().context("no runs")?;
    let best = runs.iter().copied().min_by_key(|r| r.reflect).context("no runs")?;
    let best_compare = runs.iter().map(|r| r.compare).min().unwrap_or_default();
    for r in &runs {
        if r.tables != n || r.indexes != n || r.fks != n - 1 || r.queries != constant || r.ops != n {
            bail!(
                "a run reflected {} tables, {} indexes, {} foreign keys in {} queries, giving {} ops; expected {n}, {n}, {}, {constant} and {n}",
                r.tables,
                r.indexes,
                r.fks,
                r.queries,
                r.ops,
                n - 1
            );
        }
    }
    println!(
        "in process, reflect_counted: {} (least of {RUNS}; first run {}), {} queries sent (MYSQL_CATALOG_QUERIES = {constant}{})",
        secs(best.reflect),
        secs(first.reflect),
        best.queries,
        if constant == MYSQL_CATALOG_QUERIES { "" } else { ", NOT the constant xtask was built with" }
    );
    println!(
        "in process, compare of an empty target against it ({} drop_table ops): {:.2} ms (least of {RUNS})",
        best.ops,
        best_compare.as_secs_f64() * 1000.0
    );
    let ours_total = best.reflect + best_compare;

    // End to end: `revision --from-database`.
    let project = tempfile_dir("mysql-reflect-project")?;
    std::fs::create_dir_all(project.join("migrations/versions"))?;
    std::fs::write(project.join("Cargo.toml"), "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n")?;
    std::fs::write(project.join("alembic.toml"), "script_location = \"migrations\"\n")?;
    let mut cli = Vec::new();
    for _ in 0..CLI_RUNS {
        for entry in std::fs::read_dir(project.join("migrations/versions"))? {
            std::fs::remove_file(entry?.path())?;
        }
        let mut c = Command::new(bin);
        c.args(["alembic", "--url", &url, "revision", "--from-database", "-m", "baseline"])
            .current_dir(&project);
        let (took, out) = timed(&mut c, "cargo alembic revision --from-database")?;
        let detected = out.lines().filter(|l| l.starts_with("Detected create_table ")).count();
        if detected != n {
            let head: String = out.lines().take(20).collect::<Vec<_>>().join("\n");
            bail!("revision --from-database detected {detected} tables, expected {n}:\n{head}");
        }
        cli.push(took);
    }
    let cli = least(&cli).context("no runs")?;
    println!(
        "cargo alembic revision --from-database (connect, reflect, compare, write the file): {} (CPU {}; least of {CLI_RUNS})",
        secs(cli.wall),
        secs(cli.cpu)
    );

    if let Some(venv) = python {
        let py = script.join("reflect.py");
        std::fs::write(&py, PYTHON)?;
        let mut c = Command::new(venv.join("python"));
        c.arg(&py).arg(server.python_url_for(&db.name)).arg(PYTHON_RUNS.to_string());
        let (_, out) = timed(&mut c, "the Python reflection script")?;
        let figures = parse_python(&out)?;
        if let Some((took, statements, tables)) = figures.reflect {
            if tables != n {
                bail!("MetaData.reflect() found {tables} tables, expected {n}");
            }
            println!(
                "SQLAlchemy MetaData.reflect() (pymysql): {} (least of {PYTHON_RUNS}), {statements} statements",
                secs(took)
            );
            println!(
                "ours ÷ SQLAlchemy, reflection: {} ({})",
                ratio(best.reflect, took),
                speed(best.reflect, took)
            );
        }
        if let Some((took, statements, diffs)) = figures.compare {
            // A remove_table per table and a remove_index per index of it.
            if diffs != 2 * n {
                bail!("compare_metadata gave {diffs} diffs, expected {}", 2 * n);
            }
            println!(
                "Alembic compare_metadata(ctx, MetaData()) (pymysql): {} (least of {PYTHON_RUNS}), {statements} statements, {diffs} diffs (remove_table, remove_index)",
                secs(took)
            );
            println!(
                "ours ÷ Alembic, reflect + compare in process: {} ({}); `revision --from-database` end to end ÷ compare_metadata: {} ({})",
                ratio(ours_total, took),
                speed(ours_total, took),
                ratio(cli.wall, took),
                speed(cli.wall, took)
            );
        }
    }
    drop(db);
    std::fs::remove_dir_all(&project).ok();
    std::fs::remove_dir_all(&script).ok();
    println!();
    Ok(())
}
