//! Identifier quoting, following SQLAlchemy's rule so generated SQL matches Alembic's:
//! a name is quoted when it is a reserved word of the dialect, has upper-case letters
//! (both databases fold unquoted names), starts with a digit or `$`, or has a character
//! other than `a-z`, `0-9`, `_` and `$`. Quotes inside a name are doubled. The quote
//! character and the reserved words are the dialect's ([`DialectImpl`](super::imp::DialectImpl)).

use super::Dialect;

/// Whether `word` (any case) is reserved in `dialect`.
pub fn is_reserved(dialect: Dialect, word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    dialect.imp().reserved_words().binary_search(&lower.as_str()).is_ok()
}

/// Whether `name` must be quoted to be read back as written.
pub fn needs_quotes(dialect: Dialect, name: &str) -> bool {
    let legal = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$';
    let bad_start = name.chars().next().is_none_or(|c| c.is_ascii_digit() || c == '$');
    bad_start || !name.chars().all(legal) || is_reserved(dialect, name)
}

/// `name` as an SQL identifier, quoted only when needed.
pub fn quote_identifier(dialect: Dialect, name: &str) -> String {
    if needs_quotes(dialect, name) {
        let q = dialect.imp().identifier_quote();
        format!("{q}{}{q}", name.replace(q, &format!("{q}{q}")))
    } else {
        name.to_string()
    }
}

/// `schema.name` (each part quoted as needed), or `name` when `schema` is `None`. On
/// SQLite the schema is the name of an attached database.
pub fn qualified_name(dialect: Dialect, schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", quote_identifier(dialect, s), quote_identifier(dialect, name)),
        None => quote_identifier(dialect, name),
    }
}

/// A comma-separated list of quoted identifiers.
pub fn identifier_list(dialect: Dialect, names: &[String]) -> String {
    names.iter().map(|n| quote_identifier(dialect, n)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_lists_are_sorted_for_binary_search() {
        for dialect in Dialect::ALL {
            assert!(dialect.imp().reserved_words().windows(2).all(|w| w[0] < w[1]), "{dialect}");
        }
    }

    #[test]
    fn quotes_only_when_needed() {
        let pg = Dialect::Postgresql;
        assert_eq!(quote_identifier(pg, "users"), "users");
        assert_eq!(quote_identifier(pg, "user"), "\"user\"");
        assert_eq!(quote_identifier(Dialect::Sqlite, "user"), "user");
        assert_eq!(quote_identifier(Dialect::Sqlite, "order"), "\"order\"");
        assert_eq!(quote_identifier(pg, "Name"), "\"Name\"");
        assert_eq!(quote_identifier(pg, "first name"), "\"first name\"");
        assert_eq!(quote_identifier(pg, "a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_identifier(pg, "1abc"), "\"1abc\"");
        assert_eq!(qualified_name(pg, Some("Audit"), "log"), "\"Audit\".log");
    }
}
