//! What reflection is asked (options), what it returns and how it fails, and the
//! counted query channel with the row readers that every dialect's catalog queries
//! share. The dialects' reflectors live in `dialect/<name>/driver/reflect.rs`.

use crate::dialect::Dialect;
use crate::runtime::connection::{Backend, DbError, TextRow};
use crate::runtime::version_table::DEFAULT_VERSION_TABLE;
use crate::schema::model::{Schema, SchemaObject};

use super::filter::TableFilter;

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
    /// (`CREATE SCHEMA`); on MySQL every database of the server but the system ones,
    /// each with its `CREATE SCHEMA`; on SQLite the attached databases. Tables of the default
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
#[non_exhaustive]
pub enum ReflectError {
    /// A catalog query (or, for [`load_schema_sql`](super::load_schema_sql), the schema script) failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// A statement of a schema script failed ([`load_schema_sql`](super::load_schema_sql)).
    #[error(transparent)]
    Statement(Box<StatementError>),
    /// A schema script could not be cut into statements.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    #[error(transparent)]
    Script(crate::dialect::script::ScriptError),
    /// A statement of a schema script would act beyond the scratch database it is
    /// loaded into (create, drop or switch to a real database, schema on MySQL, role
    /// or user): refused before it runs ([`load_schema_sql`](super::load_schema_sql)).
    #[error(
        "line {line}: the schema file acts on the server beyond its own database, which a scratch load cannot contain: remove this statement (a target schema file declares the objects of one database) [SQL: {statement}]"
    )]
    ServerWide {
        /// The 1-based line the statement starts on.
        line: usize,
        /// The statement, folded on one line and shortened.
        statement: String,
    },
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

/// A backend that counts the queries sent through it.
pub(crate) struct Queries<'a, B: Backend> {
    db: &'a mut B,
    count: usize,
}

impl<'a, B: Backend> Queries<'a, B> {
    /// Counts the queries sent to `db`, from zero.
    pub(crate) fn new(db: &'a mut B) -> Self {
        Queries { db, count: 0 }
    }

    /// The dialect of the database read.
    pub(crate) fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// The number of queries sent so far.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Runs a statement that sets up the session for the queries (not a catalog
    /// query: not counted).
    pub(crate) async fn session(&mut self, sql: &str) -> Result<(), ReflectError> {
        self.db.execute(sql).await?;
        Ok(())
    }

    /// The value of the server setting `name` (`SHOW name`; not a catalog query: not
    /// counted).
    pub(crate) async fn setting(&mut self, name: &str) -> Result<String, ReflectError> {
        let rows = self.db.query_rows(&format!("SHOW {name}")).await?;
        Ok(rows.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_default())
    }

    /// Sends one catalog query.
    pub(crate) async fn rows(&mut self, sql: &str) -> Result<Vec<TextRow>, ReflectError> {
        self.count += 1;
        Ok(self.db.query_rows(sql).await?)
    }
}

/// Reads column `i` of a catalog row, or says which one is missing.
pub(crate) fn cell(row: &TextRow, i: usize) -> Result<Option<&str>, ReflectError> {
    row.get(i)
        .map(|c| c.as_deref())
        .ok_or_else(|| ReflectError::Catalog(format!("a catalog row has no column {i}")))
}

/// Reads column `i`, which must not be NULL.
pub(crate) fn required(row: &TextRow, i: usize) -> Result<&str, ReflectError> {
    cell(row, i)?.ok_or_else(|| ReflectError::Catalog(format!("column {i} of a catalog row is NULL")))
}

/// A SQL string literal for `dialect`, for catalog queries that name a schema (one
/// implementation: [`crate::dialect::literal::string_literal`]).
pub(crate) fn literal(dialect: crate::dialect::Dialect, text: &str) -> String {
    crate::dialect::literal::string_literal(dialect, text)
}

/// Adds another schema's reflection (`include_schemas`) to `all`: its tables, and its
/// objects after those already read, with its `CREATE SCHEMA` (when the dialect has
/// one) before every object, so that the schema exists before anything in it.
pub(crate) fn merge_schema(
    all: &mut Schema,
    one: Schema,
    create: Option<SchemaObject>,
) -> Result<(), ReflectError> {
    if let Some(create) = create {
        all.objects.insert(0, create);
    }
    for table in one.tables.iter().cloned() {
        all.insert_table(table)
            .map_err(|t| ReflectError::Catalog(format!("table {} listed twice", t.name)))?;
    }
    all.objects.extend(one.objects);
    Ok(())
}
