//! PostgreSQL objects other than tables, each as the statement the server prints for
//! it, so that a definition compares equal however it was written: extensions
//! (database-wide, with the default schema), domains, functions and procedures
//! (`pg_get_functiondef`), views and materialized views (`pg_get_viewdef`), triggers
//! (`pg_get_triggerdef`), sequences that are not a column's serial or identity
//! generator, and aggregates. One query per kind (seven, counted in
//! [`POSTGRES_CATALOG_QUERIES`](crate::reflect::POSTGRES_CATALOG_QUERIES)); objects that belong to an extension are the
//! extension's and left out.

use crate::dialect::Dialect;
use crate::dialect::quote::{qualified_name, quote_identifier};
use crate::reflect::catalog::{Queries, ReflectError, cell, required};
use crate::runtime::connection::Backend;
use crate::schema::model::{ObjectKind, SchemaObject};

/// `NOT EXISTS` an extension owning the object `oid` of catalog `catalog`.
fn not_in_extension(oid: &str, catalog: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.objid = {oid} \
         AND e.classid = '{catalog}'::regclass AND e.deptype = 'e')"
    )
}

/// The objects of the schema `ns` (a SQL expression), in the order they were made
/// within each kind; `schema` is what they carry (`None` for the default schema).
/// A sequence a column owns (`OWNED BY`), which is that column's generator when the
/// column is serial.
pub(super) struct OwnedSequence {
    pub sequence: String,
    pub table: String,
    pub column: String,
}

pub(super) async fn objects<B: Backend>(
    q: &mut Queries<'_, B>,
    ns: &str,
    schema: Option<&str>,
) -> Result<(Vec<SchemaObject>, Vec<OwnedSequence>), ReflectError> {
    const D: Dialect = Dialect::Postgresql;
    let object = |kind, name: String, table: Option<String>, sql: String| SchemaObject {
        kind,
        schema: if kind == ObjectKind::Extension { None } else { schema.map(str::to_string) },
        name,
        table,
        sql,
    };
    let mut out = Vec::new();
    let mut owned = Vec::new();

    // Extensions are the database's, read with the default schema only.
    let rows = q
        .rows(&format!(
            "SELECT x.extname FROM pg_catalog.pg_extension x WHERE x.extname <> 'plpgsql' AND {} ORDER BY x.oid",
            if schema.is_none() { "true" } else { "false" }
        ))
        .await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let sql = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_identifier(D, &name));
        out.push(object(ObjectKind::Extension, name, None, sql));
    }

    let rows = q
        .rows(&format!(
            "SELECT t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, \
             (SELECT string_agg(pg_catalog.pg_get_constraintdef(c.oid, true), ' ' ORDER BY c.conname) \
              FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid) \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'd' AND n.nspname = {ns} AND {} ORDER BY t.oid",
            not_in_extension("t.oid", "pg_catalog.pg_type")
        ))
        .await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let mut sql = format!("CREATE DOMAIN {} AS {}", qualified_name(D, schema, &name), required(row, 1)?);
        if let Some(default) = cell(row, 3)? {
            sql.push_str(&format!(" DEFAULT {default}"));
        }
        if required(row, 2)? == "t" {
            sql.push_str(" NOT NULL");
        }
        if let Some(checks) = cell(row, 4)? {
            sql.push_str(&format!(" {checks}"));
        }
        out.push(object(ObjectKind::Domain, name, None, sql));
    }

    // Sequences that no column owns as its serial or identity generator (those come
    // with their columns): `owner` is the owning column, for the caller to judge.
    // Every pg_depend lookup names its class, so that it can use the catalog's index
    // on a database that has no statistics yet (a freshly loaded scratch database):
    // without it, 5,000 sequences took 35 s of scans.
    let rows = q
        .rows(&format!(
            "SELECT c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, \
             s.seqmax, s.seqcache, s.seqcycle, \
             (SELECT json_build_array(oc.relname, a.attname) FROM pg_catalog.pg_depend d \
              JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid \
              JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
              WHERE d.objid = c.oid AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'a') \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid \
             WHERE c.relkind = 'S' AND n.nspname = {ns} AND {} \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass \
                 AND d.objid = c.oid AND d.deptype = 'i') \
             ORDER BY c.oid",
            not_in_extension("c.oid", "pg_catalog.pg_class")
        ))
        .await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let sql = format!(
            "CREATE SEQUENCE {} AS {} START WITH {} INCREMENT BY {} MINVALUE {} MAXVALUE {} CACHE {}{}",
            qualified_name(D, schema, &name),
            required(row, 1)?,
            required(row, 2)?,
            required(row, 3)?,
            required(row, 4)?,
            required(row, 5)?,
            required(row, 6)?,
            if required(row, 7)? == "t" { " CYCLE" } else { "" },
        );
        let owner: Option<(String, String)> = match cell(row, 8)? {
            Some(json) => Some(
                serde_json::from_str(json)
                    .map_err(|e| ReflectError::Catalog(format!("sequence owner {json}: {e}")))?,
            ),
            None => None,
        };
        out.push(object(ObjectKind::Sequence, name.clone(), None, sql));
        if let Some((table, column)) = owner {
            let sql = format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                qualified_name(D, schema, &name),
                qualified_name(D, schema, &table),
                quote_identifier(D, &column)
            );
            out.push(object(ObjectKind::SequenceOwnership, name.clone(), Some(table.clone()), sql));
            owned.push(OwnedSequence { sequence: name, table, column });
        }
    }

    // Aggregates and window functions have no `pg_get_functiondef`.
    let rows = q
        .rows(&format!(
            "SELECT pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', \
             pg_catalog.pg_get_functiondef(p.oid) \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             WHERE p.prokind IN ('f', 'p') AND n.nspname = {ns} AND {} ORDER BY p.oid",
            not_in_extension("p.oid", "pg_catalog.pg_proc")
        ))
        .await?;
    for row in &rows {
        let sql = required(row, 1)?.trim_end().to_string();
        out.push(object(ObjectKind::Function, required(row, 0)?.to_string(), None, sql));
    }

    // Aggregates, from their parts (there is no `pg_get_aggregatedef`).
    let rows = q
        .rows(&format!(
            "SELECT pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', \
             a.aggtransfn::regproc, pg_catalog.format_type(a.aggtranstype, NULL), \
             NULLIF(a.aggfinalfn::oid, 0)::regproc, a.agginitval \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
             JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid \
             WHERE p.prokind = 'a' AND n.nspname = {ns} AND {} ORDER BY p.oid",
            not_in_extension("p.oid", "pg_catalog.pg_proc")
        ))
        .await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let target = match schema {
            Some(s) => format!("{}.{name}", quote_identifier(D, s)),
            None => name.clone(),
        };
        let mut parts =
            vec![format!("SFUNC = {}", required(row, 1)?), format!("STYPE = {}", required(row, 2)?)];
        if let Some(finalfn) = cell(row, 3)? {
            parts.push(format!("FINALFUNC = {finalfn}"));
        }
        if let Some(init) = cell(row, 4)? {
            parts.push(format!("INITCOND = {}", crate::dialect::literal::string_literal(D, init)));
        }
        let sql = format!("CREATE AGGREGATE {target} ({})", parts.join(", "));
        out.push(object(ObjectKind::Aggregate, name, None, sql));
    }

    let rows = q
        .rows(&format!(
            "SELECT c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid, true) \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('v', 'm') AND n.nspname = {ns} AND {} ORDER BY c.oid",
            not_in_extension("c.oid", "pg_catalog.pg_class")
        ))
        .await?;
    for row in &rows {
        let name = required(row, 0)?.to_string();
        let materialized = required(row, 1)? == "m";
        let body = required(row, 2)?.trim().trim_end_matches(';').trim_end();
        let target = qualified_name(D, schema, &name);
        let (kind, sql) = if materialized {
            (ObjectKind::MaterializedView, format!("CREATE MATERIALIZED VIEW {target} AS\n{body}"))
        } else {
            (ObjectKind::View, format!("CREATE VIEW {target} AS\n{body}"))
        };
        out.push(object(kind, name, None, sql));
    }

    let rows = q
        .rows(&format!(
            "SELECT c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true) \
             FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND n.nspname = {ns} ORDER BY t.oid"
        ))
        .await?;
    for row in &rows {
        let table = Some(required(row, 0)?.to_string());
        out.push(object(
            ObjectKind::Trigger,
            required(row, 1)?.to_string(),
            table,
            required(row, 2)?.to_string(),
        ));
    }

    // What the model's tables cannot say, kept as the statements that make it, in
    // one query: exclusion constraints (`x`, by table and name) as the server prints
    // their definition, and partitions (`p`, in the order they were made, so that a
    // partition comes before its own partitions) with their bounds and, for one that
    // is partitioned itself, its key. A partition is on the root of its tree (a
    // partition of a partition too: only the root is a table of the model), and made
    // as a partition of its own parent.
    let rows = q
        .rows(&format!(
            "SELECT 'x', c.relname, con.conname, pg_catalog.pg_get_constraintdef(con.oid, true), NULL, \
                 c.relname || '.' || con.conname, NULL \
             FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE con.contype = 'x' AND n.nspname = {ns} \
             UNION ALL \
             SELECT 'p', r.relname, c.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid, true), \
                 CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, lpad(c.oid::text, 12, '0'), \
                 p.relname \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid \
             JOIN pg_catalog.pg_class p ON p.oid = i.inhparent \
             JOIN pg_catalog.pg_class r ON r.oid = pg_catalog.pg_partition_root(c.oid) \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relispartition AND c.relkind IN ('r', 'p') AND n.nspname = {ns} \
             ORDER BY 1, 6"
        ))
        .await?;
    for row in &rows {
        let table = required(row, 1)?.to_string();
        let name = required(row, 2)?.to_string();
        let definition = required(row, 3)?;
        let (kind, sql) = if required(row, 0)? == "x" {
            let sql = format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
                qualified_name(D, schema, &table),
                quote_identifier(D, &name),
            );
            (ObjectKind::Constraint, sql)
        } else {
            let parent = required(row, 6)?;
            let mut sql = format!(
                "CREATE TABLE {} PARTITION OF {} {definition}",
                qualified_name(D, schema, &name),
                qualified_name(D, schema, parent),
            );
            if let Some(key) = cell(row, 4)? {
                sql.push_str(&format!(" PARTITION BY {key}"));
            }
            (ObjectKind::Partition, sql)
        };
        out.push(object(kind, name, Some(table), sql));
    }
    Ok((out, owned))
}
