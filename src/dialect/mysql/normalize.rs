//! MySQL's and MariaDB's spellings of types and defaults, for autogenerate's
//! comparison ([`crate::autogen::normalize`]): display widths (`int(11)`), `tinyint(1)`
//! for booleans, `decimal`, `datetime`, native enums, `current_timestamp()`.

use crate::schema::types::SqlType;

/// The neutral type a MySQL spelling stands for; `lower` is in lower case with white
/// space squashed. `None` keeps the spelling (`longtext`, `int(10) unsigned`, …).
pub(super) fn canonical_type(lower: &str) -> Option<SqlType> {
    if let Some(values) = lower.strip_prefix("enum(").and_then(|r| r.strip_suffix(')')) {
        return enum_values(values).map(|values| SqlType::Enum { name: String::new(), values });
    }
    let (head, args) = match lower.split_once('(') {
        Some((h, rest)) if rest.ends_with(')') && !rest.contains('(') => (h, Some(&rest[..rest.len() - 1])),
        _ => (lower, None),
    };
    let numbers: Option<Vec<u32>> =
        args.map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    Some(match (head, numbers.as_deref()) {
        ("tinyint", Some([1])) | ("bool" | "boolean", None) => SqlType::Boolean,
        // Display widths say nothing about the values a column holds.
        ("int" | "integer", _) => SqlType::Integer,
        ("smallint", _) => SqlType::SmallInt,
        ("bigint", _) => SqlType::BigInt,
        ("double" | "double precision" | "real", None) => SqlType::Double,
        ("float", None) => SqlType::Real,
        ("decimal" | "numeric", None) => SqlType::Numeric { precision: None, scale: None },
        ("decimal" | "numeric", Some([p])) => SqlType::Numeric { precision: Some(*p), scale: Some(0) },
        ("decimal" | "numeric", Some([p, s])) => SqlType::Numeric { precision: Some(*p), scale: Some(*s) },
        ("datetime", None) => SqlType::Timestamp,
        ("varchar", Some([n])) => SqlType::Varchar(Some(*n)),
        ("json", None) => SqlType::Json,
        ("blob", None) => SqlType::Blob,
        _ => return None,
    })
}

/// The values of `'a','b'` (quotes doubled inside a value), or `None` when the text
/// is not a list of string literals.
fn enum_values(list: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut chars = list.chars().peekable();
    loop {
        if chars.next()? != '\'' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                c => value.push(c),
            }
        }
        values.push(value);
        match chars.next() {
            None => return Some(values),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

/// Enums compare by their values (MySQL's have no name, and values keep their case);
/// `numeric(p)` is `numeric(p,0)`.
pub(super) fn type_key(ty: &SqlType) -> Option<String> {
    match ty {
        SqlType::Enum { values, .. } => Some(format!(
            "ENUM({})",
            values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(",")
        )),
        SqlType::Numeric { precision: Some(p), scale: None } => Some(format!("NUMERIC({p},0)")),
        _ => None,
    }
}

/// `current_timestamp` for MySQL's spellings of the current time (`now()`,
/// `current_timestamp()` as MariaDB prints it), given lower case without white space.
pub(super) fn time_default(compact: &str) -> Option<&'static str> {
    match compact {
        "current_timestamp" | "current_timestamp()" | "now()" | "localtimestamp" | "localtimestamp()" => {
            Some("current_timestamp")
        }
        "curdate()" | "current_date" | "current_date()" => Some("current_date"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_spellings_are_the_neutral_types() {
        assert_eq!(canonical_type("int(11)"), Some(SqlType::Integer));
        assert_eq!(canonical_type("tinyint(1)"), Some(SqlType::Boolean));
        assert_eq!(canonical_type("tinyint(4)"), None);
        assert_eq!(canonical_type("bigint(20)"), Some(SqlType::BigInt));
        assert_eq!(
            canonical_type("decimal(10,2)"),
            Some(SqlType::Numeric { precision: Some(10), scale: Some(2) })
        );
        assert_eq!(canonical_type("datetime"), Some(SqlType::Timestamp));
        assert_eq!(canonical_type("int(10) unsigned"), None);
        assert_eq!(
            canonical_type("enum('a','it''s')"),
            Some(SqlType::Enum { name: String::new(), values: vec!["a".into(), "it's".into()] })
        );
        assert_eq!(canonical_type("enum('a',b)"), None);
    }
}
