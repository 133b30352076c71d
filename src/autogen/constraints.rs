//! Primary keys, unique constraints, foreign keys, named check constraints and
//! indexes of a table present on both sides.
//!
//! Constraints are matched by content first, where the names agree or one side has
//! none (a target declared without names matches what the database named itself);
//! what is left over is dropped or created. A constraint whose content changed under
//! the same name is therefore dropped and created again, as Alembic does. Indexes are
//! matched by name.

use super::CompareOptions;
use super::compare::{Plan, create_foreign_key_op, create_index_op};
use super::normalize::{dialect_expr_key, expr_key, index_entry_key};
use crate::ops::apply::default_constraint_name;
use crate::ops::{
    ConstraintType, CreateCheckConstraint, CreatePrimaryKey, CreateUniqueConstraint, DropConstraint,
    DropIndex, Op, ReferentialAction,
};
use crate::schema::model::{CheckConstraint, ForeignKey, Index, Table};

/// The name a constraint gets when none was given (PostgreSQL's rule, which the
/// model also uses to find unnamed constraints).
pub(super) fn default_name(table: &str, kind: ConstraintType, columns: &[String]) -> String {
    default_constraint_name(table, kind, columns)
}

/// Whether two optional names can denote the same constraint.
fn names_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Pairs `targets` with `currents` (same content, agreeing names); gives the
/// unmatched targets and the unmatched currents.
fn unmatched<'a, T>(
    targets: &'a [T],
    currents: &'a [T],
    name: impl Fn(&T) -> Option<&str>,
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let mut used = vec![false; currents.len()];
    let mut added = Vec::new();
    // Exact name matches first, so that an unnamed target does not take a named
    // current that another target names.
    let mut pending: Vec<&T> = Vec::new();
    for t in targets {
        let hit = currents
            .iter()
            .enumerate()
            .position(|(i, c)| !used[i] && name(t).is_some() && name(t) == name(c) && same(t, c));
        match hit {
            Some(i) => used[i] = true,
            None => pending.push(t),
        }
    }
    for t in pending {
        let hit = currents
            .iter()
            .enumerate()
            .position(|(i, c)| !used[i] && names_agree(name(t), name(c)) && same(t, c));
        match hit {
            Some(i) => used[i] = true,
            None => added.push(t),
        }
    }
    let removed = currents.iter().enumerate().filter(|(i, _)| !used[*i]).map(|(_, c)| c).collect();
    (added, removed)
}

fn drop_op(table: &Table, name: Option<&str>, kind: ConstraintType, columns: &[String]) -> Op {
    Op::DropConstraint(DropConstraint {
        name: name.map_or_else(|| default_name(&table.name, kind, columns), str::to_string),
        table: table.name.clone(),
        schema: table.schema.clone(),
        kind,
    })
}

/// `NO ACTION` is what an unset action means.
fn action(a: Option<ReferentialAction>) -> Option<ReferentialAction> {
    a.filter(|a| *a != ReferentialAction::NoAction)
}

pub(super) fn compare_constraints(target: &Table, current: &Table, opts: &CompareOptions, plan: &mut Plan) {
    primary_key(target, current, plan);

    let (added, removed) = unmatched(
        &target.uniques,
        &current.uniques,
        |u| u.name.as_deref(),
        |a, b| a.columns == b.columns && a.nulls_not_distinct == b.nulls_not_distinct,
    );
    for u in removed {
        plan.drop_constraints.push(drop_op(current, u.name.as_deref(), ConstraintType::Unique, &u.columns));
    }
    for u in added {
        let name =
            u.name.clone().unwrap_or_else(|| default_name(&target.name, ConstraintType::Unique, &u.columns));
        plan.create_constraints.push(Op::CreateUniqueConstraint(CreateUniqueConstraint::for_constraint(
            target.schema.clone(),
            target.name.clone(),
            name,
            u,
        )));
    }

    let same_fk = |a: &ForeignKey, b: &ForeignKey| {
        a.columns == b.columns
            && a.ref_columns == b.ref_columns
            && a.ref_table == b.ref_table
            && a.ref_schema.as_deref().or(target.schema.as_deref())
                == b.ref_schema.as_deref().or(current.schema.as_deref())
            && action(a.on_delete) == action(b.on_delete)
            && action(a.on_update) == action(b.on_update)
            && a.options == b.options
    };
    let (added, removed) =
        unmatched(&target.foreign_keys, &current.foreign_keys, |f| f.name.as_deref(), same_fk);
    for fk in removed {
        plan.drop_foreign_keys.push(drop_op(
            current,
            fk.name.as_deref(),
            ConstraintType::ForeignKey,
            &fk.columns,
        ));
    }
    for fk in added {
        plan.create_foreign_keys.push(create_foreign_key_op(target, fk));
    }

    checks(target, current, opts, plan);
    indexes(target, current, opts, plan);
}

fn primary_key(target: &Table, current: &Table, plan: &mut Plan) {
    let (t, c) = (target.primary_key.as_ref(), current.primary_key.as_ref());
    let changed = match (t, c) {
        (None, None) => false,
        (Some(t), Some(c)) => t.columns != c.columns || !names_agree(t.name.as_deref(), c.name.as_deref()),
        _ => true,
    };
    if !changed {
        return;
    }
    if let Some(c) = c {
        plan.drop_constraints.push(drop_op(current, c.name.as_deref(), ConstraintType::Primary, &c.columns));
    }
    if let Some(t) = t {
        plan.create_constraints.push(Op::CreatePrimaryKey(CreatePrimaryKey {
            name: t
                .name
                .clone()
                .unwrap_or_else(|| default_name(&target.name, ConstraintType::Primary, &t.columns)),
            table: target.name.clone(),
            schema: target.schema.clone(),
            columns: t.columns.clone(),
        }));
    }
}

/// Named check constraints: a target check is found by name (or, when the database
/// left it unnamed, by condition); a named check the target does not have is dropped,
/// unless it has a PostgreSQL default name and the target has unmatched unnamed checks
/// it could be one of. Unnamed target checks are
/// never created (no op can create a check without a name), as in Alembic.
fn checks(target: &Table, current: &Table, opts: &CompareOptions, plan: &mut Plan) {
    let key = |c: &CheckConstraint| dialect_expr_key(opts.dialect, &c.sql);
    let mut used = vec![false; current.checks.len()];
    let mut unnamed_unmatched = false;
    let mut added = Vec::new();
    for t in &target.checks {
        let by_name =
            t.name.as_ref().and_then(|n| current.checks.iter().position(|c| c.name.as_ref() == Some(n)));
        match by_name {
            Some(i) => {
                used[i] = true;
                if key(&current.checks[i]) != key(t) {
                    plan.drop_constraints.push(drop_op(
                        current,
                        current.checks[i].name.as_deref(),
                        ConstraintType::Check,
                        &[],
                    ));
                    added.push(t);
                }
            }
            None => {
                let candidates = |i: usize, c: &CheckConstraint| {
                    !used[i] && key(c) == key(t) && (t.name.is_none() || c.name.is_none())
                };
                match current.checks.iter().enumerate().position(|(i, c)| candidates(i, c)) {
                    Some(i) => used[i] = true,
                    None if t.name.is_some() => added.push(t),
                    None => unnamed_unmatched = true,
                }
            }
        }
    }
    // A check named the way PostgreSQL names unnamed ones may be the database's copy
    // of an unnamed target check whose text did not normalise alike: keep it.
    let default_looking =
        |name: &str| name.starts_with(&format!("{}_", current.name)) && name.ends_with("_check");
    for (i, c) in current.checks.iter().enumerate() {
        let Some(name) = c.name.as_deref() else { continue };
        let kept = used[i] || (unnamed_unmatched && default_looking(name));
        if !kept {
            plan.drop_constraints.push(drop_op(current, c.name.as_deref(), ConstraintType::Check, &[]));
        }
    }
    for t in added {
        plan.create_constraints.push(Op::CreateCheckConstraint(CreateCheckConstraint {
            name: t.name.clone().unwrap_or_default(),
            table: target.name.clone(),
            schema: target.schema.clone(),
            sql: t.sql.clone(),
        }));
    }
}

/// What makes two indexes the same: uniqueness, entries, condition, method
/// (`btree` spelled out equals the default), `INCLUDE` columns, `NULLS NOT DISTINCT`.
type IndexKey<'a> = (bool, Vec<String>, Option<String>, String, &'a [String], bool);

fn index_key<'a>(table: &Table, index: &'a Index) -> IndexKey<'a> {
    let is_column = |c: &str| table.column(c).is_some();
    (
        index.unique,
        index.columns.iter().map(|c| index_entry_key(c, is_column)).collect(),
        index.where_.as_deref().map(expr_key),
        index.using.as_deref().unwrap_or("btree").to_ascii_lowercase(),
        &index.include,
        index.nulls_not_distinct,
    )
}

fn indexes(target: &Table, current: &Table, _opts: &CompareOptions, plan: &mut Plan) {
    for c in &current.indexes {
        let keep = target.index(&c.name).is_some_and(|t| index_key(target, t) == index_key(current, c));
        if !keep {
            plan.drop_constraints.push(Op::DropIndex(DropIndex {
                name: c.name.clone(),
                table: Some(current.name.clone()),
                schema: current.schema.clone(),
                if_exists: false,
            }));
        }
    }
    for t in &target.indexes {
        let keep = current.index(&t.name).is_some_and(|c| index_key(target, t) == index_key(current, c));
        if !keep {
            plan.create_constraints.push(create_index_op(target, t));
        }
    }
}
