//! PostgreSQL URLs: `postgresql://user:pass@host:port/db?key=value&…` (also
//! `postgres://` and `postgresql+driver://`); a unix socket folder as `?host=/dir`.
//! Which parameters connecting accepts is the driver's business (libpq's list).

use std::fmt;

use crate::url::parts::{ServerUrl, Shown, parse_port, parse_server, write_server};

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

impl PostgresUrl {
    /// Parses the part of a PostgreSQL URL after `scheme://`. The errors never quote
    /// the URL (it may hold the password); the caller names it, redacted.
    pub(crate) fn parse(rest: &str) -> Result<PostgresUrl, String> {
        let ServerUrl { user, password, host, port, dbname, params: pairs } = parse_server(rest)?;
        let mut url = PostgresUrl { user, password, host, port, dbname, params: Vec::new() };
        for (key, value) in pairs {
            match key.as_str() {
                "host" => url.host = Some(value),
                "port" => url.port = Some(parse_port(&value)?),
                "user" => url.user = Some(value),
                "password" => url.password = Some(value),
                "dbname" => url.dbname = Some(value),
                _ => url.params.push((key, value)),
            }
        }
        Ok(url)
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A socket folder is a `host=` parameter, not a host name.
        let socket = self.host.as_deref().filter(|h| h.starts_with('/'));
        let host = self.host.as_deref().filter(|h| !h.starts_with('/'));
        let params: Vec<(&str, &str)> = socket
            .map(|s| ("host", s))
            .into_iter()
            .chain(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .collect();
        let shown = Shown {
            user: self.user.as_deref(),
            has_password: self.password.is_some(),
            host,
            port: self.port,
            dbname: self.dbname.as_deref(),
        };
        write_server(f, "postgresql", shown, &params)
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
