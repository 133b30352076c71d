//! The protocol between `cargo alembic` and the env program: the markers around the
//! target schema, the arguments passed on, and reading the program's output back. The
//! CLI depends on this module, not on the env program's entry points (which call the
//! CLI to run a command), so the two do not depend on each other.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::schema::Schema;

/// The line before the JSON schema on the env program's stdout (the `v1` is the
/// protocol version).
pub const BEGIN_MARKER: &str = "--- alembic target schema v1 ---";
/// The line after the JSON schema.
pub const END_MARKER: &str = "--- end of alembic target schema ---";

/// The first argument `cargo alembic` gives the env program to run one of its commands
/// there (a migration with code steps), the command's own arguments after it.
pub const RUN_COMMAND_FLAG: &str = "--alembic-run-command";

/// What `migrations/env.rs` says when it provides no target schema.
pub const NO_TARGET_MESSAGE: &str = "Can't proceed with --autogenerate: set target_metadata in migrations/env.rs \
     (build an alembic::schema::MetaData describing your tables and pass it to alembic::env::run)";

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
        if let Some((key, value)) = pair.as_deref().and_then(|p| p.split_once('='))
            && !key.is_empty()
        {
            out.insert(key.to_string(), value.to_string());
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
    /// The text between the markers is longer than the limit of [`decode_stream`].
    #[error("its target schema is larger than {} MiB, the most cargo alembic reads", .0 >> 20)]
    TooLarge(usize),
    /// Reading the program's output failed.
    #[error("reading its output: {0}")]
    Read(String),
}

/// The most JSON `cargo alembic` reads from an env program: 256 MiB, a schema of
/// hundreds of thousands of tables.
pub const MAX_SCHEMA_BYTES: usize = 256 << 20;

/// Lines outside the markers are only compared with them: this much of each is read.
const STRAY_LINE_PREFIX: usize = 256;

/// The schema in an env program's stdout: the JSON between the last [`BEGIN_MARKER`]
/// line and the [`END_MARKER`] line after it.
pub fn decode(stdout: &str) -> Result<Schema, ProtocolError> {
    decode_stream(stdout.as_bytes(), usize::MAX)
}

/// [`decode`] reading from `reader` as the program writes, in bounded memory: what
/// it prints outside the markers is read past, and more than `limit` bytes between
/// them is [`ProtocolError::TooLarge`] (reading stops there).
pub fn decode_stream(mut reader: impl BufRead, limit: usize) -> Result<Schema, ProtocolError> {
    let mut line = Vec::new();
    // The JSON after the last BEGIN line: open until its END line.
    let mut open: Option<Vec<u8>> = None;
    let mut complete: Option<Vec<u8>> = None;
    loop {
        let room = match &open {
            Some(json) => limit.saturating_sub(json.len()).max(STRAY_LINE_PREFIX).saturating_add(1),
            None => STRAY_LINE_PREFIX,
        };
        let Some(cut) =
            next_line(&mut reader, &mut line, room).map_err(|e| ProtocolError::Read(e.to_string()))?
        else {
            break;
        };
        let marker = |m: &str| !cut && line.trim_ascii_end() == m.as_bytes();
        if marker(BEGIN_MARKER) {
            open = Some(Vec::new());
            complete = None;
            continue;
        }
        let Some(json) = open.as_mut() else { continue };
        if marker(END_MARKER) {
            complete = open.take();
            continue;
        }
        let separator = usize::from(!json.is_empty());
        if cut || json.len() + separator + line.len() > limit {
            return Err(ProtocolError::TooLarge(limit));
        }
        if separator == 1 {
            json.push(b'\n');
        }
        json.extend_from_slice(&line);
    }
    match (complete, open) {
        (_, Some(_)) => Err(ProtocolError::Truncated),
        (Some(json), None) => serde_json::from_slice(&json).map_err(|e| ProtocolError::Json(e.to_string())),
        (None, None) => Err(ProtocolError::Missing),
    }
}

/// Reads one line (without its `\n`) into `line`, keeping at most `max` bytes of it;
/// `None` at the end of input, else whether the line was cut.
pub(crate) fn next_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut read_any = false;
    let mut cut = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(cut));
        }
        read_any = true;
        let newline = chunk.iter().position(|&b| b == b'\n');
        let part = &chunk[..newline.unwrap_or(chunk.len())];
        let room = max.saturating_sub(line.len());
        cut |= part.len() > room;
        line.extend_from_slice(&part[..part.len().min(room)]);
        let used = newline.map_or(chunk.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(Some(cut));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::metadata::{MetaData, SqlType};

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

    #[test]
    fn decode_stream_reads_past_long_stray_lines_and_bounds_the_schema() {
        let mut md = MetaData::new();
        md.table("t", |t| {
            t.column("id", SqlType::Integer).primary_key();
        });
        let schema = md.to_schema().unwrap();
        let noise = "x".repeat(1 << 20);
        let out = format!("{noise}\n{noise}{}", encode(&schema));
        assert_eq!(decode_stream(out.as_bytes(), 4096), Ok(schema.clone()));
        let big = format!("{BEGIN_MARKER}\n{noise}\n{END_MARKER}\n");
        assert_eq!(decode_stream(big.as_bytes(), 4096), Err(ProtocolError::TooLarge(4096)));
        // A later BEGIN without its END is cut short, as in `decode`.
        let later = format!("{}{BEGIN_MARKER}\n{{", encode(&schema));
        assert_eq!(decode_stream(later.as_bytes(), 4096), Err(ProtocolError::Truncated));
        assert_eq!(decode_stream(&b"no newline at the end"[..], 4096), Err(ProtocolError::Missing));
    }
}
