//! A short-lived PostgreSQL server that asks for passwords (`scram-sha-256` for TCP and
//! the unix socket), for the tests of password handling: the shared test server trusts
//! everyone, so it never asks.
//!
//! Started with `initdb` and `pg_ctl` (as `cargo xtask pg` does; as the `postgres` user
//! when the tests run as root) in a temporary folder, on a free port, with its socket in
//! `/tmp` (a default socket folder, so a URL without a host reaches it as libpq would).
//! One server per test binary: the test that starts it owns it, and dropping it stops the
//! server and removes the folder. Costs about a second.
//!
//! Without `initdb` the test is skipped with a message, except under `CI=true`, where
//! that, and any failure to start, fails the test.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The superuser's password.
pub const SUPERUSER_PASSWORD: &str = "su-Kq3v9Z";

/// A running password-protected server; stopped when dropped.
pub struct PasswordServer {
    /// Its TCP port on 127.0.0.1 (and the number of its socket in `/tmp`).
    pub port: u16,
    bin: PathBuf,
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl PasswordServer {
    /// Starts one; `None` (with a message) when PostgreSQL is not installed, outside CI.
    pub fn start() -> Option<PasswordServer> {
        let Some(bin) = find_pg_bin() else {
            assert!(
                !crate::support::in_ci(),
                "initdb is required under CI=true (apt-get install postgresql)"
            );
            eprintln!("skipped: initdb not found, so no password-protected PostgreSQL to test against");
            return None;
        };
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("alembic-pg-auth-").tempdir().expect("temp dir");
        let pwfile = dir.path().join("superuser-password");
        std::fs::write(&pwfile, SUPERUSER_PASSWORD).expect("write the password file");
        if as_postgres {
            run(Command::new("chown").args(["-R", "postgres"]).arg(dir.path()), "chown");
        }
        let data = dir.path().join("data");
        let mut initdb = pg_command(&bin.join("initdb"), as_postgres);
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()));
        run(&mut initdb, "initdb");
        let port = free_port();
        let server = PasswordServer { port, bin, as_postgres, dir };
        let options = format!("-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off");
        let mut start = server.pg_ctl();
        start
            .args(["-o", &options, "-l"])
            .arg(server.dir.path().join("log"))
            .args(["-w", "-t", "60", "start"]);
        let out = start.output().expect("run pg_ctl start");
        if !out.status.success() {
            let log = std::fs::read_to_string(server.dir.path().join("log")).unwrap_or_default();
            panic!("pg_ctl start failed: {}\n{log}", String::from_utf8_lossy(&out.stderr));
        }
        Some(server)
    }

    /// A superuser URL with the password, for setting things up.
    pub fn admin_url(&self) -> String {
        format!("postgresql://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = pg_command(&self.bin.join("pg_ctl"), self.as_postgres);
        cmd.arg("-D").arg(self.data());
        cmd
    }
}

impl Drop for PasswordServer {
    fn drop(&mut self) {
        let stopped = self.pg_ctl().args(["-m", "immediate", "-w", "stop"]).output();
        if !stopped.is_ok_and(|o| o.status.success()) {
            eprintln!("could not stop the test server in {}", self.data().display());
        }
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TCP port nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// `initdb` on PATH, else the newest `/usr/lib/postgresql/*/bin`.
fn find_pg_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file());
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// PostgreSQL refuses to run as root: its tools run as the `postgres` user then.
fn pg_command(program: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}
