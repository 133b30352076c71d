//! The read-only commands: `heads`, `branches`, `history`, `show`, `edit`. Their line
//! formats are Alembic's (`a, b -> m (mergepoint), message`, `(head)`, `<base> -> a`),
//! so that output reads the same as Python Alembic's for the same history.

use std::path::Path;

use clap::Args;

use super::{Output, Project};
use crate::error::{Error, Result};
use crate::script::revision::{RevisionNode, RevisionSpec};
use crate::script::{RevisionScript, ScriptDirectory};

mod graph;

/// `heads`.
#[derive(Debug, Args)]
pub struct HeadsArgs {
    /// Show the whole entry of each head.
    #[arg(short, long)]
    pub verbose: bool,
    /// Treat dependencies as down revisions: heads that others depend on are not heads.
    #[arg(long)]
    pub resolve_dependencies: bool,
}

/// `branches`.
#[derive(Debug, Args)]
pub struct BranchesArgs {
    /// Show the whole entry of each branch point.
    #[arg(short, long)]
    pub verbose: bool,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Range of revisions, `[start]:[end]`, e.g. `base:head`, `ae10:`, `:3f2a`.
    #[arg(short = 'r', long = "rev-range", value_name = "RANGE", allow_hyphen_values = true)]
    pub rev_range: Option<String>,
    /// Show the whole entry of each revision.
    #[arg(short, long)]
    pub verbose: bool,
    /// Draw the revision graph beside the list.
    #[arg(long)]
    pub graph: bool,
    /// Mark the database's current revision(s) (reads the database).
    #[arg(short = 'i', long)]
    pub indicate_current: bool,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Revision identifier (`head`, `heads`, an id or prefix, `label@head`, `-1`, …).
    #[arg(allow_hyphen_values = true)]
    pub rev: String,
}

/// `edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Revision identifier.
    #[arg(allow_hyphen_values = true)]
    pub rev: String,
}

/// Formats revisions the way Alembic's `Script` does.
pub(crate) struct Formatter<'a> {
    scripts: &'a ScriptDirectory,
    cwd: Option<std::path::PathBuf>,
    /// The database's revisions, marked `(current)`.
    current: Vec<String>,
}

/// Which parts of a revision's one-line form to show (Alembic's `_head_only` flags).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineParts {
    pub branches: bool,
    pub doc: bool,
    pub parents: bool,
    pub tree_indicators: bool,
}

impl<'a> Formatter<'a> {
    pub(crate) fn new(scripts: &'a ScriptDirectory) -> Self {
        Formatter { scripts, cwd: std::env::current_dir().ok(), current: Vec::new() }
    }

    /// Marks these revisions `(current)`.
    pub(crate) fn with_current(mut self, current: Vec<String>) -> Self {
        self.current = current;
        self
    }

    fn is_current(&self, node: &RevisionNode) -> bool {
        self.current.iter().any(|c| c == node.revision())
    }

    fn script(&self, node: &RevisionNode) -> Option<&'a RevisionScript> {
        self.scripts.script(node.revision())
    }

    /// The whole header comment (Alembic's `longdoc`), or the message.
    pub(crate) fn longdoc(&self, node: &RevisionNode) -> String {
        match self.script(node) {
            Some(s) if !s.doc.trim().is_empty() => s.doc.trim().to_string(),
            Some(s) => s.message.trim().to_string(),
            None => String::new(),
        }
    }

    /// The first paragraph of the header comment (Alembic's `doc`).
    pub(crate) fn doc(&self, node: &RevisionNode) -> String {
        let long = self.longdoc(node);
        long.split("\n\n").next().unwrap_or("").to_string()
    }

    fn path(&self, node: &RevisionNode) -> String {
        let Some(script) = self.script(node) else {
            return String::new();
        };
        let path: &Path = &script.path;
        let shown = self.cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()).unwrap_or(path);
        shown.display().to_string()
    }

    fn down(&self, node: &RevisionNode) -> String {
        if node.down_revisions().is_empty() { "<base>".to_string() } else { node.down_revisions().join(", ") }
    }

    /// One line: `parents -> rev (labels) (head) (branchpoint), doc`, as selected.
    pub(crate) fn line(&self, node: &RevisionNode, parts: LineParts) -> String {
        let mut text = node.revision().to_string();
        if parts.parents {
            text = if node.dependencies().is_empty() {
                format!("{} -> {text}", self.down(node))
            } else {
                format!("{} ({}) -> {text}", self.down(node), node.dependencies().join(", "))
            };
        }
        let labels = node.branch_labels();
        if parts.branches && !labels.is_empty() {
            text.push_str(&format!(" ({})", labels.into_iter().collect::<Vec<_>>().join(", ")));
        }
        if node.is_real_head() {
            text.push_str(" (head)");
        } else if node.is_head() {
            text.push_str(" (effective head)");
        }
        if self.is_current(node) {
            text.push_str(" (current)");
        }
        if parts.tree_indicators {
            if node.is_branch_point() {
                text.push_str(" (branchpoint)");
            }
            if node.is_merge_point() {
                text.push_str(" (mergepoint)");
            }
        }
        if parts.doc {
            text.push_str(&format!(", {}", self.doc(node)));
        }
        text
    }

    /// The multi-line entry of `show` and `-v` (Alembic's `log_entry`).
    pub(crate) fn entry(&self, node: &RevisionNode) -> String {
        let mut entry = format!(
            "Rev: {}{}{}{}{}\n",
            node.revision(),
            if node.is_head() { " (head)" } else { "" },
            if node.is_branch_point() { " (branchpoint)" } else { "" },
            if node.is_merge_point() { " (mergepoint)" } else { "" },
            if self.is_current(node) { " (current)" } else { "" },
        );
        let down = self.down(node);
        if node.is_merge_point() {
            entry.push_str(&format!("Merges: {down}\n"));
        } else {
            entry.push_str(&format!("Parent: {down}\n"));
        }
        if !node.dependencies().is_empty() {
            entry.push_str(&format!("Also depends on: {}\n", node.dependencies().join(", ")));
        }
        if node.is_branch_point() {
            entry.push_str(&format!("Branches into: {}\n", node.nextrev().join(", ")));
        }
        let labels = node.branch_labels();
        if !labels.is_empty() {
            entry.push_str(&format!("Branch names: {}\n", labels.into_iter().collect::<Vec<_>>().join(", ")));
        }
        entry.push_str(&format!("Path: {}\n", self.path(node)));
        let body: Vec<String> = self.longdoc(node).lines().map(|l| format!("    {l}")).collect();
        entry.push_str(&format!("\n{}\n", body.join("\n")));
        entry
    }

    /// `verbose` → the entry; else the one-line form.
    pub(crate) fn cmd_format(&self, node: &RevisionNode, verbose: bool, parts: LineParts) -> String {
        if verbose { self.entry(node) } else { self.line(node, parts) }
    }
}

/// `heads`.
pub fn heads(project: &Project, args: HeadsArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let map = scripts.map();
    let heads: Vec<&RevisionNode> = if args.resolve_dependencies {
        map.get_revisions("heads")?
    } else {
        map.heads().into_iter().filter_map(|id| map.node(id)).collect()
    };
    let fmt = Formatter::new(&scripts);
    let parts = LineParts { branches: true, ..LineParts::default() };
    for head in heads {
        out.line(fmt.cmd_format(head, args.verbose, parts))?;
    }
    Ok(())
}

/// `branches`.
pub fn branches(project: &Project, args: BranchesArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let map = scripts.map();
    let fmt = Formatter::new(&scripts);
    for node in map.walk(&"base".into(), &"heads".into())? {
        if !node.is_branch_point() {
            continue;
        }
        let head = fmt.cmd_format(
            node,
            args.verbose,
            LineParts { branches: true, tree_indicators: true, ..Default::default() },
        );
        let pad = " ".repeat(node.revision().chars().count());
        let children: Vec<String> = node
            .nextrev()
            .into_iter()
            .filter_map(|id| map.node(id))
            .map(|child| {
                let parts = LineParts {
                    branches: true,
                    doc: args.verbose,
                    tree_indicators: true,
                    ..Default::default()
                };
                format!("{pad} -> {}", fmt.line(child, parts))
            })
            .collect();
        out.line(format!("{head}\n{}\n", children.join("\n")))?;
    }
    Ok(())
}

/// `history`.
pub fn history(project: &Project, args: HistoryArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let (base, head) = match &args.rev_range {
        None => ("base".to_string(), "heads".to_string()),
        Some(range) => {
            let Some((base, head)) = range.trim().split_once(':') else {
                return Err(Error::Command(
                    "History range requires [start]:[end], [start]:, or :[end]".into(),
                ));
            };
            let base = if base.is_empty() { "base" } else { base };
            let head = if head.is_empty() { "heads" } else { head };
            (base.to_string(), head.to_string())
        }
    };
    let needs_db = args.indicate_current || base == "current" || head == "current";
    let current = if needs_db { super::migrate::current_heads(project, &scripts)? } else { Vec::new() };
    let spec = |end: &str| -> RevisionSpec {
        if end == "current" { RevisionSpec::Ids(current.clone()) } else { end.into() }
    };
    let nodes = scripts.map().walk(&spec(&base), &spec(&head))?;
    let fmt = Formatter::new(&scripts).with_current(if args.indicate_current {
        current.clone()
    } else {
        Vec::new()
    });
    let parts = LineParts { branches: true, doc: true, parents: true, tree_indicators: true };
    if args.graph {
        for line in graph::draw(&nodes, |node| fmt.cmd_format(node, args.verbose, parts)) {
            out.line(line)?;
        }
        return Ok(());
    }
    for node in nodes {
        out.line(fmt.cmd_format(node, args.verbose, parts))?;
    }
    Ok(())
}

/// `show`.
pub fn show(project: &Project, args: ShowArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let fmt = Formatter::new(&scripts);
    let nodes = if args.rev == "current" {
        let heads = super::migrate::current_heads(project, &scripts)?;
        scripts.map().get_revisions_spec(&RevisionSpec::Ids(heads))?
    } else {
        scripts.get_revisions(&args.rev)?
    };
    for node in nodes {
        out.line(fmt.entry(node))?;
    }
    Ok(())
}

/// `edit`: opens each file in `$VISUAL`, `$EDITOR`, or the first of vi/nano found.
pub fn edit(project: &Project, args: EditArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let nodes = if args.rev == "current" {
        let heads = super::migrate::current_heads(project, &scripts)?;
        if heads.is_empty() {
            return Err(Error::Command("No current revisions".into()));
        }
        scripts.map().get_revisions_spec(&RevisionSpec::Ids(heads))?
    } else {
        scripts.get_revisions(&args.rev)?
    };
    if nodes.is_empty() {
        return Err(Error::Command(format!("No revision files indicated by symbol '{}'", args.rev)));
    }
    for node in nodes {
        let Some(script) = scripts.script(node.revision()) else {
            continue;
        };
        open_in_editor(&script.path)?;
        out.line(format!("Edited {}", script.path.display()))?;
    }
    Ok(())
}

fn open_in_editor(path: &Path) -> Result<()> {
    let configured =
        ["VISUAL", "EDITOR"].iter().filter_map(|var| std::env::var(var).ok()).find(|v| !v.trim().is_empty());
    let candidates: Vec<String> = match configured {
        Some(editor) => vec![editor],
        None => vec!["vi".into(), "nano".into()],
    };
    for editor in &candidates {
        let mut words = editor.split_whitespace();
        let Some(program) = words.next() else {
            continue;
        };
        match std::process::Command::new(program).args(words).arg(path).status() {
            Ok(status) if status.success() => return Ok(()),
            Ok(status) => {
                return Err(Error::Command(format!(
                    "editor '{editor}' exited with {status} for {}",
                    path.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::Command(format!("cannot run editor '{editor}': {e}"))),
        }
    }
    Err(Error::Command(format!(
        "no editor found to open {}; set $EDITOR (tried {})",
        path.display(),
        candidates.join(", ")
    )))
}
