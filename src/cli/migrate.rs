//! The commands that touch a database, online or offline (`--sql`): `upgrade`,
//! `downgrade`, `stamp`, `current`, `ensure-version`.

use std::io::IsTerminal;

use clap::Args;

use super::{Output, Project, env_program, output};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::ops::Op;
use crate::runtime::connection::{AnyBackend, block_on, connect};
use crate::runtime::migrate::{Event, Migrator, Target};
use crate::runtime::version_table::VersionTable;
use crate::script::ScriptDirectory;
use crate::url::DatabaseUrl;

/// Options shared by the commands that can run offline.
#[derive(Debug, Args, Default)]
pub struct OfflineArgs {
    /// Print the SQL instead of running it (offline mode).
    #[arg(long)]
    pub sql: bool,
    /// A tag for this run, written as a comment at the top of offline output.
    #[arg(long)]
    pub tag: Option<String>,
    /// Dialect of offline SQL when no database URL is configured.
    #[arg(long, value_parser = dialect_names())]
    pub dialect: Option<String>,
    /// Write a comment where a code step (`call`, Rust code) would run, instead of
    /// refusing the history: the SQL then skips the data step, to be run some other way.
    #[arg(long)]
    pub code_step_markers: bool,
}

/// Every name `--dialect` accepts: each dialect's name and aliases, from the registry.
fn dialect_names() -> clap::builder::PossibleValuesParser {
    let names =
        Dialect::ALL.into_iter().flat_map(|d| std::iter::once(d.name()).chain(d.aliases().iter().copied()));
    clap::builder::PossibleValuesParser::new(names)
}

/// `upgrade` and `downgrade`.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// Target revision (`head`, `heads`, `+1`, `-1`, `label@head`, …); with `--sql`, a
    /// range `from:to`.
    #[arg(allow_hyphen_values = true)]
    pub revision: String,
    /// Offline options.
    #[command(flatten)]
    pub offline: OfflineArgs,
}

/// `stamp`.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// Revisions to record (`heads`, `base`, ids, `label@head`, …); with `--sql`,
    /// `from:to` ranges.
    // Negative numbers only (`-1`): hyphen values in general would swallow the flags
    // after the revisions (`stamp heads --sql`).
    #[arg(required = true, allow_negative_numbers = true)]
    pub revisions: Vec<String>,
    /// Delete every row of the version table first.
    #[arg(long)]
    pub purge: bool,
    /// Offline options.
    #[command(flatten)]
    pub offline: OfflineArgs,
}

/// `current`.
#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Show the whole entry of each current revision.
    #[arg(short, long)]
    pub verbose: bool,
    /// Exit 1 unless the database is at all heads.
    #[arg(long)]
    pub check_heads: bool,
}

/// `ensure-version`.
#[derive(Debug, Args)]
pub struct EnsureVersionArgs {
    /// Print the SQL instead of running it.
    #[arg(long)]
    pub sql: bool,
    /// Dialect of the SQL when no database URL is configured (with `--sql`).
    #[arg(long, value_parser = dialect_names())]
    pub dialect: Option<String>,
}

/// The database of the project: its URL, parsed.
pub(crate) fn database_url(project: &Project) -> Result<DatabaseUrl> {
    let url = project.config.database_url(project.global.url.as_deref())?;
    DatabaseUrl::parse(&url, &project.config.root)
}

fn version_table(project: &Project, dialect: Dialect) -> VersionTable {
    VersionTable::new(
        dialect,
        project.config.version_table.clone(),
        project.config.version_table_schema.clone(),
    )
}

/// Opens the project's database.
pub(crate) fn open(project: &Project) -> Result<(AnyBackend, DatabaseUrl)> {
    let url = database_url(project)?;
    let db = connect(&url)?;
    Ok((db, url))
}

fn offline_dialect(project: &Project, args: &OfflineArgs) -> Result<Dialect> {
    if let Some(name) = &args.dialect {
        return Dialect::from_name(name).ok_or_else(|| Error::Config(format!("unknown dialect '{name}'")));
    }
    match database_url(project) {
        Ok(url) => Ok(url.dialect()),
        Err(e) => Err(Error::Config(format!("{e}; for offline SQL, --dialect sqlite|postgresql also does"))),
    }
}

/// `upgrade`.
pub fn upgrade(project: &Project, args: MoveArgs, out: &mut Output) -> Result<()> {
    run_move(project, args, out, true)
}

/// `downgrade`.
pub fn downgrade(project: &Project, args: MoveArgs, out: &mut Output) -> Result<()> {
    run_move(project, args, out, false)
}

fn run_move(project: &Project, args: MoveArgs, out: &mut Output, up: bool) -> Result<()> {
    let scripts = project.scripts()?;
    if args.offline.sql {
        let dialect = offline_dialect(project, &args.offline)?;
        let (start, dest) = match args.revision.split_once(':') {
            Some((start, dest)) => (Some(start.to_string()), dest.to_string()),
            None if up => (None, args.revision.clone()),
            None => return Err(Error::Command("downgrade with --sql requires <fromrev>:<torev>".into())),
        };
        let start = resolve_start(&scripts, start.as_deref())?;
        if up {
            check_upgrade_range(&scripts, &start, &dest)?;
        }
        let target = if up { Target::Upgrade(dest) } else { Target::Downgrade(dest) };
        let migrator = Migrator::new(
            &scripts,
            version_table(project, dialect),
            project.config.transaction_per_migration,
        )
        .with_strict_downgrades(project.global.strict)
        .with_code_step_markers(args.offline.code_step_markers);
        if !up && !project.global.strict {
            // Said before the SQL is written (on stderr), as online before the step runs.
            let color = output::use_color(project.global.color);
            for found in migrator.no_downgrade_ops(&migrator.plan(&target, &start)?) {
                output::print_warning(&found.warning(), color);
            }
        }
        return migrator.write_offline_sql(&target, &start, args.offline.tag.as_deref(), out);
    }
    if args.revision.contains(':') {
        return Err(Error::Command("Range revision not allowed".into()));
    }
    let target = if up { Target::Upgrade(args.revision) } else { Target::Downgrade(args.revision) };
    run_online(project, &scripts, &target, out)
}

/// `upgrade --sql start:dest` with `dest` below `start` (a reversed range): Alembic
/// plans nothing and exits 0, which hides the mistake; this refuses it with the
/// wording of Alembic's `downgrade` for the mirror case. A destination beside the
/// start (another branch) or equal to it is fine.
fn check_upgrade_range(scripts: &ScriptDirectory, start: &[String], dest: &str) -> Result<()> {
    if start.is_empty() {
        return Ok(());
    }
    let reversed =
        || Error::Command(format!("Destination {dest} is not a valid upgrade target from current head(s)"));
    if dest == "base" {
        return Err(reversed());
    }
    // Identifiers that need the current heads (`+1`) are left to the planner.
    let Ok(targets) = scripts.map().get_revisions(dest) else { return Ok(()) };
    let start_ids: Vec<&str> = start.iter().map(String::as_str).collect();
    let below: std::collections::HashSet<&str> =
        scripts.map().ancestors(&start_ids, true)?.into_iter().map(|n| n.revision()).collect();
    let strictly_below = |id: &str| !start_ids.contains(&id) && below.contains(id);
    if targets.iter().any(|t| strictly_below(t.revision())) {
        return Err(reversed());
    }
    Ok(())
}

/// Ids of the starting revisions of an offline range (`base` or empty: none).
fn resolve_start(scripts: &ScriptDirectory, start: Option<&str>) -> Result<Vec<String>> {
    match start {
        None | Some("") | Some("base") => Ok(Vec::new()),
        Some(ident) => Ok(scripts.get_revisions(ident)?.iter().map(|n| n.revision().to_string()).collect()),
    }
}

/// `stamp`.
pub fn stamp(project: &Project, args: StampArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    if args.offline.sql {
        if args.purge {
            return Err(Error::Command("Can't use --purge with --sql mode".into()));
        }
        let dialect = offline_dialect(project, &args.offline)?;
        let mut start: Option<String> = None;
        let mut dests = Vec::new();
        for rev in &args.revisions {
            let dest = match rev.split_once(':') {
                Some((s, d)) => {
                    if start.as_deref().is_some_and(|prev| prev != s) {
                        return Err(Error::Command(
                            "Stamp operation with --sql only supports a single starting revision at a time"
                                .into(),
                        ));
                    }
                    start = Some(s.to_string());
                    d
                }
                None => rev.as_str(),
            };
            dests.push(dest.to_string());
        }
        let start = resolve_start(&scripts, start.as_deref())?;
        let migrator = Migrator::new(
            &scripts,
            version_table(project, dialect),
            project.config.transaction_per_migration,
        );
        let target = Target::Stamp { revisions: dests, purge: false };
        let _ = args.offline.code_step_markers; // a stamp runs no step
        return migrator.write_offline_sql(&target, &start, args.offline.tag.as_deref(), out);
    }
    let target = Target::Stamp { revisions: args.revisions, purge: args.purge };
    run_online(project, &scripts, &target, out)
}

fn run_online(project: &Project, scripts: &ScriptDirectory, target: &Target, out: &mut Output) -> Result<()> {
    let (mut db, url) = open(project)?;
    let mut migrator = Migrator::new(
        scripts,
        version_table(project, url.dialect()),
        project.config.transaction_per_migration,
    )
    .with_lock_timeout(project.config.lock_timeout)
    .with_strict_downgrades(project.global.strict);
    match project.code_steps {
        Some(steps) => migrator = migrator.with_code_steps(steps),
        // Rust code runs in the program that registers it: the env program, which
        // runs this same command with its functions. Histories without code steps
        // never get here past the scan. (A binary mounting `db` has no env program:
        // its migrator refuses the plan, naming the function.)
        None if matches!(project.source, super::ScriptSource::Disk)
            && scripts
                .scripts()
                .iter()
                .any(|s| s.upgrade.iter().chain(&s.downgrade).any(|op| matches!(op, Op::Call(_)))) =>
        {
            let heads = block_on(migrator.current(&mut db))?;
            let plan = migrator.plan(target, &heads)?;
            if !migrator.code_steps_of(&plan)?.is_empty() {
                drop(db);
                return env_program::run_command(project, url.dialect());
            }
        }
        None => {}
    }
    let color = output::use_color(project.global.color);
    let mut progress = Progress::new(out.is_quiet());
    // Each line is printed as its step starts (a long step shows what is running, and
    // a killed run has said how far it got); with a bar they are printed above it.
    let mut write_error: Option<Error> = None;
    let result = block_on(migrator.run(&mut db, target, &mut |event| match event {
        Event::Planned { total } => progress.start(total),
        Event::Step { label, transactional, .. } => {
            let line = if transactional {
                format!("Running {label}")
            } else {
                format!("Running {label} (not transactional: runs outside a transaction)")
            };
            if write_error.is_none() {
                write_error = progress.print(|| out.line(&line)).err();
            }
            progress.step(&line);
        }
        Event::Waiting { holder } => progress.print(|| print_waiting(&holder)),
        Event::NoDowngradeOps(found) => progress.print(|| output::print_warning(&found.warning(), color)),
    }));
    progress.finish();
    result?;
    // A closed stdout does not undo the migration, but it is still reported.
    write_error.map_or(Ok(()), Err)
}

/// Says on stderr that the run waits for another migrator, and who that is.
///
/// Printed under `-q` too: `-q` silences the progress a run makes, while this line
/// explains why a run makes none (a deploy that seems hung is waiting for a lock, and
/// the line names the holder to look at). It comes once per wait, never in a loop.
fn print_waiting(holder: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "Waiting for another migrator: {holder}");
}

/// A progress bar on stderr when many steps run on a terminal.
struct Progress {
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Fewer steps than this print their lines only.
    const MIN_STEPS: usize = 20;

    fn new(quiet: bool) -> Self {
        Progress { enabled: !quiet && std::io::stderr().is_terminal(), bar: None }
    }

    fn start(&mut self, total: usize) {
        if self.enabled && total >= Self::MIN_STEPS {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
    }

    /// Runs `print` with the bar (if any) cleared, so the line lands above it.
    fn print<T>(&self, print: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn step(&mut self, line: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(line.to_string());
            bar.inc(1);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// `current`.
pub fn current(project: &Project, args: CurrentArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    let (mut db, url) = open(project)?;
    let migrator = Migrator::new(
        &scripts,
        version_table(project, url.dialect()),
        project.config.transaction_per_migration,
    );
    let heads = block_on(migrator.current(&mut db))?;
    if args.verbose {
        out.line(format!("Current revision(s) for {url}:"))?;
    }
    if args.check_heads {
        let mut all: Vec<&str> = scripts.map().heads();
        let mut ours: Vec<&str> = heads.iter().map(String::as_str).collect();
        all.sort_unstable();
        ours.sort_unstable();
        if all != ours {
            return Err(Error::Command("Database is not on all head revisions".into()));
        }
    }
    let fmt = super::inspect::Formatter::new(&scripts);
    let parts = super::inspect::LineParts { tree_indicators: true, ..Default::default() };
    for node in scripts.map().get_all_current(&heads)? {
        out.line(fmt.cmd_format(node, args.verbose, parts))?;
    }
    Ok(())
}

/// The version table's rows, for `history -i`, `show current`, `edit current`.
pub(crate) fn current_heads(project: &Project, scripts: &ScriptDirectory) -> Result<Vec<String>> {
    let (mut db, url) = open(project)?;
    let migrator = Migrator::new(
        scripts,
        version_table(project, url.dialect()),
        project.config.transaction_per_migration,
    );
    block_on(migrator.current(&mut db))
}

/// `ensure-version`.
pub fn ensure_version(project: &Project, args: EnsureVersionArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts()?;
    if args.sql {
        let offline = OfflineArgs { sql: true, tag: None, dialect: args.dialect, code_step_markers: false };
        let dialect = offline_dialect(project, &offline)?;
        let migrator = Migrator::new(
            &scripts,
            version_table(project, dialect),
            project.config.transaction_per_migration,
        );
        return out.line(migrator.offline_ensure_version().trim_end());
    }
    let (mut db, url) = open(project)?;
    let migrator = Migrator::new(
        &scripts,
        version_table(project, url.dialect()),
        project.config.transaction_per_migration,
    )
    .with_lock_timeout(project.config.lock_timeout);
    block_on(migrator.ensure_version_reporting(&mut db, &mut |event| {
        if let Event::Waiting { holder } = event {
            print_waiting(&holder);
        }
    }))?;
    Ok(())
}
