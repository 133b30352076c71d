//! The `db` subcommand an application mounts in its own clap CLI, so that a shipped
//! binary offers `myapp db upgrade|downgrade|current|history|heads|stamp` against the
//! migrations embedded in it (feature `embed`).
//!
//! The commands are `cargo alembic`'s own code (same options, same output): a
//! [`Project`] whose revision files come from the embedded folder and whose settings
//! (version table, transaction per migration) are the ones `alembic.toml` had at build
//! time.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use super::project::ScriptSource;
use super::{ColorChoice, GLOBAL_OPTIONS, GlobalArgs, Output, Project, inspect, migrate, output};
use crate::config::Config;
use crate::embed::Migrations;
use crate::error::{Error, Result};

/// `db`: database migrations of this application. Add it to an application's own
/// clap command tree and hand it to [`DbArgs::exec`] (or [`DbArgs::run`]).
///
/// ```text
/// use clap::{Parser, Subcommand};
///
/// static MIGRATIONS: alembic::Migrations = alembic::embedded!();
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(subcommand)]
///     command: Command,
/// }
///
/// #[derive(Subcommand)]
/// enum Command {
///     /// Serve requests.
///     Serve,
///     /// Database migrations.
///     Db(alembic::cli::DbArgs),
/// }
///
/// fn main() {
///     match Cli::parse().command {
///         Command::Serve => {}
///         Command::Db(db) => std::process::exit(db.exec(&MIGRATIONS, Some("sqlite:///app.db"))),
///     }
/// }
/// ```
#[derive(Args)]
pub struct DbArgs {
    /// Database URL (default: $DATABASE_URL, else the application's default).
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, env = "DATABASE_URL", value_name = "URL")]
    pub url: Option<String>,
    /// Print nothing but errors and warnings.
    #[arg(short, long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub quiet: bool,
    /// Make warnings about the migrations errors: an unknown column type, a downgrade
    /// of a revision that has no downgrade ops.
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS)]
    pub strict: bool,
    /// When to use colours (NO_COLOR is honoured under `auto`).
    #[arg(long, global = true, help_heading = GLOBAL_OPTIONS, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// The command to run.
    #[command(subcommand)]
    pub command: DbCommand,
    /// The functions of the history's code steps ([`DbArgs::with_code_steps`]).
    #[arg(skip)]
    pub code_steps: Option<&'static crate::code_steps::CodeSteps>,
}

/// `--url` is shown redacted.
impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("url", &self.url.as_deref().map(crate::url::redact))
            .field("quiet", &self.quiet)
            .field("strict", &self.strict)
            .field("color", &self.color)
            .field("command", &self.command)
            .finish()
    }
}

/// The commands of `db`, as in `cargo alembic`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Upgrade the database to a later revision (or print the SQL with --sql).
    Upgrade(migrate::MoveArgs),
    /// Revert the database to an earlier revision (or print the SQL with --sql).
    Downgrade(migrate::MoveArgs),
    /// Record revisions in the version table without running migrations.
    Stamp(migrate::StampArgs),
    /// Show the revision(s) the database is at.
    Current(migrate::CurrentArgs),
    /// List revisions in chronological order, newest first.
    History(inspect::HistoryArgs),
    /// Show the head revisions of the history.
    Heads(inspect::HeadsArgs),
}

impl DbCommand {
    /// `Some(hint)` when the command needs a database URL (the hint names another way).
    fn needs_url(&self) -> Option<&'static str> {
        let offline = |o: &migrate::OfflineArgs| match (o.sql, &o.dialect) {
            (false, _) => Some(""),
            (true, None) => Some(", or give --dialect for offline SQL"),
            (true, Some(_)) => None,
        };
        match self {
            DbCommand::Upgrade(args) | DbCommand::Downgrade(args) => offline(&args.offline),
            DbCommand::Stamp(args) => offline(&args.offline),
            DbCommand::Current(_) => Some(""),
            DbCommand::History(args) => {
                let current =
                    args.indicate_current || args.rev_range.as_deref().is_some_and(|r| r.contains("current"));
                current.then_some("")
            }
            DbCommand::Heads(_) => None,
        }
    }
}

/// `db` as a program of its own, for [`DbArgs::parse_and_exec`].
#[derive(Debug, Parser)]
struct DbCli {
    #[command(flatten)]
    db: DbArgs,
}

impl DbArgs {
    /// This command, running the history's code steps with `steps` (a `static`
    /// `LazyLock<CodeSteps>` derefs to the reference).
    pub fn with_code_steps(mut self, steps: &'static crate::code_steps::CodeSteps) -> Self {
        self.code_steps = Some(steps);
        self
    }

    /// Runs the command against `migrations`, printing to `out`. The database is
    /// `--url`, else `$DATABASE_URL`, else `default_url`; a relative SQLite path is
    /// resolved against the current folder.
    pub fn run(
        self,
        migrations: &'static Migrations,
        default_url: Option<&str>,
        out: &mut Output,
    ) -> Result<()> {
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        if self.url.is_none() && default_url.is_none() {
            // Said here, because the shared code would point at an alembic.toml that a
            // shipped binary does not have.
            if let Some(hint) = self.command.needs_url() {
                return Err(Error::Config(format!("no database URL: pass --url or set DATABASE_URL{hint}")));
            }
        }
        // The file is never read: parsing empty text gives every default, then the
        // settings the build recorded are put in.
        let mut config = Config::parse(&cwd.join(crate::config::CONFIG_FILE), "", None, &|_| None)?;
        config.url = default_url.map(str::to_string);
        config.version_table = migrations.version_table_name().to_string();
        config.version_table_schema = migrations.version_table_schema().map(str::to_string);
        config.transaction_per_migration = migrations.transaction_per_migration();
        let global = GlobalArgs {
            url: self.url,
            quiet: self.quiet,
            strict: self.strict,
            color: self.color,
            ..GlobalArgs::default()
        };
        let project = Project {
            config,
            global,
            source: ScriptSource::Embedded(migrations),
            code_steps: self.code_steps,
        };
        match self.command {
            DbCommand::Upgrade(args) => migrate::upgrade(&project, args, out),
            DbCommand::Downgrade(args) => migrate::downgrade(&project, args, out),
            DbCommand::Stamp(args) => migrate::stamp(&project, args, out),
            DbCommand::Current(args) => migrate::current(&project, args, out),
            DbCommand::History(args) => inspect::history(&project, args, out),
            DbCommand::Heads(args) => inspect::heads(&project, args, out),
        }
    }

    /// Runs the command printing to stdout, and reports a failure as `cargo alembic`
    /// does (`error: …` on stderr); returns the exit code (0 or 1).
    pub fn exec(self, migrations: &'static Migrations, default_url: Option<&str>) -> i32 {
        let color = output::use_color(self.color);
        let mut out = Output::stdout(self.quiet);
        match self.run(migrations, default_url, &mut out) {
            Ok(()) => 0,
            Err(err) if output::is_broken_pipe(&err) => 0,
            Err(err) => {
                output::print_error(&err, color);
                1
            }
        }
    }

    /// Parses `args` (program name first, e.g. `["myapp-db", "upgrade", "head"]`) as the
    /// `db` command alone and runs it; returns the exit code (2 for a usage error). For
    /// applications without a clap CLI of their own.
    pub fn parse_and_exec<I, T>(args: I, migrations: &'static Migrations, default_url: Option<&str>) -> i32
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        match DbCli::try_parse_from(args) {
            Ok(cli) => cli.db.exec(migrations, default_url),
            Err(err) => {
                let _ = err.print();
                err.exit_code()
            }
        }
    }
}
