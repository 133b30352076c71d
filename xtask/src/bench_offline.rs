//! The offline section of `cargo xtask bench`: offline SQL and the schema model on
//! histories whose revisions do real work (create a table, add a column, index it,
//! add a foreign key, in turn; each downgrade undoes it).
//!
//! Timed: replaying 1,000 revisions on the schema model (in process); rendering the
//! offline downgrade SQL head→base of 1,000 and 5,000 revisions (in process, growth
//! shown); `cargo alembic downgrade <head>:base --sql` on 5,000 revision files; and,
//! where Python Alembic is set up, `alembic downgrade <head>:base --sql` on the same
//! history written as Python scripts with the equivalent `op.*` calls, as the baseline.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use alembic::dialect::Dialect;
use alembic::runtime::migrate::{Migrator, Target};
use alembic::runtime::version_table::VersionTable;
use alembic::script::ScriptDirectory;
use anyhow::{Context, Result, bail};

use crate::bench::{median_run, ms, rev_id, tempfile_dir, time};

/// Revision `i` of the history: its ops as TOML, and as Python `op.*` calls.
struct Rev {
    id: String,
    down: Option<String>,
    toml: String,
    py_up: String,
    py_down: String,
}

/// A linear history of `n` revisions; every fourth creates a table `t<i>`, the next
/// three add a column to it, index a column and add a foreign key to an older table.
fn history(n: usize) -> Vec<Rev> {
    (0..n)
        .map(|i| {
            let (toml, py_up, py_down) = match i % 4 {
                // The first foreign key needs a table four revisions back.
                0 | 3 if i % 4 == 0 || i < 7 => ops_create(i),
                1 => (
                    format!(
                        "[[upgrade]]\nop = \"add_column\"\ntable = \"t{t}\"\ncolumn = {{ name = \"extra\", type = \"integer\" }}\n\n[[downgrade]]\nop = \"drop_column\"\ntable = \"t{t}\"\ncolumn = \"extra\"\n",
                        t = i - 1
                    ),
                    format!("op.add_column('t{t}', sa.Column('extra', sa.Integer()))", t = i - 1),
                    format!("op.drop_column('t{t}', 'extra')", t = i - 1),
                ),
                2 => (
                    format!(
                        "[[upgrade]]\nop = \"create_index\"\nname = \"ix_t{t}_name\"\ntable = \"t{t}\"\ncolumns = [\"name\"]\n\n[[downgrade]]\nop = \"drop_index\"\nname = \"ix_t{t}_name\"\ntable = \"t{t}\"\n",
                        t = i - 2
                    ),
                    format!("op.create_index('ix_t{t}_name', 't{t}', ['name'])", t = i - 2),
                    format!("op.drop_index('ix_t{t}_name', table_name='t{t}')", t = i - 2),
                ),
                _ => (
                    format!(
                        "[[upgrade]]\nop = \"create_foreign_key\"\nname = \"fk_t{t}_t{r}\"\ntable = \"t{t}\"\ncolumns = [\"extra\"]\nref_table = \"t{r}\"\nref_columns = [\"id\"]\n\n[[downgrade]]\nop = \"drop_constraint\"\nname = \"fk_t{t}_t{r}\"\ntable = \"t{t}\"\ntype = \"foreignkey\"\n",
                        t = i - 3,
                        r = i - 7
                    ),
                    format!("op.create_foreign_key('fk_t{t}_t{r}', 't{t}', 't{r}', ['extra'], ['id'])", t = i - 3, r = i - 7),
                    format!("op.drop_constraint('fk_t{t}_t{r}', 't{t}', type_='foreignkey')", t = i - 3, r = i - 7),
                ),
            };
            Rev { id: rev_id(i), down: i.checked_sub(1).map(rev_id), toml, py_up, py_down }
        })
        .collect()
}

fn ops_create(i: usize) -> (String, String, String) {
    (
        format!(
            "[[upgrade]]\nop = \"create_table\"\ntable = \"t{i}\"\ncolumns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"name\", type = \"varchar(50)\", nullable = false }}, {{ name = \"body\", type = \"text\" }}]\n\n[[downgrade]]\nop = \"drop_table\"\ntable = \"t{i}\"\n"
        ),
        format!(
            "op.create_table('t{i}', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(50), nullable=False), sa.Column('body', sa.Text()))"
        ),
        format!("op.drop_table('t{i}')"),
    )
}

fn write_project(dir: &Path, revs: &[Rev]) -> Result<()> {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"bench\"\nversion = \"0.1.0\"\n")?;
    std::fs::write(
        dir.join("alembic.toml"),
        "script_location = \"migrations\"\nurl = \"postgresql://bench@localhost/bench\"\ntransaction_per_migration = false\n",
    )?;
    for r in revs {
        let down = r.down.as_deref().unwrap_or("");
        let text = format!(
            "# revision {id}\n\nrevision = \"{id}\"\ndown_revision = \"{down}\"\nmessage = \"revision {id}\"\n\n{}",
            r.toml,
            id = r.id
        );
        std::fs::write(versions.join(format!("{}_revision.toml", r.id)), text)?;
    }
    Ok(())
}

fn write_python_project(dir: &Path, revs: &[Rev]) -> Result<()> {
    let versions = dir.join("alembic/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(
        dir.join("alembic.ini"),
        "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://bench@localhost/bench\n",
    )?;
    std::fs::write(dir.join("alembic/script.py.mako"), "")?;
    // The offline half of the env.py `alembic init` writes.
    std::fs::write(
        dir.join("alembic/env.py"),
        "from alembic import context\n\
         context.configure(url=context.config.get_main_option('sqlalchemy.url'), literal_binds=True, \
         dialect_opts={'paramstyle': 'named'})\n\
         with context.begin_transaction():\n    context.run_migrations()\n",
    )?;
    for r in revs {
        let down = r.down.as_ref().map_or("None".to_string(), |d| format!("'{d}'"));
        let text = format!(
            "\"\"\"revision {id}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    {up}\n\n\ndef downgrade():\n    {dn}\n",
            id = r.id,
            up = r.py_up,
            dn = r.py_down,
        );
        std::fs::write(versions.join(format!("{}_revision.py", r.id)), text)?;
    }
    Ok(())
}

fn load(dir: &Path) -> Result<ScriptDirectory> {
    Ok(ScriptDirectory::load(&[dir.join("migrations/versions")], false)?)
}

fn median<T, E>(runs: usize, mut f: impl FnMut() -> std::result::Result<T, E>) -> Result<Duration>
where
    anyhow::Error: From<E>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(time(|| Ok(f()?))?.0);
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// Counts the `-- Running` lines of an offline run.
fn steps_of(sql: &str) -> usize {
    sql.lines().filter(|l| l.starts_with("-- Running ")).count()
}

/// Runs the offline section; `python_runs` = 0 leaves Python out.
pub fn run(bin: &Path, python_runs: usize) -> Result<()> {
    println!("## offline SQL and the schema model (release build)\n");
    let table = VersionTable::default_for(Dialect::Postgresql);

    // Replay of 1,000 revisions on the schema model.
    let dir = tempfile_dir("replay")?;
    let revs = history(1_000);
    write_project(&dir, &revs)?;
    let scripts = load(&dir)?;
    let migrator = Migrator::new(&scripts, table.clone(), false);
    let head = vec![revs[revs.len() - 1].id.clone()];
    let replay = median(7, || migrator.schema_at(&head))?;
    let tables = migrator.schema_at(&head)?.tables.len();
    println!("replay of 1000 revisions on the schema model: {} ({tables} tables), median of 7", ms(replay));

    // Offline downgrade SQL rendered in process: 1,000 and 5,000 revisions.
    let small = median(5, || migrator.offline_sql(&Target::Downgrade("base".into()), &head, None))?;
    std::fs::remove_dir_all(&dir).ok();
    let n = 5_000;
    let dir = tempfile_dir("offline")?;
    let revs = history(n);
    write_project(&dir, &revs)?;
    let head_id = revs[n - 1].id.clone();
    let scripts = load(&dir)?;
    let migrator = Migrator::new(&scripts, table, false);
    let start = vec![head_id.clone()];
    let sql = migrator.offline_sql(&Target::Downgrade("base".into()), &start, None)?;
    if steps_of(&sql) != n {
        bail!("offline downgrade has {} steps for {n} revisions", steps_of(&sql));
    }
    let large = median(5, || migrator.offline_sql(&Target::Downgrade("base".into()), &start, None))?;
    println!(
        "offline downgrade SQL head→base, in process: 1000 revisions {}, {n} revisions {} (x{:.1} for 5x the revisions; linear is about x5)",
        ms(small),
        ms(large),
        large.as_secs_f64() / small.as_secs_f64().max(1e-9)
    );

    // The whole command, files to SQL, against Python Alembic.
    let range = format!("{head_id}:base");
    let ours = median_run(
        &mut || {
            let mut c = Command::new(bin);
            c.args(["alembic", "downgrade", &range, "--sql", "--dialect", "postgresql"]).current_dir(&dir);
            c
        },
        5,
    )?;
    println!("cargo alembic downgrade {head_id}:base --sql ({n} revision files): {}, median of 5", ms(ours));
    let py = crate::workspace_root().join("target/alembic-venv/bin/alembic");
    if python_runs > 0 && py.is_file() {
        let pydir = tempfile_dir("offline-py")?;
        write_python_project(&pydir, &revs)?;
        // Each run's output is checked, so a failing Python Alembic is not timed as fast.
        let mut times = Vec::with_capacity(python_runs);
        for _ in 0..python_runs {
            let mut c = Command::new(&py);
            c.args(["downgrade", &range, "--sql"]).current_dir(&pydir);
            let (took, out) = time(|| c.output().context("running Python Alembic"))?;
            if !out.status.success() || steps_of(&String::from_utf8_lossy(&out.stdout)) != n {
                bail!("Python Alembic's offline downgrade failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            times.push(took);
        }
        times.sort();
        let theirs = times[times.len() / 2];
        println!(
            "python alembic downgrade {head_id}:base --sql (same history): {} (baseline), median of {python_runs}",
            ms(theirs)
        );
        println!("ratio: {:.1}x faster", theirs.as_secs_f64() / ours.as_secs_f64());
        std::fs::remove_dir_all(&pydir).ok();
    } else if python_runs > 0 {
        println!("(Python Alembic not set up: run `cargo xtask test` once to create target/alembic-venv)");
    }
    std::fs::remove_dir_all(&dir).ok();
    println!();
    Ok(())
}
