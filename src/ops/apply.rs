//! Applying ops to the in-memory [`Schema`], and their inverses.
//!
//! [`Op::apply`] changes a schema the way the op changes a database, or says why the
//! op does not fit (a missing table or column, a name already taken, …) with an
//! [`ApplyError`] whose text starts with the op's name; callers prefix it with the
//! revision and the op's index. [`Op::inverse`] gives the ops that undo an op, read
//! from the schema before it (the rules are in [`Op::inverse`]).
//! [`replay`] and [`replay_onto`] run a list of ops.
//!
//! `execute` is opaque: its SQL is not parsed, so applying it leaves the schema
//! unchanged and it has no inverse. `bulk_insert` changes data only: applying it checks
//! that the table and columns exist and leaves the schema unchanged.
//!
//! What the model does on its own, mirroring PostgreSQL (SQLite's rebuild does the
//! same): dropping a column drops the primary key, unique constraints, foreign keys and
//! indexes over it, and the check constraints whose SQL mentions it; renaming a column
//! renames it in every constraint and index, in check and index SQL (whole words), and
//! in foreign keys of other tables that reference it. References to tables missing from
//! the model are allowed (the referenced table may be made by `execute`).

mod error;
mod inverse;
pub(crate) use inverse::op_column_with;
mod naming;

use naming::pin_default_names;
pub(crate) use naming::{default_constraint_name, kind_name, matches_constraint};

pub use error::{ApplyError, ReplayError};

use crate::ops::{
    AddColumn, AlterColumn, Column, ConstraintType, CreateForeignKey, CreateIndex, CreateTable, DropColumn,
    DropConstraint, DropIndex, IdentityChange, Op, RenameTable, SetOrDrop,
};
use crate::schema::index_entry::IndexEntry;
use crate::schema::model::{
    CheckConstraint, ColumnDef, ConstraintNames, ForeignKey, Index, IndexNames, PrimaryKey, Schema, Table,
    UniqueConstraint, mentions_identifier, qualified, replace_identifier,
};

/// The schema after `ops`, starting from an empty one.
pub fn replay<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Result<Schema, ReplayError> {
    let mut schema = Schema::new();
    replay_onto(&mut schema, ops)?;
    Ok(schema)
}

/// Applies `ops` in order to `schema`. On error the schema holds the ops before the
/// failing one.
pub fn replay_onto<'a>(
    schema: &mut Schema,
    ops: impl IntoIterator<Item = &'a Op>,
) -> Result<(), ReplayError> {
    for (index, op) in ops.into_iter().enumerate() {
        op.apply(schema).map_err(|error| ReplayError { index, error })?;
    }
    Ok(())
}

impl Op {
    /// Changes `schema` as this op changes a database. On error `schema` is left
    /// unchanged. `execute` and `bulk_insert` leave it unchanged (see the module
    /// documentation).
    pub fn apply(&self, schema: &mut Schema) -> Result<(), ApplyError> {
        let name = self.name();
        self.validate().map_err(|invalid| {
            let message = if invalid.key.is_empty() {
                invalid.message
            } else {
                format!("{}: {}", invalid.key, invalid.message)
            };
            ApplyError::Invalid { op: name, message }
        })?;
        if self.skips(schema) {
            return Ok(());
        }
        // Work on a copy of the touched table so that a failure halfway leaves the
        // schema as it was.
        match self {
            Op::CreateTable(op) => create_table(schema, op),
            Op::DropTable(op) => drop_table(schema, name, op.schema.as_deref(), &op.table),
            Op::RenameTable(op) => rename_table(schema, op),
            Op::AddColumn(op) => add_column(schema, op),
            Op::DropColumn(op) => drop_column(schema, op),
            Op::AlterColumn(op) => alter_column(schema, op),
            Op::CreateIndex(op) => create_index(schema, op),
            Op::DropIndex(op) => drop_index(schema, op),
            Op::CreateUniqueConstraint(op) => {
                edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
                    require_columns(name, t, &op.columns)?;
                    require_free_constraint_name(name, t, &op.name)?;
                    t.uniques.push(op.to_constraint());
                    Ok(())
                })
            }
            Op::CreateForeignKey(op) => create_foreign_key(schema, op),
            Op::CreateCheckConstraint(op) => edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
                require_free_constraint_name(name, t, &op.name)?;
                t.checks.push(CheckConstraint { name: Some(op.name.clone()), sql: op.sql.clone() });
                Ok(())
            }),
            Op::CreatePrimaryKey(op) => {
                edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
                    require_columns(name, t, &op.columns)?;
                    if t.primary_key.is_some() {
                        return Err(ApplyError::PrimaryKeyExists { op: name, table: t.display_name() });
                    }
                    require_free_constraint_name(name, t, &op.name)?;
                    // Both dialects make primary key columns NOT NULL.
                    for c in t.columns.iter_mut() {
                        if op.columns.contains(&c.name) {
                            c.nullable = false;
                        }
                    }
                    t.primary_key =
                        Some(PrimaryKey { name: Some(op.name.clone()), columns: op.columns.clone() });
                    Ok(())
                })
            }
            Op::DropConstraint(op) => drop_constraint(schema, op),
            Op::CreateTableComment(op) => edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
                t.comment = op.comment.clone();
                Ok(())
            }),
            Op::DropTableComment(op) => edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
                t.comment = None;
                Ok(())
            }),
            Op::BulkInsert(op) | Op::DeleteRows(op) => {
                let table = existing_table(schema, name, op.schema.as_deref(), &op.table)?;
                // The columns of the rows are every key any row names.
                for key in op.rows.columns() {
                    if table.column(key).is_none() {
                        return Err(no_column(name, table, key));
                    }
                }
                Ok(())
            }
            Op::Execute(_) | Op::Call(_) => Ok(()),
            Op::CreateObject(op) => super::object::create(schema, op),
            Op::DropObject(op) => super::object::drop(schema, op),
        }
    }

    /// The ops that undo this op, given the schema `before` it ran. Fails when the op
    /// does not fit `before`, and for `execute` (opaque SQL has no known inverse).
    ///
    /// `create_*` ops are undone by the matching `drop_*` and the reverse (what is
    /// dropped is recreated from `before`); `drop_table` recreates the whole table
    /// (plus `create_primary_key` for a named key and `create_index` for partial
    /// indexes); `drop_column` re-adds the column (at the end of the table) and what
    /// went away with it; `alter_column` sets back the prior values of what it
    /// changed; `create_primary_key` is undone by `drop_constraint` and making its
    /// formerly nullable columns nullable again; `bulk_insert` by `delete_rows`. Unnamed constraints that must be recreated by a
    /// `create_*_constraint` op (which needs a name) get PostgreSQL's default name.
    pub fn inverse(&self, before: &Schema) -> Result<Vec<Op>, ApplyError> {
        // An op that does not fit has no meaningful inverse: report why.
        self.apply(&mut before.clone())?;
        inverse::inverse(self, before)
    }

    /// Whether this op does nothing on `schema` because it says so: `if_not_exists`
    /// on a `create_table` or `create_index` whose name is there, `if_exists` on a
    /// `drop_table` or `drop_index` whose object is not. Such an op leaves the model
    /// as it is and has no inverse.
    pub fn skips(&self, schema: &Schema) -> bool {
        match self {
            Op::CreateTable(o) => o.if_not_exists && schema.table(o.schema.as_deref(), &o.table).is_some(),
            Op::DropTable(o) => o.if_exists && schema.table(o.schema.as_deref(), &o.table).is_none(),
            Op::CreateIndex(o) => {
                o.if_not_exists
                    && require_free_index_name(schema, "create_index", o.schema.as_deref(), &o.table, &o.name)
                        .is_err()
            }
            Op::DropIndex(o) => o.if_exists && index_owner(schema, o).is_err(),
            _ => false,
        }
    }

    /// [`Op::inverse`] from `schema`, then the op applied to it: for walking a list
    /// of ops, without the copy of the whole schema [`Op::inverse`] makes to check
    /// that the op fits (which made a long list quadratic). On an error `schema` may
    /// be left with the op applied.
    pub fn apply_with_inverse(&self, schema: &mut Schema) -> Result<Vec<Op>, ApplyError> {
        let inverse = inverse::inverse(self, schema);
        self.apply(schema)?;
        inverse
    }
}

/// The table or a [`ApplyError::NoTable`].
pub(crate) fn existing_table<'s>(
    schema: &'s Schema,
    op: &'static str,
    table_schema: Option<&str>,
    table: &str,
) -> Result<&'s Table, ApplyError> {
    schema
        .table(table_schema, table)
        .ok_or_else(|| ApplyError::NoTable { op, table: qualified(table_schema, table) })
}

/// Runs `change` on a copy of the table and stores it only if `change` succeeds.
fn edit_table(
    schema: &mut Schema,
    op: &'static str,
    table_schema: Option<&str>,
    table: &str,
    change: impl FnOnce(&mut Table) -> Result<(), ApplyError>,
) -> Result<(), ApplyError> {
    let mut copy = existing_table(schema, op, table_schema, table)?.clone();
    change(&mut copy)?;
    if let Some(slot) = schema.table_mut(table_schema, table) {
        *slot = copy;
    }
    Ok(())
}

fn no_column(op: &'static str, table: &Table, column: &str) -> ApplyError {
    ApplyError::NoColumn { op, table: table.display_name(), column: column.to_string() }
}

fn require_columns(op: &'static str, table: &Table, columns: &[String]) -> Result<(), ApplyError> {
    match columns.iter().find(|c| table.column(c).is_none()) {
        Some(missing) => Err(no_column(op, table, missing)),
        None => Ok(()),
    }
}

/// Constraint names are unique per table on both dialects.
fn require_free_constraint_name(op: &'static str, table: &Table, name: &str) -> Result<(), ApplyError> {
    let some = Some(name);
    let taken = table.primary_key.as_ref().is_some_and(|pk| pk.name.as_deref() == some)
        || table.uniques.iter().any(|u| u.name.as_deref() == some)
        || table.foreign_keys.iter().any(|f| f.name.as_deref() == some)
        || table.checks.iter().any(|c| c.name.as_deref() == some);
    if taken {
        return Err(ApplyError::ConstraintExists { op, table: table.display_name(), name: name.to_string() });
    }
    Ok(())
}

fn require_free_index_name(
    schema: &Schema,
    op: &'static str,
    table_schema: Option<&str>,
    table: &str,
    name: &str,
) -> Result<(), ApplyError> {
    let taken = match schema.index_names {
        IndexNames::PerSchema => schema.find_index(table_schema, name).is_some(),
        IndexNames::PerTable => schema.table(table_schema, table).is_some_and(|t| t.index(name).is_some()),
    };
    if taken {
        return Err(ApplyError::IndexExists { op, index: qualified(table_schema, name) });
    }
    Ok(())
}

/// The model column for an op column; `in_pk` forces NOT NULL.
fn column_def(column: &Column, in_pk: bool) -> ColumnDef {
    ColumnDef {
        name: column.name.clone(),
        ty: column.ty.clone(),
        nullable: column.is_nullable() && !in_pk,
        server_default: column.server_default.clone(),
        autoincrement: column.autoincrement,
        comment: column.comment.clone(),
        identity: column.identity.clone(),
        computed: column.computed.clone(),
        collation: column.collation.clone(),
    }
}

/// The name SQLAlchemy's default naming convention gives a column's `index = true`.
pub(crate) fn column_index_name(table: &str, column: &str) -> String {
    format!("ix_{table}_{column}")
}

/// Adds the constraints and index a column declares inline (`unique`, `index`,
/// `foreign_key`) to `table`, as SQLAlchemy does: `unique` with `index` is a unique
/// index, `unique` alone an unnamed unique constraint.
fn add_inline_constraints(table: &mut Table, column: &Column) {
    if column.index {
        table.indexes.push(Index {
            name: column_index_name(&table.name, &column.name),
            columns: vec![column.name.clone()],
            unique: column.unique,
            ..Index::default()
        });
    } else if column.unique {
        table.uniques.push(UniqueConstraint {
            name: None,
            columns: vec![column.name.clone()],
            ..Default::default()
        });
    }
    if let Some(fk) = &column.foreign_key {
        let (ref_schema, ref_table) = ForeignKey::split_ref_table(&fk.table);
        table.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec![column.name.clone()],
            ref_schema,
            ref_table,
            ref_columns: vec![fk.column.clone()],
            ..ForeignKey::default()
        });
    }
}

fn create_table(schema: &mut Schema, op: &CreateTable) -> Result<(), ApplyError> {
    let name = "create_table";
    if schema.table(op.schema.as_deref(), &op.table).is_some() {
        return Err(ApplyError::TableExists { op: name, table: qualified(op.schema.as_deref(), &op.table) });
    }
    let pk: Vec<String> = op.primary_key_columns().into_iter().map(String::from).collect();
    let mut table = Table::new(op.schema.clone(), &op.table);
    for column in &op.columns {
        table.columns.push(column_def(column, pk.contains(&column.name)));
    }
    if !pk.is_empty() {
        table.primary_key = Some(PrimaryKey { name: op.primary_key_name.clone(), columns: pk });
    }
    for column in &op.columns {
        add_inline_constraints(&mut table, column);
    }
    for unique in &op.unique {
        table.uniques.push(unique.to_constraint());
    }
    for fk in &op.foreign_keys {
        table.foreign_keys.push(fk.to_key());
    }
    for check in &op.checks {
        table.checks.push(CheckConstraint { name: check.name.clone(), sql: check.sql.clone() });
    }
    for index in &op.indexes {
        table.indexes.push(Index {
            name: index.name.clone(),
            columns: index.columns.clone(),
            unique: index.unique,
            ..Index::default()
        });
    }
    let mut seen: Vec<&str> = Vec::new();
    for index in &table.indexes {
        if seen.contains(&index.name.as_str()) {
            return Err(ApplyError::IndexExists {
                op: name,
                index: qualified(op.schema.as_deref(), &index.name),
            });
        }
        seen.push(&index.name);
        require_free_index_name(schema, name, op.schema.as_deref(), &op.table, &index.name)?;
    }
    table.comment = op.comment.clone();
    table.sqlite_autoincrement = op.sqlite_autoincrement;
    table.sqlite_strict = op.sqlite_strict;
    table.sqlite_without_rowid = op.sqlite_without_rowid;
    table.partition_by = op.partition_by.clone();
    schema.insert_table(table).map_err(|t| ApplyError::TableExists { op: name, table: t.display_name() })
}

fn fk_label(fk: &ForeignKey) -> String {
    fk.name.clone().unwrap_or_else(|| "(unnamed)".to_string())
}

fn drop_table(
    schema: &mut Schema,
    op: &'static str,
    table_schema: Option<&str>,
    table: &str,
) -> Result<(), ApplyError> {
    let existing = existing_table(schema, op, table_schema, table)?;
    let referencing = schema.referencing(table_schema, table);
    if let Some((by, fk)) =
        referencing.iter().find(|(by, _)| by.name != existing.name || by.schema != existing.schema)
    {
        return Err(ApplyError::Referenced {
            op,
            target: existing.display_name(),
            constraint: fk_label(fk),
            by: by.display_name(),
        });
    }
    schema.remove_table(table_schema, table);
    // Its triggers go with it.
    schema.objects.retain(|o| !(o.schema.as_deref() == table_schema && o.table.as_deref() == Some(table)));
    Ok(())
}

/// The (schema, name) of each table with a foreign key to `own.table`: the tables a
/// rename of it or of one of its columns changes (found without walking every table).
fn referencing_tables(schema: &Schema, own: Option<&str>, table: &str) -> Vec<(Option<String>, String)> {
    let mut keys: Vec<(Option<String>, String)> =
        schema.referencing(own, table).into_iter().map(|(t, _)| (t.schema.clone(), t.name.clone())).collect();
    keys.dedup();
    keys
}

fn rename_table(schema: &mut Schema, op: &RenameTable) -> Result<(), ApplyError> {
    let name = "rename_table";
    let own = op.schema.as_deref();
    existing_table(schema, name, own, &op.table)?;
    if schema.table(own, &op.new_name).is_some() {
        return Err(ApplyError::TableExists { op: name, table: qualified(own, &op.new_name) });
    }
    let Some(mut table) = schema.remove_table(own, &op.table) else {
        return Ok(());
    };
    if schema.constraint_names == ConstraintNames::KeptThroughRenames {
        pin_default_names(&mut table);
    }
    // Foreign keys pointing at the table follow it (both dialects rewrite them).
    for fk in table.foreign_keys.iter_mut() {
        if fk.references(own, own, &op.table) {
            fk.ref_table = op.new_name.clone();
        }
    }
    for (other_schema, other) in referencing_tables(schema, own, &op.table) {
        let Some(other) = schema.table_mut(other_schema.as_deref(), &other) else { continue };
        for fk in other.foreign_keys.iter_mut() {
            if fk.references(other_schema.as_deref(), own, &op.table) {
                fk.ref_table = op.new_name.clone();
            }
        }
    }
    table.name = op.new_name.clone();
    for trigger in schema.objects.iter_mut().filter(|o| o.schema.as_deref() == own) {
        if trigger.table.as_deref() == Some(op.table.as_str()) {
            trigger.table = Some(op.new_name.clone());
        }
    }
    schema.insert_table(table).map_err(|t| ApplyError::TableExists { op: name, table: t.display_name() })
}

fn add_column(schema: &mut Schema, op: &AddColumn) -> Result<(), ApplyError> {
    let name = "add_column";
    let column = &op.column;
    if column.index {
        let index = column_index_name(&op.table, &column.name);
        require_free_index_name(schema, name, op.schema.as_deref(), &op.table, &index)?;
    }
    edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
        if t.column(&column.name).is_some() {
            return Err(ApplyError::ColumnExists {
                op: name,
                table: t.display_name(),
                column: column.name.clone(),
            });
        }
        if column.primary_key {
            if t.primary_key.is_some() {
                return Err(ApplyError::PrimaryKeyExists { op: name, table: t.display_name() });
            }
            t.primary_key = Some(PrimaryKey { name: None, columns: vec![column.name.clone()] });
        }
        t.columns.push(column_def(column, column.primary_key));
        add_inline_constraints(t, column);
        Ok(())
    })
}

/// Objects over `column` that go away with it (see the module documentation).
pub(crate) fn drops_with_column(table: &Table, column: &str) -> DroppedWithColumn {
    let has = |cols: &[String]| cols.iter().any(|c| c == column);
    DroppedWithColumn {
        primary_key: table.primary_key.clone().filter(|pk| has(&pk.columns)),
        uniques: table.uniques.iter().filter(|u| has(&u.columns)).cloned().collect(),
        foreign_keys: table.foreign_keys.iter().filter(|f| has(&f.columns)).cloned().collect(),
        checks: table.checks.iter().filter(|c| mentions_identifier(&c.sql, column)).cloned().collect(),
        indexes: table.indexes.iter().filter(|i| index_mentions(i, column)).cloned().collect(),
    }
}

/// What [`drops_with_column`] finds.
#[derive(Debug, Clone, Default)]
pub(crate) struct DroppedWithColumn {
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<UniqueConstraint>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<CheckConstraint>,
    pub indexes: Vec<Index>,
}

fn index_mentions(index: &Index, column: &str) -> bool {
    index.columns.iter().any(|c| c == column || mentions_identifier(c, column))
        || index.include.iter().any(|c| c == column)
        || index.where_.as_deref().is_some_and(|w| mentions_identifier(w, column))
}

fn drop_column(schema: &mut Schema, op: &DropColumn) -> Result<(), ApplyError> {
    let name = "drop_column";
    let own = op.schema.as_deref();
    let table = existing_table(schema, name, own, &op.table)?;
    if table.column(&op.column).is_none() {
        return Err(no_column(name, table, &op.column));
    }
    for (by, fk) in schema.referencing(own, &op.table) {
        let same_table = by.name == table.name && by.schema == table.schema;
        let local = same_table && fk.columns.contains(&op.column);
        if fk.ref_columns.contains(&op.column) && !local {
            return Err(ApplyError::Referenced {
                op: name,
                target: format!("{}.{}", table.display_name(), op.column),
                constraint: fk_label(fk),
                by: by.display_name(),
            });
        }
    }
    edit_table(schema, name, own, &op.table, |t| {
        let gone = drops_with_column(t, &op.column);
        if gone.primary_key.is_some() {
            t.primary_key = None;
        }
        t.uniques.retain(|u| !gone.uniques.contains(u));
        t.foreign_keys.retain(|f| !gone.foreign_keys.contains(f));
        t.checks.retain(|c| !gone.checks.contains(c));
        t.indexes.retain(|i| !gone.indexes.contains(i));
        t.columns.retain(|c| c.name != op.column);
        Ok(())
    })
}

fn alter_column(schema: &mut Schema, op: &AlterColumn) -> Result<(), ApplyError> {
    let name = "alter_column";
    let own = op.schema.as_deref();
    let keeps_names = schema.constraint_names == ConstraintNames::KeptThroughRenames;
    edit_table(schema, name, own, &op.table, |t| {
        let display = t.display_name();
        if let Some(new_name) = &op.new_name
            && new_name != &op.column
            && t.column(new_name).is_some()
        {
            return Err(ApplyError::ColumnExists { op: name, table: display, column: new_name.clone() });
        }
        let Some(column) = t.column_mut(&op.column) else {
            return Err(no_column(name, t, &op.column));
        };
        if let Some(ty) = &op.ty {
            column.ty = ty.clone();
        }
        if let Some(nullable) = op.nullable {
            column.nullable = nullable;
        }
        match &op.server_default {
            Some(SetOrDrop::Set(sql)) => column.server_default = Some(sql.clone()),
            Some(SetOrDrop::Drop) => column.server_default = None,
            None => {}
        }
        match &op.collation {
            Some(SetOrDrop::Set(name)) => column.collation = Some(name.clone()),
            Some(SetOrDrop::Drop) => column.collation = None,
            None => {}
        }
        match &op.identity {
            Some(IdentityChange::Set(identity)) => column.identity = Some(identity.clone()),
            Some(IdentityChange::Drop) => column.identity = None,
            None => {}
        }
        match &op.comment {
            Some(SetOrDrop::Set(text)) => column.comment = Some(text.clone()),
            Some(SetOrDrop::Drop) => column.comment = None,
            None => {}
        }
        if let Some(new_name) = &op.new_name {
            column.name = new_name.clone();
            if keeps_names && new_name != &op.column {
                pin_default_names(t);
            }
            rename_column_refs(t, &op.column, new_name);
        }
        Ok(())
    })?;
    if let Some(new_name) = &op.new_name {
        for (other_schema, other) in referencing_tables(schema, own, &op.table) {
            let Some(other) = schema.table_mut(other_schema.as_deref(), &other) else { continue };
            for fk in other.foreign_keys.iter_mut() {
                if fk.references(other_schema.as_deref(), own, &op.table) {
                    for c in fk.ref_columns.iter_mut() {
                        if *c == op.column {
                            *c = new_name.clone();
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Renames `from` to `to` in the table's own constraints and indexes.
fn rename_column_refs(table: &mut Table, from: &str, to: &str) {
    let rename = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c == from {
                *c = to.to_string();
            }
        }
    };
    if let Some(pk) = table.primary_key.as_mut() {
        rename(&mut pk.columns);
    }
    for u in table.uniques.iter_mut() {
        rename(&mut u.columns);
    }
    for f in table.foreign_keys.iter_mut() {
        rename(&mut f.columns);
    }
    for c in table.checks.iter_mut() {
        c.sql = replace_identifier(&c.sql, from, to);
    }
    for i in table.indexes.iter_mut() {
        for c in i.columns.iter_mut() {
            *c = replace_identifier(c, from, to);
        }
        rename(&mut i.include);
        if let Some(w) = i.where_.as_mut() {
            *w = replace_identifier(w, from, to);
        }
    }
}

/// Whether an index entry is a plain column name rather than an expression.
pub(crate) fn is_plain_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn create_index(schema: &mut Schema, op: &CreateIndex) -> Result<(), ApplyError> {
    let name = "create_index";
    let own = op.schema.as_deref();
    require_free_index_name(schema, name, own, &op.table, &op.name)?;
    edit_table(schema, name, own, &op.table, |t| {
        for entry in &op.columns {
            let target = IndexEntry::parse(entry, is_plain_identifier).target;
            if is_plain_identifier(target) && t.column(target).is_none() {
                return Err(no_column(name, t, target));
            }
        }
        for column in &op.include {
            if t.column(column).is_none() {
                return Err(no_column(name, t, column));
            }
        }
        t.indexes.push(op.to_index());
        Ok(())
    })
}

/// The table owning the index `op` drops.
pub(crate) fn index_owner<'s>(
    schema: &'s Schema,
    op: &DropIndex,
) -> Result<(&'s Table, &'s Index), ApplyError> {
    let own = op.schema.as_deref();
    let missing = || ApplyError::NoIndex { op: "drop_index", index: qualified(own, &op.name) };
    let (table, index) = schema.find_index(own, &op.name).ok_or_else(missing)?;
    if op.table.as_ref().is_some_and(|t| *t != table.name) {
        return Err(missing());
    }
    Ok((table, index))
}

fn drop_index(schema: &mut Schema, op: &DropIndex) -> Result<(), ApplyError> {
    let (table, _) = index_owner(schema, op)?;
    let table_name = table.name.clone();
    edit_table(schema, "drop_index", op.schema.as_deref(), &table_name, |t| {
        t.indexes.retain(|i| i.name != op.name);
        Ok(())
    })
}

fn create_foreign_key(schema: &mut Schema, op: &CreateForeignKey) -> Result<(), ApplyError> {
    let name = "create_foreign_key";
    edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
        require_columns(name, t, &op.columns)?;
        require_free_constraint_name(name, t, &op.name)?;
        t.foreign_keys.push(op.to_key());
        Ok(())
    })
}

fn drop_constraint(schema: &mut Schema, op: &DropConstraint) -> Result<(), ApplyError> {
    let name = "drop_constraint";
    edit_table(schema, name, op.schema.as_deref(), &op.table, |t| {
        let snapshot = t.clone();
        let m =
            |own: Option<&str>, cols: &[String]| matches_constraint(&snapshot, op.kind, &op.name, own, cols);
        let found = match op.kind {
            ConstraintType::Primary => {
                let hit = t.primary_key.as_ref().is_some_and(|pk| m(pk.name.as_deref(), &pk.columns));
                if hit {
                    t.primary_key = None;
                }
                hit
            }
            ConstraintType::Unique => remove_first(&mut t.uniques, |u| m(u.name.as_deref(), &u.columns)),
            ConstraintType::ForeignKey => {
                remove_first(&mut t.foreign_keys, |f| m(f.name.as_deref(), &f.columns))
            }
            ConstraintType::Check => remove_first(&mut t.checks, |c| m(c.name.as_deref(), &[])),
        };
        if !found {
            return Err(ApplyError::NoConstraint {
                op: name,
                table: t.display_name(),
                kind: kind_name(op.kind),
                name: op.name.clone(),
            });
        }
        Ok(())
    })
}

fn remove_first<T>(items: &mut Vec<T>, pred: impl Fn(&T) -> bool) -> bool {
    match items.iter().position(pred) {
        Some(i) => {
            items.remove(i);
            true
        }
        None => false,
    }
}
