//! `cargo xtask bench --only growth`: how the cost of the main commands grows with the
//! history (issue #15). Linear histories of 1,000, 5,000 and 20,000 revisions that
//! each create one small table (the online benchmark's history), timed for:
//!
//! - `cargo alembic heads` (wall time, median of 3);
//! - `upgrade head --sql` on PostgreSQL and on SQLite (wall time, median of 3);
//! - replaying the history on the schema model, in process (`Migrator::schema_at`);
//! - online `upgrade head` on a fresh SQLite file and a fresh PostgreSQL database: the
//!   CPU time (user + system) of the process, next to the `sqlite3` shell and `psql`
//!   running the very statements we run (our own `upgrade --sql` output, one
//!   transaction per step), and sqlx-cli (`sqlx migrate run`, one migration per
//!   revision with the same DDL) when it is on `PATH`. CPU time, not wall time: commits
//!   wait for the disk, and that wait is the same for everyone.
//!
//! Growth is the 20,000 figure over the 1,000 one; linear is 20x. Online runs are
//! interleaved (ours, then each baseline) so that a load on the shared machine hits
//! them alike; they are repeated `--growth-rounds` times (default 3) below 20,000
//! revisions and run once at 20,000, where a run takes minutes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alembic::dialect::Dialect;
use alembic::runtime::migrate::Migrator;
use alembic::runtime::version_table::VersionTable;
use alembic::script::ScriptDirectory;
use anyhow::{Context, Result, bail};

use super::online::{fresh, write_ours};
use super::{rev_id, tempfile_dir};

/// Where the figures of one size go.
#[derive(Debug, Default, Clone)]
struct Row {
    heads: Duration,
    offline_pg: Duration,
    offline_sqlite: Duration,
    replay: Duration,
    sqlite_ours: Option<Usage>,
    sqlite_shell: Option<Usage>,
    pg_ours: Option<Usage>,
    pg_psql: Option<Usage>,
    pg_sqlx: Option<Usage>,
}

/// What a child process used, as `getrusage(RUSAGE_CHILDREN)` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Usage {
    /// User + system CPU time.
    cpu: Duration,
    /// Voluntary context switches (waits: for the disk, the server, another thread).
    switches: i64,
}

/// CPU time and voluntary context switches of every child waited for so far.
fn children_usage() -> Usage {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Usage { cpu: time(usage.ru_utime) + time(usage.ru_stime), switches: usage.ru_nvcsw }
}

/// Runs `cmd` to completion (failing on a non-zero exit); returns its wall time, what
/// it used and its stdout.
pub(crate) fn run(cmd: &mut Command, who: &str) -> Result<(Duration, Usage, Vec<u8>)> {
    let before = children_usage();
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("running {who}"))?;
    let wall = start.elapsed();
    let after = children_usage();
    if !out.status.success() {
        bail!(
            "{who} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let usage = Usage { cpu: after.cpu - before.cpu, switches: after.switches - before.switches };
    Ok((wall, usage, out.stdout))
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> Option<T> {
    v.sort();
    v.get(v.len() / 2).copied()
}

/// `url` (a server URL) naming the database `name` instead.
pub(super) fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let base = if rest.contains('/') { base.rsplit_once('/').map_or(base, |(b, _)| b) } else { base };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A PostgreSQL database made fresh for each run, dropped at the end.
pub(crate) struct PgDatabase {
    server: String,
    name: String,
}

impl PgDatabase {
    /// The database `name` on the server `server` (made by [`PgDatabase::recreate`]).
    pub(crate) fn new(server: &str, name: &str) -> PgDatabase {
        PgDatabase { server: server.to_string(), name: name.to_string() }
    }

    pub(crate) fn psql(&self, sql: &str) -> Result<()> {
        let mut c = Command::new("psql");
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &self.server, "-c", sql]).stdout(Stdio::null());
        run(&mut c, "psql").map(drop)
    }

    /// Runs `sql` with psql on the database `url`.
    pub(crate) fn psql_on(&self, url: &str, sql: &str) -> Result<()> {
        let mut c = Command::new("psql");
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).stdout(Stdio::null());
        run(&mut c, "psql").map(drop)
    }

    pub(crate) fn recreate(&self) -> Result<String> {
        self.psql(&format!("DROP DATABASE IF EXISTS {}", self.name))?;
        self.psql(&format!("CREATE DATABASE {}", self.name))?;
        Ok(with_database(&self.server, &self.name))
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = self.psql(&format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

/// The DDL of each step of an offline PostgreSQL script, without the version table's
/// statements and the transaction: what each sqlx migration runs.
fn step_ddl(script: &str) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for statement in script.split(";\n\n") {
        // The script's last statement ends in `;\n` only.
        let statement = statement.trim().trim_end_matches(';');
        if let Some(rest) = statement.strip_prefix("-- Running ") {
            steps.push(String::new());
            // The comment and the statement after it share a chunk.
            let Some((_, sql)) = rest.split_once('\n') else { continue };
            let sql = sql.trim();
            if !sql.is_empty()
                && let Some(step) = steps.last_mut()
            {
                step.push_str(sql);
                step.push_str(";\n");
            }
            continue;
        }
        let skip = statement.is_empty()
            || statement == "BEGIN"
            || statement == "COMMIT"
            || statement.contains("alembic_version");
        if let (false, Some(step)) = (skip, steps.last_mut()) {
            step.push_str(statement);
            step.push_str(";\n");
        }
    }
    steps
}

/// Writes the history as sqlx migrations (`<version>_<name>.sql`) under `dir`.
fn write_sqlx(dir: &Path, script: &str, n: usize) -> Result<PathBuf> {
    let folder = dir.join("sqlx-migrations");
    std::fs::create_dir_all(&folder)?;
    let steps = step_ddl(script);
    if steps.len() != n {
        bail!("found {} steps in the offline script, expected {n}", steps.len());
    }
    for (i, sql) in steps.iter().enumerate() {
        std::fs::write(folder.join(format!("{:06}_create_t_{i}.sql", i + 1)), sql)?;
    }
    Ok(folder)
}

fn on_path(program: &str) -> bool {
    Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Options of the growth section.
#[derive(Debug, Clone)]
pub(super) struct Options {
    /// History sizes, ascending.
    pub sizes: Vec<usize>,
    /// Rounds of the online runs below 20,000 revisions.
    pub rounds: usize,
}

/// Runs the growth section with the release binary `bin`.
pub(super) fn run_section(bin: &Path, options: &Options) -> Result<()> {
    println!(
        "## growth with the history: linear histories of one create_table per revision (release build)\n"
    );
    let shell = on_path("sqlite3");
    let psql = on_path("psql");
    let sqlx = on_path("sqlx");
    let server = match crate::pg::ensure() {
        Ok(url) if psql => Some(url),
        Ok(_) => {
            println!("(psql not found: the PostgreSQL online rows are skipped)");
            None
        }
        Err(e) => {
            println!("(no PostgreSQL server: the PostgreSQL online rows are skipped: {e:#})");
            None
        }
    };
    if !shell {
        println!("(sqlite3 shell not found: that baseline is skipped)");
    }
    if !sqlx {
        println!(
            "(sqlx-cli not installed: that baseline is skipped; issue #15 measured it at 0.68 ms CPU per step at 5,000 revisions)"
        );
    }
    let mut rows = Vec::new();
    for &n in &options.sizes {
        eprintln!("xtask: growth: {n} revisions");
        rows.push(measure_size(bin, n, options, shell, server.as_deref(), sqlx)?);
    }
    print_table(&options.sizes, &rows);
    Ok(())
}

fn measure_size(
    bin: &Path,
    n: usize,
    options: &Options,
    shell: bool,
    server: Option<&str>,
    sqlx: bool,
) -> Result<Row> {
    let dir = tempfile_dir(&format!("growth-{n}"))?;
    write_ours(&dir, n)?;
    let db = dir.join("bench.db");
    let sqlite_url = format!("sqlite:///{}", db.display());
    let alembic = |args: &[&str]| {
        let mut c = Command::new(bin);
        c.arg("alembic").args(args).current_dir(&dir);
        c
    };
    let mut row = Row::default();
    let wall = |args: &[&str], who: &str| -> Result<(Duration, Vec<u8>)> {
        let mut times = Vec::new();
        let mut out = Vec::new();
        for _ in 0..3 {
            let (took, _, stdout) = run(&mut alembic(args), who)?;
            times.push(took);
            out = stdout;
        }
        Ok((median(times).unwrap_or_default(), out))
    };
    row.heads = wall(&["heads"], "cargo alembic heads")?.0;
    let pg_offline_url = "postgresql://bench@localhost/bench";
    let (took, pg_script) =
        wall(&["--url", pg_offline_url, "upgrade", "head", "--sql"], "upgrade --sql (PostgreSQL)")?;
    row.offline_pg = took;
    let (took, sqlite_script) =
        wall(&["--url", &sqlite_url, "upgrade", "head", "--sql"], "upgrade --sql (SQLite)")?;
    row.offline_sqlite = took;
    let sqlite_script_path = dir.join("upgrade-sqlite.sql");
    std::fs::write(&sqlite_script_path, &sqlite_script)?;
    let pg_script_path = dir.join("upgrade-pg.sql");
    std::fs::write(&pg_script_path, &pg_script)?;

    // Replay, in process.
    let scripts = ScriptDirectory::load(&[dir.join("migrations/versions")], false)?;
    let migrator = Migrator::new(&scripts, VersionTable::default_for(Dialect::Postgresql), true);
    let head = vec![rev_id(n - 1)];
    let mut replays = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let schema = migrator.schema_at(&head)?;
        replays.push(start.elapsed());
        if schema.tables.len() != n {
            bail!("replay made {} tables, expected {n}", schema.tables.len());
        }
    }
    row.replay = median(replays).unwrap_or_default();

    let rounds = if n >= 20_000 { 1 } else { options.rounds.max(1) };
    let pg = server.map(|server| PgDatabase {
        server: server.to_string(),
        name: format!("alembic_growth_{}", std::process::id()),
    });
    let sqlx_dir = match (&pg, sqlx) {
        (Some(_), true) => Some(write_sqlx(&dir, &String::from_utf8_lossy(&pg_script), n)?),
        _ => None,
    };
    let (mut sq_ours, mut sq_shell, mut pg_ours, mut pg_psql, mut pg_sqlx) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        fresh(&db);
        sq_ours.push(
            run(
                &mut alembic(&["--url", &sqlite_url, "-q", "upgrade", "head"]),
                "cargo alembic upgrade (SQLite)",
            )?
            .1,
        );
        check_sqlite(&db, n, "cargo alembic")?;
        if shell {
            fresh(&db);
            let mut c = Command::new("sqlite3");
            c.arg("-bail").arg(&db).arg(format!(".read {}", sqlite_script_path.display()));
            sq_shell.push(run(&mut c, "sqlite3")?.1);
            check_sqlite(&db, n, "sqlite3")?;
        }
        if let Some(pg) = &pg {
            let url = pg.recreate()?;
            pg_ours.push(
                run(
                    &mut alembic(&["--url", &url, "-q", "upgrade", "head"]),
                    "cargo alembic upgrade (PostgreSQL)",
                )?
                .1,
            );
            let url = pg.recreate()?;
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-f"])
                .arg(&pg_script_path)
                .stdout(Stdio::null());
            pg_psql.push(run(&mut c, "psql")?.1);
            if let Some(folder) = &sqlx_dir {
                let url = pg.recreate()?;
                let mut c = Command::new("sqlx");
                c.args(["migrate", "run", "--database-url", &url, "--source"]).arg(folder);
                pg_sqlx.push(run(&mut c, "sqlx migrate run")?.1);
            }
        }
    }
    fresh(&db);
    row.sqlite_ours = median(sq_ours);
    row.sqlite_shell = median(sq_shell);
    row.pg_ours = median(pg_ours);
    row.pg_psql = median(pg_psql);
    row.pg_sqlx = median(pg_sqlx);
    drop(pg);
    std::fs::remove_dir_all(&dir).ok();
    Ok(row)
}

/// A run left every table and the head.
fn check_sqlite(db: &Path, n: usize, who: &str) -> Result<()> {
    let conn = alembic::rusqlite::Connection::open(db)?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'",
        [],
        |r| r.get(0),
    )?;
    let head: String = conn.query_row("SELECT version_num FROM alembic_version", [], |r| r.get(0))?;
    if tables != n as i64 || head != rev_id(n - 1) {
        bail!("{who} left {tables} tables at {head}, expected {n} at {}", rev_id(n - 1));
    }
    Ok(())
}

fn fmt_time(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 10_000.0 { format!("{:.1} s", ms / 1000.0) } else { format!("{ms:.0} ms") }
}

fn print_table(sizes: &[usize], rows: &[Row]) {
    let header: Vec<String> = sizes.iter().map(|n| format!("{n}")).collect();
    let (first, last) = (sizes.first().copied().unwrap_or(1), sizes.last().copied().unwrap_or(1));
    println!("| | {} | growth {first}→{last} |", header.join(" | "));
    println!("|---|{}---:|", "---:|".repeat(sizes.len()));
    let line = |name: &str, values: Vec<Option<Duration>>| {
        let cells: Vec<String> = values.iter().map(|v| v.map_or("–".to_string(), fmt_time)).collect();
        let growth = match (values.first().copied().flatten(), values.last().copied().flatten()) {
            (Some(a), Some(b)) if values.len() > 1 => {
                format!("{:.1}x", b.as_secs_f64() / a.as_secs_f64().max(1e-9))
            }
            _ => "–".to_string(),
        };
        println!("| {name} | {} | {growth} |", cells.join(" | "));
    };
    let cpu = |f: fn(&Row) -> Option<Usage>| rows.iter().map(|r| f(r).map(|u| u.cpu)).collect::<Vec<_>>();
    line("`heads`", rows.iter().map(|r| Some(r.heads)).collect());
    line("`upgrade --sql` (PostgreSQL)", rows.iter().map(|r| Some(r.offline_pg)).collect());
    line("`upgrade --sql` (SQLite)", rows.iter().map(|r| Some(r.offline_sqlite)).collect());
    line("replay on the schema model (in process)", rows.iter().map(|r| Some(r.replay)).collect());
    line("online `upgrade head`, SQLite, CPU", cpu(|r| r.sqlite_ours));
    line("`sqlite3` shell, same statements, CPU", cpu(|r| r.sqlite_shell));
    line("online `upgrade head`, PostgreSQL, CPU", cpu(|r| r.pg_ours));
    line("`psql`, same statements, CPU", cpu(|r| r.pg_psql));
    line("sqlx-cli `migrate run`, CPU", cpu(|r| r.pg_sqlx));
    println!("\n(wall time, median of 3, for the first four rows; CPU time is user + system)\n");

    for (n, row) in sizes.iter().zip(rows) {
        let per_step = |u: Usage| {
            format!(
                "{:.3} ms/step, {:.1} waits/step",
                u.cpu.as_secs_f64() * 1000.0 / *n as f64,
                u.switches as f64 / *n as f64
            )
        };
        let mut parts = Vec::new();
        if let Some(ours) = row.sqlite_ours {
            let mut text = format!("SQLite: ours {}", per_step(ours));
            if let Some(shell) = row.sqlite_shell {
                text.push_str(&format!(
                    ", sqlite3 {}: {:.2}x the shell's CPU (target: at most 1.2x)",
                    per_step(shell),
                    ours.cpu.as_secs_f64() / shell.cpu.as_secs_f64().max(1e-9)
                ));
            }
            parts.push(text);
        }
        if let Some(ours) = row.pg_ours {
            let mut text = format!("PostgreSQL: ours {}", per_step(ours));
            if let Some(psql) = row.pg_psql {
                text.push_str(&format!(", psql {}", per_step(psql)));
            }
            match row.pg_sqlx {
                Some(sqlx) => {
                    text.push_str(&format!(", sqlx-cli {} (target: at or below sqlx-cli)", per_step(sqlx)))
                }
                None => text.push_str(" (target: at or below sqlx-cli's 0.68 ms/step at 5,000)"),
            }
            parts.push(text);
        }
        for part in parts {
            println!("- {n} revisions, {part}");
        }
    }
    if rows.len() > 1 {
        let (a, b) = (&rows[0], &rows[rows.len() - 1]);
        let growth = |x: Duration, y: Duration| y.as_secs_f64() / x.as_secs_f64().max(1e-9);
        // 25x for 1,000 → 20,000 (issue #15): linear with a quarter to spare.
        let limit = 1.25 * (*sizes.last().unwrap_or(&1) as f64 / *sizes.first().unwrap_or(&1) as f64);
        for (what, x, y) in [
            ("offline SQL, PostgreSQL", a.offline_pg, b.offline_pg),
            ("offline SQL, SQLite", a.offline_sqlite, b.offline_sqlite),
            ("replay", a.replay, b.replay),
        ] {
            let g = growth(x, y);
            let verdict = if g < limit { "ok" } else { "OVER" };
            println!("- growth of {what}: {g:.1}x (target: under {limit:.0}x; {verdict})");
        }
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(with_database("postgresql://u@h:5432/postgres", "x"), "postgresql://u@h:5432/x");
        assert_eq!(
            with_database("postgresql://u@h/postgres?sslmode=disable", "x"),
            "postgresql://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgresql://u@h", "x"), "postgresql://u@h/x");
    }

    #[test]
    fn step_ddl_keeps_each_steps_statements() {
        let script = "BEGIN;\n\nCREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL\n);\n\n\
                      -- Running upgrade  -> a\n\nCREATE TABLE t_0 (\n    id SERIAL NOT NULL\n);\n\n\
                      INSERT INTO alembic_version (version_num) VALUES ('a');\n\n\
                      COMMIT;\n\nBEGIN;\n\n-- Running upgrade a -> b\n\nCREATE TABLE t_1 (id INT);\n\n\
                      UPDATE alembic_version SET version_num='b' WHERE alembic_version.version_num = 'a';\n\nCOMMIT;\n";
        assert_eq!(
            step_ddl(script),
            ["CREATE TABLE t_0 (\n    id SERIAL NOT NULL\n);\n", "CREATE TABLE t_1 (id INT);\n"]
        );
    }
}
