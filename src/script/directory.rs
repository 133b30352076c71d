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
///
/// Only regular files are listed (symlinks are followed): a FIFO, device or socket
/// with a revision file's name is an error naming it, so that nothing blocks or reads
/// without end. With `recursive`, symlinked folders are followed but every real
/// folder is visited once, so links to a parent neither loop nor multiply the walk; a
/// folder seen again is skipped with a warning.
pub fn list_revision_files(locations: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut visited = Visited::default();
    for location in locations {
        if !location.is_dir() {
            return Err(Error::Config(format!(
                "version location {} does not exist; create it, or run `cargo alembic init` to scaffold a migrations folder",
                location.display()
            )));
        }
        if !visited.first_visit(location)? {
            continue;
        }
        // An explicit stack keeps arbitrarily deep folder trees off the call stack.
        let mut pending = vec![location.clone()];
        while let Some(dir) = pending.pop() {
            let mut entries: Vec<(PathBuf, Kind)> = Vec::new();
            for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                // The entry's type comes with the listing on most file systems; a
                // `stat` per file (`Path::is_dir`) costs more than parsing it, so only
                // symlinks are followed with one.
                let file_type = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
                let path = entry.path();
                let kind = if file_type.is_symlink() {
                    match std::fs::metadata(&path) {
                        Ok(meta) => Kind::of(meta.file_type()),
                        // A dangling link: an error only if it looks like a revision.
                        Err(e) if is_revision_file(&path) => return Err(Error::io(&path, e)),
                        Err(_) => continue,
                    }
                } else {
                    Kind::of(file_type)
                };
                entries.push((path, kind));
            }
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut subdirs = Vec::new();
            for (path, kind) in entries {
                match kind {
                    Kind::Dir => {
                        if recursive && !is_hidden(&path) && visited.first_visit(&path)? {
                            subdirs.push(path);
                        }
                    }
                    Kind::File if is_revision_file(&path) => files.push(path),
                    Kind::Other(what) if is_revision_file(&path) => {
                        return Err(Error::File {
                            path,
                            line: None,
                            message: format!("not a regular file ({what}); a revision file must be one"),
                        });
                    }
                    Kind::File | Kind::Other(_) => {}
                }
            }
            pending.extend(subdirs.into_iter().rev());
        }
    }
    Ok(files)
}

/// What a folder entry is, after following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    /// A FIFO, socket or device, named for messages.
    Other(&'static str),
}

impl Kind {
    fn of(file_type: std::fs::FileType) -> Kind {
        if file_type.is_dir() {
            return Kind::Dir;
        }
        if file_type.is_file() {
            return Kind::File;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return Kind::Other("a FIFO");
            }
            if file_type.is_socket() {
                return Kind::Other("a socket");
            }
            if file_type.is_char_device() || file_type.is_block_device() {
                return Kind::Other("a device");
            }
        }
        Kind::Other("a special file")
    }
}

/// The folders a walk has entered, by identity (device and inode on Unix, the
/// canonical path elsewhere).
#[derive(Default)]
struct Visited {
    #[cfg(unix)]
    seen: std::collections::HashSet<(u64, u64)>,
    #[cfg(not(unix))]
    seen: std::collections::HashSet<PathBuf>,
}

impl Visited {
    /// True the first time the folder `dir` (however reached) is seen.
    fn first_visit(&mut self, dir: &Path) -> Result<bool> {
        #[cfg(unix)]
        let key = {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
            (meta.dev(), meta.ino())
        };
        #[cfg(not(unix))]
        let key = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
        let first = self.seen.insert(key);
        if !first {
            tracing::warn!(
                "{}: folder already listed (a symlink loop or a second link); skipped",
                dir.display()
            );
        }
        Ok(first)
    }
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
        return files.iter().map(|path| RevisionScript::load_listed(path)).collect();
    }
    let chunk = files.len().div_ceil(threads);
    let parsed: Vec<Result<Vec<RevisionScript>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| RevisionScript::load_listed(p)).collect()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, id: &str) {
        std::fs::write(path, format!("revision = \"{id}\"\nmessage = \"m\"\n")).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_to_folders_already_walked_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("versions");
        let sub = root.join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        write(&root.join("a1.toml"), "a1");
        write(&sub.join("b2.toml"), "b2");
        std::os::unix::fs::symlink("..", sub.join("loop1")).unwrap();
        std::os::unix::fs::symlink("..", sub.join("loop2")).unwrap();
        // A link sorted before the folder it points to: the folder is listed once, via
        // the link (load order), and not again under its own name.
        std::os::unix::fs::symlink("sub", root.join("a_link")).unwrap();
        let files = list_revision_files(std::slice::from_ref(&root), true).unwrap();
        let names: Vec<String> =
            files.iter().map(|f| f.strip_prefix(&root).unwrap().display().to_string()).collect();
        assert_eq!(names, vec!["a1.toml", "a_link/b2.toml"]);
        // The same location twice is listed once.
        let twice = list_revision_files(&[root.clone(), root.clone()], true).unwrap();
        assert_eq!(twice.len(), 2);
        // Without `recursive`, links to folders are not entered at all.
        assert_eq!(list_revision_files(std::slice::from_ref(&root), false).unwrap().len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_with_revision_names_are_errors_and_others_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        write(&root.join("a1.toml"), "a1");
        std::os::unix::fs::symlink("/dev/null", root.join("notes.txt")).unwrap();
        std::os::unix::fs::symlink("missing", root.join("dangling.txt")).unwrap();
        assert_eq!(list_revision_files(std::slice::from_ref(&root), false).unwrap().len(), 1);

        std::os::unix::fs::symlink("/dev/zero", root.join("z.toml")).unwrap();
        let err = list_revision_files(std::slice::from_ref(&root), false).unwrap_err().to_string();
        assert!(err.contains("z.toml") && err.contains("not a regular file (a device)"), "{err}");
        std::fs::remove_file(root.join("z.toml")).unwrap();

        std::os::unix::fs::symlink("missing", root.join("gone.sql")).unwrap();
        let err = list_revision_files(std::slice::from_ref(&root), false).unwrap_err().to_string();
        assert!(err.contains("gone.sql"), "{err}");
    }
}
