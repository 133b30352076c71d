//! Reading a live database into the schema model ([`Schema`]), for autogenerate.
//!
//! [`reflect`] reads one schema (PostgreSQL) or attached database (SQLite) with a
//! fixed number of bulk catalog queries, whatever the number of tables:
//!
//! - PostgreSQL: eleven `pg_catalog` queries (columns with their tables, constraints,
//!   indexes, enum types; and the objects other than tables: extensions, domains,
//!   sequences, functions, aggregates, views, triggers), each filtered by schema; never one round per table.
//! - SQLite: four queries joining `sqlite_master` with the table-valued pragma
//!   functions (`pragma_table_xinfo`, `pragma_foreign_key_list`, `pragma_index_list`,
//!   `pragma_index_xinfo`), and one for triggers and views (their statements, which
//!   a table rebuild puts back); names of constraints, which no pragma gives, are
//!   read from the `CREATE TABLE` text.
//! - MySQL/MariaDB: [`MYSQL_CATALOG_QUERIES`] `information_schema` queries for one
//!   database (see the `mysql` module for how its types, defaults and indexes map).
//!
//! Types are mapped back to the neutral [`SqlType`](crate::schema::types::SqlType)s
//! the renderer emits (`character varying(50)` → `varchar(50)`, SQLite `DATETIME` →
//! `timestamp`), other types are kept as the database spells them. Server defaults are
//! SQL text with redundant literal casts removed (`'x'::text` → `'x'`); a serial or
//! identity column is `autoincrement = true` with no default. The version table and
//! tables matching `exclude_tables` are left out.
//!
//! [`load_schema_sql`] loads a SQL file into a scratch database of the same dialect
//! and reflects it (`target = "schema.sql"`).

mod filter;
mod load;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgresql;
#[cfg(feature = "postgres")]
mod postgresql_objects;
mod sqlite;
mod sqlite_ddl;

use crate::dialect::Dialect;
use crate::runtime::connection::{Backend, DbError, TextRow};
use crate::runtime::version_table::DEFAULT_VERSION_TABLE;
use crate::schema::model::Schema;

pub use filter::{TableFilter, glob_match};
pub use load::load_schema_sql;

/// The number of catalog queries a PostgreSQL reflection sends, whatever the schema
/// holds (columns, constraints, indexes, enum types; extensions, domains, functions,
/// views, triggers).
pub const POSTGRES_CATALOG_QUERIES: usize = 11;

/// The number of queries a SQLite reflection sends (columns, foreign keys, index
/// list, index columns, triggers and views), whatever the database holds.
pub const SQLITE_CATALOG_QUERIES: usize = 5;

/// The number of queries a MySQL/MariaDB reflection sends, whatever the database
/// holds: the server's version and the database, tables, columns, the foreign keys'
/// rules, primary and foreign key columns (each read alone and joined here: MariaDB's
/// `information_schema` joins cost ten times the queries apart), index statistics,
/// check constraints, views, triggers.
pub const MYSQL_CATALOG_QUERIES: usize = 9;

/// What to reflect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectOptions {
    /// The schema (PostgreSQL) or attached database (SQLite) to read; `None` for the
    /// default one (`current_schema()`, `main`). Tables reflected from a named schema
    /// carry it in [`Table::schema`](crate::schema::model::Table::schema).
    pub schema: Option<String>,
    /// The version table's name; it is never part of the result.
    pub version_table: String,
    /// Glob patterns (`*`, `?`, `[abc]`) of table names to leave out; a pattern is
    /// matched against the bare name and against `schema.name`.
    pub exclude_tables: Vec<String>,
    /// With `schema` `None`, also read every other schema of the database: on
    /// PostgreSQL all but `pg_*` and `information_schema`, each with a `schema` object
    /// (`CREATE SCHEMA`); on SQLite the attached databases. Tables of the default
    /// schema keep `schema` `None`.
    pub include_schemas: bool,
}

impl Default for ReflectOptions {
    fn default() -> Self {
        ReflectOptions {
            schema: None,
            version_table: DEFAULT_VERSION_TABLE.to_string(),
            exclude_tables: Vec::new(),
            include_schemas: false,
        }
    }
}

impl ReflectOptions {
    /// The filter these options describe.
    pub fn filter(&self) -> TableFilter {
        TableFilter::new(&self.version_table, &self.exclude_tables)
    }
}

/// Why reflection failed.
#[derive(Debug, thiserror::Error)]
pub enum ReflectError {
    /// A catalog query (or, for [`load_schema_sql`], the schema script) failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A statement of a schema script failed ([`load_schema_sql`]).
    #[error(transparent)]
    Statement(Box<StatementError>),
    /// A schema script could not be cut into statements.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    #[error(transparent)]
    Script(crate::dialect::script::ScriptError),
    /// The catalog returned something this reflector does not understand.
    #[error("unexpected catalog data: {0}")]
    Catalog(String),
    /// This build cannot reach the dialect (its driver feature is off).
    #[error("reflection of {0} needs the `{1}` feature of alembic")]
    Unavailable(Dialect, &'static str),
}

/// A failed statement of a schema script: where it is, how it starts, and the
/// database's error.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {} [SQL: {statement}]", source.message())]
pub struct StatementError {
    /// The 1-based line the statement starts on.
    pub line: usize,
    /// The statement, folded on one line and shortened.
    pub statement: String,
    /// The database's error.
    #[source]
    pub source: DbError,
}

/// A reflected schema and how many catalog queries reading it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Reflection {
    /// The schema read.
    pub schema: Schema,
    /// Number of queries sent to the database: a constant per dialect, independent of
    /// the number of tables.
    pub queries: usize,
}

/// Reads the database behind `db` into a [`Schema`] (see the module documentation).
pub async fn reflect<B: Backend>(db: &mut B, opts: &ReflectOptions) -> Result<Schema, ReflectError> {
    reflect_counted(db, opts).await.map(|r| r.schema)
}

/// [`reflect`], also reporting the number of catalog queries.
pub async fn reflect_counted<B: Backend>(
    db: &mut B,
    opts: &ReflectOptions,
) -> Result<Reflection, ReflectError> {
    let mut q = Queries { db, count: 0 };
    let schema = match q.db.dialect() {
        Dialect::Sqlite if opts.include_schemas && opts.schema.is_none() => {
            // Attached databases are SQLite's schemas.
            let attached =
                q.rows("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')").await?;
            let mut all = sqlite::reflect(&mut q, opts).await?;
            for row in &attached {
                let one = ReflectOptions { schema: Some(required(row, 0)?.to_string()), ..opts.clone() };
                let one = sqlite::reflect(&mut q, &one).await?;
                for table in one.tables.iter().cloned() {
                    all.insert_table(table)
                        .map_err(|t| ReflectError::Catalog(format!("table {} listed twice", t.name)))?;
                }
                all.objects.extend(one.objects);
            }
            all
        }
        Dialect::Sqlite => sqlite::reflect(&mut q, opts).await?,
        #[cfg(feature = "postgres")]
        Dialect::Postgresql if opts.include_schemas && opts.schema.is_none() => {
            postgresql::reflect_all_schemas(&mut q, opts).await?
        }
        #[cfg(feature = "postgres")]
        Dialect::Postgresql => postgresql::reflect(&mut q, opts).await?,
        #[cfg(not(feature = "postgres"))]
        Dialect::Postgresql => return Err(ReflectError::Unavailable(Dialect::Postgresql, "postgres")),
        #[cfg(feature = "mysql")]
        Dialect::Mysql => mysql::reflect(&mut q, opts).await?,
        #[cfg(not(feature = "mysql"))]
        Dialect::Mysql => return Err(ReflectError::Unavailable(Dialect::Mysql, "mysql")),
    };
    Ok(Reflection { schema, queries: q.count })
}

/// A backend that counts the queries sent through it.
struct Queries<'a, B: Backend> {
    db: &'a mut B,
    count: usize,
}

impl<B: Backend> Queries<'_, B> {
    async fn rows(&mut self, sql: &str) -> Result<Vec<TextRow>, ReflectError> {
        self.count += 1;
        Ok(self.db.query_rows(sql).await?)
    }
}

/// Reads column `i` of a catalog row, or says which one is missing.
fn cell(row: &TextRow, i: usize) -> Result<Option<&str>, ReflectError> {
    row.get(i)
        .map(|c| c.as_deref())
        .ok_or_else(|| ReflectError::Catalog(format!("a catalog row has no column {i}")))
}

/// Reads column `i`, which must not be NULL.
fn required(row: &TextRow, i: usize) -> Result<&str, ReflectError> {
    cell(row, i)?.ok_or_else(|| ReflectError::Catalog(format!("column {i} of a catalog row is NULL")))
}

/// A SQL string literal for `dialect`, for catalog queries that name a schema (one
/// implementation: [`crate::dialect::literal::string_literal`]).
fn literal(dialect: crate::dialect::Dialect, text: &str) -> String {
    crate::dialect::literal::string_literal(dialect, text)
}
