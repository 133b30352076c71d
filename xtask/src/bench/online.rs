//! The online benchmark: `cargo alembic upgrade head` over 1,000 small revisions on a
//! fresh SQLite file, against two baselines on the same history:
//!
//! - Python Alembic (`target/alembic-venv`), stub scripts with the same DDL (goal: we
//!   are at least 10x faster);
//! - the `sqlite3` shell running the very statements we run (our own `upgrade --sql`
//!   output: one `BEGIN; …; COMMIT;` per step, version-table statements included), the
//!   floor any tool has to pay for the same durable work (goal: within 1.5x).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::{ms, rev_id, tempfile_dir};

/// Number of revisions.
const N: usize = 1_000;

/// Writes the history: revision `i` of `n` creates table `t_<i>` with two columns.
pub(super) fn write_ours(dir: &Path, n: usize) -> Result<()> {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n")?;
    std::fs::write(dir.join("alembic.toml"), "script_location = \"migrations\"\n")?;
    for i in 0..n {
        let down = if i == 0 { "\"\"".to_string() } else { format!("\"{}\"", rev_id(i - 1)) };
        let text = format!(
            "# create t_{i}\n\nrevision = \"{id}\"\ndown_revision = {down}\nmessage = \"create t_{i}\"\n\n\
             [[upgrade]]\nop = \"create_table\"\ntable = \"t_{i}\"\n\
             columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"name\", type = \"varchar(50)\" }}]\n\n\
             [[downgrade]]\nop = \"drop_table\"\ntable = \"t_{i}\"\n",
            id = rev_id(i)
        );
        std::fs::write(versions.join(format!("{}_create_t_{i}.toml", rev_id(i))), text)?;
    }
    Ok(())
}

/// The same history for Python Alembic, with an online env.py as `alembic init` makes
/// it (one transaction for the run, Alembic's default).
fn write_python(dir: &Path, db: &Path) -> Result<()> {
    let versions = dir.join("alembic/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(
        dir.join("alembic.ini"),
        format!("[alembic]\nscript_location = alembic\nsqlalchemy.url = sqlite:///{}\n", db.display()),
    )?;
    std::fs::write(dir.join("alembic/script.py.mako"), "")?;
    std::fs::write(
        dir.join("alembic/env.py"),
        "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\n\
         config = context.config\n\
         connectable = engine_from_config(config.get_section(config.config_ini_section, {}), \
         prefix='sqlalchemy.', poolclass=pool.NullPool)\n\
         with connectable.connect() as connection:\n\
         \x20   context.configure(connection=connection, target_metadata=None)\n\
         \x20   with context.begin_transaction():\n\
         \x20       context.run_migrations()\n",
    )?;
    for i in 0..N {
        let down = if i == 0 { "None".to_string() } else { format!("'{}'", rev_id(i - 1)) };
        let text = format!(
            "\"\"\"create t_{i}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
             revision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\
             def upgrade():\n    op.create_table('t_{i}', sa.Column('id', sa.Integer, primary_key=True), \
             sa.Column('name', sa.String(50)))\n\n\
             def downgrade():\n    op.drop_table('t_{i}')\n",
            id = rev_id(i)
        );
        std::fs::write(versions.join(format!("{}_create_t_{i}.py", rev_id(i))), text)?;
    }
    Ok(())
}

/// Removes a SQLite file and its journal, so each run starts fresh.
pub(super) fn fresh(db: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        std::fs::remove_file(PathBuf::from(name)).ok();
    }
}

/// Checks that a run left every table and the head in the database.
fn verify(db: &Path, who: &str) -> Result<()> {
    let conn = alembic::rusqlite::Connection::open(db)?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'",
        [],
        |r| r.get(0),
    )?;
    let head: String = conn.query_row("SELECT version_num FROM alembic_version", [], |r| r.get(0))?;
    if tables != N as i64 || head != rev_id(N - 1) {
        bail!("{who} left {tables} tables at {head}, expected {N} at {}", rev_id(N - 1));
    }
    Ok(())
}

/// Rounds of the benchmark; each round runs every contender once, one after the
/// other, so that a disk or CPU shared with other work slows them alike.
const ROUNDS: usize = 5;

/// Python Alembic takes seconds per run: it runs in the first rounds only.
const PYTHON_ROUNDS: usize = 3;

/// Runs `cmd` once on a fresh database; returns how long it took.
fn timed(mut cmd: Command, db: &Path, who: &str) -> Result<Duration> {
    fresh(db);
    let start = Instant::now();
    let out = cmd.output().with_context(|| format!("running {who}"))?;
    let took = start.elapsed();
    if !out.status.success() {
        bail!(
            "{who} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    verify(db, who)?;
    Ok(took)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs the benchmark with the release binary `bin`; `python` compares with Python
/// Alembic when it is set up.
pub fn benchmark(bin: &Path, python: bool) -> Result<()> {
    println!(
        "## `cargo alembic upgrade head`: {N} revisions (one create_table each) on a fresh SQLite file\n"
    );
    let dir = tempfile_dir("online")?;
    write_ours(&dir, N)?;
    let db = dir.join("bench.db");
    let url = format!("sqlite:///{}", db.display());

    // The same statements for the sqlite3 shell: our offline output, one
    // `BEGIN; … COMMIT;` per step.
    let script = Command::new(bin)
        .args(["alembic", "--url", &url, "upgrade", "--sql", "head"])
        .current_dir(&dir)
        .output()
        .context("rendering the statements with upgrade --sql")?;
    if !script.status.success() {
        bail!("upgrade --sql failed: {}", String::from_utf8_lossy(&script.stderr));
    }
    let script_path = dir.join("upgrade.sql");
    std::fs::write(&script_path, &script.stdout)?;
    let shell = Command::new("sqlite3").arg("-version").stdout(Stdio::null()).status().is_ok();
    if !shell {
        println!("(sqlite3 shell not found: that comparison is skipped)");
    }
    let py = crate::workspace_root().join("target/alembic-venv/bin/alembic");
    let wanted = python;
    let python = python && py.is_file();
    let pydir = tempfile_dir("online-py")?;
    let pydb = pydir.join("bench.db");
    if python {
        write_python(&pydir, &pydb)?;
    }

    let (mut ours, mut shells, mut pythons) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut c = Command::new(bin);
        c.args(["alembic", "--url", &url, "-q", "upgrade", "head"]).current_dir(&dir);
        ours.push(timed(c, &db, "cargo alembic")?);
        if shell {
            let mut c = Command::new("sqlite3");
            c.arg("-bail").arg(&db).arg(format!(".read {}", script_path.display()));
            shells.push(timed(c, &db, "sqlite3")?);
        }
        if python && round < PYTHON_ROUNDS {
            let mut c = Command::new(&py);
            c.args(["-c", "alembic.ini", "upgrade", "head"]).current_dir(&pydir);
            pythons.push(timed(c, &pydb, "python alembic")?);
        }
    }
    let ours = median(ours);
    println!("cargo alembic upgrade head: {} (median of {ROUNDS})", ms(ours));
    if shell {
        let shell = median(shells);
        println!(
            "sqlite3 shell, same statements, one transaction per step: {} (median of {ROUNDS})",
            ms(shell)
        );
        print_ratio("vs the sqlite3 shell", ours, shell, "goal: within 1.5x");
    }
    if python {
        let theirs = median(pythons);
        println!("python alembic upgrade head: {} (median of {PYTHON_ROUNDS})", ms(theirs));
        print_ratio("vs Python Alembic", ours, theirs, "goal: at least 10x faster");
    } else if wanted {
        println!("(Python Alembic not set up: run `cargo xtask test` once to create target/alembic-venv)");
    }
    std::fs::remove_dir_all(&pydir).ok();
    std::fs::remove_dir_all(&dir).ok();
    println!();
    Ok(())
}

fn print_ratio(what: &str, ours: Duration, baseline: Duration, goal: &str) {
    let ratio = baseline.as_secs_f64() / ours.as_secs_f64();
    if ratio >= 1.0 {
        println!("{what}: {ratio:.2}x faster ({goal})");
    } else {
        println!("{what}: {:.2}x the time ({goal})", 1.0 / ratio);
    }
}
