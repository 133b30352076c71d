//! Debian packages the tests use that a fresh machine may lack (the `sqlite3` shell,
//! `psql`, the `mariadb` client): installed with apt-get when missing and we are allowed to.

use std::process::Command;

use anyhow::{Result, bail};

/// (command the tests run, Debian package providing it)
const NEEDED: &[(&str, &str)] =
    &[("sqlite3", "sqlite3"), ("psql", "postgresql-client"), ("mariadb", "mariadb-client")];

/// Installs what is missing; outside CI a failure only warns (the tests that need the
/// command say so), under CI it is an error.
pub fn ensure() -> Result<()> {
    let missing: Vec<&str> = NEEDED.iter().filter(|(cmd, _)| !on_path(cmd)).map(|(_, pkg)| *pkg).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {} with apt-get", missing.join(" "));
    let root =
        Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> bool {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd.status().is_ok_and(|s| s.success())
    };
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&missing);
    let ok = apt(&install) || (apt(&["update", "-q"]) && apt(&install));
    if !ok {
        let msg =
            format!("could not install {} (apt-get install -y {})", missing.join(" "), missing.join(" "));
        if crate::is_ci() {
            bail!(msg);
        }
        eprintln!("xtask: {msg}; the tests that need them will say so");
    }
    Ok(())
}

fn on_path(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).output().is_ok_and(|o| o.status.success())
}
