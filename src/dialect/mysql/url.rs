//! MySQL and MariaDB URLs: `mysql://user:pass@host:port/db?key=value&…`, also
//! `mariadb://` and `mysql+driver://` (`mysql+pymysql://`, as SQLAlchemy writes it);
//! parameters `charset`, `ssl_mode` (or `ssl-mode`), `ssl_ca` (or `ssl-ca`) and
//! `unix_socket`.

use std::fmt;

use crate::url::parts::{ServerUrl, Shown, parse_port, parse_server, write_server};

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

impl MysqlUrl {
    /// Parses the part of a MySQL URL after `scheme://`. The errors never quote the
    /// URL (it may hold the password); the caller names it, redacted.
    pub(crate) fn parse(rest: &str) -> Result<MysqlUrl, String> {
        let ServerUrl { user, password, host, port, dbname, params: pairs } = parse_server(rest)?;
        let mut url = MysqlUrl {
            user,
            password,
            host,
            port,
            dbname,
            unix_socket: None,
            charset: None,
            ssl_mode: None,
            ssl_ca: None,
            params: Vec::new(),
        };
        for (key, value) in pairs {
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
                "port" => url.port = Some(parse_port(&value)?),
                "user" => url.user = Some(value),
                "password" => url.password = Some(value),
                _ => url.params.push((key, value)),
            }
        }
        Ok(url)
    }
}

impl fmt::Display for MysqlUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(socket) = &self.unix_socket {
            params.push(("unix_socket", socket));
        }
        if let Some(charset) = &self.charset {
            params.push(("charset", charset));
        }
        if let Some(mode) = self.ssl_mode {
            params.push(("ssl_mode", mode.name()));
        }
        if let Some(ca) = &self.ssl_ca {
            params.push(("ssl_ca", ca));
        }
        params.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let shown = Shown {
            user: self.user.as_deref(),
            has_password: self.password.is_some(),
            host: self.host.as_deref(),
            port: self.port,
            dbname: self.dbname.as_deref(),
        };
        write_server(f, "mysql", shown, &params)
    }
}

impl fmt::Debug for MysqlUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
