//! Inverse ops: what undoes an op, read from the schema before it.
//!
//! - `create_*` ops are undone by the matching `drop_*`, and the reverse: a dropped
//!   table, column, index or constraint is recreated from the schema model.
//! - `drop_table` recreates the whole table: `create_table` with its columns, primary
//!   key, unique constraints, foreign keys, checks and plain indexes, then
//!   `create_primary_key` when the key was named (create_table cannot name it) and
//!   `create_index` for partial indexes.
//! - `drop_column` re-adds the column (at the end of the table, as databases do), then
//!   everything that went away with it.
//! - `create_primary_key` is undone by `drop_constraint` plus `alter_column nullable`
//!   for the key's columns that were nullable before (adding the key made them NOT NULL).
//! - `alter_column` sets back the prior values of what it changed.
//! - `bulk_insert` is undone by an `execute` deleting the inserted rows (matched on
//!   every value given), rendered per dialect.
//! - `execute` has no inverse (opaque SQL).
//!
//! A constraint the model holds without a name cannot be recreated by a
//! `create_*_constraint` op, which needs one: single-column ones go back inline on the
//! column (`unique`, `foreign_key`), others get PostgreSQL's default name.

use super::{
    ApplyError, DroppedWithColumn, column_index_name, default_constraint_name, drops_with_column,
    existing_table, index_owner, kind_name, matches_constraint,
};
use crate::ops::{
    AddColumn, AlterColumn, CheckSpec, Column, ConstraintType, CreateCheckConstraint, CreateForeignKey,
    CreateIndex, CreateObject, CreatePrimaryKey, CreateTable, CreateUniqueConstraint, DropColumn,
    DropConstraint, DropIndex, DropObject, DropTable, ForeignKeyRef, ForeignKeySpec, IdentityChange,
    IndexSpec, Op, RenameTable, SetOrDrop, TableComment, UniqueSpec,
};
use crate::schema::model::{CheckConstraint, ColumnDef, Index, PrimaryKey, Schema, Table};

/// See the module documentation.
/// The caller checks that `op` fits `before` (errors here only cover what the
/// inverse itself needs).
pub(super) fn inverse(op: &Op, before: &Schema) -> Result<Vec<Op>, ApplyError> {
    let name = op.name();
    if op.skips(before) {
        return Ok(Vec::new());
    }
    Ok(match op {
        Op::CreateTable(o) => {
            vec![Op::DropTable(DropTable {
                table: o.table.clone(),
                schema: o.schema.clone(),
                if_exists: false,
            })]
        }
        Op::DropTable(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            let mut ops = recreate_table(table);
            // The triggers that went with it.
            ops.extend(
                before
                    .objects
                    .iter()
                    .filter(|t| t.schema == o.schema && t.table.as_deref() == Some(o.table.as_str()))
                    .map(|t| Op::CreateObject(CreateObject::of(t))),
            );
            ops
        }
        Op::RenameTable(o) => vec![Op::RenameTable(RenameTable {
            table: o.new_name.clone(),
            schema: o.schema.clone(),
            new_name: o.table.clone(),
        })],
        Op::AddColumn(o) => vec![Op::DropColumn(DropColumn {
            table: o.table.clone(),
            schema: o.schema.clone(),
            column: o.column.name.clone(),
        })],
        Op::DropColumn(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            readd_column(table, &o.column)
        }
        Op::AlterColumn(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            let Some(prior) = table.column(&o.column) else {
                return Err(ApplyError::NoColumn {
                    op: name,
                    table: table.display_name(),
                    column: o.column.clone(),
                });
            };
            vec![Op::AlterColumn(undo_alter(o, prior))]
        }
        Op::CreateIndex(o) => vec![Op::DropIndex(DropIndex {
            name: o.name.clone(),
            table: Some(o.table.clone()),
            schema: o.schema.clone(),
            if_exists: false,
        })],
        Op::DropIndex(o) => {
            let (table, index) = index_owner(before, o)?;
            vec![create_index_op(table, index)]
        }
        Op::CreateUniqueConstraint(o) => {
            vec![drop_constraint_op(&o.table, &o.schema, &o.name, ConstraintType::Unique)]
        }
        Op::CreateForeignKey(o) => {
            vec![drop_constraint_op(&o.table, &o.schema, &o.name, ConstraintType::ForeignKey)]
        }
        Op::CreateCheckConstraint(o) => {
            vec![drop_constraint_op(&o.table, &o.schema, &o.name, ConstraintType::Check)]
        }
        Op::CreatePrimaryKey(o) => {
            // Adding the key made its columns NOT NULL; dropping it does not undo that.
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            let mut ops = vec![drop_constraint_op(&o.table, &o.schema, &o.name, ConstraintType::Primary)];
            for column in table.columns.iter().filter(|c| c.nullable && o.columns.contains(&c.name)) {
                let mut alter = AlterColumn::new(&o.table, &column.name);
                alter.schema = o.schema.clone();
                alter.nullable = Some(true);
                alter.existing_type = Some(column.ty.clone());
                alter.existing_nullable = Some(false);
                alter.existing_server_default = column.server_default.clone();
                ops.push(Op::AlterColumn(alter));
            }
            ops
        }
        Op::DropConstraint(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            recreate_constraint(table, o)?
        }
        Op::CreateTableComment(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            vec![match &table.comment {
                Some(prior) => {
                    Op::CreateTableComment(TableComment { comment: Some(prior.clone()), ..o.clone() })
                }
                None => Op::DropTableComment(o.clone()),
            }]
        }
        Op::DropTableComment(o) => {
            let table = existing_table(before, name, o.schema.as_deref(), &o.table)?;
            match &table.comment {
                Some(prior) => {
                    vec![Op::CreateTableComment(TableComment { comment: Some(prior.clone()), ..o.clone() })]
                }
                None => Vec::new(),
            }
        }
        Op::BulkInsert(o) => {
            existing_table(before, name, o.schema.as_deref(), &o.table)?;
            vec![Op::DeleteRows(o.clone())]
        }
        Op::DeleteRows(o) => {
            existing_table(before, name, o.schema.as_deref(), &o.table)?;
            vec![Op::BulkInsert(o.clone())]
        }
        Op::CreateObject(o) => match before.objects.iter().find(|b| b.same_object(&o.object())) {
            // A replacement: the old statement again.
            Some(old) => vec![Op::CreateObject(CreateObject::of(old))],
            None => vec![Op::DropObject(DropObject {
                kind: o.kind,
                name: o.name.clone(),
                schema: o.schema.clone(),
                table: o.table.clone(),
                sql: Some(o.sql.clone()),
            })],
        },
        Op::DropObject(o) => {
            let known = before.objects.iter().find(|b| b.same_object(&o.object())).map(|b| b.sql.clone());
            let Some(sql) = known.or_else(|| o.sql.clone()) else {
                return Err(ApplyError::NoInverse {
                    op: name,
                    reason: "the model does not know the statement that made it; give `sql`".to_string(),
                });
            };
            vec![Op::CreateObject(CreateObject { sql, ..CreateObject::of(&o.object()) })]
        }
        Op::Execute(_) => {
            return Err(ApplyError::NoInverse {
                op: name,
                reason: "its SQL is opaque to the schema model; write the downgrade by hand".to_string(),
            });
        }
        Op::Call(_) => {
            return Err(ApplyError::NoInverse {
                op: name,
                reason: "a code step is opaque to the schema model; write the downgrade's own `call` by hand"
                    .to_string(),
            });
        }
    })
}

fn drop_constraint_op(table: &str, schema: &Option<String>, name: &str, kind: ConstraintType) -> Op {
    Op::DropConstraint(DropConstraint {
        name: name.to_string(),
        table: table.to_string(),
        schema: schema.clone(),
        kind,
    })
}

/// The op column for a model column, with no inline constraints; `nullable` written
/// always (an inverse says exactly what it recreates), or only when false.
pub(crate) fn op_column_with(def: &ColumnDef, explicit_nullable: bool) -> Column {
    let mut column = Column::new(&def.name, def.ty.clone());
    column.nullable = if explicit_nullable { Some(def.nullable) } else { (!def.nullable).then_some(false) };
    column.autoincrement = def.autoincrement;
    column.server_default = def.server_default.clone();
    column.comment = def.comment.clone();
    column.identity = def.identity.clone();
    column.computed = def.computed.clone();
    column.collation = def.collation.clone();
    column
}

fn recreate_table(table: &Table) -> Vec<Op> {
    let pk_columns = table.primary_key.as_ref().map(|pk| pk.columns.clone());
    let named_pk = table.explicit_primary_key_name().map(str::to_string);
    let mut create = CreateTable {
        table: table.name.clone(),
        schema: table.schema.clone(),
        columns: table.columns.iter().map(|c| op_column_with(c, true)).collect(),
        primary_key: pk_columns,
        primary_key_name: named_pk,
        unique: table.uniques.iter().map(UniqueSpec::for_constraint).collect(),
        foreign_keys: table.foreign_keys.iter().map(ForeignKeySpec::for_key).collect(),
        checks: table.checks.iter().map(|c| CheckSpec { name: c.name.clone(), sql: c.sql.clone() }).collect(),
        indexes: Vec::new(),
        comment: table.comment.clone(),
        sqlite_autoincrement: table.sqlite_autoincrement,
        sqlite_strict: table.sqlite_strict,
        sqlite_without_rowid: table.sqlite_without_rowid,
        partition_by: table.partition_by.clone(),
        if_not_exists: false,
    };
    let mut after = Vec::new();
    for index in &table.indexes {
        // `create_table.indexes` takes plain column names only; a partial index, one
        // on an expression (`lower(email)`, `col DESC`) or with a method is recreated
        // on its own.
        if index.is_plain(table) {
            create.indexes.push(IndexSpec {
                name: index.name.clone(),
                columns: index.columns.clone(),
                unique: index.unique,
            });
        } else {
            after.push(create_index_op(table, index));
        }
    }
    let mut ops = vec![Op::CreateTable(create)];
    ops.extend(after);
    ops
}

fn create_index_op(table: &Table, index: &Index) -> Op {
    Op::CreateIndex(CreateIndex::for_index(table.schema.as_deref(), &table.name, index))
}

fn readd_column(table: &Table, column_name: &str) -> Vec<Op> {
    let Some(def) = table.column(column_name) else {
        return Vec::new();
    };
    let DroppedWithColumn { primary_key, uniques, foreign_keys, checks, indexes } =
        drops_with_column(table, column_name);
    let single = |cols: &[String]| cols.len() == 1;
    let mut column = op_column_with(def, true);
    let mut rest = Vec::new();
    let (t, s) = (&table.name, &table.schema);
    if let Some(pk) = primary_key {
        if pk.name.is_none() && single(&pk.columns) {
            column.primary_key = true;
        } else {
            rest.push(Op::CreatePrimaryKey(CreatePrimaryKey {
                name: constraint_name(t, pk.name, ConstraintType::Primary, &pk.columns),
                table: t.clone(),
                schema: s.clone(),
                columns: pk.columns,
            }));
        }
    }
    for unique in uniques {
        if unique.name.is_none() && single(&unique.columns) && !unique.nulls_not_distinct && !column.unique {
            column.unique = true;
        } else {
            let name = constraint_name(t, unique.name.clone(), ConstraintType::Unique, &unique.columns);
            rest.push(Op::CreateUniqueConstraint(CreateUniqueConstraint::for_constraint(
                s.clone(),
                t.clone(),
                name,
                &unique,
            )));
        }
    }
    for fk in foreign_keys {
        let inline = fk.name.is_none()
            && single(&fk.columns)
            && fk.on_delete.is_none()
            && fk.on_update.is_none()
            && !fk.options.any()
            && column.foreign_key.is_none();
        if inline {
            column.foreign_key =
                Some(ForeignKeyRef { table: fk.ref_table_text(), column: fk.ref_columns[0].clone() });
        } else {
            let name = constraint_name(t, fk.name.clone(), ConstraintType::ForeignKey, &fk.columns);
            rest.push(Op::CreateForeignKey(CreateForeignKey::for_key(s.clone(), t.clone(), name, &fk)));
        }
    }
    for CheckConstraint { name, sql } in checks {
        rest.push(Op::CreateCheckConstraint(CreateCheckConstraint {
            name: constraint_name(t, name, ConstraintType::Check, &[]),
            table: t.clone(),
            schema: s.clone(),
            sql,
        }));
    }
    for index in indexes {
        let inline_name = column_index_name(t, column_name);
        let inline = index.name == inline_name
            && index.columns == [column_name]
            && index.is_plain(table)
            && !column.unique;
        if inline {
            column.index = true;
            column.unique = index.unique;
        } else {
            rest.push(create_index_op(table, &index));
        }
    }
    let mut ops = vec![Op::AddColumn(AddColumn { table: t.clone(), schema: s.clone(), column })];
    ops.extend(rest);
    ops
}

fn constraint_name(table: &str, name: Option<String>, kind: ConstraintType, columns: &[String]) -> String {
    name.unwrap_or_else(|| default_constraint_name(table, kind, columns))
}

fn undo_alter(op: &AlterColumn, prior: &ColumnDef) -> AlterColumn {
    let current_name = op.new_name.clone().unwrap_or_else(|| op.column.clone());
    let mut undo = AlterColumn::new(&op.table, current_name);
    undo.schema = op.schema.clone();
    if op.new_name.as_ref().is_some_and(|n| *n != op.column) {
        undo.new_name = Some(op.column.clone());
    }
    if op.ty.is_some() {
        undo.ty = Some(prior.ty.clone());
    }
    if op.nullable.is_some() {
        undo.nullable = Some(prior.nullable);
    }
    if op.server_default.is_some() {
        undo.server_default = Some(match &prior.server_default {
            Some(sql) => SetOrDrop::Set(sql.clone()),
            None => SetOrDrop::Drop,
        });
    }
    if op.comment.is_some() {
        undo.comment = Some(match &prior.comment {
            Some(text) => SetOrDrop::Set(text.clone()),
            None => SetOrDrop::Drop,
        });
    }
    if op.collation.is_some() {
        undo.collation = Some(match &prior.collation {
            Some(name) => SetOrDrop::Set(name.clone()),
            None => SetOrDrop::Drop,
        });
    }
    if op.identity.is_some() {
        undo.identity = Some(match &prior.identity {
            Some(identity) => IdentityChange::Set(identity.clone()),
            None => IdentityChange::Drop,
        });
    }
    // Describe the column as the forward op leaves it.
    undo.existing_type = Some(op.ty.clone().unwrap_or_else(|| prior.ty.clone()));
    undo.existing_nullable = Some(op.nullable.unwrap_or(prior.nullable));
    undo.existing_server_default = match &op.server_default {
        Some(SetOrDrop::Set(sql)) => Some(sql.clone()),
        Some(SetOrDrop::Drop) => None,
        None => prior.server_default.clone(),
    };
    // An alter that only renames to the same name changes nothing to undo.
    if undo.new_name.is_none()
        && undo.ty.is_none()
        && undo.nullable.is_none()
        && undo.server_default.is_none()
        && undo.comment.is_none()
        && undo.collation.is_none()
        && undo.identity.is_none()
    {
        undo.new_name = Some(op.column.clone());
    }
    undo
}

fn recreate_constraint(table: &Table, op: &DropConstraint) -> Result<Vec<Op>, ApplyError> {
    let m = |own: Option<&str>, cols: &[String]| matches_constraint(table, op.kind, &op.name, own, cols);
    let (t, s, name) = (table.name.clone(), table.schema.clone(), op.name.clone());
    let found = match op.kind {
        ConstraintType::Primary => table
            .primary_key
            .as_ref()
            .filter(|pk| m(pk.name.as_deref(), &pk.columns))
            .map(|PrimaryKey { columns, .. }| {
                Op::CreatePrimaryKey(CreatePrimaryKey { name, table: t, schema: s, columns: columns.clone() })
            }),
        ConstraintType::Unique => table
            .uniques
            .iter()
            .find(|u| m(u.name.as_deref(), &u.columns))
            .map(|u| Op::CreateUniqueConstraint(CreateUniqueConstraint::for_constraint(s, t, name, u))),
        ConstraintType::ForeignKey => table
            .foreign_keys
            .iter()
            .find(|f| m(f.name.as_deref(), &f.columns))
            .map(|f| Op::CreateForeignKey(CreateForeignKey::for_key(s, t, name, f))),
        ConstraintType::Check => table.checks.iter().find(|c| m(c.name.as_deref(), &[])).map(|c| {
            Op::CreateCheckConstraint(CreateCheckConstraint { name, table: t, schema: s, sql: c.sql.clone() })
        }),
    };
    found.map(|op| vec![op]).ok_or_else(|| ApplyError::NoConstraint {
        op: "drop_constraint",
        table: table.display_name(),
        kind: kind_name(op.kind),
        name: op.name.clone(),
    })
}
