//! `cargo xtask bench --only mysql-online` and `--only mysql-reflect`: the MySQL/MariaDB
//! benchmarks, against the server at `ALEMBIC_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`; see `crate::mysql`). Each run makes its own
//! database (`alembic_bench_<pid>_<tag>`) and drops it at the end.
//!
//! - [`online`]: `upgrade head` over 1,000 revisions (one `create_table` or
//!   `add_column` each), ours against Python Alembic and the `mariadb` client running
//!   our own `upgrade --sql --dialect mysql` output in one session;
//! - [`reflect`]: reflection of 1,000 tables (columns, a foreign key, an index each):
//!   the library in process (a small release binary built against it, since xtask
//!   builds the library without its `mysql` feature), `revision --from-database` end to
//!   end, and SQLAlchemy's `MetaData.reflect()` and Alembic's `compare_metadata` with
//!   pymysql.
//!
//! `ALEMBIC_BENCH_MYSQL_N` sets both sizes (revisions, tables) for a quick trial run,
//! say `ALEMBIC_BENCH_MYSQL_N=50`.

mod online;
mod reflect;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use alembic::url::{DatabaseUrl, MysqlUrl};
use anyhow::{Context, Result, bail};

/// Runs the MySQL sections `only` selects (both when `None`); `bin` builds the
/// release `cargo-alembic`.
pub(super) fn run(only: Option<&str>, python: bool, bin: &dyn Fn() -> Result<PathBuf>) -> Result<()> {
    let online = only.is_none_or(|o| o == "mysql-online");
    let reflect = only.is_none_or(|o| o == "mysql-reflect");
    if !online && !reflect {
        return Ok(());
    }
    let server = match crate::mysql::ensure().and_then(|url| Server::new(&url)) {
        Ok(server) => server,
        Err(e) => {
            println!("## MySQL/MariaDB benchmarks\n\n(skipped: {e:#})\n");
            return Ok(());
        }
    };
    let python = python.then(python_alembic).flatten();
    if online {
        online::benchmark(&bin()?, &server, python.as_deref(), size(1_000))?;
    }
    if reflect {
        reflect::benchmark(&bin()?, &server, python.as_deref(), size(1_000))?;
    }
    Ok(())
}

/// `default`, or `ALEMBIC_BENCH_MYSQL_N` when set.
fn size(default: usize) -> usize {
    std::env::var("ALEMBIC_BENCH_MYSQL_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// The venv's `bin` folder, when Python Alembic is set up there.
fn python_alembic() -> Option<PathBuf> {
    let bin = crate::workspace_root().join("target/alembic-venv/bin");
    if bin.join("alembic").is_file() {
        Some(bin)
    } else {
        println!("(Python Alembic not set up: run `cargo xtask test` once to create target/alembic-venv)");
        None
    }
}

/// The server, its URL as given and parsed.
pub(super) struct Server {
    url: String,
    parsed: MysqlUrl,
    client: &'static str,
}

impl Server {
    fn new(url: &str) -> Result<Server> {
        let parsed = match DatabaseUrl::parse(url, Path::new("/"))? {
            DatabaseUrl::Mysql(parsed) => parsed,
            _ => bail!("{url} is not a MySQL URL"),
        };
        let client = ["mariadb", "mysql"]
            .into_iter()
            .find(|c| Command::new(c).arg("--version").stdout(Stdio::null()).status().is_ok())
            .context(
                "neither the mariadb nor the mysql client is installed (apt-get install mariadb-client)",
            )?;
        Ok(Server { url: url.to_string(), parsed, client })
    }

    /// The client, connected to the server (and to `db`), reading no option files.
    fn client(&self, db: Option<&str>) -> Command {
        let mut c = Command::new(self.client);
        c.arg("--no-defaults");
        let url = &self.parsed;
        if let Some(socket) = &url.unix_socket {
            c.arg("--protocol=SOCKET").arg(format!("--socket={socket}"));
        } else {
            c.arg("--protocol=TCP");
            c.arg(format!("--host={}", url.host.as_deref().unwrap_or("127.0.0.1")));
            c.arg(format!("--port={}", url.port.unwrap_or(3306)));
        }
        if let Some(user) = &url.user {
            c.arg(format!("--user={user}"));
        }
        if let Some(password) = &url.password {
            c.env("MYSQL_PWD", password);
        }
        c.arg("--default-character-set=utf8mb4");
        if let Some(db) = db {
            c.arg(format!("--database={db}"));
        }
        c
    }

    /// Runs `sql` with the client; returns its output (tab-separated, no headers).
    fn sql(&self, db: Option<&str>, sql: &str) -> Result<String> {
        let mut c = self.client(db);
        c.args(["-N", "-B", "-e", sql]).stdin(Stdio::null());
        let out = c.output().with_context(|| format!("running {}", self.client))?;
        if !out.status.success() {
            bail!("{} -e {sql:?} failed: {}", self.client, String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The server's URL, the password masked.
    fn shown(&self) -> String {
        alembic::url::redact(&self.url)
    }

    /// Our URL of database `db`.
    fn url_for(&self, db: &str) -> String {
        super::growth::with_database(&self.url, db)
    }

    /// SQLAlchemy's URL of database `db`, through pymysql (query parameters are ours,
    /// not pymysql's: left out).
    fn python_url_for(&self, db: &str) -> String {
        let url = self.url_for(db);
        let url = url.split_once('?').map_or(url.as_str(), |(base, _)| base);
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        format!("mysql+pymysql://{rest}")
    }
}

/// A database of the bench's own, dropped when this goes.
pub(super) struct Database<'a> {
    server: &'a Server,
    pub name: String,
}

impl<'a> Database<'a> {
    fn new(server: &'a Server, tag: &str) -> Result<Database<'a>> {
        let db = Database { server, name: format!("alembic_bench_{}_{tag}", std::process::id()) };
        db.recreate()?;
        Ok(db)
    }

    /// Drops and creates it: empty.
    fn recreate(&self) -> Result<()> {
        self.server.sql(
            None,
            &format!("DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}` CHARACTER SET utf8mb4", self.name),
        )?;
        Ok(())
    }

    fn sql(&self, sql: &str) -> Result<String> {
        self.server.sql(Some(&self.name), sql)
    }

    /// A number `sql` selects.
    fn count(&self, sql: &str) -> Result<usize> {
        let out = self.sql(sql)?;
        out.parse().with_context(|| format!("{sql} gave {out:?}"))
    }
}

impl Drop for Database<'_> {
    fn drop(&mut self) {
        let _ = self.server.sql(None, &format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}

/// What a child process used, as `getrusage(RUSAGE_CHILDREN)` counts it: user +
/// system CPU time.
fn children_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Wall and CPU time of one run.
#[derive(Debug, Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

/// Runs `cmd` to completion (failing on a non-zero exit); its times and stdout.
fn timed(cmd: &mut Command, who: &str) -> Result<(Timing, String)> {
    let before = children_cpu();
    let start = std::time::Instant::now();
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("running {who}"))?;
    let wall = start.elapsed();
    let cpu = children_cpu().saturating_sub(before);
    if !out.status.success() {
        bail!(
            "{who} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok((Timing { wall, cpu }, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// The least wall time of `runs` (and the CPU time of that run).
fn least(runs: &[Timing]) -> Option<Timing> {
    runs.iter().copied().min_by_key(|t| t.wall)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `x ÷ y`, as text.
fn ratio(x: Duration, y: Duration) -> String {
    format!("{:.2}", x.as_secs_f64() / y.as_secs_f64().max(1e-9))
}

/// How `ours` compares with `theirs`: `1.6x faster` or `1.4x slower`.
fn speed(ours: Duration, theirs: Duration) -> String {
    let (ours, theirs) = (ours.as_secs_f64().max(1e-9), theirs.as_secs_f64().max(1e-9));
    if theirs >= ours {
        format!("{:.1}x faster", theirs / ours)
    } else {
        format!("{:.1}x slower", ours / theirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_read_both_ways() {
        let ms = Duration::from_millis;
        assert_eq!(speed(ms(100), ms(160)), "1.6x faster");
        assert_eq!(speed(ms(1648), ms(1167)), "1.4x slower");
        assert_eq!(ratio(ms(1648), ms(1167)), "1.41");
    }

    #[test]
    fn python_urls_use_pymysql_and_drop_our_parameters() {
        let server = Server {
            url: "mysql://root:pw@127.0.0.1:3306/test?ssl_mode=DISABLED".into(),
            parsed: match DatabaseUrl::parse("mysql://root@127.0.0.1:3306/test", Path::new("/")).unwrap() {
                DatabaseUrl::Mysql(u) => u,
                _ => unreachable!(),
            },
            client: "mariadb",
        };
        assert_eq!(server.url_for("x"), "mysql://root:pw@127.0.0.1:3306/x?ssl_mode=DISABLED");
        assert_eq!(server.python_url_for("x"), "mysql+pymysql://root:pw@127.0.0.1:3306/x");
    }
}
