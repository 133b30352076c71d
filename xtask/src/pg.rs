//! `cargo xtask pg`: a PostgreSQL server for the tests. Uses the one at
//! `ALEMBIC_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/postgres`)
//! when it answers; otherwise, where `initdb` is installed, starts a throwaway cluster
//! on port 55432 and prints its URL.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The URL tests read when `ALEMBIC_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/postgres";
const THROWAWAY_PORT: u16 = 55432;

/// A URL of a server that answers.
pub fn ensure() -> Result<String> {
    let url = std::env::var("ALEMBIC_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.into());
    if answers(&url) {
        return Ok(url);
    }
    let throwaway = format!("postgresql://postgres@127.0.0.1:{THROWAWAY_PORT}/postgres");
    if answers(&throwaway) {
        return Ok(throwaway);
    }
    let Some(bin) = find_pg_bin() else {
        bail!("no PostgreSQL answers at {url} and initdb is not installed (apt-get install postgresql)");
    };
    let data = std::env::temp_dir().join(format!("cargo-alembic-pg-{THROWAWAY_PORT}"));
    let as_postgres = is_root();
    if !data.join("PG_VERSION").exists() {
        std::fs::create_dir_all(&data)?;
        if as_postgres {
            chown_postgres(&data)?;
        }
        let mut initdb = pg_command(&bin.join("initdb"), as_postgres);
        initdb.arg("-D").arg(&data).args(["-U", "postgres", "--auth=trust", "-E", "UTF8"]);
        crate::run(&mut initdb).context("initdb")?;
    }
    let options =
        format!("-p {THROWAWAY_PORT} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", data.display());
    let mut start = pg_command(&bin.join("pg_ctl"), as_postgres);
    start.arg("-D").arg(&data).args(["-o", &options, "-l"]).arg(data.join("log")).args(["-w", "start"]);
    crate::run(&mut start).context("pg_ctl start")?;
    if !answers(&throwaway) {
        bail!("started PostgreSQL in {} but it does not answer; see its log there", data.display());
    }
    eprintln!("xtask: started a throwaway PostgreSQL in {}", data.display());
    Ok(throwaway)
}

fn answers(url: &str) -> bool {
    answers_at(url, 5432)
}

/// Whether the server of `url` accepts a TCP connection (its port, else `default_port`).
pub(crate) fn answers_at(url: &str, default_port: u16) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let hostport = if hostport.is_empty() {
        format!("127.0.0.1:{default_port}")
    } else if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:{default_port}")
    };
    hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok())
}

fn find_pg_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file());
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

/// PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
fn pg_command(program: &std::path::Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn chown_postgres(dir: &std::path::Path) -> Result<()> {
    crate::run(Command::new("chown").arg("postgres").arg(dir))
}
