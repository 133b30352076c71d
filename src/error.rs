//! The library's error type: every failure a user can cause, each with a message that
//! names the file, revision or option at fault.

use std::path::PathBuf;

use crate::script::revision::RevisionError;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Anything that can go wrong in `alembic`. The `Display` text is one line meant for
/// `error: …`; [`Error::context`] lines may follow it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The revision graph or an identifier is at fault (Alembic's texts).
    #[error(transparent)]
    Revision(#[from] RevisionError),
    /// A revision file or another project file is malformed.
    #[error("{}", fmt_file_error(path, *line, message))]
    File {
        /// The file at fault.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong, e.g. "unknown key `colour` in upgrade[0]".
        message: String,
    },
    /// `alembic.toml` or a command-line option is at fault.
    #[error("{0}")]
    Config(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A database operation failed (the message names the SQL when there is one).
    #[error(transparent)]
    Database(#[from] crate::runtime::connection::DbError),
    /// A migration step failed: names the revision, its file, the op and the SQL.
    #[error(transparent)]
    Step(Box<crate::runtime::migrate::StepError>),
    /// A command cannot do what was asked (e.g. `init` into a non-empty folder).
    #[error("{0}")]
    Command(String),
    /// [`crate::runtime::interrupt::interrupt`] was called (SIGINT or SIGTERM in
    /// `cargo alembic`): the work stopped, and a step in progress was rolled back.
    #[error("interrupted")]
    Interrupted,
}

fn fmt_file_error(path: &std::path::Path, line: Option<usize>, message: &str) -> String {
    match line {
        Some(line) => format!("{}:{line}: {message}", path.display()),
        None => format!("{}: {message}", path.display()),
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
