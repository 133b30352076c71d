//! SQLite reflection: `sqlite_master` joined with the table-valued pragma functions,
//! five queries for the whole database (SQLite runs in process, but one query per
//! object kind keeps it simple and fast). Constraint names, check constraints and
//! index expressions come from the stored SQL (see `table_ddl`).

use std::collections::BTreeMap;

use super::table_ddl::{TableDdl, parse_create_index, parse_create_table};
use crate::dialect::Dialect;
use crate::dialect::quote::quote_identifier;
use crate::dialect::sqltype::render_type;
use crate::reflect::catalog::{Queries, ReflectError, ReflectOptions, cell, literal, merge_schema, required};
use crate::runtime::connection::Backend;
use crate::schema::action::ReferentialAction;
use crate::schema::model::{
    CheckConstraint, ColumnDef, Computed, ForeignKey, Index, ObjectKind, PrimaryKey, Schema, SchemaObject,
    Table, UniqueConstraint,
};
use crate::schema::types::SqlType;

/// The type of a column as SQLite declares it: the neutral type when the renderer
/// writes that type back exactly so (`INTEGER`, `VARCHAR(50)`, and `DATETIME`, which
/// is how `timestamp` is written), else the declared text itself, so a table rebuilt
/// or recreated from the model keeps the type its author wrote (`TIMESTAMP` stays
/// `TIMESTAMP`, `int` stays `int`, `NUMERIC(10,2)` keeps its spelling). Autogenerate
/// compares types by their normalised spelling, so either form compares equal to
/// the neutral type it spells.
pub(crate) fn sqlite_type(declared: &str) -> SqlType {
    let text = declared.trim();
    let neutral = match text.to_ascii_uppercase().as_str() {
        "DATETIME" => Some(SqlType::Timestamp),
        "DOUBLE" => Some(SqlType::Double),
        _ => SqlType::parse_neutral(text).ok(),
    };
    match neutral {
        Some(ty) if render_type(Dialect::Sqlite, &ty, None) == text => ty,
        _ => SqlType::Other(text.to_string()),
    }
}

/// Reads the database `opts` names (`main` by default), or with `include_schemas`
/// also every attached database: SQLite's schemas.
pub(crate) async fn reflect_database<B: Backend>(
    q: &mut Queries<'_, B>,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    if !(opts.include_schemas && opts.schema.is_none()) {
        return reflect(q, opts).await;
    }
    let attached = q.rows("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')").await?;
    let mut all = reflect(q, opts).await?;
    for row in &attached {
        let one = ReflectOptions { schema: Some(required(row, 0)?.to_string()), ..opts.clone() };
        let one = reflect(q, &one).await?;
        merge_schema(&mut all, one, None)?;
    }
    Ok(all)
}

/// A referential action as the pragma spells it; `NO ACTION` is the default (`None`).
fn action(text: Option<&str>) -> Option<ReferentialAction> {
    text.and_then(ReferentialAction::parse).filter(|a| *a != ReferentialAction::NoAction)
}

struct RawTable {
    ddl: TableDdl,
    table: Table,
    /// Primary key columns with their position in the key.
    pk: Vec<(u32, String)>,
    /// Declared types, for the rowid-alias test.
    declared: BTreeMap<String, String>,
}

/// Reads one database: `main`, or the attached one `opts.schema` names.
pub(crate) async fn reflect<B: Backend>(
    q: &mut Queries<'_, B>,
    opts: &ReflectOptions,
) -> Result<Schema, ReflectError> {
    let db = opts.schema.as_deref().unwrap_or("main");
    let master = format!("{}.sqlite_master", quote_identifier(Dialect::Sqlite, db));
    let lit = literal(Dialect::Sqlite, db);
    let tables_where = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

    let column_rows = q
        .rows(&format!(
            "SELECT m.name, m.sql, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
             FROM {master} AS m JOIN pragma_table_xinfo(m.name, {lit}) AS p \
             WHERE {tables_where} ORDER BY m.name, p.cid"
        ))
        .await?;
    let mut raw: BTreeMap<String, RawTable> = BTreeMap::new();
    for row in &column_rows {
        let name = required(row, 0)?;
        let entry = raw.entry(name.to_string()).or_insert_with(|| RawTable {
            ddl: parse_create_table(cell(row, 1).ok().flatten().unwrap_or("")),
            table: Table::new(opts.schema.clone(), name),
            pk: Vec::new(),
            declared: BTreeMap::new(),
        });
        // Hidden columns of virtual tables are not part of the table's shape.
        if cell(row, 8)? == Some("1") {
            continue;
        }
        let column = required(row, 3)?.to_string();
        let declared = cell(row, 4)?.unwrap_or("").to_string();
        // As declared: `DEFAULT NULL` too, which is the table's text and what SQLite's
        // own tools (and Alembic) compare.
        let default = cell(row, 6)?.map(str::to_string);
        let pk_pos: u32 = required(row, 7)?.parse().unwrap_or(0);
        if pk_pos > 0 {
            entry.pk.push((pk_pos, column.clone()));
        }
        entry.table.columns.push(ColumnDef {
            name: column.clone(),
            ty: sqlite_type(&declared),
            // The model makes primary key columns NOT NULL, as both renderers do.
            nullable: required(row, 5)? == "0" && pk_pos == 0,
            server_default: default,
            autoincrement: None,
            comment: None,
            identity: None,
            computed: entry
                .ddl
                .generated
                .iter()
                .find(|(c, _, _)| *c == column)
                .map(|(_, sql, stored)| Computed { sql: sql.trim().to_string(), stored: *stored }),
            collation: entry.ddl.collations.iter().find(|(c, _)| *c == column).map(|(_, name)| name.clone()),
        });
        entry.declared.insert(column, declared);
    }
    for entry in raw.values_mut() {
        entry.pk.sort();
        let columns: Vec<String> = entry.pk.iter().map(|(_, c)| c.clone()).collect();
        if let [only] = columns.as_slice() {
            let declared =
                entry.declared.get(only).map(|d| d.trim().to_ascii_uppercase()).unwrap_or_default();
            let alias = declared == "INTEGER" && !entry.ddl.without_rowid;
            if let Some(c) = entry.table.column_mut(only) {
                if alias {
                    c.autoincrement = Some(true);
                } else if matches!(c.ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt) {
                    c.autoincrement = Some(false);
                }
            }
        }
        if !columns.is_empty() {
            entry.table.primary_key = Some(PrimaryKey { name: entry.ddl.primary_key_name.clone(), columns });
        }
        entry.table.sqlite_autoincrement = entry.ddl.autoincrement;
        entry.table.sqlite_strict = entry.ddl.strict;
        entry.table.sqlite_without_rowid = entry.ddl.without_rowid;
        entry.table.checks = entry
            .ddl
            .checks
            .iter()
            .map(|c| CheckConstraint { name: c.name.clone(), sql: c.sql.clone() })
            .collect();
    }

    foreign_keys(q, &master, &lit, tables_where, &mut raw).await?;
    indexes(q, &master, &lit, tables_where, &mut raw).await?;
    let objects = triggers_and_views(q, &master, opts).await?;

    let filter = opts.filter();
    let mut schema = Schema::new();
    schema.objects = objects;
    for (name, entry) in raw {
        if filter.includes(opts.schema.as_deref(), &name) {
            schema
                .insert_table(entry.table)
                .map_err(|t| ReflectError::Catalog(format!("table {} listed twice", t.name)))?;
        }
    }
    Ok(schema)
}

/// Triggers and views, in the order they were made (`rowid`), as SQLite stores
/// their statements; a rebuild puts them back.
async fn triggers_and_views<B: Backend>(
    q: &mut Queries<'_, B>,
    master: &str,
    opts: &ReflectOptions,
) -> Result<Vec<SchemaObject>, ReflectError> {
    let rows = q
        .rows(&format!(
            "SELECT m.type, m.name, m.tbl_name, m.sql FROM {master} AS m \
             WHERE m.type IN ('trigger', 'view') AND m.sql IS NOT NULL ORDER BY m.rowid"
        ))
        .await?;
    let mut objects = Vec::new();
    for row in &rows {
        let trigger = required(row, 0)? == "trigger";
        objects.push(SchemaObject {
            kind: if trigger { ObjectKind::Trigger } else { ObjectKind::View },
            schema: opts.schema.clone(),
            name: required(row, 1)?.to_string(),
            table: if trigger { Some(required(row, 2)?.to_string()) } else { None },
            sql: required(row, 3)?.to_string(),
        });
    }
    Ok(objects)
}

async fn foreign_keys<B: Backend>(
    q: &mut Queries<'_, B>,
    master: &str,
    lit: &str,
    tables_where: &str,
    raw: &mut BTreeMap<String, RawTable>,
) -> Result<(), ReflectError> {
    let rows = q
        .rows(&format!(
            "SELECT m.name, p.id, p.seq, p.\"table\", p.\"from\", p.\"to\", p.on_update, p.on_delete \
             FROM {master} AS m JOIN pragma_foreign_key_list(m.name, {lit}) AS p \
             WHERE {tables_where} ORDER BY m.name, p.id, p.seq"
        ))
        .await?;
    // (table, id) -> key under construction; `to` may be NULL (the referenced
    // table's primary key).
    let mut keys: BTreeMap<(String, i64), (ForeignKey, bool)> = BTreeMap::new();
    for row in &rows {
        let table = required(row, 0)?.to_string();
        let id: i64 =
            required(row, 1)?.parse().map_err(|_| ReflectError::Catalog("foreign key id".into()))?;
        let entry = keys.entry((table, id)).or_insert_with(|| {
            (
                ForeignKey {
                    name: None,
                    columns: Vec::new(),
                    ref_schema: None,
                    ref_table: cell(row, 3).ok().flatten().unwrap_or("").to_string(),
                    ref_columns: Vec::new(),
                    on_delete: action(cell(row, 7).ok().flatten()),
                    on_update: action(cell(row, 6).ok().flatten()),
                    ..ForeignKey::default()
                },
                false,
            )
        });
        entry.0.columns.push(required(row, 4)?.to_string());
        match cell(row, 5)? {
            Some(to) => entry.0.ref_columns.push(to.to_string()),
            None => entry.1 = true,
        }
    }
    // Pragma ids run opposite to declaration order; declaration order reads better.
    for ((table, _), (mut fk, implicit)) in keys.into_iter().rev() {
        if implicit {
            // Case-insensitive lookup: SQLite table names are.
            let target = raw
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&fk.ref_table))
                .map(|(_, t)| t.pk.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>());
            fk.ref_columns = target.unwrap_or_default();
        }
        if let Some(entry) = raw.get_mut(&table) {
            if let Some(pos) = entry.ddl.foreign_keys.iter().position(|n| n.columns == fk.columns) {
                fk.name = entry.ddl.foreign_keys.remove(pos).name;
            }
            entry.table.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// One key column of an index: table column number (-2 for an expression), name,
/// descending.
type KeyColumn<'a> = (i64, Option<&'a str>, bool);

async fn indexes<B: Backend>(
    q: &mut Queries<'_, B>,
    master: &str,
    lit: &str,
    tables_where: &str,
    raw: &mut BTreeMap<String, RawTable>,
) -> Result<(), ReflectError> {
    let list = q
        .rows(&format!(
            "SELECT m.name, il.name, il.\"unique\", il.origin, im.sql \
             FROM {master} AS m JOIN pragma_index_list(m.name, {lit}) AS il \
             LEFT JOIN {master} AS im ON im.type = 'index' AND im.name = il.name \
             WHERE {tables_where} ORDER BY m.name, il.name"
        ))
        .await?;
    let column_rows = q
        .rows(&format!(
            "SELECT il.name, ix.seqno, ix.cid, ix.name, ix.\"desc\" \
             FROM {master} AS m JOIN pragma_index_list(m.name, {lit}) AS il \
             JOIN pragma_index_xinfo(il.name, {lit}) AS ix \
             WHERE {tables_where} AND ix.key = 1 ORDER BY il.name, ix.seqno"
        ))
        .await?;
    let mut columns: BTreeMap<&str, Vec<KeyColumn<'_>>> = BTreeMap::new();
    for row in &column_rows {
        let cid: i64 = required(row, 2)?.parse().unwrap_or(-2);
        columns.entry(required(row, 0)?).or_default().push((cid, cell(row, 3)?, cell(row, 4)? == Some("1")));
    }
    for row in &list {
        let (table, name) = (required(row, 0)?, required(row, 1)?);
        let unique = cell(row, 2)? == Some("1");
        let origin = cell(row, 3)?.unwrap_or("c");
        let Some(entry) = raw.get_mut(table) else { continue };
        let keys = columns.get(name).cloned().unwrap_or_default();
        match origin {
            "pk" => {}
            "u" => {
                let cols: Vec<String> = keys.iter().filter_map(|(_, n, _)| n.map(str::to_string)).collect();
                let name = entry
                    .ddl
                    .uniques
                    .iter()
                    .position(|u| u.columns == cols)
                    .and_then(|pos| entry.ddl.uniques.remove(pos).name);
                entry.table.uniques.push(UniqueConstraint { name, columns: cols, ..Default::default() });
            }
            _ => {
                let parsed = parse_create_index(cell(row, 4)?.unwrap_or(""));
                let mut elements = Vec::with_capacity(keys.len());
                for (i, (cid, column, desc)) in keys.iter().enumerate() {
                    let mut text = match (cid, column) {
                        (c, Some(col)) if *c >= 0 => col.to_string(),
                        _ => parsed.elements.get(i).cloned().unwrap_or_default(),
                    };
                    if *desc && *cid >= 0 {
                        text.push_str(" DESC");
                    }
                    elements.push(text);
                }
                entry.table.indexes.push(Index {
                    name: name.to_string(),
                    columns: elements,
                    unique,
                    where_: parsed.where_,
                    ..Index::default()
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types() {
        assert_eq!(sqlite_type("DATETIME"), SqlType::Timestamp);
        assert_eq!(sqlite_type("VARCHAR(50)"), SqlType::Varchar(Some(50)));
        assert_eq!(sqlite_type("NUMERIC(10, 2)"), SqlType::Numeric { precision: Some(10), scale: Some(2) });
        assert_eq!(sqlite_type("NVARCHAR(40)"), SqlType::Other("NVARCHAR(40)".into()));
        assert_eq!(sqlite_type("INT"), SqlType::Other("INT".into()));
        assert_eq!(sqlite_type("CHAR(32)"), SqlType::Other("CHAR(32)".into()));
    }
}
