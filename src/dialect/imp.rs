//! The seam a dialect implements (Alembic's `ddl/impl.py` `DefaultImpl`): everything
//! that differs between databases, in one trait, so that nothing outside a dialect's
//! folder matches on a dialect.
//!
//! Callers reach a dialect through [`Dialect::imp`](super::Dialect::imp). The default
//! methods say what standard SQL does; a dialect overrides what it does otherwise.
//! The shared builders in [`ddl`](super::ddl), [`literal`](super::literal),
//! [`quote`](super::quote) and [`sqltype`](super::sqltype) ask these hooks instead of
//! naming a dialect.

use super::{Context, RenderError};
use crate::ops::{Cell, Op};
use crate::schema::model::{ConstraintNames, Identity, IndexNames, Schema, Table};
use crate::schema::types::SqlType;

use super::literal::Param;

/// How a statement body that holds `;` is opened, for cutting scripts into statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundBody {
    /// `BEGIN … END` inside `CREATE TRIGGER` (SQLite, MySQL).
    TriggerBegin,
    /// `BEGIN ATOMIC … END` (PostgreSQL's SQL-standard function bodies).
    BeginAtomic,
}

/// How an autoincrement integer key column is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autoincrement {
    /// Nothing to write: the database numbers the key itself (SQLite's rowid alias).
    Implicit,
    /// The column's type is replaced (PostgreSQL's `SERIAL`).
    Type(&'static str),
    /// A clause after the type (MySQL's `AUTO_INCREMENT`).
    Clause(&'static str),
}

/// What one database dialect knows; see the module documentation.
pub trait DialectImpl: Send + Sync + 'static {
    // --- names -------------------------------------------------------------------

    /// The name this implementation is registered under.
    fn dialect(&self) -> super::Dialect;

    /// The alembic cargo feature that brings this dialect's driver.
    fn driver_feature(&self) -> &'static str;

    // --- rendering ----------------------------------------------------------------

    /// The statements that perform `op`, given the schemas before and after it.
    fn render(&self, op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError>;

    /// Whether `op` is done by rebuilding its table (SQLite's "move and copy"); the
    /// runtime then keeps foreign keys from firing while the table is replaced.
    fn requires_rebuild(&self, _op: &Op, _ctx: &Context<'_>) -> bool {
        false
    }

    // --- identifiers ----------------------------------------------------------------

    /// The dialect's reserved words, lower case and sorted (binary-searched).
    fn reserved_words(&self) -> &'static [&'static str];

    /// The character that quotes an identifier (doubled inside one).
    fn identifier_quote(&self) -> char {
        '"'
    }

    /// The longest identifier the database keeps, in bytes, when it cuts longer ones
    /// silently (a later op naming the full name would miss the object).
    fn max_identifier_bytes(&self) -> Option<usize> {
        None
    }

    // --- literals --------------------------------------------------------------------

    /// A string literal: `'it''s'`.
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// The literal for a boolean.
    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "true" } else { "false" }
    }

    /// The literal for a NaN or an infinity.
    fn non_finite_literal(&self, value: f64) -> String;

    /// Whether a `uuid` column stores 32 hex digits (`CHAR(32)`, SQLAlchemy's form
    /// without a native type), so that a TOML uuid string loses its hyphens.
    fn uuid_as_hex(&self) -> bool {
        false
    }

    /// The bound parameter for a `bulk_insert` cell in a column of type `ty`: by
    /// default numbers as numbers and booleans as 0/1.
    fn param(&self, cell: Cell<'_>, ty: &SqlType) -> Param {
        super::literal::typed_param(cell, ty, self.uuid_as_hex())
    }

    // --- types and DDL ----------------------------------------------------------------

    /// The SQL type for `ty` in a table of `schema`.
    fn render_type(&self, ty: &SqlType, schema: Option<&str>) -> String {
        let _ = schema;
        super::sqltype::standard_type(ty)
    }

    /// ` DEFAULT …` for a server default as written.
    fn default_clause(&self, default: &str) -> String {
        format!(" DEFAULT {}", default.trim())
    }

    /// How the table's autoincrement integer key is declared.
    fn autoincrement(&self, _ty: &SqlType) -> Autoincrement {
        Autoincrement::Implicit
    }

    /// The `GENERATED … AS IDENTITY` clause, where the dialect has identity columns.
    fn identity_clause(&self, _identity: &Identity) -> Option<String> {
        None
    }

    /// `STORED` or `VIRTUAL` for a generated column.
    fn computed_kind(&self, stored: bool) -> &'static str {
        if stored { "STORED" } else { "VIRTUAL" }
    }

    /// Whether an enum column gets a `CHECK (col IN (…))` (no native enum type).
    fn enum_check(&self) -> bool {
        false
    }

    /// Whether a foreign key may reference a table of another schema.
    fn cross_schema_references(&self) -> bool {
        true
    }

    /// The clause written after the autoincrement column itself (SQLite's
    /// `PRIMARY KEY AUTOINCREMENT`) instead of a table-level primary key.
    fn inline_primary_key(&self, _table: &Table) -> Option<&'static str> {
        None
    }

    /// Whether indexes take a method (`USING gin`), `INCLUDE` columns and `NULLS NOT
    /// DISTINCT` (PostgreSQL). Without them a `create_index` using one is refused.
    fn index_options(&self) -> bool {
        false
    }

    /// What follows `CREATE TABLE name (…)` for `table`'s dialect-specific options
    /// (SQLite's ` WITHOUT ROWID, STRICT`); nothing by default.
    fn table_options(&self, _table: &Table) -> String {
        String::new()
    }

    /// Whether `CREATE INDEX IF NOT EXISTS` and `DROP INDEX IF EXISTS` exist (not on
    /// MySQL 8). Without them an index op with `if_not_exists`/`if_exists` is refused.
    fn index_if_exists(&self) -> bool {
        true
    }

    /// Whether tables can be partitioned with `PARTITION BY` (PostgreSQL). Without it
    /// a `create_table` with `partition_by` is refused.
    fn partitioned_tables(&self) -> bool {
        false
    }

    /// Whether foreign keys take `DEFERRABLE`, `INITIALLY DEFERRED`, `MATCH FULL` and
    /// `NOT VALID` (PostgreSQL). Without them an op declaring one is refused.
    fn foreign_key_options(&self) -> bool {
        false
    }

    /// Whether `CREATE INDEX` puts the schema on the index name (SQLite) rather than
    /// on the table (the index goes beside the table).
    fn index_name_takes_schema(&self) -> bool {
        false
    }

    /// Whether comments are written inside `CREATE TABLE` and column definitions
    /// (MySQL's `COMMENT '…'`) rather than as statements of their own.
    fn inline_comments(&self) -> bool {
        false
    }

    /// Where index names must be unique: in the schema, or in the table (MySQL).
    fn index_names(&self) -> IndexNames {
        IndexNames::PerSchema
    }

    /// What renames do to the names of constraints made without one: nothing names
    /// them (the default), or the database keeps the name they got (PostgreSQL).
    fn constraint_names(&self) -> ConstraintNames {
        ConstraintNames::Current
    }

    /// An empty schema that follows this database's naming rules, for replaying a
    /// history onto.
    fn empty_schema(&self) -> Schema {
        Schema::with_name_rules(self.index_names(), self.constraint_names())
    }

    /// Whether tables and columns carry comments (SQLite has none).
    fn has_comments(&self) -> bool {
        true
    }

    /// Whether `version_table_schema` names a schema the version table goes in.
    fn version_table_schema(&self) -> bool {
        true
    }

    // --- scripts --------------------------------------------------------------------

    /// The tokenizer dialect for cutting scripts into statements.
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    fn tokenizer(&self) -> &'static dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::GenericDialect {}
    }

    /// Whether a statement of a schema script acts beyond the one database a scratch
    /// load runs in (`target = "schema.sql"`), given its first words in upper case
    /// (`OR REPLACE` left out): such a statement would create, drop or switch to a
    /// real database or role of the server, so the load refuses it. Standard SQL's
    /// server-wide objects are databases and roles; a dialect adds its own.
    fn server_wide_statement(&self, words: &[&str]) -> bool {
        matches!(
            words,
            ["CREATE" | "DROP" | "ALTER", "DATABASE" | "ROLE" | "USER" | "TABLESPACE", ..]
                | ["ALTER", "SYSTEM", ..]
        )
    }

    /// Whether scripts may hold psql's backslash meta-commands.
    fn backslash_meta_commands(&self) -> bool {
        false
    }

    /// Whether scripts may change the statement delimiter with a `DELIMITER x` line
    /// (the `mysql` client's command, used around trigger and routine bodies).
    fn delimiter_command(&self) -> bool {
        false
    }

    /// Which `BEGIN` opens a body that holds `;`.
    fn compound_body(&self) -> CompoundBody {
        CompoundBody::TriggerBegin
    }

    // --- autogenerate normalisation ---------------------------------------------------

    /// The neutral type a database spelling (`int4`, `character varying(20)`) stands
    /// for, given in lower case with white space squashed (none next to `(`, `)`
    /// and `,`); `None` to keep it as written.
    fn canonical_type(&self, _lower: &str) -> Option<SqlType> {
        None
    }

    /// `text` quoted so that the database reads it back as written, as autogenerate
    /// writes a passed-through type; `None` when quoting would change the type.
    fn quote_type(&self, text: &str) -> Option<String> {
        let q = self.identifier_quote();
        Some(format!("{q}{}{q}", text.replace(q, &format!("{q}{q}"))))
    }

    /// A comparison key for types that rendering alone does not tell apart.
    fn type_key(&self, _ty: &SqlType) -> Option<String> {
        None
    }

    /// The neutral name of a time default (`now()` → `current_timestamp`), given the
    /// lower-case text without white space.
    fn time_default(&self, _compact: &str) -> Option<&'static str> {
        None
    }

    /// The function name the database writes back in place of `name` (lower case) in
    /// the conditions it stores, so that a check compares equal to its declaration:
    /// MariaDB shows `LENGTH(x)` as `octet_length(x)`.
    fn function_synonym(&self, _name: &str) -> Option<&'static str> {
        None
    }

    // --- runtime --------------------------------------------------------------------

    /// A query returning one row when the table `name` exists, none otherwise.
    fn table_exists_sql(&self, schema: Option<&str>, name: &str) -> String;

    /// Whether DDL runs inside a transaction and rolls back with it. MySQL commits
    /// before and after each DDL statement.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// How many entries of the server's lock table one transaction may take, when the
    /// server has such a table of fixed size (PostgreSQL); `None` when transactions have
    /// no such limit. [`crate::autogen::split_for_locks`] cuts a larger autogenerated
    /// change into several revisions, each its own transaction.
    fn lock_budget(&self) -> Option<usize> {
        None
    }

    /// How many lock-table entries `op` holds until its transaction ends, estimated
    /// from above (each relation it creates or touches counts once): what
    /// [`DialectImpl::lock_budget`] is spent on.
    fn locks_held(&self, _op: &Op) -> usize {
        0
    }

    /// Whether the migration lock is held for the whole run by the session, so that
    /// heads read once stay valid (PostgreSQL's advisory lock).
    fn session_lock(&self) -> bool {
        false
    }

    /// How foreign-key enforcement is turned off for a run whose table rebuilds would
    /// fire `ON DELETE` actions (each step is then checked before it commits).
    fn foreign_key_enforcement(&self) -> Option<ForeignKeyEnforcement> {
        None
    }

    /// A query listing the rows of `table` (schema, name), or of every table, whose
    /// foreign keys reference no row (table, rowid, parent table): the check that
    /// stands in for enforcement while it is off.
    fn foreign_key_check_sql(&self, _table: Option<(Option<&str>, &str)>) -> Option<String> {
        None
    }
}

/// The statements that read, turn off and turn on foreign-key enforcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignKeyEnforcement {
    /// Returns `1` when keys are enforced.
    pub query: &'static str,
    /// Turns enforcement off.
    pub off: &'static str,
    /// Turns it on again.
    pub on: &'static str,
}
