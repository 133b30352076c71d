//! [`MetaData`]: the schema an application declares in Rust, for autogenerate to
//! compare a database against (Alembic's `target_metadata`, SQLAlchemy's `MetaData`).
//!
//! Tables are declared with closures; each method of the column and table builders
//! returns the builder again so that options chain:
//!
//! ```
//! use alembic::schema::metadata::{MetaData, ReferentialAction, SqlType};
//!
//! let mut md = MetaData::new();
//! md.table("users", |t| {
//!     t.column("id", SqlType::Integer).primary_key();
//!     t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
//!     t.column("created_at", SqlType::TimestampTz).not_null().server_default("now()");
//!     t.index("ix_users_email_lower", ["lower(email)"]);
//! });
//! md.table("posts", |t| {
//!     t.column("id", SqlType::Integer).primary_key();
//!     t.column("user_id", SqlType::Integer).not_null().references("users.id").on_delete(ReferentialAction::Cascade);
//!     t.column("title", SqlType::Text).not_null();
//!     t.check("ck_posts_title_not_blank", "length(title) > 0");
//! });
//! let schema = md.to_schema()?;
//! assert_eq!(schema.tables.len(), 2);
//! # Ok::<(), alembic::schema::metadata::MetaDataError>(())
//! ```
//!
//! A declaration becomes exactly the [`Schema`] that replaying the `create_table` (and
//! `create_index`) ops of the same declaration gives ([`MetaData::to_ops`] are those
//! ops), so a database created from them compares equal to the declaration. In
//! particular the column shorthands follow the ops' rules (SQLAlchemy's): a column's
//! [`unique`](ColumnBuilder::unique) is an unnamed unique constraint, its
//! [`index`](ColumnBuilder::index) an index named `ix_<table>_<column>` (unique when the
//! column is also `unique`), its [`references`](ColumnBuilder::references) an unnamed
//! foreign key; a primary key column is NOT NULL.
//!
//! [`MetaData::to_schema`] validates the declaration: names declared twice, columns
//! that do not exist, foreign keys whose target table or columns are not declared (or
//! are neither a primary key nor unique there) are errors, not surprises at migration
//! time.

mod error;

pub use error::MetaDataError;

use crate::ops::apply::{is_plain_identifier, replay};
use crate::ops::{
    CheckSpec, Column, CreateIndex, CreateTable, ForeignKeyRef, ForeignKeySpec, Op, UniqueSpec,
};
use crate::schema::index_entry::IndexEntry;
use crate::schema::model::{Index, Schema, qualified};
use error::{check_foreign_keys, from_replay};

/// Re-exported so that an env program needs one `use` line.
pub use crate::schema::action::ReferentialAction;
/// Re-exported so that an env program needs one `use` line.
pub use crate::schema::types::SqlType;

/// The declared schema of an application: tables with their columns, keys,
/// constraints and indexes. See the [module documentation](self) for an example.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaData {
    /// Schema given to tables that do not name one (SQLAlchemy's `MetaData(schema=…)`).
    schema: Option<String>,
    tables: Vec<TableBuilder>,
}

impl MetaData {
    /// An empty declaration; tables go to the database's default schema.
    pub fn new() -> Self {
        MetaData::default()
    }

    /// An empty declaration whose tables go to `schema` (a PostgreSQL schema, or an
    /// attached SQLite database) unless they name another with [`TableBuilder::schema`].
    ///
    /// ```
    /// use alembic::schema::metadata::{MetaData, SqlType};
    ///
    /// let mut md = MetaData::with_schema("billing");
    /// md.table("invoices", |t| {
    ///     t.column("id", SqlType::BigInt).primary_key();
    /// });
    /// let schema = md.to_schema().unwrap();
    /// assert!(schema.table(Some("billing"), "invoices").is_some());
    /// ```
    pub fn with_schema(schema: impl Into<String>) -> Self {
        MetaData { schema: Some(schema.into()), tables: Vec::new() }
    }

    /// Declares the table `name`; `build` adds its columns, constraints and indexes.
    /// Declaring the same table twice is an error of [`MetaData::to_schema`].
    pub fn table(&mut self, name: impl Into<String>, build: impl FnOnce(&mut TableBuilder)) -> &mut Self {
        let mut table = TableBuilder::new(self.schema.clone(), name.into());
        build(&mut table);
        self.tables.push(table);
        self
    }

    /// Runs `build` on the table `name` declared earlier (in the default schema of this
    /// declaration, or `schema.name`), to add what its declaration could not say: the
    /// indexes and defaults of a table read from diesel's `schema.rs`, say. Returns
    /// whether such a table was declared.
    ///
    /// ```
    /// use alembic::schema::metadata::{MetaData, SqlType};
    ///
    /// let mut md = MetaData::new();
    /// md.table("users", |t| {
    ///     t.column("id", SqlType::Integer).primary_key();
    ///     t.column("email", SqlType::Text).not_null();
    /// });
    /// assert!(md.extend_table("users", |t| {
    ///     t.index("ix_users_email", ["email"]).unique();
    /// }));
    /// assert!(!md.extend_table("posts", |_| {}));
    /// assert!(md.to_schema().unwrap().table(None, "users").unwrap().index("ix_users_email").is_some());
    /// ```
    pub fn extend_table(&mut self, name: &str, build: impl FnOnce(&mut TableBuilder)) -> bool {
        let (schema, table) = match name.split_once('.') {
            Some((schema, table)) => (Some(schema.to_string()), table),
            None => (self.schema.clone(), name),
        };
        match self.tables.iter_mut().find(|t| t.name == table && t.schema == schema) {
            Some(found) => {
                build(found);
                true
            }
            None => false,
        }
    }

    /// Whether no table is declared.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The declared schema, validated (see the [module documentation](self)).
    pub fn to_schema(&self) -> Result<Schema, MetaDataError> {
        let ops = self.to_ops()?;
        let schema = replay(&ops).map_err(|e| from_replay(&ops, e))?;
        for table in &schema.tables {
            check_foreign_keys(&schema, table)?;
        }
        Ok(schema)
    }

    /// The ops that create the declared schema on an empty database: per table a
    /// `create_table` (with the column shorthands, unique constraints, foreign keys and
    /// checks) followed by a `create_index` per declared index, as Alembic's
    /// autogenerate writes them. Tables come in declaration order, except that a table
    /// comes after the tables its foreign keys reference (cycles keep declaration
    /// order). Checks the declaration on its own; [`MetaData::to_schema`] also checks
    /// foreign key targets.
    pub fn to_ops(&self) -> Result<Vec<Op>, MetaDataError> {
        let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
        for table in &self.tables {
            table.validate()?;
            let key = (table.schema.as_deref(), table.name.as_str());
            if seen.contains(&key) {
                return Err(MetaDataError::DuplicateTable { table: table.display_name() });
            }
            seen.push(key);
        }
        self.check_index_names()?;
        let mut ops = Vec::new();
        for table in self.dependency_order() {
            ops.extend(table.to_ops()?);
        }
        Ok(ops)
    }

    /// Index names are unique per schema on both dialects.
    fn check_index_names(&self) -> Result<(), MetaDataError> {
        let mut seen: Vec<(Option<&str>, String)> = Vec::new();
        for table in &self.tables {
            for name in table.index_names() {
                let key = (table.schema.as_deref(), name);
                if seen.contains(&key) {
                    return Err(MetaDataError::DuplicateIndex { index: qualified(key.0, &key.1) });
                }
                seen.push(key);
            }
        }
        Ok(())
    }

    /// The tables, each after the tables it references (a stable topological order:
    /// PostgreSQL needs a referenced table to exist before the foreign key).
    fn dependency_order(&self) -> Vec<&TableBuilder> {
        let mut done = vec![false; self.tables.len()];
        let mut out = Vec::with_capacity(self.tables.len());
        while out.len() < self.tables.len() {
            let ready = (0..self.tables.len()).find(|&i| {
                !done[i]
                    && self.tables[i].referenced_tables().iter().all(|(schema, name)| {
                        self.tables.iter().enumerate().all(|(j, other)| {
                            done[j]
                                || j == i
                                || other.schema.as_deref() != schema.as_deref()
                                || other.name != *name
                        })
                    })
            });
            // A cycle: take the first remaining table, in declaration order.
            let next = ready.or_else(|| done.iter().position(|d| !d)).unwrap_or(0);
            done[next] = true;
            out.push(&self.tables[next]);
        }
        out
    }
}

/// One declared table; handed to the closure of [`MetaData::table`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableBuilder {
    schema: Option<String>,
    name: String,
    columns: Vec<ColumnBuilder>,
    primary_key: Option<Vec<String>>,
    uniques: Vec<UniqueBuilder>,
    foreign_keys: Vec<ForeignKeyBuilder>,
    checks: Vec<CheckSpec>,
    indexes: Vec<IndexBuilder>,
    comment: Option<String>,
}

impl TableBuilder {
    fn new(schema: Option<String>, name: String) -> Self {
        TableBuilder {
            schema,
            name,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            comment: None,
        }
    }

    /// Adds the column `name` of type `ty` (nullable unless it is part of the primary
    /// key or [`not_null`](ColumnBuilder::not_null)), and returns it for its options.
    pub fn column(&mut self, name: impl Into<String>, ty: SqlType) -> &mut ColumnBuilder {
        self.columns.push(ColumnBuilder::new(name.into(), ty));
        let last = self.columns.len() - 1;
        &mut self.columns[last]
    }

    /// Adds the column `name` whose type is written as in a revision file
    /// (`"varchar(20)"`, `"String(50)"`, `"int[]"`); a type string that does not parse
    /// is an error of [`MetaData::to_schema`] naming the column.
    ///
    /// ```
    /// use alembic::schema::metadata::MetaData;
    ///
    /// let mut md = MetaData::new();
    /// md.table("codes", |t| {
    ///     t.column_sql_type("code", "varchar(8)").primary_key();
    ///     t.column_sql_type("weight", "numeric(4,");
    /// });
    /// let err = md.to_schema().unwrap_err().to_string();
    /// assert!(err.contains("column weight") && err.contains("numeric(4,"), "{err}");
    /// ```
    pub fn column_sql_type(&mut self, name: impl Into<String>, ty: &str) -> &mut ColumnBuilder {
        let (ty, error) = match SqlType::parse(ty) {
            Ok(ty) => (ty, None),
            Err(err) => (SqlType::Other(ty.to_string()), Some(err)),
        };
        let column = self.column(name, ty);
        column.type_error = error;
        column
    }

    /// The primary key over `columns`, in key order; for composite keys (a single
    /// column can use [`ColumnBuilder::primary_key`]). Its columns become NOT NULL.
    ///
    /// ```
    /// use alembic::schema::metadata::{MetaData, SqlType};
    ///
    /// let mut md = MetaData::new();
    /// md.table("memberships", |t| {
    ///     t.column("user_id", SqlType::Integer);
    ///     t.column("group_id", SqlType::Integer);
    ///     t.primary_key(["user_id", "group_id"]);
    /// });
    /// let schema = md.to_schema().unwrap();
    /// let table = schema.table(None, "memberships").unwrap();
    /// assert_eq!(table.primary_key.as_ref().unwrap().columns, ["user_id", "group_id"]);
    /// assert!(!table.column("group_id").unwrap().nullable);
    /// ```
    pub fn primary_key<I, S>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.primary_key = Some(strings(columns));
        self
    }

    /// A unique constraint over `columns`; name it with [`UniqueBuilder::name`].
    pub fn unique<I, S>(&mut self, columns: I) -> &mut UniqueBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.uniques.push(UniqueBuilder { name: None, columns: strings(columns) });
        let last = self.uniques.len() - 1;
        &mut self.uniques[last]
    }

    /// A foreign key from `columns` to `ref_columns` of `ref_table` (`"table"` or
    /// `"schema.table"`; unqualified means this table's schema). For one column,
    /// [`ColumnBuilder::references`] is shorter.
    ///
    /// ```
    /// use alembic::schema::metadata::{MetaData, ReferentialAction, SqlType};
    ///
    /// let mut md = MetaData::new();
    /// md.table("rooms", |t| {
    ///     t.column("building", SqlType::Text);
    ///     t.column("number", SqlType::Integer);
    ///     t.primary_key(["building", "number"]);
    /// });
    /// md.table("bookings", |t| {
    ///     t.column("id", SqlType::Integer).primary_key();
    ///     t.column("building", SqlType::Text).not_null();
    ///     t.column("room", SqlType::Integer).not_null();
    ///     t.foreign_key(["building", "room"], "rooms", ["building", "number"])
    ///         .name("fk_bookings_room")
    ///         .on_delete(ReferentialAction::Restrict);
    /// });
    /// assert!(md.to_schema().is_ok());
    /// ```
    pub fn foreign_key<I, S, J, T>(
        &mut self,
        columns: I,
        ref_table: impl Into<String>,
        ref_columns: J,
    ) -> &mut ForeignKeyBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.foreign_keys.push(ForeignKeyBuilder {
            name: None,
            columns: strings(columns),
            ref_table: ref_table.into(),
            ref_columns: strings(ref_columns),
            on_delete: None,
            on_update: None,
        });
        let last = self.foreign_keys.len() - 1;
        &mut self.foreign_keys[last]
    }

    /// A check constraint named `name` with the condition `sql`. Checks are always
    /// named here because, as in Alembic, autogenerate can only compare named checks.
    pub fn check(&mut self, name: impl Into<String>, sql: impl Into<String>) -> &mut Self {
        self.checks.push(CheckSpec { name: Some(name.into()), sql: sql.into() });
        self
    }

    /// An index named `name` over `columns`: column names, or SQL expressions such as
    /// `"lower(email)"`. Make it unique or partial with the [`IndexBuilder`] methods.
    ///
    /// ```
    /// use alembic::schema::metadata::{MetaData, SqlType};
    ///
    /// let mut md = MetaData::new();
    /// md.table("accounts", |t| {
    ///     t.column("id", SqlType::Integer).primary_key();
    ///     t.column("email", SqlType::Text).not_null();
    ///     t.column("deleted_at", SqlType::TimestampTz);
    ///     t.index("ux_accounts_live_email", ["lower(email)"]).unique().partial("deleted_at IS NULL");
    /// });
    /// let schema = md.to_schema().unwrap();
    /// let index = schema.table(None, "accounts").unwrap().index("ux_accounts_live_email").unwrap();
    /// assert!(index.unique);
    /// assert_eq!(index.where_.as_deref(), Some("deleted_at IS NULL"));
    /// ```
    pub fn index<I, S>(&mut self, name: impl Into<String>, columns: I) -> &mut IndexBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.indexes.push(IndexBuilder(Index {
            name: name.into(),
            columns: strings(columns),
            ..Index::default()
        }));
        let last = self.indexes.len() - 1;
        &mut self.indexes[last]
    }

    /// The table's comment.
    pub fn comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.comment = Some(text.into());
        self
    }

    /// Puts the table in `schema` (PostgreSQL schema or attached SQLite database),
    /// overriding [`MetaData::with_schema`].
    pub fn schema(&mut self, schema: impl Into<String>) -> &mut Self {
        self.schema = Some(schema.into());
        self
    }

    fn display_name(&self) -> String {
        qualified(self.schema.as_deref(), &self.name)
    }

    fn invalid(&self, message: impl Into<String>) -> MetaDataError {
        MetaDataError::InvalidTable { table: self.display_name(), message: message.into() }
    }

    fn unknown_column(&self, column: &str, used_by: impl Into<String>) -> MetaDataError {
        MetaDataError::UnknownColumn {
            table: self.display_name(),
            column: column.to_string(),
            used_by: used_by.into(),
        }
    }

    /// Names of every index the table gets, generated ones included.
    fn index_names(&self) -> Vec<String> {
        let generated =
            self.columns.iter().filter(|c| c.index).map(|c| format!("ix_{}_{}", self.name, c.name));
        generated.chain(self.indexes.iter().map(|i| i.0.name.clone())).collect()
    }

    /// (schema, table) of every table this one references, schema defaulted to its own.
    fn referenced_tables(&self) -> Vec<(Option<String>, String)> {
        let column_refs = self.columns.iter().filter_map(|c| c.references.as_deref());
        let column_refs = column_refs.filter_map(|r| ForeignKeyRef::parse(r).ok().map(|r| r.table));
        let table_refs = self.foreign_keys.iter().map(|fk| fk.ref_table.clone());
        column_refs
            .chain(table_refs)
            .map(|text| {
                let (schema, table) = crate::schema::model::ForeignKey::split_ref_table(&text);
                (schema.or_else(|| self.schema.clone()), table)
            })
            .collect()
    }

    /// Checks what the ops cannot say well or at all: names, column references,
    /// actions without a reference, duplicate constraint names.
    fn validate(&self) -> Result<(), MetaDataError> {
        if self.name.trim().is_empty() {
            return Err(MetaDataError::InvalidTable {
                table: self.display_name(),
                message: "the table name is empty".into(),
            });
        }
        if self.schema.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(self.invalid("the schema name is empty"));
        }
        if self.columns.is_empty() {
            return Err(self.invalid("a table needs at least one column"));
        }
        let mut known: Vec<&str> = Vec::new();
        for column in &self.columns {
            if column.name.trim().is_empty() {
                return Err(self.invalid("a column name is empty"));
            }
            if known.contains(&column.name.as_str()) {
                return Err(MetaDataError::DuplicateColumn {
                    table: self.display_name(),
                    column: column.name.clone(),
                });
            }
            known.push(&column.name);
            column.validate(self)?;
        }
        let require = |columns: &[String], used_by: &str| -> Result<(), MetaDataError> {
            if columns.is_empty() {
                return Err(self.invalid(format!("{used_by} lists no columns")));
            }
            match columns.iter().find(|c| !known.contains(&c.as_str())) {
                Some(missing) => Err(self.unknown_column(missing, used_by)),
                None => Ok(()),
            }
        };
        if let Some(pk) = &self.primary_key {
            require(pk, "the primary key")?;
            if let Some(marked) = self.columns.iter().find(|c| c.primary_key && !pk.contains(&c.name)) {
                return Err(self.invalid(format!(
                    "column {} is marked primary_key but missing from the table's primary key {}",
                    marked.name,
                    pk.join(", ")
                )));
            }
        }
        let names = self.uniques.iter().map(|u| &u.name);
        let names = names.chain(self.foreign_keys.iter().map(|f| &f.name));
        let mut constraint_names: Vec<&str> = Vec::new();
        for name in names.chain(self.checks.iter().map(|c| &c.name)).flatten() {
            if name.trim().is_empty() {
                return Err(self.invalid("a constraint name is empty"));
            }
            if constraint_names.contains(&name.as_str()) {
                return Err(MetaDataError::DuplicateConstraint {
                    table: self.display_name(),
                    name: name.clone(),
                });
            }
            constraint_names.push(name);
        }
        for unique in &self.uniques {
            require(&unique.columns, "a unique constraint")?;
        }
        for fk in &self.foreign_keys {
            require(&fk.columns, "a foreign key")?;
            if fk.ref_table.trim().is_empty() {
                return Err(self.invalid(format!("foreign key ({}) names no table", fk.columns.join(", "))));
            }
            if fk.ref_columns.len() != fk.columns.len() {
                return Err(self.invalid(format!(
                    "foreign key ({}) -> {} ({}) must list as many referenced columns as columns",
                    fk.columns.join(", "),
                    fk.ref_table,
                    fk.ref_columns.join(", ")
                )));
            }
        }
        for check in &self.checks {
            if check.sql.trim().is_empty() {
                return Err(self.invalid("a check constraint has no SQL"));
            }
        }
        for IndexBuilder(index) in &self.indexes {
            if index.name.trim().is_empty() {
                return Err(self.invalid("an index name is empty"));
            }
            let used_by = format!("index {}", index.name);
            if index.columns.is_empty() || index.columns.iter().any(|c| c.trim().is_empty()) {
                return Err(self.invalid(format!("{used_by} lists no columns or an empty one")));
            }
            // An entry that is not a column is an expression; a bare word surely
            // meant a column, so it is a typo rather than an expression.
            let target = |c: &'_ String| IndexEntry::parse(c, is_plain_identifier).target.to_string();
            if let Some(missing) = index
                .columns
                .iter()
                .map(target)
                .chain(index.include.iter().cloned())
                .find(|c| is_plain_identifier(c) && !known.contains(&c.as_str()))
            {
                return Err(self.unknown_column(&missing, used_by));
            }
            if index.where_.as_deref().is_some_and(|w| w.trim().is_empty()) {
                return Err(self.invalid(format!("{used_by} has an empty WHERE condition")));
            }
        }
        Ok(())
    }

    /// `create_table` and a `create_index` per declared index.
    fn to_ops(&self) -> Result<Vec<Op>, MetaDataError> {
        let mut columns = Vec::with_capacity(self.columns.len());
        let mut foreign_keys = Vec::new();
        for column in &self.columns {
            let (op_column, fk) = column.to_op(self)?;
            columns.push(op_column);
            foreign_keys.extend(fk);
        }
        foreign_keys.extend(self.foreign_keys.iter().map(|fk| ForeignKeySpec {
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            ref_table: fk.ref_table.clone(),
            ref_columns: fk.ref_columns.clone(),
            on_delete: fk.on_delete,
            on_update: fk.on_update,
            ..ForeignKeySpec::default()
        }));
        let create = CreateTable {
            table: self.name.clone(),
            schema: self.schema.clone(),
            columns,
            primary_key: self.primary_key.clone(),
            primary_key_name: None,
            unique: self
                .uniques
                .iter()
                .map(|u| UniqueSpec {
                    name: u.name.clone(),
                    columns: u.columns.clone(),
                    ..UniqueSpec::default()
                })
                .collect(),
            foreign_keys,
            checks: self.checks.clone(),
            indexes: Vec::new(),
            comment: self.comment.clone(),
            sqlite_autoincrement: false,
            sqlite_strict: false,
            sqlite_without_rowid: false,
            partition_by: None,
            if_not_exists: false,
        };
        let mut ops = vec![Op::CreateTable(create)];
        ops.extend(self.indexes.iter().map(|index| {
            Op::CreateIndex(CreateIndex::for_index(self.schema.as_deref(), &self.name, &index.0))
        }));
        Ok(ops)
    }
}

/// One declared column; returned by [`TableBuilder::column`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnBuilder {
    name: String,
    ty: SqlType,
    nullable: Option<bool>,
    primary_key: bool,
    autoincrement: Option<bool>,
    server_default: Option<String>,
    unique: bool,
    index: bool,
    comment: Option<String>,
    collation: Option<String>,
    references: Option<String>,
    on_delete: Option<ReferentialAction>,
    on_update: Option<ReferentialAction>,
    /// Why the type string of [`TableBuilder::column_sql_type`] did not parse.
    type_error: Option<crate::schema::types::SqlTypeError>,
}

impl ColumnBuilder {
    fn new(name: String, ty: SqlType) -> Self {
        ColumnBuilder {
            name,
            ty,
            nullable: None,
            primary_key: false,
            autoincrement: None,
            server_default: None,
            unique: false,
            index: false,
            comment: None,
            collation: None,
            references: None,
            on_delete: None,
            on_update: None,
            type_error: None,
        }
    }

    /// Makes the column (part of) the table's primary key, and NOT NULL. Several
    /// columns marked so form a composite key in column order.
    pub fn primary_key(&mut self) -> &mut Self {
        self.primary_key = true;
        self
    }

    /// NOT NULL.
    pub fn not_null(&mut self) -> &mut Self {
        self.nullable(false)
    }

    /// Whether NULL is allowed (default: yes, except for primary key columns).
    pub fn nullable(&mut self, nullable: bool) -> &mut Self {
        self.nullable = Some(nullable);
        self
    }

    /// Whether an integer primary key gets the dialect's auto-increment (SERIAL on
    /// PostgreSQL, the rowid alias on SQLite). By default the only integer primary key
    /// column without a foreign key does, as in SQLAlchemy.
    pub fn autoincrement(&mut self, autoincrement: bool) -> &mut Self {
        self.autoincrement = Some(autoincrement);
        self
    }

    /// The column's default as SQL text, as in Alembic: `"now()"`, `"'active'"`, `"0"`.
    pub fn server_default(&mut self, sql: impl Into<String>) -> &mut Self {
        self.server_default = Some(sql.into());
        self
    }

    /// A single-column unique constraint (unnamed; name one with
    /// [`TableBuilder::unique`]). Together with [`index`](Self::index): a unique index.
    pub fn unique(&mut self) -> &mut Self {
        self.unique = true;
        self
    }

    /// A single-column index named `ix_<table>_<column>`.
    pub fn index(&mut self) -> &mut Self {
        self.index = true;
        self
    }

    /// The column's comment.
    pub fn comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.comment = Some(text.into());
        self
    }

    /// The column's collation (`COLLATE name`: PostgreSQL's `"C"`, SQLite's `NOCASE`).
    pub fn collation(&mut self, name: impl Into<String>) -> &mut Self {
        self.collation = Some(name.into());
        self
    }

    /// A foreign key to `target`, written `"table.column"` or `"schema.table.column"`
    /// (unqualified means this table's schema). Chain [`on_delete`](Self::on_delete)
    /// and [`on_update`](Self::on_update) for actions.
    pub fn references(&mut self, target: impl Into<String>) -> &mut Self {
        self.references = Some(target.into());
        self
    }

    /// `ON DELETE` of the foreign key declared with [`references`](Self::references).
    pub fn on_delete(&mut self, action: ReferentialAction) -> &mut Self {
        self.on_delete = Some(action);
        self
    }

    /// `ON UPDATE` of the foreign key declared with [`references`](Self::references).
    pub fn on_update(&mut self, action: ReferentialAction) -> &mut Self {
        self.on_update = Some(action);
        self
    }

    fn validate(&self, table: &TableBuilder) -> Result<(), MetaDataError> {
        let name = &self.name;
        if let Some(err) = &self.type_error {
            return Err(table.invalid(format!("column {name}: {err}")));
        }
        if self.primary_key && self.nullable == Some(true) {
            return Err(table.invalid(format!("primary key column {name} cannot be nullable")));
        }
        if self.references.is_none() && (self.on_delete.is_some() || self.on_update.is_some()) {
            return Err(table.invalid(format!("column {name} has on_delete/on_update but no references(…)")));
        }
        if let Some(target) = &self.references {
            ForeignKeyRef::parse(target).map_err(|e| table.invalid(format!("column {name}: {e}")))?;
        }
        if self.server_default.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(table.invalid(format!("column {name} has an empty server_default")));
        }
        Ok(())
    }

    /// The op column, and a table-level foreign key when the reference has actions
    /// (the column shorthand `foreign_key` has none).
    fn to_op(&self, table: &TableBuilder) -> Result<(Column, Option<ForeignKeySpec>), MetaDataError> {
        let mut column = Column::new(self.name.clone(), self.ty.clone());
        column.nullable = self.nullable;
        column.primary_key = self.primary_key;
        column.autoincrement = self.autoincrement;
        column.server_default = self.server_default.clone();
        column.unique = self.unique;
        column.index = self.index;
        column.comment = self.comment.clone();
        column.collation = self.collation.clone();
        let mut spec = None;
        if let Some(target) = &self.references {
            let target = ForeignKeyRef::parse(target).map_err(|e| table.invalid(e))?;
            if self.on_delete.is_none() && self.on_update.is_none() {
                column.foreign_key = Some(target);
            } else {
                spec = Some(ForeignKeySpec {
                    name: None,
                    columns: vec![self.name.clone()],
                    ref_table: target.table,
                    ref_columns: vec![target.column],
                    on_delete: self.on_delete,
                    on_update: self.on_update,
                    ..ForeignKeySpec::default()
                });
            }
        }
        Ok((column, spec))
    }
}

/// A table-level unique constraint; returned by [`TableBuilder::unique`].
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueBuilder {
    name: Option<String>,
    columns: Vec<String>,
}

impl UniqueBuilder {
    /// The constraint's name (else the database names it).
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }
}

/// A table-level foreign key; returned by [`TableBuilder::foreign_key`].
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKeyBuilder {
    name: Option<String>,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: Option<ReferentialAction>,
    on_update: Option<ReferentialAction>,
}

impl ForeignKeyBuilder {
    /// The constraint's name (else the database names it).
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }

    /// `ON DELETE` action.
    pub fn on_delete(&mut self, action: ReferentialAction) -> &mut Self {
        self.on_delete = Some(action);
        self
    }

    /// `ON UPDATE` action.
    pub fn on_update(&mut self, action: ReferentialAction) -> &mut Self {
        self.on_update = Some(action);
        self
    }
}

/// An index; returned by [`TableBuilder::index`].
#[derive(Debug, Clone, PartialEq)]
pub struct IndexBuilder(Index);

impl IndexBuilder {
    /// A unique index.
    pub fn unique(&mut self) -> &mut Self {
        self.0.unique = true;
        self
    }

    /// A partial index: only rows where the SQL `condition` holds are indexed
    /// (`CREATE INDEX … WHERE condition`).
    pub fn partial(&mut self, condition: impl Into<String>) -> &mut Self {
        self.0.where_ = Some(condition.into());
        self
    }

    /// The index method (PostgreSQL's `USING gin`, `gist`, `brin`, `hash`).
    pub fn using(&mut self, method: impl Into<String>) -> &mut Self {
        self.0.using = Some(method.into());
        self
    }

    /// Non-key columns stored in the index (PostgreSQL's `INCLUDE (…)`).
    pub fn include<I, S>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.include = strings(columns);
        self
    }

    /// Nulls equal each other for uniqueness (PostgreSQL 15's `NULLS NOT DISTINCT`).
    pub fn nulls_not_distinct(&mut self) -> &mut Self {
        self.0.nulls_not_distinct = true;
        self
    }
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}
