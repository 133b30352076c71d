//! A [`MetaData`] from diesel's `schema.rs` (feature `diesel`): the `table!` and
//! `joinable!` invocations `diesel print-schema` writes, read as source text, so that a
//! diesel application autogenerates from the file it already keeps (no diesel
//! dependency needed: the env program reads the file).
//!
//! ```
//! let schema_rs = r#"
//!     diesel::table! {
//!         users (id) {
//!             id -> Int4,
//!             #[max_length = 120]
//!             name -> Varchar,
//!             bio -> Nullable<Text>,
//!         }
//!     }
//!     diesel::table! {
//!         posts (id) {
//!             id -> Int8,
//!             user_id -> Int4,
//!             tags -> Array<Text>,
//!         }
//!     }
//!     diesel::joinable!(posts -> users (user_id));
//! "#;
//! let metadata = alembic::models::diesel::metadata(schema_rs)?;
//! let schema = metadata.to_schema()?;
//! let users = schema.table(None, "users").unwrap();
//! assert_eq!(users.column("name").unwrap().ty.to_string(), "varchar(120)");
//! assert!(users.column("bio").unwrap().nullable);
//! assert_eq!(schema.table(None, "posts").unwrap().foreign_keys[0].ref_table, "users");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What a `schema.rs` says becomes: tables (`#[sql_name]` and `schema.table` kept),
//! columns with their SQL types (`Nullable<T>` nullable, `Array<T>` as `T[]`,
//! `#[max_length = n]` as `varchar(n)`), primary keys (`table (a, b)`; no list means
//! `id`, as in diesel) and a foreign key per `joinable!(child -> parent (column))` to
//! the parent's primary key. What it does not say (indexes, unique constraints,
//! defaults, checks, `ON DELETE` actions, foreign keys that `joinable!` cannot express,
//! the values of a custom enum type) add with [`MetaData::extend_table`], and custom
//! types with [`metadata_with_types`]; otherwise autogenerate proposes to drop them, as
//! Alembic does for what `target_metadata` leaves out.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, GenericArgument, Ident, Item, Lit, Meta, PathArguments, Token, Type};

use crate::schema::metadata::MetaData;
use crate::schema::types::SqlType;

/// Why a `schema.rs` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DieselSchemaError {
    /// The text is not Rust, or a `table!` / `joinable!` is not in diesel's syntax.
    #[error("schema.rs line {line}: {message}")]
    Syntax {
        /// 1-based line of the fault.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A column's SQL type is not one this reader knows.
    #[error(
        "schema.rs line {line}: column {table}.{column} has SQL type `{sql_type}`, which alembic does not know: \
         give it with alembic::models::diesel::metadata_with_types(text, &[(\"{sql_type}\", SqlType::…)])"
    )]
    UnknownType {
        /// 1-based line of the column.
        line: usize,
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type as written (its last path segment).
        sql_type: String,
    },
    /// A `joinable!` names a table no `table!` declares, or one without a single-column key.
    #[error("schema.rs line {line}: {message}")]
    Join {
        /// 1-based line of the `joinable!`.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The [`MetaData`] that `schema_rs` (the text of diesel's `schema.rs`) declares.
pub fn metadata(schema_rs: &str) -> Result<MetaData, DieselSchemaError> {
    metadata_with_types(schema_rs, &[])
}

/// [`metadata`], with the column type of each custom SQL type (`sql_types::Mood` of a
/// PostgreSQL enum, a domain, an extension's type) given by its name, as the last path
/// segment is written in `schema.rs`.
///
/// ```
/// use alembic::schema::metadata::SqlType;
///
/// let schema_rs = "diesel::table! { use diesel::sql_types::*; use super::sql_types::Mood;
///     people (id) { id -> Int4, mood -> Nullable<Mood>, } }";
/// let mood = SqlType::Enum { name: "mood".into(), values: vec!["happy".into(), "sad".into()] };
/// let md = alembic::models::diesel::metadata_with_types(schema_rs, &[("Mood", mood.clone())])?;
/// assert_eq!(md.to_schema()?.table(None, "people").unwrap().column("mood").unwrap().ty, mood);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn metadata_with_types(
    schema_rs: &str,
    types: &[(&str, SqlType)],
) -> Result<MetaData, DieselSchemaError> {
    let file = syn::parse_file(schema_rs).map_err(syntax)?;
    let custom: BTreeMap<&str, &SqlType> = types.iter().map(|(name, ty)| (*name, ty)).collect();
    let mut tables: Vec<DieselTable> = Vec::new();
    let mut joins: Vec<Join> = Vec::new();
    collect(&file.items, &mut tables, &mut joins)?;
    let mut md = MetaData::new();
    for table in &tables {
        let mut columns = Vec::with_capacity(table.columns.len());
        for column in &table.columns {
            let (ty, nullable) = column_type(&column.ty, column.max_length, &custom).map_err(|name| {
                DieselSchemaError::UnknownType {
                    line: column.line,
                    table: table.name.clone(),
                    column: column.name.clone(),
                    sql_type: name,
                }
            })?;
            columns.push((column, ty, nullable));
        }
        let name = table.name.clone();
        md.table(name, |t| {
            if let Some(schema) = &table.schema {
                t.schema(schema.clone());
            }
            for (column, ty, nullable) in columns {
                let declared = t.column(column.name.clone(), ty);
                // A key column is NOT NULL (the table's primary key makes it so).
                if !table.primary_key.contains(&column.rust) {
                    declared.nullable(nullable);
                }
            }
            let key: Vec<String> = table.primary_key.iter().map(|rust| table.sql_column(rust)).collect();
            t.primary_key(key);
        });
    }
    for join in &joins {
        let find = |rust: &str| tables.iter().find(|t| t.rust == rust);
        let (Some(child), Some(parent)) = (find(&join.child), find(&join.parent)) else {
            let missing = if find(&join.child).is_none() { &join.child } else { &join.parent };
            return Err(DieselSchemaError::Join {
                line: join.line,
                message: format!("joinable! names table {missing}, which no table! declares"),
            });
        };
        let [parent_key] = parent.primary_key.as_slice() else {
            return Err(DieselSchemaError::Join {
                line: join.line,
                message: format!("joinable! to {} needs a single-column primary key there", parent.rust),
            });
        };
        if !child.columns.iter().any(|c| c.rust == join.column) {
            return Err(DieselSchemaError::Join {
                line: join.line,
                message: format!(
                    "joinable! names column {}.{}, which table! does not declare",
                    child.rust, join.column
                ),
            });
        }
        let column = child.sql_column(&join.column);
        let target = match &parent.schema {
            Some(schema) => format!("{schema}.{}", parent.name),
            None => parent.name.clone(),
        };
        let parent_column = parent.sql_column(parent_key);
        md.extend_table(&child.qualified(), |t| {
            t.foreign_key([column], target, [parent_column]);
        });
    }
    Ok(md)
}

struct DieselTable {
    /// The name Rust code uses (`joinable!` names tables by it).
    rust: String,
    name: String,
    schema: Option<String>,
    /// Rust column names.
    primary_key: Vec<String>,
    columns: Vec<DieselColumn>,
}

impl DieselTable {
    fn sql_column(&self, rust: &str) -> String {
        self.columns.iter().find(|c| c.rust == rust).map_or_else(|| rust.to_string(), |c| c.name.clone())
    }

    fn qualified(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

struct DieselColumn {
    rust: String,
    name: String,
    ty: Type,
    max_length: Option<u32>,
    line: usize,
}

struct Join {
    child: String,
    parent: String,
    column: String,
    line: usize,
}

/// The `table!` and `joinable!` invocations of `items`, also inside modules.
fn collect(
    items: &[Item],
    tables: &mut Vec<DieselTable>,
    joins: &mut Vec<Join>,
) -> Result<(), DieselSchemaError> {
    for item in items {
        match item {
            Item::Macro(mac) => {
                let Some(last) = mac.mac.path.segments.last() else { continue };
                let tokens = mac.mac.tokens.clone();
                match last.ident.to_string().as_str() {
                    "table" => tables.extend(parse_tables.parse2(tokens).map_err(syntax)?),
                    "joinable" => joins.push(parse_join.parse2(tokens).map_err(syntax)?),
                    _ => {}
                }
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect(items, tables, joins)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn syntax(err: syn::Error) -> DieselSchemaError {
    DieselSchemaError::Syntax { line: line(err.span()), message: err.to_string() }
}

fn line(span: Span) -> usize {
    span.start().line
}

/// `use …;` lines, then one or more `[#[sql_name = "…"]] [schema.]name [(keys)] { columns }`.
fn parse_tables(input: ParseStream) -> syn::Result<Vec<DieselTable>> {
    let mut tables = Vec::new();
    while !input.is_empty() {
        if input.peek(Token![use]) {
            input.parse::<syn::ItemUse>()?;
            continue;
        }
        let attrs = input.call(Attribute::parse_outer)?;
        let first = input.call(Ident::parse_any)?;
        let (schema, rust) = if input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            (Some(unraw(&first)), unraw(&input.call(Ident::parse_any)?))
        } else {
            (None, unraw(&first))
        };
        let primary_key = if input.peek(syn::token::Paren) {
            let keys;
            syn::parenthesized!(keys in input);
            let keys = Punctuated::<Ident, Token![,]>::parse_terminated_with(&keys, Ident::parse_any)?;
            keys.iter().map(unraw).collect()
        } else {
            vec!["id".to_string()]
        };
        let body;
        syn::braced!(body in input);
        let mut columns = Vec::new();
        while !body.is_empty() {
            let attrs = body.call(Attribute::parse_outer)?;
            let ident = body.call(Ident::parse_any)?;
            body.parse::<Token![->]>()?;
            let ty: Type = body.parse()?;
            let rust = unraw(&ident);
            columns.push(DieselColumn {
                name: sql_name(&attrs)?.unwrap_or_else(|| rust.clone()),
                rust,
                max_length: max_length(&attrs)?,
                line: line(ident.span()),
                ty,
            });
            if !body.is_empty() {
                body.parse::<Token![,]>()?;
            }
        }
        if let Some(missing) = primary_key.iter().find(|key| !columns.iter().any(|c| &c.rust == *key)) {
            return Err(syn::Error::new(
                first.span(),
                format!("table {rust}: primary key column {missing} is not among its columns"),
            ));
        }
        tables.push(DieselTable {
            name: sql_name(&attrs)?.unwrap_or_else(|| rust.clone()),
            rust,
            schema,
            primary_key,
            columns,
        });
    }
    Ok(tables)
}

/// `child -> parent (column)`.
fn parse_join(input: ParseStream) -> syn::Result<Join> {
    let child = input.call(Ident::parse_any)?;
    input.parse::<Token![->]>()?;
    let parent = input.call(Ident::parse_any)?;
    let inner;
    syn::parenthesized!(inner in input);
    let column = inner.call(Ident::parse_any)?;
    let _: TokenStream = input.parse()?;
    Ok(Join {
        line: line(child.span()),
        child: unraw(&child),
        parent: unraw(&parent),
        column: unraw(&column),
    })
}

fn unraw(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// The value of `#[name = value]` among `attrs`.
fn attr_value<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Lit> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident(name) => match &nv.value {
            Expr::Lit(ExprLit { lit, .. }) => Some(lit),
            _ => None,
        },
        _ => None,
    })
}

fn sql_name(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    match attr_value(attrs, "sql_name") {
        Some(Lit::Str(s)) => Ok(Some(s.value())),
        Some(other) => Err(syn::Error::new(other.span(), "sql_name takes a string")),
        None => Ok(None),
    }
}

fn max_length(attrs: &[Attribute]) -> syn::Result<Option<u32>> {
    match attr_value(attrs, "max_length") {
        Some(Lit::Int(n)) => n.base10_parse().map(Some),
        Some(other) => Err(syn::Error::new(other.span(), "max_length takes a number")),
        None => Ok(None),
    }
}

/// The column type and nullability of a diesel SQL type; `Err(name)` for a type this
/// reader does not know.
fn column_type(
    ty: &Type,
    max_length: Option<u32>,
    custom: &BTreeMap<&str, &SqlType>,
) -> Result<(SqlType, bool), String> {
    let (name, arg) = last_segment(ty).ok_or_else(|| quote_type(ty))?;
    match (name.as_str(), arg) {
        ("Nullable", Some(inner)) => Ok((column_type(inner, max_length, custom)?.0, true)),
        ("Array", Some(inner)) => {
            let element = column_type(inner, None, custom)?.0;
            Ok((SqlType::Other(format!("{}[]", array_element(&element))), false))
        }
        (name, _) => {
            if let Some(ty) = custom.get(name) {
                return Ok(((*ty).clone(), false));
            }
            let ty = match name {
                "Varchar" | "VarChar" => SqlType::Varchar(max_length),
                "Char" | "Bpchar" => {
                    SqlType::Other(max_length.map_or("char".into(), |n| format!("char({n})")))
                }
                _ => builtin(name).ok_or_else(|| name.to_string())?,
            };
            Ok((ty, false))
        }
    }
}

/// Diesel's built-in SQL types (`diesel::sql_types`, `diesel::pg::sql_types`,
/// `diesel::mysql::sql_types`, `diesel::sqlite::sql_types`).
fn builtin(name: &str) -> Option<SqlType> {
    Some(match name {
        "SmallInt" | "Int2" | "TinyInt" => SqlType::SmallInt,
        "Integer" | "Int4" => SqlType::Integer,
        "BigInt" | "Int8" => SqlType::BigInt,
        "Bool" => SqlType::Boolean,
        "Text" => SqlType::Text,
        "Float" | "Float4" => SqlType::Real,
        "Double" | "Float8" => SqlType::Double,
        "Numeric" | "Decimal" => SqlType::Numeric { precision: None, scale: None },
        "Date" => SqlType::Date,
        "Time" => SqlType::Time,
        "Timestamp" | "Datetime" => SqlType::Timestamp,
        "Timestamptz" | "TimestamptzSqlite" => SqlType::TimestampTz,
        "Interval" => SqlType::Interval,
        "Binary" | "Bytea" | "Blob" | "Tinyblob" | "Mediumblob" | "Longblob" | "Varbinary" => SqlType::Blob,
        "Json" => SqlType::Json,
        "Uuid" => SqlType::Uuid,
        "Jsonb" => SqlType::Other("jsonb".into()),
        "Inet" => SqlType::Other("inet".into()),
        "Cidr" => SqlType::Other("cidr".into()),
        "MacAddr" => SqlType::Other("macaddr".into()),
        "Money" => SqlType::Other("money".into()),
        "Oid" => SqlType::Other("oid".into()),
        "Citext" => SqlType::Other("citext".into()),
        "Tinytext" => SqlType::Other("tinytext".into()),
        "Mediumtext" => SqlType::Other("mediumtext".into()),
        "Longtext" => SqlType::Other("longtext".into()),
        _ => return None,
    })
}

/// How an array's element type is spelled before `[]` (PostgreSQL's names).
fn array_element(ty: &SqlType) -> String {
    match ty {
        SqlType::Double => "double precision".into(),
        SqlType::TimestampTz => "timestamptz".into(),
        SqlType::Blob => "bytea".into(),
        other => other.to_string(),
    }
}

/// The last path segment of `ty`, with its single type argument if it has one.
fn last_segment(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let arg = match &last.arguments {
        PathArguments::AngleBracketed(args) => match args.args.first() {
            Some(GenericArgument::Type(inner)) => Some(inner),
            _ => None,
        },
        _ => None,
    };
    Some((last.ident.to_string(), arg))
}

fn quote_type(ty: &Type) -> String {
    quote::ToTokens::to_token_stream(ty).to_string().replace(' ', "")
}
