//! `cargo xtask bench --only bulk`: a `bulk_insert` of 1,000,000 rows (three columns)
//! in one revision file: peak memory and time of `upgrade head --sql` and of online
//! `upgrade head` on SQLite and PostgreSQL, side by side with the `sqlite3` and `psql`
//! shells running the same rows (our offline SQL: one `INSERT` per row, in one
//! transaction).
//!
//! Peak memory is the child's `VmHWM` (high-water mark of its resident set), read from
//! `/proc` while it runs; the rows are held from parsing to the end, so the last
//! reading is the peak.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alembic::runtime::connection::{Backend, BlockingPostgres, block_on};
use alembic::url::{DatabaseUrl, PostgresUrl};
use anyhow::{Context, Result, bail};

/// Rows in the revision.
const ROWS: usize = 1_000_000;

/// What one run cost.
struct Cost {
    time: Duration,
    peak_kib: u64,
}

impl Cost {
    fn per_row(&self) -> String {
        format!("{:.0} B/row", self.peak_kib as f64 * 1024.0 / ROWS as f64)
    }
}

/// Runs `cmd` (stdout to `stdout`, or discarded) and measures it.
fn measure(mut cmd: Command, stdout: Option<&Path>, stdin: Option<&Path>, who: &str) -> Result<Cost> {
    cmd.stdout(match stdout {
        Some(path) => Stdio::from(std::fs::File::create(path)?),
        None => Stdio::null(),
    });
    if let Some(path) = stdin {
        cmd.stdin(Stdio::from(std::fs::File::open(path)?));
    }
    cmd.stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().with_context(|| format!("running {who}"))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let text = std::fs::read_to_string(&status_file).unwrap_or_default();
        let kib = text
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        peak_kib = peak_kib.max(kib.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(5));
    };
    let time = start.elapsed();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        bail!("{who} failed: {err}");
    }
    Ok(Cost { time, peak_kib })
}

fn write_project(dir: &Path) -> Result<()> {
    use std::io::Write;
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("alembic.toml"), "script_location = \"migrations\"\n")?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(versions.join("a1_rows.toml"))?);
    writeln!(f, "revision = \"a1\"\ndown_revision = \"\"\nmessage = \"rows\"\n")?;
    writeln!(f, "[[upgrade]]\nop = \"create_table\"\ntable = \"t\"")?;
    writeln!(
        f,
        "columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"name\", type = \"text\" }}, {{ name = \"score\", type = \"double\" }}]\n"
    )?;
    writeln!(f, "[[upgrade]]\nop = \"bulk_insert\"\ntable = \"t\"\nrows = [")?;
    for i in 0..ROWS {
        writeln!(f, "  {{ id = {i}, name = \"name-{i}\", score = {}.5 }},", i % 100)?;
    }
    writeln!(f, "]\n\n[[downgrade]]\nop = \"drop_table\"\ntable = \"t\"")?;
    Ok(())
}

fn row(what: &str, ours: &Cost, theirs: Option<(&str, &Cost)>) {
    let base = format!(
        "| {what} | {:.2} s | {} MiB ({}) |",
        ours.time.as_secs_f64(),
        ours.peak_kib / 1024,
        ours.per_row()
    );
    match theirs {
        Some((name, t)) => println!(
            "{base} {name}: {:.2} s, {} MiB | {:.2}x faster |",
            t.time.as_secs_f64(),
            t.peak_kib / 1024,
            t.time.as_secs_f64() / ours.time.as_secs_f64()
        ),
        None => println!("{base} – | – |"),
    }
}

pub fn run(bin: &Path) -> Result<()> {
    println!("## bulk_insert of {ROWS} rows in one revision\n");
    let path = std::env::temp_dir().join(format!("cargo-alembic-bench-bulk-{}", std::process::id()));
    let result = run_in(bin, &path);
    let _ = std::fs::remove_dir_all(&path);
    result
}

fn run_in(bin: &Path, dir: &Path) -> Result<()> {
    write_project(dir)?;
    let size = std::fs::metadata(dir.join("migrations/versions/a1_rows.toml"))?.len();
    println!("revision file: {} MiB\n", size / (1024 * 1024));
    println!("| run | ours: time | ours: peak memory | the shell on the same rows | ratio |");
    println!("|---|---|---|---|---|");
    let cli = |args: &[&str]| {
        let mut c = Command::new(bin);
        c.current_dir(dir).arg("alembic").args(args);
        c
    };
    // Offline, both dialects; the SQL is what the shells run.
    let lite_sql = dir.join("sqlite.sql");
    let pg_sql = dir.join("pg.sql");
    let offline =
        measure(cli(&["upgrade", "head", "--sql", "--dialect", "sqlite"]), Some(&lite_sql), None, "offline")?;
    row("`upgrade head --sql` (SQLite)", &offline, None);
    let offline_pg = measure(
        cli(&["upgrade", "head", "--sql", "--dialect", "postgresql"]),
        Some(&pg_sql),
        None,
        "offline",
    )?;
    row("`upgrade head --sql` (PostgreSQL)", &offline_pg, None);

    // Online SQLite against the sqlite3 shell running the offline SQL on a fresh file.
    let ours_db = dir.join("ours.db");
    let url = format!("sqlite:///{}", ours_db.display());
    let ours = measure(cli(&["--url", &url, "upgrade", "head"]), None, None, "online sqlite")?;
    let shell_db = dir.join("shell.db");
    let shell = Command::new("sqlite3").arg("-version").output().is_ok().then(|| {
        let mut c = Command::new("sqlite3");
        c.arg("-bail").arg(&shell_db);
        measure(c, None, Some(&lite_sql), "sqlite3")
    });
    match shell.transpose()? {
        Some(shell) => row("online `upgrade head` (SQLite)", &ours, Some(("sqlite3", &shell))),
        None => row("online `upgrade head` (SQLite)", &ours, None),
    }

    // Online PostgreSQL against psql running the offline SQL in a fresh database.
    let server = match crate::pg::ensure() {
        Ok(url) => url,
        Err(e) => {
            println!("\n(PostgreSQL skipped: {e:#})\n");
            return Ok(());
        }
    };
    let admin = match DatabaseUrl::parse(&server, Path::new("/"))? {
        DatabaseUrl::Postgres(pg) => pg,
        _ => bail!("{server} is not a PostgreSQL URL"),
    };
    let names = [
        format!("alembic_bulk_ours_{}", std::process::id()),
        format!("alembic_bulk_psql_{}", std::process::id()),
    ];
    let mut admin_db = BlockingPostgres::connect(&admin).context("connecting to PostgreSQL")?;
    for name in &names {
        block_on(admin_db.execute(&format!("CREATE DATABASE \"{name}\"")))?;
    }
    let result = (|| -> Result<()> {
        let db_url = |name: &str| PostgresUrl { dbname: Some(name.to_string()), ..admin.clone() };
        let ours_url = format!(
            "postgresql://{}@{}:{}/{}",
            admin.user.as_deref().unwrap_or("postgres"),
            admin.host.as_deref().unwrap_or("127.0.0.1"),
            admin.port.unwrap_or(5432),
            names[0]
        );
        let ours = measure(cli(&["--url", &ours_url, "upgrade", "head"]), None, None, "online postgresql")?;
        let psql_url = db_url(&names[1]);
        let mut c = Command::new("psql");
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .env("PGHOST", psql_url.host.as_deref().unwrap_or("127.0.0.1"))
            .env("PGPORT", psql_url.port.unwrap_or(5432).to_string())
            .env("PGUSER", psql_url.user.as_deref().unwrap_or("postgres"))
            .env("PGDATABASE", &names[1]);
        let psql = measure(c, None, Some(&pg_sql), "psql")?;
        row("online `upgrade head` (PostgreSQL)", &ours, Some(("psql", &psql)));
        Ok(())
    })();
    for name in &names {
        let _ = block_on(admin_db.execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")));
    }
    println!();
    result
}
