//! `cargo xtask demo`: a new user's first session, run for real in a temporary project
//! on SQLite: scaffold, write a branching history, inspect it.

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
    step(&["revision", "-m", "create users", "--rev-id", "a1"])?;
    step(&["revision", "-m", "add email to users", "--rev-id", "b2"])?;
    step(&[
        "revision",
        "-m",
        "start the billing branch",
        "--head",
        "a1",
        "--splice",
        "--branch-label",
        "billing",
        "--rev-id",
        "c3",
    ])?;
    step(&["merge", "heads", "-m", "merge billing", "--rev-id", "d4"])?;
    step(&["heads", "-v"])?;
    step(&["branches"])?;
    step(&["history", "--graph"])?;
    step(&["show", "billing@head"])?;
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(())
}

fn alembic(bin: &Path, dir: &Path, args: &[&str]) -> Result<String> {
    println!("$ cargo alembic {}", args.join(" "));
    let out = Command::new(bin).arg("alembic").args(args).current_dir(dir).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    println!();
    if !out.status.success() {
        bail!("cargo alembic {} failed", args.join(" "));
    }
    Ok(stdout)
}
