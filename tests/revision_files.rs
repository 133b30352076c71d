//! Revision files: every op parsed from TOML, render → parse round trips, errors that
//! name file, line and key, `.sql` files, the neutral types, and the revision writer
//! (ids, slugs and file names compared with Alembic's, the rendered template).

mod revision_files {
    pub mod errors;
    pub mod ops;
    pub mod sql;
    pub mod types;
    pub mod write;
}

use std::path::Path;

use alembic::script::RevisionScript;

/// Parses a `.toml` revision text as `versions/x.toml`.
pub fn parse(text: &str) -> alembic::Result<RevisionScript> {
    RevisionScript::parse_toml(Path::new("versions/x.toml"), text)
}

/// The error text for a `.toml` revision text that must fail.
pub fn parse_err(text: &str) -> String {
    match parse(text) {
        Ok(script) => panic!("expected an error, got {script:?}"),
        Err(err) => err.to_string(),
    }
}
