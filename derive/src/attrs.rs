//! Attribute parsing shared by both derives: `rename_all` rules, string lists, the
//! default table name, and reading past the `#[sqlx(…)]` keys we do not use.

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase,
};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// A `rename_all = "…"` rule: the spellings serde and sqlx accept.
#[derive(Clone, Copy)]
pub enum RenameRule {
    Lower,
    Upper,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
    Camel,
    Pascal,
}

impl RenameRule {
    pub fn parse(lit: &LitStr) -> syn::Result<RenameRule> {
        Ok(match lit.value().as_str() {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            "camelCase" => RenameRule::Camel,
            "PascalCase" => RenameRule::Pascal,
            other => {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "unknown rename_all rule \"{other}\": use \"snake_case\", \"lowercase\", \"UPPERCASE\", \
                         \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\", \"camelCase\" or \"PascalCase\""
                    ),
                ));
            }
        })
    }

    pub fn apply(self, name: &str) -> String {
        match self {
            RenameRule::Lower => name.to_lowercase(),
            RenameRule::Upper => name.to_uppercase(),
            RenameRule::Snake => name.to_snake_case(),
            RenameRule::ScreamingSnake => name.to_shouty_snake_case(),
            RenameRule::Kebab => name.to_kebab_case(),
            RenameRule::ScreamingKebab => name.to_shouty_kebab_case(),
            RenameRule::Camel => name.to_lower_camel_case(),
            RenameRule::Pascal => name.to_upper_camel_case(),
        }
    }
}

/// The default table name of a struct: its name in snake_case, made plural by the
/// usual English endings (`User` → `users`, `Category` → `categories`, `Address` →
/// `addresses`, `BlogPost` → `blog_posts`); `#[alembic(table = "…")]` says otherwise.
pub fn default_table_name(ident: &str) -> String {
    let snake = ident.to_snake_case();
    let before_last = snake.chars().rev().nth(1);
    if let Some(stem) = snake.strip_suffix('y')
        && before_last.is_some_and(|c| !"aeiou".contains(c))
    {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|end| snake.ends_with(end)) {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    }
}

/// `("a", "b")` after a key: a parenthesised list of string literals.
pub fn string_list(meta: &ParseNestedMeta) -> syn::Result<Vec<String>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let items = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(items.iter().map(LitStr::value).collect())
}

/// `= "text"` after a key.
pub fn string_value(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// `= true` / `= false` after a key, or nothing (true).
pub fn flag(meta: &ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) { Ok(meta.value()?.parse::<syn::LitBool>()?.value) } else { Ok(true) }
}

/// Reads past a key of another derive's attribute (`#[sqlx(default)]`,
/// `#[sqlx(try_from = "i64")]`, `#[sqlx(flatten)]`…) that says nothing of the schema.
pub fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// The name of a key, for error messages.
pub fn key(meta: &ParseNestedMeta) -> String {
    meta.path.get_ident().map_or_else(|| "?".to_string(), ToString::to_string)
}
