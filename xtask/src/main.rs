//! Project automation, run as `cargo xtask <task>`:
//!
//! - `test`: the whole test suite as CI runs it (Python Alembic for parity tests is set
//!   up in `target/alembic-venv` when Python is there; PostgreSQL is found or started).
//! - `ci`: `cargo fmt --check`, clippy with warnings denied, then `test`.
//! - `pg`: make sure a PostgreSQL server answers; start a throwaway one if none does.
//! - `demo`: the main job on SQLite in a temporary project, no server needed.
//! - `bench`: the benchmarks (graph, CLI, online, offline, autogenerate, bulk_insert).
//! - `msrv`: the workspace's `rust-version` covers every locked dependency.

mod bench;
mod bench_autogen;
mod bench_bulk;
mod bench_code_steps;
mod bench_offline;
mod bench_plans;
mod demo;
mod msrv;
mod mysql;
mod packages;
mod pg;
mod venv;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "cargo-alembic project automation")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every test (sets up Python Alembic and PostgreSQL for the tests that use them).
    Test {
        /// Extra arguments for the test runner (after `--`).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// What CI runs: formatting, clippy, then the tests.
    Ci,
    /// Ensure a PostgreSQL server for the tests; print its URL.
    Pg,
    /// Scaffold a project in a temporary folder and run the main job on SQLite.
    Demo,
    /// Run the benchmarks and print the figures.
    Bench(bench::BenchArgs),
    /// Check that the workspace's rust-version covers every locked dependency.
    Msrv,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Test { args } => test(&args),
        Task::Ci => {
            run(cargo().args(["fmt", "--all", "--check"]))?;
            run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
            test(&[])
        }
        Task::Pg => {
            let url = pg::ensure()?;
            println!("{url}");
            Ok(())
        }
        Task::Demo => demo::run(),
        Task::Bench(args) => bench::run(args),
        Task::Msrv => msrv::run(),
    }
}

/// Runs the test suite with cargo-nextest when installed, else `cargo test`.
fn test(extra: &[String]) -> Result<()> {
    let root = workspace_root();
    packages::ensure()?;
    let mut envs: Vec<(&str, String)> = Vec::new();
    match pg::ensure() {
        Ok(url) => envs.push(("ALEMBIC_TEST_POSTGRES_URL", url)),
        Err(err) if is_ci() => return Err(err.context("PostgreSQL for the tests")),
        Err(err) => eprintln!("xtask: {err:#}; PostgreSQL tests will say they are skipped"),
    }
    match mysql::ensure() {
        Ok(url) => envs.push(("ALEMBIC_TEST_MYSQL_URL", url)),
        Err(err) if is_ci() => return Err(err.context("MySQL/MariaDB for the tests")),
        Err(err) => eprintln!("xtask: {err:#}; MySQL tests will say they are skipped"),
    }
    match venv::ensure(&root) {
        Ok(Some(python)) => envs.push(("ALEMBIC_TEST_PYTHON", python.display().to_string())),
        Ok(None) => eprintln!("xtask: python3 not found; tests comparing with Python Alembic will say so"),
        Err(err) if is_ci() => return Err(err.context("setting up Python Alembic for the parity tests")),
        Err(err) => eprintln!("xtask: Python Alembic unavailable ({err:#}); parity tests will say so"),
    }
    let nextest =
        Command::new("cargo").args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    let mut cmd = cargo();
    if nextest {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.args(extra).envs(envs);
    run(&mut cmd)
}

pub(crate) fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
