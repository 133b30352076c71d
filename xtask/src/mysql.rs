//! A MySQL/MariaDB server for the tests. Uses the one at `ALEMBIC_TEST_MYSQL_URL`
//! (default `mysql://root@127.0.0.1:3306/test`) when it answers; otherwise, where
//! `mariadb-install-db` and `mariadbd` are installed (Debian's `mariadb-server`),
//! starts a throwaway server on port 53306 that lets `root` in without a password.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The URL tests read when `ALEMBIC_TEST_MYSQL_URL` is not set.
pub const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306/test";
const THROWAWAY_PORT: u16 = 53306;

/// A URL of a server that answers.
pub fn ensure() -> Result<String> {
    let url = std::env::var("ALEMBIC_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_URL.into());
    if crate::pg::answers_at(&url, 3306) {
        return Ok(url);
    }
    let throwaway = format!("mysql://root@127.0.0.1:{THROWAWAY_PORT}/test");
    if crate::pg::answers_at(&throwaway, 3306) {
        return Ok(throwaway);
    }
    if !Path::new("/usr/sbin/mariadbd").exists() || !on_path("mariadb-install-db") {
        bail!(
            "no MySQL/MariaDB answers at {url} and mariadbd is not installed (apt-get install mariadb-server)"
        );
    }
    let data = std::env::temp_dir().join(format!("cargo-alembic-mariadb-{THROWAWAY_PORT}"));
    if !data.join("mysql").exists() {
        std::fs::create_dir_all(&data)?;
        let mut init = Command::new("mariadb-install-db");
        init.arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
        if is_root() {
            init.arg("--user=root");
        }
        crate::run(&mut init).context("mariadb-install-db")?;
    }
    let mut server = Command::new("/usr/sbin/mariadbd");
    server
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", data.join("sock").display()))
        .arg(format!("--port={THROWAWAY_PORT}"))
        .args(["--bind-address=127.0.0.1", "--skip-grant-tables", "--innodb-flush-log-at-trx-commit=0"])
        .arg(format!("--log-error={}", data.join("log").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if is_root() {
        server.arg("--user=root");
    }
    // Left running for later runs, as the throwaway PostgreSQL is.
    server.spawn().context("starting mariadbd")?;
    let start = Instant::now();
    while !crate::pg::answers_at(&throwaway, 3306) {
        if start.elapsed() > Duration::from_secs(30) {
            bail!("started MariaDB in {} but it does not answer; see its log there", data.display());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The tests make their own databases; `test` is the default URL's.
    let created = Command::new("mariadb")
        .args([
            "-uroot",
            "-h127.0.0.1",
            &format!("-P{THROWAWAY_PORT}"),
            "-e",
            "CREATE DATABASE IF NOT EXISTS test",
        ])
        .status();
    if !created.is_ok_and(|s| s.success()) {
        bail!("could not create the database test on the throwaway MariaDB");
    }
    eprintln!("xtask: started a throwaway MariaDB in {}", data.display());
    Ok(throwaway)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn on_path(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).output().is_ok_and(|o| o.status.success())
}
