//! PostgreSQL rendering. Everything is done in place, in Alembic's statement forms:
//!
//! - `create_table`: `CREATE TABLE`, then `COMMENT ON TABLE` / `COMMENT ON COLUMN`
//!   and `CREATE INDEX` for the table's indexes;
//! - `add_column`: `ALTER TABLE … ADD COLUMN`, then the column's unique constraint,
//!   foreign key, primary key (`ALTER TABLE … ADD …`), index and comment;
//! - `alter_column`: type (`… TYPE … [USING col::type]`), nullability, default,
//!   comment, then the rename last, as Alembic orders them. `USING` is added when the
//!   type family changes (say `varchar` to `integer` or to an enum), where PostgreSQL
//!   would otherwise refuse; Alembic leaves that to `postgresql_using`;
//! - enum types follow the columns that use them: `CREATE TYPE … AS ENUM` before the
//!   op's statements when the op brings a new one into a schema (`create_table`, but
//!   also `add_column` and `alter_column`, where Alembic would fail), `DROP TYPE` after
//!   them when no column uses it any more (`drop_table`, `drop_column`, …), and
//!   `ALTER TYPE … ADD VALUE` when an enum gains values; when it loses or reorders
//!   values, the type is rebuilt (a new type, every column moved to it through text,
//!   the old one dropped, the new one renamed). Enum types live in the schema of the
//!   table that uses them.

use crate::dialect::ddl::{
    check_clause, column_spec, create_index_sql, create_table_sql, default_clause, drop_index_sql,
    foreign_key_clause, primary_key_clause, table_name, unique_clause, value_list,
};
use crate::dialect::imp::{Autoincrement, CompoundBody, DialectImpl};
use crate::dialect::literal::{Param, text_form_param};
use crate::dialect::literal::{delete_row_sql, insert_row_sql, string_literal};
use crate::dialect::quote::{qualified_name, quote_identifier};
use crate::dialect::sqltype::standard_type;
use crate::dialect::sqltype::{affinity, render_type};
use crate::dialect::{Context, Dialect, RenderError};
use crate::ops::{AlterColumn, Cell, IdentityChange, Op, SetOrDrop};
use crate::schema::model::{ColumnDef, ConstraintNames, Identity, ObjectKind, Schema, Table};
use crate::schema::types::SqlType;

/// The number of catalog queries a PostgreSQL reflection sends, whatever the schema
/// holds (columns, constraints, indexes, enum types; extensions, domains, functions,
/// views, triggers, exclusion constraints).
pub const POSTGRES_CATALOG_QUERIES: usize = 12;

#[cfg(feature = "postgres")]
pub(crate) mod driver;
mod locks;
mod normalize;
mod reserved;
pub(crate) mod url;

const D: Dialect = Dialect::Postgresql;

/// PostgreSQL (12 or later).
#[derive(Debug, Clone, Copy)]
pub struct Postgresql;

impl DialectImpl for Postgresql {
    fn dialect(&self) -> Dialect {
        D
    }

    fn driver_feature(&self) -> &'static str {
        "postgres"
    }

    fn constraint_names(&self) -> ConstraintNames {
        ConstraintNames::KeptThroughRenames
    }

    fn render(&self, op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
        render(op, ctx)
    }

    fn reserved_words(&self) -> &'static [&'static str] {
        reserved::RESERVED
    }

    fn max_identifier_bytes(&self) -> Option<usize> {
        Some(MAX_IDENTIFIER_BYTES)
    }

    // Text with a backslash becomes an escape string, which keeps its value whatever
    // `standard_conforming_strings` says (a plain `'…\'` would end early when it is off).
    fn string_literal(&self, text: &str) -> String {
        let quoted = text.replace('\'', "''");
        if text.contains('\\') {
            format!("E'{}'", quoted.replace('\\', "\\\\"))
        } else {
            format!("'{quoted}'")
        }
    }

    fn non_finite_literal(&self, value: f64) -> String {
        match value {
            v if v.is_nan() => "'NaN'".to_string(),
            v if v > 0.0 => "'Infinity'".to_string(),
            _ => "'-Infinity'".to_string(),
        }
    }

    // Bound as text: the server parses each value for its column's type.
    fn param(&self, cell: Cell<'_>, ty: &SqlType) -> Param {
        text_form_param(cell, ty, false)
    }

    fn render_type(&self, ty: &SqlType, schema: Option<&str>) -> String {
        match ty {
            SqlType::Double => "DOUBLE PRECISION".into(),
            SqlType::Time => "TIME WITHOUT TIME ZONE".into(),
            SqlType::Timestamp => "TIMESTAMP WITHOUT TIME ZONE".into(),
            SqlType::TimestampTz => "TIMESTAMP WITH TIME ZONE".into(),
            SqlType::Interval => "INTERVAL".into(),
            SqlType::Blob => "BYTEA".into(),
            SqlType::Uuid => "UUID".into(),
            // Enum types live beside the table that uses them.
            SqlType::Enum { name, .. } => qualified_name(D, schema, name),
            other => standard_type(other),
        }
    }

    fn autoincrement(&self, ty: &SqlType) -> Autoincrement {
        Autoincrement::Type(match ty {
            SqlType::SmallInt => "SMALLSERIAL",
            SqlType::BigInt => "BIGSERIAL",
            _ => "SERIAL",
        })
    }

    fn identity_clause(&self, identity: &Identity) -> Option<String> {
        let when = if identity.always { "ALWAYS" } else { "BY DEFAULT" };
        Some(format!(" GENERATED {when} AS IDENTITY{}", identity.options_sql()))
    }

    // PostgreSQL's generated columns are all stored.
    fn computed_kind(&self, _stored: bool) -> &'static str {
        "STORED"
    }

    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    fn tokenizer(&self) -> &'static dyn sqlparser::dialect::Dialect {
        &sqlparser::dialect::PostgreSqlDialect {}
    }

    fn backslash_meta_commands(&self) -> bool {
        true
    }

    fn compound_body(&self) -> CompoundBody {
        CompoundBody::BeginAtomic
    }

    fn canonical_type(&self, text: &str) -> Option<SqlType> {
        normalize::canonical_type(text)
    }

    fn quote_type(&self, text: &str) -> Option<String> {
        normalize::quote_type(text)
    }

    fn type_key(&self, ty: &SqlType) -> Option<String> {
        normalize::type_key(ty)
    }

    fn time_default(&self, compact: &str) -> Option<&'static str> {
        matches!(compact, "now()" | "transaction_timestamp()" | "current_timestamp")
            .then_some("current_timestamp")
    }

    // Without a schema, the table the search path resolves to, as SQLAlchemy's
    // has_table does (a table, not a view of the same name elsewhere on the path).
    fn table_exists_sql(&self, schema: Option<&str>, name: &str) -> String {
        let scope = match schema {
            Some(schema) => format!("n.nspname = {}", self.string_literal(schema)),
            None => "pg_catalog.pg_table_is_visible(c.oid)".to_string(),
        };
        format!(
            "SELECT c.relname FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = {} AND c.relkind IN ('r', 'p') AND {scope}",
            self.string_literal(name)
        )
    }

    fn session_lock(&self) -> bool {
        true
    }

    fn lock_budget(&self) -> Option<usize> {
        Some(locks::LOCK_BUDGET)
    }

    fn locks_held(&self, op: &Op) -> usize {
        locks::locks_held(op)
    }

    fn index_options(&self) -> bool {
        true
    }

    fn foreign_key_options(&self) -> bool {
        true
    }

    fn partitioned_tables(&self) -> bool {
        true
    }

    fn table_options(&self, table: &Table) -> String {
        table.partition_by.as_deref().map(|key| format!(" PARTITION BY {key}")).unwrap_or_default()
    }
}

/// The statements for `op` on PostgreSQL.
fn render(op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
    check_name_lengths(op, ctx)?;
    // Enum types follow the columns that use them, and only the tables an op names can
    // change columns: when none of them has an enum column before or after, no type
    // changes, and the schema-wide scan is skipped (it made a long history quadratic).
    let (mut out, drops) =
        if touches_enums(op, ctx) { enum_changes(ctx.before, ctx.after)? } else { (Vec::new(), Vec::new()) };
    out.extend(op_statements(op, ctx)?);
    out.extend(drops);
    Ok(out)
}

/// The longest identifier PostgreSQL keeps (`NAMEDATALEN - 1`); it cuts longer
/// ones silently, so that a later op naming the full name would miss the object.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Every name of the tables `op` leaves (the table, its columns, keys, constraints and
/// indexes) fits in [`MAX_IDENTIFIER_BYTES`].
fn check_name_lengths(op: &Op, ctx: &Context<'_>) -> Result<(), RenderError> {
    for name in op.tables() {
        let Some(t) = ctx.after.table(op.schema(), name) else { continue };
        let names = std::iter::once(t.name.as_str())
            .chain(t.schema.as_deref())
            .chain(t.columns.iter().map(|c| c.name.as_str()))
            .chain(t.primary_key.iter().filter_map(|k| k.name.as_deref()))
            .chain(t.uniques.iter().filter_map(|u| u.name.as_deref()))
            .chain(t.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
            .chain(t.checks.iter().filter_map(|c| c.name.as_deref()))
            .chain(t.indexes.iter().map(|i| i.name.as_str()));
        if let Some(long) = names.into_iter().find(|n| n.len() > MAX_IDENTIFIER_BYTES) {
            return Err(RenderError::Unsupported {
                op: op.name(),
                message: format!(
                    "the name {long:?} is {} bytes; PostgreSQL keeps {MAX_IDENTIFIER_BYTES} and would cut it silently: choose a shorter name",
                    long.len()
                ),
            });
        }
    }
    Ok(())
}

/// Whether a table `op` names has an enum column before or after it.
fn touches_enums(op: &Op, ctx: &Context<'_>) -> bool {
    let has_enum = |t: &Table| t.columns.iter().any(|c| matches!(c.ty, SqlType::Enum { .. }));
    op.tables()
        .into_iter()
        .any(|name| [ctx.before, ctx.after].iter().any(|s| s.table(op.schema(), name).is_some_and(has_enum)))
}

fn schemas(schema: &Schema) -> Vec<Option<&str>> {
    schema.tables.schemas().collect()
}

/// Enum type statements to run before and after the op (see the module docs).
fn enum_changes(before: &Schema, after: &Schema) -> Result<(Vec<String>, Vec<String>), RenderError> {
    let mut all = schemas(before);
    all.extend(schemas(after));
    all.sort();
    all.dedup();
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    for schema in all {
        let old = before.enum_types(schema);
        let new = after.enum_types(schema);
        for (name, values) in &new {
            let type_name = qualified_name(D, schema, name);
            match old.iter().find(|(n, _)| n == name) {
                None => pre.push(format!("CREATE TYPE {type_name} AS ENUM ({})", value_list(D, values))),
                Some((_, old_values)) if old_values == values => {}
                Some((_, old_values)) => {
                    // ADD VALUE can only add: a value removed or the old ones
                    // reordered rebuild the type.
                    let kept: Vec<&String> = values.iter().filter(|v| old_values.contains(v)).collect();
                    if kept.len() != old_values.len()
                        || kept.iter().zip(old_values.iter()).any(|(a, b)| *a != b)
                    {
                        pre.extend(rebuild_enum(before, after, schema, name, values));
                        continue;
                    }
                    let mut previous: Option<&String> = None;
                    for value in values.iter() {
                        if !old_values.contains(value) {
                            let position = match previous {
                                Some(p) => format!(" AFTER {}", string_literal(D, p)),
                                None => format!(" BEFORE {}", string_literal(D, &old_values[0])),
                            };
                            pre.push(format!(
                                "ALTER TYPE {type_name} ADD VALUE {}{position}",
                                string_literal(D, value)
                            ));
                        }
                        previous = Some(value);
                    }
                }
            }
        }
        for (name, _) in &old {
            if !new.iter().any(|(n, _)| n == name) {
                post.push(format!("DROP TYPE {}", qualified_name(D, schema, name)));
            }
        }
    }
    Ok((pre, post))
}

/// `SET GENERATED … SET INCREMENT BY …`: what changes from identity `prior` to `new`,
/// in place, so the sequence keeps its position (`SET START WITH` does not restart
/// it). An option back at the database's default is set to that default.
fn identity_changes(prior: &Identity, new: &Identity) -> String {
    let mut parts = Vec::new();
    if new.always != prior.always {
        parts.push(if new.always {
            "SET GENERATED ALWAYS".to_string()
        } else {
            "SET GENERATED BY DEFAULT".to_string()
        });
    }
    let descending = new.increment.is_some_and(|i| i < 0);
    let bound = |key: &str, value: Option<i64>| match value {
        Some(v) => format!("SET {key} {v}"),
        None => format!("SET NO {key}"),
    };
    if new.increment != prior.increment {
        parts.push(format!("SET INCREMENT BY {}", new.increment.unwrap_or(1)));
    }
    if new.min_value != prior.min_value {
        parts.push(bound("MINVALUE", new.min_value));
    }
    if new.max_value != prior.max_value {
        parts.push(bound("MAXVALUE", new.max_value));
    }
    if new.start != prior.start {
        let default = if descending { -1 } else { 1 };
        parts.push(format!(
            "SET START WITH {}",
            new.start.or(new.min_value.filter(|_| !descending)).unwrap_or(default)
        ));
    }
    if new.cache != prior.cache {
        parts.push(format!("SET CACHE {}", new.cache.unwrap_or(1)));
    }
    if new.cycle != prior.cycle {
        parts.push(if new.cycle { "SET CYCLE".to_string() } else { "SET NO CYCLE".to_string() });
    }
    parts.join(" ")
}

/// The statements that replace enum type `name` of `schema` by one with `values`
/// (PostgreSQL cannot drop or reorder the values of a type): a new type, every column
/// of the type moved to it through text (its default dropped first and put back, as
/// a default of the old type cannot be cast), the old type dropped and the new one
/// renamed. A row holding a removed value makes the cast, and so the step, fail.
fn rebuild_enum(
    before: &Schema,
    after: &Schema,
    schema: Option<&str>,
    name: &str,
    values: &[String],
) -> Vec<String> {
    let type_name = qualified_name(D, schema, name);
    let temporary = format!("{name}_alembic_new");
    let temporary_name = qualified_name(D, schema, &temporary);
    let mut out = vec![format!("CREATE TYPE {temporary_name} AS ENUM ({})", value_list(D, values))];
    let mut defaults = Vec::new();
    for table in before.tables.in_schema(schema) {
        for column in &table.columns {
            if !matches!(&column.ty, SqlType::Enum { name: n, .. } if n == name) {
                continue;
            }
            let col = quote_identifier(D, &column.name);
            let alter = |rest: String| alter_table(table, &format!("ALTER COLUMN {col} {rest}"));
            if column.server_default.is_some() {
                out.push(alter("DROP DEFAULT".to_string()));
                let kept = after.table(schema, &table.name).and_then(|t| t.column(&column.name));
                if let Some(default) = kept.and_then(|c| c.server_default.as_deref()) {
                    defaults.push(alter(format!("SET{}", default_clause(D, default))));
                }
            }
            out.push(alter(format!("TYPE {temporary_name} USING {col}::text::{temporary_name}")));
        }
    }
    out.push(format!("DROP TYPE {type_name}"));
    out.push(format!("ALTER TYPE {temporary_name} RENAME TO {}", quote_identifier(D, name)));
    out.extend(defaults);
    out
}

/// A sequence that exists already changed in place, keeping its position: `CREATE
/// SEQUENCE [IF NOT EXISTS] name options` as `ALTER SEQUENCE name options`, which takes
/// the same options, with `NO CYCLE` when the statement does not say `CYCLE` (an
/// `ALTER` leaves out what it does not name).
fn alter_sequence_sql(create: &str) -> String {
    let text = create.trim().trim_end_matches(';').trim_end();
    let words: Vec<&str> = text.split_whitespace().collect();
    let skip = if words.len() > 4
        && words[2..5].iter().map(|w| w.to_ascii_uppercase()).eq(["IF", "NOT", "EXISTS"])
    {
        5
    } else {
        2
    };
    let mut sql = format!("ALTER SEQUENCE {}", words[skip.min(words.len())..].join(" "));
    if !words.iter().any(|w| w.eq_ignore_ascii_case("CYCLE")) {
        sql.push_str(" NO CYCLE");
    }
    sql
}

fn comment_literal(comment: Option<&str>) -> String {
    comment.map(|c| string_literal(D, c)).unwrap_or_else(|| "NULL".to_string())
}

fn column_comment_sql(table: &Table, column: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        table_name(D, table),
        quote_identifier(D, column),
        comment_literal(comment)
    )
}

fn table_comment_sql(schema: Option<&str>, table: &str, comment: Option<&str>) -> String {
    format!("COMMENT ON TABLE {} IS {}", qualified_name(D, schema, table), comment_literal(comment))
}

fn alter_table(table: &Table, rest: &str) -> String {
    format!("ALTER TABLE {} {rest}", table_name(D, table))
}

fn op_statements(op: &Op, ctx: &Context<'_>) -> Result<Vec<String>, RenderError> {
    let after = |schema: &Option<String>, name: &str| ctx.after.table(schema.as_deref(), name);
    let before = |schema: &Option<String>, name: &str| ctx.before.table(schema.as_deref(), name);
    Ok(match op {
        Op::CreateTable(o) => match after(&o.schema, &o.table) {
            Some(t) => create_table(t),
            None => Vec::new(),
        },
        Op::DropTable(o) => vec![format!("DROP TABLE {}", qualified_name(D, o.schema.as_deref(), &o.table))],
        Op::RenameTable(o) => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            quote_identifier(D, &o.new_name)
        )],
        Op::AddColumn(o) => match (before(&o.schema, &o.table), after(&o.schema, &o.table)) {
            (Some(b), Some(a)) => add_column(b, a, &o.column.name),
            _ => Vec::new(),
        },
        Op::DropColumn(o) => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            quote_identifier(D, &o.column)
        )],
        Op::AlterColumn(o) => match before(&o.schema, &o.table) {
            Some(t) => match t.column(&o.column) {
                Some(old) => alter_column(t, old, o),
                None => Vec::new(),
            },
            None => Vec::new(),
        },
        Op::CreateIndex(o) => match after(&o.schema, &o.table) {
            Some(t) => t.index(&o.name).map(|i| vec![create_index_sql(D, t, i)]).unwrap_or_default(),
            None => Vec::new(),
        },
        Op::DropIndex(o) => vec![drop_index_sql(D, o.schema.as_deref(), &o.name)],
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
        Op::DropConstraint(o) => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            qualified_name(D, o.schema.as_deref(), &o.table),
            quote_identifier(D, &o.name)
        )],
        Op::CreateTableComment(o) => {
            vec![table_comment_sql(o.schema.as_deref(), &o.table, o.comment.as_deref())]
        }
        Op::DropTableComment(o) => {
            vec![table_comment_sql(o.schema.as_deref(), &o.table, None)]
        }
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
        // As pg_dump does: a function's body may read tables made after it.
        Op::CreateObject(o) if o.kind == crate::schema::model::ObjectKind::Function => vec![
            "SET LOCAL check_function_bodies = false".to_string(),
            o.sql.trim().trim_end_matches(';').trim_end().to_string(),
        ],
        Op::CreateObject(o)
            if o.kind == ObjectKind::Sequence
                && ctx.before.objects.iter().any(|b| b.same_object(&o.object())) =>
        {
            vec![alter_sequence_sql(&o.sql)]
        }
        Op::CreateObject(o) => vec![o.sql.trim().trim_end_matches(';').trim_end().to_string()],
        Op::DropObject(o) => match (o.kind, &o.table) {
            (ObjectKind::Trigger, Some(table)) => vec![format!(
                "DROP TRIGGER {} ON {}",
                quote_identifier(D, &o.name),
                qualified_name(D, o.schema.as_deref(), table)
            )],
            _ => vec![crate::dialect::ddl::drop_object_sql(D, o)],
        },
    })
}

fn create_table(t: &Table) -> Vec<String> {
    let mut out = vec![create_table_sql(D, t, &t.name)];
    if let Some(comment) = &t.comment {
        out.push(table_comment_sql(t.schema.as_deref(), &t.name, Some(comment)));
    }
    for c in &t.columns {
        if let Some(comment) = &c.comment {
            out.push(column_comment_sql(t, &c.name, Some(comment)));
        }
    }
    out.extend(t.indexes.iter().map(|i| create_index_sql(D, t, i)));
    out
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
    let mut out = vec![alter_table(after, &format!("ADD COLUMN {}", column_spec(D, after, def)))];
    if let (Some(pk), None) = (&after.primary_key, &before.primary_key) {
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
    if let Some(comment) = &def.comment {
        out.push(column_comment_sql(after, column, Some(comment)));
    }
    out
}

fn alter_column(table: &Table, old: &ColumnDef, op: &AlterColumn) -> Vec<String> {
    let name = quote_identifier(D, &op.column);
    let alter = |rest: String| alter_table(table, &format!("ALTER COLUMN {name} {rest}"));
    let mut out = Vec::new();
    let schema = table.schema.as_deref();
    // A collation changes with `TYPE <type> COLLATE …`, the type's default being
    // "default".
    let collate = match &op.collation {
        Some(SetOrDrop::Set(c)) => format!(" COLLATE {}", quote_identifier(D, c)),
        Some(SetOrDrop::Drop) => " COLLATE \"default\"".to_string(),
        None => String::new(),
    };
    // A type that renders the same (an enum that only gained values) needs no ALTER.
    if let Some(ty) =
        op.ty.as_ref().filter(|ty| render_type(D, ty, schema) != render_type(D, &old.ty, schema))
    {
        let rendered = render_type(D, ty, schema);
        let using = match (affinity(&old.ty) != affinity(ty), ty) {
            (false, _) => String::new(),
            // There is no cast between enum types (or from most types to one): go
            // through text.
            (true, SqlType::Enum { .. }) => format!(" USING {name}::text::{rendered}"),
            (true, _) => format!(" USING {name}::{rendered}"),
        };
        out.push(alter(format!("TYPE {rendered}{collate}{using}")));
    } else if !collate.is_empty() {
        out.push(alter(format!("TYPE {}{collate}", render_type(D, &old.ty, schema))));
    }
    match op.nullable {
        Some(true) => out.push(alter("DROP NOT NULL".to_string())),
        Some(false) => out.push(alter("SET NOT NULL".to_string())),
        None => {}
    }
    match &op.server_default {
        Some(SetOrDrop::Set(sql)) => out.push(alter(format!("SET{}", default_clause(D, sql)))),
        Some(SetOrDrop::Drop) => out.push(alter("DROP DEFAULT".to_string())),
        None => {}
    }
    match (&op.identity, &old.identity) {
        (Some(IdentityChange::Set(new)), None) => {
            let when = if new.always { "ALWAYS" } else { "BY DEFAULT" };
            out.push(alter(format!("ADD GENERATED {when} AS IDENTITY{}", new.options_sql())));
            // The new sequence starts past the rows already there (a downgrade that
            // puts an identity back would otherwise hand out their ids again).
            if new.increment.is_none_or(|i| i > 0) {
                let start = new.start.or(new.min_value).unwrap_or(1);
                let table_text = string_literal(D, &table_name(D, table));
                let column_text = string_literal(D, &op.column);
                out.push(format!(
                    "SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({table_text}, {column_text}), \
                     GREATEST(COALESCE(MAX({name}) + 1, {start}), {start}), false) FROM {}",
                    table_name(D, table)
                ));
            }
        }
        (Some(IdentityChange::Set(new)), Some(prior)) if new != prior => {
            out.push(alter(identity_changes(prior, new)));
        }
        (Some(IdentityChange::Drop), Some(_)) => out.push(alter("DROP IDENTITY".to_string())),
        _ => {}
    }
    match &op.comment {
        Some(SetOrDrop::Set(text)) => out.push(column_comment_sql(table, &op.column, Some(text))),
        Some(SetOrDrop::Drop) => out.push(column_comment_sql(table, &op.column, None)),
        None => {}
    }
    if let Some(new_name) = op.new_name.as_ref().filter(|n| **n != op.column) {
        out.push(alter_table(table, &format!("RENAME {name} TO {}", quote_identifier(D, new_name))));
    }
    out
}
