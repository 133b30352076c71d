//! DDL pieces both dialects share: column specifications, constraint clauses,
//! `CREATE TABLE` and `CREATE INDEX`, in SQLAlchemy's layout (one column or
//! constraint per line, tab-indented; no trailing space after the commas).

use super::Dialect;
use super::imp::Autoincrement;
use super::quote::{identifier_list, qualified_name, quote_identifier};
use super::sqltype::render_type;
use crate::ops::Op;
use crate::ops::apply::is_plain_identifier;
use crate::schema::index_entry::IndexEntry;
use crate::schema::model::{CheckConstraint, ColumnDef, ForeignKey, Index, Table, UniqueConstraint};
use crate::schema::types::SqlType;

/// The table's name, schema-qualified.
pub(crate) fn table_name(dialect: Dialect, table: &Table) -> String {
    qualified_name(dialect, table.schema.as_deref(), &table.name)
}

/// ` DEFAULT …` for a server default as written (SQLite wraps an expression in
/// parentheses: see [`is_expression_default`]).
pub(crate) fn default_clause(dialect: Dialect, default: &str) -> String {
    dialect.imp().default_clause(default)
}

/// Whether a server default is an expression that needs parentheses where only
/// literals may go bare: not starting with a quote or parenthesis, and containing a
/// non-word character (SQLAlchemy's test).
pub(crate) fn is_expression_default(default: &str) -> bool {
    let trimmed = default.trim();
    let starts_quoted = trimmed.starts_with(['\'', '"', '(']);
    let has_non_word = trimmed.chars().any(|c| !(c.is_alphanumeric() || c == '_'));
    !starts_quoted && has_non_word
}

/// `name TYPE [DEFAULT …] [NOT NULL]`; the table's autoincrement column is declared as
/// the dialect says ([`Autoincrement`]: PostgreSQL's `SERIAL`, MySQL's
/// `AUTO_INCREMENT`); without a native enum type an enum gets its CHECK.
pub(crate) fn column_spec(dialect: Dialect, table: &Table, column: &ColumnDef) -> String {
    let imp = dialect.imp();
    let name = quote_identifier(dialect, &column.name);
    // A named primary key comes after the table (`create_primary_key`), so an integer
    // column marked `autoincrement = true` is SERIAL even before its key exists.
    let explicit = column.autoincrement == Some(true)
        && table.primary_key.is_none()
        && column.server_default.is_none()
        && matches!(column.ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt);
    let generated = column.identity.is_some() || column.computed.is_some();
    let auto = (!generated
        && (explicit || table.autoincrement_column().is_some_and(|c| c.name == column.name)))
    .then(|| imp.autoincrement(&column.ty));
    let ty = match auto {
        Some(Autoincrement::Type(serial)) => serial.to_string(),
        _ => render_type(dialect, &column.ty, table.schema.as_deref()),
    };
    let mut spec = format!("{name} {ty}");
    if let Some(collation) = &column.collation {
        spec.push_str(&format!(" COLLATE {}", quote_identifier(dialect, collation)));
    }
    let identity = column.identity.as_ref().and_then(|i| imp.identity_clause(i));
    match (&column.computed, identity) {
        (Some(computed), _) => {
            let kind = imp.computed_kind(computed.stored);
            spec.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", computed.sql));
        }
        // A dialect without identity columns leaves `Identity` out, as SQLAlchemy does.
        (None, Some(identity)) => spec.push_str(&identity),
        _ => {
            if let Some(default) = &column.server_default {
                spec.push_str(&default_clause(dialect, default));
            }
        }
    }
    if !column.nullable {
        spec.push_str(" NOT NULL");
    }
    if let Some(Autoincrement::Clause(clause)) = auto {
        spec.push(' ');
        spec.push_str(clause);
    }
    if let Some(comment) = column.comment.as_deref().filter(|_| imp.inline_comments()) {
        spec.push_str(&format!(" COMMENT {}", imp.string_literal(comment)));
    }
    if let (true, SqlType::Enum { values, .. }) = (imp.enum_check(), &column.ty) {
        spec.push_str(&format!(" CHECK ({name} IN ({}))", value_list(dialect, values)));
    }
    spec
}

/// `'a', 'b'`.
pub(crate) fn value_list(dialect: Dialect, values: &[String]) -> String {
    values.iter().map(|v| super::literal::string_literal(dialect, v)).collect::<Vec<_>>().join(", ")
}

fn named(dialect: Dialect, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("CONSTRAINT {} ", quote_identifier(dialect, n)),
        None => String::new(),
    }
}

/// `[CONSTRAINT n] PRIMARY KEY (a, b)`.
pub(crate) fn primary_key_clause(dialect: Dialect, name: Option<&str>, columns: &[String]) -> String {
    format!("{}PRIMARY KEY ({})", named(dialect, name), identifier_list(dialect, columns))
}

/// `[CONSTRAINT n] UNIQUE (a, b)`.
pub(crate) fn unique_clause(dialect: Dialect, unique: &UniqueConstraint) -> String {
    format!(
        "{}UNIQUE {}({})",
        named(dialect, unique.name.as_deref()),
        if unique.nulls_not_distinct { "NULLS NOT DISTINCT " } else { "" },
        identifier_list(dialect, &unique.columns)
    )
}

/// `[CONSTRAINT n] CHECK (sql)`.
pub(crate) fn check_clause(dialect: Dialect, check: &CheckConstraint) -> String {
    format!("{}CHECK ({})", named(dialect, check.name.as_deref()), check.sql)
}

/// `[CONSTRAINT n] FOREIGN KEY(a) REFERENCES t (b) [ON DELETE …] [ON UPDATE …]` for a
/// key of a table in `schema`. A reference without a schema is into the table's own
/// schema, which is named when it is not the default one. Where keys cannot cross
/// schemas (SQLite: only into the same database) references are never qualified.
pub(crate) fn foreign_key_clause(dialect: Dialect, schema: Option<&str>, fk: &ForeignKey) -> String {
    let ref_schema =
        if dialect.imp().cross_schema_references() { fk.ref_schema.as_deref().or(schema) } else { None };
    let mut clause = format!(
        "{}FOREIGN KEY({}) REFERENCES {} ({})",
        named(dialect, fk.name.as_deref()),
        identifier_list(dialect, &fk.columns),
        qualified_name(dialect, ref_schema, &fk.ref_table),
        identifier_list(dialect, &fk.ref_columns)
    );
    clause.push_str(fk.options.match_sql());
    if let Some(action) = fk.on_delete {
        clause.push_str(&format!(" ON DELETE {action}"));
    }
    if let Some(action) = fk.on_update {
        clause.push_str(&format!(" ON UPDATE {action}"));
    }
    clause.push_str(&fk.options.attributes_sql());
    clause
}

/// `CREATE TABLE name (…)` for `table`, under `name` (the table's own, or a rebuild's
/// temporary name). Indexes and comments are separate statements.
pub(crate) fn create_table_sql(dialect: Dialect, table: &Table, name: &str) -> String {
    // SQLite's AUTOINCREMENT can only follow an inline `PRIMARY KEY` on the rowid
    // alias (as SQLAlchemy writes it for `sqlite_autoincrement=True`).
    let inline_key = dialect
        .imp()
        .inline_primary_key(table)
        .and_then(|clause| table.autoincrement_column().map(|c| (c.name.clone(), clause)));
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let spec = column_spec(dialect, table, c);
            match &inline_key {
                Some((key, clause)) if *key == c.name => format!("{spec} {clause}"),
                _ => spec,
            }
        })
        .collect();
    if let Some(pk) = table.primary_key.as_ref().filter(|_| inline_key.is_none()) {
        lines.push(primary_key_clause(dialect, pk.name.as_deref(), &pk.columns));
    }
    lines.extend(table.uniques.iter().map(|u| unique_clause(dialect, u)));
    lines.extend(table.foreign_keys.iter().map(|f| foreign_key_clause(dialect, table.schema.as_deref(), f)));
    lines.extend(table.checks.iter().map(|c| check_clause(dialect, c)));
    let mut options = match table.comment.as_deref().filter(|_| dialect.imp().inline_comments()) {
        Some(comment) => format!("COMMENT={}", dialect.imp().string_literal(comment)),
        None => String::new(),
    };
    options.push_str(&dialect.imp().table_options(table));
    format!(
        "CREATE TABLE {} (\n\t{}\n){options}",
        qualified_name(dialect, table.schema.as_deref(), name),
        lines.join(",\n\t")
    )
}

/// One entry of an index: its column (quoted as needed) or its expression kept as
/// written, parenthesised unless it already is or is a function call (PostgreSQL
/// requires the parentheses for other expressions); then the operator class, order
/// and nulls order as written.
fn index_element(dialect: Dialect, table: &Table, entry: &str) -> String {
    let entry = IndexEntry::parse(entry, |c| table.column(c).is_some());
    let text = entry.target;
    let target = if entry.is_column {
        quote_identifier(dialect, text)
    } else {
        let call = text
            .split_once('(')
            .is_some_and(|(head, _)| is_plain_identifier(head.trim()) && text.ends_with(')'));
        if call || (text.starts_with('(') && text.ends_with(')')) {
            text.to_string()
        } else {
            format!("({text})")
        }
    };
    format!("{target}{}", entry.modifiers_sql())
}

/// `CREATE [UNIQUE] INDEX name ON table [USING method] (…) [INCLUDE (…)]
/// [NULLS NOT DISTINCT] [WHERE …]`. The schema goes on the table (the index goes
/// beside it), or on the index name where the dialect says so (SQLite, which forbids
/// it on the table). A dialect without methods, `INCLUDE` or `NULLS NOT DISTINCT`
/// never gets here with them: `refusal` refuses the op first.
pub(crate) fn create_index_sql(dialect: Dialect, table: &Table, index: &Index) -> String {
    let (index_name, on) = if dialect.imp().index_name_takes_schema() {
        (
            qualified_name(dialect, table.schema.as_deref(), &index.name),
            quote_identifier(dialect, &table.name),
        )
    } else {
        (quote_identifier(dialect, &index.name), table_name(dialect, table))
    };
    let elements: Vec<String> = index.columns.iter().map(|e| index_element(dialect, table, e)).collect();
    let using = match &index.using {
        Some(method) => format!(" USING {method}"),
        None => String::new(),
    };
    let mut sql = format!(
        "CREATE {}INDEX {index_name} ON {on}{using} ({})",
        if index.unique { "UNIQUE " } else { "" },
        elements.join(", ")
    );
    if !index.include.is_empty() {
        let include: Vec<String> = index.include.iter().map(|c| quote_identifier(dialect, c)).collect();
        sql.push_str(&format!(" INCLUDE ({})", include.join(", ")));
    }
    if index.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(condition) = &index.where_ {
        sql.push_str(&format!(" WHERE {condition}"));
    }
    sql
}

/// The statement prefixes `IF [NOT] EXISTS` goes into, per guarded op.
fn guard_prefixes(op: &Op) -> &'static [(&'static str, &'static str)] {
    match op {
        Op::CreateTable(o) if o.if_not_exists => &[("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ")],
        Op::DropTable(o) if o.if_exists => &[("DROP TABLE ", "DROP TABLE IF EXISTS ")],
        Op::CreateIndex(o) if o.if_not_exists => &[
            ("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "),
            ("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS "),
        ],
        Op::DropIndex(o) if o.if_exists => &[("DROP INDEX ", "DROP INDEX IF EXISTS ")],
        _ => &[],
    }
}

/// Puts `IF [NOT] EXISTS` into the statement of `statements` that makes or drops
/// what `op` guards (the first `CREATE TABLE …` of a `create_table`, say). The
/// other statements need no guard: the model says the object is (not) there, so
/// what comes with it (its indexes, its enum types) is new too.
pub(crate) fn add_guard(op: &Op, statements: &mut [String]) {
    for (from, to) in guard_prefixes(op) {
        if let Some(sql) = statements.iter_mut().find(|s| s.starts_with(from)) {
            sql.replace_range(..from.len(), to);
            return;
        }
    }
}

/// The statement of an op that [`Op::skips`] on `before`: the guarded statement
/// alone, which the database runs as a no-op (and which does the right thing if
/// the model was wrong, offline).
pub(crate) fn skipped_guarded_sql(
    dialect: Dialect,
    op: &Op,
    before: &crate::schema::model::Schema,
) -> Vec<String> {
    let mut out = match op {
        Op::CreateTable(o) => match before.table(o.schema.as_deref(), &o.table) {
            Some(t) => vec![create_table_sql(dialect, t, &t.name)],
            None => Vec::new(),
        },
        Op::DropTable(o) => {
            vec![format!("DROP TABLE {}", qualified_name(dialect, o.schema.as_deref(), &o.table))]
        }
        Op::CreateIndex(o) => {
            let placeholder;
            let table = match before.table(o.schema.as_deref(), &o.table) {
                Some(t) => t,
                None => {
                    placeholder = Table::new(o.schema.clone(), &o.table);
                    &placeholder
                }
            };
            vec![create_index_sql(dialect, table, &o.to_index())]
        }
        Op::DropIndex(o) => vec![drop_index_sql(dialect, o.schema.as_deref(), &o.name)],
        _ => Vec::new(),
    };
    add_guard(op, &mut out);
    out
}

/// `DROP INDEX [schema.]name` (both dialects qualify the index name).
pub(crate) fn drop_index_sql(dialect: Dialect, schema: Option<&str>, name: &str) -> String {
    format!("DROP INDEX {}", qualified_name(dialect, schema, name))
}

/// `DROP …` of the object `op` names: `DROP VIEW v`, `DROP FUNCTION f(integer)`,
/// `DROP TRIGGER t` (PostgreSQL's `DROP TRIGGER t ON tbl` is its own).
pub(crate) fn drop_object_sql(dialect: Dialect, op: &crate::ops::DropObject) -> String {
    use crate::schema::model::ObjectKind;
    let schema = op.schema.as_deref();
    let qualified = qualified_name(dialect, schema, &op.name);
    match op.kind {
        ObjectKind::Schema => format!("DROP SCHEMA {}", quote_identifier(dialect, &op.name)),
        ObjectKind::Extension => format!("DROP EXTENSION {}", quote_identifier(dialect, &op.name)),
        ObjectKind::Domain => format!("DROP DOMAIN {qualified}"),
        ObjectKind::Sequence => format!("DROP SEQUENCE {qualified}"),
        ObjectKind::SequenceOwnership => format!("ALTER SEQUENCE {qualified} OWNED BY NONE"),
        // The name is SQL already: the function's name with its argument types.
        ObjectKind::Function | ObjectKind::Aggregate => {
            let what = if op.kind == ObjectKind::Function { "FUNCTION" } else { "AGGREGATE" };
            match schema {
                Some(s) => format!("DROP {what} {}.{}", quote_identifier(dialect, s), op.name),
                None => format!("DROP {what} {}", op.name),
            }
        }
        ObjectKind::View => format!("DROP VIEW {qualified}"),
        ObjectKind::MaterializedView => format!("DROP MATERIALIZED VIEW {qualified}"),
        ObjectKind::Trigger => format!("DROP TRIGGER {qualified}"),
        ObjectKind::Partition => format!("DROP TABLE {qualified}"),
        ObjectKind::Constraint => match &op.table {
            Some(table) => format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                qualified_name(dialect, schema, table),
                quote_identifier(dialect, &op.name)
            ),
            None => format!("ALTER TABLE DROP CONSTRAINT {}", quote_identifier(dialect, &op.name)),
        },
        ObjectKind::Index => match &op.table {
            Some(table) => format!(
                "DROP INDEX {} ON {}",
                quote_identifier(dialect, &op.name),
                qualified_name(dialect, schema, table)
            ),
            None => format!("DROP INDEX {qualified}"),
        },
    }
}
