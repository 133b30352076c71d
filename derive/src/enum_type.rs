//! `#[derive(Enum)]`: a fieldless Rust enum becomes a database enum type.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::attrs::{RenameRule, key, skip_value, string_value};

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(alembic::Enum)] is for enums with unit variants",
        ));
    };
    // `#[alembic(name = "…", rename_all = "…")]`, else sqlx's `type_name` / `rename_all`
    // (so that `#[derive(sqlx::Type)]` on the same enum agrees with the schema).
    let (mut name, mut rename_all) = (None, None);
    let (mut sqlx_name, mut sqlx_rename_all) = (None, None);
    for attr in &input.attrs {
        if attr.path().is_ident("alembic") {
            attr.parse_nested_meta(|meta| {
                match key(&meta).as_str() {
                    "name" => name = Some(string_value(&meta)?.value()),
                    "rename_all" => rename_all = Some(RenameRule::parse(&string_value(&meta)?)?),
                    other => {
                        return Err(meta.error(format!(
                            "unknown enum attribute `{other}`: expected name = \"…\" or rename_all = \"…\""
                        )));
                    }
                }
                Ok(())
            })?;
        } else if attr.path().is_ident("sqlx") {
            attr.parse_nested_meta(|meta| {
                match key(&meta).as_str() {
                    "type_name" => sqlx_name = Some(string_value(&meta)?.value()),
                    "rename_all" => sqlx_rename_all = Some(RenameRule::parse(&string_value(&meta)?)?),
                    _ => skip_value(&meta)?,
                }
                Ok(())
            })?;
        }
    }
    let name = name.or(sqlx_name).unwrap_or_else(|| input.ident.to_string().to_snake_case());
    let rename_all = rename_all.or(sqlx_rename_all);
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new(
                variant.ident.span(),
                format!(
                    "variant `{}` has fields: a database enum holds names only, so #[derive(alembic::Enum)] takes \
                     unit variants",
                    variant.ident
                ),
            ));
        }
        let mut rename = None;
        for attr in &variant.attrs {
            let ours = attr.path().is_ident("alembic");
            if ours || attr.path().is_ident("sqlx") {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        let value = string_value(&meta)?.value();
                        // Ours wins over sqlx's, whichever comes first.
                        if ours || rename.is_none() {
                            rename = Some(value);
                        }
                        Ok(())
                    } else if ours {
                        Err(meta.error("unknown variant attribute: expected rename = \"…\""))
                    } else {
                        skip_value(&meta)
                    }
                })?;
            }
        }
        let ident = variant.ident.to_string();
        values.push(rename.unwrap_or_else(|| rename_all.map_or(ident.clone(), |rule| rule.apply(&ident))));
    }
    if values.is_empty() {
        return Err(syn::Error::new(input.ident.span(), "a database enum needs at least one variant"));
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::alembic::models::ColumnType for #ident #ty_generics #where_clause {
            fn sql_type() -> ::alembic::schema::metadata::SqlType {
                ::alembic::schema::metadata::SqlType::Enum {
                    name: ::std::string::String::from(#name),
                    values: ::std::vec![#(::std::string::String::from(#values)),*],
                }
            }
        }
    })
}
