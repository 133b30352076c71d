//! SQLite rendering.
//!
//! Done in place: `create_table`, `drop_table`, `rename_table`, `create_index`,
//! `drop_index`, `bulk_insert`, `execute`; `add_column` when SQLite's `ADD COLUMN`
//! allows it (not a primary key, no unique constraint, and not NOT NULL without a
//! default, and a constant default); `drop_column` when nothing else goes with the
//! column (no index, key, unique or foreign key over it, no check mentioning it);
//! `alter_column` that only renames (`RENAME COLUMN`). Comments do not exist in SQLite
//! and are dropped silently, as SQLAlchemy does (table comment ops render nothing).
//!
//! Everything else that changes an existing table is a table [`rebuild`]:
//! `alter_column` of type, nullability or default; the `create_*_constraint` ops,
//! `create_primary_key` and `drop_constraint`; the `add_column` and `drop_column`
//! cases above; and, with `batch_always`, every column, constraint and index op.

pub(crate) mod driver;
pub mod rebuild;
mod reserved;
pub(crate) mod url;

use self::rebuild::Plan;
use crate::dialect::ddl::{
    create_index_sql, create_table_sql, drop_index_sql, is_expression_default, table_name,
};
use crate::dialect::imp::{CompoundBody, DialectImpl, ForeignKeyEnforcement};
use crate::dialect::literal::{delete_row_sql, insert_row_sql};
use crate::dialect::quote::{qualified_name, quote_identifier};
use crate::dialect::{Context, Dialect, RenderError};
use crate::ops::apply::{column_index_name, drops_with_column, index_owner};
use crate::ops::{Column, Op};
use crate::schema::model::Table;

/// The number of queries a SQLite reflection sends (columns, foreign keys, index
/// list, index columns, triggers and views), whatever the database holds.
pub const SQLITE_CATALOG_QUERIES: usize = 5;

const D: Dialect = Dialect::Sqlite;

/// SQLite (3.35 or later), as rusqlite's bundled library and the `sqlite3` shell run it.
#[derive(Debug, Clone, Copy)]
pub struct Sqlite;

impl DialectImpl for Sqlite {
    fn dialect(&self) -> Dialect {
        D
    }

    fn driver_feature(&self) -> &'static str {
        "sqlite"
    }

    fn render(&self, op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
        render(op, ctx)
    }

    fn requires_rebuild(&self, op: &Op, ctx: &Context<'_>) -> bool {
        rebuild_plan(op, ctx).is_some()
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        reserved::RESERVED
    }

    // As SQLAlchemy: SQLite has no boolean literals before 3.23, and stores 1/0.
    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "1" } else { "0" }
    }

    // Infinities overflow to ±Inf when read; SQLite stores NaN as NULL anyway.
    fn non_finite_literal(&self, value: f64) -> String {
        match value {
            v if v.is_nan() => "NULL".to_string(),
            v if v > 0.0 => "9e999".to_string(),
            _ => "-9e999".to_string(),
        }
    }

    fn uuid_as_hex(&self) -> bool {
        true
    }

    // SQLite accepts only literals and parenthesised expressions as defaults.
    fn default_clause(&self, default: &str) -> String {
        let trimmed = default.trim();
        if is_expression_default(trimmed) {
            format!(" DEFAULT ({trimmed})")
        } else {
            format!(" DEFAULT {trimmed}")
        }
    }

    fn enum_check(&self) -> bool {
        true
    }

    // A foreign key can only point into the same (attached) database.
    fn cross_schema_references(&self) -> bool {
        false
    }

    fn table_options(&self, table: &Table) -> String {
        let options: Vec<&str> =
            [(table.sqlite_without_rowid, "WITHOUT ROWID"), (table.sqlite_strict, "STRICT")]
                .into_iter()
                .filter_map(|(on, option)| on.then_some(option))
                .collect();
        if options.is_empty() { String::new() } else { format!(" {}", options.join(", ")) }
    }

    fn inline_primary_key(&self, table: &Table) -> Option<&'static str> {
        table.sqlite_autoincrement.then_some("PRIMARY KEY AUTOINCREMENT")
    }

    fn index_name_takes_schema(&self) -> bool {
        true
    }

    fn has_comments(&self) -> bool {
        false
    }

    fn version_table_schema(&self) -> bool {
        false
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    fn tokenizer(&self) -> &'static dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::SQLiteDialect {}
    }

    fn compound_body(&self) -> CompoundBody {
        CompoundBody::TriggerBegin
    }

    fn time_default(&self, compact: &str) -> Option<&'static str> {
        match compact {
            "datetime('now')" | "current_timestamp" => Some("current_timestamp"),
            "date('now')" | "current_date" => Some("current_date"),
            "time('now')" | "current_time" => Some("current_time"),
            _ => None,
        }
    }

    fn table_exists_sql(&self, schema: Option<&str>, name: &str) -> String {
        let catalog = match schema {
            Some(schema) => format!("{}.sqlite_master", quote_identifier(D, schema)),
            None => "sqlite_master".to_string(),
        };
        format!("SELECT name FROM {catalog} WHERE type = 'table' AND name = {}", self.string_literal(name))
    }

    // A rebuild drops and recreates tables, which would fire ON DELETE actions while
    // foreign keys are enforced, and enforcement cannot change inside a transaction.
    fn foreign_key_enforcement(&self) -> Option<ForeignKeyEnforcement> {
        Some(ForeignKeyEnforcement {
            query: "PRAGMA foreign_keys",
            off: "PRAGMA foreign_keys = OFF",
            on: "PRAGMA foreign_keys = ON",
        })
    }

    // With a table, its own foreign keys only.
    fn foreign_key_check_sql(&self, table: Option<(Option<&str>, &str)>) -> Option<String> {
        Some(match table {
            None => "PRAGMA foreign_key_check".to_string(),
            Some((schema, table)) => {
                let prefix = schema.map(|s| format!("{}.", quote_identifier(D, s))).unwrap_or_default();
                format!("PRAGMA {prefix}foreign_key_check({})", self.string_literal(table))
            }
        })
    }
}

/// The statements for `op` on SQLite.
fn render(op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
    if let Some(plan) = rebuild_plan(op, ctx) {
        return rebuild::statements(&plan);
    }
    let after_table = |schema: &Option<String>, name: &str| ctx.after.table(schema.as_deref(), name);
    let before_table = |schema: &Option<String>, name: &str| ctx.before.table(schema.as_deref(), name);
    Ok(match op {
        Op::CreateTable(o) => match after_table(&o.schema, &o.table) {
            Some(t) => {
                let mut out = vec![create_table_sql(D, t, &t.name)];
                out.extend(t.indexes.iter().map(|i| create_index_sql(D, t, i)));
                out
            }
            None => Vec::new(),
        },
        Op::DropTable(o) => vec![format!("DROP TABLE {}", qualified_name(D, o.schema.as_deref(), &o.table))],
        Op::RenameTable(o) => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            quote_identifier(D, &o.new_name)
        )],
        Op::AddColumn(o) => match after_table(&o.schema, &o.table) {
            Some(t) => add_column(t, &o.column),
            None => Vec::new(),
        },
        Op::DropColumn(o) => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            quote_identifier(D, &o.column)
        )],
        Op::AlterColumn(o) => match &o.new_name {
            Some(new_name) if *new_name != o.column => vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                qualified_name(D, o.schema.as_deref(), &o.table),
                quote_identifier(D, &o.column),
                quote_identifier(D, new_name)
            )],
            // Only a comment changed: nothing to do on SQLite.
            _ => Vec::new(),
        },
        Op::CreateIndex(o) => match after_table(&o.schema, &o.table) {
            Some(t) => t.index(&o.name).map(|i| vec![create_index_sql(D, t, i)]).unwrap_or_default(),
            None => Vec::new(),
        },
        Op::DropIndex(o) => vec![drop_index_sql(D, o.schema.as_deref(), &o.name)],
        Op::CreateTableComment(_) | Op::DropTableComment(_) => Vec::new(),
        Op::BulkInsert(o) => match before_table(&o.schema, &o.table) {
            Some(t) => o.rows.iter().map(|row| insert_row_sql(D, t, row)).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        // Undone in reverse order, one statement per row.
        Op::DeleteRows(o) => match before_table(&o.schema, &o.table) {
            Some(t) => o.rows.iter().rev().map(|row| delete_row_sql(D, t, row)).collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        Op::Execute(o) => o.sql_for(D.name()).map(|s| vec![s.to_string()]).unwrap_or_default(),
        // A code step is run by the migrator, not rendered.
        Op::Call(_) => Vec::new(),
        Op::CreateObject(o) => vec![o.sql.trim().trim_end_matches(';').trim_end().to_string()],
        Op::DropObject(o) => vec![crate::dialect::ddl::drop_object_sql(D, o)],
        // Always rebuilt (rebuild_plan returned a plan); kept for exhaustiveness.
        Op::CreateUniqueConstraint(_)
        | Op::CreateForeignKey(_)
        | Op::CreateCheckConstraint(_)
        | Op::CreatePrimaryKey(_)
        | Op::DropConstraint(_) => Vec::new(),
    })
}

/// `ALTER TABLE … ADD COLUMN …`, with an inline `REFERENCES` for a foreign key, then
/// the column's index.
fn add_column(table: &Table, column: &Column) -> Vec<String> {
    let Some(def) = table.column(&column.name) else {
        return Vec::new();
    };
    let mut spec = crate::dialect::ddl::column_spec(D, table, def);
    if let Some(fk) =
        table.foreign_keys.iter().find(|f| column.foreign_key.is_some() && f.columns == [column.name.clone()])
    {
        spec.push_str(&format!(
            " REFERENCES {} ({})",
            quote_identifier(D, &fk.ref_table),
            quote_identifier(D, &fk.ref_columns[0])
        ));
    }
    let mut out = vec![format!("ALTER TABLE {} ADD COLUMN {spec}", table_name(D, table))];
    if column.index
        && let Some(index) = table.index(&column_index_name(&table.name, &column.name))
    {
        out.push(create_index_sql(D, table, index));
    }
    out
}

/// Whether SQLite's `ADD COLUMN` accepts `default`: a literal number, string, blob,
/// NULL, TRUE or FALSE (not CURRENT_TIMESTAMP and friends, not an expression).
fn constant_default(default: &str) -> bool {
    let text = default.trim();
    let upper = text.to_ascii_uppercase();
    if matches!(upper.as_str(), "NULL" | "TRUE" | "FALSE") {
        return true;
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return true;
    }
    if (upper.starts_with("X'")) && text.ends_with('\'') {
        return true;
    }
    let number = text.strip_prefix(['+', '-']).unwrap_or(text);
    !number.is_empty()
        && number.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        && number.parse::<f64>().is_ok()
}

/// Whether `ADD COLUMN` can add `column` as declared.
fn native_add_column(column: &Column) -> bool {
    let default_ok = column.server_default.as_deref().is_none_or(constant_default);
    let not_null_ok = column.is_nullable() || column.server_default.is_some();
    let fk_ok = column.foreign_key.is_none()
        || column.server_default.as_deref().is_none_or(|d| d.trim().eq_ignore_ascii_case("null"));
    // A unique index (`unique` with `index`) is a separate CREATE UNIQUE INDEX.
    let unique_ok = !column.unique || column.index;
    !column.primary_key && unique_ok && default_ok && not_null_ok && fk_ok
}

/// The rebuild `op` needs on SQLite, if any (see the module documentation).
fn rebuild_plan<'a>(op: &Op, ctx: &Context<'a>) -> Option<Plan<'a>> {
    let always = ctx.options.batch_always;
    let plan = |schema: &Option<String>, table: &str| {
        let before = ctx.before.table(schema.as_deref(), table)?;
        let after = ctx.after.table(schema.as_deref(), table)?;
        Some(Plan { schema: ctx.before, before, after, renamed: None })
    };
    match op {
        Op::AddColumn(o) if always || !native_add_column(&o.column) => plan(&o.schema, &o.table),
        Op::DropColumn(o) => {
            let before = ctx.before.table(o.schema.as_deref(), &o.table)?;
            let gone = drops_with_column(before, &o.column);
            let simple = gone.primary_key.is_none()
                && gone.uniques.is_empty()
                && gone.foreign_keys.is_empty()
                && gone.checks.is_empty()
                && gone.indexes.is_empty();
            if always || !simple { plan(&o.schema, &o.table) } else { None }
        }
        Op::AlterColumn(o) => {
            let before = ctx.before.table(o.schema.as_deref(), &o.table)?;
            let old = before.column(&o.column)?;
            let new_name = o.new_name.clone().unwrap_or_else(|| o.column.clone());
            let after = ctx.after.table(o.schema.as_deref(), &o.table)?;
            let new = after.column(&new_name)?;
            let changed = old.ty != new.ty
                || old.nullable != new.nullable
                || old.server_default != new.server_default
                || old.collation != new.collation;
            if always || changed {
                Some(Plan { schema: ctx.before, before, after, renamed: Some((o.column.clone(), new_name)) })
            } else {
                None
            }
        }
        Op::CreateIndex(o) if always => plan(&o.schema, &o.table),
        Op::DropIndex(o) if always => {
            let (table, _) = index_owner(ctx.before, o).ok()?;
            plan(&o.schema, &table.name)
        }
        Op::CreateUniqueConstraint(o) => plan(&o.schema, &o.table),
        Op::CreateForeignKey(o) => plan(&o.schema, &o.table),
        Op::CreateCheckConstraint(o) => plan(&o.schema, &o.table),
        Op::CreatePrimaryKey(o) => plan(&o.schema, &o.table),
        Op::DropConstraint(o) => plan(&o.schema, &o.table),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::ddl::default_clause;

    #[test]
    fn constant_defaults() {
        for ok in ["0", "-1.5", "'x'", "NULL", "true", "X'00'", "1e3"] {
            assert!(constant_default(ok), "{ok}");
        }
        for bad in ["CURRENT_TIMESTAMP", "(1 + 2)", "datetime('now')", "nan", "inf"] {
            assert!(!constant_default(bad), "{bad}");
        }
    }

    #[test]
    fn default_clause_wraps_expressions() {
        assert_eq!(default_clause(D, "datetime('now')"), " DEFAULT (datetime('now'))");
        assert_eq!(default_clause(D, "CURRENT_TIMESTAMP"), " DEFAULT CURRENT_TIMESTAMP");
        assert_eq!(default_clause(D, "'a b'"), " DEFAULT 'a b'");
    }
}
