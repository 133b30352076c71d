//! The env program's side of autogenerate: what `migrations/env.rs` calls to hand its
//! target schema to `cargo alembic` (Alembic's `env.py` with `target_metadata`).
//!
//! `cargo alembic revision --autogenerate` (and `check`) builds `migrations/env.rs` as
//! the example `alembic_env` of the package and runs it. The program declares the
//! application's schema as a [`MetaData`] and passes it to [`run`]:
//!
//! ```no_run
//! use alembic::schema::metadata::{MetaData, SqlType};
//!
//! fn main() {
//!     let mut target_metadata = MetaData::new();
//!     target_metadata.table("users", |t| {
//!         t.column("id", SqlType::Integer).primary_key();
//!     });
//!     alembic::env::run(target_metadata);
//! }
//! ```
//!
//! # Protocol
//!
//! `cargo alembic` passes its `-x KEY=VALUE` options to the program as the same
//! arguments (`-x KEY=VALUE`, repeated), and `-n NAME` when a `[databases.<NAME>]`
//! section is in effect; [`x_args`] and [`database_name`] read them. The program
//! prints the schema as JSON (the serde form of [`Schema`]) on stdout between the lines
//! [`BEGIN_MARKER`] and [`END_MARKER`], so that anything else the application prints
//! does not matter, and exits 0. On failure it prints `error: …` on stderr and exits 1.

use std::collections::BTreeMap;
use std::io::Write;

use crate::schema::{MetaData, Schema};

/// The line before the JSON schema on the env program's stdout (the `v1` is the
/// protocol version).
pub const BEGIN_MARKER: &str = "--- alembic target schema v1 ---";
/// The line after the JSON schema.
pub const END_MARKER: &str = "--- end of alembic target schema ---";

/// What `migrations/env.rs` says when it provides no target schema.
pub const NO_TARGET_MESSAGE: &str = "Can't proceed with --autogenerate: set target_metadata in migrations/env.rs \
     (build an alembic::schema::MetaData describing your tables and pass it to alembic::env::run)";

/// Hands the target schema to `cargo alembic` and returns; accepts a [`MetaData`] or
/// an `Option<MetaData>`. With `None` (the template's placeholder) or an invalid
/// declaration it prints `error: …` on stderr and exits with status 1.
pub fn run(target: impl Into<Option<MetaData>>) {
    let Some(metadata) = target.into() else { fail(NO_TARGET_MESSAGE) };
    match metadata.to_schema() {
        Ok(schema) => run_with(schema),
        Err(err) => fail(&format!("target_metadata in migrations/env.rs is invalid: {err}")),
    }
}

/// Hands an already built [`Schema`] to `cargo alembic` (for applications that make
/// one some other way); exits with status 1 if stdout cannot be written.
pub fn run_with(schema: Schema) {
    let text = encode(&schema);
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        drop(stdout);
        fail(&format!("writing the target schema to stdout: {err}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// The `-x KEY=VALUE` options of `cargo alembic`, as passed to the env program (a key
/// given twice keeps its last value). Arguments of other shapes are ignored.
///
/// ```no_run
/// let tenant = alembic::env::x_args().get("tenant").cloned().unwrap_or_else(|| "public".into());
/// ```
pub fn x_args() -> BTreeMap<String, String> {
    parse_x_args(std::env::args().skip(1))
}

/// The `-n NAME` of `cargo alembic` (the `[databases.<NAME>]` section in effect), for
/// env programs that declare one schema per database.
pub fn database_name() -> Option<String> {
    parse_database_name(std::env::args().skip(1))
}

/// The arguments that pass `x` and the database name to the env program.
pub fn program_args(x: &[(String, String)], database: Option<&str>) -> Vec<String> {
    let mut args = Vec::new();
    for (key, value) in x {
        args.push("-x".to_string());
        args.push(format!("{key}={value}"));
    }
    if let Some(name) = database {
        args.push("-n".to_string());
        args.push(name.to_string());
    }
    args
}

/// `-x KEY=VALUE` and `-xKEY=VALUE` pairs of `args`.
pub fn parse_x_args(args: impl IntoIterator<Item = String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let pair = match arg.strip_prefix("-x") {
            Some("") => args.next(),
            Some(rest) => Some(rest.to_string()),
            None => None,
        };
        if let Some((key, value)) = pair.as_deref().and_then(|p| p.split_once('=')) {
            if !key.is_empty() {
                out.insert(key.to_string(), value.to_string());
            }
        }
    }
    out
}

/// The value of the last `-n NAME` of `args`.
pub fn parse_database_name(args: impl IntoIterator<Item = String>) -> Option<String> {
    let mut name = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-n" {
            name = args.next();
        } else if arg == "-x" {
            // Skip the value, which could itself be `-n`.
            args.next();
        }
    }
    name
}

/// The env program's stdout text for `schema`: the markers around one line of JSON.
pub fn encode(schema: &Schema) -> String {
    // Serialising the model cannot fail: it holds strings, bools and plain enums.
    let json = serde_json::to_string(schema).unwrap_or_else(|_| String::from("{}"));
    format!("\n{BEGIN_MARKER}\n{json}\n{END_MARKER}\n")
}

/// Why the env program's stdout holds no target schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// No [`BEGIN_MARKER`] line: the program never called [`run`].
    #[error("it printed no target schema (does it call alembic::env::run(target_metadata)?)")]
    Missing,
    /// A [`BEGIN_MARKER`] without an [`END_MARKER`] after it.
    #[error("its target schema output is cut short")]
    Truncated,
    /// The text between the markers is not a schema (e.g. another alembic version).
    #[error("its target schema is not valid JSON for this version of alembic: {0}")]
    Json(String),
}

/// The schema in an env program's stdout: the JSON between the last [`BEGIN_MARKER`]
/// line and the [`END_MARKER`] line after it.
pub fn decode(stdout: &str) -> Result<Schema, ProtocolError> {
    let lines: Vec<&str> = stdout.lines().collect();
    let begin = lines.iter().rposition(|l| l.trim_end() == BEGIN_MARKER).ok_or(ProtocolError::Missing)?;
    let len =
        lines[begin + 1..].iter().position(|l| l.trim_end() == END_MARKER).ok_or(ProtocolError::Truncated)?;
    let json = lines[begin + 1..begin + 1 + len].join("\n");
    serde_json::from_str(&json).map_err(|e| ProtocolError::Json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::metadata::SqlType;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn x_args_and_database_name_round_trip() {
        let x = vec![("tenant".to_string(), "acme".to_string()), ("a".to_string(), "b=c".to_string())];
        let passed = program_args(&x, Some("primary"));
        let parsed = parse_x_args(passed.clone());
        assert_eq!(parsed.get("tenant").map(String::as_str), Some("acme"));
        assert_eq!(parsed.get("a").map(String::as_str), Some("b=c"));
        assert_eq!(parse_database_name(passed), Some("primary".into()));
        assert_eq!(parse_x_args(args(&["-xk=v", "other", "-x", "bad"])).len(), 1);
        assert_eq!(parse_database_name(args(&["-x", "-n", "x"])), None);
    }

    #[test]
    fn decode_finds_the_schema_between_stray_prints() {
        let mut md = MetaData::new();
        md.table("t", |t| {
            t.column("id", SqlType::Integer).primary_key();
        });
        let schema = md.to_schema().unwrap();
        let out = format!("hello\n{BEGIN_MARKER}\nnot this\n{}bye\n", encode(&schema));
        assert_eq!(decode(&out), Ok(schema));
        assert_eq!(decode("nothing"), Err(ProtocolError::Missing));
        assert_eq!(decode(&format!("{BEGIN_MARKER}\n{{}}")), Err(ProtocolError::Truncated));
        assert!(matches!(decode(&format!("{BEGIN_MARKER}\n[1]\n{END_MARKER}")), Err(ProtocolError::Json(_))));
    }
}
