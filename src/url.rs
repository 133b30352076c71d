//! Database URLs, as SQLAlchemy writes them. The password is kept but never shown:
//! [`DatabaseUrl`]'s `Display` and `Debug` print it as `***`, [`redact`] masks it in
//! any text (even one that does not parse), and parse errors never quote the parts of
//! a URL that may hold it.
//!
//! Accepted forms:
//! - `sqlite:///relative/path.db` (relative to the folder of `alembic.toml`),
//!   `sqlite:////absolute/path.db`, `sqlite://` and `sqlite:///:memory:` (in memory);
//! - `postgresql://user:pass@host:port/db?key=value&…`, also spelled `postgres://` or
//!   `postgresql+driver://`; a unix socket as `?host=/path/to/dir`;
//! - `mysql://user:pass@host:port/db?key=value&…`, also spelled `mariadb://` or
//!   `mysql+driver://` (`mysql+pymysql://`, as SQLAlchemy writes it); parameters
//!   `charset`, `ssl_mode` (or `ssl-mode`), `ssl_ca` (or `ssl-ca`) and `unix_socket`
//!   (see [`MysqlUrl`]).
//!
//! Where the user info ends (see [`split_userinfo`]): a password is often pasted
//! without %-escaping, so when `user:` starts the URL the password runs to the *last*
//! `@`, and may hold `/`, `?`, `#`, `:` and `@`. Without a `user:` part, the user info
//! is whatever precedes the last `@` before the path or query (user names such as
//! `admin@server` keep their `@`). An `@` in a query value of a URL with a password
//! must then be written `%40`.

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database.
    Sqlite {
        /// The file; `None` for an in-memory database.
        path: Option<PathBuf>,
    },
    /// A PostgreSQL database.
    Postgres(PostgresUrl),
    /// A MySQL or MariaDB database.
    Mysql(MysqlUrl),
}

/// The parts of a MySQL or MariaDB URL, percent-decoded. The known query parameters
/// have fields; `params` keeps the others in order, which connecting refuses (so a
/// typo is an error, not a silently ignored setting).
#[derive(Clone, PartialEq, Eq)]
pub struct MysqlUrl {
    /// User name, if given.
    pub user: Option<String>,
    /// Password, if given. Never printed.
    pub password: Option<String>,
    /// Host name or IP address (default `localhost` when connecting).
    pub host: Option<String>,
    /// Port, if given (default 3306 when connecting).
    pub port: Option<u16>,
    /// Database (MySQL's schema) name, if given.
    pub dbname: Option<String>,
    /// `?unix_socket=/path`: the server's socket file, used instead of TCP.
    pub unix_socket: Option<String>,
    /// `?charset=`: the connection character set (`SET NAMES`); `utf8mb4` when absent.
    pub charset: Option<String>,
    /// `?ssl_mode=` / `?ssl-mode=`: whether and how TLS is used (MySQL's names).
    pub ssl_mode: Option<MysqlSslMode>,
    /// `?ssl_ca=` / `?ssl-ca=`: a PEM file of the CA certificates to trust for
    /// `VERIFY_CA` and `VERIFY_IDENTITY` (else the public CA set).
    pub ssl_ca: Option<String>,
    /// The other query parameters, in order.
    pub params: Vec<(String, String)>,
}

/// MySQL's `--ssl-mode` values: whether a connection is encrypted and what of the
/// server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MysqlSslMode {
    /// `DISABLED`: never TLS.
    Disabled,
    /// `PREFERRED` (the default, as in the `mysql` client): TLS if the server offers
    /// it, certificate not checked; plain text otherwise.
    Preferred,
    /// `REQUIRED`: always TLS, certificate not checked.
    Required,
    /// `VERIFY_CA`: always TLS, the certificate chain checked (not the host name).
    VerifyCa,
    /// `VERIFY_IDENTITY`: always TLS, chain and host name checked.
    VerifyIdentity,
}

impl MysqlSslMode {
    /// Parses MySQL's names, in any case, with `-` or `_` (`verify-identity`).
    pub fn parse(value: &str) -> Option<MysqlSslMode> {
        Some(match value.to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => MysqlSslMode::Disabled,
            "PREFERRED" => MysqlSslMode::Preferred,
            "REQUIRED" => MysqlSslMode::Required,
            "VERIFY_CA" => MysqlSslMode::VerifyCa,
            "VERIFY_IDENTITY" => MysqlSslMode::VerifyIdentity,
            _ => return None,
        })
    }

    /// MySQL's name for the mode (`VERIFY_IDENTITY`).
    pub fn name(self) -> &'static str {
        match self {
            MysqlSslMode::Disabled => "DISABLED",
            MysqlSslMode::Preferred => "PREFERRED",
            MysqlSslMode::Required => "REQUIRED",
            MysqlSslMode::VerifyCa => "VERIFY_CA",
            MysqlSslMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }
}

/// The parts of a PostgreSQL URL, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// User name, if given.
    pub user: Option<String>,
    /// Password, if given. Never printed.
    pub password: Option<String>,
    /// Host name, IP address, or socket folder (from `?host=`).
    pub host: Option<String>,
    /// Port, if given.
    pub port: Option<u16>,
    /// Database name, if given.
    pub dbname: Option<String>,
    /// The other query parameters (`sslmode`, `application_name`, …), in order.
    pub params: Vec<(String, String)>,
}

impl DatabaseUrl {
    /// Parses `url`; relative SQLite paths are resolved against `root`.
    pub fn parse(url: &str, root: &Path) -> Result<DatabaseUrl> {
        let bad = |why: &str| Error::Config(format!("invalid database URL '{}': {why}", redact(url)));
        let Some((scheme, rest)) = split_scheme(url) else {
            return Err(bad(
                "expected scheme://… (sqlite:///app.db, postgresql://user@host/db or mysql://user@host/db)",
            ));
        };
        let dialect = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
        match dialect.as_str() {
            "sqlite" => {
                let (rest, _query) = rest.split_once('?').unwrap_or((rest, ""));
                let path = match rest {
                    "" | "/" | "/:memory:" => None,
                    _ => match rest.strip_prefix('/') {
                        Some(p) if p.starts_with('/') => Some(PathBuf::from(p)),
                        Some(p) => Some(root.join(percent_decode(p, "the path").map_err(|e| bad(&e))?)),
                        None => {
                            return Err(bad("a SQLite URL has no host: write sqlite:///path.db"));
                        }
                    },
                };
                Ok(DatabaseUrl::Sqlite { path })
            }
            "postgresql" | "postgres" => parse_postgres(rest).map(DatabaseUrl::Postgres).map_err(|e| bad(&e)),
            "mysql" | "mariadb" => parse_mysql(rest).map(DatabaseUrl::Mysql).map_err(|e| bad(&e)),
            other => {
                Err(bad(&format!("unsupported dialect '{other}' (supported: sqlite, postgresql, mysql)")))
            }
        }
    }

    /// The dialect of this URL.
    pub fn dialect(&self) -> Dialect {
        match self {
            DatabaseUrl::Sqlite { .. } => Dialect::Sqlite,
            DatabaseUrl::Postgres(_) => Dialect::Postgresql,
            DatabaseUrl::Mysql(_) => Dialect::Mysql,
        }
    }
}

/// `scheme` and the rest of `scheme://rest`; `None` unless the scheme is a valid one
/// (`[A-Za-z][A-Za-z0-9+.-]*`), so that text such as `user:pw://…` is never taken for
/// a scheme and quoted.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then_some((scheme, rest))
}

/// Splits the part after `scheme://` into the user info (without its `@`) and the
/// rest (host, port, path, query). The one place that decides where a password is, so
/// that parsing and [`redact`] always agree:
///
/// - `user:…@…`: a `:` before the path or query, with an `@` somewhere after it: the
///   user info runs to the last `@` (the password may hold any character);
/// - `user@host…`: the user info runs to the last `@` before the path or query;
/// - otherwise (`host:port/db`, `[::1]:5432`), there is none.
fn split_userinfo(rest: &str) -> (Option<&str>, &str) {
    if rest.starts_with('[') {
        return (None, rest);
    }
    let first_delim = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let last_at = rest.rfind('@');
    if let (Some(colon), Some(at)) = (rest.find(':'), last_at)
        && colon < first_delim
        && colon < at
    {
        return (Some(&rest[..at]), &rest[at + 1..]);
    }
    match rest[..first_delim].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    }
}

/// Query parameters whose values are secrets: `password`, and anything spelled like it
/// (`PASSWORD`, `passwd`, `pwd`), which is refused later but must not be shown first.
/// `passfile` (libpq's password file) is a path, shown so that messages can name it.
fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key != "passfile" && (key.contains("pass") || key.contains("pwd") || key.contains("secret"))
}

fn parse_postgres(rest: &str) -> std::result::Result<PostgresUrl, String> {
    let (userinfo, rest) = split_userinfo(rest);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (hostport, dbname) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => {
                (Some(percent_decode(user, "the user name")?), Some(percent_decode(pass, "the password")?))
            }
            None => (Some(percent_decode(u, "the user name")?), None),
        },
    };
    let (host, port) = split_host_port(hostport)?;
    let mut url = PostgresUrl {
        user: user.filter(|u| !u.is_empty()),
        password,
        host: host.map(|h| percent_decode(h, "the host")).transpose()?.filter(|h| !h.is_empty()),
        port,
        dbname: Some(percent_decode(dbname, "the database name")?).filter(|d| !d.is_empty()),
        params: Vec::new(),
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key, "a query parameter name")?;
        let value = if is_secret_param(&key) {
            percent_decode(value, "the password")?
        } else {
            percent_decode(value, &format!("the value of '{key}'"))?
        };
        match key.as_str() {
            "host" => url.host = Some(value),
            "port" => url.port = Some(value.parse().map_err(|_| format!("port '{value}' is not a number"))?),
            "user" => url.user = Some(value),
            "password" => url.password = Some(value),
            "dbname" => url.dbname = Some(value),
            _ => url.params.push((key, value)),
        }
    }
    Ok(url)
}

/// The parts of a MySQL URL after `mysql://`: the user info, host and port as for
/// PostgreSQL ([`split_userinfo`], [`split_host_port`]), the database as the path,
/// then the query parameters.
fn parse_mysql(rest: &str) -> std::result::Result<MysqlUrl, String> {
    let (userinfo, rest) = split_userinfo(rest);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (hostport, dbname) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => {
                (Some(percent_decode(user, "the user name")?), Some(percent_decode(pass, "the password")?))
            }
            None => (Some(percent_decode(u, "the user name")?), None),
        },
    };
    let (host, port) = split_host_port(hostport)?;
    let mut url = MysqlUrl {
        user: user.filter(|u| !u.is_empty()),
        password,
        host: host.map(|h| percent_decode(h, "the host")).transpose()?.filter(|h| !h.is_empty()),
        port,
        dbname: Some(percent_decode(dbname, "the database name")?).filter(|d| !d.is_empty()),
        unix_socket: None,
        charset: None,
        ssl_mode: None,
        ssl_ca: None,
        params: Vec::new(),
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key, "a query parameter name")?;
        let value = if is_secret_param(&key) {
            percent_decode(value, "the password")?
        } else {
            percent_decode(value, &format!("the value of '{key}'"))?
        };
        // MySQL's option files spell options with `-`, SQLAlchemy's drivers with `_`.
        match key.replace('-', "_").as_str() {
            "charset" => {
                // It goes into `SET NAMES`: a character set name, nothing else.
                if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("charset '{value}' is not a character set name"));
                }
                url.charset = Some(value);
            }
            "ssl_mode" => {
                url.ssl_mode = Some(MysqlSslMode::parse(&value).ok_or_else(|| {
                    format!(
                        "ssl_mode '{value}' is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
                    )
                })?);
            }
            "ssl_ca" => url.ssl_ca = Some(value),
            "unix_socket" => url.unix_socket = Some(value),
            "port" => url.port = Some(value.parse().map_err(|_| format!("port '{value}' is not a number"))?),
            "user" => url.user = Some(value),
            "password" => url.password = Some(value),
            _ => url.params.push((key, value)),
        }
    }
    Ok(url)
}

fn split_host_port(hostport: &str) -> std::result::Result<(Option<&str>, Option<u16>), String> {
    // Nothing of the text is quoted: with a mistyped URL it may be part of a password
    // (the message shows the whole URL redacted).
    let port_of = |p: &str| p.parse::<u16>().map_err(|_| "the port is not a number".to_string());
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' in the host")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(port_of(p)?),
            None if after.is_empty() => None,
            None => return Err("unexpected text after the host's ']'".to_string()),
        };
        return Ok((Some(host), port));
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) => (host, Some(port_of(port)?)),
        None => (hostport, None),
    };
    if host.chars().any(|c| c.is_control() || c.is_whitespace() || "@&=?#\\".contains(c)) {
        return Err(
            "the host holds a character no host name has; write `@`, `?` or `#` inside the password or a query value as %40, %3F, %23"
                .to_string(),
        );
    }
    Ok(((!host.is_empty()).then_some(host), port))
}

/// Decodes %-escapes in `s`, the part of the URL that `what` names. Errors name the
/// part, never its text: it may be the password.
fn percent_decode(s: &str, what: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("bad %-escape in {what} (write % as %25)"))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the %-escapes in {what} are not UTF-8"))
}

/// `url` with any password replaced by `***`, for messages about URLs that may not
/// parse. The user info is found as [`DatabaseUrl::parse`] finds it; text without a
/// valid `scheme://` loses everything before its last `@` (or, without an `@`, after
/// its first `:`). `password=` query values
/// (and parameters spelled like it) are masked too.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = split_scheme(url) else {
        // Malformed (`postgres:/user:pw@host`): whatever precedes the last `@` may hold
        // a password; without one, whatever follows a `:` (`user:pw`).
        return match url.rsplit_once('@') {
            Some((_, host)) => format!("***@{}", mask_secret_pairs(host)),
            None => match url.split_once(':') {
                Some((before, _)) => format!("{}:***", mask_secret_pairs(before)),
                None => mask_secret_pairs(url),
            },
        };
    };
    let (userinfo, tail) = split_userinfo(rest);
    let userinfo = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, _)) => format!("{user}:***@"),
            None => format!("{info}@"),
        },
        None => String::new(),
    };
    format!("{scheme}://{userinfo}{}", mask_secret_pairs(tail))
}

/// `text` with the value of every `key=value` pair whose key looks secret masked.
/// Pairs are found between any `?` and `&`, not only in a well-formed query, so that a
/// `password=` that a mistyped URL leaves in a host or path is masked as well.
fn mask_secret_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let (segment, separator, after) = match rest.find(['?', '&']) {
            Some(at) => (&rest[..at], Some(&rest[at..at + 1]), &rest[at + 1..]),
            None => (rest, None, ""),
        };
        match segment.split_once('=') {
            Some((key, _)) if is_secret_param(key) || is_secret_param(&percent_decode_lossy(key)) => {
                out.push_str(key);
                out.push_str("=***");
            }
            _ => out.push_str(segment),
        }
        match separator {
            Some(separator) => out.push_str(separator),
            None => break,
        }
        rest = after;
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    percent_decode(s, "").unwrap_or_default()
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path: None } => f.write_str("sqlite://"),
            DatabaseUrl::Sqlite { path: Some(p) } => write!(f, "sqlite:///{}", p.display()),
            DatabaseUrl::Postgres(pg) => fmt::Display::fmt(pg, f),
            DatabaseUrl::Mysql(my) => fmt::Display::fmt(my, f),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let mut text = String::new();
        if let Some(user) = &self.user {
            text.push_str(user);
            if self.password.is_some() {
                text.push_str(":***");
            }
            text.push('@');
        } else if self.password.is_some() {
            text.push_str(":***@");
        }
        let host = self.host.as_deref().filter(|h| !h.starts_with('/'));
        if let Some(host) = host {
            if host.contains(':') {
                let _ = write!(text, "[{host}]");
            } else {
                text.push_str(host);
            }
        }
        if let Some(port) = self.port {
            let _ = write!(text, ":{port}");
        }
        if let Some(db) = &self.dbname {
            let _ = write!(text, "/{db}");
        }
        let socket = self.host.as_deref().filter(|h| h.starts_with('/'));
        let mut sep = '?';
        if let Some(socket) = socket {
            let _ = write!(text, "{sep}host={socket}");
            sep = '&';
        }
        for (k, v) in &self.params {
            let _ = write!(text, "{sep}{k}={v}");
            sep = '&';
        }
        // Secret-looking parameters, and any `password=` a parameter value or name
        // holds, are masked.
        write!(f, "postgresql://{}", mask_secret_pairs(&text))
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for MysqlUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let mut text = String::new();
        if let Some(user) = &self.user {
            text.push_str(user);
            if self.password.is_some() {
                text.push_str(":***");
            }
            text.push('@');
        } else if self.password.is_some() {
            text.push_str(":***@");
        }
        if let Some(host) = &self.host {
            if host.contains(':') {
                let _ = write!(text, "[{host}]");
            } else {
                text.push_str(host);
            }
        }
        if let Some(port) = self.port {
            let _ = write!(text, ":{port}");
        }
        if let Some(db) = &self.dbname {
            let _ = write!(text, "/{db}");
        }
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(socket) = &self.unix_socket {
            pairs.push(("unix_socket", socket));
        }
        if let Some(charset) = &self.charset {
            pairs.push(("charset", charset));
        }
        if let Some(mode) = self.ssl_mode {
            pairs.push(("ssl_mode", mode.name()));
        }
        if let Some(ca) = &self.ssl_ca {
            pairs.push(("ssl_ca", ca));
        }
        pairs.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (i, (k, v)) in pairs.iter().enumerate() {
            let _ = write!(text, "{}{k}={v}", if i == 0 { '?' } else { '&' });
        }
        write!(f, "mysql://{}", mask_secret_pairs(&text))
    }
}

impl fmt::Debug for MysqlUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> DatabaseUrl {
        DatabaseUrl::parse(url, Path::new("/proj")).unwrap()
    }

    #[test]
    fn sqlite_forms() {
        assert_eq!(parse("sqlite://"), DatabaseUrl::Sqlite { path: None });
        assert_eq!(parse("sqlite:///:memory:"), DatabaseUrl::Sqlite { path: None });
        assert_eq!(parse("sqlite:///app.db"), DatabaseUrl::Sqlite { path: Some("/proj/app.db".into()) });
        assert_eq!(parse("sqlite:////tmp/a.db"), DatabaseUrl::Sqlite { path: Some("/tmp/a.db".into()) });
        assert_eq!(parse("sqlite+pysqlite:///a.db").dialect(), Dialect::Sqlite);
    }

    #[test]
    fn postgres_forms_and_password_never_shown() {
        let DatabaseUrl::Postgres(pg) =
            parse("postgresql+psycopg2://bob:s%40cret@db.local:6543/app?sslmode=require")
        else {
            panic!("not postgres")
        };
        assert_eq!(pg.user.as_deref(), Some("bob"));
        assert_eq!(pg.password.as_deref(), Some("s@cret"));
        assert_eq!(pg.host.as_deref(), Some("db.local"));
        assert_eq!(pg.port, Some(6543));
        assert_eq!(pg.dbname.as_deref(), Some("app"));
        assert_eq!(pg.params, vec![("sslmode".into(), "require".into())]);
        let shown = format!("{pg} {pg:?}");
        assert!(!shown.contains("s@cret") && !shown.contains("s%40cret"), "{shown}");
        assert_eq!(pg.to_string(), "postgresql://bob:***@db.local:6543/app?sslmode=require");

        let DatabaseUrl::Postgres(sock) = parse("postgres://me@/app?host=/var/run/postgresql") else {
            panic!("not postgres")
        };
        assert_eq!(sock.host.as_deref(), Some("/var/run/postgresql"));
        let DatabaseUrl::Postgres(v6) = parse("postgresql://[::1]:5432/x") else { panic!() };
        assert_eq!((v6.host.as_deref(), v6.port), (Some("::1"), Some(5432)));
    }

    #[test]
    fn errors_redact_the_password() {
        let err = DatabaseUrl::parse("postgresql://u:hunter2@h:notaport/db", Path::new("/")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("u:***@h") && !text.contains("hunter2"), "{text}");
        let err = DatabaseUrl::parse("oracle://u:hunter2@h/db", Path::new("/")).unwrap_err().to_string();
        assert!(err.contains("unsupported dialect 'oracle'") && !err.contains("hunter2"), "{err}");
        assert_eq!(redact("postgresql://h/db?password=x&a=b"), "postgresql://h/db?password=***&a=b");
        assert_eq!(redact("postgres:/u:hunter2@h/db"), "***@h/db");
        assert_eq!(redact("postgresql://u:hun/ter?2@h:1/db"), "postgresql://u:***@h:1/db");
    }

    #[test]
    fn passwords_with_separators_end_at_the_last_at() {
        for (url, password) in [
            ("postgresql://u:s3cret/x@127.0.0.1:56000/sdb", "s3cret/x"),
            ("postgresql://u:s3?cr#et@127.0.0.1:56000/sdb?sslmode=disable", "s3?cr#et"),
            ("postgresql://u:p@ss:w/rd@h/db", "p@ss:w/rd"),
        ] {
            let DatabaseUrl::Postgres(pg) = parse(url) else { panic!("not postgres: {url}") };
            assert_eq!(pg.user.as_deref(), Some("u"), "{url}");
            assert_eq!(pg.password.as_deref(), Some(password), "{url}");
            assert_eq!(
                pg.host.as_deref(),
                Some(if url.contains("127.") { "127.0.0.1" } else { "h" }),
                "{url}"
            );
            let shown = format!("{pg} {pg:?} {}", redact(url));
            assert!(!shown.contains(password), "{shown}");
        }
        // A user name holding `@` (Azure's `user@server`) keeps it.
        let DatabaseUrl::Postgres(pg) = parse("postgresql://admin@srv:pw@srv.example.com/db") else {
            panic!()
        };
        assert_eq!((pg.user.as_deref(), pg.password.as_deref()), (Some("admin@srv"), Some("pw")));
        assert_eq!(pg.host.as_deref(), Some("srv.example.com"));
        // Without a password, an `@` after the path is not user info.
        let DatabaseUrl::Postgres(pg) = parse("postgresql://u@h/db?application_name=a@b") else { panic!() };
        assert_eq!((pg.user.as_deref(), pg.host.as_deref()), (Some("u"), Some("h")));
        assert_eq!(pg.params, vec![("application_name".into(), "a@b".into())]);
        let DatabaseUrl::Postgres(pg) = parse("postgresql://h/db?application_name=a@b") else { panic!() };
        assert_eq!((pg.user, pg.host.as_deref()), (None, Some("h")));
    }

    #[test]
    fn parse_errors_never_quote_the_password() {
        for url in [
            "postgresql://u:s3%cret@h/db",
            "postgresql://u:s3cret%@h/db",
            "postgresql://u:s3cret%ff@h/db",
            "postgresql://u:s3cret@h:xx/db",
            "postgresql://h/db?password=s3cret%zz",
            "postgresql://h/db?PASSWORD=s3cret&port=x",
            "u:s3cret://h",
            "mysql://u:s3cret@h:xx/db",
            "mysql://u:s3cret@h/db?ssl_mode=sometimes",
            "mariadb://u:s3c%ret@h/db",
            "sqlite://u:s3cret@h/db",
        ] {
            let err = DatabaseUrl::parse(url, Path::new("/")).unwrap_err().to_string();
            assert!(!err.contains("s3cret") && !err.contains("cret"), "{url}: {err}");
        }
        let err = DatabaseUrl::parse("postgresql://u:s3%cret@h/db", Path::new("/")).unwrap_err().to_string();
        assert!(err.ends_with("bad %-escape in the password (write % as %25)"), "{err}");
        assert_eq!(redact("postgresql://h/db?PassWord=x"), "postgresql://h/db?PassWord=***");
        // Malformed text: a `password=` pair, and whatever follows a `:`, are masked.
        assert_eq!(redact("?password=s3cret:x"), "?password=***:***");
        assert_eq!(redact("host/db?password=s3cret"), "host/db?password=***");
        // An `@` in a query value makes the last `@` a host's start; the `password=`
        // left in the "host" is still masked, and the host refused.
        let url = "postgresql://h:1/db?a@b&password=s3cret";
        assert_eq!(redact(url), "postgresql://h:***@b&password=***");
        let err = DatabaseUrl::parse(url, Path::new("/")).unwrap_err().to_string();
        assert!(err.contains("the host holds a character") && !err.contains("s3cret"), "{err}");
        let DatabaseUrl::Postgres(pg) = parse("postgresql://h/db?passwd=s3cret") else { panic!() };
        assert!(!pg.to_string().contains("s3cret"), "{pg}");
    }

    #[test]
    fn libpq_service_and_passfile_parameters_are_kept_and_shown() {
        let url = "postgresql://u:pw@h/db?service=app&passfile=/home/u/.pgpass";
        let DatabaseUrl::Postgres(pg) = parse(url) else { panic!() };
        assert_eq!(
            pg.params,
            vec![("service".into(), "app".into()), ("passfile".into(), "/home/u/.pgpass".into())]
        );
        assert_eq!(pg.to_string(), "postgresql://u:***@h/db?service=app&passfile=/home/u/.pgpass");
        assert_eq!(redact(url), "postgresql://u:***@h/db?service=app&passfile=/home/u/.pgpass");
        // A URL of only a service leaves host, user and database to it.
        let DatabaseUrl::Postgres(pg) = parse("postgresql://?service=app") else { panic!() };
        assert_eq!((pg.host, pg.user, pg.dbname), (None, None, None));
    }

    #[test]
    fn mysql_forms_and_password_never_shown() {
        let DatabaseUrl::Mysql(my) =
            parse("mysql+pymysql://bob:s%40cret@db.local:3307/app?charset=utf8mb4&ssl-mode=verify_identity")
        else {
            panic!("not mysql")
        };
        assert_eq!(my.user.as_deref(), Some("bob"));
        assert_eq!(my.password.as_deref(), Some("s@cret"));
        assert_eq!((my.host.as_deref(), my.port), (Some("db.local"), Some(3307)));
        assert_eq!(my.dbname.as_deref(), Some("app"));
        assert_eq!(my.charset.as_deref(), Some("utf8mb4"));
        assert_eq!(my.ssl_mode, Some(MysqlSslMode::VerifyIdentity));
        assert!(my.params.is_empty());
        let shown = format!("{my} {my:?} {}", DatabaseUrl::Mysql(my.clone()));
        assert!(!shown.contains("s@cret") && !shown.contains("s%40cret"), "{shown}");
        assert_eq!(
            my.to_string(),
            "mysql://bob:***@db.local:3307/app?charset=utf8mb4&ssl_mode=VERIFY_IDENTITY"
        );
        assert_eq!(DatabaseUrl::Mysql(my).dialect(), Dialect::Mysql);

        // `mariadb://`, a socket, `ssl_mode` with an underscore, a CA file, a password
        // holding separators (it runs to the last `@`).
        let url = "mariadb://u:p@ss/w?rd@localhost/db?unix_socket=/run/mysqld/mysqld.sock&ssl_mode=REQUIRED&ssl-ca=/ca.pem";
        let DatabaseUrl::Mysql(my) = parse(url) else { panic!("not mysql") };
        assert_eq!((my.user.as_deref(), my.password.as_deref()), (Some("u"), Some("p@ss/w?rd")));
        assert_eq!(my.unix_socket.as_deref(), Some("/run/mysqld/mysqld.sock"));
        assert_eq!((my.ssl_mode, my.ssl_ca.as_deref()), (Some(MysqlSslMode::Required), Some("/ca.pem")));
        assert!(!format!("{my} {}", redact(url)).contains("p@ss"), "{my}");

        // No user, no port, no database; unknown parameters are kept for connect to refuse.
        let DatabaseUrl::Mysql(my) = parse("mysql://[::1]?connect_timeout=5&password=hunter2") else {
            panic!()
        };
        assert_eq!((my.host.as_deref(), my.port, my.dbname.as_deref()), (Some("::1"), None, None));
        assert_eq!(my.params, vec![("connect_timeout".into(), "5".into())]);
        assert_eq!(my.password.as_deref(), Some("hunter2"));
        assert!(!my.to_string().contains("hunter2"), "{my}");
    }

    #[test]
    fn mysql_parameters_are_checked() {
        let err = |url: &str| DatabaseUrl::parse(url, Path::new("/")).unwrap_err().to_string();
        assert!(err("mysql://h/db?ssl_mode=maybe").contains("ssl_mode 'maybe' is not one of"));
        assert!(err("mysql://h/db?charset=utf8;DROP").contains("is not a character set name"));
        assert!(err("mysql://h:port/db").contains("the port is not a number"));
        for mode in ["disabled", "Preferred", "verify-ca", "VERIFY_IDENTITY", "required"] {
            assert!(MysqlSslMode::parse(mode).is_some(), "{mode}");
        }
        assert_eq!(Dialect::from_name("MariaDB"), Some(Dialect::Mysql));
        assert_eq!(Dialect::Mysql.name(), "mysql");
    }
}
