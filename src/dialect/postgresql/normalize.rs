//! PostgreSQL's spellings of types, for autogenerate's comparison
//! ([`crate::autogen::normalize`]): the aliases the catalog prints and how a
//! passed-through type is quoted.

use crate::schema::types::SqlType;

/// The neutral type a PostgreSQL alias (`int4`, `character varying(20)`, `bool`)
/// stands for, or the canonical spelling of `char`/`timetz`; `None` for the rest.
/// `lower` is the type in lower case with white space squashed.
pub(super) fn canonical_type(lower: &str) -> Option<SqlType> {
    let (head, args) = match lower.split_once('(') {
        Some((h, rest)) if rest.ends_with(')') && !rest.contains('(') => {
            (h.trim().to_string(), Some(rest[..rest.len() - 1].to_string()))
        }
        _ => (lower.to_string(), None),
    };
    let numbers: Option<Vec<u32>> =
        args.as_ref().map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    Some(match (head.as_str(), numbers.as_deref()) {
        ("int" | "int4" | "serial" | "serial4", None) => SqlType::Integer,
        ("int2" | "smallserial" | "serial2", None) => SqlType::SmallInt,
        ("int8" | "bigserial" | "serial8", None) => SqlType::BigInt,
        ("bool", None) => SqlType::Boolean,
        ("float8" | "double precision" | "float", None) => SqlType::Double,
        ("float4", None) => SqlType::Real,
        ("character varying" | "char varying", None) => SqlType::Varchar(None),
        ("character varying" | "char varying", Some([n])) => SqlType::Varchar(Some(*n)),
        ("decimal", None) => SqlType::Numeric { precision: None, scale: None },
        ("decimal", Some([p])) => SqlType::Numeric { precision: Some(*p), scale: None },
        ("decimal", Some([p, s])) => SqlType::Numeric { precision: Some(*p), scale: Some(*s) },
        ("timestamp without time zone", None) => SqlType::Timestamp,
        ("timestamp with time zone" | "timestamptz", None) => SqlType::TimestampTz,
        ("time without time zone", None) => SqlType::Time,
        ("bytea", None) => SqlType::Blob,
        ("char" | "character", None) => SqlType::Other("CHARACTER(1)".into()),
        ("char" | "character", Some([n])) => SqlType::Other(format!("CHARACTER({n})")),
        ("timetz" | "time with time zone", None) => SqlType::Other("TIME WITH TIME ZONE".into()),
        _ => return None,
    })
}

/// The leading name quoted, when it is a lower-case name (which the quotes leave the
/// same type); `None` otherwise (quoting would change the type).
pub(super) fn quote_type(text: &str) -> Option<String> {
    let end = text
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    let rest_ok = rest.is_empty() || rest.starts_with(['(', '[']);
    (plain && rest_ok).then(|| format!("\"{name}\"{rest}"))
}

/// Enum types compare by name and values; `numeric(p)` is `numeric(p,0)`.
pub(super) fn type_key(ty: &SqlType) -> Option<String> {
    match ty {
        SqlType::Enum { name, values } => Some(format!(
            "ENUM {name}({})",
            values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(",")
        )),
        SqlType::Numeric { precision: Some(p), scale: None } => Some(format!("NUMERIC({p},0)")),
        _ => None,
    }
}
