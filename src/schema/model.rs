//! The in-memory schema model: what the database looks like at some revision.
//!
//! Replaying a history's ops on an empty [`Schema`] (see `crate::ops::apply`) gives the
//! schema at any revision without a database. The dialect renderers read it to know
//! what an op changes (a SQLite table rebuild recreates the whole table from it), and
//! reflection and autogenerate compare against it.
//!
//! Column-level shorthands of revision files (`unique`, `index`, `foreign_key` on a
//! column) are normalised into table-level constraints and indexes here, so there is
//! one place to look for each kind of object. Everything derives serde so a schema
//! travels as JSON (the env program prints the target schema that way).

use serde::{Deserialize, Serialize};

pub use super::tables::Tables;
use crate::schema::action::ReferentialAction;
use crate::schema::types::SqlType;

/// Where index names must be unique: what the database says, which ops check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexNames {
    /// In the schema (PostgreSQL, SQLite): an index is a schema object.
    #[default]
    PerSchema,
    /// In the table (MySQL): two tables may each have an index `idx_fk_film_id`.
    PerTable,
}

impl IndexNames {
    fn is_per_schema(&self) -> bool {
        *self == IndexNames::PerSchema
    }
}

/// What name a constraint made without one has once its table or columns are
/// renamed: what the database does, which `drop_constraint` follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintNames {
    /// The name follows the table and columns as they are now (SQLite, which names
    /// nothing, and MySQL): `drop_constraint` finds an unnamed constraint by the
    /// name PostgreSQL's rule gives it today.
    #[default]
    Current,
    /// The database names the constraint when it is made and keeps that name through
    /// renames (PostgreSQL: `users_email_key` stays after `users` becomes `people`),
    /// so a rename pins the name the constraint had.
    KeptThroughRenames,
}

impl ConstraintNames {
    fn is_current(&self) -> bool {
        *self == ConstraintNames::Current
    }
}

/// A whole database schema: tables kept in a deterministic order, sorted by
/// (schema, name) with the default schema (`None`) first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Schema {
    /// Where index names must be unique (the database's rule; not compared).
    #[serde(default, skip_serializing_if = "IndexNames::is_per_schema")]
    pub index_names: IndexNames,
    /// What renames do to the names of unnamed constraints (the database's rule; not
    /// compared).
    #[serde(default, skip_serializing_if = "ConstraintNames::is_current")]
    pub constraint_names: ConstraintNames,
    /// The tables, sorted by (schema, name); a B-tree per schema (see [`Tables`]), so a
    /// long history replays in O(n log n).
    #[serde(default)]
    pub tables: Tables,
    /// The objects other than tables (extensions, domains, functions, views,
    /// triggers), in the order they were made (a view may read an earlier one), each
    /// as the statement that makes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<SchemaObject>,
}

/// What kind of [`SchemaObject`] an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// `CREATE SCHEMA` (PostgreSQL), for a schema other than the default one.
    Schema,
    /// `CREATE EXTENSION` (PostgreSQL).
    Extension,
    /// `CREATE DOMAIN` (PostgreSQL).
    Domain,
    /// `CREATE SEQUENCE` (PostgreSQL), one that is not a serial or identity column's.
    Sequence,
    /// `CREATE FUNCTION` / `CREATE PROCEDURE` (PostgreSQL).
    Function,
    /// `CREATE AGGREGATE` (PostgreSQL).
    Aggregate,
    /// `CREATE VIEW`.
    View,
    /// `CREATE MATERIALIZED VIEW` (PostgreSQL).
    MaterializedView,
    /// `CREATE TRIGGER`, on a table.
    Trigger,
    /// `ALTER SEQUENCE … OWNED BY table.column` (PostgreSQL): the sequence goes with the
    /// column; made once the table is there.
    SequenceOwnership,
    /// An index the model's `Index` cannot say (MySQL's `FULLTEXT` and `SPATIAL`), on a
    /// table, by its `CREATE … INDEX` statement.
    Index,
    /// A table constraint the model cannot say (PostgreSQL's `EXCLUDE`), on a table,
    /// by its `ALTER TABLE … ADD CONSTRAINT` statement.
    Constraint,
    /// A partition of a partitioned table (PostgreSQL), on that table, by its
    /// `CREATE TABLE … PARTITION OF …` statement.
    Partition,
}

impl ObjectKind {
    /// Every kind, in the order objects are made (extensions first, triggers last).
    pub const ALL: [ObjectKind; 13] = [
        ObjectKind::Schema,
        ObjectKind::Extension,
        ObjectKind::Domain,
        ObjectKind::Sequence,
        ObjectKind::Function,
        ObjectKind::Aggregate,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Trigger,
        ObjectKind::SequenceOwnership,
        ObjectKind::Partition,
        ObjectKind::Index,
        ObjectKind::Constraint,
    ];

    /// The kind's name in files (`"materialized_view"`).
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Domain => "domain",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized_view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::SequenceOwnership => "sequence_ownership",
            ObjectKind::Index => "index",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Partition => "partition",
        }
    }

    /// Whether an object of this kind is on a table (its `table` names it, and it goes
    /// when the table is dropped).
    pub fn on_table(self) -> bool {
        matches!(
            self,
            ObjectKind::Trigger
                | ObjectKind::SequenceOwnership
                | ObjectKind::Index
                | ObjectKind::Constraint
                | ObjectKind::Partition
        )
    }

    /// Whether objects of this kind depend on tables (made after them, dropped
    /// before them), rather than tables on them.
    pub fn after_tables(self) -> bool {
        matches!(
            self,
            ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Trigger
                | ObjectKind::SequenceOwnership
                | ObjectKind::Index
                | ObjectKind::Constraint
                | ObjectKind::Partition
        )
    }
}

/// A database object other than a table, known by the statement that makes it: as
/// the database prints it when reflected (SQLite's `sqlite_master.sql`,
/// PostgreSQL's `pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`), as
/// written in a `create_object` op otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Schema (PostgreSQL) or attached database (SQLite); `None` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Its name; for a function, the name with its argument types as SQL
    /// (`last_updated()`, `add(integer, integer)`).
    pub name: String,
    /// The table a trigger is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The statement that makes it.
    pub sql: String,
}

impl SchemaObject {
    /// Whether this is `other` (same kind, schema, name and table).
    pub fn same_object(&self, other: &SchemaObject) -> bool {
        self.kind == other.kind
            && self.schema == other.schema
            && self.name == other.name
            && self.table == other.table
    }
}

// Two schemas are equal when they hold the same tables and objects, whichever
// database's index-name rule they follow.
impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.tables == other.tables && self.objects == other.objects
    }
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Schema::default()
    }

    /// An empty schema of a database whose index names follow `index_names` and whose
    /// unnamed constraints are named as `constraint_names` says.
    pub fn with_name_rules(index_names: IndexNames, constraint_names: ConstraintNames) -> Self {
        Schema { index_names, constraint_names, ..Schema::default() }
    }

    /// Whether there is no table at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The table `name` in `schema` (`None`: the default schema).
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&Table> {
        self.tables.get(schema, name)
    }

    /// The table `name` in `schema`, for changing it (not its schema or name: remove it
    /// and insert it again for that).
    pub fn table_mut(&mut self, schema: Option<&str>, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(schema, name)
    }

    /// Adds a table, keeping the order; gives the table back if one with the same
    /// (schema, name) exists already.
    pub fn insert_table(&mut self, table: Table) -> Result<(), Box<Table>> {
        self.tables.insert(table)
    }

    /// Removes and returns the table `name` in `schema`.
    pub fn remove_table(&mut self, schema: Option<&str>, name: &str) -> Option<Table> {
        self.tables.remove(schema, name)
    }

    /// The table in `schema` owning the index `name` (index names are unique per
    /// schema on both dialects), with the index. O(1): see [`Tables`].
    pub fn find_index(&self, schema: Option<&str>, name: &str) -> Option<(&Table, &Index)> {
        self.tables.find_index(schema, name)
    }

    /// Foreign keys of other tables (or of the table itself) that reference
    /// `schema.table`, as (referencing table, foreign key) pairs, in table order. Looks
    /// only at the tables that reference it: see [`Tables`].
    pub fn referencing(&self, schema: Option<&str>, table: &str) -> Vec<(&Table, &ForeignKey)> {
        self.tables.referencing(schema, table)
    }

    /// Names of the enum types used by the columns of tables in `schema`, sorted.
    pub fn enum_types(&self, schema: Option<&str>) -> Vec<(&str, &[String])> {
        let mut out: Vec<(&str, &[String])> = Vec::new();
        for t in self.tables.in_schema(schema) {
            for c in &t.columns {
                if let SqlType::Enum { name, values } = &c.ty
                    && !out.iter().any(|(n, _)| *n == name.as_str())
                {
                    out.push((name.as_str(), values.as_slice()));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }
}

/// One table with its columns (in order), constraints, indexes and comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Schema (PostgreSQL) or attached database (SQLite); `None` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Table name.
    pub name: String,
    /// Columns in table order.
    pub columns: Vec<ColumnDef>,
    /// The primary key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints (not unique indexes, which are in `indexes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueConstraint>,
    /// Foreign keys of this table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    /// Indexes, unique or not, partial or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Table comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// SQLite's `AUTOINCREMENT` on the integer primary key (SQLAlchemy's
    /// `sqlite_autoincrement=True`): ids of deleted rows are never reused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sqlite_autoincrement: bool,
    /// SQLite's `STRICT` table: values must be of their column's type.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sqlite_strict: bool,
    /// SQLite's `WITHOUT ROWID` table: the primary key is the storage key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sqlite_without_rowid: bool,
    /// PostgreSQL's `PARTITION BY` of a partitioned table (`RANGE (created_at)`); its
    /// partitions are objects of kind `partition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// The collation a character column gets when it names none: MySQL's table
    /// `COLLATE`, read by reflection so that a column declaring that very collation
    /// compares equal to one that names none. Not rendered: a new table takes the
    /// database's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_collation: Option<String>,
}

impl Table {
    /// The primary key's name where a revision must say it: set, and not the name
    /// PostgreSQL gives an unnamed key (`<table>_pkey`).
    pub fn explicit_primary_key_name(&self) -> Option<&str> {
        let name = self.primary_key.as_ref()?.name.as_deref()?;
        let default = name.strip_suffix("_pkey").is_some_and(|t| t == self.name);
        (!default).then_some(name)
    }

    /// A table with no columns yet.
    pub fn new(schema: Option<String>, name: impl Into<String>) -> Self {
        Table {
            schema,
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            sqlite_autoincrement: false,
            sqlite_strict: false,
            sqlite_without_rowid: false,
            partition_by: None,
            default_collation: None,
        }
    }

    /// `schema.name`, or `name` in the default schema; for messages.
    pub fn display_name(&self) -> String {
        qualified(self.schema.as_deref(), &self.name)
    }

    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column `name`, for changing it.
    pub fn column_mut(&mut self, name: &str) -> Option<&mut ColumnDef> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The index `name`.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Whether `column` is one of the primary key's columns.
    pub fn is_primary_key_column(&self, column: &str) -> bool {
        self.primary_key.as_ref().is_some_and(|pk| pk.columns.iter().any(|c| c == column))
    }

    /// The column that gets the dialect's auto-increment (SERIAL on PostgreSQL, the
    /// rowid alias on SQLite), following SQLAlchemy: the only primary key column, of
    /// an integer type, with no server default and no foreign key, unless
    /// `autoincrement = false`.
    pub fn autoincrement_column(&self) -> Option<&ColumnDef> {
        let pk = self.primary_key.as_ref()?;
        let [only] = pk.columns.as_slice() else {
            return None;
        };
        let column = self.column(only)?;
        // A database's own integer spelling (MySQL's `int(10) unsigned`) counts when the
        // column says so.
        let spelled = |t: &str| {
            let t = t.trim_start().trim_start_matches(['`', '"']).to_ascii_lowercase();
            ["tinyint", "smallint", "mediumint", "int", "bigint", "integer"].iter().any(|w| {
                t.strip_prefix(w)
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
            })
        };
        let integer = matches!(column.ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
            || (column.autoincrement == Some(true) && matches!(&column.ty, SqlType::Other(t) if spelled(t)));
        let in_fk = self.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| c == only));
        let wanted = column.autoincrement.unwrap_or(!in_fk);
        (integer && wanted && column.server_default.is_none()).then_some(column)
    }
}

/// `schema.name`, or `name` alone, unquoted; for messages.
pub fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    }
}

/// A column of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// Column name.
    pub name: String,
    /// Neutral (or passed-through) type.
    #[serde(rename = "type")]
    pub ty: SqlType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Default as SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_default: Option<String>,
    /// `autoincrement` as declared (`None`: the dialect's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoincrement: Option<bool>,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `GENERATED … AS IDENTITY` (PostgreSQL; SQLite ignores it, as SQLAlchemy does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expression) STORED`: a computed column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed: Option<Computed>,
    /// `COLLATE name` (PostgreSQL's `"C"`, SQLite's `NOCASE`); `None` is the type's
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// An identity column's generator (SQLAlchemy's `Identity`). Options at the
/// database's default are `None`, so a reflected column and a declared one compare
/// equal whichever spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// `ALWAYS` (values cannot be given) rather than `BY DEFAULT`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub always: bool,
    /// `START WITH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    /// `INCREMENT BY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    /// `MINVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    /// `MAXVALUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    /// `CACHE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    /// `CYCLE`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

impl Identity {
    /// The sequence options in parentheses, or nothing when all are defaults.
    pub fn options_sql(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |key: &str, value: Option<i64>| {
            if let Some(v) = value {
                parts.push(format!("{key} {v}"));
            }
        };
        push("START WITH", self.start);
        push("INCREMENT BY", self.increment);
        push("MINVALUE", self.min_value);
        push("MAXVALUE", self.max_value);
        push("CACHE", self.cache);
        if self.cycle {
            parts.push("CYCLE".to_string());
        }
        if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(" ")) }
    }
}

/// A generated column's expression (SQLAlchemy's `Computed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Computed {
    /// The expression, as SQL text.
    pub sql: String,
    /// `STORED` rather than `VIRTUAL` (PostgreSQL has stored ones only; true there).
    #[serde(default = "stored_default")]
    pub stored: bool,
}

fn stored_default() -> bool {
    true
}

/// A primary key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint name; `None` lets the database name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The key's columns, in key order.
    pub columns: Vec<String>,
}

/// A unique constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// Constraint name; `None` lets the database name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
    /// Nulls equal each other (PostgreSQL 15's `UNIQUE NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

/// A foreign key constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name; `None` lets the database name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Local columns.
    pub columns: Vec<String>,
    /// Schema of the referenced table when written `schema.table`; `None` means the
    /// default search path (PostgreSQL) or the same database (SQLite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_schema: Option<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns, one per local column.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<ReferentialAction>,
    /// `ON UPDATE` action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<ReferentialAction>,
    /// PostgreSQL's `DEFERRABLE`, `INITIALLY DEFERRED`, `MATCH FULL` and `NOT VALID`.
    #[serde(default, flatten)]
    pub options: ForeignKeyOptions,
}

/// What a foreign key may say besides its columns and actions: when it is checked
/// (`DEFERRABLE`, `INITIALLY DEFERRED`), how nulls in a composite key match (`MATCH
/// FULL`), and whether existing rows were checked (`NOT VALID`). PostgreSQL's; the
/// other dialects refuse a key that uses one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyOptions {
    /// The check can be deferred to the end of the transaction.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// The check is deferred unless `SET CONSTRAINTS` says otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    /// `MATCH FULL`: a composite key with some null columns must be all null.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub match_full: bool,
    /// Added `NOT VALID`: rows that were there when it was added are not checked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl ForeignKeyOptions {
    /// Whether any option is set.
    pub fn any(&self) -> bool {
        *self != ForeignKeyOptions::default()
    }

    /// The options as SQL after the key's actions, each with a leading space:
    /// `" DEFERRABLE INITIALLY DEFERRED NOT VALID"` (`MATCH FULL` goes before the
    /// actions: see [`ForeignKeyOptions::match_sql`]).
    pub fn attributes_sql(&self) -> String {
        let mut out = String::new();
        if self.deferrable {
            out.push_str(" DEFERRABLE");
        }
        if self.initially_deferred {
            out.push_str(" INITIALLY DEFERRED");
        }
        if self.not_valid {
            out.push_str(" NOT VALID");
        }
        out
    }

    /// `" MATCH FULL"` or nothing.
    pub fn match_sql(&self) -> &'static str {
        if self.match_full { " MATCH FULL" } else { "" }
    }

    /// The names of the options set, as revision files spell them.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.deferrable, "deferrable"),
            (self.initially_deferred, "initially_deferred"),
            (self.match_full, "match_full"),
            (self.not_valid, "not_valid"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

impl ForeignKey {
    /// A key from its parts as ops write them: the referenced table as text
    /// (`schema.table` or `table`, see [`ForeignKey::split_ref_table`]).
    pub fn from_parts(
        name: Option<String>,
        columns: Vec<String>,
        ref_table: &str,
        ref_columns: Vec<String>,
        actions: (Option<ReferentialAction>, Option<ReferentialAction>),
        options: ForeignKeyOptions,
    ) -> ForeignKey {
        let (ref_schema, ref_table) = ForeignKey::split_ref_table(ref_table);
        let (on_delete, on_update) = actions;
        ForeignKey { name, columns, ref_schema, ref_table, ref_columns, on_delete, on_update, options }
    }

    /// Splits a referenced table written `schema.table` (the last dot separates).
    pub fn split_ref_table(text: &str) -> (Option<String>, String) {
        match text.rsplit_once('.') {
            Some((schema, table)) if !schema.is_empty() && !table.is_empty() => {
                (Some(schema.to_string()), table.to_string())
            }
            _ => (None, text.to_string()),
        }
    }

    /// The referenced table as written in ops (`schema.table` or `table`).
    pub fn ref_table_text(&self) -> String {
        qualified(self.ref_schema.as_deref(), &self.ref_table)
    }

    /// Whether this key (of a table in `own_schema`) points at `schema.table`. An
    /// unqualified reference from a table in a named schema is taken to mean its own
    /// schema, which is what SQLite does and what PostgreSQL users nearly always mean.
    pub fn references(&self, own_schema: Option<&str>, schema: Option<&str>, table: &str) -> bool {
        let target_schema = self.ref_schema.as_deref().or(own_schema);
        self.ref_table == table && target_schema == schema
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConstraint {
    /// Constraint name; `None` lets the database name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The condition, as SQL.
    pub sql: String,
}

/// An index. Entries of `columns` that are not column names of the table are SQL
/// expressions kept as text (expression indexes); an entry may carry an operator
/// class, `ASC`/`DESC` and `NULLS FIRST`/`LAST` after its column or expression (see
/// [`IndexEntry`](super::index_entry::IndexEntry)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Column names or expressions, in index order.
    pub columns: Vec<String>,
    /// A unique index.
    #[serde(default)]
    pub unique: bool,
    /// Partial index condition, as SQL.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    /// The index method (PostgreSQL's `USING gin`, `gist`, `brin`, `hash`); `None`
    /// is the default (btree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// Columns stored in the index but not part of its key (PostgreSQL's `INCLUDE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// A unique index under which nulls equal each other (PostgreSQL 15's
    /// `NULLS NOT DISTINCT`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

impl Index {
    /// Whether `create_table` can declare this index inline: plain column names of
    /// `table`, no condition, the default method and nothing PostgreSQL-only.
    pub fn is_plain(&self, table: &Table) -> bool {
        self.where_.is_none()
            && self.using.is_none()
            && self.include.is_empty()
            && !self.nulls_not_distinct
            && self.columns.iter().all(|c| table.column(c).is_some())
    }

    /// Whether the index uses an option only PostgreSQL has (a method, `INCLUDE`,
    /// `NULLS NOT DISTINCT`).
    pub fn has_postgresql_options(&self) -> bool {
        self.using.is_some() || !self.include.is_empty() || self.nulls_not_distinct
    }
}

/// Whether `word` occurs in `sql` as a whole identifier (not inside a longer name).
/// Used to tell which check constraints and index expressions mention a column.
pub fn mentions_identifier(sql: &str, word: &str) -> bool {
    identifier_spans(sql, word).next().is_some()
}

/// `sql` with every whole-identifier occurrence of `from` replaced by `to`.
pub fn replace_identifier(sql: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for start in identifier_spans(sql, from) {
        out.push_str(&sql[last..start]);
        out.push_str(to);
        last = start + from.len();
    }
    out.push_str(&sql[last..]);
    out
}

/// Byte offsets of whole-identifier occurrences of `word` in `sql`.
fn identifier_spans<'a>(sql: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    sql.match_indices(word).filter_map(move |(start, _)| {
        if word.is_empty() {
            return None;
        }
        let before = sql[..start].chars().next_back();
        let after = sql[start + word.len()..].chars().next();
        let clean = !before.is_some_and(is_ident) && !after.is_some_and(is_ident);
        clean.then_some(start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_stay_sorted_by_schema_then_name() {
        let mut s = Schema::new();
        for (schema, name) in [(Some("b"), "x"), (None, "z"), (None, "a"), (Some("a"), "y")] {
            s.insert_table(Table::new(schema.map(String::from), name)).unwrap();
        }
        let order: Vec<String> = s.tables.iter().map(Table::display_name).collect();
        assert_eq!(order, ["a", "z", "a.y", "b.x"]);
        assert!(s.insert_table(Table::new(None, "a")).is_err());
        assert!(s.remove_table(None, "z").is_some());
        assert!(s.table(None, "z").is_none());
    }

    #[test]
    fn identifier_matching_respects_word_boundaries() {
        assert!(mentions_identifier("price > 0 AND qty > 1", "qty"));
        assert!(!mentions_identifier("price_total > 0", "price"));
        assert_eq!(
            replace_identifier("price > 0 AND price_x < price", "price", "cost"),
            "cost > 0 AND price_x < cost"
        );
    }

    #[test]
    fn schema_round_trips_through_json() {
        let mut t = Table::new(Some("app".into()), "users");
        t.columns.push(ColumnDef {
            name: "id".into(),
            ty: SqlType::Integer,
            nullable: false,
            server_default: None,
            autoincrement: None,
            comment: None,
            identity: Some(Identity { always: true, start: Some(10), ..Identity::default() }),
            computed: None,
            collation: None,
        });
        t.primary_key = Some(PrimaryKey { name: None, columns: vec!["id".into()] });
        let mut s = Schema::new();
        s.insert_table(t).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), s);
    }
}
