//! The project a command works on: its `alembic.toml` and its revision files.

use std::path::{Component, Path, PathBuf};

use super::{GlobalArgs, output};
use crate::config::{self, Config, Locate};
use crate::error::{Error, Result};
use crate::script::{FileWarning, ScriptDirectory};

/// The configuration in effect for one command run.
#[derive(Debug)]
pub struct Project {
    /// `alembic.toml`, with the `-n` section applied.
    pub config: Config,
    /// The global command-line options.
    pub global: GlobalArgs,
    /// Where the revision files come from.
    pub source: ScriptSource,
    /// The functions of code steps, when this program registers them (an env program
    /// or an application mounting the `db` command); `None` in `cargo alembic`, which
    /// runs a plan with code steps through the env program.
    pub code_steps: Option<&'static crate::code_steps::CodeSteps>,
}

/// Where a project's revision files come from.
#[derive(Debug, Clone, Copy, Default)]
pub enum ScriptSource {
    /// The version locations of `alembic.toml`, read from disk.
    #[default]
    Disk,
    /// A folder embedded in the binary (the mounted `db` command of an application).
    #[cfg(feature = "embed")]
    Embedded(&'static crate::embed::Migrations),
}

impl Project {
    /// Finds and reads `alembic.toml` as the global options say.
    pub fn open(global: &GlobalArgs, cwd: &Path) -> Result<Project> {
        let locate =
            Locate { config: global.config.as_deref(), manifest_path: global.manifest_path.as_deref() };
        let path = config::locate(&locate, cwd)?;
        let config = Config::load(&path, global.name.as_deref())?;
        Ok(Project { config, global: global.clone(), source: ScriptSource::Disk, code_steps: None })
    }

    /// Loads every revision file and the graph, printing the files' warnings (an
    /// error for the first one under `--strict`).
    pub fn scripts(&self) -> Result<ScriptDirectory> {
        self.scripts_checked(self.global.strict)
    }

    /// [`Project::scripts`], with the files' warnings errors when `strict` (`check`
    /// always is).
    pub fn scripts_checked(&self, strict: bool) -> Result<ScriptDirectory> {
        let scripts = match self.source {
            ScriptSource::Disk => ScriptDirectory::load(
                &self.config.version_locations,
                self.config.recursive_version_locations,
            )?,
            #[cfg(feature = "embed")]
            ScriptSource::Embedded(migrations) => migrations.load_scripts()?,
        };
        let mut warnings = scripts.scripts().iter().flat_map(|s| &s.warnings);
        if strict {
            if let Some(first) = warnings.next() {
                return Err(strict_error(first, warnings.count()));
            }
            return Ok(scripts);
        }
        let color = output::use_color(self.global.color);
        for warning in warnings {
            output::print_warning_once(&warning.to_string(), color);
        }
        Ok(scripts)
    }
}

/// The first warning as the error `--strict` makes of it, counting the others.
fn strict_error(first: &FileWarning, more: usize) -> Error {
    let more = match more {
        0 => String::new(),
        1 => "; and 1 more warning".to_string(),
        n => format!("; and {n} more warnings"),
    };
    Error::File {
        path: first.path.clone(),
        line: first.line,
        message: format!("{}{more}", first.strict_message),
    }
}

/// `path` with `.` removed and `..` folded lexically (the folder may not exist yet).
pub(crate) fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
