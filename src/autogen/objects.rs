//! Comparing the objects other than tables (extensions, domains, functions, views,
//! triggers): by kind, schema, name (and a trigger's table), and then by the
//! statement that makes them, with white space folded. Both sides come from the
//! same printer (the server's `pg_get_*def`, SQLite's stored SQL, or the statement a
//! `create_object` recorded), so equal definitions read the same.
//!
//! A changed object is dropped and made again, except a function or view whose new
//! statement is `CREATE OR REPLACE`, which replaces it in place.

use super::compare::Plan;
use crate::ops::{CreateObject, DropObject, Op};
use crate::schema::model::{Schema, SchemaObject};

/// Adds to `plan` the object ops that turn `current`'s objects into `target`'s;
/// `keep` says which tables are compared at all (a trigger on a table left out is
/// left out too).
pub(super) fn compare_objects(
    target: &Schema,
    current: &Schema,
    keep: &dyn Fn(&SchemaObject) -> bool,
    plan: &mut Plan,
) {
    let targets: Vec<&SchemaObject> = target.objects.iter().filter(|o| keep(o)).collect();
    let currents: Vec<&SchemaObject> = current.objects.iter().filter(|o| keep(o)).collect();
    for t in &targets {
        match currents.iter().find(|c| c.same_object(t)) {
            None => create(plan, t),
            Some(c) if folded(&c.sql) == folded(&t.sql) => {}
            Some(c) => {
                let op = create_op(t);
                if !op.replaces() {
                    drop(plan, c);
                }
                create(plan, t);
            }
        }
    }
    // Dropped in the reverse of the order they were made (a view may read another).
    for c in currents.iter().rev() {
        if !targets.iter().any(|t| t.same_object(c)) {
            drop(plan, c);
        }
    }
}

fn folded(sql: &str) -> String {
    sql.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ")
}

fn create_op(object: &SchemaObject) -> CreateObject {
    CreateObject {
        kind: object.kind,
        name: object.name.clone(),
        schema: object.schema.clone(),
        table: object.table.clone(),
        sql: object.sql.clone(),
    }
}

/// Objects that tables depend on (extensions, domains, functions) are made before the
/// tables; views and triggers, which depend on tables, after them.
fn create(plan: &mut Plan, object: &SchemaObject) {
    let op = Op::CreateObject(create_op(object));
    if object.kind.after_tables() {
        plan.create_dependents.push(op);
    } else {
        plan.create_prerequisites.push(op);
    }
}

/// Views and triggers go before any table changes; extensions, domains and functions
/// after the tables that use them are gone.
fn drop(plan: &mut Plan, object: &SchemaObject) {
    let op = Op::DropObject(DropObject {
        kind: object.kind,
        name: object.name.clone(),
        schema: object.schema.clone(),
        table: object.table.clone(),
        sql: Some(object.sql.clone()),
    });
    if object.kind.after_tables() {
        plan.drop_dependents.push(op);
    } else {
        plan.drop_prerequisites.push(op);
    }
}
