//! The clap command tree shared by `cargo alembic` and by application binaries that
//! mount it, and the code behind each command.
//!
//! [`main`] is the whole program for a binary: it parses arguments, runs the command and
//! turns any failure into one `error: …` line and exit code 1 (2 for usage errors).

mod autogen;
mod child;
pub mod env_program;
mod init;
mod inspect;
mod migrate;
#[cfg(feature = "embed")]
mod mount;
mod output;
mod project;
mod revision;
mod signals;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
#[cfg(feature = "embed")]
pub use mount::{DbArgs, DbCommand};
pub use output::Output;
pub use project::{Project, ScriptSource};

/// `cargo alembic`: global options and the command.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-alembic",
    bin_name = "cargo alembic",
    version,
    about = "Database migrations in the manner of Alembic: revision graph, offline SQL, embedded self-migration.",
    propagate_version = true
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The help heading of the options every command takes, so that a command's help
/// lists its own options first and these after them.
pub(crate) const GLOBAL_OPTIONS: &str = "Global options";

/// Options every command takes (listed under "Global options" in every command's
/// help). Its `Debug` shows `--url` redacted.
#[derive(Clone, Args, Default)]
pub struct GlobalArgs {
    /// Configuration file (default: alembic.toml next to the package's Cargo.toml).
    #[arg(short = 'c', long = "config", global = true, help_heading = GLOBAL_OPTIONS, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Path to the Cargo.toml of the package whose alembic.toml to use.
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Database section of alembic.toml ([databases.<NAME>]).
    #[arg(short = 'n', long = "name", global = true, help_heading = GLOBAL_OPTIONS, value_name = "NAME")]
    pub name: Option<String>,
    /// Extra KEY=VALUE arguments passed to the env program (repeatable).
    #[arg(short = 'x', global = true, help_heading = GLOBAL_OPTIONS, value_name = "KEY=VALUE", value_parser = parse_x_arg)]
    pub x: Vec<(String, String)>,
    /// Database URL, overriding `url` in alembic.toml.
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, value_name = "URL")]
    pub url: Option<String>,
    /// Print nothing but errors and warnings (and a line when waiting for another migrator).
    #[arg(short, long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub quiet: bool,
    /// Make warnings about the revision files errors: an unknown column type, a
    /// downgrade of a revision that has no downgrade ops.
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub strict: bool,
    /// When to use colours (NO_COLOR is honoured under `auto`).
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl std::fmt::Debug for GlobalArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalArgs")
            .field("config", &self.config)
            .field("manifest_path", &self.manifest_path)
            .field("name", &self.name)
            .field("x", &self.x)
            .field("url", &self.url.as_deref().map(crate::url::redact))
            .field("quiet", &self.quiet)
            .field("strict", &self.strict)
            .field("color", &self.color)
            .finish()
    }
}

fn parse_x_arg(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got '{s}'")),
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colours on a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a migrations folder from a template, and alembic.toml if there is none.
    Init(init::InitArgs),
    /// List the templates `init` can use.
    ListTemplates,
    /// Create a new revision file.
    Revision(revision::RevisionArgs),
    /// Create a revision that merges two or more heads.
    Merge(revision::MergeArgs),
    /// Show the head revisions of the history.
    Heads(inspect::HeadsArgs),
    /// Show the branch points of the history.
    Branches(inspect::BranchesArgs),
    /// List revisions in chronological order, newest first.
    History(inspect::HistoryArgs),
    /// Show the revision(s) an identifier denotes.
    Show(inspect::ShowArgs),
    /// Open the revision file(s) an identifier denotes in $EDITOR.
    Edit(inspect::EditArgs),
    /// Upgrade the database to a later revision (or print the SQL with --sql).
    Upgrade(migrate::MoveArgs),
    /// Revert the database to an earlier revision (or print the SQL with --sql).
    Downgrade(migrate::MoveArgs),
    /// Record revisions in the version table without running migrations.
    Stamp(migrate::StampArgs),
    /// Show the revision(s) the database is at.
    Current(migrate::CurrentArgs),
    /// Create the version table if it does not exist.
    EnsureVersion(migrate::EnsureVersionArgs),
    /// Exit 1 if autogenerate would write any operation (the declared schema differs).
    Check(autogen::CheckArgs),
    /// Print the target schema of the env program as JSON (for tests and tooling).
    #[command(hide = true)]
    TargetSchema,
}

/// Runs a parsed command line, printing to `out`.
pub fn run(cli: Cli, out: &mut Output) -> Result<()> {
    run_with_code_steps(cli, out, None)
}

/// [`run`], with the functions of code steps when this program registers them (the
/// env program, through [`main_with_code_steps`]).
pub fn run_with_code_steps(
    cli: Cli,
    out: &mut Output,
    code_steps: Option<&'static crate::code_steps::CodeSteps>,
) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let global = cli.global;
    let migrating = |global: &GlobalArgs| -> Result<Project> {
        let mut project = Project::open(global, &cwd)?;
        project.code_steps = code_steps;
        Ok(project)
    };
    match cli.command {
        Command::Init(args) => init::init(&global, &cwd, args, out),
        Command::ListTemplates => init::list_templates(out),
        Command::Revision(args) => revision::revision(&Project::open(&global, &cwd)?, args, out),
        Command::Merge(args) => revision::merge(&Project::open(&global, &cwd)?, args, out),
        Command::Heads(args) => inspect::heads(&Project::open(&global, &cwd)?, args, out),
        Command::Branches(args) => inspect::branches(&Project::open(&global, &cwd)?, args, out),
        Command::History(args) => inspect::history(&Project::open(&global, &cwd)?, args, out),
        Command::Show(args) => inspect::show(&Project::open(&global, &cwd)?, args, out),
        Command::Edit(args) => inspect::edit(&Project::open(&global, &cwd)?, args, out),
        Command::Upgrade(args) => migrate::upgrade(&migrating(&global)?, args, out),
        Command::Downgrade(args) => migrate::downgrade(&migrating(&global)?, args, out),
        Command::Stamp(args) => migrate::stamp(&Project::open(&global, &cwd)?, args, out),
        Command::Current(args) => migrate::current(&Project::open(&global, &cwd)?, args, out),
        Command::EnsureVersion(args) => migrate::ensure_version(&Project::open(&global, &cwd)?, args, out),
        Command::Check(args) => autogen::check(&Project::open(&global, &cwd)?, args, out),
        Command::TargetSchema => {
            let schema = env_program::load_target(&Project::open(&global, &cwd)?)?;
            out.line(serde_json::to_string_pretty(&schema).map_err(|e| Error::Command(e.to_string()))?)
        }
    }
}

/// The whole program of a binary: parses `args` (program name first), runs the command,
/// prints `error: …` on failure, and returns the exit code (0, 1, or 2 for usage).
///
/// `cargo` runs `cargo-alembic alembic …`; a leading `alembic` argument is skipped.
///
/// SIGINT and SIGTERM stop the command cleanly (see `signals`): it prints
/// `error: interrupted` and returns 130 or 143.
pub fn main<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    main_with_code_steps(args, None)
}

/// The arguments of this run, after the program name (and cargo's `alembic`): what the
/// env program is given to run the same command with code steps.
static COMMAND_ARGS: std::sync::OnceLock<Vec<OsString>> = std::sync::OnceLock::new();

pub(crate) fn command_args() -> Vec<OsString> {
    COMMAND_ARGS.get().cloned().unwrap_or_else(|| std::env::args_os().skip(1).collect())
}

/// [`main`], with the functions of code steps (the env program's side of running a
/// history with code steps; see [`crate::env::run_with_code_steps`]).
pub fn main_with_code_steps<I, T>(args: I, code_steps: Option<&'static crate::code_steps::CodeSteps>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_some_and(|a| a == "alembic") {
        args.remove(1);
    }
    let _ = COMMAND_ARGS.set(args.iter().skip(1).cloned().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with exit 0, usage errors with 2.
            let _ = err.print();
            return err.exit_code();
        }
    };
    let color = output::use_color(cli.global.color);
    let mut out = Output::stdout(cli.global.quiet);
    signals::install();
    let result = run_with_code_steps(cli, &mut out, code_steps);
    let interrupted = signals::exit_code();
    if interrupted.is_some() && !signals::claim_exit() {
        // The signal handler ran out of patience and is ending the process itself.
        signals::wait_for_exit();
    }
    match (result, interrupted) {
        (Ok(()), _) => 0,
        (Err(err), _) if output::is_broken_pipe(&err) => 0,
        // Whatever failed after the signal (a cancelled statement, a killed env
        // program) failed because of it.
        (Err(_), Some(code)) => {
            output::print_error(&Error::Interrupted, color);
            code
        }
        (Err(err), None) => {
            output::print_error(&err, color);
            1
        }
    }
}
