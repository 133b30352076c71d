//! `revision` and `merge`: writing a new revision file from the project's template
//! (Alembic's `ScriptDirectory.generate_revision`).

use std::path::{Path, PathBuf};

use clap::Args;

use super::project::normalize_path;
use super::{Output, Project};
use crate::error::{Error, Result};
use crate::ops::Op;
use crate::script::ScriptDirectory;
use crate::script::file::check_revision_id;
use crate::script::revision::{Revision, RevisionError, RevisionMap};
use crate::script::write::{self, FileNameTokens, NewRevision};

/// `revision`.
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// Message of the revision (its first line names the file).
    #[arg(short, long)]
    pub message: Option<String>,
    /// The revision(s) the new one builds on.
    #[arg(long, default_value = "head", value_name = "REV", allow_hyphen_values = true)]
    pub head: String,
    /// Allow `--head` to name a revision that is not a head, starting a new branch.
    #[arg(long)]
    pub splice: bool,
    /// Branch label to put on the new revision (repeatable).
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// Version location to write the file to (one of `version_locations`).
    #[arg(long, value_name = "PATH")]
    pub version_path: Option<PathBuf>,
    /// Revision id to use instead of a generated one.
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    /// Revision(s) or label(s) the new revision depends on (repeatable).
    #[arg(long = "depends-on", value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Fill the revision with the difference between the declared schema and the
    /// database (`[autogenerate]` in alembic.toml says where the declaration is).
    #[arg(long)]
    pub autogenerate: bool,
    /// With --autogenerate: compare with the history replayed in memory, not the database.
    #[arg(long, requires = "autogenerate")]
    pub offline: bool,
    /// With --autogenerate: before writing, run the revision's upgrade and then its
    /// downgrade on the database in a transaction that is rolled back, and refuse it if
    /// either fails or does not reach its schema (PostgreSQL, SQLite).
    #[arg(long, requires = "autogenerate", conflicts_with = "offline")]
    pub verify: bool,
    /// Write the first revision of an existing database: everything it has, made from
    /// nothing (then `stamp head` to record it as applied).
    #[arg(long, conflicts_with = "autogenerate")]
    pub from_database: bool,
    /// Put a code step calling the Rust function NAME in the upgrade (repeatable);
    /// prints how to register the function.
    #[arg(long = "code-step", value_name = "NAME", conflicts_with_all = ["autogenerate", "from_database"])]
    pub code_step: Vec<String>,
}

/// `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Revisions to merge (or `heads`).
    #[arg(required = true, value_name = "REVS")]
    pub revisions: Vec<String>,
    /// Message of the merge revision.
    #[arg(short, long)]
    pub message: Option<String>,
    /// Branch label to put on the merge revision (repeatable).
    #[arg(long = "branch-label", value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// Revision id to use instead of a generated one.
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

/// What a new revision is to be.
struct Request<'a> {
    rev_id: Option<String>,
    message: Option<String>,
    heads: &'a [String],
    splice: bool,
    branch_labels: Vec<String>,
    version_path: Option<PathBuf>,
    depends_on: Vec<String>,
}

/// `revision`.
pub fn revision(project: &Project, args: RevisionArgs, out: &mut Output) -> Result<()> {
    if args.verify {
        super::autogen::verifiable_url(project)?;
    }
    let scripts = project.scripts()?;
    let parts = if args.autogenerate || args.from_database {
        let diff = if args.from_database {
            super::autogen::baseline_diff(project, &scripts)?
        } else {
            super::autogen::diff(project, &scripts, args.offline, project.global.strict)?
        };
        if diff.upgrade.is_empty() {
            // Alembic writes an empty revision here; an empty file is a surprise, so
            // nothing is written.
            return out.line("No changes in schema detected.");
        }
        for op in &diff.upgrade {
            out.line(format!("Detected {}", super::autogen::describe(op)))?;
        }
        let mut parts = super::autogen::parts_for(&diff)?;
        // Types a database has, which the file must read back as they are; declared
        // ones were checked (and warned about) when the env program ran.
        for (upgrade, downgrade) in &mut parts {
            if diff.target_from_database {
                crate::autogen::quote_database_types(diff.dialect, upgrade);
            }
            if diff.current_from_database {
                crate::autogen::quote_database_types(diff.dialect, downgrade);
            }
        }
        if args.verify {
            super::autogen::verify(project, &diff, &parts)?;
            out.line("Verified: the upgrade and the downgrade ran on the database, and were rolled back")?;
        }
        if parts.len() > 1 {
            out.line(format!(
                "The change is too large for one transaction (the locks it would hold exceed what a {} server with default settings has room for): written as {} revisions, each applied in its own transaction",
                diff.dialect.name(),
                parts.len()
            ))?;
        }
        parts.into_iter().map(|(upgrade, downgrade)| Part { upgrade, downgrade }).collect()
    } else {
        for name in &args.code_step {
            if !crate::ops::call::is_function_name(name) {
                return Err(Error::Command(format!(
                    "--code-step `{name}` is not a function name (a Rust identifier such as split_full_name, or a path data::split_full_name)"
                )));
            }
        }
        let upgrade = args.code_step.iter().map(|name| Op::Call(crate::ops::Call::new(name))).collect();
        vec![Part { upgrade, downgrade: Vec::new() }]
    };
    let heads = [args.head];
    let paths = generate(
        project,
        &scripts,
        Request {
            rev_id: args.rev_id,
            message: args.message,
            heads: &heads,
            splice: args.splice,
            branch_labels: args.branch_label,
            version_path: args.version_path,
            depends_on: args.depends_on,
        },
        parts,
    )?;
    for path in paths {
        out.line(format!("Generating {} ...  done", path.display()))?;
    }
    for name in &args.code_step {
        out.line(code_step_hint(project, name))?;
    }
    Ok(())
}

/// Where the function of a new code step goes, for the configured database's dialect.
fn code_step_hint(project: &Project, name: &str) -> String {
    let dialect =
        super::migrate::database_url(project).map(|u| u.dialect()).unwrap_or(crate::dialect::Dialect::Sqlite);
    let function = name.rsplit("::").next().unwrap_or(name);
    format!(
        "Code step `{name}`: write `fn {function}` and register it where the application migrates and in {}:\n    alembic::code_steps::CodeSteps::new().{}(\"{name}\", {name})\n  (see the docs of alembic::code_steps for its signature; add the downgrade's own `call` to the file if it needs one)",
        project.config.script_location.join("env.rs").display(),
        dialect.name(),
    )
}

/// `merge`.
pub fn merge(project: &Project, args: MergeArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let paths = generate(
        project,
        &scripts,
        Request {
            rev_id: args.rev_id,
            message: args.message,
            heads: &args.revisions,
            splice: false,
            branch_labels: args.branch_label,
            version_path: None,
            depends_on: Vec::new(),
        },
        vec![Part { upgrade: Vec::new(), downgrade: Vec::new() }],
    )?;
    for path in paths {
        out.line(format!("Generating {} ...  done", path.display()))?;
    }
    Ok(())
}

/// Alembic's text when `--head head` meets several heads.
const MULTIPLE_HEADS_FOR_REVISION: &str = "Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.";

/// One revision file of a request: its ops.
struct Part {
    upgrade: Vec<Op>,
    downgrade: Vec<Op>,
}

/// Writes the files of `req`: one revision per part, each built on the one before
/// (the first on `req.heads`), every file rendered and the whole graph validated before
/// the first is written. With several parts, the messages say which part each is; the
/// first takes the branch labels and `depends_on`, the last `--rev-id`, so that the
/// head is the revision asked for.
fn generate(
    project: &Project,
    scripts: &ScriptDirectory,
    req: Request<'_>,
    parts: Vec<Part>,
) -> Result<Vec<PathBuf>> {
    let config = &project.config;
    let map = scripts.map();
    let count = parts.len().max(1);
    let mut rev_ids: Vec<String> = (1..count).map(|_| write::new_rev_id()).collect();
    rev_ids.push(match req.rev_id {
        Some(id) => {
            check_revision_id(&id).map_err(|why| Error::Config(format!("--rev-id: {why}")))?;
            id
        }
        None => write::new_rev_id(),
    });
    for rev_id in &rev_ids {
        if let Some(existing) = scripts.script(rev_id) {
            return Err(Error::Command(format!(
                "revision {rev_id} already exists in {}",
                existing.path.display()
            )));
        }
    }

    let mut heads: Vec<String> = Vec::new();
    for ident in req.heads {
        let resolved = map.get_revisions(ident).map_err(|err| match err {
            RevisionError::MultipleHeads { .. } => Error::Command(MULTIPLE_HEADS_FOR_REVISION.into()),
            other => Error::Revision(other),
        })?;
        heads.extend(resolved.iter().map(|n| n.revision().to_string()));
    }
    let mut seen = std::collections::HashSet::new();
    if !heads.iter().all(|h| seen.insert(h.as_str())) {
        return Err(Error::Command("Duplicate head revisions specified".into()));
    }
    if !req.splice
        && let Some(h) = heads.iter().find(|h| map.node(h).is_some_and(|n| !n.is_head()))
    {
        return Err(Error::Command(format!(
            "Revision {h} is not a head revision; please specify --splice to create a new branch from this revision"
        )));
    }
    let depends_on = resolve_depends_on(map, &req.depends_on)?;

    let version_path = choose_version_path(project, scripts, &heads, req.version_path.as_deref())?;

    // Each part's place in the graph: the first on the heads, the others on the one
    // before.
    let mut placed = Vec::with_capacity(count);
    for (i, rev_id) in rev_ids.iter().enumerate() {
        let first = i == 0;
        placed.push(Revision {
            revision: rev_id.clone(),
            down_revision: if first { heads.clone() } else { vec![rev_ids[i - 1].clone()] },
            branch_labels: if first { req.branch_labels.clone() } else { Vec::new() },
            depends_on: if first { depends_on.clone() } else { Vec::new() },
        });
    }
    // Validate the graph with the new revisions in it before writing anything.
    let mut revisions: Vec<Revision> = map.iter().map(|n| n.as_revision().clone()).collect();
    revisions.extend(placed.iter().cloned());
    RevisionMap::new(revisions)?;

    let create_date = write::create_date(Some(&config.timezone))?;
    let message = req.message.unwrap_or_else(|| "empty message".to_string());
    let template_path = config.script_location.join("script.toml.j2");
    let template = match std::fs::read_to_string(&template_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write::DEFAULT_TEMPLATE.to_string(),
        Err(e) => return Err(Error::io(&template_path, e)),
    };
    let mut parts = parts.into_iter();
    let mut files = Vec::with_capacity(count);
    for (i, revision) in placed.into_iter().enumerate() {
        let part = parts.next().unwrap_or(Part { upgrade: Vec::new(), downgrade: Vec::new() });
        let message =
            if count > 1 { format!("{message} (part {} of {count})", i + 1) } else { message.clone() };
        let tokens = FileNameTokens {
            rev: revision.revision.clone(),
            slug: write::slugify(&message, config.truncate_slug_length),
            create_date: create_date.clone(),
        };
        let name = format!("{}.toml", write::file_name(&config.file_template, &tokens)?);
        // Checked before anything is rendered; written through the same check below.
        let path = write::revision_file_path(&version_path, &name, &config.file_template)?;
        if path.symlink_metadata().is_ok() {
            return Err(Error::Command(format!("{} already exists", path.display())));
        }
        let new = NewRevision {
            revision: revision.revision,
            down_revision: revision.down_revision,
            branch_labels: revision.branch_labels,
            depends_on: revision.depends_on,
            message,
            create_date: create_date.clone(),
            upgrade: part.upgrade,
            downgrade: part.downgrade,
        };
        // The template is the user's: rendering checks that what it produced parses
        // back to what was asked, before it lands in the versions folder.
        let text = write::render_revision_at(&template_path, &template, &new)?;
        files.push((name, text));
    }
    let mut written = Vec::with_capacity(count);
    for (name, text) in files {
        match write::write_revision_file(&version_path, &name, &config.file_template, &text) {
            Ok(path) => written.push(path),
            Err(err) => {
                // All the parts or none: a chain cut short would be a history that
                // stops half-way.
                for path in &written {
                    let _ = std::fs::remove_file(path);
                }
                return Err(err);
            }
        }
    }
    Ok(written)
}

/// `--depends-on` values: a branch label stays a label, anything else becomes the full
/// revision id it resolves to (as Alembic does).
fn resolve_depends_on(map: &RevisionMap, idents: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(idents.len());
    for ident in idents {
        let Some(node) = map.get_revision(ident)? else {
            return Err(Error::Command(format!("No such revision or branch '{ident}'")));
        };
        if node.branch_labels().contains(ident) {
            out.push(ident.clone());
        } else {
            out.push(node.revision().to_string());
        }
    }
    Ok(out)
}

/// Where the new file goes: `--version-path` (which must be a version location), the
/// folder of the first head's file when there are several locations, else the only one.
fn choose_version_path(
    project: &Project,
    scripts: &ScriptDirectory,
    heads: &[String],
    flag: Option<&Path>,
) -> Result<PathBuf> {
    let locations = &project.config.version_locations;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    match flag {
        Some(path) => {
            let wanted = normalize_path(&cwd.join(path));
            locations.iter().find(|loc| normalize_path(loc) == wanted).cloned().ok_or_else(|| {
                Error::Command(format!(
                    "Path {} is not represented in current version locations",
                    path.display()
                ))
            })
        }
        None if locations.len() > 1 => heads
            .iter()
            .find_map(|h| scripts.script(h))
            .and_then(|s| s.path.parent().map(Path::to_path_buf))
            .ok_or_else(|| {
                Error::Command("Multiple version locations present, please specify --version-path".into())
            }),
        None => Ok(locations[0].clone()),
    }
}
