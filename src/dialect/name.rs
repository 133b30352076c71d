//! The names of the dialects: the one list the rest of the crate (ops' `execute` keys,
//! URLs, `--dialect`) may know of without depending on the dialects' implementations.
//! [`Dialect::imp`](super::Dialect::imp), in the parent module, maps a name to its
//! implementation; together they are the registration of a dialect.

use std::fmt;

/// A database dialect the ops can be rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// SQLite (3.35 or later, for `DROP COLUMN`).
    Sqlite,
    /// PostgreSQL (12 or later).
    Postgresql,
    /// MySQL (8.0 or later) and MariaDB (10.11 or later).
    Mysql,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgresql, Dialect::Mysql];

    /// The dialect's name, as in `execute` keys and `--dialect`: `"sqlite"`,
    /// `"postgresql"` or `"mysql"`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgresql => "postgresql",
            Dialect::Mysql => "mysql",
        }
    }

    /// Other names `--dialect` and URLs accept for it (`"postgres"`), lower case.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Dialect::Sqlite => &[],
            Dialect::Postgresql => &["postgres"],
            Dialect::Mysql => &["mariadb"],
        }
    }

    /// The dialect called `name` or one of its aliases (`"postgres"`), in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        Dialect::ALL.into_iter().find(|d| d.name() == lower || d.aliases().contains(&lower.as_str()))
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
