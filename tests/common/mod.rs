//! Shared by the integration tests: temporary cargo packages with a migrations folder,
//! and running `cargo-alembic` on them as a user would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temporary cargo package; removed when dropped.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// An empty package (Cargo.toml only).
    pub fn empty() -> Project {
        let dir = tempfile::Builder::new().prefix("alembic-test-").tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .expect("write Cargo.toml");
        Project { dir }
    }

    /// A package after `cargo alembic init migrations`.
    pub fn init() -> Project {
        let p = Project::empty();
        p.ok(&["init", "migrations"]);
        p
    }

    /// [`Project::init`] whose declared schema is `schema.sql`, holding `sql`.
    pub fn with_schema_sql(sql: &str) -> Project {
        let p = Project::init();
        let config = std::fs::read_to_string(p.path().join("alembic.toml")).unwrap();
        std::fs::write(
            p.path().join("alembic.toml"),
            config.replace("target = \"env\"", "target = \"schema.sql\""),
        )
        .unwrap();
        std::fs::write(p.path().join("schema.sql"), sql).unwrap();
        p
    }

    /// A project declaring `schema.sql` = `declared` that has adopted the database at
    /// `url` as it is: `revision --from-database` (revision `rev`), then `stamp head`.
    pub fn adopting(url: &str, declared: &str, rev: &str) -> Project {
        let p = Project::with_schema_sql(declared);
        p.ok(&["--url", url, "revision", "--from-database", "-m", "baseline", "--rev-id", rev]);
        p.ok(&["--url", url, "stamp", "head"]);
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn versions(&self) -> PathBuf {
        self.path().join("migrations/versions")
    }

    /// `cargo-alembic alembic <args>` in the project folder, as cargo runs it.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = alembic_cmd();
        cmd.current_dir(self.path()).arg("alembic").args(args).env_remove("DATABASE_URL");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run cargo-alembic")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "cargo alembic {} failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts exit 1 with a single `error:` line; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "cargo alembic {} should exit 1; stderr:\n{stderr}",
            args.join(" ")
        );
        assert_error_shape(&stderr);
        stderr
    }

    /// Writes a revision file into the versions folder.
    pub fn write_revision(&self, name: &str, text: &str) -> PathBuf {
        let path = self.versions().join(name);
        std::fs::write(&path, text).expect("write revision");
        path
    }

    /// A minimal TOML revision file.
    pub fn add(&self, id: &str, down: &[&str], extra: &str) -> PathBuf {
        self.write_revision(&format!("{id}_.toml"), &revision_toml(id, down, extra))
    }
}

/// A minimal revision file's text.
pub fn revision_toml(id: &str, down: &[&str], extra: &str) -> String {
    let down = match down {
        [] => "\"\"".to_string(),
        [one] => format!("\"{one}\""),
        many => format!("[{}]", many.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(", ")),
    };
    format!("revision = \"{id}\"\ndown_revision = {down}\nmessage = \"rev {id}\"\n{extra}\n")
}

/// The `cargo-alembic` binary built by `cargo test --workspace`.
pub fn alembic_cmd() -> Command {
    let path = bin_path();
    assert!(
        path.is_file(),
        "{} is not built; run the tests with `cargo xtask test` or `cargo test --workspace`",
        path.display()
    );
    Command::new(path)
}

/// Where the `cargo-alembic` binary of this test build is.
pub fn bin_path() -> PathBuf {
    // tests run from target/<profile>/deps; the binary sits in target/<profile>.
    let exe = std::env::current_exe().expect("test exe path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    profile_dir.join(format!("cargo-alembic{}", std::env::consts::EXE_SUFFIX))
}

/// A failure prints one `error: …` line first, no panic and no backtrace.
pub fn assert_error_shape(stderr: &str) {
    assert!(stderr.starts_with("error: "), "stderr should start with `error: `:\n{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "panic:\n{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "one error line:\n{stderr}");
}

/// A cargo package name for the current test (`<prefix>_<test name>`). Cargo names a
/// package's build outputs by its name and its path within its workspace, which is the
/// same for every temporary package of the same layout: packages of tests that share a
/// target folder need names of their own, or one test may run another's build. Named
/// after the test rather than made random, the outputs are reused from run to run.
pub fn test_package_name(prefix: &str) -> String {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main").rsplit("::").next().unwrap_or("main");
    let test: String =
        test.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("{prefix}_{test}")
}
