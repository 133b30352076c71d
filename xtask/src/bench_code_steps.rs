//! `cargo xtask bench --only code-steps`: the data step of `examples/code-steps` (a
//! Rust function splitting `people.full_name` for 100,000 rows, inside the step's
//! transaction, between the add_column and drop_column ops) in the example's release
//! binary, embedded. The baseline is the same revision done by SQL alone in the
//! `sqlite3` shell and `psql` (one `UPDATE` with the database's string functions): the
//! ratio is what computing the split in Rust costs over it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::bench::growth::PgDatabase;

const ROWS: usize = 100_000;

/// The revision's whole upgrade as SQL, the split done by the database.
const SQLITE_BASELINE: &str = "BEGIN; \
    ALTER TABLE people ADD COLUMN first_name TEXT; ALTER TABLE people ADD COLUMN last_name TEXT; \
    UPDATE people SET first_name = substr(full_name, 1, instr(full_name, ' ') - 1), \
    last_name = substr(full_name, instr(full_name, ' ') + 1); \
    ALTER TABLE people DROP COLUMN full_name; COMMIT;";
const PG_BASELINE: &str = "BEGIN; \
    ALTER TABLE people ADD COLUMN first_name TEXT; ALTER TABLE people ADD COLUMN last_name TEXT; \
    UPDATE people SET first_name = split_part(full_name, ' ', 1), \
    last_name = substr(full_name, strpos(full_name, ' ') + 1); \
    ALTER TABLE people DROP COLUMN full_name; COMMIT;";

fn sqlite_seed() -> String {
    format!(
        "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {ROWS}) \
         INSERT INTO people (id, full_name) SELECT i, 'First' || i || ' Last' || i FROM g;"
    )
}

fn pg_seed() -> String {
    format!(
        "INSERT INTO people (id, full_name) SELECT g, 'First' || g || ' Last' || g FROM generate_series(1, {ROWS}) g"
    )
}

fn timed(cmd: &mut Command, who: &str) -> Result<Duration> {
    crate::bench::growth::run(cmd, who).map(|(wall, _, _)| wall)
}

fn sqlite3(db: &Path, sql: &str) -> Result<Duration> {
    timed(Command::new("sqlite3").arg("-bail").arg(db).arg(sql), "sqlite3")
}

fn app(bin: &Path, url: &str, args: [&str; 2]) -> Result<Duration> {
    timed(Command::new(bin).arg(url).args(args), "the code-steps example")
}

fn line(label: &str, ours: Duration, baseline: Duration, shell: &str) {
    let rate = ROWS as f64 / ours.as_secs_f64();
    println!(
        "{label:<10} code step {:>8.1} ms ({rate:>9.0} rows/s, whole upgrade step)   {shell} UPDATE {:>8.1} ms   ratio {:.2}x",
        ours.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

pub fn run() -> Result<()> {
    println!(
        "## code steps: split full_name for {ROWS} rows in Rust, in the step's transaction (release build)\n"
    );
    let example = crate::workspace_root().join("examples/code-steps");
    let target = crate::workspace_root().join("target/bench-code-steps");
    crate::run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--release"])
            .current_dir(&example)
            .env("CARGO_TARGET_DIR", &target),
    )?;
    let bin = target.join("release/code-steps");
    let dir = crate::bench::tempfile_dir("code-steps")?;

    let (ours, base) = (dir.join("ours.db"), dir.join("baseline.db"));
    let url = format!("sqlite:///{}", ours.display());
    app(&bin, &url, ["upgrade", "c0de00000001"])?;
    sqlite3(&ours, &sqlite_seed())?;
    std::fs::copy(&ours, &base)?;
    let took = app(&bin, &url, ["upgrade", "head"])?;
    let baseline = sqlite3(&base, SQLITE_BASELINE)?;
    line("SQLite", took, baseline, "sqlite3");

    match crate::pg::ensure() {
        Ok(server) => {
            let db = PgDatabase::new(&server, &format!("alembic_code_steps_{}", std::process::id()));
            let url = db.recreate()?;
            app(&bin, &url, ["upgrade", "c0de00000001"])?;
            db.psql_on(&url, &pg_seed())?;
            db.psql_on(&url, "VACUUM ANALYZE people")?;
            let took = app(&bin, &url, ["upgrade", "head"])?;
            app(&bin, &url, ["downgrade", "-1"])?;
            db.psql_on(&url, "VACUUM ANALYZE people")?;
            let start = Instant::now();
            db.psql_on(&url, PG_BASELINE)?;
            line("PostgreSQL", took, start.elapsed(), "psql");
        }
        Err(e) => println!("(no PostgreSQL server: its row is skipped: {e:#})"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!();
    Ok(())
}
