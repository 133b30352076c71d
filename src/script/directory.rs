//! The script directory: every revision file of the configured version locations,
//! loaded into a [`RevisionMap`] (Alembic's `ScriptDirectory`).
//!
//! Load order is Alembic's: locations in configuration order, and within a location the
//! file names sorted (with `recursive_version_locations`, each folder's files sorted,
//! then its subfolders in name order). The graph keeps that order; it decides the order
//! of equal-ranked revisions in every listing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::script::file::RevisionScript;
use crate::script::revision::{ErrorContext, Revision, RevisionMap, RevisionNode};

/// The loaded revision files and their graph.
#[derive(Debug, Default)]
pub struct ScriptDirectory {
    scripts: Vec<RevisionScript>,
    by_id: HashMap<String, usize>,
    map: RevisionMap,
}

/// Which files of a version location are revision files.
pub fn is_revision_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.') || n.starts_with('#') || n.ends_with('~'));
    !hidden && matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "sql"))
}

/// Lists the revision files of `locations` in load order. A missing location is an
/// error (as in Alembic); an empty one is an empty history.
pub fn list_revision_files(locations: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for location in locations {
        if !location.is_dir() {
            return Err(Error::Config(format!(
                "version location {} does not exist; create it, or run `cargo alembic init` to scaffold a migrations folder",
                location.display()
            )));
        }
        // An explicit stack keeps arbitrarily deep folder trees off the call stack.
        let mut pending = vec![location.clone()];
        while let Some(dir) = pending.pop() {
            let mut entries: Vec<(PathBuf, bool)> = Vec::new();
            for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                // The entry's type comes with the listing on most file systems; a
                // `stat` per file (`Path::is_dir`) costs more than parsing it.
                let file_type = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
                let is_dir = if file_type.is_symlink() { entry.path().is_dir() } else { file_type.is_dir() };
                entries.push((entry.path(), is_dir));
            }
            entries.sort();
            let mut subdirs = Vec::new();
            for (path, is_dir) in entries {
                if is_dir {
                    if recursive && !is_hidden(&path) {
                        subdirs.push(path);
                    }
                } else if is_revision_file(&path) {
                    files.push(path);
                }
            }
            pending.extend(subdirs.into_iter().rev());
        }
    }
    Ok(files)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

/// Parses `files` on every core, keeping their order; the first error in load order
/// wins, so the message does not depend on thread timing.
fn load_all(files: &[PathBuf]) -> Result<Vec<RevisionScript>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    // Small histories are not worth a thread.
    if threads < 2 || files.len() < 256 {
        return files.iter().map(|path| RevisionScript::load(path)).collect();
    }
    let chunk = files.len().div_ceil(threads);
    let parsed: Vec<Result<Vec<RevisionScript>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| RevisionScript::load(p)).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Command("a revision file parser thread panicked".into())))
            })
            .collect()
    });
    let mut scripts = Vec::with_capacity(files.len());
    for part in parsed {
        scripts.extend(part?);
    }
    Ok(scripts)
}

impl ScriptDirectory {
    /// Loads every revision file of `locations` and builds the graph.
    pub fn load(locations: &[PathBuf], recursive: bool) -> Result<ScriptDirectory> {
        let files = list_revision_files(locations, recursive)?;
        ScriptDirectory::from_scripts(load_all(&files)?)
    }

    /// Builds the graph from already parsed scripts, in load order.
    pub fn from_scripts(scripts: Vec<RevisionScript>) -> Result<ScriptDirectory> {
        let mut by_id = HashMap::with_capacity(scripts.len());
        for (i, script) in scripts.iter().enumerate() {
            if let Some(&first) = by_id.get(&script.revision) {
                let first: &RevisionScript = &scripts[first];
                return Err(Error::File {
                    path: script.path.clone(),
                    line: None,
                    message: format!(
                        "revision {} is already defined in {}",
                        script.revision,
                        first.path.display()
                    ),
                });
            }
            by_id.insert(script.revision.clone(), i);
        }
        let revisions = scripts
            .iter()
            .map(|s| Revision {
                revision: s.revision.clone(),
                down_revision: s.down_revision.clone(),
                branch_labels: s.branch_labels.clone(),
                depends_on: s.depends_on.clone(),
            })
            .collect();
        let map = RevisionMap::new(revisions).map_err(|err| {
            // Name the file of the revision the error is about, so the user knows
            // what to open.
            let path = err.revision().and_then(|id| by_id.get(id)).map(|&i| scripts[i].path.clone());
            match path {
                Some(path) => Error::File { path, line: None, message: err.to_string() },
                None => Error::Revision(err),
            }
        })?;
        Ok(ScriptDirectory { scripts, by_id, map })
    }

    /// The revision graph.
    pub fn map(&self) -> &RevisionMap {
        &self.map
    }

    /// The script of revision `id` (exact id).
    pub fn script(&self, id: &str) -> Option<&RevisionScript> {
        self.by_id.get(id).map(|&i| &self.scripts[i])
    }

    /// Resolves an identifier as Alembic's `ScriptDirectory.get_revisions` does: errors
    /// are phrased for a command ("Can't locate revision identified by 'x'").
    pub fn get_revisions(&self, ident: &str) -> Result<Vec<&RevisionNode>> {
        self.map.get_revisions(ident).map_err(|e| Error::Revision(e.for_command(&ErrorContext::default())))
    }

    /// All scripts in load order.
    pub fn scripts(&self) -> &[RevisionScript] {
        &self.scripts
    }
}
