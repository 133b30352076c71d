//! The first hour, as the README tells it: `cargo new`, `cargo alembic` on the PATH,
//! `init` (which adds the dependency and registers the env program behind a feature),
//! declare a table in `migrations/env.rs`, `revision --autogenerate`, `upgrade head`,
//! `check`; and the user's own `cargo build`, `cargo test` and `cargo clippy
//! --all-targets` keep working (they never build the env program).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `cargo-alembic` on a PATH of its own, as `cargo install` leaves it.
fn path_with_cargo_alembic(bin_dir: &Path) -> std::ffi::OsString {
    let exe = common::bin_path();
    std::fs::copy(&exe, bin_dir.join("cargo-alembic")).expect("copy cargo-alembic");
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

struct User {
    dir: PathBuf,
    path: std::ffi::OsString,
}

impl User {
    fn cargo(&self, args: &[&str]) -> Output {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .current_dir(&self.dir)
            .env("PATH", &self.path)
            // The env program's build shares the env-program tests' target folder, so the
            // library is compiled once for all of them.
            .env("CARGO_TARGET_DIR", workspace.join("target/env-test-target"))
            .env_remove("DATABASE_URL")
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cargo(args);
        assert!(
            out.status.success(),
            "cargo {} failed:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

const ENV_RS: &str = r#"fn main() {
    use alembic::schema::metadata::{MetaData, SqlType};
    let mut target_metadata = MetaData::new();
    target_metadata.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
    });
    alembic::env::run(target_metadata);
}
"#;

#[test]
fn from_cargo_new_to_a_migrated_database_and_a_green_cargo_test() {
    let home = tempfile::Builder::new().prefix("alembic-first-hour-").tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let mut user = User { dir: home.path().to_path_buf(), path: path_with_cargo_alembic(&bin) };
    user.ok(&["new", "--vcs", "none", "app"]);
    user.dir = home.path().join("app");
    // The workspace's lock file pins the versions already built (no registry lookup).
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(workspace.join("Cargo.lock"), user.dir.join("Cargo.lock")).unwrap();

    let out = user.ok(&["alembic", "init", "migrations"]);
    assert!(out.contains("Registering migrations/env.rs as example `alembic_env`"), "{out}");
    assert!(out.contains("Adding `alembic-migrate = "), "{out}");

    // Right after init, the user's package builds, tests and lints as before.
    user.ok(&["build"]);
    user.ok(&["test"]);
    user.ok(&["clippy", "--all-targets"]);

    std::fs::write(user.dir.join("migrations/env.rs"), ENV_RS).unwrap();
    let out = user.ok(&["alembic", "revision", "--autogenerate", "-m", "create users"]);
    assert!(out.contains("Detected create_table users"), "{out}");
    user.ok(&["alembic", "upgrade", "head"]);
    let out = user.ok(&["alembic", "check"]);
    assert!(out.contains("No new upgrade operations detected."), "{out}");
    assert!(user.dir.join("app.db").is_file());

    // The env program still never builds with the package's own commands.
    let out = user.cargo(&["test", "-v"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("alembic_env"),
        "cargo test built the env program"
    );
}
