//! SQLAlchemy's type names as aliases of the neutral types, so that a column copied
//! from an Alembic script (`sa.Column("name", sa.String(50))`) can be written
//! `type = "String(50)"`. Names are case-insensitive, take SQLAlchemy's arguments
//! (positional or by keyword, `True`/`False`/`None`, quoted strings), may carry a
//! `sa.` or `sqlalchemy.` prefix, and `Integer()` is `Integer`.
//!
//! Each alias stands for the neutral type that renders what SQLAlchemy renders for the
//! type on PostgreSQL and SQLite (checked against SQLAlchemy by the tests):
//!
//! | SQLAlchemy | neutral type | PostgreSQL | SQLite |
//! |---|---|---|---|
//! | `String`, `Unicode`, `VARCHAR` | `varchar` | `VARCHAR` | `VARCHAR` |
//! | `String(50)`, `Unicode(50)`, `VARCHAR(50)`, `length=50` | `varchar(50)` | `VARCHAR(50)` | `VARCHAR(50)` |
//! | `Text`, `UnicodeText`, `TEXT` | `text` | `TEXT` | `TEXT` |
//! | `CHAR(n)` | passed through as `CHAR(n)` | `CHAR(n)` | `CHAR(n)` |
//! | `Integer`, `INTEGER` | `integer` | `INTEGER` | `INTEGER` |
//! | `SmallInteger`, `SMALLINT` | `smallint` | `SMALLINT` | `SMALLINT` |
//! | `BigInteger`, `BIGINT` | `bigint` | `BIGINT` | `BIGINT` |
//! | `Boolean`, `BOOLEAN` | `boolean` | `BOOLEAN` | `BOOLEAN` |
//! | `Float`, `Float(53)` | passed through as `FLOAT`, `FLOAT(53)` | `FLOAT` | `FLOAT` |
//! | `Double`, `DOUBLE`, `DOUBLE_PRECISION` | `double` | `DOUBLE PRECISION` | `DOUBLE` |
//! | `REAL` | `real` | `REAL` | `REAL` |
//! | `Numeric`, `Numeric(10, 2)`, `NUMERIC` | `numeric(10,2)` | `NUMERIC(10, 2)` | `NUMERIC(10, 2)` |
//! | `DECIMAL(10, 2)` | passed through as `DECIMAL(10, 2)` | `NUMERIC(10,2)` | `DECIMAL(10, 2)` |
//! | `Date`, `DATE` | `date` | `DATE` | `DATE` |
//! | `Time` | `time` | `TIME WITHOUT TIME ZONE` | `TIME` |
//! | `Time(timezone=True)` | passed through as `TIME WITH TIME ZONE` | `TIME WITH TIME ZONE` | `TIME WITH TIME ZONE` (SQLAlchemy: `TIME`) |
//! | `DateTime`, `DATETIME`, `TIMESTAMP` | `timestamp` | `TIMESTAMP WITHOUT TIME ZONE` | `DATETIME` |
//! | `DateTime(timezone=True)`, `TIMESTAMP(timezone=True)` | `timestamptz` | `TIMESTAMP WITH TIME ZONE` | `DATETIME` |
//! | `Interval` | `interval` | `INTERVAL` | `DATETIME` |
//! | `JSON` | `json` | `JSON` | `JSON` |
//! | `LargeBinary`, `BLOB`, `PickleType` | `blob` | `BYTEA` | `BLOB` |
//! | `Uuid`, `UUID` | `uuid` | `UUID` | `CHAR(32)` |
//! | `Uuid(native_uuid=False)` | passed through as `CHAR(32)` | `CHAR(32)` | `CHAR(32)` |
//! | `Enum('a', 'b', name='mood')` | `enum(mood: 'a','b')` | the type `mood` | `VARCHAR(1)` plus a CHECK |
//!
//! Where SQLAlchemy's upper-case class renders its own name on SQLite and the neutral
//! type of the same name does not (`TIMESTAMP`, `UUID`, `DOUBLE_PRECISION`), the
//! neutral meaning wins: names are case-insensitive, and `timestamp` has always been
//! the neutral type. `Enum` always adds the CHECK on SQLite (SQLAlchemy only with
//! `create_constraint=True`).
//!
//! A SQL type name with SQL arguments (`timestamp(3)`, `numeric(10,2)`, `char(10)`,
//! `text(100)` from a SQLite schema) is read as SQL, not as a SQLAlchemy call: only
//! keyword arguments, quoted strings, `()` or a `sa.` prefix make it one. Arguments that
//! only steer Python (`as_uuid`, `asdecimal`, `none_as_null`, `create_constraint=False`,
//! …) are accepted and ignored; arguments that would change the DDL in a way the neutral
//! type cannot say (`collation`, `Interval(second_precision=…)`, `Enum(native_enum=False)`,
//! a length on `Text`) are errors naming them.
//!
//! Not aliases: `ARRAY` (write `integer[]`), `NCHAR`, `NVARCHAR`, `CLOB`, `BINARY`,
//! `VARBINARY` (passed through as written, database type names of their own), and
//! the Python-side `TypeDecorator`, `UserDefinedType`, `Variant`, `NullType`,
//! `MatchType`, `TupleType`.

use super::SqlType;

/// The alias `text` stands for: `Ok(None)` when it is not an alias (a neutral form or a
/// string passed through), an error text when it is one with bad arguments. `text` is
/// trimmed and not empty.
pub(crate) fn parse(text: &str) -> Result<Option<SqlType>, String> {
    let (body, prefixed) = strip_module(text);
    let Some((name, rest)) = split_name(body) else { return Ok(None) };
    let lower = name.to_ascii_lowercase();
    let Some(alias) = ALIASES.iter().find(|a| a.name == lower) else { return Ok(None) };
    // What SQL would read as SQL is left to the neutral parser.
    let sql = alias.sql_name && !prefixed;
    let inner = if rest.is_empty() {
        None
    } else if let Some(after) = rest.strip_prefix('(') {
        match matching_close(after) {
            Some(close) if after[close + 1..].trim().is_empty() => Some(&after[..close]),
            // `timestamp(3) with time zone`: not a call.
            Some(_) => return Ok(None),
            None if sql => return Ok(None),
            None => return Err(format!("{name}: missing closing parenthesis (or quote)")),
        }
    } else {
        // `String[]`, `timestamp with time zone`: not a call.
        return Ok(None);
    };
    if sql && inner.is_some_and(sql_arguments) {
        return Ok(None);
    }
    let args = match inner {
        None => Args::default(),
        Some(inner) => Args::parse(inner).map_err(|e| format!("{name}: {e}"))?,
    };
    (alias.build)(&Bound::new(name, alias.params, &args)?).map(Some)
}

/// A leading identifier and the text after it (spaces trimmed).
fn split_name(text: &str) -> Option<(&str, &str)> {
    let first = text.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    Some((&text[..end], text[end..].trim_start()))
}

/// `text` without a leading `sa.` / `sqlalchemy.` (and `types.`), and whether it had one.
fn strip_module(text: &str) -> (&str, bool) {
    for prefix in ["sqlalchemy.types.", "sqlalchemy.", "sa.types.", "sa."] {
        if text.len() > prefix.len()
            && text.is_char_boundary(prefix.len())
            && text[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            return (&text[prefix.len()..], true);
        }
    }
    (text, false)
}

/// Whether a module prefix (`sa.`) starts `text`: such a name is meant as SQLAlchemy's,
/// so an unknown one is a mistake, not a schema-qualified database type.
pub(crate) fn has_module_prefix(text: &str) -> bool {
    strip_module(text.trim()).1
}

/// SQL-style arguments: numbers and words separated by commas (`3`, `10, 2`), or the
/// neutral enum form (`mood: 'a','b'`). Keyword arguments, quoted strings (outside the
/// enum form) and Python's `True`/`False`/`None` make a SQLAlchemy call.
fn sql_arguments(inner: &str) -> bool {
    let inner = inner.trim();
    if inner.is_empty() {
        return false;
    }
    let before_quote = inner.split(['\'', '"']).next().unwrap_or("");
    if before_quote.contains(':') {
        return true;
    }
    let python =
        |piece: &str| matches!(piece.trim().to_ascii_lowercase().as_str(), "true" | "false" | "none");
    !inner.contains(['=', '\'', '"']) && !inner.split(',').any(python)
}

/// The characters of `inner` outside quotes (`'…'`, `"…"`, backslash escapes inside),
/// each with its byte index and the parenthesis depth before it: the one scan that
/// [`matching_close`] and [`split_top_level`] share.
fn unquoted(inner: &str) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = inner.char_indices();
    std::iter::from_fn(move || {
        loop {
            let (i, c) = chars.next()?;
            match (quote, c) {
                (Some(_), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, c) => {
                    let before = depth;
                    match c {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    return Some((i, c, before));
                }
            }
        }
    })
}

/// The byte index in `inner` of the `)` closing the parenthesis opened just before it,
/// outside quotes.
fn matching_close(inner: &str) -> Option<usize> {
    unquoted(inner).find(|&(_, c, depth)| c == ')' && depth == 0).map(|(i, _, _)| i)
}

/// An argument value as Python writes it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(u64),
    Bool(bool),
    None,
    Str(String),
    /// A name (`Integer`, `MyEnum`, `sa.Integer`): nothing an alias takes.
    Word(String),
}

impl Value {
    fn parse(text: &str) -> Result<Value, String> {
        let t = text.trim();
        if let Some(q @ ('\'' | '"')) = t.chars().next() {
            return unquote(t, q).map(Value::Str);
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse().map(Value::Int).map_err(|_| format!("`{t}` is too large"));
        }
        match t.to_ascii_lowercase().as_str() {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "none" => return Ok(Value::None),
            _ => {}
        }
        let word = !t.is_empty()
            && t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if word { Ok(Value::Word(t.to_string())) } else { Err(format!("cannot read the argument `{t}`")) }
    }

    fn describe(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Value::None => "None".to_string(),
            Value::Str(s) => format!("'{s}'"),
            Value::Word(w) => w.clone(),
        }
    }
}

/// The inside of a quoted string starting with `q`, which must end the text: `\x`
/// stands for `x`, and a doubled quote for one (SQL style).
fn unquote(text: &str, q: char) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text[q.len_utf8()..].chars();
    loop {
        match chars.next() {
            None => return Err(format!("unterminated string {text}")),
            Some('\\') => match chars.next() {
                Some(c) => out.push(c),
                None => return Err(format!("unterminated string {text}")),
            },
            Some(c) if c == q => {
                let mut rest = chars.clone();
                if rest.next() == Some(q) {
                    out.push(q);
                    chars = rest;
                    continue;
                }
                if !chars.as_str().trim().is_empty() {
                    return Err(format!("unexpected text after the string {text}"));
                }
                return Ok(out);
            }
            Some(c) => out.push(c),
        }
    }
}

/// A call's arguments: positional ones, then `key=value` ones.
#[derive(Debug, Default)]
struct Args {
    positional: Vec<Value>,
    keyword: Vec<(String, Value)>,
}

impl Args {
    fn parse(inner: &str) -> Result<Args, String> {
        let mut args = Args::default();
        let pieces = split_top_level(inner);
        let count = pieces.len();
        for (i, piece) in pieces.into_iter().enumerate() {
            let piece = piece.trim();
            if piece.is_empty() {
                // `()` and a trailing comma, as Python allows.
                if count == 1 || (i == count - 1 && i > 0) {
                    continue;
                }
                return Err("an argument is empty".to_string());
            }
            match keyword_split(piece) {
                Some((key, value)) => {
                    if args.keyword.iter().any(|(k, _)| k == key) {
                        return Err(format!("argument `{key}` is given twice"));
                    }
                    args.keyword.push((key.to_string(), Value::parse(value)?));
                }
                None if !args.keyword.is_empty() => {
                    return Err(format!("the positional argument `{piece}` follows keyword arguments"));
                }
                None => args.positional.push(Value::parse(piece)?),
            }
        }
        Ok(args)
    }
}

/// `inner` split at the commas outside quotes and parentheses.
fn split_top_level(inner: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _, _) in unquoted(inner).filter(|&(_, c, depth)| c == ',' && depth == 0) {
        pieces.push(&inner[start..i]);
        start = i + 1;
    }
    pieces.push(&inner[start..]);
    pieces
}

/// `key = value` when `piece` starts with an identifier followed by a lone `=`.
fn keyword_split(piece: &str) -> Option<(&str, &str)> {
    let end = piece.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let key = &piece[..end];
    let rest = piece[end..].trim_start().strip_prefix('=')?;
    if key.is_empty() || rest.starts_with('=') || key.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((key, rest))
}

/// A call's arguments bound to the parameters of the alias, as Python binds them.
struct Bound<'a> {
    name: &'a str,
    values: Vec<(&'static str, Value)>,
    /// Extra positional arguments, for `Enum('a', 'b', …)`.
    rest: Vec<Value>,
}

impl<'a> Bound<'a> {
    fn new(name: &'a str, params: Params, args: &Args) -> Result<Bound<'a>, String> {
        let mut values: Vec<(&'static str, Value)> = Vec::new();
        let mut rest = Vec::new();
        let positional_params = if params.varargs { &[][..] } else { params.names };
        for (i, value) in args.positional.iter().enumerate() {
            match positional_params.get(i) {
                Some(param) => values.push((param, value.clone())),
                None if params.varargs => rest.push(value.clone()),
                None => {
                    return Err(match params.names.len() {
                        0 => format!("{name} takes no arguments"),
                        n => format!("{name} takes at most {n} arguments ({})", params.names.join(", ")),
                    });
                }
            }
        }
        for (key, value) in &args.keyword {
            let Some(param) = params.names.iter().chain(params.ignored).find(|p| **p == key.as_str()) else {
                let mut accepted: Vec<&str> = params.names.to_vec();
                accepted.extend(params.ignored);
                return Err(if accepted.is_empty() {
                    format!("{name} takes no arguments (`{key}` given)")
                } else {
                    format!("{name} has no argument `{key}` here (it takes {})", accepted.join(", "))
                });
            };
            if values.iter().any(|(p, _)| p == param) {
                return Err(format!("{name} got argument `{key}` twice"));
            }
            values.push((param, value.clone()));
        }
        // `None` is the default of every parameter here: the same as leaving it out.
        values.retain(|(_, v)| *v != Value::None);
        Ok(Bound { name, values, rest })
    }

    fn get(&self, param: &str) -> Option<&Value> {
        self.values.iter().find(|(p, _)| *p == param).map(|(_, v)| v)
    }

    /// A positive integer argument.
    fn number(&self, param: &str) -> Result<Option<u32>, String> {
        match self.get(param) {
            None => Ok(None),
            Some(Value::Int(n)) if *n > 0 => {
                u32::try_from(*n).map(Some).map_err(|_| format!("{}: `{param}` is too large", self.name))
            }
            Some(other) => {
                Err(format!("{}: `{param}` must be a positive integer, not {}", self.name, other.describe()))
            }
        }
    }

    /// A True/False argument (absent: `default`).
    fn flag(&self, param: &str, default: bool) -> Result<bool, String> {
        match self.get(param) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => {
                Err(format!("{}: `{param}` must be True or False, not {}", self.name, other.describe()))
            }
        }
    }

    /// An argument that changes the DDL in a way the neutral type cannot express: an
    /// error when given (other than as `allowed`).
    fn unsupported(&self, param: &str, allowed: Option<&Value>) -> Result<(), String> {
        match self.get(param) {
            Some(v) if Some(v) != allowed => Err(format!(
                "{}: `{param}={}` is not supported (the column would not be what SQLAlchemy creates)",
                self.name,
                v.describe()
            )),
            _ => Ok(()),
        }
    }
}

/// The parameters of an alias, in SQLAlchemy's order.
#[derive(Clone, Copy)]
struct Params {
    names: &'static [&'static str],
    /// Python-side keyword arguments, accepted and ignored.
    ignored: &'static [&'static str],
    /// Positional arguments are values (`Enum('a', 'b')`), not parameters.
    varargs: bool,
}

const fn params(names: &'static [&'static str], ignored: &'static [&'static str]) -> Params {
    Params { names, ignored, varargs: false }
}

struct Alias {
    /// Lower-case name.
    name: &'static str,
    /// Also a SQL type name: SQL-style arguments (`timestamp(3)`) are SQL.
    sql_name: bool,
    params: Params,
    build: fn(&Bound<'_>) -> Result<SqlType, String>,
}

const NONE: Params = params(&[], &[]);
const STRING: Params = params(&["length", "collation"], &[]);
const FLOAT: Params = params(&["precision"], &["asdecimal", "decimal_return_scale"]);
const NUMERIC: Params = params(&["precision", "scale"], &["decimal_return_scale", "asdecimal"]);
const TIMEZONE: Params = params(&["timezone"], &[]);

/// Every alias (see the module documentation).
const ALIASES: &[Alias] = &[
    Alias { name: "string", sql_name: false, params: STRING, build: varchar },
    Alias { name: "unicode", sql_name: false, params: STRING, build: varchar },
    Alias { name: "varchar", sql_name: true, params: STRING, build: varchar },
    Alias { name: "text", sql_name: true, params: STRING, build: text },
    Alias { name: "unicodetext", sql_name: false, params: STRING, build: text },
    Alias { name: "char", sql_name: true, params: STRING, build: char },
    Alias { name: "integer", sql_name: true, params: NONE, build: |_| Ok(SqlType::Integer) },
    Alias { name: "smallinteger", sql_name: false, params: NONE, build: |_| Ok(SqlType::SmallInt) },
    Alias { name: "smallint", sql_name: true, params: NONE, build: |_| Ok(SqlType::SmallInt) },
    Alias { name: "biginteger", sql_name: false, params: NONE, build: |_| Ok(SqlType::BigInt) },
    Alias { name: "bigint", sql_name: true, params: NONE, build: |_| Ok(SqlType::BigInt) },
    Alias {
        name: "boolean",
        sql_name: true,
        params: params(&["create_constraint"], &["name"]),
        build: |b| {
            b.unsupported("create_constraint", Some(&Value::Bool(false)))?;
            Ok(SqlType::Boolean)
        },
    },
    Alias { name: "float", sql_name: true, params: FLOAT, build: float },
    Alias { name: "double", sql_name: true, params: FLOAT, build: double },
    Alias { name: "double_precision", sql_name: false, params: FLOAT, build: double },
    Alias {
        name: "real",
        sql_name: true,
        params: FLOAT,
        build: |b| {
            b.unsupported("precision", None)?;
            Ok(SqlType::Real)
        },
    },
    Alias { name: "numeric", sql_name: true, params: NUMERIC, build: numeric },
    Alias { name: "decimal", sql_name: true, params: NUMERIC, build: decimal },
    Alias { name: "date", sql_name: true, params: NONE, build: |_| Ok(SqlType::Date) },
    Alias { name: "time", sql_name: true, params: TIMEZONE, build: time },
    Alias { name: "datetime", sql_name: true, params: TIMEZONE, build: timestamp },
    Alias { name: "timestamp", sql_name: true, params: TIMEZONE, build: timestamp },
    Alias {
        name: "interval",
        sql_name: true,
        params: params(&["native", "second_precision", "day_precision"], &[]),
        build: |b| {
            b.unsupported("native", Some(&Value::Bool(true)))?;
            b.unsupported("second_precision", None)?;
            b.unsupported("day_precision", None)?;
            Ok(SqlType::Interval)
        },
    },
    Alias {
        name: "json",
        sql_name: true,
        params: params(&[], &["none_as_null"]),
        build: |_| Ok(SqlType::Json),
    },
    Alias { name: "largebinary", sql_name: false, params: params(&["length"], &[]), build: blob },
    Alias { name: "blob", sql_name: true, params: params(&["length"], &[]), build: blob },
    Alias {
        name: "pickletype",
        sql_name: false,
        params: params(&[], &["protocol", "pickler", "comparator"]),
        build: |_| Ok(SqlType::Blob),
    },
    Alias {
        name: "uuid",
        sql_name: true,
        params: params(&[], &["as_uuid", "native_uuid"]),
        build: |b| {
            Ok(if b.flag("native_uuid", true)? { SqlType::Uuid } else { SqlType::Other("CHAR(32)".into()) })
        },
    },
    Alias {
        name: "enum",
        sql_name: true,
        params: Params {
            names: &["name", "native_enum", "length", "schema"],
            ignored: &["create_constraint", "validate_strings", "values_callable", "inherit_schema", "quote"],
            varargs: true,
        },
        build: enumeration,
    },
];

fn varchar(b: &Bound<'_>) -> Result<SqlType, String> {
    b.unsupported("collation", None)?;
    Ok(SqlType::Varchar(b.number("length")?))
}

fn text(b: &Bound<'_>) -> Result<SqlType, String> {
    b.unsupported("collation", None)?;
    if let Some(n) = b.number("length")? {
        return Err(format!(
            "{}: a length is not supported: PostgreSQL's TEXT takes none (write varchar({n}) for a limit)",
            b.name
        ));
    }
    Ok(SqlType::Text)
}

fn char(b: &Bound<'_>) -> Result<SqlType, String> {
    b.unsupported("collation", None)?;
    Ok(SqlType::Other(match b.number("length")? {
        Some(n) => format!("CHAR({n})"),
        None => "CHAR".to_string(),
    }))
}

fn float(b: &Bound<'_>) -> Result<SqlType, String> {
    Ok(SqlType::Other(match b.number("precision")? {
        Some(p) => format!("FLOAT({p})"),
        None => "FLOAT".to_string(),
    }))
}

fn double(b: &Bound<'_>) -> Result<SqlType, String> {
    b.unsupported("precision", None)?;
    Ok(SqlType::Double)
}

/// Precision and scale, checked as the neutral `numeric(p,s)` is.
fn precision_scale(b: &Bound<'_>) -> Result<(Option<u32>, Option<u32>), String> {
    let precision = b.number("precision")?;
    let scale = match b.get("scale") {
        None => None,
        Some(Value::Int(s)) => {
            Some(u32::try_from(*s).map_err(|_| format!("{}: `scale` is too large", b.name))?)
        }
        Some(other) => {
            return Err(format!(
                "{}: `scale` must be a non-negative integer, not {}",
                b.name,
                other.describe()
            ));
        }
    };
    match (precision, scale) {
        (None, Some(_)) => Err(format!("{}: a scale needs a precision", b.name)),
        (Some(p), Some(s)) if s > p => Err(format!("{}: the scale cannot exceed the precision", b.name)),
        other => Ok(other),
    }
}

fn numeric(b: &Bound<'_>) -> Result<SqlType, String> {
    let (precision, scale) = precision_scale(b)?;
    Ok(SqlType::Numeric { precision, scale })
}

fn decimal(b: &Bound<'_>) -> Result<SqlType, String> {
    Ok(SqlType::Other(match precision_scale(b)? {
        (Some(p), Some(s)) => format!("DECIMAL({p}, {s})"),
        (Some(p), None) => format!("DECIMAL({p})"),
        _ => "DECIMAL".to_string(),
    }))
}

fn time(b: &Bound<'_>) -> Result<SqlType, String> {
    Ok(if b.flag("timezone", false)? { SqlType::Other("TIME WITH TIME ZONE".into()) } else { SqlType::Time })
}

fn timestamp(b: &Bound<'_>) -> Result<SqlType, String> {
    Ok(if b.flag("timezone", false)? { SqlType::TimestampTz } else { SqlType::Timestamp })
}

fn blob(b: &Bound<'_>) -> Result<SqlType, String> {
    // SQLAlchemy renders BYTEA and BLOB without the length.
    b.number("length")?;
    Ok(SqlType::Blob)
}

fn enumeration(b: &Bound<'_>) -> Result<SqlType, String> {
    b.unsupported("native_enum", Some(&Value::Bool(true)))?;
    b.unsupported("length", None)?;
    b.unsupported("schema", None)?;
    let mut values = Vec::with_capacity(b.rest.len());
    for value in &b.rest {
        match value {
            Value::Str(s) => values.push(s.clone()),
            other => {
                return Err(format!(
                    "{}: values must be quoted strings, not {} (a Python enum class cannot be read here)",
                    b.name,
                    other.describe()
                ));
            }
        }
    }
    if values.is_empty() && b.get("name").is_none() {
        return Err(format!(
            "{}: an enum needs a name and values: enum(mood: 'a','b') or Enum('a', 'b', name='mood')",
            b.name
        ));
    }
    if values.is_empty() {
        return Err(format!("{}: an enum needs values: Enum('a', 'b', name='mood')", b.name));
    }
    let name = match b.get("name") {
        Some(Value::Str(name)) => name.clone(),
        Some(other) => {
            return Err(format!("{}: `name` must be a quoted string, not {}", b.name, other.describe()));
        }
        None => {
            return Err(format!(
                "{}: an enum needs name='…' (PostgreSQL creates a type of that name): Enum('a', 'b', name='mood')",
                b.name
            ));
        }
    };
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("{}: the enum name must be a non-empty identifier", b.name));
    }
    Ok(SqlType::Enum { name, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> SqlType {
        SqlType::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        SqlType::parse(text).expect_err(text).to_string()
    }

    #[test]
    fn sqlalchemy_names_map_to_neutral_types() {
        let cases: &[(&str, SqlType)] = &[
            ("String", SqlType::Varchar(None)),
            ("string", SqlType::Varchar(None)),
            ("String()", SqlType::Varchar(None)),
            ("String(50)", SqlType::Varchar(Some(50))),
            ("sa.String(length=50)", SqlType::Varchar(Some(50))),
            ("sqlalchemy.types.Unicode(20)", SqlType::Varchar(Some(20))),
            ("VARCHAR(length=20)", SqlType::Varchar(Some(20))),
            ("sa.VARCHAR(20)", SqlType::Varchar(Some(20))),
            ("Text", SqlType::Text),
            ("UnicodeText", SqlType::Text),
            ("Text(length=None)", SqlType::Text),
            ("Integer", SqlType::Integer),
            ("Integer()", SqlType::Integer),
            ("SmallInteger", SqlType::SmallInt),
            ("BigInteger", SqlType::BigInt),
            ("Boolean(create_constraint=False)", SqlType::Boolean),
            ("Double", SqlType::Double),
            ("DOUBLE_PRECISION", SqlType::Double),
            ("Double(asdecimal=True)", SqlType::Double),
            ("Numeric", SqlType::Numeric { precision: None, scale: None }),
            ("Numeric(10, 2)", SqlType::Numeric { precision: Some(10), scale: Some(2) }),
            (
                "Numeric(precision=10, scale=2, asdecimal=False)",
                SqlType::Numeric { precision: Some(10), scale: Some(2) },
            ),
            ("Date", SqlType::Date),
            ("Time", SqlType::Time),
            ("Time(timezone=True)", SqlType::Other("TIME WITH TIME ZONE".into())),
            ("DateTime", SqlType::Timestamp),
            ("datetime", SqlType::Timestamp),
            ("DateTime(timezone=True)", SqlType::TimestampTz),
            ("DateTime(True)", SqlType::TimestampTz),
            ("DateTime(timezone=false)", SqlType::Timestamp),
            ("TIMESTAMP(timezone=True)", SqlType::TimestampTz),
            ("TIMESTAMP", SqlType::Timestamp),
            ("Interval", SqlType::Interval),
            ("Interval(native=True)", SqlType::Interval),
            ("JSON", SqlType::Json),
            ("JSON(none_as_null=True)", SqlType::Json),
            ("LargeBinary", SqlType::Blob),
            ("LargeBinary(100)", SqlType::Blob),
            ("PickleType", SqlType::Blob),
            ("Uuid", SqlType::Uuid),
            ("UUID(as_uuid=True)", SqlType::Uuid),
            ("Uuid(native_uuid=False)", SqlType::Other("CHAR(32)".into())),
            ("Float", SqlType::Other("FLOAT".into())),
            ("Float(precision=53)", SqlType::Other("FLOAT(53)".into())),
            ("DECIMAL(precision=10, scale=2)", SqlType::Other("DECIMAL(10, 2)".into())),
            ("CHAR(length=3)", SqlType::Other("CHAR(3)".into())),
            ("sa.CHAR(3)", SqlType::Other("CHAR(3)".into())),
            (
                "Enum('happy', \"sad\", name='mood')",
                SqlType::Enum { name: "mood".into(), values: vec!["happy".into(), "sad".into()] },
            ),
            (
                "sa.Enum('it''s', 'a\\'b', name=\"q\", create_constraint=True,)",
                SqlType::Enum { name: "q".into(), values: vec!["it's".into(), "a'b".into()] },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&ty(text), expected, "{text}");
        }
    }

    #[test]
    fn sql_names_with_sql_arguments_stay_sql() {
        for (text, expected) in [
            ("timestamp(3)", SqlType::Other("timestamp(3)".into())),
            ("char(10)", SqlType::Other("char(10)".into())),
            ("float(53)", SqlType::Other("float(53)".into())),
            ("decimal(10,2)", SqlType::Other("decimal(10,2)".into())),
            ("Text(100)", SqlType::Other("Text(100)".into())),
            ("smallint(5)", SqlType::Other("smallint(5)".into())),
            ("varchar(20)", SqlType::Varchar(Some(20))),
            ("numeric(10,2)", SqlType::Numeric { precision: Some(10), scale: Some(2) }),
            (
                "enum(mood: 'a','b')",
                SqlType::Enum { name: "mood".into(), values: vec!["a".into(), "b".into()] },
            ),
            ("INT", SqlType::Other("INT".into())),
            ("NVARCHAR(40)", SqlType::Other("NVARCHAR(40)".into())),
            ("double precision", SqlType::Other("double precision".into())),
            ("integer[]", SqlType::Other("integer[]".into())),
            ("String[]", SqlType::Other("String[]".into())),
        ] {
            assert_eq!(ty(text), expected, "{text}");
            // Types that come from a database are never reinterpreted.
            assert_eq!(SqlType::parse_neutral(&expected.to_string()).unwrap(), expected, "{text}");
        }
        assert_eq!(SqlType::parse_neutral("String(50)").unwrap(), SqlType::Other("String(50)".into()));
        assert_eq!(SqlType::parse_neutral("DateTime").unwrap(), SqlType::Other("DateTime".into()));
    }

    #[test]
    fn bad_arguments_are_errors_naming_them() {
        for (text, fragment) in [
            ("String(abc)", "`length` must be a positive integer, not abc"),
            ("String(0)", "`length` must be a positive integer, not 0"),
            ("String(50, collation='C')", "`collation='C'` is not supported"),
            ("String(50, 60, 70)", "String takes at most 2 arguments"),
            ("String(size=5)", "String has no argument `size` here (it takes length, collation)"),
            ("String(length=5, length=6)", "argument `length` is given twice"),
            ("String(5, length=6)", "String got argument `length` twice"),
            ("SmallInteger(5)", "SmallInteger takes no arguments"),
            ("BigInteger(x=1)", "BigInteger takes no arguments (`x` given)"),
            ("Text(length=100)", "write varchar(100) for a limit"),
            ("UnicodeText(length=10)", "a length is not supported"),
            ("Numeric(scale=2)", "a scale needs a precision"),
            ("Numeric(2, 5)", "scale cannot exceed the precision"),
            ("Numeric(precision=2, scale=5)", "scale cannot exceed the precision"),
            ("DateTime(timezone='yes')", "`timezone` must be True or False, not 'yes'"),
            ("Interval(second_precision=3)", "`second_precision=3` is not supported"),
            ("Boolean(create_constraint=True)", "`create_constraint=True` is not supported"),
            ("Enum('a', 'b')", "an enum needs name='…'"),
            ("Enum(name='x')", "an enum needs values"),
            ("Enum(Mood, name='mood')", "values must be quoted strings, not Mood"),
            ("Enum('a', name='x', native_enum=False)", "`native_enum=False` is not supported"),
            ("Enum('a', name='bad name')", "the enum name must be a non-empty identifier"),
            ("String('x)", "String: missing closing parenthesis"),
            ("String(50", "String: missing closing parenthesis"),
            ("Enum", "an enum needs a name and values"),
            ("String(length=5, 6)", "follows keyword arguments"),
            ("String(5,,6)", "an argument is empty"),
            ("String(5 6)", "cannot read the argument `5 6`"),
        ] {
            let e = err(text);
            assert!(e.contains("invalid type") && e.contains(fragment), "{text}: {e}");
        }
    }

    #[test]
    fn display_of_an_alias_parses_back_to_it() {
        for text in ["String(50)", "DateTime(timezone=True)", "Enum('a', name='m')", "Float(8)", "Uuid"] {
            let parsed = ty(text);
            assert_eq!(ty(&parsed.to_string()), parsed, "{text}");
        }
    }
}
