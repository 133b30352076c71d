//! Revision files: TOML (`.toml`) and plain SQL (`.sql`), parsed and validated.
//!
//! STUB: the types below are the contract; parsing is being written.

use std::path::{Path, PathBuf};

use crate::ops::Op;

/// A parsed revision file.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionScript {
    /// Where it was read from.
    pub path: PathBuf,
    /// `revision`.
    pub revision: String,
    /// `down_revision`: empty for a base, several for a merge.
    pub down_revision: Vec<String>,
    /// `branch_labels`.
    pub branch_labels: Vec<String>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// `message`: the first line is the revision's short description.
    pub message: String,
    /// `create_date` as written, when present.
    pub create_date: Option<String>,
    /// `transactional` (default true).
    pub transactional: bool,
    /// The header comment.
    pub doc: String,
    /// The upgrade operations.
    pub upgrade: Vec<Op>,
    /// The downgrade operations.
    pub downgrade: Vec<Op>,
}

impl RevisionScript {
    /// Reads and validates a revision file (`.toml` or `.sql`).
    pub fn load(path: &Path) -> crate::Result<Self> {
        let _ = path;
        unimplemented!()
    }
    /// Parses TOML text.
    pub fn parse_toml(path: &Path, text: &str) -> crate::Result<Self> {
        let _ = (path, text);
        unimplemented!()
    }
}
