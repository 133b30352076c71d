//! `--only mysql-online`: `cargo alembic upgrade head` over 1,000 revisions on a fresh
//! MariaDB/MySQL database, against two baselines on the same history:
//!
//! - the `mariadb` client running the very statements we run (our `upgrade --sql
//!   --dialect mysql` output: DDL, version-table statements included; MySQL has no
//!   transactional DDL, so no `BEGIN`/`COMMIT`) in one session: the floor any tool
//!   pays for the same work on the server;
//! - Python Alembic with pymysql, revisions with the same ops and an online env.py as
//!   `alembic init` writes it.
//!
//! The history: every fourth revision creates a table (`t_<k>`: a key, a name, a
//! timestamp with a server default and, after the first, a foreign key to the table
//! before), the three after it each add a column to that table (a nullable
//! varchar, an integer with a server default, a text). Rounds run each contender once,
//! one after the other (a load on the shared machine hits them alike); the least wall
//! time of the rounds is kept, and the CPU time (user + system) of that run is shown.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use super::{Database, Server, Timing, least, ratio, secs, speed, timed};
use crate::bench::{rev_id, tempfile_dir};

/// Rounds for ours and the client.
const ROUNDS: usize = 3;

/// Rounds Python Alembic runs in (it takes much longer).
const PYTHON_ROUNDS: usize = 2;

/// What revision `i` does.
enum Step {
    /// Creates `t_<k>`, with a foreign key to `t_<k-1>` when `k > 0`.
    Create(usize),
    /// Adds column `j` (1 to 3) to `t_<k>`.
    AddColumn(usize, usize),
}

fn step(i: usize) -> Step {
    match i % 4 {
        0 => Step::Create(i / 4),
        j => Step::AddColumn(i / 4, j),
    }
}

/// Number of tables `n` revisions create.
fn tables(n: usize) -> usize {
    n.div_ceil(4)
}

/// Columns `add_column` adds: name, our type, nullable, server default; SQLAlchemy's
/// column.
const ADDED: [(&str, &str, bool, Option<&str>, &str); 3] = [
    ("email", "varchar(255)", true, None, "sa.Column('email', sa.String(255))"),
    (
        "score",
        "integer",
        false,
        Some("0"),
        "sa.Column('score', sa.Integer, nullable=False, server_default='0')",
    ),
    ("notes", "text", true, None, "sa.Column('notes', sa.Text)"),
];

fn write_ours(dir: &Path, n: usize) -> Result<()> {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n")?;
    std::fs::write(dir.join("alembic.toml"), "script_location = \"migrations\"\n")?;
    for i in 0..n {
        let down = if i == 0 { "\"\"".to_string() } else { format!("\"{}\"", rev_id(i - 1)) };
        let (message, ops) = match step(i) {
            Step::Create(k) => {
                let (parent, fk) = if k == 0 {
                    (String::new(), String::new())
                } else {
                    (
                        "  { name = \"parent_id\", type = \"integer\" },\n".to_string(),
                        format!(
                            "foreign_keys = [{{ columns = [\"parent_id\"], ref_table = \"t_{}\", ref_columns = [\"id\"], on_delete = \"CASCADE\" }}]\n",
                            k - 1
                        ),
                    )
                };
                (
                    format!("create t_{k}"),
                    format!(
                        "[[upgrade]]\nop = \"create_table\"\ntable = \"t_{k}\"\ncolumns = [\n\
                         \x20 {{ name = \"id\", type = \"integer\", primary_key = true }},\n\
                         \x20 {{ name = \"name\", type = \"varchar(100)\", nullable = false }},\n\
                         \x20 {{ name = \"created_at\", type = \"timestamp\", nullable = false, server_default = \"CURRENT_TIMESTAMP\" }},\n\
                         {parent}]\n{fk}\n[[downgrade]]\nop = \"drop_table\"\ntable = \"t_{k}\"\n"
                    ),
                )
            }
            Step::AddColumn(k, j) => {
                let (name, ty, nullable, default, _) = ADDED[j - 1];
                let default = default.map_or(String::new(), |d| format!(", server_default = \"{d}\""));
                (
                    format!("add t_{k}.{name}"),
                    format!(
                        "[[upgrade]]\nop = \"add_column\"\ntable = \"t_{k}\"\n\
                         column = {{ name = \"{name}\", type = \"{ty}\", nullable = {nullable}{default} }}\n\n\
                         [[downgrade]]\nop = \"drop_column\"\ntable = \"t_{k}\"\ncolumn = \"{name}\"\n"
                    ),
                )
            }
        };
        let id = rev_id(i);
        let text = format!(
            "# {message}\n\nrevision = \"{id}\"\ndown_revision = {down}\nmessage = \"{message}\"\n\n{ops}"
        );
        std::fs::write(versions.join(format!("{id}_{}.toml", message.replace([' ', '.'], "_"))), text)?;
    }
    Ok(())
}

/// The same history for Python Alembic; env.py reads the URL from `BENCH_URL` (an ini
/// file would interpolate a `%` of a password).
fn write_python(dir: &Path, n: usize) -> Result<()> {
    let versions = dir.join("alembic/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("alembic.ini"), "[alembic]\nscript_location = alembic\n")?;
    std::fs::write(dir.join("alembic/script.py.mako"), "")?;
    std::fs::write(
        dir.join("alembic/env.py"),
        "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\n\n\
         connectable = create_engine(os.environ['BENCH_URL'], poolclass=pool.NullPool)\n\
         with connectable.connect() as connection:\n\
         \x20   context.configure(connection=connection, target_metadata=None)\n\
         \x20   with context.begin_transaction():\n\
         \x20       context.run_migrations()\n",
    )?;
    for i in 0..n {
        let down = if i == 0 { "None".to_string() } else { format!("'{}'", rev_id(i - 1)) };
        let (message, upgrade, downgrade) = match step(i) {
            Step::Create(k) => {
                let parent = if k == 0 {
                    String::new()
                } else {
                    format!(
                        ",\n        sa.Column('parent_id', sa.Integer, sa.ForeignKey('t_{}.id', ondelete='CASCADE'))",
                        k - 1
                    )
                };
                (
                    format!("create t_{k}"),
                    format!(
                        "op.create_table(\n        't_{k}',\n        sa.Column('id', sa.Integer, primary_key=True),\n        \
                         sa.Column('name', sa.String(100), nullable=False),\n        \
                         sa.Column('created_at', sa.DateTime, nullable=False, server_default=sa.text('CURRENT_TIMESTAMP')){parent},\n    )"
                    ),
                    format!("op.drop_table('t_{k}')"),
                )
            }
            Step::AddColumn(k, j) => {
                let (name, _, _, _, column) = ADDED[j - 1];
                (
                    format!("add t_{k}.{name}"),
                    format!("op.add_column('t_{k}', {column})"),
                    format!("op.drop_column('t_{k}', '{name}')"),
                )
            }
        };
        let id = rev_id(i);
        let text = format!(
            "\"\"\"{message}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
             revision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\
             def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    {downgrade}\n"
        );
        std::fs::write(versions.join(format!("{id}_{}.py", message.replace([' ', '.'], "_"))), text)?;
    }
    Ok(())
}

/// A run left every table, every column and the head.
fn verify(db: &Database, n: usize, who: &str) -> Result<()> {
    let schema = &db.name;
    let made = db.count(&format!(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name LIKE 't\\_%'"
    ))?;
    let columns = db.count(&format!(
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name LIKE 't\\_%'"
    ))?;
    let head = db.sql("SELECT version_num FROM alembic_version")?;
    // Three columns per table, a parent_id in all but the first, one per add_column.
    let expected_columns = 3 * tables(n) + tables(n).saturating_sub(1) + (n - tables(n));
    if made != tables(n) || columns != expected_columns || head != rev_id(n - 1) {
        bail!(
            "{who} left {made} tables, {columns} columns at {head:?}; expected {}, {expected_columns} at {}",
            tables(n),
            rev_id(n - 1)
        );
    }
    Ok(())
}

/// Runs the benchmark with the release binary `bin`; `python`: the venv's `bin` folder.
pub(in crate::bench) fn benchmark(
    bin: &Path,
    server: &Server,
    python: Option<&Path>,
    n: usize,
) -> Result<()> {
    println!(
        "## MariaDB/MySQL `cargo alembic upgrade head`: {n} revisions ({} create_table, {} add_column) on a fresh database\n",
        tables(n),
        n - tables(n)
    );
    let version = server.sql(None, "SELECT VERSION()")?;
    println!("server: {version} at {}", server.shown());
    let dir = tempfile_dir("mysql-online")?;
    write_ours(&dir, n)?;
    let db = Database::new(server, "online")?;
    let url = server.url_for(&db.name);

    // The client's statements: our offline SQL.
    let (_, script) = timed(
        Command::new(bin)
            .args(["alembic", "upgrade", "head", "--sql", "--dialect", "mysql"])
            .current_dir(&dir),
        "cargo alembic upgrade --sql --dialect mysql",
    )?;
    let script_path = dir.join("upgrade.sql");
    std::fs::write(&script_path, &script)?;
    let pydir = tempfile_dir("mysql-online-py")?;
    if python.is_some() {
        write_python(&pydir, n)?;
    }

    let (mut ours, mut client, mut pythons): (Vec<Timing>, Vec<Timing>, Vec<Timing>) =
        (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        eprintln!("xtask: mysql-online: round {}", round + 1);
        db.recreate()?;
        let mut c = Command::new(bin);
        c.args(["alembic", "--url", &url, "-q", "upgrade", "head"]).current_dir(&dir);
        ours.push(timed(&mut c, "cargo alembic upgrade head")?.0);
        verify(&db, n, "cargo alembic")?;

        db.recreate()?;
        let mut c = server.client(Some(&db.name));
        c.arg("--batch").arg(format!("--execute=source {}", script_path.display()));
        client.push(timed(&mut c, server.client)?.0);
        verify(&db, n, server.client)?;

        if let (Some(venv), true) = (python, round < PYTHON_ROUNDS) {
            db.recreate()?;
            let mut c = Command::new(venv.join("alembic"));
            c.args(["-c", "alembic.ini", "upgrade", "head"])
                .current_dir(&pydir)
                .env("BENCH_URL", server.python_url_for(&db.name));
            pythons.push(timed(&mut c, "python alembic upgrade head")?.0);
            verify(&db, n, "python alembic")?;
        }
    }
    let show = |t: Timing| format!("{} (CPU {})", secs(t.wall), secs(t.cpu));
    let ours = least(&ours).expect("rounds ran");
    let client = least(&client).expect("rounds ran");
    println!("cargo alembic upgrade head: {} (least of {ROUNDS})", show(ours));
    println!(
        "{} client, the same statements (our --sql output) in one session: {} (least of {ROUNDS})",
        server.client,
        show(client)
    );
    println!(
        "ours ÷ {} client: {} wall, {} CPU",
        server.client,
        ratio(ours.wall, client.wall),
        ratio(ours.cpu, client.cpu)
    );
    if let Some(theirs) = least(&pythons) {
        println!("python alembic upgrade head (pymysql): {} (least of {PYTHON_ROUNDS})", show(theirs));
        println!(
            "ours ÷ Python Alembic: {} wall, {} CPU ({})",
            ratio(ours.wall, theirs.wall),
            ratio(ours.cpu, theirs.cpu),
            speed(ours.wall, theirs.wall)
        );
    }
    println!(
        "per revision: ours {:.2} ms, client {:.2} ms (wall)",
        ours.wall.as_secs_f64() * 1000.0 / n as f64,
        client.wall.as_secs_f64() * 1000.0 / n as f64
    );
    drop(db);
    std::fs::remove_dir_all(&pydir).ok();
    std::fs::remove_dir_all(&dir).ok();
    println!();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_loads() {
        let dir = tempfile_dir("mysql-online-test").unwrap();
        write_ours(&dir, 9).unwrap();
        let scripts =
            alembic::script::ScriptDirectory::load(&[dir.join("migrations/versions")], false).unwrap();
        assert_eq!(scripts.map().heads(), [rev_id(8).as_str()]);
        assert_eq!(tables(9), 3);
        if std::env::var_os("KEEP_BENCH_HISTORY").is_none() {
            std::fs::remove_dir_all(&dir).ok();
        }
    }
}
