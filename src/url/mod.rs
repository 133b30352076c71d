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
//! Where the user info ends (see `parts::split_userinfo`): a password is often pasted
//! without %-escaping, so when `user:` starts the URL the password runs to the *last*
//! `@`, and may hold `/`, `?`, `#`, `:` and `@`. Without a `user:` part, the user info
//! is whatever precedes the last `@` before the path or query (user names such as
//! `admin@server` keep their `@`). An `@` in a query value of a URL with a password
//! must then be written `%40`.

pub(crate) mod parts;

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::dialect::Dialect;
pub use crate::dialect::mysql::url::{MysqlSslMode, MysqlUrl};
pub use crate::dialect::postgresql::url::PostgresUrl;
use crate::error::{Error, Result};
use parts::{mask_secret_pairs, split_scheme, split_userinfo};

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

impl DatabaseUrl {
    /// Parses `url`; relative SQLite paths are resolved against `root`.
    pub fn parse(url: &str, root: &Path) -> Result<DatabaseUrl> {
        let bad = |why: &str| Error::Config(format!("invalid database URL '{}': {why}", redact(url)));
        let Some((scheme, rest)) = split_scheme(url) else {
            return Err(bad(
                "expected scheme://… (sqlite:///app.db, postgresql://user@host/db or mysql://user@host/db)",
            ));
        };
        // `postgresql+psycopg://`: the part before `+` names the dialect (its name or an
        // alias); the driver SQLAlchemy would use is ours to choose.
        let name = scheme.split('+').next().unwrap_or(scheme);
        match Dialect::from_name(name) {
            Some(Dialect::Sqlite) => crate::dialect::sqlite::url::parse_path(rest, root)
                .map(|path| DatabaseUrl::Sqlite { path })
                .map_err(|e| bad(&e)),
            Some(Dialect::Postgresql) => {
                PostgresUrl::parse(rest).map(DatabaseUrl::Postgres).map_err(|e| bad(&e))
            }
            Some(Dialect::Mysql) => MysqlUrl::parse(rest).map(DatabaseUrl::Mysql).map_err(|e| bad(&e)),
            None => {
                let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
                Err(bad(&format!(
                    "unsupported dialect '{}' (supported: {})",
                    name.to_ascii_lowercase(),
                    names.join(", ")
                )))
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
    fn schemes_are_the_dialects_names_and_aliases() {
        assert_eq!(parse("postgres://h/db").dialect(), Dialect::Postgresql);
        assert_eq!(parse("POSTGRESQL+psycopg://h/db").dialect(), Dialect::Postgresql);
        assert_eq!(parse("mariadb+pymysql://h/db").dialect(), Dialect::Mysql);
        let err = DatabaseUrl::parse("oracle+cx://u:s3cret@h/db", Path::new("/")).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid database URL 'oracle+cx://u:***@h/db': unsupported dialect 'oracle' (supported: sqlite, postgresql, mysql)"
        );
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
}
