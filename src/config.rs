//! `alembic.toml`: reading it, `${VAR}` expansion, `[databases.<name>]` sections, and
//! locating it for a cargo package.
//!
//! Relative paths in the file (`script_location`, `version_locations`, SQLite URLs) are
//! resolved against the folder that holds `alembic.toml`, so `cargo alembic` behaves the
//! same from any folder of the package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The name of the configuration file, next to the package's `Cargo.toml`.
pub const CONFIG_FILE: &str = "alembic.toml";

/// The settings of one database, after `${VAR}` expansion and `-n` section overrides.
/// Its `Debug` shows `url` redacted.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// The `alembic.toml` this came from.
    pub path: PathBuf,
    /// The folder holding `alembic.toml`; relative paths are resolved against it.
    pub root: PathBuf,
    /// The `[databases.<name>]` section in effect, if any.
    pub name: Option<String>,
    /// `script_location`: the migrations folder (holds `env.rs` and the template).
    pub script_location: PathBuf,
    /// `url`, expanded; `None` when the file has none.
    pub url: Option<String>,
    /// `file_template` for new revision files (without the `.toml` suffix).
    pub file_template: String,
    /// `truncate_slug_length`.
    pub truncate_slug_length: usize,
    /// `timezone` for `create_date` (IANA name).
    pub timezone: String,
    /// `version_locations`, absolute, in configuration order.
    pub version_locations: Vec<PathBuf>,
    /// `recursive_version_locations`.
    pub recursive_version_locations: bool,
    /// `version_table`.
    pub version_table: String,
    /// `version_table_schema`.
    pub version_table_schema: Option<String>,
    /// `transaction_per_migration`.
    pub transaction_per_migration: bool,
    /// `lock_timeout`: how long a migrator waits for another one's lock before it
    /// gives up; `None` (the default): as long as the other holds it.
    pub lock_timeout: Option<std::time::Duration>,
    /// `[autogenerate]`.
    pub autogenerate: AutogenerateConfig,
    /// Names of the `[databases.<name>]` sections, sorted.
    pub databases: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("root", &self.root)
            .field("name", &self.name)
            .field("script_location", &self.script_location)
            .field("url", &self.url.as_deref().map(crate::url::redact))
            .field("file_template", &self.file_template)
            .field("truncate_slug_length", &self.truncate_slug_length)
            .field("timezone", &self.timezone)
            .field("version_locations", &self.version_locations)
            .field("recursive_version_locations", &self.recursive_version_locations)
            .field("version_table", &self.version_table)
            .field("version_table_schema", &self.version_table_schema)
            .field("transaction_per_migration", &self.transaction_per_migration)
            .field("autogenerate", &self.autogenerate)
            .field("databases", &self.databases)
            .finish()
    }
}

/// The `[autogenerate]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutogenerateConfig {
    /// `"env"` (the env program) or a path to a SQL schema file.
    pub target: String,
    /// Glob patterns of tables autogenerate leaves alone.
    pub exclude_tables: Vec<String>,
    /// Compare every schema of the database (PostgreSQL), not only the default one
    /// (Alembic's `include_schemas=True`).
    pub include_schemas: bool,
    /// Compare column types.
    pub compare_type: bool,
    /// Compare server defaults.
    pub compare_server_default: bool,
    /// Seconds the built env program may run before it is stopped (its build is not
    /// counted); `0`: no limit.
    pub env_timeout: u64,
}

/// The default `env_timeout`: far beyond what printing a schema takes, so only a
/// program that hangs meets it.
pub const DEFAULT_ENV_TIMEOUT_SECS: u64 = 300;

impl Default for AutogenerateConfig {
    fn default() -> Self {
        AutogenerateConfig {
            target: "env".into(),
            exclude_tables: Vec::new(),
            include_schemas: false,
            compare_type: true,
            compare_server_default: true,
            env_timeout: DEFAULT_ENV_TIMEOUT_SECS,
        }
    }
}

impl AutogenerateConfig {
    /// `env_timeout` as a bound (`None` for `0`).
    pub fn env_time_limit(&self) -> Option<std::time::Duration> {
        (self.env_timeout > 0).then(|| std::time::Duration::from_secs(self.env_timeout))
    }
}

/// The keys that may appear at the top level and in `[databases.<name>]` (no `Debug`:
/// `url` may hold a password).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    script_location: Option<String>,
    url: Option<String>,
    file_template: Option<String>,
    truncate_slug_length: Option<usize>,
    timezone: Option<String>,
    version_locations: Option<Vec<String>>,
    recursive_version_locations: Option<bool>,
    version_table: Option<String>,
    version_table_schema: Option<String>,
    transaction_per_migration: Option<bool>,
    lock_timeout: Option<f64>,
    autogenerate: Option<AutogenerateConfig>,
    /// Only at the top level: `[databases.<name>]`.
    databases: Option<BTreeMap<String, Section>>,
}

impl Section {
    /// Keys set in `over` win over keys set here.
    fn overlay(self, over: Section) -> Section {
        Section {
            script_location: over.script_location.or(self.script_location),
            url: over.url.or(self.url),
            file_template: over.file_template.or(self.file_template),
            truncate_slug_length: over.truncate_slug_length.or(self.truncate_slug_length),
            timezone: over.timezone.or(self.timezone),
            version_locations: over.version_locations.or(self.version_locations),
            recursive_version_locations: over
                .recursive_version_locations
                .or(self.recursive_version_locations),
            version_table: over.version_table.or(self.version_table),
            version_table_schema: over.version_table_schema.or(self.version_table_schema),
            transaction_per_migration: over.transaction_per_migration.or(self.transaction_per_migration),
            lock_timeout: over.lock_timeout.or(self.lock_timeout),
            autogenerate: over.autogenerate.or(self.autogenerate),
            databases: None,
        }
    }
}

impl Config {
    /// Reads `path`, expanding `${VAR}` from the process environment, and applies the
    /// `[databases.<name>]` section when `name` is given.
    pub fn load(path: &Path, name: Option<&str>) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(path, &text, name, &|var| std::env::var(var).ok())
    }

    /// Parses the text of an `alembic.toml` found at `path`; `env` looks up variables.
    pub fn parse(
        path: &Path,
        text: &str,
        name: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let file_error =
            |line: Option<usize>, message: String| Error::File { path: path.to_path_buf(), line, message };
        let mut top: Section = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            file_error(line, e.message().trim().to_string())
        })?;
        let sections = top.databases.take().unwrap_or_default();
        if let Some((db, _)) = sections.iter().find(|(_, s)| s.databases.is_some()) {
            return Err(file_error(
                find_key_line(text, "databases"),
                format!("[databases.{db}] cannot hold further [databases] sections"),
            ));
        }
        let databases: Vec<String> = sections.keys().cloned().collect();
        let section = match name {
            None => top,
            Some(name) => {
                let Some(db) = sections.get(name) else {
                    let known = if databases.is_empty() {
                        "it has no [databases.<name>] sections".to_string()
                    } else {
                        format!("known: {}", databases.join(", "))
                    };
                    return Err(Error::Config(format!(
                        "no section [databases.{name}] in {} ({known})",
                        path.display()
                    )));
                };
                top.overlay(db.clone())
            }
        };
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let expand = |key: &str, value: &str| {
            expand_vars(value, &root, env).map_err(|message| {
                let line = find_key_line(text, key);
                // The value is quoted for context; a URL only with its password masked.
                let shown = if key == "url" { crate::url::redact(value) } else { value.to_string() };
                file_error(line, format!("`{key}`: {message} in \"{shown}\""))
            })
        };
        let script_location =
            root.join(expand("script_location", section.script_location.as_deref().unwrap_or("migrations"))?);
        let version_locations = match &section.version_locations {
            Some(locations) => {
                let mut out = Vec::with_capacity(locations.len());
                for location in locations {
                    out.push(root.join(expand("version_locations", location)?));
                }
                out
            }
            None => vec![script_location.join("versions")],
        };
        if version_locations.is_empty() {
            return Err(file_error(
                find_key_line(text, "version_locations"),
                "`version_locations` is empty; list at least one folder".into(),
            ));
        }
        let url = section.url.as_deref().map(|u| expand("url", u)).transpose()?;
        let timezone = section.timezone.unwrap_or_else(|| "UTC".into());
        // Only revision writing reads the time zone (feature `write`).
        #[cfg(feature = "write")]
        if jiff::tz::TimeZone::get(&timezone).is_err() {
            return Err(file_error(
                find_key_line(text, "timezone"),
                format!(
                    "`timezone`: unknown time zone '{timezone}' (use an IANA name such as \"UTC\" or \"Europe/Paris\")"
                ),
            ));
        }
        let lock_timeout = match section.lock_timeout {
            None => None,
            Some(secs) if secs.is_finite() && (0.0..=1e9).contains(&secs) => {
                Some(std::time::Duration::from_secs_f64(secs))
            }
            Some(secs) => {
                return Err(file_error(
                    find_key_line(text, "lock_timeout"),
                    format!(
                        "`lock_timeout`: {secs} is not a number of seconds (leave it out to wait as long as another migrator holds the lock)"
                    ),
                ));
            }
        };
        Ok(Config {
            path: path.to_path_buf(),
            root,
            name: name.map(str::to_string),
            script_location,
            url,
            file_template: section.file_template.unwrap_or_else(|| "%(rev)s_%(slug)s".into()),
            truncate_slug_length: section.truncate_slug_length.unwrap_or(40),
            timezone,
            version_locations,
            recursive_version_locations: section.recursive_version_locations.unwrap_or(false),
            version_table: section.version_table.unwrap_or_else(|| "alembic_version".into()),
            version_table_schema: section.version_table_schema,
            transaction_per_migration: section.transaction_per_migration.unwrap_or(true),
            lock_timeout,
            autogenerate: section.autogenerate.unwrap_or_default(),
            databases,
        })
    }

    /// The database URL: `--url` when given, else `url` from the file.
    pub fn database_url(&self, flag: Option<&str>) -> Result<String> {
        match flag.map(str::to_string).or_else(|| self.url.clone()) {
            Some(url) if !url.trim().is_empty() => Ok(url),
            _ => Err(Error::Config(format!(
                "no database URL: set `url` in {} or pass --url",
                self.path.display()
            ))),
        }
    }
}

/// 1-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The first line that assigns `key`, for error messages about expanded values.
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Expands `${VAR}`, `${VAR:-default}` (default when unset or empty), `$$` (a literal
/// `$`) and `%(here)s` (the folder of `alembic.toml`, as in Alembic).
///
/// Errors quote no part of `value` but a valid variable name: the value may be a URL
/// with a password, and the caller shows it redacted.
pub fn expand_vars(
    value: &str,
    here: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let value = value.replace("%(here)s", &here.display().to_string());
    let mut out = String::with_capacity(value.len());
    let mut rest = value.as_str();
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
            continue;
        }
        let Some(body_start) = rest.strip_prefix("${") else {
            out.push('$');
            rest = &rest[1..];
            continue;
        };
        let Some(end) = body_start.find('}') else {
            return Err("unclosed `${`".to_string());
        };
        let body = &body_start[..end];
        let (var, default) = match body.split_once(":-") {
            Some((var, default)) => (var, Some(default)),
            None => (body, None),
        };
        let valid = !var.is_empty()
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !var.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(
                "`${…}` must hold a variable name (letters, digits and `_`): ${NAME} or ${NAME:-default}"
                    .to_string(),
            );
        }
        match (env(var).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(format!(
                    "environment variable {var} is not set (write ${{{var}:-default}} for a fallback)"
                ));
            }
        }
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Where to look for `alembic.toml`.
#[derive(Debug, Clone, Default)]
pub struct Locate<'a> {
    /// `-c/--config`: this file, no search.
    pub config: Option<&'a Path>,
    /// `--manifest-path`: the package whose folder holds `alembic.toml`.
    pub manifest_path: Option<&'a Path>,
}

/// Finds `alembic.toml`: `-c` as given; else next to the `Cargo.toml` of
/// `--manifest-path`; else next to the nearest `Cargo.toml` at or above `cwd` (or in
/// `cwd` itself); else at the root of that package's workspace.
pub fn locate(opts: &Locate<'_>, cwd: &Path) -> Result<PathBuf> {
    if let Some(config) = opts.config {
        let path = cwd.join(config);
        if !path.is_file() {
            return Err(Error::Config(format!("config file {} does not exist", config.display())));
        }
        return Ok(path);
    }
    if let Some(manifest) = opts.manifest_path {
        let manifest = cwd.join(manifest);
        if !manifest.is_file() {
            return Err(Error::Config(format!("manifest {} does not exist", manifest.display())));
        }
        let dir = manifest.parent().unwrap_or(cwd);
        return next_to(dir).or_else(|| workspace_config(&manifest)).ok_or_else(|| not_found(dir));
    }
    if let Some(found) = next_to(cwd) {
        return Ok(found);
    }
    // The package of `cwd` is the nearest folder above it with a Cargo.toml, as cargo
    // decides; a plain walk is much faster than `cargo metadata` for the common case.
    let package = cwd.ancestors().find(|dir| dir.join("Cargo.toml").is_file());
    match package {
        Some(dir) => {
            next_to(dir).or_else(|| workspace_config(&dir.join("Cargo.toml"))).ok_or_else(|| not_found(dir))
        }
        None => Err(Error::Config(format!(
            "no {CONFIG_FILE} in {} and no Cargo.toml above it; run `cargo alembic init migrations` in your package, or pass -c PATH",
            cwd.display()
        ))),
    }
}

fn next_to(dir: &Path) -> Option<PathBuf> {
    let path = dir.join(CONFIG_FILE);
    path.is_file().then_some(path)
}

fn not_found(dir: &Path) -> Error {
    Error::Config(format!(
        "no {CONFIG_FILE} next to {}; run `cargo alembic init migrations` there first, or pass -c PATH",
        dir.join("Cargo.toml").display()
    ))
}

/// `alembic.toml` at the workspace root of the package at `manifest`, found with cargo
/// metadata (only consulted when the package folder has none).
#[cfg(feature = "cli")]
fn workspace_config(manifest: &Path) -> Option<PathBuf> {
    let metadata = cargo_metadata::MetadataCommand::new().manifest_path(manifest).no_deps().exec().ok()?;
    next_to(metadata.workspace_root.as_std_path())
}

#[cfg(not(feature = "cli"))]
fn workspace_config(_manifest: &Path) -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(var: &str) -> Option<String> {
        match var {
            "DATABASE_URL" => Some("postgresql://u@h/db".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_variables_and_defaults() {
        let here = Path::new("/p");
        assert_eq!(expand_vars("${DATABASE_URL}", here, &env).unwrap(), "postgresql://u@h/db");
        assert_eq!(expand_vars("${NOPE:-sqlite:///a.db}", here, &env).unwrap(), "sqlite:///a.db");
        assert_eq!(expand_vars("${EMPTY:-d}", here, &env).unwrap(), "d");
        assert_eq!(expand_vars("a$$b $x", here, &env).unwrap(), "a$b $x");
        assert_eq!(expand_vars("%(here)s/v", here, &env).unwrap(), "/p/v");
        assert!(expand_vars("${NOPE}", here, &env).unwrap_err().contains("NOPE is not set"));
        assert!(expand_vars("${1X}", here, &env).is_err());
        assert!(expand_vars("${X", here, &env).is_err());
    }

    #[test]
    fn database_sections_override_top_level() {
        let text = r#"
url = "sqlite:///main.db"
version_table = "v"
[databases.analytics]
url = "${DATABASE_URL}"
version_locations = ["migrations/analytics"]
"#;
        let path = Path::new("/proj/alembic.toml");
        let top = Config::parse(path, text, None, &env).unwrap();
        assert_eq!(top.url.as_deref(), Some("sqlite:///main.db"));
        assert_eq!(top.version_locations, vec![PathBuf::from("/proj/migrations/versions")]);
        let db = Config::parse(path, text, Some("analytics"), &env).unwrap();
        assert_eq!(db.url.as_deref(), Some("postgresql://u@h/db"));
        assert_eq!(db.version_table, "v");
        assert_eq!(db.version_locations, vec![PathBuf::from("/proj/migrations/analytics")]);
        let err = Config::parse(path, text, Some("nope"), &env).unwrap_err().to_string();
        assert!(err.contains("no section [databases.nope]") && err.contains("known: analytics"), "{err}");
    }

    #[test]
    fn unknown_keys_name_file_and_line() {
        let err = Config::parse(Path::new("a/alembic.toml"), "url = \"x\"\ncolour = 1\n", None, &env)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a/alembic.toml:2: unknown field `colour`"), "{err}");
    }

    #[test]
    fn lock_and_env_timeouts() {
        let path = Path::new("alembic.toml");
        let c =
            Config::parse(path, "lock_timeout = 2\n[autogenerate]\nenv_timeout = 0\n", None, &env).unwrap();
        assert_eq!(c.lock_timeout, Some(std::time::Duration::from_secs(2)));
        assert_eq!(c.autogenerate.env_time_limit(), None);
        let c = Config::parse(path, "lock_timeout = 0.5\n", None, &env).unwrap();
        assert_eq!(c.lock_timeout, Some(std::time::Duration::from_millis(500)));
        let c = Config::parse(path, "", None, &env).unwrap();
        assert_eq!(c.lock_timeout, None);
        assert_eq!(
            c.autogenerate.env_time_limit(),
            Some(std::time::Duration::from_secs(DEFAULT_ENV_TIMEOUT_SECS))
        );
        let err = Config::parse(path, "\nlock_timeout = -1\n", None, &env).unwrap_err().to_string();
        assert!(err.starts_with("alembic.toml:2: `lock_timeout`: -1 is not a number of seconds"), "{err}");
    }

    #[test]
    fn expansion_errors_and_debug_never_show_the_password() {
        let path = Path::new("alembic.toml");
        for url in [
            "postgresql://u:s3cret@127.0.0.1:56000/${NOPE",
            "postgresql://u:s3cret@h/${u:s3cret@h}",
            "${postgresql://u:s3cret@h/db}",
            "postgresql://u:${BAD NAME:-s3cret}@h/db",
        ] {
            let text = format!("url = \"{url}\"\n");
            let err = Config::parse(path, &text, None, &env).unwrap_err().to_string();
            assert!(err.starts_with("alembic.toml:1: `url`: "), "{err}");
            assert!(!err.contains("s3cret"), "{url}: {err}");
        }
        let err = Config::parse(path, "url = \"postgresql://u:s3cret@h:1/${NOPE\"\n", None, &env)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "alembic.toml:1: `url`: unclosed `${` in \"postgresql://u:***@h:1/${NOPE\"");

        let config = Config::parse(path, "url = \"postgresql://u:s3cret@h/db\"\n", None, &env).unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("u:***@h/db") && !shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn unset_variable_names_key_and_line() {
        let err = Config::parse(Path::new("alembic.toml"), "\nurl = \"${NOPE}\"\n", None, &env)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("alembic.toml:2: `url`: environment variable NOPE is not set"), "{err}");
    }
}
