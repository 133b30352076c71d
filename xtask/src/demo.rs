//! `cargo xtask demo`: a new user's first session, run for real in a temporary project
//! on SQLite (no server needed): scaffold, write revisions, migrate the database up and
//! down, inspect the history, print offline SQL.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

pub fn run() -> Result<()> {
    crate::run(crate::cargo().args(["build", "--quiet", "-p", "cargo-alembic"]))?;
    let bin = crate::workspace_root().join("target/debug/cargo-alembic");
    let dir = std::env::temp_dir().join(format!("cargo-alembic-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )?;
    println!("# demo project in {}\n", dir.display());
    let step = |args: &[&str]| -> Result<String> { alembic(&bin, &dir, args) };

    step(&["init", "migrations"])?;
    let users = new_revision(&step, &["-m", "create users", "--rev-id", "a1b2c3d4e5f6"])?;
    append(
        &users,
        r#"
[[upgrade]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "varchar(100)", nullable = false },
]

[[downgrade]]
op = "drop_table"
table = "users"
"#,
    )?;
    let email = new_revision(&step, &["-m", "add email to users", "--rev-id", "b2c3d4e5f6a7"])?;
    append(
        &email,
        r#"
[[upgrade]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(255)", unique = true }

[[downgrade]]
op = "drop_column"
table = "users"
column = "email"
"#,
    )?;
    let posts = new_revision(&step, &["-m", "create posts", "--rev-id", "c3d4e5f6a7b8"])?;
    append(
        &posts,
        r#"
[[upgrade]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "user_id", type = "integer", nullable = false, foreign_key = "users.id", index = true },
  { name = "title", type = "text", nullable = false },
  { name = "created_at", type = "timestamp", server_default = "CURRENT_TIMESTAMP" },
]

[[downgrade]]
op = "drop_table"
table = "posts"
"#,
    )?;

    step(&["history", "--graph"])?;
    step(&["upgrade", "head"])?;
    step(&["current", "-v"])?;
    step(&["downgrade", "-1"])?;
    step(&["history", "-i"])?;
    step(&["upgrade", "heads"])?;
    step(&["upgrade", "b2c3d4e5f6a7:head", "--sql"])?;
    step(&["downgrade", "base"])?;
    step(&["current"])?;
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    println!("demo finished: the database went up to head, down, up and back to base.");
    Ok(())
}

/// Runs `revision` and returns the file it wrote.
fn new_revision(step: &dyn Fn(&[&str]) -> Result<String>, args: &[&str]) -> Result<std::path::PathBuf> {
    let mut full = vec!["revision"];
    full.extend(args);
    let out = step(&full)?;
    let path = out
        .trim()
        .strip_prefix("Generating ")
        .and_then(|rest| rest.strip_suffix(" ...  done"))
        .with_context(|| format!("unexpected output of revision: {out}"))?;
    Ok(path.into())
}

fn append(path: &Path, ops: &str) -> Result<()> {
    let mut text = std::fs::read_to_string(path)?;
    text.push_str(ops);
    std::fs::write(path, text)?;
    Ok(())
}

fn alembic(bin: &Path, dir: &Path, args: &[&str]) -> Result<String> {
    println!("$ cargo alembic {}", args.join(" "));
    let out =
        Command::new(bin).arg("alembic").args(args).current_dir(dir).env_remove("DATABASE_URL").output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    println!();
    if !out.status.success() {
        bail!("cargo alembic {} failed", args.join(" "));
    }
    Ok(stdout)
}
