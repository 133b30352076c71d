//! Column types: the dialect-neutral type names of revision files (`integer`,
//! `varchar(100)`, `enum(mood: 'happy','sad')`, …), SQLAlchemy's type names as aliases
//! of them (`String(50)`, `DateTime(timezone=True)`, see [`alias`]), and the database
//! type names that are passed through on purpose (see [`known`]).
//!
//! A type string is parsed case-insensitively and whitespace-tolerantly into a
//! [`SqlType`]; `Display` gives the canonical lowercase form back. A string that is not
//! one of the neutral forms or an alias is kept as written ([`SqlType::Other`]) and
//! handed to the database unchanged; [`SqlType::is_unknown`] says when such a string is
//! not a database type name either (a typo such as `strng`), which the CLI reports as a
//! warning naming file and line. A string that starts like a neutral form or an alias
//! with arguments but has malformed ones (`varchar(abc)`, `numeric(1,2,3)`,
//! `enum('a')`, `String(length=x)`) is an error, because it was surely meant as one.
//!
//! Two parsers:
//!
//! - [`SqlType::parse`] (also `FromStr`) reads what people write: revision files, and
//!   strings an env program parses for its `MetaData`. Aliases apply.
//! - [`SqlType::parse_neutral`] is the exact inverse of `Display`, without aliases: the
//!   schema model's serde form (the env program's JSON, cached reflections) and
//!   reflection use it, so that a type a database reports (SQLite keeps declared types
//!   as written: `INT`, `NVARCHAR(40)`) is never reinterpreted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod alias;
pub mod known;

/// A dialect-neutral column type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `smallint`: 16-bit integer.
    SmallInt,
    /// `integer`: 32-bit integer.
    Integer,
    /// `bigint`: 64-bit integer.
    BigInt,
    /// `boolean`.
    Boolean,
    /// `varchar(n)`, or `varchar` without a length.
    Varchar(Option<u32>),
    /// `text`: unbounded string.
    Text,
    /// `numeric(p,s)`, `numeric(p)` or `numeric`.
    Numeric {
        /// Total digits.
        precision: Option<u32>,
        /// Digits after the decimal point (only with a precision).
        scale: Option<u32>,
    },
    /// `real`: single-precision float.
    Real,
    /// `double`: double-precision float.
    Double,
    /// `date`.
    Date,
    /// `time`.
    Time,
    /// `timestamp`: without time zone.
    Timestamp,
    /// `timestamptz`: with time zone.
    TimestampTz,
    /// `interval`.
    Interval,
    /// `blob`: binary data.
    Blob,
    /// `json`.
    Json,
    /// `uuid`.
    Uuid,
    /// `enum(name: 'a','b')`: a named enumeration (PostgreSQL needs the name).
    Enum {
        /// The enum type's name.
        name: String,
        /// The allowed values, in order.
        values: Vec<String>,
    },
    /// Any other type, passed to the database as written (surrounding whitespace
    /// trimmed).
    Other(String),
}

/// Why a type string is not a valid type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type `{input}`: {reason}")]
pub struct SqlTypeError {
    /// The type string as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SqlType {
    /// Parses a type string as people write it: a neutral form, a SQLAlchemy type name
    /// ([`alias`]), or anything else passed through as written (see the module
    /// documentation).
    pub fn parse(input: &str) -> Result<SqlType, SqlTypeError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(SqlTypeError { input: input.to_string(), reason: "the type is empty".to_string() });
        }
        match alias::parse(text) {
            Ok(Some(ty)) => Ok(ty),
            Ok(None) => SqlType::parse_neutral(input),
            Err(reason) => Err(SqlTypeError { input: input.to_string(), reason }),
        }
    }

    /// Parses the neutral forms only, the inverse of `Display`: any other string is
    /// [`SqlType::Other`] as written, SQLAlchemy's names included. For types that come
    /// from a database or from the schema model's JSON.
    pub fn parse_neutral(input: &str) -> Result<SqlType, SqlTypeError> {
        let err = |reason: &str| SqlTypeError { input: input.to_string(), reason: reason.to_string() };
        let text = input.trim();
        if text.is_empty() {
            return Err(err("the type is empty"));
        }
        // Split into a leading keyword and an optional parenthesised argument list.
        let keyword_end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
        let keyword = text[..keyword_end].to_ascii_lowercase();
        let rest = text[keyword_end..].trim_start();
        if rest.is_empty() {
            return Ok(match keyword.as_str() {
                "smallint" => SqlType::SmallInt,
                "integer" => SqlType::Integer,
                "bigint" => SqlType::BigInt,
                "boolean" => SqlType::Boolean,
                "varchar" => SqlType::Varchar(None),
                "text" => SqlType::Text,
                "numeric" => SqlType::Numeric { precision: None, scale: None },
                "real" => SqlType::Real,
                "double" => SqlType::Double,
                "date" => SqlType::Date,
                "time" => SqlType::Time,
                "timestamp" => SqlType::Timestamp,
                "timestamptz" => SqlType::TimestampTz,
                "interval" => SqlType::Interval,
                "blob" => SqlType::Blob,
                "json" => SqlType::Json,
                "uuid" => SqlType::Uuid,
                "enum" => return Err(err("an enum needs a name and values: enum(name: 'a','b')")),
                _ => SqlType::Other(text.to_string()),
            });
        }
        let args = match (rest.strip_prefix('('), keyword.as_str()) {
            (Some(inner), "varchar" | "numeric" | "enum") => match inner.trim_end().strip_suffix(')') {
                Some(args) => args,
                // An array of it (`varchar(20)[]`, `numeric(10,2) ARRAY`): passed through.
                None if is_array_of_call(inner) => return Ok(SqlType::Other(text.to_string())),
                None => return Err(err("missing closing parenthesis")),
            },
            // Anything else (`double precision`, `timestamp(3)`, `int[]`) is not a
            // neutral form: pass it through.
            _ => return Ok(SqlType::Other(text.to_string())),
        };
        match keyword.as_str() {
            "varchar" => {
                let n = parse_number(args).ok_or_else(|| err("varchar length must be a positive integer"))?;
                Ok(SqlType::Varchar(Some(n)))
            }
            "numeric" => {
                let parts: Vec<&str> = args.split(',').collect();
                match parts.as_slice() {
                    [p] => {
                        let p = parse_number(p)
                            .ok_or_else(|| err("numeric precision must be a positive integer"))?;
                        Ok(SqlType::Numeric { precision: Some(p), scale: None })
                    }
                    [p, s] => {
                        let p = parse_number(p)
                            .ok_or_else(|| err("numeric precision must be a positive integer"))?;
                        let s = parse_digits(s)
                            .ok_or_else(|| err("numeric scale must be a non-negative integer"))?;
                        if s > p {
                            return Err(err("numeric scale cannot exceed the precision"));
                        }
                        Ok(SqlType::Numeric { precision: Some(p), scale: Some(s) })
                    }
                    _ => Err(err("numeric takes (precision) or (precision, scale)")),
                }
            }
            _ => parse_enum(args).map_err(|reason| err(&reason)),
        }
    }

    /// The text of an [`SqlType::Other`] that is not a database type name this crate
    /// knows ([`known::is_known`]): most likely a typo, passed to the database as
    /// written. `None` for every other type.
    pub fn unknown_name(&self) -> Option<&str> {
        match self {
            SqlType::Other(text) if !known::is_known(text) => Some(text),
            _ => None,
        }
    }

    /// Whether this is an [`SqlType::Other`] that no database type name explains
    /// (see [`SqlType::unknown_name`]).
    pub fn is_unknown(&self) -> bool {
        self.unknown_name().is_some()
    }
}

/// Whether the text after `name(` is `…)[]`, `…)[3]` or `…) ARRAY`.
fn is_array_of_call(inner: &str) -> bool {
    let trimmed = inner.trim_end();
    let Some(close) = trimmed.find(')') else { return false };
    let after = trimmed[close + 1..].trim();
    let brackets = after.starts_with('[')
        && after.ends_with(']')
        && after.split(['[', ']']).all(|part| part.trim().bytes().all(|b| b.is_ascii_digit()));
    brackets || after.eq_ignore_ascii_case("array")
}

/// A positive integer, surrounding whitespace allowed.
fn parse_number(text: &str) -> Option<u32> {
    parse_digits(text).filter(|n| *n > 0)
}

/// A non-negative integer written with ASCII digits only, surrounding whitespace allowed.
fn parse_digits(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok()
}

/// The inside of `enum(name: 'a','b')`.
pub(crate) fn parse_enum(args: &str) -> Result<SqlType, String> {
    let Some((name, values)) = args.split_once(':') else {
        return Err("an enum needs a name: enum(name: 'a','b')".to_string());
    };
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err("the enum name must be a non-empty identifier".to_string());
    }
    let mut out = Vec::new();
    let mut chars = values.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('\'') {
            return Err("enum values must be single-quoted strings".to_string());
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                // SQL style: a doubled quote stands for one quote.
                Some('\'') if chars.next_if_eq(&'\'').is_some() => value.push('\''),
                Some('\'') => break,
                Some(c) => value.push(c),
                None => return Err("unterminated enum value".to_string()),
            }
        }
        out.push(value);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => break,
            Some(',') => continue,
            Some(_) => return Err("enum values must be separated by commas".to_string()),
        }
    }
    Ok(SqlType::Enum { name: name.to_string(), values: out })
}

impl FromStr for SqlType {
    type Err = SqlTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SqlType::parse(s)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::SmallInt => f.write_str("smallint"),
            SqlType::Integer => f.write_str("integer"),
            SqlType::BigInt => f.write_str("bigint"),
            SqlType::Boolean => f.write_str("boolean"),
            SqlType::Varchar(None) => f.write_str("varchar"),
            SqlType::Varchar(Some(n)) => write!(f, "varchar({n})"),
            SqlType::Text => f.write_str("text"),
            SqlType::Numeric { precision: None, .. } => f.write_str("numeric"),
            SqlType::Numeric { precision: Some(p), scale: None } => write!(f, "numeric({p})"),
            SqlType::Numeric { precision: Some(p), scale: Some(s) } => write!(f, "numeric({p},{s})"),
            SqlType::Real => f.write_str("real"),
            SqlType::Double => f.write_str("double"),
            SqlType::Date => f.write_str("date"),
            SqlType::Time => f.write_str("time"),
            SqlType::Timestamp => f.write_str("timestamp"),
            SqlType::TimestampTz => f.write_str("timestamptz"),
            SqlType::Interval => f.write_str("interval"),
            SqlType::Blob => f.write_str("blob"),
            SqlType::Json => f.write_str("json"),
            SqlType::Uuid => f.write_str("uuid"),
            SqlType::Enum { name, values } => {
                write!(f, "enum({name}: ")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "'{}'", value.replace('\'', "''"))?;
                }
                f.write_str(")")
            }
            SqlType::Other(text) => f.write_str(text),
        }
    }
}

/// The serde form of a database type whose text reads as a neutral type
/// (`{"database_type": "TIMESTAMP"}`: SQLite's `TIMESTAMP` is not `timestamp`, which
/// SQLite spells `DATETIME`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseType {
    database_type: String,
}

impl Serialize for SqlType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let SqlType::Other(text) = self
            && !matches!(SqlType::parse_neutral(text), Ok(SqlType::Other(ref same)) if same == text)
        {
            return DatabaseType { database_type: text.clone() }.serialize(serializer);
        }
        serializer.collect_str(self)
    }
}

/// The serde form is the `Display` text, read back with [`SqlType::parse_neutral`] so
/// that it round-trips exactly (the schema model's JSON); a database type that would
/// read as another ([`DatabaseType`]) is an object. Revision files read types with
/// [`SqlType::parse`] instead ([`de_written`]).
impl<'de> Deserialize<'de> for SqlType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Database(DatabaseType),
        }
        match Form::deserialize(deserializer)? {
            Form::Text(text) => SqlType::parse_neutral(&text).map_err(serde::de::Error::custom),
            Form::Database(DatabaseType { database_type }) => Ok(SqlType::Other(database_type)),
        }
    }
}

/// A type as people write it ([`SqlType::parse`], aliases included), for
/// `#[serde(deserialize_with)]` on the ops' `type` keys.
pub(crate) fn de_written<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SqlType, D::Error> {
    let text = String::deserialize(deserializer)?;
    SqlType::parse(&text).map_err(serde::de::Error::custom)
}

/// [`de_written`] for an optional key.
pub(crate) fn de_opt_written<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SqlType>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(text) => SqlType::parse(&text).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}
