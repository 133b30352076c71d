//! How cargo runs the binary: `cargo-alembic alembic <command>`, and also directly.

use assert_cmd::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
}

#[test]
fn cargo_passes_the_subcommand_name_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().current_dir(dir.path()).args(["alembic", "list-templates"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("generic - "));
    let direct = bin().current_dir(dir.path()).args(["list-templates"]).output().unwrap();
    assert_eq!(out.stdout, direct.stdout);
}

#[test]
fn version_and_usage_errors() {
    let out = bin().args(["alembic", "--version"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cargo-alembic "));
    let out = bin().args(["alembic", "upgrade-everything"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
