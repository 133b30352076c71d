//! SQLite's "move and copy" table rebuild (Alembic's batch mode with `recreate`),
//! built from the schema model, so it works offline and needs no reflection:
//!
//! 1. `CREATE TABLE _alembic_tmp_<table>` with the table as the op leaves it (every
//!    column with its collation and generator, the primary key, unique constraints,
//!    foreign keys and checks, `STRICT` and `WITHOUT ROWID`);
//! 2. `INSERT INTO _alembic_tmp_<table> (…) SELECT … FROM <table>` for the columns that
//!    exist before and after (a renamed column is read under its old name; a column
//!    whose type family changes is `CAST`, except to JSON, as Alembic does; a
//!    generated column is left to SQLite to compute);
//! 3. `DROP TABLE <table>` (its indexes go with it);
//! 4. `ALTER TABLE _alembic_tmp_<table> RENAME TO <table>`;
//! 5. `CREATE INDEX` for each index of the new table.
//!
//! Every row is kept (step 2), and so is every index (step 5) and foreign key: the
//! table's own keys are in its new definition, and keys of other tables that point at
//! it name it by its name, which it has again after step 4.
//!
//! `PRAGMA foreign_keys`: with enforcement on, step 3 would run an implicit `DELETE`
//! on the table, firing `ON DELETE` actions of referencing tables (a CASCADE would
//! empty them) or failing. SQLite ignores `PRAGMA foreign_keys` inside a transaction,
//! so the statements cannot switch it themselves: whoever runs a step containing a
//! rebuild (see [`requires_rebuild`](crate::dialect::requires_rebuild)) turns enforcement off
//! before `BEGIN`, runs `PRAGMA foreign_key_check` before `COMMIT` (and rolls back if
//! it reports a row), and restores the setting afterwards. Enforcement is off by
//! default on a new SQLite connection, so offline scripts run as they are.
//!
//! Triggers and views the model knows (from the live database) are put back: the
//! table's own triggers after step 5, and before step 1 the views and other tables'
//! triggers that name the table are dropped, to be made again at the end.

use crate::dialect::ddl::{create_index_sql, create_table_sql};
use crate::dialect::quote::{qualified_name, quote_identifier};
use crate::dialect::sqltype::{Affinity, affinity, render_type};
use crate::dialect::{Dialect, RenderError};
use crate::schema::model::{ColumnDef, ObjectKind, Schema, SchemaObject, Table};
use crate::schema::types::SqlType;

const D: Dialect = Dialect::Sqlite;

/// A rebuild of one table: how it is before the op and after it.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// The whole schema before the op: the views and other tables' triggers that
    /// read the table are put back after it is rebuilt.
    pub schema: &'a Schema,
    /// The table before the op.
    pub before: &'a Table,
    /// The table after the op (same schema and name).
    pub after: &'a Table,
    /// A column renamed by the op: (old name, new name).
    pub renamed: Option<(String, String)>,
}

/// The temporary table's name.
pub fn temp_name(table: &str) -> String {
    format!("_alembic_tmp_{table}")
}

/// The family used to decide on a CAST; SQLite stores an enum as a string.
fn sqlite_affinity(ty: &SqlType) -> Affinity {
    match affinity(ty) {
        Affinity::Enum(_) => Affinity::String,
        other => other,
    }
}

/// The expression that reads `new`'s value from the old table, if it has one (a
/// generated column has none: SQLite computes it, and refuses a value for it).
fn source_expr(plan: &Plan<'_>, new: &ColumnDef) -> Option<String> {
    if new.computed.is_some() {
        return None;
    }
    let old_name = match &plan.renamed {
        Some((old, new_name)) if *new_name == new.name => old.as_str(),
        _ => new.name.as_str(),
    };
    // A column renamed away is not read under its old name by another column.
    if plan.renamed.as_ref().is_some_and(|(old, new_name)| old == &new.name && new_name != &new.name) {
        return None;
    }
    let old = plan.before.column(old_name)?;
    let read = quote_identifier(D, &old.name);
    let cast = sqlite_affinity(&old.ty) != sqlite_affinity(&new.ty) && new.ty != SqlType::Json;
    Some(if cast {
        format!("CAST({read} AS {})", render_type(D, &new.ty, plan.after.schema.as_deref()))
    } else {
        read
    })
}

/// The statements of the rebuild.
pub fn statements(plan: &Plan<'_>) -> Result<Vec<String>, RenderError> {
    let after = plan.after;
    if after.columns.is_empty() {
        return Err(RenderError::Unsupported {
            op: "drop_column",
            message: format!(
                "a SQLite table needs at least one column; drop table {} instead",
                after.display_name()
            ),
        });
    }
    let schema = after.schema.as_deref();
    let temp = temp_name(&after.name);
    // Views and other tables' triggers that read the table go first and come back
    // last: `ALTER TABLE … RENAME` refuses to run while a view or trigger names a
    // table that does not exist, which the table is between steps 3 and 4.
    let reads = |sql: &str| mentions(sql, &plan.before.name);
    let own_trigger = |o: &SchemaObject| {
        o.kind == ObjectKind::Trigger
            && o.table.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(&plan.before.name))
    };
    let in_schema = |o: &&SchemaObject| o.schema.as_deref() == schema;
    let views: Vec<&SchemaObject> = plan
        .schema
        .objects
        .iter()
        .filter(in_schema)
        .filter(|o| o.kind == ObjectKind::View && reads(&o.sql))
        .collect();
    let own_triggers: Vec<&SchemaObject> =
        plan.schema.objects.iter().filter(in_schema).filter(|o| own_trigger(o)).collect();
    let other_triggers: Vec<&SchemaObject> = plan
        .schema
        .objects
        .iter()
        .filter(in_schema)
        .filter(|o| o.kind == ObjectKind::Trigger && !own_trigger(o) && reads(&o.sql))
        .collect();
    let mut out = Vec::new();
    for view in views.iter().rev() {
        out.push(format!("DROP VIEW {}", qualified_name(D, schema, &view.name)));
    }
    for trigger in &other_triggers {
        out.push(format!("DROP TRIGGER {}", qualified_name(D, schema, &trigger.name)));
    }
    out.push(create_table_sql(D, after, &temp));
    let (targets, sources): (Vec<String>, Vec<String>) = after
        .columns
        .iter()
        .filter_map(|c| source_expr(plan, c).map(|s| (quote_identifier(D, &c.name), s)))
        .unzip();
    if !targets.is_empty() {
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            qualified_name(D, schema, &temp),
            targets.join(", "),
            sources.join(", "),
            qualified_name(D, schema, &plan.before.name)
        ));
    }
    out.push(format!("DROP TABLE {}", qualified_name(D, schema, &plan.before.name)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        qualified_name(D, schema, &temp),
        quote_identifier(D, &after.name)
    ));
    out.extend(after.indexes.iter().map(|i| create_index_sql(D, after, i)));
    // The table's own triggers went with it (step 3).
    out.extend(own_triggers.iter().map(|t| t.sql.clone()));
    out.extend(other_triggers.iter().map(|t| t.sql.clone()));
    out.extend(views.iter().map(|v| v.sql.clone()));
    Ok(out)
}

/// Whether the statement `sql` names `table` (a word or quoted name equal to it, in
/// any case, as SQLite's names compare). Without a tokenizer (no driver feature) any
/// occurrence counts, which can only put back more than needed.
fn mentions(sql: &str, table: &str) -> bool {
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    if let Some(found) = crate::dialect::script::names_word(D, sql, table) {
        return found;
    }
    sql.to_ascii_lowercase().contains(&table.to_ascii_lowercase())
}
