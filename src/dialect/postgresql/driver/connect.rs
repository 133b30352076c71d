//! Opening a PostgreSQL connection from a [`PostgresUrl`]: parameters from the URL, a
//! service, the `PG*` variables and libpq's defaults, the password file, TLS, and
//! one-line errors that name the server (and where a password came from) but never the
//! password.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{CancelToken, Client, Config, NoTls, Socket};

use super::PostgresBackend;
use super::libpq::{self, Environment, PassFile};
use super::tls::{self, SslMode};
use crate::runtime::connection::{DbError, DbErrorKind};
use crate::url::PostgresUrl;

/// How long to wait for the server when the URL sets no `connect_timeout`: long enough
/// for a busy server, short enough that a dropped packet does not hang a deploy. It
/// bounds the whole connect: TCP, TLS, start-up and authentication.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// libpq's smallest `connect_timeout`: smaller positive values count as this.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a cancel request (sent on an interrupt) may take before it is given up.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// The libpq parameters understood, each with its environment variable. `host`,
/// `port`, `user`, `password` and `dbname` are parts of the URL too.
const PARAMS: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("dbname", "PGDATABASE"),
    ("passfile", "PGPASSFILE"),
    ("service", "PGSERVICE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("options", "PGOPTIONS"),
];

/// The parameters a URL query or a service may set, for messages.
const SUPPORTED: &str = "sslmode, sslrootcert, application_name, connect_timeout, options, service, passfile";

/// Where a connection setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// The URL.
    Url,
    /// A line of a service definition.
    Service { name: String, file: String, line: usize },
    /// An environment variable.
    Env(&'static str),
}

impl Origin {
    /// `why` (a sentence about the setting) saying where the setting came from.
    fn annotate(&self, why: String) -> String {
        match self {
            Origin::Url => why,
            Origin::Env(var) => format!("{why} (from {var})"),
            Origin::Service { name, file, line } => format!("{why} (service \"{name}\", {file} line {line})"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone)]
struct Setting {
    value: String,
    origin: Origin,
}

/// The settings of a connection in libpq's order of precedence: each is kept from the
/// first place that gives it (the URL, then the service, then the environment).
#[derive(Debug, Default)]
struct Settings(Vec<(&'static str, Setting)>);

impl Settings {
    /// Sets `key` unless an earlier source set it; empty values count as unset.
    fn fill(&mut self, key: &'static str, value: &str, origin: &Origin) {
        if !value.is_empty() && self.get(key).is_none() {
            self.0.push((key, Setting { value: value.to_string(), origin: origin.clone() }));
        }
    }

    fn get(&self, key: &str) -> Option<&Setting> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }
}

/// The `&'static` name of parameter `key`, when it is one of [`PARAMS`].
fn param(key: &str) -> Option<&'static str> {
    PARAMS.iter().find(|(k, _)| *k == key).map(|(k, _)| *k)
}

/// Where the password came from, for the message of a failed authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordFrom {
    /// A setting (the URL, a service, `PGPASSWORD`).
    Setting(Origin),
    /// A line of a password file.
    PassFile { file: String, line: usize },
}

impl PasswordFrom {
    fn describe(&self) -> String {
        match self {
            PasswordFrom::Setting(Origin::Url) => "the password came from the URL".to_string(),
            PasswordFrom::Setting(Origin::Env(var)) => format!("the password came from {var}"),
            PasswordFrom::Setting(Origin::Service { name, file, line }) => {
                format!("the password came from service \"{name}\", {file} line {line}")
            }
            PasswordFrom::PassFile { file, line } => format!("the password came from {file} line {line}"),
        }
    }
}

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
    /// Where the password came from; `None`: there is none.
    password_from: Option<PasswordFrom>,
    /// Where a password was looked for, for the message when the server asks for one
    /// and there is none: "no password in the URL, PGPASSWORD or ~/.pgpass".
    password_places: String,
    /// Warnings libpq would print (an ignored password file).
    warnings: Vec<String>,
}

impl Target {
    /// Resolves `url` with libpq's rules (see the module documentation of
    /// [`super`]), printing libpq's warnings (an ignored password file) on stderr.
    pub(super) fn resolve(url: &PostgresUrl) -> Result<Target, DbError> {
        let env = Environment { var: &libpq::process_var, home: libpq::process_home() };
        let target = Target::resolve_in(url, &env)?;
        for warning in &target.warnings {
            eprintln!("warning: {warning}");
        }
        Ok(target)
    }

    /// Resolves `url` in `env`. Each parameter comes from the URL, else the service
    /// (`service=`, else `PGSERVICE`), else its environment variable, else libpq's
    /// default: the local socket folder (or `localhost`), port 5432, the login name as
    /// user, the user as database. Without a password, the password file (`passfile=`,
    /// `PGPASSFILE`, else `~/.pgpass`) is searched for one.
    fn resolve_in(url: &PostgresUrl, env: &Environment<'_>) -> Result<Target, DbError> {
        let bad = |why: String| DbError::new(DbErrorKind::Connect, format!("cannot connect to {url}: {why}"));

        let mut settings = Settings::default();
        let port_text = url.port.map(|p| p.to_string());
        for (key, value) in [
            ("host", &url.host),
            ("port", &port_text),
            ("user", &url.user),
            ("password", &url.password),
            ("dbname", &url.dbname),
        ] {
            if let Some(value) = value {
                settings.fill(key, value, &Origin::Url);
            }
        }
        for (key, value) in &url.params {
            match param(key) {
                Some(key) => settings.fill(key, value, &Origin::Url),
                None => {
                    return Err(bad(format!("unsupported URL parameter '{key}' (supported: {SUPPORTED})")));
                }
            }
        }
        let service_name = settings.get("service").map(|s| s.value.clone()).or_else(|| env.get("PGSERVICE"));
        if let Some(name) = &service_name {
            let service = libpq::load_service(name, env).map_err(bad)?;
            for entry in &service.entries {
                let origin = Origin::Service {
                    name: service.name.clone(),
                    file: service.file.clone(),
                    line: entry.line,
                };
                match param(&entry.key).filter(|k| *k != "service") {
                    Some(key) => settings.fill(key, &entry.value, &origin),
                    None => {
                        return Err(bad(origin.annotate(format!(
                            "unsupported connection parameter '{}' (supported: host, port, user, password, dbname, {SUPPORTED})",
                            entry.key
                        ))));
                    }
                }
            }
        }
        // PGSERVICE was read above: a service names no other service.
        for (key, var) in PARAMS.iter().filter(|(key, _)| *key != "service") {
            if let Some(value) = env.get(var) {
                settings.fill(key, &value, &Origin::Env(var));
            }
        }

        let port =
            match settings.get("port") {
                Some(s) => s.value.trim().parse().map_err(|_| {
                    bad(s.origin.annotate(format!("port '{}' is not a port number", s.value)))
                })?,
                None => 5432,
            };
        let given_host = settings.get("host").map(|s| s.value.clone());
        let host = given_host.clone().unwrap_or_else(|| default_host(port));
        let user = settings
            .get("user")
            .map(|s| s.value.clone())
            .or_else(|| env.get("USER"))
            .unwrap_or_else(|| "postgres".to_string());
        let dbname = settings.get("dbname").map_or_else(|| user.clone(), |s| s.value.clone());

        let mut config = Config::new();
        config.host(&host).port(port).user(&user).dbname(&dbname);
        config.application_name(settings.get("application_name").map_or("alembic", |s| s.value.as_str()));
        let ssl = match settings.get("sslmode") {
            Some(s) => SslMode::parse(&s.value).map_err(|why| bad(s.origin.annotate(why)))?,
            None => SslMode::Prefer,
        };
        let rootcert = settings.get("sslrootcert").map(|s| PathBuf::from(&s.value));
        let timeout = match settings.get("connect_timeout") {
            // libpq: whole seconds; zero or negative waits forever; at least 2.
            Some(s) => {
                let secs: i64 = s.value.trim().parse().map_err(|_| {
                    bad(s
                        .origin
                        .annotate(format!("connect_timeout '{}' is not a number of seconds", s.value)))
                })?;
                u64::try_from(secs)
                    .ok()
                    .filter(|&s| s > 0)
                    .map(|s| Duration::from_secs(s).max(MIN_CONNECT_TIMEOUT))
            }
            None => Some(DEFAULT_CONNECT_TIMEOUT),
        };
        if let Some(options) = settings.get("options") {
            config.options(&options.value);
        }

        // The password: a setting, else the password file's line for this connection.
        let mut warnings = Vec::new();
        let mut places = vec!["the URL".to_string()];
        if let Some(name) = &service_name {
            places.push(format!("service \"{name}\""));
        }
        places.push("PGPASSWORD".to_string());
        let password_from = match settings.get("password") {
            Some(s) => {
                config.password(&s.value);
                Some(PasswordFrom::Setting(s.origin.clone()))
            }
            None => {
                let file = match settings.get("passfile") {
                    Some(s) => Some((PathBuf::from(&s.value), s.value.clone())),
                    None => libpq::default_passfile(env),
                };
                file.and_then(|(path, shown)| {
                    let port = port.to_string();
                    let key = [libpq::passfile_host(given_host.as_deref()), &port, &dbname, &user];
                    let found = look_in_passfile(&path, &shown, key);
                    warnings.extend(found.warning);
                    places.push(format!("{shown}{}", found.note));
                    let (password, from) = found.password?;
                    config.password(password);
                    Some(from)
                })
            }
        };
        let password_places = match places.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };

        // TLS is never negotiated over a unix socket (libpq does the same).
        let unix = host.starts_with('/');
        let ssl = if unix && ssl == SslMode::Prefer { SslMode::Disable } else { ssl };
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
        Ok(Target {
            config,
            ssl,
            rootcert,
            place,
            user,
            dbname,
            timeout,
            redacted: url.to_string(),
            password_from,
            password_places,
            warnings,
        })
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
                    crate::runtime::connection::backend::seconds(limit)
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
                "28P01" => {
                    let from = self.password_from.as_ref().map(|f| format!(" ({})", f.describe()));
                    format!(
                        "could not connect to PostgreSQL at {place} as user \"{}\": {}{}",
                        self.user,
                        db.message(),
                        from.unwrap_or_default()
                    )
                }
                "28000" => format!(
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
        } else if is_password_missing(e) {
            format!(
                "could not connect to PostgreSQL at {place} as user \"{}\": the server asks for a password and \
                 none was given (no password in {})",
                self.user, self.password_places
            )
        } else {
            let reason = match std::error::Error::source(e) {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
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

/// What the password file `shown` says for a connection.
struct PassFileLookup {
    /// The password and its line, when one matches.
    password: Option<(Vec<u8>, PasswordFrom)>,
    /// Completes "no password in … <file>" when there is none: why the file did not
    /// give one ("" when there is no such file).
    note: String,
    /// libpq's warning for an ignored file.
    warning: Option<String>,
}

/// Searches the password file at `path` (`shown` in messages) for the line of `key`:
/// host as the file names it (see [`libpq::passfile_host`]), port, database, user.
fn look_in_passfile(path: &Path, shown: &str, key: [&str; 4]) -> PassFileLookup {
    let none = |note: String, warning: Option<String>| PassFileLookup { password: None, note, warning };
    let text = match libpq::read_passfile(path) {
        PassFile::Absent => return none(String::new(), None),
        PassFile::Ignored(why) => {
            return none(
                format!(", which was ignored: it {why}"),
                Some(format!("password file \"{shown}\" {why}")),
            );
        }
        PassFile::Text(text) => text,
    };
    let [host, port, dbname, user] = key;
    match libpq::passfile_lookup(&text, host, port, dbname, user) {
        None => none(format!(", which has no line for {}", key.join(":")), None),
        Some(entry) if entry.password.is_empty() => {
            none(format!(", whose line {} for {} has an empty password", entry.line, key.join(":")), None)
        }
        Some(entry) => PassFileLookup {
            password: Some((
                entry.password,
                PasswordFrom::PassFile { file: shown.to_string(), line: entry.line },
            )),
            note: String::new(),
            warning: None,
        },
    }
}

/// Opens a PostgreSQL connection from async code, inside a tokio runtime (its
/// connection task is spawned there).
pub async fn connect_postgres(url: &PostgresUrl) -> Result<PostgresBackend, DbError> {
    let target = Target::resolve(url)?;
    target.connect().await.map(PostgresBackend::new)
}

/// tokio-postgres' error when the server asks for a password and none is configured:
/// an "invalid configuration" whose cause says "password missing".
fn is_password_missing(e: &tokio_postgres::Error) -> bool {
    std::error::Error::source(e).is_some_and(|cause| cause.to_string() == "password missing")
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

/// [`Target::resolve_in`] with a made-up environment and home folder.
#[cfg(test)]
mod libpq_tests {
    use super::*;

    struct World {
        home: tempfile::TempDir,
        vars: Vec<(String, String)>,
    }

    impl World {
        fn new() -> World {
            World { home: tempfile::tempdir().unwrap(), vars: Vec::new() }
        }

        fn var(mut self, name: &str, value: &str) -> World {
            self.vars.push((name.to_string(), value.to_string()));
            self
        }

        /// Writes `~/<name>` with `mode`.
        fn file(self, name: &str, text: &str, mode: u32) -> World {
            let path = self.home.path().join(name);
            std::fs::write(&path, text).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = mode;
            self
        }

        fn path(&self, name: &str) -> String {
            self.home.path().join(name).display().to_string()
        }

        fn resolve(&self, url: &str) -> Result<Target, DbError> {
            let pg = match crate::url::DatabaseUrl::parse(url, Path::new("/")).unwrap() {
                crate::url::DatabaseUrl::Postgres(pg) => pg,
                other => panic!("not postgres: {other}"),
            };
            let vars = |name: &str| self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            let env = Environment { var: &vars, home: Some(self.home.path().to_path_buf()) };
            Target::resolve_in(&pg, &env)
        }

        fn ok(&self, url: &str) -> Target {
            self.resolve(url).unwrap_or_else(|e| panic!("{url}: {e}"))
        }

        fn err(&self, url: &str) -> String {
            match self.resolve(url) {
                Ok(_) => panic!("{url} should not resolve"),
                Err(e) => e.to_string(),
            }
        }
    }

    fn password(t: &Target) -> Option<&str> {
        t.config.get_password().map(|p| std::str::from_utf8(p).unwrap())
    }

    #[test]
    fn password_precedence_is_url_then_pgpassword_then_passfile() {
        let w = World::new().file(".pgpass", "*:*:*:*:from-file\n", 0o600);
        let t = w.ok("postgresql://u@h/db");
        assert_eq!(password(&t), Some("from-file"));
        assert_eq!(t.password_from, Some(PasswordFrom::PassFile { file: "~/.pgpass".into(), line: 1 }));
        let w = w.var("PGPASSWORD", "from-env");
        let t = w.ok("postgresql://u@h/db");
        assert_eq!(password(&t), Some("from-env"));
        assert_eq!(t.password_from, Some(PasswordFrom::Setting(Origin::Env("PGPASSWORD"))));
        let t = w.ok("postgresql://u:from-url@h/db");
        assert_eq!(password(&t), Some("from-url"));
        assert_eq!(t.password_from, Some(PasswordFrom::Setting(Origin::Url)));
        assert_eq!(password(&w.ok("postgresql://u@h/db?password=from-query")), Some("from-query"));
    }

    #[test]
    fn the_passfile_line_is_the_one_for_this_connection() {
        let w = World::new().file(
            ".pgpass",
            "# host:port:database:user:password\nh:5432:app:bob:bobs\nh:6000:*:bob:other-port\nlocalhost:5432:*:*:local\n",
            0o600,
        );
        assert_eq!(password(&w.ok("postgresql://bob@h/app")), Some("bobs"));
        assert_eq!(password(&w.ok("postgresql://bob@h:6000/x")), Some("other-port"));
        assert_eq!(password(&w.ok("postgresql://carol@h/app")), None);
        // The database defaults to the user, the user to PGUSER.
        let w = w.var("PGUSER", "bob").var("PGDATABASE", "app");
        assert_eq!(password(&w.ok("postgresql://h")), Some("bobs"));
        // A socket in a default folder, or no host at all, is `localhost`.
        assert_eq!(password(&w.ok("postgresql://x@/db?host=/var/run/postgresql")), Some("local"));
        assert_eq!(password(&w.ok("postgresql://x@localhost/db")), Some("local"));
        assert_eq!(password(&w.ok("postgresql://x@/db?host=/srv/sockets")), None);
    }

    #[test]
    fn pgpassfile_and_passfile_name_the_file() {
        let w = World::new().file(".pgpass", "*:*:*:*:home\n", 0o600).file(
            "elsewhere",
            "\n*:*:*:*:elsewhere\n",
            0o600,
        );
        let elsewhere = w.path("elsewhere");
        let w = w.var("PGPASSFILE", &elsewhere);
        let t = w.ok("postgresql://u@h/db");
        assert_eq!(password(&t), Some("elsewhere"));
        assert_eq!(t.password_from, Some(PasswordFrom::PassFile { file: elsewhere.clone(), line: 2 }));
        let home = w.path(".pgpass");
        assert_eq!(password(&w.ok(&format!("postgresql://u@h/db?passfile={home}"))), Some("home"));
    }

    #[cfg(unix)]
    #[test]
    fn a_passfile_others_can_read_is_ignored_with_a_warning() {
        let w = World::new().file(".pgpass", "*:*:*:*:secret-in-file\n", 0o644);
        let t = w.ok("postgresql://u@h/db");
        assert_eq!(password(&t), None);
        assert_eq!(
            t.warnings,
            [
                "password file \"~/.pgpass\" has group or world access; permissions should be u=rw (0600) or less"
            ]
        );
        assert_eq!(
            t.password_places,
            "the URL, PGPASSWORD or ~/.pgpass, which was ignored: it has group or world access; permissions \
             should be u=rw (0600) or less"
        );
    }

    #[test]
    fn where_a_missing_password_was_looked_for() {
        let w = World::new();
        assert_eq!(w.ok("postgresql://u@h/db").password_places, "the URL, PGPASSWORD or ~/.pgpass");
        let w = w.file(".pgpass", "other:5432:db:u:pw\nh:5432:db:u:\n", 0o600);
        assert_eq!(
            w.ok("postgresql://u@x/db").password_places,
            "the URL, PGPASSWORD or ~/.pgpass, which has no line for x:5432:db:u"
        );
        assert_eq!(
            w.ok("postgresql://u@h/db").password_places,
            "the URL, PGPASSWORD or ~/.pgpass, whose line 2 for h:5432:db:u has an empty password"
        );
    }

    #[test]
    fn libpq_environment_fills_what_the_url_leaves_out() {
        let w = World::new()
            .var("PGHOST", "envhost")
            .var("PGPORT", "6001")
            .var("PGUSER", "envuser")
            .var("PGDATABASE", "envdb")
            .var("PGSSLMODE", "require")
            .var("PGAPPNAME", "deployer")
            .var("PGCONNECT_TIMEOUT", "7");
        let t = w.ok("postgresql://");
        assert_eq!(
            (t.place.as_str(), t.user.as_str(), t.dbname.as_str()),
            ("envhost:6001", "envuser", "envdb")
        );
        assert_eq!((t.ssl, t.timeout), (SslMode::Require, Some(Duration::from_secs(7))));
        assert_eq!(t.config.get_application_name(), Some("deployer"));
        // The URL wins over each.
        let t = w.ok("postgresql://u@h:5/d?sslmode=disable&application_name=a&connect_timeout=0");
        assert_eq!((t.place.as_str(), t.user.as_str(), t.dbname.as_str()), ("h:5", "u", "d"));
        assert_eq!((t.ssl, t.timeout), (SslMode::Disable, None));
        assert_eq!(t.config.get_application_name(), Some("a"));
        // A bad value names the variable.
        let e = World::new().var("PGPORT", "5x").err("postgresql://u@h/d");
        assert!(e.ends_with("port '5x' is not a port number (from PGPORT)"), "{e}");
        let e = World::new().var("PGSSLMODE", "on").err("postgresql://u@h/d");
        assert!(e.contains("sslmode 'on' is not one of") && e.ends_with("(from PGSSLMODE)"), "{e}");
    }

    #[test]
    fn a_service_sits_between_the_url_and_the_environment() {
        let w = World::new()
            .file(
                ".pg_service.conf",
                "[app]\nhost=svc-host\nport=6100\ndbname=svc-db\nuser=svc-user\npassword=svc-pw\nsslmode=disable\n",
                0o644,
            )
            .var("PGHOST", "envhost")
            .var("PGPASSWORD", "env-pw");
        let t = w.ok("postgresql://?service=app");
        assert_eq!(
            (t.place.as_str(), t.user.as_str(), t.dbname.as_str()),
            ("svc-host:6100", "svc-user", "svc-db")
        );
        assert_eq!((password(&t), t.ssl), (Some("svc-pw"), SslMode::Disable));
        let from = PasswordFrom::Setting(Origin::Service {
            name: "app".into(),
            file: "~/.pg_service.conf".into(),
            line: 6,
        });
        assert_eq!(t.password_from, Some(from));
        // The URL overrides the service.
        let t = w.ok("postgresql://me:url-pw@urlhost/urldb?service=app");
        assert_eq!((t.place.as_str(), t.user.as_str(), t.dbname.as_str()), ("urlhost:6100", "me", "urldb"));
        assert_eq!(password(&t), Some("url-pw"));
        // PGSERVICE names it too.
        let w = w.var("PGSERVICE", "app");
        assert_eq!(w.ok("postgresql://").place, "svc-host:6100");
    }

    #[test]
    fn service_errors_name_the_file_and_line() {
        let w =
            World::new().file(".pg_service.conf", "[app]\nhost=h\nsslcert=/x.pem\n[bad]\nport=6x\n", 0o600);
        let e = w.err("postgresql://?service=app");
        assert!(
            e.contains("unsupported connection parameter 'sslcert'")
                && e.ends_with("(service \"app\", ~/.pg_service.conf line 3)"),
            "{e}"
        );
        let e = w.err("postgresql://?service=bad");
        assert!(
            e.ends_with("port '6x' is not a port number (service \"bad\", ~/.pg_service.conf line 5)"),
            "{e}"
        );
        let e = w.err("postgresql://?service=nope");
        assert!(e.contains("definition of service \"nope\" not found (looked in ~/.pg_service.conf"), "{e}");
    }

    #[test]
    fn no_message_shows_a_password() {
        let w = World::new()
            .file(".pg_service.conf", "[app]\npassword=svc-secret\nport=x\n", 0o600)
            .file(".pgpass", "*:*:*:*:file-secret\n", 0o644)
            .var("PGPASSWORD", "env-secret");
        for url in ["postgresql://u:url-secret@h/d?sslmode=nope", "postgresql://u@h/d?service=app"] {
            let e = w.err(url);
            assert!(!e.contains("secret"), "{e}");
        }
        let t = World::new().file(".pgpass", "*:*:*:*:file-secret\n", 0o644).ok("postgresql://u@h/d");
        let shown = format!("{} {:?}", t.password_places, t.warnings);
        assert!(!shown.contains("secret"), "{shown}");
    }
}
