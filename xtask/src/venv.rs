//! A Python virtualenv with Alembic in `target/alembic-venv`, for the tests that compare
//! our output with Python Alembic's.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

/// The Alembic version the parity tests compare with.
const ALEMBIC: &str = "alembic==1.20.1";

/// The venv's python, creating the venv first if needed; `None` without python3.
pub fn ensure(root: &Path) -> Result<Option<PathBuf>> {
    let venv = root.join("target/alembic-venv");
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import alembic, sqlalchemy, pymysql"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ready {
        return Ok(Some(python));
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return Ok(None);
    }
    eprintln!("xtask: creating {} with {ALEMBIC}", venv.display());
    crate::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            ALEMBIC,
            "sqlalchemy",
            "psycopg2-binary",
            // MySQL/MariaDB, for the version-table interop test.
            "pymysql",
        ])
        .status()?;
    if !pip.success() {
        bail!("pip could not install {ALEMBIC}");
    }
    Ok(Some(python))
}
