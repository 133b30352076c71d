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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::url::{DatabaseUrl, Dialect, redact};

    fn parse(url: &str) -> DatabaseUrl {
        DatabaseUrl::parse(url, Path::new("/")).unwrap()
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
