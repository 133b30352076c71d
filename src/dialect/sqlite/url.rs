//! SQLite URLs: `sqlite:///relative/path.db` (relative to the folder of
//! `alembic.toml`), `sqlite:////absolute/path.db`, and `sqlite://` or
//! `sqlite:///:memory:` for an in-memory database.

use std::path::{Path, PathBuf};

use crate::url::parts::percent_decode;

/// The database file the part of a SQLite URL after `sqlite://` names, relative paths
/// resolved against `root`; `None` for an in-memory database. The query is ignored.
pub(crate) fn parse_path(rest: &str, root: &Path) -> Result<Option<PathBuf>, String> {
    let (rest, _query) = rest.split_once('?').unwrap_or((rest, ""));
    Ok(match rest {
        "" | "/" | "/:memory:" => None,
        _ => match rest.strip_prefix('/') {
            Some(p) if p.starts_with('/') => Some(PathBuf::from(p)),
            Some(p) => Some(root.join(percent_decode(p, "the path")?)),
            None => return Err("a SQLite URL has no host: write sqlite:///path.db".to_string()),
        },
    })
}
