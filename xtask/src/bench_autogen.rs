//! `cargo xtask bench`, autogenerate section: reflect and `check` a PostgreSQL schema
//! of 1,000 tables (10 columns, an index and a foreign key each), and the number of
//! catalog queries reflection sends.

use std::process::Command;
use std::time::{Duration, Instant};

use alembic::autogen::{CompareOptions, compare};
use alembic::dialect::Dialect;
use alembic::reflect::{ReflectOptions, reflect_counted};
use alembic::runtime::connection::{Backend, BlockingPostgres, block_on};
use alembic::url::{DatabaseUrl, PostgresUrl};
use anyhow::{Context, Result, bail};

const TABLES: usize = 1_000;

/// The schema: table `t0000` … each with a serial key, eight more columns, an index,
/// and a foreign key to the table before it.
fn schema_sql() -> String {
    let mut sql = String::new();
    for i in 0..TABLES {
        let fk = if i == 0 {
            String::new()
        } else {
            format!(",\n  parent_id INTEGER REFERENCES t{:04} (id) ON DELETE CASCADE", i - 1)
        };
        let parent = if i == 0 { ",\n  parent_id INTEGER" } else { "" };
        sql.push_str(&format!(
            "CREATE TABLE t{i:04} (\n  id SERIAL PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  \
             email VARCHAR(255),\n  score NUMERIC(10,2) DEFAULT 0,\n  active BOOLEAN NOT NULL DEFAULT true,\n  \
             created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),\n  body TEXT,\n  \
             counter BIGINT DEFAULT 0{fk}{parent}\n);\nCREATE INDEX ix_t{i:04}_name ON t{i:04} (name);\n"
        ));
    }
    sql
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

pub fn run(bin: &std::path::Path) -> Result<()> {
    println!(
        "## autogenerate: PostgreSQL schema of {TABLES} tables (10 columns, an index and a foreign key each)\n"
    );
    let server = match crate::pg::ensure() {
        Ok(url) => url,
        Err(e) => {
            println!("(skipped: {e:#})\n");
            return Ok(());
        }
    };
    let admin = match DatabaseUrl::parse(&server, std::path::Path::new("/"))? {
        DatabaseUrl::Postgres(pg) => pg,
        _ => bail!("{server} is not a PostgreSQL URL"),
    };
    let name = format!("alembic_bench_{}", std::process::id());
    let mut admin_db = BlockingPostgres::connect(&admin).context("connecting to PostgreSQL")?;
    block_on(admin_db.execute(&format!("CREATE DATABASE \"{name}\"")))?;
    let url = PostgresUrl { dbname: Some(name.clone()), ..admin.clone() };
    let result = measure(bin, &url);
    drop(admin_db);
    let mut admin_db = BlockingPostgres::connect(&admin)?;
    block_on(admin_db.execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))?;
    result
}

fn measure(bin: &std::path::Path, url: &PostgresUrl) -> Result<()> {
    let sql = schema_sql();
    let mut db = BlockingPostgres::connect(url)?;
    block_on(db.execute_script(&sql))?;
    block_on(db.execute("ANALYZE"))?;

    let opts = ReflectOptions::default();
    // One warm-up, then the median of five.
    block_on(reflect_counted(&mut db, &opts))?;
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let reflection = block_on(reflect_counted(&mut db, &opts))?;
        times.push(start.elapsed());
        last = Some(reflection);
    }
    times.sort();
    let reflection = last.context("no reflection")?;
    if reflection.schema.tables.len() != TABLES {
        bail!("reflected {} tables, expected {TABLES}", reflection.schema.tables.len());
    }
    let start = Instant::now();
    let ops = compare(&reflection.schema, &reflection.schema, &CompareOptions::new(Dialect::Postgresql));
    let compare_time = start.elapsed();
    if !ops.is_empty() {
        bail!("a schema compared with itself gave {} ops", ops.len());
    }
    println!("reflect: {} (median of 5), {} catalog queries", ms(times[2]), reflection.queries);
    println!("compare 1,000 tables with themselves: {}", ms(compare_time));

    // `cargo alembic check` end to end: the project's target is the same schema.sql,
    // which check loads into a scratch database and reflects, then reflects the live
    // database and compares.
    let dir = std::env::temp_dir().join(format!("cargo-alembic-bench-check-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("migrations/versions"))?;
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n")?;
    std::fs::write(
        dir.join("alembic.toml"),
        "script_location = \"migrations\"\n[autogenerate]\ntarget = \"schema.sql\"\n",
    )?;
    std::fs::write(dir.join("schema.sql"), &sql)?;
    let url_text = format!("{url}");
    let check = || -> Result<Duration> {
        let mut cmd = Command::new(bin);
        cmd.args(["alembic", "--url", &url_text, "check"]).current_dir(&dir);
        let start = Instant::now();
        let out = cmd.output()?;
        let took = start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !stdout.contains("No new upgrade operations detected.") {
            bail!("check failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(took)
    };
    let first = check()?;
    let mut checks = [check()?, check()?, check()?];
    checks.sort();
    println!(
        "cargo alembic check, first run (schema.sql loaded into a scratch database: PostgreSQL's own DDL time dominates): {}",
        ms(first)
    );
    println!(
        "cargo alembic check, schema.sql unchanged (its reflection cached; live database reflected and compared): {} (median of 3)",
        ms(checks[1])
    );
    std::fs::remove_dir_all(&dir).ok();
    println!();
    Ok(())
}
