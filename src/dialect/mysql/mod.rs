//! MySQL (8.0) and MariaDB (10.11) rendering, in Alembic's statement forms:
//!
//! - names are quoted with backticks; strings double their quotes and backslashes
//!   (MySQL reads `\` as an escape inside strings unless `NO_BACKSLASH_ESCAPES`);
//! - types as SQLAlchemy's MySQL dialect writes them: `BOOL`, `FLOAT` for `real`,
//!   `DATETIME` for both timestamps (MySQL has no time zone in a column), `CHAR(32)`
//!   for `uuid`, a native `ENUM('a','b')`, `VARCHAR(n)` (a length is required);
//! - an autoincrement key is `AUTO_INCREMENT`; comments are inline (`COMMENT '…'` on
//!   a column, `COMMENT=` after the table);
//! - `alter_column` changes the column with `MODIFY` (or `CHANGE` when it
//!   is renamed) and its whole definition, taken from the model: MySQL forgets every
//!   attribute the statement leaves out (nullability, default, `AUTO_INCREMENT`,
//!   comment), which is why Alembic asks for `existing_*` arguments. A change of the
//!   default alone is `ALTER COLUMN … SET DEFAULT` / `DROP DEFAULT`;
//! - constraints are dropped by kind: `DROP INDEX` (unique), `DROP FOREIGN KEY`,
//!   `DROP PRIMARY KEY`, `DROP CONSTRAINT` (check); `drop_index` names the table;
//!   `drop_column` drops the foreign keys over the column first, which MySQL refuses to
//!   drop with it;
//! - a new table's foreign key named as MySQL names an unnamed one (`t_ibfk_1`) gets
//!   the index MySQL would have made for it, named after its first column, so that a
//!   table reflected from `FOREIGN KEY (a) REFERENCES …` is built again as it was.
//!
//! MySQL commits DDL implicitly: a step's statements cannot be rolled back together
//! ([`DialectImpl::transactional_ddl`]).

#[cfg(feature = "mysql")]
pub(crate) mod driver;
mod normalize;
mod reserved;
pub(crate) mod url;

use crate::dialect::ddl::{
    check_clause, column_spec, create_index_sql, create_table_sql, foreign_key_clause, is_expression_default,
    primary_key_clause, table_name, unique_clause, value_list,
};
use crate::dialect::imp::{Autoincrement, CompoundBody, DialectImpl};
use crate::dialect::literal::{delete_row_sql, insert_row_sql};
use crate::dialect::quote::{qualified_name, quote_identifier};
use crate::dialect::sqltype::standard_type;
use crate::dialect::{Context, Dialect, RenderError};
use crate::ops::apply::{drops_with_column, index_owner};
use crate::ops::{AlterColumn, ConstraintType, Op, SetOrDrop};
use crate::schema::model::{ColumnDef, ForeignKey, IndexNames, Table};
use crate::schema::types::SqlType;

/// The number of queries a MySQL/MariaDB reflection sends, whatever the database
/// holds: the server's version and the database, tables, columns, the foreign keys'
/// rules, primary and foreign key columns (each read alone and joined here: MariaDB's
/// `information_schema` joins cost ten times the queries apart), index statistics,
/// check constraints, views, triggers.
pub const MYSQL_CATALOG_QUERIES: usize = 9;

const D: Dialect = Dialect::Mysql;

/// MySQL 8.0 and MariaDB 10.11 (one dialect: what they share).
#[derive(Debug, Clone, Copy)]
pub struct Mysql;

impl DialectImpl for Mysql {
    fn dialect(&self) -> Dialect {
        D
    }

    fn driver_feature(&self) -> &'static str {
        "mysql"
    }

    fn render(&self, op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
        check_columns(op, ctx)?;
        op_statements(op, ctx)
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        reserved::RESERVED
    }

    fn identifier_quote(&self) -> char {
        '`'
    }

    // Backslashes are escapes in MySQL strings (unless NO_BACKSLASH_ESCAPES): doubled.
    fn string_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    }

    // MySQL's DOUBLE holds no NaN or infinity; NULL is what SQLite stores for NaN too.
    fn non_finite_literal(&self, _value: f64) -> String {
        "NULL".to_string()
    }

    fn uuid_as_hex(&self) -> bool {
        true
    }

    fn render_type(&self, ty: &SqlType, _schema: Option<&str>) -> String {
        match ty {
            SqlType::Boolean => "BOOL".into(),
            SqlType::Real => "FLOAT".into(),
            SqlType::Timestamp | SqlType::TimestampTz => "DATETIME".into(),
            SqlType::Enum { values, .. } => format!("ENUM({})", value_list(D, values)),
            SqlType::Other(text) => match text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
                Some(inner) if !inner.replace("``", "").contains('`') => inner.replace("``", "`"),
                _ => text.clone(),
            },
            other => standard_type(other),
        }
    }

    // MySQL 8 wants an expression default in parentheses (MariaDB takes both);
    // CURRENT_TIMESTAMP and its synonyms may stand bare, and must for DATETIME.
    fn default_clause(&self, default: &str) -> String {
        let trimmed = default.trim();
        // `CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP` (how reflection, like
        // SQLAlchemy, carries MySQL's ON UPDATE in the default): the clause stays bare.
        if let Some(at) = trimmed.to_ascii_lowercase().find(" on update ") {
            return format!("{} {}", self.default_clause(&trimmed[..at]), trimmed[at + 1..].trim());
        }
        if is_expression_default(trimmed) && normalize::time_default(&trimmed.to_ascii_lowercase()).is_none()
        {
            format!(" DEFAULT ({trimmed})")
        } else {
            format!(" DEFAULT {trimmed}")
        }
    }

    fn autoincrement(&self, _ty: &SqlType) -> Autoincrement {
        Autoincrement::Clause("AUTO_INCREMENT")
    }

    fn inline_comments(&self) -> bool {
        true
    }

    fn index_names(&self) -> IndexNames {
        IndexNames::PerTable
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    fn tokenizer(&self) -> &'static dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::MySqlDialect {}
    }

    fn delimiter_command(&self) -> bool {
        true
    }

    fn server_wide_statement(&self, words: &[&str]) -> bool {
        // A schema is a database, server-wide, and `USE` would leave the scratch one
        // (the next statements would run in a real database).
        matches!(
            words,
            ["USE", ..]
                | ["CREATE" | "DROP" | "ALTER", "DATABASE" | "SCHEMA" | "USER" | "ROLE" | "SERVER", ..]
                | ["RENAME", "USER", ..]
        )
    }

    fn compound_body(&self) -> CompoundBody {
        CompoundBody::TriggerBegin
    }

    fn canonical_type(&self, lower: &str) -> Option<SqlType> {
        normalize::canonical_type(lower)
    }

    // MySQL cannot quote a type name; a revision file marks the database's own type
    // (`TIMESTAMP`, which is not `timestamp`: that is DATETIME here) in backticks, and
    // rendering takes them off.
    fn quote_type(&self, text: &str) -> Option<String> {
        Some(format!("`{}`", text.replace('`', "``")))
    }

    fn type_key(&self, ty: &SqlType) -> Option<String> {
        normalize::type_key(ty)
    }

    fn time_default(&self, compact: &str) -> Option<&'static str> {
        normalize::time_default(compact)
    }

    // MySQL's LENGTH counts bytes; MariaDB stores it by its other name.
    fn function_synonym(&self, name: &str) -> Option<&'static str> {
        (name == "octet_length").then_some("length")
    }

    // A schema is a database: without one, the connection's current database.
    fn table_exists_sql(&self, schema: Option<&str>, name: &str) -> String {
        let database = schema.map(|s| self.string_literal(s)).unwrap_or_else(|| "DATABASE()".to_string());
        format!(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = {database} AND table_name = {} AND table_type = 'BASE TABLE'",
            self.string_literal(name)
        )
    }

    // GET_LOCK is held by the session for the whole run.
    fn session_lock(&self) -> bool {
        true
    }

    // MySQL 8 has neither (MariaDB has both, but offline SQL cannot tell them apart).
    fn index_if_exists(&self) -> bool {
        false
    }

    fn transactional_ddl(&self) -> bool {
        false
    }
}

/// What MySQL cannot store as the model says, refused before any SQL is written: a
/// `varchar` without a length, a `text`/`blob`/`json` column in a key or index (MySQL
/// needs a prefix length there, which the model does not hold), a partial index.
/// Only what the op brings is refused: a table that already has such a thing (made
/// by raw SQL) does not stop other ops on it.
fn check_columns(op: &Op, ctx: &Context<'_>) -> Result<(), RenderError> {
    // A new name brings nothing new.
    if matches!(op, Op::RenameTable(_)) {
        return Ok(());
    }
    for name in op.tables() {
        let Some(after) = ctx.after.table(op.schema(), name) else { continue };
        let before = ctx.before.table(op.schema(), name).map(problems).unwrap_or_default();
        if let Some(message) = problems(after).into_iter().find(|p| !before.contains(p)) {
            return Err(RenderError::Unsupported { op: op.name(), message });
        }
    }
    Ok(())
}

/// What MySQL cannot make of `t` (see [`check_columns`]), one message each.
fn problems(t: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for c in t.columns.iter().filter(|c| c.ty == SqlType::Varchar(None)) {
        out.push(format!("column {}.{}: MySQL needs a length for varchar: write varchar(N)", t.name, c.name));
    }
    let keyed = t
        .primary_key
        .iter()
        .flat_map(|k| k.columns.iter())
        .chain(t.uniques.iter().flat_map(|u| u.columns.iter()))
        .chain(t.indexes.iter().flat_map(|i| i.columns.iter()));
    for column in keyed {
        if let Some(c) = t.column(column)
            && matches!(c.ty, SqlType::Text | SqlType::Blob | SqlType::Json)
        {
            out.push(format!(
                "column {}.{} is {} and in a key or index: MySQL cannot index it without a prefix length; use varchar(N), or create the index with execute",
                t.name, c.name, c.ty
            ));
        }
    }
    for index in t.indexes.iter().filter(|i| i.where_.is_some()) {
        out.push(format!("index {}: MySQL has no partial indexes (`where`)", index.name));
    }
    out
}

fn alter_table(table: &Table, rest: &str) -> String {
    format!("ALTER TABLE {} {rest}", table_name(D, table))
}

fn op_statements(op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
    let after = |schema: &Option<String>, name: &str| ctx.after.table(schema.as_deref(), name);
    let before = |schema: &Option<String>, name: &str| ctx.before.table(schema.as_deref(), name);
    Ok(match op {
        Op::CreateTable(o) => match after(&o.schema, &o.table) {
            Some(t) => {
                let mut out = vec![create_table_sql(D, t, &t.name)];
                out.extend(t.indexes.iter().map(|i| create_index_sql(D, t, i)));
                out.extend(unnamed_key_indexes(t));
                out
            }
            None => Vec::new(),
        },
        Op::DropTable(o) => vec![format!("DROP TABLE {}", qualified_name(D, o.schema.as_deref(), &o.table))],
        // The new name is qualified too: unqualified, MySQL would move the table into
        // the connection's current database.
        Op::RenameTable(o) => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            qualified_name(D, o.schema.as_deref(), &o.new_name)
        )],
        Op::AddColumn(o) => match (before(&o.schema, &o.table), after(&o.schema, &o.table)) {
            (Some(b), Some(a)) => add_column(b, a, &o.column.name),
            _ => Vec::new(),
        },
        Op::DropColumn(o) => match before(&o.schema, &o.table) {
            Some(t) => drop_column(t, &o.column),
            None => Vec::new(),
        },
        Op::AlterColumn(o) => {
            let new_name = o.new_name.as_deref().unwrap_or(&o.column);
            match (before(&o.schema, &o.table), after(&o.schema, &o.table)) {
                (Some(b), Some(a)) => match (b.column(&o.column), a.column(new_name)) {
                    (Some(old), Some(new)) => alter_column(a, old, new, o),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        }
        Op::CreateIndex(o) => match after(&o.schema, &o.table) {
            Some(t) => t.index(&o.name).map(|i| vec![create_index_sql(D, t, i)]).unwrap_or_default(),
            None => Vec::new(),
        },
        // MySQL's DROP INDEX names the table, which the model knows.
        Op::DropIndex(o) => {
            let (table, _) = index_owner(ctx.before, o)?;
            let (mut out, adds) =
                uncovered_foreign_keys(table, ctx.after.table(table.schema.as_deref(), &table.name));
            out.push(format!("DROP INDEX {} ON {}", quote_identifier(D, &o.name), table_name(D, table)));
            out.extend(adds);
            out
        }
        Op::CreateUniqueConstraint(o) => add_constraint(ctx, &o.schema, &o.table, |t| {
            t.uniques.iter().find(|u| u.name.as_deref() == Some(o.name.as_str())).map(|u| unique_clause(D, u))
        }),
        Op::CreateForeignKey(o) => add_constraint(ctx, &o.schema, &o.table, |t| {
            t.foreign_keys
                .iter()
                .find(|f| f.name.as_deref() == Some(o.name.as_str()))
                .map(|f| foreign_key_clause(D, t.schema.as_deref(), f))
        }),
        Op::CreateCheckConstraint(o) => add_constraint(ctx, &o.schema, &o.table, |t| {
            t.checks.iter().find(|c| c.name.as_deref() == Some(o.name.as_str())).map(|c| check_clause(D, c))
        }),
        Op::CreatePrimaryKey(o) => add_constraint(ctx, &o.schema, &o.table, |t| {
            t.primary_key.as_ref().map(|pk| primary_key_clause(D, pk.name.as_deref(), &pk.columns))
        }),
        Op::DropConstraint(o) => {
            let name = quote_identifier(D, &o.name);
            let (mut out, adds) = match (before(&o.schema, &o.table), o.kind) {
                (Some(t), ConstraintType::Unique | ConstraintType::Primary) => {
                    uncovered_foreign_keys(t, after(&o.schema, &o.table))
                }
                _ => (Vec::new(), Vec::new()),
            };
            let what = match o.kind {
                ConstraintType::Unique => format!("DROP INDEX {name}"),
                ConstraintType::ForeignKey => format!("DROP FOREIGN KEY {name}"),
                ConstraintType::Primary => "DROP PRIMARY KEY".to_string(),
                ConstraintType::Check => format!("DROP CONSTRAINT {name}"),
            };
            out.push(format!("ALTER TABLE {} {what}", qualified_name(D, o.schema.as_deref(), &o.table)));
            out.extend(adds);
            out
        }
        Op::CreateTableComment(o) => {
            vec![table_comment_sql(o.schema.as_deref(), &o.table, o.comment.as_deref())]
        }
        Op::DropTableComment(o) => vec![table_comment_sql(o.schema.as_deref(), &o.table, None)],
        Op::BulkInsert(o) => match before(&o.schema, &o.table) {
            Some(t) => o.rows.iter().map(|row| insert_row_sql(D, t, row)).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        // Undone in reverse order, one statement per row.
        Op::DeleteRows(o) => match before(&o.schema, &o.table) {
            Some(t) => o.rows.iter().rev().map(|row| delete_row_sql(D, t, row)).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        Op::Execute(o) => o.sql_for(D.name()).map(|s| vec![s.to_string()]).unwrap_or_default(),
        // A code step is run by the migrator, not rendered.
        Op::Call(_) => Vec::new(),
        Op::CreateObject(o) => vec![o.sql.trim().trim_end_matches(';').trim_end().to_string()],
        Op::DropObject(o) => vec![crate::dialect::ddl::drop_object_sql(D, o)],
    })
}

/// InnoDB enforces a foreign key through an index that starts with its columns, and
/// refuses to drop the last such index. The keys of `before` that an index, unique
/// constraint or primary key covers there but nothing covers in `after`: dropped
/// before the drop and added again after it (MySQL then makes its own index for them,
/// which reflection leaves out of the model), as (drop, add) statements.
fn uncovered_foreign_keys(before: &Table, after: Option<&Table>) -> (Vec<String>, Vec<String>) {
    let Some(after) = after else { return (Vec::new(), Vec::new()) };
    let covers = |t: &Table, fk: &ForeignKey| {
        let starts =
            |cols: &[String]| cols.len() >= fk.columns.len() && cols[..fk.columns.len()] == fk.columns[..];
        t.primary_key.iter().any(|k| starts(&k.columns))
            || t.uniques.iter().any(|u| starts(&u.columns))
            || t.indexes.iter().any(|i| starts(&i.columns))
    };
    let (mut drops, mut adds) = (Vec::new(), Vec::new());
    for fk in after.foreign_keys.iter().filter(|fk| covers(before, fk) && !covers(after, fk)) {
        let name = foreign_key_name(before, fk);
        drops.push(alter_table(before, &format!("DROP FOREIGN KEY {}", quote_identifier(D, &name))));
        let named = ForeignKey { name: Some(name), ..fk.clone() };
        adds.push(alter_table(
            after,
            &format!("ADD {}", foreign_key_clause(D, after.schema.as_deref(), &named)),
        ));
    }
    (drops, adds)
}

/// The key's name in the database: its own, or for a key the history left unnamed the
/// one InnoDB gave it when its table was made, `<table>_ibfk_<n>`, numbered in the
/// table's order of unnamed keys (online, the reflected database gives the real name).
fn foreign_key_name(table: &Table, fk: &ForeignKey) -> String {
    match &fk.name {
        Some(name) => name.clone(),
        None => {
            let unnamed = table.foreign_keys.iter().filter(|f| f.name.is_none());
            let n = unnamed.into_iter().position(|f| f == fk).map_or(1, |i| i + 1);
            format!("{}_ibfk_{n}", table.name)
        }
    }
}

/// For a key named as MySQL names one declared without a name (`<table>_ibfk_<n>`,
/// as reflection reads it), the index MySQL would have made for it then: named after
/// the key's first column. Written with the name, the key's own index would be named
/// as the key; this index takes its place (MySQL drops an implicit key index once
/// another serves the key), so the table comes out as the unnamed declaration made it.
/// Reflection leaves either index out, as the key's own.
fn unnamed_key_indexes(table: &Table) -> Vec<String> {
    let prefix = format!("{}_ibfk_", table.name);
    let served = |columns: &[String]| {
        let leads = |cols: &[String]| cols.len() >= columns.len() && cols[..columns.len()] == *columns;
        table.primary_key.as_ref().is_some_and(|pk| leads(&pk.columns))
            || table.uniques.iter().any(|u| leads(&u.columns))
            || table.indexes.iter().any(|i| leads(&i.columns))
    };
    let mut taken: Vec<&str> = table.indexes.iter().map(|i| i.name.as_str()).collect();
    taken.extend(table.uniques.iter().filter_map(|u| u.name.as_deref()));
    let mut out = Vec::new();
    for fk in &table.foreign_keys {
        let auto = fk
            .name
            .as_deref()
            .and_then(|n| n.strip_prefix(&prefix))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let Some(first) = fk.columns.first() else { continue };
        if !auto || served(&fk.columns) || taken.contains(&first.as_str()) {
            continue;
        }
        taken.push(first);
        let columns: Vec<String> = fk.columns.iter().map(|c| quote_identifier(D, c)).collect();
        out.push(format!(
            "CREATE INDEX {} ON {} ({})",
            quote_identifier(D, first),
            qualified_name(D, table.schema.as_deref(), &table.name),
            columns.join(", ")
        ));
    }
    out
}

/// `ALTER TABLE … COMMENT '…'` (an empty comment is none).
fn table_comment_sql(schema: Option<&str>, table: &str, comment: Option<&str>) -> String {
    format!(
        "ALTER TABLE {} COMMENT {}",
        qualified_name(D, schema, table),
        D.imp().string_literal(comment.unwrap_or(""))
    )
}

/// `ALTER TABLE … ADD <clause>` for the constraint `find` picks from the table after
/// the op.
fn add_constraint(
    ctx: &Context<'_>,
    schema: &Option<String>,
    table: &str,
    find: impl Fn(&Table) -> Option<String>,
) -> Vec<String> {
    ctx.after
        .table(schema.as_deref(), table)
        .and_then(|t| find(t).map(|clause| alter_table(t, &format!("ADD {clause}"))))
        .into_iter()
        .collect()
}

/// `ADD COLUMN`, then what the column declared inline: what the table has after the
/// op and did not have before.
fn add_column(before: &Table, after: &Table, column: &str) -> Vec<String> {
    let Some(def) = after.column(column) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let new_key = after.primary_key.as_ref().filter(|_| before.primary_key.is_none());
    // AUTO_INCREMENT needs the key in the same statement.
    let key = match new_key {
        Some(pk) if after.autoincrement_column().is_some_and(|c| c.name == column) => {
            format!(", ADD {}", primary_key_clause(D, pk.name.as_deref(), &pk.columns))
        }
        _ => String::new(),
    };
    out.push(alter_table(after, &format!("ADD COLUMN {}{key}", column_spec(D, after, def))));
    if let (Some(pk), true) = (new_key, key.is_empty()) {
        out.push(alter_table(
            after,
            &format!("ADD {}", primary_key_clause(D, pk.name.as_deref(), &pk.columns)),
        ));
    }
    for u in after.uniques.iter().filter(|u| !before.uniques.contains(u)) {
        out.push(alter_table(after, &format!("ADD {}", unique_clause(D, u))));
    }
    for f in after.foreign_keys.iter().filter(|f| !before.foreign_keys.contains(f)) {
        out.push(alter_table(after, &format!("ADD {}", foreign_key_clause(D, after.schema.as_deref(), f))));
    }
    for i in after.indexes.iter().filter(|i| !before.indexes.contains(i)) {
        out.push(create_index_sql(D, after, i));
    }
    out
}

/// `DROP FOREIGN KEY` for each key over the column (see [`foreign_key_name`]), then
/// `DROP COLUMN`.
fn drop_column(table: &Table, column: &str) -> Vec<String> {
    let gone = drops_with_column(table, column);
    let mut out: Vec<String> = gone
        .foreign_keys
        .iter()
        .map(|fk| {
            alter_table(
                table,
                &format!("DROP FOREIGN KEY {}", quote_identifier(D, &foreign_key_name(table, fk))),
            )
        })
        .collect();
    out.push(alter_table(table, &format!("DROP COLUMN {}", quote_identifier(D, column))));
    out
}

/// See the module documentation: the whole definition from the model.
fn alter_column(table: &Table, old: &ColumnDef, new: &ColumnDef, op: &AlterColumn) -> Vec<String> {
    let renamed = new.name != old.name;
    let definition_changed = old.ty != new.ty
        || old.nullable != new.nullable
        || old.comment != new.comment
        || old.collation != new.collation;
    if renamed {
        return vec![alter_table(
            table,
            &format!("CHANGE {} {}", quote_identifier(D, &old.name), column_spec(D, table, new)),
        )];
    }
    if definition_changed {
        return vec![alter_table(table, &format!("MODIFY {}", column_spec(D, table, new)))];
    }
    let name = quote_identifier(D, &new.name);
    match &op.server_default {
        Some(SetOrDrop::Set(_)) | Some(SetOrDrop::Drop) if old.server_default != new.server_default => {
            match &new.server_default {
                Some(default) => vec![alter_table(
                    table,
                    &format!("ALTER COLUMN {name} SET{}", D.imp().default_clause(default)),
                )],
                None => vec![alter_table(table, &format!("ALTER COLUMN {name} DROP DEFAULT"))],
            }
        }
        _ => Vec::new(),
    }
}
