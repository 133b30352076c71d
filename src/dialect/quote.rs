//! Identifier quoting, following SQLAlchemy's rule so generated SQL matches Alembic's:
//! a name is quoted when it is a reserved word of the dialect, has upper-case letters
//! (both databases fold unquoted names), starts with a digit or `$`, or has a character
//! other than `a-z`, `0-9`, `_` and `$`. Quotes inside a name are doubled.

use super::Dialect;

/// PostgreSQL's reserved key words (those that cannot be column or table names
/// unquoted), as SQLAlchemy lists them.
const POSTGRESQL_RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "new",
    "not",
    "notnull",
    "null",
    "of",
    "off",
    "offset",
    "old",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "over",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// SQLite's key words that need quoting as names, as SQLAlchemy lists them.
const SQLITE_RESERVED: &[&str] = &[
    "add",
    "after",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "false",
    "for",
    "foreign",
    "from",
    "full",
    "glob",
    "group",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "left",
    "like",
    "limit",
    "match",
    "natural",
    "not",
    "notnull",
    "null",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "plan",
    "pragma",
    "primary",
    "query",
    "raise",
    "references",
    "reindex",
    "rename",
    "replace",
    "restrict",
    "right",
    "rollback",
    "row",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "to",
    "transaction",
    "trigger",
    "true",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
];

/// Whether `word` (any case) is reserved in `dialect`.
pub fn is_reserved(dialect: Dialect, word: &str) -> bool {
    let list = match dialect {
        Dialect::Sqlite => SQLITE_RESERVED,
        Dialect::Postgresql | Dialect::Mysql => POSTGRESQL_RESERVED,
    };
    let lower = word.to_ascii_lowercase();
    list.binary_search(&lower.as_str()).is_ok()
}

/// Whether `name` must be quoted to be read back as written.
pub fn needs_quotes(dialect: Dialect, name: &str) -> bool {
    let legal = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$';
    let bad_start = name.chars().next().is_none_or(|c| c.is_ascii_digit() || c == '$');
    bad_start || !name.chars().all(legal) || is_reserved(dialect, name)
}

/// `name` as an SQL identifier, quoted only when needed.
pub fn quote_identifier(dialect: Dialect, name: &str) -> String {
    if needs_quotes(dialect, name) { format!("\"{}\"", name.replace('"', "\"\"")) } else { name.to_string() }
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
        assert!(SQLITE_RESERVED.windows(2).all(|w| w[0] < w[1]));
        assert!(POSTGRESQL_RESERVED.windows(2).all(|w| w[0] < w[1]));
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
