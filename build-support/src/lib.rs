//! `alembic-build`: the build-script helper that validates a migrations folder and
//! embeds it into the application binary.
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     alembic_build::embed_or_report("migrations");
//! }
//! ```
//!
//! ```text
//! // main.rs (alembic with features ["embed", "sqlite"])
//! static MIGRATIONS: alembic::Migrations = alembic::embedded!();
//! ```
//!
//! [`embed`] reads the package's `alembic.toml` when there is one, parses every
//! revision file, checks the revision graph and replays the upgrade ops on the schema
//! model. A broken history fails the build with one line per problem, naming the file,
//! the line and what is wrong: [`embed_or_report`] hands each to cargo as a
//! `cargo::error=` directive, which cargo prints as its own diagnostic
//!
//! ```text
//! error: app@0.1.0: migrations/versions/d4_broken.toml:3: invalid TOML: …
//! error: build script logged errors
//! ```
//!
//! while [`embed`] returns them as an [`EmbedError`] for a build script that decides
//! itself (`embed(…).unwrap()` works too, but cargo then shows them inside a panic
//! message, after its dump of the script's output). Either way it:
//!
//! - prints `cargo:rerun-if-changed` for `alembic.toml`, the folder, each version
//!   location and each revision file, so that a new or edited revision rebuilds the
//!   application (`include_dir` alone misses new files: include_dir#120), and the
//!   broken file's fix re-runs the check;
//! - for a valid history, writes what it found out (files in load order, heads,
//!   version-table settings) to `$OUT_DIR/alembic_migrations.rs` and points
//!   `alembic::embedded!()` at it and at the folder, which `include_dir` embeds. The binary does not check any of this again
//!   when it starts.
//!
//! Without `alembic.toml`, revision files are read from `<folder>/versions` when that
//! exists, else from `<folder>` itself, with Alembic's defaults (table
//! `alembic_version`, one transaction per migration). With it, the folder must be its
//! `script_location` and hold every `version_locations` entry.

#![warn(missing_docs)]
// The build.rs example is a whole `fn main`, as the user writes it.
#![allow(clippy::needless_doctest_main)]

mod generate;
mod lines;

use std::path::{Component, Path, PathBuf};

use alembic::config::{CONFIG_FILE, Config};
use alembic::dialect::Dialect;
use alembic::runtime::migrate::Migrator;
use alembic::runtime::version_table::VersionTable;
use alembic::script::directory::list_revision_files;
use alembic::script::file::read_revision_text;
use alembic::script::{RevisionScript, ScriptDirectory};

/// Why a migrations folder cannot be embedded. The text names the file, line and
/// problem; `Debug` shows the same text, so `embed(…).unwrap()` in a build script
/// fails the build with a readable message.
#[derive(thiserror::Error)]
pub enum EmbedError {
    /// Not run from a build script, or the folder is missing or misconfigured.
    #[error("alembic_build::embed: {0}")]
    Setup(String),
    /// One or more problems in the migrations (each line names a file).
    #[error("the revision files in {folder}/ do not build a valid history:\n{}", problems.join("\n"))]
    Invalid {
        /// The folder, as given.
        folder: String,
        /// One line per problem: `path:line: message`.
        problems: Vec<String>,
    },
    /// Reading or writing a file failed.
    #[error("alembic_build::embed: {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl EmbedError {
    /// One line per problem, each naming the file (and line, when known) it is about:
    /// what [`EmbedError::report`] hands to cargo. Never empty; no line holds a line
    /// break.
    pub fn lines(&self) -> Vec<String> {
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            EmbedError::Invalid { problems, .. } if !problems.is_empty() => {
                problems.iter().map(|p| one_line(p)).collect()
            }
            other => vec![one_line(&other.to_string())],
        }
    }

    /// Prints every [`EmbedError::lines`] as a `cargo::error=` directive: cargo shows
    /// each as an `error:` line of its own and fails the build once the script ends.
    /// (`cargo::error` is cargo 1.84's; this crate's `rust-version` is 1.85.)
    pub fn report(&self) {
        print!("{}", self.directives());
    }

    fn directives(&self) -> String {
        self.lines().iter().map(|line| format!("cargo::error={line}\n")).collect()
    }
}

impl std::fmt::Debug for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `unwrap()` prints Debug: show the message, not a struct dump.
        write!(f, "{self}")
    }
}

/// What [`check`] found: a valid history, ready to embed.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The folder as given to [`embed`], `/`-separated.
    folder: String,
    /// The folder, absolute.
    folder_abs: PathBuf,
    /// `alembic.toml`, when there is one.
    config_file: Option<PathBuf>,
    /// The version locations, absolute.
    locations: Vec<PathBuf>,
    /// Revision files relative to the folder (`/`-separated), in load order.
    files: Vec<String>,
    /// The same files, absolute.
    file_paths: Vec<PathBuf>,
    /// Head revisions, sorted.
    heads: Vec<String>,
    version_table: String,
    version_table_schema: Option<String>,
    transaction_per_migration: bool,
    /// The code steps (`call` ops): revision, file as shown, function, in load order.
    code_steps: Vec<(String, String, String)>,
    /// The files' warnings (`path:line: unknown type …`), in load order.
    warnings: Vec<String>,
}

impl Embedded {
    /// What is questionable in the files but does not fail the build (an unknown
    /// column type), as `path:line: message` lines; [`embed`] prints each as a
    /// `cargo:warning`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The head revisions, sorted.
    pub fn heads(&self) -> &[String] {
        &self.heads
    }

    /// The revision files, relative to the folder, in load order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The folder, absolute (what `include_dir` embeds).
    pub fn folder(&self) -> &Path {
        &self.folder_abs
    }

    /// Every path whose change must re-run the build script: `alembic.toml`, the
    /// folder, the version locations and each revision file.
    pub fn rerun_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.config_file.iter().cloned().collect();
        paths.push(self.folder_abs.clone());
        paths.extend(self.locations.iter().filter(|l| **l != self.folder_abs).cloned());
        paths.extend(self.file_paths.iter().cloned());
        paths
    }

    /// The code steps of the history (`call` ops, both directions), as (revision, file,
    /// function), in load order: the functions the application must register with
    /// `Migrations::with_code_steps` (checked when it migrates, before anything runs).
    pub fn code_steps(&self) -> &[(String, String, String)] {
        &self.code_steps
    }

    /// The Rust expression `alembic::embedded!()` includes: the facts found here.
    pub fn generated_code(&self) -> String {
        generate::facts(self)
    }
}

/// [`embed`], reporting a failure to cargo instead of returning it: each problem
/// becomes one `error: <package>: <file>:<line>: <problem>` line of cargo's output (see
/// [`EmbedError::report`]) and the build fails, without a panic. Returns what was
/// embedded, or `None` after reporting; the build script may simply return then.
///
/// This is the form for a `build.rs` whose only job is embedding:
///
/// ```no_run
/// fn main() {
///     alembic_build::embed_or_report("migrations");
/// }
/// ```
pub fn embed_or_report(folder: impl AsRef<Path>) -> Option<Embedded> {
    match embed(folder) {
        Ok(embedded) => Some(embedded),
        Err(e) => {
            e.report();
            None
        }
    }
}

/// Validates `folder` (relative to the package) and embeds it; call it from
/// `build.rs`. See the crate documentation; [`embed_or_report`] reports a failure to
/// cargo itself.
pub fn embed(folder: impl AsRef<Path>) -> Result<Embedded, EmbedError> {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
            EmbedError::Setup(format!("{name} is not set: call embed() from the package's build.rs"))
        })
    };
    let manifest_dir = var("CARGO_MANIFEST_DIR")?;
    let out_dir = var("OUT_DIR")?;
    // Printed before validating, so that fixing a broken file re-runs the script.
    let early = Source::locate(&manifest_dir, folder.as_ref());
    if let Ok(source) = &early {
        for path in source.rerun_paths() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let embedded = check(&manifest_dir, folder.as_ref())?;
    for path in embedded.rerun_paths() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for warning in embedded.warnings() {
        println!("cargo:warning={warning}");
    }
    let generated = out_dir.join("alembic_migrations.rs");
    let code = embedded.generated_code();
    // Rewritten only when it changes, so an unchanged history keeps its timestamp.
    if std::fs::read_to_string(&generated).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&generated, code)
            .map_err(|source| EmbedError::Io { path: generated.clone(), source })?;
    }
    println!("cargo:rustc-env=ALEMBIC_EMBED_FILE={}", generated.display());
    println!("cargo:rustc-env=ALEMBIC_EMBED_DIR={}", embedded.folder_abs.display());
    Ok(embedded)
}

/// Validates `folder` of the package in `manifest_dir` without embedding it: what
/// [`embed`] checks, for tests and tools.
pub fn check(manifest_dir: &Path, folder: &Path) -> Result<Embedded, EmbedError> {
    let source = Source::locate(manifest_dir, folder)?;
    let files = list_revision_files(&source.locations, source.recursive).map_err(|e| setup(&e))?;
    let mut scripts = Vec::with_capacity(files.len());
    let mut texts = Vec::with_capacity(files.len());
    let mut rel_files = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for path in &files {
        let rel = relative(path, &source.folder_abs);
        let shown = Path::new(&source.folder).join(&rel);
        // Bounded, as `cargo alembic` reads them (the listing only holds regular files).
        let text = match read_revision_text(path) {
            Ok(text) => text,
            Err(alembic::Error::Io { source, .. }) => {
                return Err(EmbedError::Io { path: path.clone(), source });
            }
            Err(alembic::Error::File { message, .. }) => {
                problems.push(format!("{}: {message}", shown.display()));
                continue;
            }
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let parsed = if rel.ends_with(".sql") {
            RevisionScript::parse_sql(&shown, &text)
        } else {
            RevisionScript::parse_toml(&shown, &text)
        };
        match parsed {
            Ok(script) => scripts.push(script),
            Err(e) => problems.push(e.to_string()),
        }
        texts.push((shown, text));
        rel_files.push(rel);
    }
    let invalid = |problems: Vec<String>| EmbedError::Invalid { folder: source.folder.clone(), problems };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let text_of = |path: &Path| texts.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str());
    let scripts = ScriptDirectory::from_scripts(scripts)
        .map_err(|e| invalid(vec![lines::graph_problem(&e, text_of)]))?;
    let warnings: Vec<String> =
        scripts.scripts().iter().flat_map(|s| &s.warnings).map(|w| w.to_string()).collect();
    let code_steps = scripts
        .scripts()
        .iter()
        .flat_map(|s| s.upgrade.iter().chain(&s.downgrade).map(move |op| (s, op)))
        .filter_map(|(s, op)| match op {
            alembic::ops::Op::Call(call) => {
                Some((s.revision.clone(), s.path.to_string_lossy().replace('\\', "/"), call.function.clone()))
            }
            _ => None,
        })
        .collect();
    let mut heads: Vec<String> = scripts.map().heads().into_iter().map(str::to_string).collect();
    heads.sort();
    // The model is dialect-neutral: replaying needs no database and no dialect.
    let migrator =
        Migrator::new(&scripts, VersionTable::default_for(Dialect::Sqlite), source.transaction_per_migration);
    if let Err(e) = migrator.schema_at(&heads) {
        return Err(invalid(vec![lines::replay_problem(&e, text_of)]));
    }
    Ok(Embedded {
        folder: source.folder,
        folder_abs: source.folder_abs,
        config_file: source.config_file,
        locations: source.locations,
        files: rel_files,
        file_paths: files,
        heads,
        version_table: source.version_table,
        version_table_schema: source.version_table_schema,
        transaction_per_migration: source.transaction_per_migration,
        code_steps,
        warnings,
    })
}

/// Where the revision files are and the settings that go with them.
struct Source {
    folder: String,
    folder_abs: PathBuf,
    config_file: Option<PathBuf>,
    locations: Vec<PathBuf>,
    recursive: bool,
    version_table: String,
    version_table_schema: Option<String>,
    transaction_per_migration: bool,
}

impl Source {
    fn locate(manifest_dir: &Path, folder: &Path) -> Result<Source, EmbedError> {
        let folder_abs = normalize(&manifest_dir.join(folder));
        let shown = folder.to_string_lossy().replace('\\', "/");
        if !folder_abs.is_dir() {
            return Err(EmbedError::Setup(format!(
                "migrations folder {shown} does not exist (looked for {}); run `cargo alembic init` to create one",
                folder_abs.display()
            )));
        }
        let config_path = manifest_dir.join(CONFIG_FILE);
        if !config_path.is_file() {
            let versions = folder_abs.join("versions");
            let location = if versions.is_dir() { versions } else { folder_abs.clone() };
            return Ok(Source {
                folder: shown,
                folder_abs,
                config_file: None,
                locations: vec![location],
                recursive: false,
                version_table: "alembic_version".into(),
                version_table_schema: None,
                transaction_per_migration: true,
            });
        }
        let config = load_config(&config_path)?;
        if normalize(&config.script_location) != folder_abs {
            return Err(EmbedError::Setup(format!(
                "{CONFIG_FILE} has script_location {} but build.rs embeds {shown}; embed the script_location folder",
                config.script_location.display()
            )));
        }
        let locations: Vec<PathBuf> = config.version_locations.iter().map(|l| normalize(l)).collect();
        if let Some(outside) = locations.iter().find(|l| !l.starts_with(&folder_abs)) {
            return Err(EmbedError::Setup(format!(
                "version location {} is outside {shown}: only one folder is embedded, so it must hold every version location",
                outside.display()
            )));
        }
        Ok(Source {
            folder: shown,
            folder_abs,
            config_file: Some(config_path),
            locations,
            recursive: config.recursive_version_locations,
            version_table: config.version_table,
            version_table_schema: config.version_table_schema,
            transaction_per_migration: config.transaction_per_migration,
        })
    }

    /// What to watch even when validation fails.
    fn rerun_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.config_file.iter().cloned().collect();
        paths.push(self.folder_abs.clone());
        paths.extend(self.locations.iter().filter(|l| l.is_dir()).cloned());
        paths
    }
}

/// Reads `alembic.toml`. `${VAR}` references to variables unset at build time (a
/// production `url`, typically) do not matter here: the file is read again with them
/// left as written.
fn load_config(path: &Path) -> Result<Config, EmbedError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| EmbedError::Io { path: path.into(), source })?;
    let real = |var: &str| std::env::var(var).ok();
    match Config::parse(path, &text, None, &real) {
        Ok(config) => Ok(config),
        Err(_) => {
            let kept = |var: &str| std::env::var(var).ok().or_else(|| Some(format!("${{{var}}}")));
            Config::parse(path, &text, None, &kept).map_err(|e| setup(&e))
        }
    }
}

fn setup(e: &alembic::Error) -> EmbedError {
    EmbedError::Setup(e.to_string())
}

/// `path` relative to `folder`, `/`-separated (include_dir's form).
fn relative(path: &Path, folder: &Path) -> String {
    let rel = path.strip_prefix(folder).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// `.` removed and `..` folded lexically.
fn normalize(path: &Path) -> PathBuf {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_one_cargo_error_directive() {
        let e = EmbedError::Invalid {
            folder: "migrations".into(),
            problems: vec![
                "migrations/versions/a.toml:3: invalid TOML:\n  expected a value\n".into(),
                "migrations/versions/b.toml:7: unknown key 'colour'".into(),
            ],
        };
        assert_eq!(
            e.directives(),
            "cargo::error=migrations/versions/a.toml:3: invalid TOML: expected a value\n\
             cargo::error=migrations/versions/b.toml:7: unknown key 'colour'\n"
        );
        let e = EmbedError::Setup("migrations folder db does not exist".into());
        assert_eq!(
            e.directives(),
            "cargo::error=alembic_build::embed: migrations folder db does not exist\n"
        );
    }
}
