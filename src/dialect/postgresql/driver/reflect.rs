//! PostgreSQL reflection: four bulk `pg_catalog` queries for the whole schema
//! (columns with their tables, constraints, indexes, enum types), whatever the number
//! of tables. Identifier lists come back as JSON arrays so that names with commas,
//! quotes or spaces need no array-literal parsing.

use std::collections::BTreeMap;

use crate::dialect::literal::strip_literal_cast;

use super::objects::OwnedSequence;
use crate::dialect::Dialect;
use crate::reflect::catalog::{Queries, ReflectError, ReflectOptions, cell, literal, merge_schema, required};
use crate::runtime::connection::{Backend, TextRow};
use crate::schema::action::ReferentialAction;
use crate::schema::model::{
    CheckConstraint, ColumnDef, Computed, ForeignKey, ForeignKeyOptions, Identity, Index, ObjectKind,
    PrimaryKey, Schema, Table, UniqueConstraint,
};
use crate::schema::types::SqlType;

/// The neutral type for what `format_type` prints, or `Other` with PostgreSQL's
/// spelling. Enums are handled by the caller (they need their values).
pub(crate) fn pg_type(text: &str) -> SqlType {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let simple = match lower.as_str() {
        "smallint" => Some(SqlType::SmallInt),
        "integer" => Some(SqlType::Integer),
        "bigint" => Some(SqlType::BigInt),
        "boolean" => Some(SqlType::Boolean),
        "character varying" => Some(SqlType::Varchar(None)),
        "text" => Some(SqlType::Text),
        "numeric" => Some(SqlType::Numeric { precision: None, scale: None }),
        "real" => Some(SqlType::Real),
        "double precision" => Some(SqlType::Double),
        "date" => Some(SqlType::Date),
        "time without time zone" => Some(SqlType::Time),
        "timestamp without time zone" => Some(SqlType::Timestamp),
        "timestamp with time zone" => Some(SqlType::TimestampTz),
        "interval" => Some(SqlType::Interval),
        "bytea" => Some(SqlType::Blob),
        "json" => Some(SqlType::Json),
        "uuid" => Some(SqlType::Uuid),
        _ => None,
    };
    if let Some(ty) = simple {
        return ty;
    }
    if let Some(n) = lower.strip_prefix("character varying(").and_then(|r| r.strip_suffix(')'))
        && let Ok(n) = n.trim().parse::<u32>()
    {
        return SqlType::Varchar(Some(n));
    }
    if let Some(args) = lower.strip_prefix("numeric(").and_then(|r| r.strip_suffix(')')) {
        let parts: Vec<Option<u32>> = args.split(',').map(|p| p.trim().parse::<u32>().ok()).collect();
        match parts.as_slice() {
            [Some(p)] => return SqlType::Numeric { precision: Some(*p), scale: None },
            [Some(p), Some(s)] => return SqlType::Numeric { precision: Some(*p), scale: Some(*s) },
            _ => {}
        }
    }
    SqlType::Other(t.to_string())
}

/// A default as PostgreSQL prints it, made to read as written: a literal cast to a
/// type (`'x'::character varying`, `'-1'::integer`) loses the cast, which the column's
/// type implies; a number in quotes on a numeric column loses the quotes; `NULL`
/// (with or without a cast) is no default.
pub(crate) fn clean_default(text: &str, ty: &SqlType) -> Option<String> {
    let t = text.trim();
    let bare = strip_literal_cast(t).unwrap_or(t);
    if bare.eq_ignore_ascii_case("null") {
        return None;
    }
    let numeric = matches!(
        ty,
        SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Numeric { .. }
            | SqlType::Real
            | SqlType::Double
    );
    if numeric
        && let Some(inner) = bare.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))
        && !inner.is_empty()
        && inner.parse::<f64>().is_ok()
        && !inner.contains(['\'', ' '])
    {
        return Some(inner.to_string());
    }
    Some(bare.to_string())
}

/// An identity column's generator from its sequence's options (`[start, increment,
/// min, max, cache, cycle]`), each left out when it is PostgreSQL's default for the
/// column's type.
fn identity(always: bool, options: Option<&str>, ty: &SqlType) -> Result<Identity, ReflectError> {
    let mut out = Identity { always, ..Identity::default() };
    let Some(json) = options else { return Ok(out) };
    let (start, increment, min, max, cache, cycle): (i64, i64, i64, i64, i64, bool) =
        serde_json::from_str(json)
            .map_err(|e| ReflectError::Catalog(format!("identity options {json}: {e}")))?;
    let type_max = match ty {
        SqlType::SmallInt => i64::from(i16::MAX),
        SqlType::Integer => i64::from(i32::MAX),
        _ => i64::MAX,
    };
    let ascending = increment > 0;
    let (default_min, default_max) = if ascending { (1, type_max) } else { (-type_max - 1, -1) };
    let default_start = if ascending { min } else { max };
    out.increment = (increment != 1).then_some(increment);
    out.min_value = (min != default_min).then_some(min);
    out.max_value = (max != default_max).then_some(max);
    out.start = (start != default_start).then_some(start);
    out.cache = (cache != 1).then_some(cache);
    out.cycle = cycle;
    Ok(out)
}

/// `expr` without one pair of parentheses around the whole of it.
fn strip_parens(expr: &str) -> &str {
    let t = expr.trim();
    match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        // Only when the first `(` closes at the end.
        Some(inner) if balanced(inner) => inner.trim(),
        _ => t,
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn json_names(text: Option<&str>) -> Result<Vec<String>, ReflectError> {
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(t).map_err(|e| ReflectError::Catalog(format!("name list {t}: {e}"))),
    }
}

fn action(code: Option<&str>) -> Option<ReferentialAction> {
    match code? {
        "c" => Some(ReferentialAction::Cascade),
        "n" => Some(ReferentialAction::SetNull),
        "d" => Some(ReferentialAction::SetDefault),
        "r" => Some(ReferentialAction::Restrict),
        // `a`, no action: the default.
        _ => None,
    }
}

/// How the catalog queries read what differs between server versions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Server {
    /// `indnullsnotdistinct` of `pg_index i` (PostgreSQL 15 on), else `false`.
    nulls_not_distinct: &'static str,
}

impl Server {
    /// For the server behind `q` (one `SHOW`, not a catalog query).
    async fn of<B: Backend>(q: &mut Queries<'_, B>) -> Result<Server, ReflectError> {
        let version: u32 = q.setting("server_version_num").await?.parse().unwrap_or(0);
        Ok(Server { nulls_not_distinct: if version >= 150_000 { "i.indnullsnotdistinct" } else { "false" } })
    }
}

pub(crate) async fn reflect<B: Backend>(
    q: &mut Queries<'_, B>,
    opts: &ReflectOptions,
    server: Server,
) -> Result<Schema, ReflectError> {
    let ns = match &opts.schema {
        Some(s) => literal(Dialect::Postgresql, s),
        None => "current_schema()".to_string(),
    };
    let enums = enum_types(q).await?;
    let mut tables = columns(q, &ns, opts, &enums).await?;
    constraints(q, &ns, server, &mut tables).await?;
    indexes(q, &ns, server, &mut tables).await?;

    let (objects, owned) = super::objects::objects(q, &ns, opts.schema.as_deref()).await?;

    let filter = opts.filter();
    let mut schema = Schema::new();
    schema.objects = objects;
    for (name, mut table) in tables {
        if !filter.includes(opts.schema.as_deref(), &name) {
            continue;
        }
        mark_autoincrement(&mut table, &owned);
        schema
            .insert_table(table)
            .map_err(|t| ReflectError::Catalog(format!("table {} listed twice", t.name)))?;
    }
    // A serial column's sequence is part of the column (`SERIAL` makes it again).
    let serial = |o: &OwnedSequence| {
        schema.table(opts.schema.as_deref(), &o.table).and_then(|t| t.column(&o.column)).is_some_and(|c| {
            c.autoincrement == Some(true) && c.server_default.is_none() && c.identity.is_none()
        })
    };
    let generators: Vec<&str> = owned.iter().filter(|o| serial(o)).map(|o| o.sequence.as_str()).collect();
    schema.objects.retain(|o| {
        !(matches!(o.kind, ObjectKind::Sequence | ObjectKind::SequenceOwnership)
            && generators.contains(&o.name.as_str()))
    });
    // Triggers of tables left out are left out too.
    let names: std::collections::BTreeSet<String> = schema.tables.iter().map(|t| t.name.clone()).collect();
    schema.objects.retain(|o| o.table.as_ref().is_none_or(|t| names.contains(t)));
    Ok(schema)
}

/// Reads the schema `opts` names, or with `include_schemas` every schema but the
/// system ones.
pub(crate) async fn reflect_database<B: Backend>(
    q: &mut Queries<'_, B>,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    // The column query of a large schema costs more than `jit_above_cost`, and
    // compiling it takes longer than it saves (50 ms of 900 at 5,000 tables).
    q.session("SET jit = off").await?;
    let server = Server::of(q).await?;
    let schema = if opts.include_schemas && opts.schema.is_none() {
        reflect_all_schemas(q, opts, server).await
    } else {
        reflect(q, opts, server).await
    };
    // Back to the session's own setting (its connection options included).
    let reset = q.session("RESET jit").await;
    let schema = schema?;
    reset?;
    Ok(schema)
}

/// [`reflect`] of the default schema and of every other schema of the database, each
/// of those also a `CREATE SCHEMA` object (made before anything in it).
async fn reflect_all_schemas<B: Backend>(
    q: &mut Queries<'_, B>,
    opts: &ReflectOptions,
    server: Server,
) -> Result<Schema, ReflectError> {
    let rows = q
        .rows(
            "SELECT n.nspname FROM pg_catalog.pg_namespace n \
             WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
             AND n.nspname <> current_schema() \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.objid = n.oid \
                 AND e.classid = 'pg_catalog.pg_namespace'::regclass AND e.deptype = 'e') \
             ORDER BY n.oid",
        )
        .await?;
    let mut all = reflect(q, opts, server).await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let one = reflect(q, &ReflectOptions { schema: Some(name.clone()), ..opts.clone() }, server).await?;
        let sql =
            format!("CREATE SCHEMA {}", crate::dialect::quote::quote_identifier(Dialect::Postgresql, &name));
        let create = crate::schema::model::SchemaObject {
            kind: ObjectKind::Schema,
            schema: None,
            name,
            table: None,
            sql,
        };
        merge_schema(&mut all, one, Some(create))?;
    }
    Ok(all)
}

/// (schema, type name) -> values, in order.
type Enums = BTreeMap<(String, String), Vec<String>>;

async fn enum_types<B: Backend>(q: &mut Queries<'_, B>) -> Result<Enums, ReflectError> {
    let rows = q
        .rows(
            "SELECT n.nspname, t.typname, e.enumlabel FROM pg_catalog.pg_enum e \
             JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             ORDER BY n.nspname, t.typname, e.enumsortorder",
        )
        .await?;
    let mut out = Enums::new();
    for row in &rows {
        out.entry((required(row, 0)?.to_string(), required(row, 1)?.to_string()))
            .or_default()
            .push(required(row, 2)?.to_string());
    }
    Ok(out)
}

async fn columns<B: Backend>(
    q: &mut Queries<'_, B>,
    ns: &str,
    opts: &ReflectOptions,
    enums: &Enums,
) -> Result<BTreeMap<String, Table>, ReflectError> {
    let rows = q
        .rows(&format!(
            "SELECT c.relname, tdesc.description, a.attname, \
             pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, \
             cdesc.description, t.typtype, t.typname, tn.nspname, n.nspname, \
             a.attgenerated, \
             (SELECT json_build_array(s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle) \
              FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid \
              WHERE a.attidentity <> '' AND dep.classid = 'pg_catalog.pg_class'::regclass \
              AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'), \
             (SELECT co.collname FROM pg_catalog.pg_collation co \
              WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation), \
             CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, a.attnum \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_catalog.pg_description tdesc ON tdesc.objoid = c.oid \
                 AND tdesc.classoid = 'pg_catalog.pg_class'::regclass AND tdesc.objsubid = 0 \
             LEFT JOIN pg_catalog.pg_description cdesc ON cdesc.objoid = c.oid \
                 AND cdesc.classoid = 'pg_catalog.pg_class'::regclass AND cdesc.objsubid = a.attnum \
             LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = {ns}"
        ))
        .await?;
    // Put in (table, column position) order here: the server's sort of a large
    // schema's rows spills to disk past `work_mem`, and the descriptions are joined
    // rather than looked up per row (`col_description` is a query of its own).
    let mut rows = rows;
    fn key(row: &TextRow) -> (Option<&str>, i64) {
        let position = cell(row, 16).ok().flatten().and_then(|n| n.parse().ok()).unwrap_or(0);
        (cell(row, 0).ok().flatten(), position)
    }
    rows.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in &rows {
        let name = required(row, 0)?;
        let table = tables.entry(name.to_string()).or_insert_with(|| {
            let mut t = Table::new(opts.schema.clone(), name);
            t.comment = cell(row, 1).ok().flatten().map(str::to_string);
            t.partition_by = cell(row, 15).ok().flatten().map(str::to_string);
            t
        });
        let Some(column) = cell(row, 2)? else { continue };
        let formatted = required(row, 3)?;
        let same_schema = cell(row, 10)? == cell(row, 11)?;
        let ty = match (cell(row, 8)?, cell(row, 9)?, cell(row, 10)?) {
            (Some("e"), Some(type_name), Some(type_ns)) if same_schema => {
                match enums.get(&(type_ns.to_string(), type_name.to_string())) {
                    Some(values) => SqlType::Enum { name: type_name.to_string(), values: values.clone() },
                    None => SqlType::Other(formatted.to_string()),
                }
            }
            _ => pg_type(formatted),
        };
        let identity = match cell(row, 6)? {
            Some(kind @ ("a" | "d")) => Some(identity(kind == "a", cell(row, 13)?, &ty)?),
            _ => None,
        };
        let generated = cell(row, 12)?.is_some_and(|g| g == "s");
        let expression = cell(row, 5)?;
        let (server_default, computed) = if generated {
            (None, expression.map(|e| Computed { sql: strip_parens(e).to_string(), stored: true }))
        } else {
            (expression.and_then(|d| clean_default(d, &ty)), None)
        };
        table.columns.push(ColumnDef {
            name: column.to_string(),
            nullable: required(row, 4)? != "t",
            server_default,
            // Serial columns are found once the primary key is known (see
            // `mark_autoincrement`); identity columns say so themselves.
            autoincrement: None,
            comment: cell(row, 7)?.map(str::to_string),
            identity,
            computed,
            collation: cell(row, 14)?.map(str::to_string),
            ty,
        });
    }
    Ok(tables)
}

/// A single-column integer primary key is `autoincrement = true` when it is serial
/// (its default is `nextval(…)` of a sequence it owns, dropped here: it is how PostgreSQL does
/// auto-increment, not a default anyone wrote) or identity, else `false`, so that the
/// model renders it back the same way.
fn mark_autoincrement(table: &mut Table, owned: &[OwnedSequence]) {
    let Some(pk) = &table.primary_key else { return };
    let [only] = pk.columns.as_slice() else { return };
    let only = only.clone();
    // Serial is a sequence the column owns; a default reading another sequence is a
    // default (the sequence is an object of its own).
    let owns_sequence = owned.iter().any(|o| o.table == table.name && o.column == only);
    let Some(column) = table.column_mut(&only) else { return };
    if !matches!(column.ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
        || column.identity.is_some()
    {
        return;
    }
    let serial = owns_sequence && column.server_default.as_deref().is_some_and(|d| d.starts_with("nextval("));
    if serial {
        column.server_default = None;
        column.autoincrement = Some(true);
    } else if column.autoincrement.is_none() && column.server_default.is_none() {
        column.autoincrement = Some(false);
    }
}

async fn constraints<B: Backend>(
    q: &mut Queries<'_, B>,
    ns: &str,
    server: Server,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), ReflectError> {
    let names = |array: &str, rel: &str| {
        format!(
            "(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.{array}) WITH ORDINALITY AS k(num, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.{rel} AND a.attnum = k.num)"
        )
    };
    let rows = q
        .rows(&format!(
            "SELECT c.relname, con.conname, con.contype, {}, rn.nspname, rc.relname, {}, \
             con.confdeltype, con.confupdtype, \
             CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid, true) END, n.nspname, \
             con.condeferrable, con.condeferred, con.confmatchtype, con.convalidated, \
             COALESCE((SELECT {nnd} FROM pg_catalog.pg_index i \
                 WHERE i.indexrelid = con.conindid AND con.contype = 'u'), false) \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
             LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname = {ns} AND con.contype IN ('p', 'u', 'f', 'c') \
             ORDER BY c.relname, con.conname",
            names("conkey", "conrelid"),
            names("confkey", "confrelid"),
            nnd = server.nulls_not_distinct,
        ))
        .await?;
    for row in &rows {
        let Some(table) = tables.get_mut(required(row, 0)?) else { continue };
        let name = Some(required(row, 1)?.to_string());
        let columns = json_names(cell(row, 3)?)?;
        match required(row, 2)? {
            "p" => table.primary_key = Some(PrimaryKey { name, columns }),
            "u" => table.uniques.push(UniqueConstraint {
                name,
                columns,
                nulls_not_distinct: required(row, 15)? == "t",
            }),
            "f" => {
                let ref_ns = cell(row, 4)?;
                table.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_schema: ref_ns
                        .filter(|r| Some(*r) != cell(row, 10).ok().flatten())
                        .map(str::to_string),
                    ref_table: required(row, 5)?.to_string(),
                    ref_columns: json_names(cell(row, 6)?)?,
                    on_delete: action(cell(row, 7)?),
                    on_update: action(cell(row, 8)?),
                    options: ForeignKeyOptions {
                        deferrable: required(row, 11)? == "t",
                        initially_deferred: required(row, 12)? == "t",
                        match_full: required(row, 13)? == "f",
                        not_valid: required(row, 14)? == "f",
                    },
                })
            }
            _ => {
                let def = required(row, 9)?;
                table.checks.push(CheckConstraint { name, sql: check_condition(def) });
            }
        }
    }
    Ok(())
}

/// The condition of `CHECK (cond) [NOT VALID]`, without the outer parentheses.
pub(crate) fn check_condition(def: &str) -> String {
    let t = def.trim();
    let t = t.strip_suffix("NOT VALID").map(str::trim_end).unwrap_or(t);
    let t = t.strip_prefix("CHECK").map(str::trim_start).unwrap_or(t);
    match t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => inner.trim().to_string(),
        None => t.to_string(),
    }
}

async fn indexes<B: Backend>(
    q: &mut Queries<'_, B>,
    ns: &str,
    server: Server,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), ReflectError> {
    // Indexes that implement a primary key, unique or exclusion constraint are the
    // constraint's, not separate indexes. pg_get_indexdef(…, k, …) gives an entry's
    // column or expression only: its operator class (named when not the type's
    // default), DESC (indoption bit 1) and NULLS FIRST (bit 2) come from the catalog,
    // and entries past indnkeyatts are INCLUDE columns. Each entry's column name and
    // operator class are looked up by key (a join per index scanned whole tables).
    let nnd = server.nulls_not_distinct;
    let rows = q
        .rows(&format!(
            "SELECT c.relname, ic.relname, i.indisunique, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), \
             am.amname, {nnd}, \
             (SELECT json_agg(json_build_array( \
                 CASE WHEN k.num = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true) \
                      ELSE (SELECT a.attname FROM pg_catalog.pg_attribute a \
                            WHERE a.attrelid = i.indrelid AND a.attnum = k.num) END, \
                 k.ord <= i.indnkeyatts, \
                 COALESCE((i.indoption::int2[])[k.ord - 1] & 1 = 1, false), \
                 COALESCE((i.indoption::int2[])[k.ord - 1] & 2 = 2, false), \
                 CASE WHEN k.ord <= i.indnkeyatts THEN ( \
                     SELECT CASE WHEN opc.opcdefault THEN NULL WHEN opn.nspname = 'pg_catalog' THEN opc.opcname \
                            ELSE pg_catalog.quote_ident(opn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname) END \
                     FROM pg_catalog.pg_opclass opc JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace \
                     WHERE opc.oid = (i.indclass::oid[])[k.ord - 1]) END \
                 ) ORDER BY k.ord) \
              FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(num, ord)) \
             FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
             JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_catalog.pg_am am ON am.oid = ic.relam \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname = {ns} \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid \
                 AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) \
             ORDER BY c.relname, ic.relname"
        ))
        .await?;
    for row in &rows {
        let Some(table) = tables.get_mut(required(row, 0)?) else { continue };
        type Entry = (String, bool, bool, bool, Option<String>);
        let entries: Vec<Entry> = match cell(row, 6)? {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| ReflectError::Catalog(format!("index entries {json}: {e}")))?,
            None => Vec::new(),
        };
        let mut columns = Vec::new();
        let mut include = Vec::new();
        for (text, key, desc, nulls_first, opclass) in entries {
            if !key {
                include.push(text);
                continue;
            }
            let mut entry = text;
            if let Some(class) = opclass {
                entry = format!("{entry} {class}");
            }
            // Only what differs from the defaults (ASC NULLS LAST, DESC NULLS FIRST).
            match (desc, nulls_first) {
                (true, true) => entry.push_str(" DESC"),
                (true, false) => entry.push_str(" DESC NULLS LAST"),
                (false, true) => entry.push_str(" NULLS FIRST"),
                (false, false) => {}
            }
            columns.push(entry);
        }
        let method = required(row, 4)?;
        table.indexes.push(Index {
            name: required(row, 1)?.to_string(),
            columns,
            unique: required(row, 2)? == "t",
            where_: cell(row, 3)?.map(str::to_string),
            using: (method != "btree").then(|| method.to_string()),
            include,
            nulls_not_distinct: required(row, 5)? == "t",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(pg_type("character varying(50)"), SqlType::Varchar(Some(50)));
        assert_eq!(pg_type("numeric(10,2)"), SqlType::Numeric { precision: Some(10), scale: Some(2) });
        assert_eq!(pg_type("timestamp without time zone"), SqlType::Timestamp);
        assert_eq!(pg_type("character(3)"), SqlType::Other("character(3)".into()));
        assert_eq!(pg_type("integer[]"), SqlType::Other("integer[]".into()));
    }

    #[test]
    fn defaults() {
        assert_eq!(clean_default("'x'::character varying", &SqlType::Text).as_deref(), Some("'x'"));
        assert_eq!(clean_default("'-1'::integer", &SqlType::Integer).as_deref(), Some("-1"));
        assert_eq!(clean_default("NULL::text", &SqlType::Text), None);
        assert_eq!(clean_default("'a''b'::text", &SqlType::Text).as_deref(), Some("'a''b'"));
        assert_eq!(clean_default("now()", &SqlType::Timestamp).as_deref(), Some("now()"));
        assert_eq!(
            clean_default("('x'::text || 'y'::text)", &SqlType::Text).as_deref(),
            Some("('x'::text || 'y'::text)")
        );
        assert_eq!(check_condition("CHECK (l > 0::numeric)"), "l > 0::numeric");
    }
}
