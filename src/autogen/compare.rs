//! The comparison itself: tables and columns here, constraints and indexes in
//! [`super::constraints`]. Ops are gathered into phases ([`Plan`]) so that the list
//! applies cleanly whatever depends on what.

use super::CompareOptions;
use super::constraints::{self, default_name};
use super::normalize::{default_key, types_equal};
use super::order::creation_order;
use crate::dialect::Dialect;
use crate::ops::apply::op_column_with;
use crate::ops::{
    AddColumn, AlterColumn, CheckSpec, ConstraintType, CreateForeignKey, CreateIndex, CreateTable,
    DropColumn, DropConstraint, DropTable, ForeignKeySpec, IdentityChange, IndexSpec, Op, SetOrDrop,
    TableComment, UniqueSpec,
};
use crate::reflect::TableFilter;
use crate::schema::model::{ColumnDef, ForeignKey, Index, Schema, Table};

/// Ops by phase, in the order they are emitted.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Views and triggers that go away or change (before the tables they read change).
    pub drop_dependents: Vec<Op>,
    /// Extensions, domains and functions that are new or change (before the tables
    /// that use them).
    pub create_prerequisites: Vec<Op>,
    /// Foreign keys that go away or change.
    pub drop_foreign_keys: Vec<Op>,
    /// Primary keys, unique and check constraints and indexes that go away or change.
    pub drop_constraints: Vec<Op>,
    /// New tables with what they hold.
    pub create_tables: Vec<Op>,
    /// Columns added to existing tables.
    pub add_columns: Vec<Op>,
    /// Columns changed in place.
    pub alter_columns: Vec<Op>,
    /// Columns that go away.
    pub drop_columns: Vec<Op>,
    /// New primary keys, unique and check constraints and indexes.
    pub create_constraints: Vec<Op>,
    /// New foreign keys (after every table and column exists).
    pub create_foreign_keys: Vec<Op>,
    /// Table comments.
    pub comments: Vec<Op>,
    /// Tables that go away, referencing tables first.
    pub drop_tables: Vec<Op>,
    /// Extensions, domains and functions that go away (after the tables using them).
    pub drop_prerequisites: Vec<Op>,
    /// Views and triggers that are new or change (after every table is in place).
    pub create_dependents: Vec<Op>,
}

impl Plan {
    fn into_ops(self) -> Vec<Op> {
        [
            self.drop_dependents,
            self.create_prerequisites,
            self.drop_foreign_keys,
            self.drop_constraints,
            self.create_tables,
            self.add_columns,
            self.alter_columns,
            self.drop_columns,
            self.create_constraints,
            self.create_foreign_keys,
            self.comments,
            self.drop_tables,
            self.drop_prerequisites,
            self.create_dependents,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

pub(super) fn compare(target: &Schema, current: &Schema, opts: &CompareOptions) -> Vec<Op> {
    let filter = TableFilter::new(&opts.version_table, &opts.exclude_tables);
    let keep = |t: &&Table| filter.includes(t.schema.as_deref(), &t.name);
    let targets: Vec<&Table> = target.tables.iter().filter(keep).collect();
    let currents: Vec<&Table> = current.tables.iter().filter(keep).collect();
    let find = |list: &[&Table], t: &Table| -> Option<usize> {
        list.iter().position(|c| c.name == t.name && c.schema == t.schema)
    };

    let mut plan = Plan::default();
    let keep_object = |o: &crate::schema::model::SchemaObject| {
        o.table.as_deref().is_none_or(|t| filter.includes(o.schema.as_deref(), t))
    };
    super::objects::compare_objects(target, current, &keep_object, &mut plan);
    let added: Vec<&Table> = targets.iter().copied().filter(|t| find(&currents, t).is_none()).collect();
    let removed: Vec<&Table> = currents.iter().copied().filter(|c| find(&targets, c).is_none()).collect();
    for t in &targets {
        if let Some(i) = find(&currents, t) {
            compare_table(t, currents[i], opts, &mut plan);
        }
    }

    let (order, deferred) = creation_order(&added);
    for (i, table) in order.iter().enumerate() {
        // Keys in a cycle wait for the tables they reference; a NOT VALID key waits
        // too, since only `ALTER TABLE … ADD` keeps it unvalidated.
        let mut later: Vec<usize> = deferred.iter().filter(|(t, _)| *t == i).map(|(_, f)| *f).collect();
        for (f, fk) in table.foreign_keys.iter().enumerate() {
            if fk.options.not_valid && !later.contains(&f) {
                later.push(f);
            }
        }
        plan.create_tables.extend(create_table_ops(table, &later));
        for f in later {
            plan.create_foreign_keys.push(create_foreign_key_op(table, &table.foreign_keys[f]));
        }
    }

    let (order, deferred) = creation_order(&removed);
    for (t, f) in deferred {
        let table = order[t];
        plan.drop_foreign_keys.push(drop_constraint_op(
            table,
            &table.foreign_keys[f],
            ConstraintType::ForeignKey,
        ));
    }
    for table in order.iter().rev() {
        plan.drop_tables.push(Op::DropTable(DropTable {
            table: table.name.clone(),
            schema: table.schema.clone(),
            if_exists: false,
        }));
    }
    plan.into_ops()
}

/// `drop_constraint` for a foreign key, by its name or PostgreSQL's default one.
fn drop_constraint_op(table: &Table, fk: &ForeignKey, kind: ConstraintType) -> Op {
    Op::DropConstraint(DropConstraint {
        name: fk.name.clone().unwrap_or_else(|| default_name(&table.name, kind, &fk.columns)),
        table: table.name.clone(),
        schema: table.schema.clone(),
        kind,
    })
}

/// `create_foreign_key` for `fk` of `table`.
pub(super) fn create_foreign_key_op(table: &Table, fk: &ForeignKey) -> Op {
    let name =
        fk.name.clone().unwrap_or_else(|| default_name(&table.name, ConstraintType::ForeignKey, &fk.columns));
    Op::CreateForeignKey(CreateForeignKey::for_key(table.schema.clone(), table.name.clone(), name, fk))
}

/// `create_index` for `index` of `table`.
pub(super) fn create_index_op(table: &Table, index: &Index) -> Op {
    Op::CreateIndex(CreateIndex::for_index(table.schema.as_deref(), &table.name, index))
}

/// The ops creating `table`: `create_table` with its columns, key, unique and check
/// constraints (the key under its name unless that is PostgreSQL's default), foreign
/// keys (but those at positions `deferred`) and plain indexes; then `create_index` for
/// partial and expression indexes.
fn create_table_ops(table: &Table, deferred: &[usize]) -> Vec<Op> {
    let pk = table.primary_key.as_ref();
    let plain = |i: &Index| i.is_plain(table);
    let create = CreateTable {
        table: table.name.clone(),
        schema: table.schema.clone(),
        columns: table.columns.iter().map(|c| op_column_with(c, false)).collect(),
        primary_key: pk.map(|pk| pk.columns.clone()),
        primary_key_name: table.explicit_primary_key_name().map(str::to_string),
        unique: table.uniques.iter().map(UniqueSpec::for_constraint).collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|(i, _)| !deferred.contains(i))
            .map(|(_, fk)| ForeignKeySpec::for_key(fk))
            .collect(),
        checks: table.checks.iter().map(|c| CheckSpec { name: c.name.clone(), sql: c.sql.clone() }).collect(),
        indexes: table
            .indexes
            .iter()
            .filter(|i| plain(i))
            .map(|i| IndexSpec { name: i.name.clone(), columns: i.columns.clone(), unique: i.unique })
            .collect(),
        comment: table.comment.clone(),
        sqlite_autoincrement: table.sqlite_autoincrement,
        sqlite_strict: table.sqlite_strict,
        sqlite_without_rowid: table.sqlite_without_rowid,
        partition_by: table.partition_by.clone(),
        if_not_exists: false,
    };
    let mut ops = vec![Op::CreateTable(create)];
    ops.extend(table.indexes.iter().filter(|i| !plain(i)).map(|i| create_index_op(table, i)));
    ops
}

fn compare_table(target: &Table, current: &Table, opts: &CompareOptions, plan: &mut Plan) {
    for column in &target.columns {
        match current.column(&column.name) {
            None => plan.add_columns.push(Op::AddColumn(AddColumn {
                table: target.name.clone(),
                schema: target.schema.clone(),
                column: op_column_with(column, false),
            })),
            Some(existing) => {
                if let Some(alter) = compare_column(target, current, column, existing, opts) {
                    plan.alter_columns.push(Op::AlterColumn(alter));
                }
            }
        }
    }
    for column in current.columns.iter().filter(|c| target.column(&c.name).is_none()) {
        plan.drop_columns.push(Op::DropColumn(DropColumn {
            table: current.name.clone(),
            schema: current.schema.clone(),
            column: column.name.clone(),
        }));
    }
    constraints::compare_constraints(target, current, opts, plan);
    if opts.dialect.imp().has_comments() && target.comment != current.comment {
        let op = TableComment {
            table: target.name.clone(),
            schema: target.schema.clone(),
            comment: target.comment.clone(),
        };
        plan.comments.push(if target.comment.is_some() {
            Op::CreateTableComment(op)
        } else {
            Op::DropTableComment(op)
        });
    }
}

/// Whether `column` of `table` is auto-incrementing (its default is the dialect's
/// sequence, not one anyone wrote).
fn is_autoincrement(table: &Table, column: &ColumnDef) -> bool {
    column.autoincrement == Some(true) || table.autoincrement_column().is_some_and(|c| c.name == column.name)
}

/// A serial column's default: `nextval('…'::regclass)`.
fn is_sequence_default(default: Option<&str>) -> bool {
    default.is_some_and(|d| d.trim_start().to_ascii_lowercase().starts_with("nextval("))
}

/// Whether two columns sort text alike. A column naming no collation has its table's
/// default where the database says which (MySQL; see [`Table::default_collation`]):
/// the database's own default stands for both sides, so that a schema file loaded in
/// a scratch database of another default changes nothing.
fn collations_equal(current_table: &Table, target: &ColumnDef, current: &ColumnDef) -> bool {
    let default = current_table.default_collation.as_deref();
    match (target.collation.as_deref().or(default), current.collation.as_deref().or(default)) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}

fn defaults_equal(
    dialect: Dialect,
    (target_table, target): (&Table, &ColumnDef),
    (current_table, current): (&Table, &ColumnDef),
) -> bool {
    let (t, c) = (target.server_default.as_deref(), current.server_default.as_deref());
    // A sequence default on an auto-increment column is how PostgreSQL implements
    // it: the same as no default on the other side.
    let auto = is_autoincrement(target_table, target) || is_autoincrement(current_table, current);
    let seq_or_none = |d: Option<&str>| d.is_none() || is_sequence_default(d);
    if auto && seq_or_none(t) && seq_or_none(c) {
        return true;
    }
    let key = |d: Option<&str>| d.and_then(|d| default_key(dialect, &target.ty, d));
    key(t) == key(c)
}

fn compare_column(
    target_table: &Table,
    current_table: &Table,
    target: &ColumnDef,
    current: &ColumnDef,
    opts: &CompareOptions,
) -> Option<AlterColumn> {
    let mut alter = AlterColumn::new(&target_table.name, &target.name);
    alter.schema = target_table.schema.clone();
    if opts.compare_type && !types_equal(opts.dialect, &target.ty, &current.ty) {
        alter.ty = Some(target.ty.clone());
    }
    // Primary key columns are NOT NULL whatever was declared.
    let in_both_keys = target_table.is_primary_key_column(&target.name)
        && current_table.is_primary_key_column(&current.name);
    if target.nullable != current.nullable && !in_both_keys {
        alter.nullable = Some(target.nullable);
    }
    if opts.compare_server_default
        && !defaults_equal(opts.dialect, (target_table, target), (current_table, current))
    {
        alter.server_default = Some(match &target.server_default {
            Some(sql) => SetOrDrop::Set(sql.clone()),
            None => SetOrDrop::Drop,
        });
    }
    if opts.dialect.imp().has_comments() && target.comment != current.comment {
        alter.comment = Some(match &target.comment {
            Some(text) => SetOrDrop::Set(text.clone()),
            None => SetOrDrop::Drop,
        });
    }
    if !collations_equal(current_table, target, current) {
        alter.collation = Some(match &target.collation {
            Some(name) => SetOrDrop::Set(name.clone()),
            None => SetOrDrop::Drop,
        });
    }
    // Where the dialect has identity columns (it renders a clause for one).
    let has_identity = opts.dialect.imp().identity_clause(&Default::default()).is_some();
    if has_identity && target.identity != current.identity {
        alter.identity = Some(match &target.identity {
            Some(identity) => IdentityChange::Set(identity.clone()),
            None => IdentityChange::Drop,
        });
    }
    let changed = alter.ty.is_some()
        || alter.nullable.is_some()
        || alter.server_default.is_some()
        || alter.comment.is_some()
        || alter.collation.is_some()
        || alter.identity.is_some();
    if !changed {
        return None;
    }
    alter.existing_type = Some(current.ty.clone());
    alter.existing_nullable = Some(current.nullable);
    alter.existing_server_default = current.server_default.clone();
    Some(alter)
}
