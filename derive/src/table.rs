//! `#[derive(Table)]`: a struct becomes builder calls on `alembic::schema::metadata`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Field, Fields, GenericArgument, LitStr, PathArguments, Type};

use crate::attrs::{RenameRule, default_table_name, flag, key, skip_value, string_list, string_value};

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => &named.named,
            _ => return Err(needs_named_fields(input.ident.span())),
        },
        _ => return Err(needs_named_fields(input.ident.span())),
    };
    let table = TableAttrs::parse(input)?;
    let table_name = table.name.clone().unwrap_or_else(|| default_table_name(&input.ident.to_string()));

    let mut columns = Vec::new();
    let mut column_names = Vec::new();
    for field in fields {
        let attrs = FieldAttrs::parse(field)?;
        if attrs.skip {
            continue;
        }
        let ident = field.ident.as_ref().expect("named fields have names");
        let raw = ident.to_string();
        let raw = raw.strip_prefix("r#").unwrap_or(&raw);
        let name = match (&attrs.rename, table.rename_all) {
            (Some(name), _) => name.clone(),
            (None, Some(rule)) => rule.apply(raw),
            (None, None) => raw.to_string(),
        };
        columns.push(column_tokens(field, &name, &attrs)?);
        column_names.push(name);
    }
    if columns.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(alembic::Table)] needs at least one column: every field is #[alembic(skip)]",
        ));
    }
    let mut items = Vec::new();
    for item in &table.items {
        items.push(item.tokens(&table_name, &column_names)?);
    }
    let schema = table.schema.iter().map(|s| quote!(t.schema(#s);));
    let comment = table.comment.iter().map(|c| quote!(t.comment(#c);));
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::alembic::models::Table for #ident #ty_generics #where_clause {
            const TABLE_NAME: &'static str = #table_name;
            fn declare(metadata: &mut ::alembic::schema::metadata::MetaData) {
                metadata.table(#table_name, |t| {
                    #(#schema)*
                    #(#comment)*
                    #(#columns)*
                    #(#items)*
                });
            }
        }
    })
}

fn needs_named_fields(span: Span) -> syn::Error {
    syn::Error::new(span, "#[derive(alembic::Table)] needs a struct with named fields (one field per column)")
}

/// The attributes of the struct: `#[alembic(table = "…", schema = "…", comment = "…",
/// rename_all = "…", index(…), unique(…), check(…))]`, and `#[sqlx(rename_all = "…")]`.
struct TableAttrs {
    name: Option<String>,
    schema: Option<String>,
    comment: Option<String>,
    rename_all: Option<RenameRule>,
    items: Vec<TableItem>,
}

impl TableAttrs {
    fn parse(input: &DeriveInput) -> syn::Result<TableAttrs> {
        let mut out =
            TableAttrs { name: None, schema: None, comment: None, rename_all: None, items: Vec::new() };
        let mut sqlx_rename_all = None;
        for attr in &input.attrs {
            if attr.path().is_ident("alembic") {
                attr.parse_nested_meta(|meta| {
                    match key(&meta).as_str() {
                        "table" => out.name = Some(string_value(&meta)?.value()),
                        "schema" => out.schema = Some(string_value(&meta)?.value()),
                        "comment" => out.comment = Some(string_value(&meta)?.value()),
                        "rename_all" => out.rename_all = Some(RenameRule::parse(&string_value(&meta)?)?),
                        "index" => out.items.push(TableItem::parse_index(&meta)?),
                        "unique" => out.items.push(TableItem::parse_unique(&meta)?),
                        "check" => out.items.push(TableItem::parse_check(&meta)?),
                        other => {
                            return Err(meta.error(format!(
                                "unknown table attribute `{other}`: expected table, schema, comment, rename_all, \
                                 index(…), unique(…) or check(…)"
                            )));
                        }
                    }
                    Ok(())
                })?;
            } else if attr.path().is_ident("sqlx") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename_all") {
                        sqlx_rename_all = Some(RenameRule::parse(&string_value(&meta)?)?);
                        Ok(())
                    } else {
                        skip_value(&meta)
                    }
                })?;
            }
        }
        out.rename_all = out.rename_all.or(sqlx_rename_all);
        Ok(out)
    }
}

/// A table-level index, unique constraint or check.
enum TableItem {
    Index { span: Span, name: Option<String>, columns: Vec<String>, unique: bool, partial: Option<String> },
    Unique { span: Span, name: Option<String>, columns: Vec<String> },
    Check { name: String, sql: String },
}

impl TableItem {
    fn parse_index(meta: &syn::meta::ParseNestedMeta) -> syn::Result<TableItem> {
        let span = meta.path.span();
        let (mut name, mut columns, mut unique, mut partial) = (None, Vec::new(), false, None);
        meta.parse_nested_meta(|inner| {
            match key(&inner).as_str() {
                "name" => name = Some(string_value(&inner)?.value()),
                "columns" => columns = string_list(&inner)?,
                "unique" => unique = flag(&inner)?,
                "partial" => partial = Some(string_value(&inner)?.value()),
                other => {
                    return Err(inner.error(format!(
                        "unknown index attribute `{other}`: expected name = \"…\", columns(\"…\", …), unique \
                         or partial = \"<SQL condition>\""
                    )));
                }
            }
            Ok(())
        })?;
        Ok(TableItem::Index { span, name, columns, unique, partial })
    }

    fn parse_unique(meta: &syn::meta::ParseNestedMeta) -> syn::Result<TableItem> {
        let span = meta.path.span();
        let (mut name, mut columns) = (None, Vec::new());
        meta.parse_nested_meta(|inner| {
            match key(&inner).as_str() {
                "name" => name = Some(string_value(&inner)?.value()),
                "columns" => columns = string_list(&inner)?,
                other => {
                    return Err(inner.error(format!(
                        "unknown unique attribute `{other}`: expected name = \"…\" and columns(\"…\", …)"
                    )));
                }
            }
            Ok(())
        })?;
        Ok(TableItem::Unique { span, name, columns })
    }

    fn parse_check(meta: &syn::meta::ParseNestedMeta) -> syn::Result<TableItem> {
        let span = meta.path.span();
        let (mut name, mut sql) = (None, None);
        meta.parse_nested_meta(|inner| {
            match key(&inner).as_str() {
                "name" => name = Some(string_value(&inner)?.value()),
                "sql" => sql = Some(string_value(&inner)?.value()),
                other => {
                    return Err(inner.error(format!(
                        "unknown check attribute `{other}`: expected name = \"…\" and sql = \"<SQL condition>\""
                    )));
                }
            }
            Ok(())
        })?;
        match (name, sql) {
            (Some(name), Some(sql)) => Ok(TableItem::Check { name, sql }),
            // Autogenerate compares named checks only (as Alembic does), so a name is required.
            _ => Err(syn::Error::new(span, "check(…) needs name = \"…\" and sql = \"<SQL condition>\"")),
        }
    }

    fn tokens(&self, table: &str, columns: &[String]) -> syn::Result<TokenStream> {
        let known = |span: Span, listed: &[String], what: &str| -> syn::Result<()> {
            if listed.is_empty() {
                return Err(syn::Error::new(span, format!("{what} needs columns(\"…\", …)")));
            }
            match listed.iter().find(|c| is_identifier(c) && !columns.contains(c)) {
                Some(missing) => Err(syn::Error::new(
                    span,
                    format!(
                        "{what} names column `{missing}`, which is not a column of table {table} (columns: {})",
                        columns.join(", ")
                    ),
                )),
                None => Ok(()),
            }
        };
        Ok(match self {
            TableItem::Index { span, name, columns: listed, unique, partial } => {
                known(*span, listed, "index")?;
                let name = match name {
                    Some(name) => name.clone(),
                    None if listed.iter().all(|c| is_identifier(c)) => {
                        format!("ix_{table}_{}", listed.join("_"))
                    }
                    None => {
                        return Err(syn::Error::new(
                            *span,
                            "an index over an expression needs name = \"…\" (the default name is made of column names)",
                        ));
                    }
                };
                let unique = unique.then(|| quote!(.unique()));
                let partial = partial.iter().map(|p| quote!(.partial(#p)));
                quote!(t.index(#name, [#(#listed),*]) #unique #(#partial)*;)
            }
            TableItem::Unique { span, name, columns: listed } => {
                known(*span, listed, "unique")?;
                let name = name.iter().map(|n| quote!(.name(#n)));
                quote!(t.unique([#(#listed),*]) #(#name)*;)
            }
            TableItem::Check { name, sql } => quote!(t.check(#name, #sql);),
        })
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The attributes of one field: `#[alembic(…)]`, and `#[sqlx(rename, skip, json)]`.
#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    skip: bool,
    primary_key: bool,
    autoincrement: Option<bool>,
    unique: bool,
    index: bool,
    default: Option<LitStr>,
    references: Option<LitStr>,
    on_delete: Option<TokenStream>,
    on_update: Option<TokenStream>,
    comment: Option<String>,
    sql_type: Option<LitStr>,
    length: Option<u32>,
    nullable: Option<bool>,
    json: bool,
}

impl FieldAttrs {
    fn parse(field: &Field) -> syn::Result<FieldAttrs> {
        let mut out = FieldAttrs::default();
        let (mut sqlx_rename, mut sqlx_skip, mut sqlx_json) = (None, false, false);
        for attr in &field.attrs {
            if attr.path().is_ident("alembic") {
                attr.parse_nested_meta(|meta| {
                    match key(&meta).as_str() {
                        "rename" => out.rename = Some(string_value(&meta)?.value()),
                        "skip" => out.skip = flag(&meta)?,
                        "primary_key" => out.primary_key = flag(&meta)?,
                        "autoincrement" => out.autoincrement = Some(flag(&meta)?),
                        "unique" => out.unique = flag(&meta)?,
                        "index" => out.index = flag(&meta)?,
                        "default" => out.default = Some(string_value(&meta)?),
                        "references" => out.references = Some(string_value(&meta)?),
                        "on_delete" => out.on_delete = Some(action(&string_value(&meta)?)?),
                        "on_update" => out.on_update = Some(action(&string_value(&meta)?)?),
                        "comment" => out.comment = Some(string_value(&meta)?.value()),
                        "sql_type" => out.sql_type = Some(string_value(&meta)?),
                        "length" => out.length = Some(meta.value()?.parse::<syn::LitInt>()?.base10_parse()?),
                        "nullable" => out.nullable = Some(flag(&meta)?),
                        "json" => out.json = flag(&meta)?,
                        other => {
                            return Err(meta.error(format!(
                                "unknown column attribute `{other}`: expected rename, skip, primary_key, \
                                 autoincrement, unique, index, default, references, on_delete, on_update, comment, \
                                 sql_type, length, nullable or json"
                            )));
                        }
                    }
                    Ok(())
                })?;
            } else if attr.path().is_ident("sqlx") {
                attr.parse_nested_meta(|meta| {
                    match key(&meta).as_str() {
                        "rename" => sqlx_rename = Some(string_value(&meta)?.value()),
                        "skip" => sqlx_skip = true,
                        "json" => sqlx_json = true,
                        "flatten" => {
                            return Err(meta.error(
                                "#[derive(alembic::Table)] cannot see the columns of a flattened struct: mark the \
                                 field #[alembic(skip)] and declare those columns on this struct",
                            ));
                        }
                        _ => skip_value(&meta)?,
                    }
                    Ok(())
                })?;
            }
        }
        out.rename = out.rename.or(sqlx_rename);
        out.skip |= sqlx_skip;
        out.json |= sqlx_json;
        if out.references.is_none() && (out.on_delete.is_some() || out.on_update.is_some()) {
            return Err(syn::Error::new(
                field.span(),
                "on_delete / on_update need references = \"table.column\" on the same field",
            ));
        }
        Ok(out)
    }
}

fn action(lit: &LitStr) -> syn::Result<TokenStream> {
    let value = lit.value().to_ascii_lowercase().replace(['_', '-'], " ");
    let variant = match value.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "cascade" => quote!(Cascade),
        "set null" => quote!(SetNull),
        "set default" => quote!(SetDefault),
        "restrict" => quote!(Restrict),
        "no action" => quote!(NoAction),
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "expected \"cascade\", \"set null\", \"set default\", \"restrict\" or \"no action\"",
            ));
        }
    };
    Ok(quote!(::alembic::schema::metadata::ReferentialAction::#variant))
}

/// `Some(T)` for `Option<T>` (by its last path segment, as sqlx and serde do).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn is_string(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "String"))
}

/// The builder calls that declare one column.
fn column_tokens(field: &Field, name: &str, attrs: &FieldAttrs) -> syn::Result<TokenStream> {
    let ty = &field.ty;
    let field_name = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
    let inner = option_inner(ty).unwrap_or(ty);
    let is_option = option_inner(ty).is_some();
    let trait_path = quote_spanned!(ty.span()=> <#ty as ::alembic::models::ColumnType>);
    let (declare, default_nullable) = if let Some(sql_type) = &attrs.sql_type {
        (quote!(t.column_sql_type(#name, #sql_type)), quote!(#is_option))
    } else if attrs.json {
        (quote!(t.column(#name, ::alembic::schema::metadata::SqlType::Json)), quote!(#is_option))
    } else if let Some(length) = attrs.length {
        if !is_string(inner) {
            return Err(syn::Error::new(
                ty.span(),
                format!(
                    "field `{field_name}`: length = {length} is for String fields; for other types give the \
                     whole type with sql_type = \"…\""
                ),
            ));
        }
        let ty = quote!(::alembic::schema::metadata::SqlType::Varchar(::core::option::Option::Some(#length)));
        (quote!(t.column(#name, #ty)), quote!(#is_option))
    } else {
        if !matches!(inner, Type::Path(_)) {
            return Err(syn::Error::new(
                ty.span(),
                format!(
                    "field `{field_name}`: a field of type `{}` has no column type; give it \
                     #[alembic(sql_type = \"…\")] with the SQL type, or #[alembic(skip)] if it is not a column",
                    quote!(#ty).to_string().replace(' ', "")
                ),
            ));
        }
        (quote!(t.column(#name, #trait_path::sql_type())), quote!(#trait_path::NULLABLE))
    };
    let mut options = Vec::new();
    match attrs.nullable {
        Some(nullable) => options.push(quote!(.nullable(#nullable))),
        // A primary key column is NOT NULL whatever its Rust type says (sqlx users
        // often write `id: Option<i64>` for rows not inserted yet).
        None if attrs.primary_key => {}
        None => options.push(quote!(.nullable(#default_nullable))),
    }
    if attrs.primary_key {
        options.push(quote!(.primary_key()));
    }
    if let Some(auto) = attrs.autoincrement {
        options.push(quote!(.autoincrement(#auto)));
    }
    if attrs.unique {
        options.push(quote!(.unique()));
    }
    if attrs.index {
        options.push(quote!(.index()));
    }
    if let Some(default) = &attrs.default {
        options.push(quote!(.server_default(#default)));
    }
    if let Some(comment) = &attrs.comment {
        options.push(quote!(.comment(#comment)));
    }
    if let Some(target) = &attrs.references {
        let value = target.value();
        if value.split('.').count() < 2 || value.split('.').any(|part| part.trim().is_empty()) {
            return Err(syn::Error::new(
                target.span(),
                format!(
                    "field `{field_name}`: references = \"{value}\" must be \"table.column\" or \"schema.table.column\""
                ),
            ));
        }
        options.push(quote!(.references(#target)));
    }
    if let Some(action) = &attrs.on_delete {
        options.push(quote!(.on_delete(#action)));
    }
    if let Some(action) = &attrs.on_update {
        options.push(quote!(.on_update(#action)));
    }
    Ok(quote!(#declare #(#options)*;))
}
