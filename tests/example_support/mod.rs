//! The example projects of `examples/` as the tests use them: copied to a temporary
//! folder (path dependencies made absolute, the package renamed so that two copies
//! never share build outputs), run through `cargo alembic` with the target folder all
//! example builds share, so the library is compiled once per feature set.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use crate::online_support::TestDb;

pub const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");

/// An example project copied to a temporary folder, its path dependencies absolute.
pub struct Example {
    dir: tempfile::TempDir,
    /// The copy's package name (also its binary's name).
    pub package: String,
}

impl Example {
    pub fn copy(name: &str) -> Example {
        let source = Path::new(WORKSPACE).join("examples").join(name);
        let dir = tempfile::Builder::new().prefix(&format!("alembic-{name}-")).tempdir().expect("temp dir");
        copy_tree(&source, dir.path());
        let manifest = std::fs::read_to_string(source.join("Cargo.toml")).expect("read Cargo.toml");
        // `"../.."` and `"../../build-support"` become absolute.
        let manifest = manifest.replace("path = \"../..", &format!("path = \"{WORKSPACE}"));
        // Cargo names a package's build outputs by its name and its path relative to its
        // workspace, which is the same for every copy: a name of its own keeps two
        // copies (two tests) from sharing outputs. The library keeps its crate name.
        let unique = common::test_package_name(&name.replace('-', "_"));
        let package = format!("name = \"{name}\"");
        assert!(manifest.contains(&package), "{name}/Cargo.toml names the package {name}");
        let manifest = manifest.replacen(&package, &format!("name = \"{unique}\""), 1)
            + &format!("\n[lib]\nname = \"{}\"\npath = \"src/lib.rs\"\n", name.replace('-', "_"));
        std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write Cargo.toml");
        // The workspace's lock file pins what is built already.
        std::fs::copy(Path::new(WORKSPACE).join("Cargo.lock"), dir.path().join("Cargo.lock"))
            .expect("copy lock");
        Example { dir, package: unique }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, db: &TestDb, args: &[&str]) -> Output {
        let mut cmd = common::alembic_cmd();
        cmd.current_dir(self.path())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("CARGO_TARGET_DIR", target_dir());
        cmd.output().expect("run cargo-alembic")
    }

    pub fn ok(&self, db: &TestDb, args: &[&str]) -> String {
        let out = self.run(db, args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "cargo alembic {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Replaces `from` (which must be there) by `to` in the file `rel`.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.path().join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read example") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "target" || name == "Cargo.lock" || name.to_string_lossy().ends_with(".db") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

/// The target folder every example build shares (with tests/env_program.rs).
pub fn target_dir() -> PathBuf {
    Path::new(WORKSPACE).join("target/env-test-target")
}
