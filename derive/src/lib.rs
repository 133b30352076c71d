//! The derive macros of `alembic-migrate` (re-exported as `alembic::Table` and
//! `alembic::Enum` with its `derive` feature; see `alembic::models` for the attributes).
//!
//! The generated code calls the `alembic::schema::metadata` builder, so a struct
//! declares exactly what the same builder calls written by hand would; field types go
//! through the `alembic::models::ColumnType` trait, so that an unmappable type is a
//! compile error at the field.

mod attrs;
mod enum_type;
mod table;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Declares a table from a struct: `impl alembic::models::Table`. See `alembic::models`.
#[proc_macro_derive(Table, attributes(alembic, sqlx))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    table::expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Makes a fieldless Rust enum a database enum: `impl alembic::models::ColumnType`.
/// See `alembic::models`.
#[proc_macro_derive(Enum, attributes(alembic, sqlx))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    enum_type::expand(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
