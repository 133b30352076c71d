//! Revision scripts: the files (parse, write, template), the revision graph and the
//! identifiers that address it. Follows the seams of Alembic's `alembic.script` package.

pub mod directory;
pub mod file;
pub mod revision;
#[cfg(feature = "write")]
pub mod write;

pub use directory::ScriptDirectory;
pub use file::{FileWarning, RevisionScript};
pub use revision::{Revision, RevisionError, RevisionMap};
