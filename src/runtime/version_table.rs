//! The version table, exactly as Python Alembic creates it, so a database can move
//! between the two tools:
//!
//! ```sql
//! CREATE TABLE alembic_version (
//!     version_num VARCHAR(32) NOT NULL,
//!     CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
//! )
//! ```
//!
//! One row per current head. The statements are rendered here once and serve both the
//! online helpers below (run on a [`Backend`]) and offline `--sql` output. They are
//! byte for byte what SQLAlchemy compiles for Alembic (tab indentation and the space
//! after the comma included, so SQLite's `sqlite_master` holds the same text), with two
//! deliberate differences: revision ids are escaped string literals (Alembic pastes them
//! in raw), and INSERT has no `RETURNING` clause (an artifact of SQLAlchemy's
//! primary-key fetching that SQLite before 3.35 rejects). Offline output indents with
//! four spaces, as Alembic does: replace the tab when printing.

use crate::runtime::connection::{Backend, DbError, DbErrorKind};
use crate::url::Dialect;

/// The table name Alembic uses when `version_table` is not set.
pub const DEFAULT_VERSION_TABLE: &str = "alembic_version";

/// The width of `version_num`, as in Alembic.
pub const VERSION_NUM_LENGTH: usize = 32;

/// Where a project keeps its current revisions: `version_table` in
/// `version_table_schema`, for one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTable {
    dialect: Dialect,
    name: String,
    schema: Option<String>,
}

impl VersionTable {
    /// The table `name` in `schema` (the search path's first schema, or SQLite's `main`,
    /// when `None`), rendered for `dialect`.
    pub fn new(dialect: Dialect, name: impl Into<String>, schema: Option<String>) -> Self {
        VersionTable { dialect, name: name.into(), schema }
    }

    /// Alembic's default: `alembic_version`, no schema.
    pub fn default_for(dialect: Dialect) -> Self {
        VersionTable::new(dialect, DEFAULT_VERSION_TABLE, None)
    }

    /// The dialect the statements are rendered for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The table name, unquoted.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema, unquoted, if one is set.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The primary key's name: `<table>_pkc`, as Alembic names it.
    pub fn constraint_name(&self) -> String {
        format!("{}_pkc", self.name)
    }

    /// The table as written in SQL: `alembic_version`, `"My Schema"."Version"`.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", self.quote(schema), self.quote(&self.name)),
            None => self.quote(&self.name),
        }
    }

    /// The key of the migration lock for this table ([`Backend::lock`]): migrators of
    /// the same version table exclude each other, those of other tables do not.
    pub fn lock_key(&self) -> String {
        format!("alembic:{}", self.qualified_name())
    }

    /// `CREATE TABLE …` for this table.
    pub fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE {} (\n\tversion_num VARCHAR({VERSION_NUM_LENGTH}) NOT NULL, \n\tCONSTRAINT {} PRIMARY KEY (version_num)\n)",
            self.qualified_name(),
            self.quote(&self.constraint_name()),
        )
    }

    /// `INSERT …` of the head `id`.
    pub fn insert_sql(&self, id: &str) -> String {
        format!("INSERT INTO {} (version_num) VALUES ({})", self.qualified_name(), literal(self.dialect, id))
    }

    /// `UPDATE …` replacing the head `from` with `to`.
    pub fn update_sql(&self, from: &str, to: &str) -> String {
        let table = self.qualified_name();
        format!(
            "UPDATE {table} SET version_num={} WHERE {table}.version_num = {}",
            literal(self.dialect, to),
            literal(self.dialect, from)
        )
    }

    /// `DELETE …` of the head `id`.
    pub fn delete_sql(&self, id: &str) -> String {
        let table = self.qualified_name();
        format!("DELETE FROM {table} WHERE {table}.version_num = {}", literal(self.dialect, id))
    }

    /// `DELETE …` of every row (`stamp --purge`).
    pub fn delete_all_sql(&self) -> String {
        format!("DELETE FROM {}", self.qualified_name())
    }

    /// `SELECT …` of the current heads.
    pub fn select_sql(&self) -> String {
        let table = self.qualified_name();
        format!("SELECT {table}.version_num FROM {table}")
    }

    /// A query returning one row when the table exists (a table, not a view of the same
    /// name elsewhere on the search path), none otherwise.
    pub fn exists_sql(&self) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let catalog = match &self.schema {
                    Some(schema) => format!("{}.sqlite_master", self.quote(schema)),
                    None => "sqlite_master".to_string(),
                };
                format!(
                    "SELECT name FROM {catalog} WHERE type = 'table' AND name = {}",
                    literal(self.dialect, &self.name)
                )
            }
            // A placeholder until the MySQL dialect lands on main.
            Dialect::Mysql => format!(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' \
                 AND TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                self.schema.as_deref().map_or_else(|| "DATABASE()".to_string(), |s| literal(self.dialect, s)),
                literal(self.dialect, &self.name)
            ),
            Dialect::Postgresql => {
                // Without a schema, the table the search path resolves to, as
                // SQLAlchemy's has_table does.
                let scope = match &self.schema {
                    Some(schema) => format!("n.nspname = {}", literal(self.dialect, schema)),
                    None => "pg_catalog.pg_table_is_visible(c.oid)".to_string(),
                };
                format!(
                    "SELECT c.relname FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE c.relname = {} AND c.relkind IN ('r', 'p') AND {scope}",
                    literal(self.dialect, &self.name)
                )
            }
        }
    }

    /// Whether the table exists.
    pub async fn exists<B: Backend>(&self, db: &mut B) -> Result<bool, DbError> {
        Ok(!db.query_rows(&self.exists_sql()).await?.is_empty())
    }

    /// Creates the table if it is missing; returns whether it did. Call it inside the
    /// run's lock or transaction, so two migrators do not both create it.
    pub async fn ensure<B: Backend>(&self, db: &mut B) -> Result<bool, DbError> {
        if self.exists(db).await? {
            return Ok(false);
        }
        db.execute(&self.create_sql()).await?;
        Ok(true)
    }

    /// The current heads, sorted (Alembic returns them in table order). Never creates
    /// the table: a database without it has no current revision.
    pub async fn read_heads<B: Backend>(&self, db: &mut B) -> Result<Vec<String>, DbError> {
        if !self.exists(db).await? {
            return Ok(Vec::new());
        }
        self.read_existing_heads(db).await
    }

    /// The current heads, sorted, from a table known to exist (no catalog lookup).
    pub async fn read_existing_heads<B: Backend>(&self, db: &mut B) -> Result<Vec<String>, DbError> {
        let mut heads = db.query_column(&self.select_sql()).await?;
        heads.sort();
        Ok(heads)
    }

    /// Inserts the head `id`.
    pub async fn insert<B: Backend>(&self, db: &mut B, id: &str) -> Result<(), DbError> {
        db.execute(&self.insert_sql(id)).await.map(drop)
    }

    /// Replaces the head `from` with `to`; fails unless exactly one row changed.
    pub async fn update<B: Backend>(&self, db: &mut B, from: &str, to: &str) -> Result<(), DbError> {
        let sql = self.update_sql(from, to);
        let changed = db.execute(&sql).await?;
        self.expect_one(changed, &format!("updating '{from}' to '{to}'"), sql)
    }

    /// Deletes the head `id`; fails unless exactly one row changed.
    pub async fn delete<B: Backend>(&self, db: &mut B, id: &str) -> Result<(), DbError> {
        let sql = self.delete_sql(id);
        let changed = db.execute(&sql).await?;
        self.expect_one(changed, &format!("deleting '{id}'"), sql)
    }

    /// Deletes every head.
    pub async fn delete_all<B: Backend>(&self, db: &mut B) -> Result<(), DbError> {
        db.execute(&self.delete_all_sql()).await.map(drop)
    }

    fn expect_one(&self, changed: u64, doing: &str, sql: String) -> Result<(), DbError> {
        if changed == 1 {
            return Ok(());
        }
        // Alembic's text, so the failure reads the same from either tool.
        let message = format!(
            "Online migration expected to match one row when {doing} in '{}'; {changed} found",
            self.name
        );
        Err(DbError::new(DbErrorKind::RowCount, message).with_sql(sql))
    }

    fn quote(&self, ident: &str) -> String {
        quote_ident(self.dialect, ident)
    }
}

/// `value` as a SQL string literal for `dialect` (see
/// [`crate::dialect::literal::string_literal`]).
pub fn literal(dialect: Dialect, value: &str) -> String {
    crate::dialect::literal::string_literal(dialect, value)
}

/// `ident` as SQLAlchemy writes it for `dialect`: bare when it is lower case, starts
/// with a letter or `_`, holds only letters, digits, `_` and `$`, and is not a reserved
/// word; otherwise in double quotes, inner quotes doubled.
pub fn quote_ident(dialect: Dialect, ident: &str) -> String {
    crate::dialect::quote::quote_identifier(dialect, ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_match_alembic() {
        let vt = VersionTable::default_for(Dialect::Postgresql);
        assert_eq!(
            vt.create_sql(),
            "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"
        );
        assert_eq!(vt.insert_sql("aaa"), "INSERT INTO alembic_version (version_num) VALUES ('aaa')");
        assert_eq!(
            vt.update_sql("aaa", "bbb"),
            "UPDATE alembic_version SET version_num='bbb' WHERE alembic_version.version_num = 'aaa'"
        );
        assert_eq!(
            vt.delete_sql("aaa"),
            "DELETE FROM alembic_version WHERE alembic_version.version_num = 'aaa'"
        );
        assert_eq!(vt.select_sql(), "SELECT alembic_version.version_num FROM alembic_version");
    }

    #[test]
    fn names_are_quoted_as_sqlalchemy_does() {
        let vt = VersionTable::new(Dialect::Postgresql, "Version", Some("My Schema".into()));
        assert_eq!(vt.qualified_name(), "\"My Schema\".\"Version\"");
        assert!(vt.create_sql().contains("CONSTRAINT \"Version_pkc\" PRIMARY KEY"));
        let pg = VersionTable::new(Dialect::Postgresql, "order", Some("user".into()));
        assert_eq!(pg.qualified_name(), "\"user\".\"order\"");
        let lite = VersionTable::new(Dialect::Sqlite, "order", Some("user".into()));
        assert_eq!(lite.qualified_name(), "user.\"order\"");
        assert_eq!(quote_ident(Dialect::Sqlite, "9lives"), "\"9lives\"");
        assert_eq!(quote_ident(Dialect::Sqlite, "a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn values_are_escaped() {
        let vt = VersionTable::default_for(Dialect::Sqlite);
        assert_eq!(vt.insert_sql("a'b"), "INSERT INTO alembic_version (version_num) VALUES ('a''b')");
    }
}
