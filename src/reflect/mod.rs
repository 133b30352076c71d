//! Reading a live database into the schema model ([`Schema`](crate::schema::Schema)), for autogenerate.
//!
//! [`reflect`] reads one schema (PostgreSQL) or attached database (SQLite) with a
//! fixed number of bulk catalog queries, whatever the number of tables:
//!
//! - PostgreSQL: twelve `pg_catalog` queries (columns with their tables, constraints,
//!   indexes, enum types; and the objects other than tables: extensions, domains,
//!   sequences, functions, aggregates, views, triggers, exclusion constraints), each filtered by schema; never one round per table.
//! - SQLite: four queries joining `sqlite_master` with the table-valued pragma
//!   functions (`pragma_table_xinfo`, `pragma_foreign_key_list`, `pragma_index_list`,
//!   `pragma_index_xinfo`), and one for triggers and views (their statements, which
//!   a table rebuild puts back); names of constraints, which no pragma gives, are
//!   read from the `CREATE TABLE` text.
//! - MySQL/MariaDB: nine `information_schema` queries for one database (see
//!   `dialect/mysql/driver/reflect.rs` for how its types, defaults and indexes map).
//!
//! Each dialect's reflector lives in its folder (`dialect/<name>/driver/reflect.rs`);
//! this module holds what they share ([`ReflectOptions`], [`ReflectError`], the table
//! filter, the counted query channel) and re-exports the entry points, which
//! `dialect::drivers` dispatches to the dialect of the connection.
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

pub(crate) mod catalog;
mod filter;
pub(crate) mod script;

pub use crate::dialect::drivers::{load_schema_sql, reflect, reflect_counted};
pub use crate::dialect::mysql::MYSQL_CATALOG_QUERIES;
pub use crate::dialect::postgresql::POSTGRES_CATALOG_QUERIES;
pub use crate::dialect::sqlite::SQLITE_CATALOG_QUERIES;
pub use catalog::{ReflectError, ReflectOptions, Reflection, StatementError};
pub use filter::{TableFilter, glob_match};
