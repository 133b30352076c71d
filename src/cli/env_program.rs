//! The env program, `cargo alembic`'s side: registering `migrations/env.rs` as an
//! example of the package ([`register`], done by `init`), and building and running it
//! to get the target schema ([`load_target`]; the program's side is [`crate::env`]).
//!
//! The env program is an `[[example]]` because examples never ship: `cargo build` and
//! `cargo install` leave them out, yet they see the package's library and
//! dependencies, so `env.rs` can call the application's own schema code. It is built
//! in the package's usual target folder, so only `env.rs` itself is compiled again
//! once the application is built.
//!
//! The built program runs for at most `[autogenerate] env_timeout` seconds (default
//! 300; its build is not counted: a first build of a large application takes long,
//! and shows its progress). Its stdout is read as it comes: lines outside the schema
//! markers are read past, and a schema over [`MAX_SCHEMA_BYTES`] is an error, so
//! memory stays bounded whatever it prints. Of its stderr the last
//! [`MAX_STDERR_LINES`] lines are kept (shown on success unless `-q`, used for the
//! error otherwise). An interrupt kills the program, or cargo, with its process group.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{Message, MetadataCommand, TargetKind};

use super::Project;
use super::child::{Spawned, Supervised};
use crate::env::protocol::{MAX_SCHEMA_BYTES, ProtocolError, decode_stream, program_args};
use crate::error::{Error, Result};
use crate::runtime::interrupt;
use crate::schema::Schema;
use crate::schema::types::SqlType;

/// The name of the example target `migrations/env.rs` is registered as.
pub const EXAMPLE_NAME: &str = "alembic_env";

/// At most this many compiler errors are shown for an env program that does not build.
const MAX_ERRORS: usize = 3;

/// The env program's stderr lines kept (the last ones), and cargo's (the first ones).
const MAX_STDERR_LINES: usize = 500;

/// Longer stderr lines are cut to this many bytes.
const MAX_LINE_BYTES: usize = 4096;

/// The name of the cargo feature that gates the env program (`required-features` of
/// the example), so that `cargo build`, `cargo test` and `cargo clippy --all-targets`
/// of the package never build it; `cargo alembic` turns it on.
pub const ENV_FEATURE: &str = "alembic-env";

/// The name of this library's package on crates.io. (`alembic` there is an unrelated
/// crate.) Its library is called `alembic`, so code says `alembic::…` either way.
pub const LIBRARY_PACKAGE: &str = "alembic-migrate";

/// The dependency spec for this library, as the env program needs it: no default
/// features (no database driver, no C compiler: the env program only prints a schema).
/// While the library is not published, a path to the source it was built from when
/// that is a checkout (not cargo's registry cache); else the version.
pub fn dependency_spec() -> String {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checkout = source.join("Cargo.toml").is_file()
        && !source.components().any(|c| c.as_os_str() == "registry" || c.as_os_str() == ".cargo");
    if checkout {
        let path = source.display().to_string().replace('\\', "/");
        format!("{{ path = \"{path}\", default-features = false }}")
    } else {
        format!("{{ version = \"{}\", default-features = false }}", env!("CARGO_PKG_VERSION"))
    }
}

/// The line to add under `[dev-dependencies]` (or `[dependencies]`).
pub fn dependency_line() -> String {
    format!("{LIBRARY_PACKAGE} = {}", dependency_spec())
}

/// Registers `<script_location>/env.rs` (relative to `manifest_dir`) as the example
/// [`EXAMPLE_NAME`] in `manifest_dir/Cargo.toml`, keeping the file's comments and
/// layout: the example with `required-features = [ENV_FEATURE]`, the feature, and,
/// when the package does not depend on this library yet, the dev-dependency
/// [`dependency_line`]. An example registered without the feature (by an older `init`)
/// gets it. Returns what it did and what the user still has to do, one message per
/// line, for printing.
pub fn register(manifest_dir: &Path, script_location: &str) -> Result<Vec<String>> {
    let env_path = format!("{}/env.rs", script_location.trim_end_matches('/'));
    let manifest = manifest_dir.join("Cargo.toml");
    let snippet = example_snippet(&env_path);
    if !manifest.is_file() {
        return Ok(vec![format!(
            "No Cargo.toml in {}: to use autogenerate, add this to your package's Cargo.toml:\n{snippet}",
            manifest_dir.display()
        )]);
    }
    let text = std::fs::read_to_string(&manifest).map_err(|e| Error::io(&manifest, e))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| Error::File {
        path: manifest.clone(),
        line: None,
        message: e.message().to_string(),
    })?;
    let Some(package_name) =
        doc.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()).map(str::to_string)
    else {
        return Ok(vec![format!(
            "{} has no [package] (a workspace manifest?): add this to the Cargo.toml of the package that owns {env_path}:\n{snippet}",
            manifest.display()
        )]);
    };
    let mut messages = Vec::new();
    let mut changed = false;
    let examples = doc.entry("example").or_insert_with(|| toml_edit::ArrayOfTables::new().into());
    let Some(examples) = examples.as_array_of_tables_mut() else {
        return Ok(vec![format!(
            "`example` in {} is not a list of [[example]] tables; add:\n{snippet}",
            manifest.display()
        )]);
    };
    let position = examples.iter().position(|t| t.get("name").and_then(|n| n.as_str()) == Some(EXAMPLE_NAME));
    match position.and_then(|i| examples.get_mut(i)) {
        Some(existing) => {
            let path = existing.get("path").and_then(|p| p.as_str()).unwrap_or("examples/alembic_env.rs");
            messages.push(if path == env_path {
                format!("{} already registers {env_path} as example `{EXAMPLE_NAME}`", manifest.display())
            } else {
                format!(
                    "{} already has an example `{EXAMPLE_NAME}` at {path}; left as it is (the env program is {env_path})",
                    manifest.display()
                )
            });
            if existing.get("required-features").is_none() {
                existing.insert(
                    "required-features",
                    toml_edit::value(toml_edit::Array::from_iter([ENV_FEATURE])),
                );
                messages.push(format!(
                    "Gating example `{EXAMPLE_NAME}` behind feature `{ENV_FEATURE}` (so cargo build/test/clippy skip it) ...  done"
                ));
                changed = true;
            }
        }
        None => {
            let mut table = toml_edit::Table::new();
            table.insert("name", toml_edit::value(EXAMPLE_NAME));
            table.insert("path", toml_edit::value(env_path.as_str()));
            table.insert("required-features", toml_edit::value(toml_edit::Array::from_iter([ENV_FEATURE])));
            table.decor_mut().set_prefix(
                "\n# The env program of cargo-alembic: `cargo alembic revision --autogenerate` builds and\n\
                 # runs it (with feature alembic-env) to learn the declared schema. Never shipped.\n",
            );
            examples.push(table);
            messages.push(format!(
                "Registering {env_path} as example `{EXAMPLE_NAME}` in {} ...  done",
                manifest.display()
            ));
            changed = true;
        }
    }
    let features = doc.entry("features").or_insert_with(toml_edit::table);
    if let Some(features) = features.as_table_like_mut()
        && features.get(ENV_FEATURE).is_none()
    {
        features.insert(ENV_FEATURE, toml_edit::value(toml_edit::Array::new()));
        changed = true;
    }
    if package_name != LIBRARY_PACKAGE {
        match library_dependency(&doc) {
            LibraryDependency::Present => {}
            LibraryDependency::Impostor => messages.push(impostor_message(&package_name)),
            LibraryDependency::Missing => {
                let deps = doc.entry("dev-dependencies").or_insert_with(toml_edit::table);
                if let Some(deps) = deps.as_table_like_mut() {
                    let spec: toml_edit::InlineTable = dependency_spec()
                        .parse::<toml_edit::Value>()
                        .ok()
                        .and_then(|v| v.as_inline_table().cloned())
                        .unwrap_or_default();
                    deps.insert(LIBRARY_PACKAGE, toml_edit::Item::Value(spec.into()));
                    messages.push(format!(
                        "Adding `{}` to [dev-dependencies] of {} ...  done",
                        dependency_line(),
                        manifest.display()
                    ));
                    changed = true;
                }
            }
        }
    }
    if changed {
        std::fs::write(&manifest, doc.to_string()).map_err(|e| Error::io(&manifest, e))?;
    }
    Ok(messages)
}

fn example_snippet(env_path: &str) -> String {
    format!(
        "[[example]]\nname = \"{EXAMPLE_NAME}\"\npath = \"{env_path}\"\nrequired-features = [\"{ENV_FEATURE}\"]\n\n[features]\n{ENV_FEATURE} = []\n\n[dev-dependencies]\n{}",
        dependency_line()
    )
}

fn missing_dependency_message(package: &str) -> String {
    format!(
        "package {package} does not depend on {LIBRARY_PACKAGE}, which migrations/env.rs uses: add `{}` under [dev-dependencies] (or [dependencies]) in its Cargo.toml",
        dependency_line()
    )
}

fn impostor_message(package: &str) -> String {
    format!(
        "package {package} depends on the crate `alembic` from crates.io, which is an unrelated library (not this tool): replace it with `{}`",
        dependency_line()
    )
}

/// How the manifest depends on this library.
enum LibraryDependency {
    /// By its package name (directly or renamed with `package = …`), or by path.
    Present,
    /// On crates.io's unrelated `alembic` crate.
    Impostor,
    /// Not at all.
    Missing,
}

/// Looks through every dependency table of the manifest, target-specific ones included.
fn library_dependency(doc: &toml_edit::DocumentMut) -> LibraryDependency {
    let mut found = LibraryDependency::Missing;
    let mut look = |deps: Option<&toml_edit::Item>| {
        let Some(deps) = deps.and_then(|d| d.as_table_like()) else { return };
        for (name, spec) in deps.iter() {
            let package = spec.get("package").and_then(|p| p.as_str()).unwrap_or(name);
            if package == LIBRARY_PACKAGE {
                found = LibraryDependency::Present;
            } else if package == "alembic" && !matches!(found, LibraryDependency::Present) {
                // A path or git dependency named `alembic` is this library from before
                // the rename; only the registry's `alembic` is the other crate.
                let local = spec.get("path").is_some() || spec.get("git").is_some();
                found = if local { LibraryDependency::Present } else { LibraryDependency::Impostor };
            }
        }
    };
    let kinds = ["dependencies", "dev-dependencies"];
    for kind in kinds {
        look(doc.get(kind));
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table_like()) {
        for (_, target) in targets.iter() {
            for kind in kinds {
                look(target.get(kind));
            }
        }
    }
    found
}

/// Builds and runs the env program of `project` (with its `-x` options and `-n`
/// name) and returns the target schema it prints. Cargo's progress lines go to stderr
/// unless `-q`; failures (not registered, no `alembic` dependency, compiler errors, the
/// program's own error or panic) become one error with the relevant lines.
///
/// A column type given as [`SqlType::Other`] that is a SQLAlchemy name
/// (`SqlType::Other("String(50)".into())`) is read as the alias; one that no database
/// knows is a warning naming the env program, table and column (an error with
/// `--strict`).
pub fn load_target(project: &Project) -> Result<Schema> {
    load_target_checked(project, project.global.strict)
}

/// Runs this command (`upgrade`/`downgrade` of a plan with code steps) in the env
/// program, which registers the functions (`alembic::env::run_with_code_steps`): it
/// is built with this library's `cli` feature and the driver of `dialect`, then run
/// with the same arguments. On Unix it replaces this process, so it gets the terminal,
/// the signals and the exit status as this one would (and a killed run is one
/// process, whose transaction the database rolls back).
pub(crate) fn run_command(project: &Project, dialect: crate::url::Dialect) -> Result<()> {
    let mut package = EnvPackage::find(project)?;
    let prefix = package.feature_prefix.clone();
    package.features.push(format!("{prefix}cli"));
    package.features.push(format!("{prefix}{}", dialect.imp().driver_feature()));
    let lock = package.lock_target_dir();
    // Features asked for on the command line that the lock file does not cover (a
    // dependency's `cli`) make cargo consult the registry on every build; the sources
    // are normally in cargo's cache already, so an offline build is tried first.
    let exe = match package.build_with(project.global.quiet, true) {
        Ok(exe) => exe,
        Err(Error::Interrupted) => return Err(Error::Interrupted),
        Err(_) => package.build(project.global.quiet)?,
    };
    let mut command = Command::new(&exe);
    command.arg(crate::env::protocol::RUN_COMMAND_FLAG).args(super::command_args());
    drop(lock);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = command.exec();
        Err(Error::Command(format!("cannot run the env program {}: {err}", exe.display())))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .map_err(|e| Error::Command(format!("cannot run the env program {}: {e}", exe.display())))?;
        std::process::exit(status.code().unwrap_or(1))
    }
}

/// [`load_target`], with unknown column types errors when `strict` (`check`).
pub(crate) fn load_target_checked(project: &Project, strict: bool) -> Result<Schema> {
    let package = EnvPackage::find(project)?;
    let lock = package.lock_target_dir();
    let exe = package.build(project.global.quiet)?;
    let mut schema = package.run(&exe, project)?;
    drop(lock);
    let unknown = resolve_types(&mut schema);
    if let Some((first, rest)) = unknown.split_first() {
        if strict {
            let more = match rest.len() {
                0 => String::new(),
                1 => "; and 1 more".to_string(),
                n => format!("; and {n} more"),
            };
            return Err(Error::Command(format!(
                "{}: {first} (an error with --strict and in `check`; a type of your own passes quoted or schema-qualified: SqlType::Other(\"public.name\".into())){more}",
                package.env_display
            )));
        }
        let color = super::output::use_color(project.global.color);
        for what in &unknown {
            super::output::print_warning_once(
                &format!("{}: {what}; it is passed to the database as written", package.env_display),
                color,
            );
        }
    }
    Ok(schema)
}

/// Reads the [`SqlType::Other`] column types of `schema` as a revision file would
/// (SQLAlchemy's names become the neutral types) and lists the unknown ones as
/// "unknown type `x` for table.column".
pub(crate) fn resolve_types(schema: &mut Schema) -> Vec<String> {
    let mut unknown = Vec::new();
    for table in &mut schema.tables {
        for column in &mut table.columns {
            if let SqlType::Other(text) = &column.ty
                && let Ok(ty) = SqlType::parse(text)
            {
                column.ty = ty;
            }
            if let Some(text) = column.ty.unknown_name() {
                let table_name = match &table.schema {
                    Some(s) => format!("{s}.{}", table.name),
                    None => table.name.clone(),
                };
                unknown.push(format!("unknown type `{text}` for {table_name}.{}", column.name));
            }
        }
    }
    unknown
}

/// The package that owns the env program, as cargo sees it.
struct EnvPackage {
    manifest: PathBuf,
    dir: PathBuf,
    /// `env.rs` relative to the package folder, for messages.
    env_display: String,
    /// The example's `required-features`, turned on for the build.
    features: Vec<String>,
    /// Cargo's target folder for the package.
    target_dir: PathBuf,
    /// How `--features` names this library's features for the package: `cli` for the
    /// library itself, else `<dependency name>/cli`.
    feature_prefix: String,
}

impl EnvPackage {
    fn find(project: &Project) -> Result<EnvPackage> {
        let manifest = match &project.global.manifest_path {
            Some(path) => std::env::current_dir().map_err(|e| Error::io(".", e))?.join(path),
            None => project
                .config
                .root
                .ancestors()
                .map(|d| d.join("Cargo.toml"))
                .find(|m| m.is_file())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "no Cargo.toml in {} or above: the env program must belong to a cargo package",
                        project.config.root.display()
                    ))
                })?,
        };
        let metadata = MetadataCommand::new().manifest_path(&manifest).no_deps().exec().map_err(|e| {
            Error::Command(format!("cargo metadata for {}: {}", manifest.display(), first_line(&e)))
        })?;
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let wanted = canonical(&manifest);
        let package = metadata
            .packages
            .iter()
            .find(|p| canonical(p.manifest_path.as_std_path()) == wanted)
            .ok_or_else(|| {
            Error::Config(format!(
                "{} is a workspace manifest; pass --manifest-path of the package that owns the env program",
                manifest.display()
            ))
        })?;
        let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let env_file = project.config.script_location.join("env.rs");
        let env_display = relative_display(&env_file, &dir);
        let registered =
            package.targets.iter().any(|t| t.name == EXAMPLE_NAME && t.is_kind(TargetKind::Example));
        if !registered {
            return Err(Error::Command(format!(
                "{env_display} is not registered as an example of package {}: add this to {}\n{}",
                package.name,
                manifest.display(),
                example_snippet(&env_display)
            )));
        }
        if !env_file.is_file() {
            return Err(Error::Command(format!(
                "there is no env program {} (script_location is {})",
                env_file.display(),
                project.config.script_location.display()
            )));
        }
        if package.name.as_str() != LIBRARY_PACKAGE {
            let ours = package
                .dependencies
                .iter()
                .any(|d| d.name == LIBRARY_PACKAGE || (d.name == "alembic" && d.path.is_some()));
            let impostor = package.dependencies.iter().any(|d| d.name == "alembic" && d.path.is_none());
            if impostor && !ours {
                return Err(Error::Command(impostor_message(&package.name)));
            }
            if !ours {
                return Err(Error::Command(missing_dependency_message(&package.name)));
            }
        }
        // `cargo build` refuses an example whose required features are off.
        let features = package
            .targets
            .iter()
            .find(|t| t.name == EXAMPLE_NAME && t.is_kind(TargetKind::Example))
            .map(|t| t.required_features.clone())
            .unwrap_or_default();
        let target_dir = metadata.target_directory.clone().into_std_path_buf();
        let feature_prefix = match package
            .dependencies
            .iter()
            .find(|d| d.name == LIBRARY_PACKAGE || (d.name == "alembic" && d.path.is_some()))
        {
            _ if package.name.as_str() == LIBRARY_PACKAGE => String::new(),
            Some(dep) => format!("{}/", dep.rename.as_deref().unwrap_or(&dep.name)),
            None => String::new(),
        };
        Ok(EnvPackage { manifest, dir, env_display, features, target_dir, feature_prefix })
    }

    /// An exclusive lock on the target folder's env programs, held while one is built
    /// and run. Every env program is the example `alembic_env`, which cargo copies to
    /// `<target>/<profile>/examples/alembic_env` whatever its package, so two packages
    /// sharing a target folder (a workspace, `CARGO_TARGET_DIR`) whose commands overlap
    /// would otherwise run each other's program. Without file locks (some network file
    /// systems) it goes on unlocked.
    fn lock_target_dir(&self) -> Option<std::fs::File> {
        let path = self.target_dir.join(".alembic-env.lock");
        let file = std::fs::create_dir_all(&self.target_dir).and_then(|()| std::fs::File::create(&path));
        match file.and_then(|f| f.lock().map(|()| f)) {
            Ok(file) => Some(file),
            Err(err) => {
                tracing::debug!("no lock on {}: {err}", path.display());
                None
            }
        }
    }

    /// `cargo build --example alembic_env`; the path of the built program.
    fn build(&self, quiet: bool) -> Result<PathBuf> {
        self.build_with(quiet, false)
    }

    /// [`EnvPackage::build`], with `--offline` when `offline`.
    fn build_with(&self, quiet: bool, offline: bool) -> Result<PathBuf> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        if offline {
            command.arg("--offline");
        }
        command
            .args(["build", "--example", EXAMPLE_NAME, "--message-format", "json", "--manifest-path"])
            .arg(&self.manifest)
            .current_dir(&self.dir)
            .args(if self.features.is_empty() {
                Vec::new()
            } else {
                vec!["--features".to_string(), self.features.join(",")]
            })
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let Spawned { mut child, stdout, stderr } = Supervised::spawn(&mut command, None)
            .map_err(|e| Error::Command(format!("cannot run cargo to build {}: {e}", self.env_display)))?;
        let stderr = stderr.map(|s| std::thread::spawn(move || tee_progress(s, quiet)));
        let mut errors = Vec::new();
        let mut exe = None;
        if let Some(stdout) = stdout {
            for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
                match message {
                    Message::CompilerMessage(m) if is_error(&m.message) => {
                        errors.push(m.message.rendered.unwrap_or(m.message.message).trim_end().to_string());
                    }
                    Message::CompilerArtifact(a) if a.target.name == EXAMPLE_NAME => exe = a.executable,
                    _ => {}
                }
            }
        }
        let status = child.wait().map_err(|e| Error::Command(format!("waiting for cargo: {e}")))?;
        let cargo_stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if interrupt::is_interrupted() {
            return Err(Error::Interrupted);
        }
        match exe {
            Some(exe) if status.success() => Ok(exe.into_std_path_buf()),
            _ => Err(Error::Command(self.build_failure(&errors, &cargo_stderr))),
        }
    }

    fn build_failure(&self, errors: &[String], cargo_stderr: &str) -> String {
        let hint = format!("(see everything with `cargo build --example {EXAMPLE_NAME}`)");
        if errors.is_empty() {
            // Not a compiler error: a manifest, resolution or network problem.
            let lines: Vec<&str> = cargo_stderr.lines().filter(|l| !is_progress(l)).take(20).collect();
            return format!("building {} failed:\n{}\n{hint}", self.env_display, lines.join("\n"));
        }
        let mut text = format!("{} does not compile:", self.env_display);
        for error in errors.iter().take(MAX_ERRORS) {
            text.push('\n');
            text.push_str(error);
        }
        if errors.len() > MAX_ERRORS {
            text.push_str(&format!("\n... and {} more errors", errors.len() - MAX_ERRORS));
        }
        text.push('\n');
        text.push_str(&hint);
        text
    }

    /// Runs the built program and reads the schema from its stdout as it comes.
    fn run(&self, exe: &Path, project: &Project) -> Result<Schema> {
        let args = program_args(&project.global.x, project.config.name.as_deref());
        let autogenerate = &project.config.autogenerate;
        let mut command = Command::new(exe);
        command
            .args(&args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let Spawned { mut child, stdout, stderr } =
            Supervised::spawn(&mut command, autogenerate.env_time_limit())
                .map_err(|e| Error::Command(format!("cannot run {}: {e}", exe.display())))?;
        let stderr = stderr.map(|s| std::thread::spawn(move || StderrTail::read(s)));
        let decoded = match stdout {
            Some(stdout) => decode_stream(BufReader::new(stdout), MAX_SCHEMA_BYTES),
            None => Err(ProtocolError::Missing),
        };
        if matches!(decoded, Err(ProtocolError::TooLarge(_))) {
            // Reading stopped: stop the program too rather than wait for it.
            child.kill();
        }
        let status =
            child.wait().map_err(|e| Error::Command(format!("waiting for {}: {e}", exe.display())))?;
        let tail = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if child.timed_out() {
            return Err(Error::Command(format!(
                "{} did not finish within {} s and was stopped (raise `env_timeout` under [autogenerate] in {}, or set it to 0 for no limit)",
                self.env_display,
                autogenerate.env_timeout,
                project.config.path.display()
            )));
        }
        if interrupt::is_interrupted() {
            return Err(Error::Interrupted);
        }
        if let Err(e @ ProtocolError::TooLarge(_)) = &decoded {
            return Err(Error::Command(format!("{}: {e}", self.env_display)));
        }
        let stderr = tail.text();
        let rerun = format!("(run it with `cargo run --example {EXAMPLE_NAME}` to see all it prints)");
        if status.success() {
            if !project.global.quiet && !stderr.trim().is_empty() {
                // What the application logs is the user's to see, as with env.py.
                let mut err = std::io::stderr().lock();
                if tail.dropped > 0 {
                    let _ = writeln!(
                        err,
                        "({} earlier lines of {}'s stderr left out)",
                        tail.dropped, self.env_display
                    );
                }
                let _ = err.write_all(stderr.as_bytes());
            }
            return decoded.map_err(|e| Error::Command(format!("{}: {e}", self.env_display)));
        }
        if let Some((location, message)) = panic_message(&stderr) {
            return Err(Error::Command(format!(
                "{} panicked: {message}\nat {location}\n{rerun}",
                self.env_display
            )));
        }
        let status = match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "a signal".to_string(),
        };
        // The program's own `error: …` line becomes ours; the rest is context.
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        match lines.iter().position(|l| l.starts_with("error: ")) {
            Some(i) => {
                let mut text = lines[i].trim_start_matches("error: ").to_string();
                for line in lines.iter().skip(i + 1).take(20) {
                    text.push('\n');
                    text.push_str(line);
                }
                Err(Error::Command(text))
            }
            None if lines.is_empty() => {
                Err(Error::Command(format!("{} failed with {status} and printed nothing", self.env_display)))
            }
            None => {
                let tail = &lines[lines.len().saturating_sub(20)..];
                Err(Error::Command(format!(
                    "{} failed with {status}:\n{}",
                    self.env_display,
                    tail.join("\n")
                )))
            }
        }
    }
}

fn is_error(diagnostic: &cargo_metadata::diagnostic::Diagnostic) -> bool {
    use cargo_metadata::diagnostic::DiagnosticLevel;
    matches!(diagnostic.level, DiagnosticLevel::Error | DiagnosticLevel::Ice)
        // rustc's closing summary adds nothing to the errors themselves.
        && !diagnostic.message.starts_with("aborting due to")
}

/// Copies cargo's progress lines (`   Compiling foo v1.0`) to stderr unless `quiet`,
/// and returns the first [`MAX_STDERR_LINES`] lines of cargo's stderr for error
/// messages.
fn tee_progress(stderr: impl Read, quiet: bool) -> String {
    let mut all = String::new();
    let mut kept = 0;
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    while read_line_capped(&mut reader, &mut line).unwrap_or(false) {
        let line = String::from_utf8_lossy(&line);
        if !quiet && is_progress(&line) {
            eprintln!("{line}");
        }
        if kept < MAX_STDERR_LINES {
            kept += 1;
            all.push_str(&line);
            all.push('\n');
        }
    }
    all
}

/// The last [`MAX_STDERR_LINES`] lines of a program's stderr.
#[derive(Debug, Default)]
struct StderrTail {
    lines: VecDeque<String>,
    /// Lines read and not kept.
    dropped: usize,
}

impl StderrTail {
    fn read(stderr: impl Read) -> StderrTail {
        let mut tail = StderrTail::default();
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        while read_line_capped(&mut reader, &mut line).unwrap_or(false) {
            if tail.lines.len() == MAX_STDERR_LINES {
                tail.lines.pop_front();
                tail.dropped += 1;
            }
            tail.lines.push_back(String::from_utf8_lossy(&line).into_owned());
        }
        tail
    }

    fn text(&self) -> String {
        self.lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect()
    }
}

/// Reads one line (without its line break) into `line`, at most [`MAX_LINE_BYTES`] of
/// it (the rest is read past); false at the end of input.
fn read_line_capped(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    let more = crate::env::protocol::next_line(reader, line, MAX_LINE_BYTES)?.is_some();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(more)
}

/// Cargo's status lines are an indented capitalised verb: `   Compiling`, `    Finished`.
fn is_progress(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.len() < line.len() && trimmed.chars().next().is_some_and(char::is_uppercase)
}

/// The location and message of a panic in a program's stderr:
/// `thread 'main' panicked at src/x.rs:3:5:` followed by the message lines.
fn panic_message(stderr: &str) -> Option<(String, String)> {
    // Newer Rust versions put the thread id between the name and `panicked`.
    let mut lines =
        stderr.lines().skip_while(|l| !(l.starts_with("thread '") && l.contains(" panicked at ")));
    let head = lines.next()?;
    let location = head.split_once(" panicked at ")?.1.trim_end_matches(':').to_string();
    let message: Vec<&str> =
        lines.take_while(|l| !l.starts_with("note: ") && !l.starts_with("stack backtrace:")).collect();
    Some((location, message.join("\n")))
}

/// `path` relative to `base` when it is inside it, with `/` separators.
fn relative_display(path: &Path, base: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn first_line(err: &impl std::fmt::Display) -> String {
    err.to_string().lines().find(|l| !l.trim().is_empty()).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_found_in_stderr() {
        let stderr = "noise\nthread 'main' panicked at migrations/env.rs:7:5:\nboom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(panic_message(stderr), Some(("migrations/env.rs:7:5".into(), "boom".into())));
        let with_id =
            "thread 'main' (7732) panicked at src/main.rs:2:5:\ntwo\nlines\nstack backtrace:\n  0: x";
        assert_eq!(panic_message(with_id), Some(("src/main.rs:2:5".into(), "two\nlines".into())));
        assert_eq!(panic_message("error: nope"), None);
    }

    #[test]
    fn progress_lines_are_told_from_errors() {
        assert!(is_progress("   Compiling app v0.1.0 (/tmp/x)"));
        assert!(is_progress("    Finished `dev` profile"));
        assert!(!is_progress("error: could not compile `app`"));
        assert!(!is_progress("  --> src/main.rs:1:1"));
    }

    #[test]
    fn register_adds_the_gated_example_the_feature_and_the_dependency_once() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        let original = "# my app\n[package]\nname = \"app\" # the name\nversion = \"0.1.0\"\n";
        std::fs::write(&manifest, original).unwrap();
        let messages = register(dir.path(), "migrations").unwrap();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("Registering migrations/env.rs"), "{messages:?}");
        assert!(messages[1].starts_with(&format!("Adding `{}`", dependency_line())), "{messages:?}");
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.starts_with(original), "{text}");
        assert!(
            text.contains("[[example]]\nname = \"alembic_env\"\npath = \"migrations/env.rs\"\nrequired-features = [\"alembic-env\"]\n"),
            "{text}"
        );
        assert!(text.contains("[features]\nalembic-env = []\n"), "{text}");
        assert!(text.contains(&format!("[dev-dependencies]\n{}\n", dependency_line())), "{text}");
        // It is a manifest cargo accepts, and a second run changes nothing.
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["dev-dependencies"][LIBRARY_PACKAGE]["default-features"].as_bool(), Some(false));
        let again = register(dir.path(), "migrations").unwrap();
        assert_eq!(again.len(), 1, "{again:?}");
        assert!(again[0].contains("already registers"), "{again:?}");
        assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
    }

    #[test]
    fn an_example_registered_without_the_feature_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"app\"\n\n[dev-dependencies]\nalembic-migrate = \"0.1\"\n\n[[example]]\nname = \"alembic_env\"\npath = \"migrations/env.rs\"\n",
        )
        .unwrap();
        let messages = register(dir.path(), "migrations").unwrap();
        assert!(messages[1].starts_with("Gating example `alembic_env`"), "{messages:?}");
        let doc: toml::Table = toml::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        assert_eq!(doc["example"][0]["required-features"][0].as_str(), Some(ENV_FEATURE));
        assert!(doc["features"].get(ENV_FEATURE).is_some());
    }

    #[test]
    fn the_registry_alembic_crate_is_named_as_the_wrong_one() {
        let impostor = "[package]\nname = \"b\"\n[dependencies]\nalembic = \"0.1.0\"\n";
        assert!(matches!(library_dependency(&impostor.parse().unwrap()), LibraryDependency::Impostor));
        let renamed = "[package]\nname = \"b\"\n[target.'cfg(unix)'.dependencies]\nmig = { package = \"alembic-migrate\", version = \"0.1\" }\n";
        assert!(matches!(library_dependency(&renamed.parse().unwrap()), LibraryDependency::Present));
        let by_path = "[package]\nname = \"b\"\n[dependencies]\nalembic = { path = \"../alembic\" }\n";
        assert!(matches!(library_dependency(&by_path.parse().unwrap()), LibraryDependency::Present));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), impostor).unwrap();
        let messages = register(dir.path(), "migrations").unwrap();
        assert!(messages.iter().any(|m| m.contains("unrelated library")), "{messages:?}");
        let messages = register(tempfile::tempdir().unwrap().path(), "migrations").unwrap();
        assert!(messages[0].starts_with("No Cargo.toml"), "{messages:?}");
    }
}
