//! `init` and `list-templates`: scaffolding a migrations folder from the templates
//! embedded in the binary.

use std::path::{Path, PathBuf};

use clap::Args;

use super::project::normalize_path;
use super::{GlobalArgs, Output};
use crate::config::CONFIG_FILE;
use crate::error::{Error, Result};

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Template to use (see `list-templates`).
    #[arg(short, long, default_value = "generic")]
    pub template: String,
    /// The migrations folder to create; it must not exist or be empty.
    pub directory: PathBuf,
}

/// One scaffold template.
struct Template {
    name: &'static str,
    description: &'static str,
    config: &'static str,
    env: &'static str,
    readme: &'static str,
    /// Subfolders of the migrations folder that hold revision files.
    version_dirs: &'static [&'static str],
}

/// The revision file template, shared by every scaffold template.
const SCRIPT_TEMPLATE: &str = include_str!("../../templates/script.toml.j2");

const TEMPLATES: &[Template] = &[
    Template {
        name: "generic",
        description: "Generic single-database configuration.",
        config: include_str!("../../templates/generic/alembic.toml.j2"),
        env: include_str!("../../templates/generic/env.rs"),
        readme: include_str!("../../templates/generic/README"),
        version_dirs: &["versions"],
    },
    Template {
        name: "multidb",
        description: "Multiple databases, each with its own history, chosen with -n.",
        config: include_str!("../../templates/multidb/alembic.toml.j2"),
        env: include_str!("../../templates/multidb/env.rs"),
        readme: include_str!("../../templates/multidb/README"),
        version_dirs: &["primary", "analytics"],
    },
];

/// `list-templates`.
pub fn list_templates(out: &mut Output) -> Result<()> {
    out.line("Available templates:\n")?;
    for t in TEMPLATES {
        out.line(format!("{} - {}", t.name, t.description))?;
    }
    out.line("\nTemplates are used via the 'init' command, e.g.:\n")?;
    out.line("  cargo alembic init --template generic ./migrations")
}

/// `init`: writes the migrations folder, and `alembic.toml` next to the package's
/// Cargo.toml (or where `-c` says) unless one exists.
pub fn init(global: &GlobalArgs, cwd: &Path, args: InitArgs, out: &mut Output) -> Result<()> {
    let Some(template) = TEMPLATES.iter().find(|t| t.name == args.template) else {
        let names: Vec<&str> = TEMPLATES.iter().map(|t| t.name).collect();
        return Err(Error::Command(format!(
            "no such template '{}' (available: {}); see `cargo alembic list-templates`",
            args.template,
            names.join(", ")
        )));
    };
    let dir = cwd.join(&args.directory);
    if dir.exists() {
        let non_empty = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?.next().is_some();
        if non_empty {
            return Err(Error::Command(format!(
                "directory {} already exists and is not empty",
                args.directory.display()
            )));
        }
    }
    let config_path = match &global.config {
        Some(config) => cwd.join(config),
        None => package_root(global, cwd)?.join(CONFIG_FILE),
    };
    let config_dir = config_path.parent().unwrap_or(cwd).to_path_buf();
    let script_location = relative_to(&dir, &config_dir);

    let render = |text: &str| -> Result<String> {
        let mut env = minijinja::Environment::new();
        env.set_keep_trailing_newline(true);
        env.render_str(text, minijinja::context! { script_location => &script_location })
            .map_err(|e| Error::Command(format!("rendering template {}: {e}", template.name)))
    };
    let mut files: Vec<(PathBuf, String)> = vec![
        (dir.join("env.rs"), template.env.to_string()),
        (dir.join("script.toml.j2"), SCRIPT_TEMPLATE.to_string()),
        (dir.join("README"), render(template.readme)?),
    ];
    let write_config = !config_path.exists();
    if write_config {
        files.push((config_path.clone(), render(template.config)?));
    }

    make_dir(&dir, out)?;
    for sub in template.version_dirs {
        make_dir(&dir.join(sub), out)?;
    }
    for (path, text) in &mut files {
        // Every file ends with a newline, so `echo 'url = …' >> alembic.toml` appends a line.
        if !text.ends_with('\n') {
            text.push('\n');
        }
        out.line(format!("Generating {} ...  done", path.display()))?;
        std::fs::write(&*path, &*text).map_err(|e| Error::io(&*path, e))?;
    }
    // Register env.rs so that autogenerate can build it (Alembic's env.py needs nothing
    // like it: Python runs the file as it is).
    let package_dir = package_root(global, cwd)?;
    for message in super::env_program::register(&package_dir, &relative_to(&dir, &package_dir))? {
        out.line(message)?;
    }
    if !write_config {
        out.line(format!(
            "{} already exists; left as it is (point `script_location` at {script_location})",
            config_path.display()
        ))?;
    }
    out.line(format!(
        "Please edit configuration/connection settings in {} before proceeding.",
        config_path.display()
    ))
}

fn make_dir(dir: &Path, out: &mut Output) -> Result<()> {
    if !dir.exists() {
        out.line(format!("Creating directory {} ...  done", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// The folder of the package's Cargo.toml (`--manifest-path`, or the nearest above
/// `cwd`); `cwd` itself outside any package.
fn package_root(global: &GlobalArgs, cwd: &Path) -> Result<PathBuf> {
    if let Some(manifest) = &global.manifest_path {
        let manifest = cwd.join(manifest);
        if !manifest.is_file() {
            return Err(Error::Config(format!("manifest {} does not exist", manifest.display())));
        }
        return Ok(manifest.parent().unwrap_or(cwd).to_path_buf());
    }
    Ok(cwd.ancestors().find(|d| d.join("Cargo.toml").is_file()).unwrap_or(cwd).to_path_buf())
}

/// `path` relative to `base` with `/` separators, for alembic.toml.
fn relative_to(path: &Path, base: &Path) -> String {
    let path = normalize_path(path);
    let base = normalize_path(base);
    let common = path.components().zip(base.components()).take_while(|(a, b)| a == b).count();
    let ups = base.components().count() - common;
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), ups).collect();
    parts.extend(path.components().skip(common).map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_for_the_config() {
        assert_eq!(relative_to(Path::new("/p/migrations"), Path::new("/p")), "migrations");
        assert_eq!(relative_to(Path::new("/p/sub/./m"), Path::new("/p")), "sub/m");
        assert_eq!(relative_to(Path::new("/q/m"), Path::new("/p")), "../q/m");
    }
}
