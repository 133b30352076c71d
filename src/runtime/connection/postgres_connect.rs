//! Opening a PostgreSQL connection from a [`PostgresUrl`]: libpq's defaults, TLS, and
//! one-line errors that name the server but never the password.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{CancelToken, Client, Config, NoTls, Socket};

use super::tls::{self, SslMode};
use super::{DbError, DbErrorKind, PostgresBackend};
use crate::url::PostgresUrl;

/// How long to wait for the server when the URL sets no `connect_timeout`: long enough
/// for a busy server, short enough that a dropped packet does not hang a deploy. It
/// bounds the whole connect: TCP, TLS, start-up and authentication.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// libpq's smallest `connect_timeout`: smaller positive values count as this.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a cancel request (sent on an interrupt) may take before it is given up.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// URL parameters understood besides host, port, user, password and dbname.
const KNOWN_PARAMS: &[&str] = &["sslmode", "sslrootcert", "application_name", "connect_timeout", "options"];

/// Everything needed to connect, resolved from a URL with libpq's defaults.
pub(super) struct Target {
    config: Config,
    ssl: SslMode,
    rootcert: Option<PathBuf>,
    /// `host:port` or the socket file, for messages.
    place: String,
    user: String,
    dbname: String,
    /// The bound on the whole connect; `None`: wait forever (`connect_timeout=0`).
    timeout: Option<Duration>,
    /// The URL without its password, for messages.
    redacted: String,
}

impl Target {
    /// Resolves `url`. Missing parts come from `PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGPASSWORD` and `PGDATABASE`, then libpq's defaults: the local socket folder (or
    /// `localhost`), port 5432, the login name as user, the user as database.
    pub(super) fn resolve(url: &PostgresUrl) -> Result<Target, DbError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let bad = |why: String| DbError::new(DbErrorKind::Connect, format!("cannot connect to {url}: {why}"));

        let port = match (url.port, env("PGPORT")) {
            (Some(port), _) => port,
            (None, Some(p)) => p.parse().map_err(|_| bad(format!("PGPORT '{p}' is not a port number")))?,
            (None, None) => 5432,
        };
        let host = url.host.clone().or_else(|| env("PGHOST")).unwrap_or_else(|| default_host(port));
        let user = url
            .user
            .clone()
            .or_else(|| env("PGUSER"))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".to_string());
        let dbname = url.dbname.clone().or_else(|| env("PGDATABASE")).unwrap_or_else(|| user.clone());

        let mut config = Config::new();
        config.host(&host).port(port).user(&user).dbname(&dbname);
        config.application_name("alembic");
        if let Some(password) = url.password.clone().or_else(|| env("PGPASSWORD")) {
            config.password(password);
        }
        let mut ssl = SslMode::Prefer;
        let mut rootcert = None;
        let mut timeout = Some(DEFAULT_CONNECT_TIMEOUT);
        for (key, value) in &url.params {
            match key.as_str() {
                "sslmode" => ssl = SslMode::parse(value).map_err(bad)?,
                "sslrootcert" => rootcert = Some(PathBuf::from(value)),
                "application_name" => {
                    config.application_name(value);
                }
                "connect_timeout" => {
                    // libpq: whole seconds; zero or negative waits forever; at least 2.
                    let secs: i64 = value
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("connect_timeout '{value}' is not a number of seconds")))?;
                    timeout = u64::try_from(secs)
                        .ok()
                        .filter(|&s| s > 0)
                        .map(|s| Duration::from_secs(s).max(MIN_CONNECT_TIMEOUT));
                }
                "options" => {
                    config.options(value);
                }
                other => {
                    return Err(bad(format!(
                        "unsupported URL parameter '{other}' (supported: {})",
                        KNOWN_PARAMS.join(", ")
                    )));
                }
            }
        }
        // TLS is never negotiated over a unix socket (libpq does the same).
        let unix = host.starts_with('/');
        if unix && ssl == SslMode::Prefer {
            ssl = SslMode::Disable;
        }
        config.ssl_mode(ssl.negotiation());
        // tokio-postgres' own timeout covers each TCP connect only; [`Target::connect`]
        // bounds the whole exchange with the same value.
        if let Some(timeout) = timeout {
            config.connect_timeout(timeout);
        }
        let place = if unix {
            format!("{}/.s.PGSQL.{port}", host.trim_end_matches('/'))
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(Target { config, ssl, rootcert, place, user, dbname, timeout, redacted: url.to_string() })
    }

    /// Connects and spawns the connection task on the current tokio runtime, within
    /// the `connect_timeout`.
    pub(super) async fn connect(&self) -> Result<Client, DbError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(DbError::new(
                DbErrorKind::Unavailable,
                "connect_postgres must be awaited inside a tokio runtime; sync code uses BlockingPostgres",
            ));
        }
        let Some(limit) = self.timeout else { return self.connect_unbounded().await };
        match tokio::time::timeout(limit, self.connect_unbounded()).await {
            Ok(result) => result,
            Err(_) => Err(DbError::new(
                DbErrorKind::Connect,
                format!(
                    "could not connect to {}: no answer from the server within {} (connect_timeout)",
                    self.redacted,
                    super::seconds(limit)
                ),
            )),
        }
    }

    /// Asks the server to cancel what the connection of `token` is running; gives up
    /// quietly (the statement then runs on) if the server cannot be reached in time.
    pub(super) async fn cancel(&self, token: &CancelToken) {
        let attempt = async {
            if self.ssl == SslMode::Disable {
                return token.cancel_query(NoTls).await.map_err(|e| e.to_string());
            }
            let tls = tls::connector(self.ssl, self.rootcert.as_deref())?;
            token.cancel_query(tls).await.map_err(|e| e.to_string())
        };
        match tokio::time::timeout(CANCEL_TIMEOUT, attempt).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("cancelling the statement on PostgreSQL at {}: {e}", self.place),
            Err(_) => tracing::warn!("cancelling the statement on PostgreSQL at {}: no answer", self.place),
        }
    }

    async fn connect_unbounded(&self) -> Result<Client, DbError> {
        if self.ssl == SslMode::Disable {
            return self.connect_with(NoTls).await;
        }
        let tls = tls::connector(self.ssl, self.rootcert.as_deref()).map_err(|why| {
            DbError::new(DbErrorKind::Connect, format!("cannot connect to {}: {why}", self.place))
        })?;
        self.connect_with(tls).await
    }

    async fn connect_with<T>(&self, tls: T) -> Result<Client, DbError>
    where
        T: MakeTlsConnect<Socket>,
        T::Stream: Send + 'static,
        T::TlsConnect: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let (client, connection) = self.config.connect(tls).await.map_err(|e| self.connect_error(&e))?;
        let place = self.place.clone();
        tokio::spawn(async move {
            // The client sees the failure on its next statement; this only records why.
            if let Err(e) = connection.await {
                tracing::warn!("connection to PostgreSQL at {place} ended: {e}");
            }
        });
        // A server backend notices a vanished client only when it next talks to it, so
        // a migrator killed during a long statement would leave its backend running that
        // statement, holding the transaction's locks and the advisory lock, until it ends.
        // PostgreSQL 14+ can poll the socket while a statement runs; older servers reject
        // the setting, which changes nothing (no transaction is open yet).
        let _ = client.simple_query("SET client_connection_check_interval = 1000").await;
        Ok(client)
    }

    /// One line naming the server and the reason; the password is never part of it.
    fn connect_error(&self, e: &tokio_postgres::Error) -> DbError {
        let place = &self.place;
        let message = if let Some(db) = e.as_db_error() {
            match db.code().code() {
                "3D000" => format!("database \"{}\" does not exist on PostgreSQL at {place}", self.dbname),
                "28P01" | "28000" => format!(
                    "could not connect to PostgreSQL at {place} as user \"{}\": {}",
                    self.user,
                    db.message()
                ),
                _ => format!("could not connect to PostgreSQL at {place}: {}", db.message()),
            }
        } else if let Some(io) = io_cause(e) {
            let reason = match io.kind() {
                io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                io::ErrorKind::NotFound if place.contains("/.s.PGSQL.") => {
                    "no such socket (is the server running?)".to_string()
                }
                io::ErrorKind::TimedOut => "timed out".to_string(),
                _ if matches!(self.ssl, SslMode::VerifyCa | SslMode::VerifyFull)
                    && io.to_string().contains("certificate") =>
                {
                    format!(
                        "{io} (the server's certificate is not trusted: name its CA with sslrootcert=, \
                         or use sslmode=require to encrypt without checking)"
                    )
                }
                _ => io.to_string(),
            };
            format!("could not connect to PostgreSQL at {place}: {reason}")
        } else {
            let text = e.to_string();
            let reason = if text.contains("password missing") {
                format!("the server asks user \"{}\" for a password and the URL gives none", self.user)
            } else {
                text
            };
            format!("could not connect to PostgreSQL at {place}: {reason}")
        };
        let error = DbError::new(DbErrorKind::Connect, message);
        match e.code() {
            Some(code) => error.with_code(code.code()),
            None => error,
        }
    }
}

/// Opens a PostgreSQL connection from async code, inside a tokio runtime (its
/// connection task is spawned there).
pub async fn connect_postgres(url: &PostgresUrl) -> Result<PostgresBackend, DbError> {
    let target = Target::resolve(url)?;
    target.connect().await.map(PostgresBackend::new)
}

fn io_cause(e: &tokio_postgres::Error) -> Option<&io::Error> {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

/// libpq's default host: the first usual socket folder holding the port's socket.
fn default_host(port: u16) -> String {
    ["/var/run/postgresql", "/tmp"]
        .into_iter()
        .find(|dir| Path::new(dir).join(format!(".s.PGSQL.{port}")).exists())
        .map_or_else(|| "localhost".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(url: &str) -> PostgresUrl {
        match crate::url::DatabaseUrl::parse(url, Path::new("/")).unwrap() {
            crate::url::DatabaseUrl::Postgres(pg) => pg,
            other => panic!("not postgres: {other}"),
        }
    }

    #[test]
    fn places_and_params() {
        let t = Target::resolve(&pg("postgresql://u:pw@db.example:6000/app?sslmode=require")).unwrap();
        assert_eq!(
            (t.place.as_str(), t.ssl, t.user.as_str(), t.dbname.as_str()),
            ("db.example:6000", SslMode::Require, "u", "app")
        );
        let t = Target::resolve(&pg("postgresql://u@/app?host=/run/pg/")).unwrap();
        assert_eq!((t.place.as_str(), t.ssl), ("/run/pg/.s.PGSQL.5432", SslMode::Disable));
        let t = Target::resolve(&pg("postgresql://u@[::1]:5433/app")).unwrap();
        assert_eq!(t.place, "[::1]:5433");
    }

    #[test]
    fn connect_timeout_has_libpq_semantics() {
        let timeout = |q: &str| Target::resolve(&pg(&format!("postgresql://u@h/app{q}"))).unwrap().timeout;
        assert_eq!(timeout(""), Some(DEFAULT_CONNECT_TIMEOUT));
        assert_eq!(timeout("?connect_timeout=10"), Some(Duration::from_secs(10)));
        assert_eq!(timeout("?connect_timeout=1"), Some(MIN_CONNECT_TIMEOUT));
        assert_eq!(timeout("?connect_timeout=0"), None);
        assert_eq!(timeout("?connect_timeout=-3"), None);
        let e = Target::resolve(&pg("postgresql://u@h/app?connect_timeout=soon")).err().unwrap().to_string();
        assert!(e.contains("connect_timeout 'soon' is not a number of seconds"), "{e}");
    }

    #[test]
    fn bad_params_are_named_without_the_password() {
        let e =
            Target::resolve(&pg("postgresql://u:hunter2@h/app?sslmod=require")).err().unwrap().to_string();
        assert!(e.contains("unsupported URL parameter 'sslmod'") && !e.contains("hunter2"), "{e}");
        let e = Target::resolve(&pg("postgresql://u:hunter2@h/app?sslmode=on")).err().unwrap().to_string();
        assert!(e.contains("sslmode 'on'") && e.contains("u:***@h"), "{e}");
    }
}
