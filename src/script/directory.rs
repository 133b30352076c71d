//! The script directory: every revision file of the configured version locations,
//! loaded into a [`RevisionMap`](super::RevisionMap) (Alembic's `ScriptDirectory`).

/// The loaded revision files and their graph.
#[derive(Debug, Default)]
pub struct ScriptDirectory {}
