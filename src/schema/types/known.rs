//! The database type names passed through on purpose: a type string that is neither a
//! neutral form nor a SQLAlchemy alias is handed to the database as written, and it is
//! *known* when it is one of the names below (any case, with any arguments, as an
//! array). Anything else is reported as an unknown type (a warning naming file and
//! line; an error under `--strict` and in `check`), because it is most likely a typo
//! (`strng`) that the database would refuse only when the revision runs.
//!
//! The names are those PostgreSQL and SQLite document, by family:
//!
//! - PostgreSQL: the built-in types and their aliases (the table "Data Types" of its
//!   manual, plus the internal names `format_type` and `pg_dump` print: `int4`, `bpchar`,
//!   `timestamptz`, …), and the types of common extensions (`citext`, `hstore`, `ltree`,
//!   `cube`, PostGIS's `geometry` and `geography`, pgvector's `vector`).
//! - SQLite: the example names of its type-affinity rules (`TINYINT`, `MEDIUMINT`,
//!   `UNSIGNED BIG INT`, `NVARCHAR`, `CLOB`, `DATETIME`, …) and `ANY` (STRICT tables).
//!
//! Also known, whatever the name: a quoted name (`"Mood"`) and a schema-qualified one
//! (`public.mood`, `extensions.citext`), which say that a database type is meant. A
//! type of one's own (an enum or domain made with `execute`) can be written either way
//! to pass without a warning. A name with SQLAlchemy's `sa.` prefix is never a database
//! type.
//!
//! Array types (`integer[]`, `text[][]`, `varchar(20)[3]`, `integer ARRAY`) are known
//! when their element type is, and so is a type with a collation (`text COLLATE "C"`);
//! parenthesised arguments (`timestamp(3) with time zone`, `geometry(Point, 4326)`)
//! must be numbers or words.

use super::alias::has_module_prefix;

/// Integer types.
pub const INTEGER_TYPES: &[&str] = &[
    "smallint",
    "integer",
    "int",
    "bigint",
    "int2",
    "int4",
    "int8",
    "smallserial",
    "serial",
    "bigserial",
    "serial2",
    "serial4",
    "serial8",
    "tinyint",
    "mediumint",
    "unsigned big int",
    "oid",
];

/// Exact and floating-point numbers, money.
pub const NUMBER_TYPES: &[&str] =
    &["numeric", "decimal", "real", "float", "float4", "float8", "double", "double precision", "money"];

/// Character types.
pub const STRING_TYPES: &[&str] = &[
    "text",
    "varchar",
    "char",
    "character",
    "character varying",
    "char varying",
    "bpchar",
    "name",
    "citext",
    "nchar",
    "nvarchar",
    "national character",
    "national char",
    "national character varying",
    "national char varying",
    "native character",
    "varying character",
    "clob",
];

/// Binary and bit-string types.
pub const BINARY_TYPES: &[&str] = &["bytea", "blob", "bit", "bit varying", "varbit"];

/// Booleans.
pub const BOOLEAN_TYPES: &[&str] = &["boolean", "bool"];

/// Dates, times and intervals (`interval` also with its fields: `interval day to second`).
pub const DATETIME_TYPES: &[&str] = &[
    "date",
    "time",
    "timetz",
    "time with time zone",
    "time without time zone",
    "timestamp",
    "timestamptz",
    "timestamp with time zone",
    "timestamp without time zone",
    "interval",
    "datetime",
];

/// JSON, XML, UUID and other document-like types.
pub const DOCUMENT_TYPES: &[&str] = &["json", "jsonb", "jsonpath", "xml", "uuid", "hstore", "ltree"];

/// Network addresses.
pub const NETWORK_TYPES: &[&str] = &["inet", "cidr", "macaddr", "macaddr8"];

/// Geometric and spatial types.
pub const GEOMETRY_TYPES: &[&str] =
    &["point", "line", "lseg", "box", "path", "polygon", "circle", "geometry", "geography", "cube"];

/// Text search, ranges, vectors and the remaining PostgreSQL types.
pub const OTHER_TYPES: &[&str] = &[
    "tsvector",
    "tsquery",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
    "pg_lsn",
    "pg_snapshot",
    "txid_snapshot",
    "regclass",
    "regtype",
    "regproc",
    "vector",
    "any",
];

/// Every family, for [`is_known`] and the tests.
pub const FAMILIES: &[&[&str]] = &[
    INTEGER_TYPES,
    NUMBER_TYPES,
    STRING_TYPES,
    BINARY_TYPES,
    BOOLEAN_TYPES,
    DATETIME_TYPES,
    DOCUMENT_TYPES,
    NETWORK_TYPES,
    GEOMETRY_TYPES,
    OTHER_TYPES,
];

/// Names that take no arguments on PostgreSQL: with some (`text(100)`, `integer(11)`,
/// left by other databases' dumps) they are not known, as PostgreSQL refuses them.
const WITHOUT_ARGUMENTS: &[&str] = &[
    "smallint",
    "integer",
    "int",
    "bigint",
    "int2",
    "int4",
    "int8",
    "smallserial",
    "serial",
    "bigserial",
    "serial2",
    "serial4",
    "serial8",
    "oid",
    "text",
    "boolean",
    "bool",
    "date",
    "json",
    "jsonb",
    "uuid",
    "bytea",
    "money",
];

/// Words that may follow `interval` (`interval year to month`, `interval second(3)`).
const INTERVAL_FIELDS: &[&str] = &["year", "month", "day", "hour", "minute", "second", "to"];

/// Whether `text` is a database type name passed through on purpose (see the module
/// documentation).
pub fn is_known(text: &str) -> bool {
    let mut text = text.trim();
    if has_module_prefix(text) {
        return false;
    }
    // `text COLLATE "C"`: the type is what comes before.
    if let Some(at) = text.to_ascii_lowercase().find(" collate ") {
        text = text[..at].trim_end();
    }
    // Quoted (`"…"`, MySQL's `` `…` ``): a database type written on purpose.
    if text.starts_with('"') || text.starts_with('`') || is_qualified(text) {
        return true;
    }
    let Some((words, has_arguments)) = shape(text) else { return false };
    let phrase = words.join(" ");
    if has_arguments && WITHOUT_ARGUMENTS.contains(&phrase.as_str()) {
        return false;
    }
    if FAMILIES.iter().any(|family| family.contains(&phrase.as_str())) {
        return true;
    }
    matches!(words.split_first(), Some((first, fields))
        if first == "interval" && fields.iter().all(|w| INTERVAL_FIELDS.contains(&w.as_str())))
}

/// `schema.name` (either part possibly quoted): a database object named on purpose.
fn is_qualified(text: &str) -> bool {
    let Some((schema, name)) = text.split_once('.') else { return false };
    let word = |s: &str| {
        let s = s.trim();
        (s.starts_with('"') && s.ends_with('"') && s.len() > 1)
            || (!s.is_empty()
                && s.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
    };
    // The name may carry arguments or array brackets: `public.vector(3)`.
    let name_end = name.find(['(', '[', ' ']).unwrap_or(name.len());
    word(schema) && word(&name[..name_end])
}

/// The lower-case words of a type name with array suffixes and simple parenthesised
/// arguments taken out, and whether it had arguments; `None` when the text is not
/// shaped like a type name (other characters, arguments with `=` or quotes, unbalanced
/// parentheses).
fn shape(text: &str) -> Option<(Vec<String>, bool)> {
    let mut rest = text.trim().to_ascii_lowercase();
    // Array suffixes: `[]`, `[3]`, ` array`, ` array[3]`.
    loop {
        let trimmed = rest.trim_end();
        if let Some(open) = trimmed.strip_suffix(']').and_then(|t| t.rfind('[')) {
            let inside = &trimmed[open + 1..trimmed.len() - 1];
            if !inside.trim().bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            rest = trimmed[..open].to_string();
        } else if let Some(before) = trimmed.strip_suffix("array").filter(|b| b.ends_with(' ')) {
            rest = before.to_string();
        } else {
            rest = trimmed.to_string();
            break;
        }
    }
    // Parenthesised arguments: numbers and words (`(3)`, `(10, 2)`, `(point, 4326)`).
    let mut plain = String::with_capacity(rest.len());
    let mut depth = 0usize;
    let mut has_arguments = false;
    for c in rest.chars() {
        match c {
            '(' => {
                depth += 1;
                has_arguments = true;
                plain.push(' ');
            }
            ')' => {
                depth = depth.checked_sub(1)?;
                plain.push(' ');
            }
            _ if depth > 0 => {
                if !(c.is_ascii_alphanumeric() || matches!(c, ',' | ' ' | '_' | '-' | '+')) {
                    return None;
                }
            }
            _ if c.is_ascii_alphanumeric() || c == '_' || c.is_whitespace() => plain.push(c),
            _ => return None,
        }
    }
    if depth != 0 {
        return None;
    }
    let words: Vec<String> = plain.split_whitespace().map(str::to_string).collect();
    (!words.is_empty()).then_some((words, has_arguments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_type_names_are_known() {
        for text in [
            "VARCHAR(20)",
            "TIMESTAMP WITH TIME ZONE",
            "timestamp(3) with time zone",
            "jsonb",
            "citext",
            "int4",
            "bytea",
            "inet",
            "tsvector",
            "money",
            "serial",
            "integer[]",
            "text[][]",
            "varchar(20)[3]",
            "integer ARRAY",
            "double precision",
            "character varying(40)",
            "bit varying(8)",
            "interval day to second",
            "interval second(3)",
            "geometry(Point, 4326)",
            "UNSIGNED BIG INT",
            "NVARCHAR(40)",
            "CLOB",
            "TINYINT",
            "INT",
            "public.mood",
            "\"Mood\"",
            "extensions.citext",
            "public.vector(3)",
            "DECIMAL(10, 2)",
            "FLOAT(53)",
            "TIME WITH TIME ZONE",
            "CHAR(32)",
            "text COLLATE \"C\"",
            "varchar(20) collate de_DE",
        ] {
            assert!(is_known(text), "{text}");
        }
    }

    #[test]
    fn other_names_are_unknown() {
        for text in [
            "strng",
            "integr",
            "sa.Strng",
            "sa.String[]",
            "varchar(length=5)",
            "enum('a')",
            "timestamp with zone",
            "interval forever",
            "ARRAY(Integer)",
            "int[x]",
            "text(",
            "x; DROP TABLE users",
            "mood",
            "BINARY",
            "text(100)",
            "INTEGER(11)",
            "uuid(4)",
        ] {
            assert!(!is_known(text), "{text}");
        }
    }

    #[test]
    fn every_listed_name_is_lower_case_and_listed_once() {
        let mut all: Vec<&str> = FAMILIES.iter().flat_map(|f| f.iter().copied()).collect();
        assert!(all.iter().all(|n| *n == n.to_ascii_lowercase() && is_known(n)));
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a name is listed twice");
    }
}
