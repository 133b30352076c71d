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
use crate::schema::model::{ObjectKind, Schema, SchemaObject};

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
        let early = before_tables(target, t);
        match currents.iter().find(|c| c.same_object(t)) {
            None => create(plan, t, early),
            Some(c) if folded(&c.sql) == folded(&t.sql) => {}
            Some(c) => {
                let op = CreateObject::of(t);
                if !op.replaces() {
                    drop(plan, c, before_tables(current, c));
                }
                create(plan, t, early);
            }
        }
    }
    // Dropped in the reverse of the order they were made (a view may read another).
    for c in currents.iter().rev() {
        if !targets.iter().any(|t| t.same_object(c)) {
            drop(plan, c, before_tables(current, c));
        }
    }
}

/// Whether `object` is made before the tables of `schema` (and dropped after them):
/// extensions and domains always; a function when a table's default, check or
/// generated column, or a domain, calls it (else after the tables, since its
/// signature or body may name their row types); views and triggers never.
fn before_tables(schema: &Schema, object: &SchemaObject) -> bool {
    match object.kind {
        ObjectKind::Schema | ObjectKind::Extension | ObjectKind::Domain | ObjectKind::Sequence => true,
        ObjectKind::Function | ObjectKind::Aggregate => {
            let name = object.name.split('(').next().unwrap_or(&object.name).trim_matches('"');
            let call = format!("{}(", name.to_ascii_lowercase());
            let calls = |sql: &str| sql.to_ascii_lowercase().contains(&call);
            schema.tables.iter().any(|t| {
                t.columns.iter().any(|c| {
                    c.server_default.as_deref().is_some_and(calls)
                        || c.computed.as_ref().is_some_and(|g| calls(&g.sql))
                }) || t.checks.iter().any(|k| calls(&k.sql))
            }) || schema.objects.iter().any(|o| o.kind == ObjectKind::Domain && calls(&o.sql))
        }
        ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::Trigger
        | ObjectKind::SequenceOwnership
        | ObjectKind::Index
        | ObjectKind::Constraint
        | ObjectKind::Partition => false,
    }
}

fn folded(sql: &str) -> String {
    sql.trim().trim_end_matches(';').split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Objects that tables depend on are made before the tables, the others after them
/// ([`before_tables`]).
fn create(plan: &mut Plan, object: &SchemaObject, early: bool) {
    let op = Op::CreateObject(CreateObject::of(object));
    if early {
        plan.create_prerequisites.push(op);
    } else {
        plan.create_dependents.push(op);
    }
}

/// Objects made after the tables go before any table changes; those made before them
/// after the tables that use them are gone.
fn drop(plan: &mut Plan, object: &SchemaObject, early: bool) {
    let op = Op::DropObject(DropObject {
        kind: object.kind,
        name: object.name.clone(),
        schema: object.schema.clone(),
        table: object.table.clone(),
        sql: Some(object.sql.clone()),
    });
    if early {
        plan.drop_prerequisites.push(op);
    } else {
        plan.drop_dependents.push(op);
    }
}
