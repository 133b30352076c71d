//! Database URLs, as SQLAlchemy writes them. The password is kept but never shown:
//! [`DatabaseUrl`]'s `Display` prints it as `***`, and so does every error.
//!
//! Accepted forms:
//! - `sqlite:///relative/path.db` (relative to the folder of `alembic.toml`),
//!   `sqlite:////absolute/path.db`, `sqlite://` and `sqlite:///:memory:` (in memory);
//! - `postgresql://user:pass@host:port/db?key=value&…`, also spelled `postgres://` or
//!   `postgresql+driver://`; a unix socket as `?host=/path/to/dir`.

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
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad("expected scheme://… (sqlite:///app.db or postgresql://user@host/db)"));
        };
        let dialect = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
        match dialect.as_str() {
            "sqlite" => {
                let (rest, _query) = rest.split_once('?').unwrap_or((rest, ""));
                let path = match rest {
                    "" | "/" | "/:memory:" => None,
                    _ => match rest.strip_prefix('/') {
                        Some(p) if p.starts_with('/') => Some(PathBuf::from(p)),
                        Some(p) => Some(root.join(percent_decode(p).map_err(|e| bad(&e))?)),
                        None => {
                            return Err(bad("a SQLite URL has no host: write sqlite:///path.db"));
                        }
                    },
                };
                Ok(DatabaseUrl::Sqlite { path })
            }
            "postgresql" | "postgres" => parse_postgres(rest).map(DatabaseUrl::Postgres).map_err(|e| bad(&e)),
            other => Err(bad(&format!("unsupported dialect '{other}' (supported: sqlite, postgresql)"))),
        }
    }

    /// The dialect of this URL.
    pub fn dialect(&self) -> Dialect {
        match self {
            DatabaseUrl::Sqlite { .. } => Dialect::Sqlite,
            DatabaseUrl::Postgres(_) => Dialect::Postgresql,
        }
    }
}

fn parse_postgres(rest: &str) -> std::result::Result<PostgresUrl, String> {
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, dbname) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pass)) => (Some(percent_decode(user)?), Some(percent_decode(pass)?)),
            None => (Some(percent_decode(u)?), None),
        },
    };
    let (host, port) = split_host_port(hostport)?;
    let mut url = PostgresUrl {
        user: user.filter(|u| !u.is_empty()),
        password,
        host: host.map(percent_decode).transpose()?.filter(|h| !h.is_empty()),
        port,
        dbname: Some(percent_decode(dbname)?).filter(|d| !d.is_empty()),
        params: Vec::new(),
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (percent_decode(key)?, percent_decode(value)?);
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

fn split_host_port(hostport: &str) -> std::result::Result<(Option<&str>, Option<u16>), String> {
    let port_of = |p: &str| p.parse::<u16>().map_err(|_| format!("port '{p}' is not a number"));
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("unclosed '[' in host")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(port_of(p)?),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected '{after}' after host")),
        };
        return Ok((Some(host), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) => Ok((Some(host), Some(port_of(port)?))),
        None => Ok(((!hostport.is_empty()).then_some(hostport), None)),
    }
}

fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or("truncated %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad %-escape '%{hex}'"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "%-escapes are not UTF-8".into())
}

/// `url` with any password replaced by `***`, for messages about URLs that did not parse.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Malformed (`postgres:/user:pw@host`): whatever precedes the last `@` may hold
        // a password.
        return match url.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => url.to_string(),
        };
    };
    // The user info ends at the last `@`, even when an unescaped `/` or `?` in the
    // password comes before it; otherwise the authority ends at the path or query.
    let (authority, tail) = match rest.rfind('@') {
        Some(at) => {
            let end = rest[at..].find(['/', '?']).map_or(rest.len(), |i| at + i);
            rest.split_at(end)
        }
        None => match rest.find(['/', '?']) {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        },
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = redact_query_password(tail);
    format!("{scheme}://{authority}{tail}")
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***".to_string(),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path: None } => f.write_str("sqlite://"),
            DatabaseUrl::Sqlite { path: Some(p) } => write!(f, "sqlite:///{}", p.display()),
            DatabaseUrl::Postgres(pg) => fmt::Display::fmt(pg, f),
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
        f.write_str("postgresql://")?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        let host = self.host.as_deref().filter(|h| !h.starts_with('/'));
        if let Some(host) = host {
            if host.contains(':') {
                write!(f, "[{host}]")?;
            } else {
                f.write_str(host)?;
            }
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(db) = &self.dbname {
            write!(f, "/{db}")?;
        }
        let socket = self.host.as_deref().filter(|h| h.starts_with('/'));
        let mut sep = '?';
        if let Some(socket) = socket {
            write!(f, "{sep}host={socket}")?;
            sep = '&';
        }
        for (k, v) in &self.params {
            write!(f, "{sep}{k}={v}")?;
            sep = '&';
        }
        Ok(())
    }
}

impl fmt::Debug for PostgresUrl {
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
        let err = DatabaseUrl::parse("mysql://u:hunter2@h/db", Path::new("/")).unwrap_err().to_string();
        assert!(err.contains("unsupported dialect 'mysql'") && !err.contains("hunter2"), "{err}");
        assert_eq!(redact("postgresql://h/db?password=x&a=b"), "postgresql://h/db?password=***&a=b");
        assert_eq!(redact("postgres:/u:hunter2@h/db"), "***@h/db");
        assert_eq!(redact("postgresql://u:hun/ter?2@h:1/db"), "postgresql://u:***@h:1/db");
    }
}
