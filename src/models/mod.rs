//! Declaring the schema with the types an application already has: structs with
//! `#[derive(alembic::Table)]` (feature `derive`), sea-orm entities (`sea_orm`, feature
//! `sea-orm`: `alembic::entities![…]`) and diesel's `schema.rs` ([`diesel`], feature
//! `diesel`). All give the same [`MetaData`] the builder gives, so
//! autogenerate, `check` and offline SQL see no difference.
//!
//! `migrations/env.rs` then needs one line: `alembic::env::run(alembic::models![User, Post])`.
//!
//! # `#[derive(alembic::Table)]`
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! #[derive(alembic::Table)]
//! #[alembic(index(name = "ix_users_lower_email", columns("lower(email)"), unique))]
//! struct User {
//!     #[alembic(primary_key)]
//!     id: i64,
//!     #[alembic(length = 100)]
//!     name: String,
//!     email: String,
//!     nickname: Option<String>,
//!     #[alembic(default = "CURRENT_TIMESTAMP", sql_type = "timestamptz")]
//!     created_at: String,
//! }
//!
//! #[derive(alembic::Table)]
//! struct Post {
//!     #[alembic(primary_key)]
//!     id: i64,
//!     #[alembic(references = "users.id", on_delete = "cascade", index)]
//!     user_id: i64,
//!     title: String,
//!     #[alembic(skip)]
//!     cached_html: Option<String>,
//! }
//!
//! let schema = alembic::models![User, Post].to_schema()?;
//! let users = schema.table(None, "users").unwrap();
//! assert_eq!(users.column("name").unwrap().ty.to_string(), "varchar(100)");
//! assert!(users.column("nickname").unwrap().nullable && !users.column("email").unwrap().nullable);
//! assert_eq!(schema.table(None, "posts").unwrap().foreign_keys[0].ref_table, "users");
//! # }
//! # Ok::<(), alembic::schema::metadata::MetaDataError>(())
//! ```
//!
//! The table is named after the struct in snake_case, made plural by the usual English
//! endings (`User` → `users`, `Category` → `categories`, `Address` → `addresses`,
//! `BlogPost` → `blog_posts`), like diesel's default; `#[alembic(table = "person")]`
//! names it. Columns are named after the fields. Field types map through
//! [`ColumnType`] (its table lists the types); `Option<T>` is nullable, anything else
//! NOT NULL. A field whose type has no column type is a compile error at that field.
//!
//! Struct attributes, `#[alembic(…)]`:
//! - `table = "name"`, `schema = "name"`, `comment = "text"`;
//! - `rename_all = "snake_case"` (or `"camelCase"`, `"PascalCase"`, `"lowercase"`,
//!   `"UPPERCASE"`, `"SCREAMING_SNAKE_CASE"`, `"kebab-case"`): column names from field names;
//! - `index(name = "ix", columns("a", "lower(b)"), unique, partial = "deleted_at IS NULL")`:
//!   columns or SQL expressions; the name defaults to `ix_<table>_<columns>` when every
//!   entry is a column;
//! - `unique(columns("a", "b"), name = "uq")`, `check(name = "ck", sql = "a > 0")`.
//!
//! Field attributes, `#[alembic(…)]`:
//! - `primary_key` (several fields: a composite key in field order), `autoincrement`
//!   (`= false` to turn off the implicit one of a single integer key);
//! - `unique`, `index` (named `ix_<table>_<column>`; with `unique`, a unique index);
//! - `default = "SQL"`: the server default, as SQL text (`"0"`, `"'draft'"`, `"now()"`);
//! - `references = "table.column"` (or `"schema.table.column"`), with
//!   `on_delete` / `on_update` = `"cascade"`, `"set null"`, `"set default"`,
//!   `"restrict"` or `"no action"`;
//! - `sql_type = "varchar(20)"` (any type string a revision file takes), `length = n`
//!   (`varchar(n)` for a `String`), `json` (a `json` column for any serde type),
//!   `nullable = true|false` (instead of what `Option` says);
//! - `rename = "column"`, `comment = "text"`, `skip` (not a column).
//!
//! The struct can derive `sqlx::FromRow` too: `#[sqlx(rename = "…")]`,
//! `#[sqlx(rename_all = "…")]`, `#[sqlx(skip)]` and `#[sqlx(json)]` are honoured, so the
//! columns are the ones sqlx reads (an `#[alembic(…)]` value wins over sqlx's).
//!
//! # `#[derive(alembic::Enum)]`
//!
//! A fieldless enum becomes a database enum (`CREATE TYPE … AS ENUM` on PostgreSQL,
//! `ENUM(…)` on MySQL, a `CHECK` on SQLite), named after the enum in snake_case, with
//! the variant names as written as values; `#[alembic(name = "…", rename_all = "…")]`
//! on the enum and `#[alembic(rename = "…")]` on a variant change that (or sqlx's
//! `type_name`, `rename_all` and `rename`, as `#[derive(sqlx::Type)]` reads them).
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! #[derive(alembic::Enum)]
//! #[alembic(rename_all = "lowercase")]
//! enum Mood { Happy, Sad }
//!
//! #[derive(alembic::Table)]
//! struct Person { #[alembic(primary_key)] id: i32, mood: Option<Mood> }
//!
//! let schema = alembic::models![Person].to_schema()?;
//! let mood = &schema.table(None, "persons").unwrap().column("mood").unwrap().ty;
//! assert_eq!(mood.to_string(), "enum(mood: 'happy','sad')");
//! # }
//! # Ok::<(), alembic::schema::metadata::MetaDataError>(())
//! ```

mod column_type;
#[cfg(feature = "diesel")]
pub mod diesel;
#[cfg(feature = "sea-orm")]
pub mod sea_orm;

pub use column_type::ColumnType;

/// The derive macros (feature `derive`).
#[cfg(feature = "derive")]
pub use alembic_derive::{Enum, Table};

use crate::schema::metadata::MetaData;

/// A table declared by a Rust type, usually through `#[derive(alembic::Table)]`.
pub trait Table {
    /// The table's name.
    const TABLE_NAME: &'static str;
    /// Adds the table to `metadata`.
    fn declare(metadata: &mut MetaData);
}

/// The [`MetaData`] of the listed [`Table`] types, in that order (foreign keys may point
/// either way: [`MetaData::to_ops`] orders the tables).
///
/// ```
/// # #[cfg(feature = "derive")] {
/// #[derive(alembic::Table)]
/// struct Tag { #[alembic(primary_key)] id: i32, label: String }
///
/// let metadata = alembic::models![Tag];
/// assert!(metadata.to_schema().unwrap().table(None, "tags").is_some());
/// # }
/// ```
#[macro_export]
macro_rules! models {
    ($($model:ty),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut metadata = $crate::schema::metadata::MetaData::new();
        $( <$model as $crate::models::Table>::declare(&mut metadata); )*
        metadata
    }};
}
