//! Running migrations (Alembic's `MigrationContext.run_migrations`): steps planned
//! from the version table's rows, rendered to SQL against the schema model replayed
//! up to where the database is, and either executed (online, on any
//! [`Backend`](super::connection::Backend)) or written out (offline, `--sql`).
//!
//! Online, every step's DDL and its version-table change commit together; with
//! `transaction_per_migration = false` the whole run is one transaction. On SQLite the
//! current heads are read inside each transaction, `BEGIN IMMEDIATE` holding the write
//! lock from before that read; if another migrator moved the heads in between steps,
//! the plan is made again from the new heads. On PostgreSQL an advisory lock is held
//! for the run, so the heads are read once, inside the first transaction, and stay what
//! each step leaves them (no other migrator can write them before the run ends).
//! Either way concurrent migrators wait and then find the work done.
//!
//! Waiting for another migrator is reported ([`Event::Waiting`], once per wait) and
//! lasts as long as the other holds the lock, or at most
//! [`Migrator::with_lock_timeout`]. After [`super::interrupt::interrupt`] the run stops
//! before the next step or statement, rolls back the step it was in, and returns
//! [`Error::Interrupted`].

use std::path::PathBuf;
use std::time::Duration;

use super::connection::{Backend, DbError, DbErrorKind, Wait};
use super::partial::{self, PartialStep};
use super::steps::{MigrationStep, VersionChange, VersionHeads, downgrade_plan, stamp_plan, upgrade_plan};
use super::version_table::VersionTable;
use super::{foreign_keys, interrupt};
use crate::code_steps::{CodeSteps, StepContext};
use crate::dialect::literal::InsertRows;
use crate::dialect::{self, Dialect, RenderOptions};
use crate::error::{Error, Result};
use crate::ops::{Call, Op};
use crate::schema::Schema;
use crate::script::file::Batch;
use crate::script::revision::{RevisionError, RevisionSpec};
use crate::script::{RevisionScript, ScriptDirectory};

/// What a run moves the database to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `upgrade REV`.
    Upgrade(String),
    /// `downgrade REV`.
    Downgrade(String),
    /// `stamp REVS…`; `purge` empties the version table first.
    Stamp {
        /// The revisions to record.
        revisions: Vec<String>,
        /// Ignore (delete) the current rows.
        purge: bool,
    },
}

/// A failure inside a step: which revision, file, operation and SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    /// The revision whose step failed.
    pub revision: String,
    /// Its file.
    pub path: Option<PathBuf>,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// 0-based index of the op in the revision's list, with the op's name.
    pub op: Option<(usize, &'static str)>,
    /// The statement that failed, when one did.
    pub sql: Option<String>,
    /// What went wrong (the database's message, or why the op does not fit).
    pub message: String,
    /// On a database without transactional DDL, what of the step stayed and how to
    /// undo it ([`PartialStep`]).
    pub partial: Option<PartialStep>,
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "revision {}", self.revision)?;
        if let Some(path) = &self.path {
            write!(f, " ({})", path.display())?;
        }
        match self.op {
            Some((index, name)) => {
                write!(f, ": {} op #{} ({name}): {}", self.direction, index + 1, self.message)?
            }
            None => write!(f, ": {}: {}", self.direction, self.message)?,
        }
        if let Some(sql) = &self.sql {
            write!(f, "\nSQL: {}", sql.trim())?;
        }
        if let Some(partial) = &self.partial {
            write!(f, "\n{partial}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StepError {}

/// The schema model before and after the op being rendered. Renderers need both;
/// keeping them in step (each op applied to both) spares copying the whole model per
/// op, which made rendering a long history quadratic.
#[derive(Debug, Clone, Default)]
pub struct SchemaPair {
    before: Schema,
    after: Schema,
    /// Read from the live database (online), not replayed from the history.
    live: bool,
}

impl SchemaPair {
    /// Both sides at `schema`, replayed from the history.
    pub fn new(schema: Schema) -> Self {
        SchemaPair { after: schema.clone(), before: schema, live: false }
    }

    /// Both sides at `schema`, read from the live database.
    pub fn live(schema: Schema) -> Self {
        SchemaPair { live: true, ..SchemaPair::new(schema) }
    }

    /// The schema past the last op rendered.
    pub fn schema(&self) -> &Schema {
        &self.before
    }
}

/// What an op that does not fit the replayed model says: for an object the history
/// never made, also why the model does not know it and what to do instead.
fn replay_message(e: &crate::ops::apply::ApplyError) -> String {
    if e.is_unknown_object() {
        format!(
            "{e}; no revision below creates it (was it made by raw SQL, or before the history began?): offline SQL knows only what the revisions create, so run this online, where the database is read first, or write this change as an `execute` op"
        )
    } else {
        e.to_string()
    }
}

fn op_error(
    revision: &str,
    path: &std::path::Path,
    direction: &'static str,
    index: usize,
    op: &Op,
    message: String,
) -> Error {
    Error::Step(Box::new(StepError {
        revision: revision.to_string(),
        path: Some(path.to_path_buf()),
        direction,
        op: Some((index, op.name())),
        sql: None,
        message,
        partial: None,
    }))
}

/// One statement of a rendered step.
#[derive(Debug, Clone)]
pub struct Statement<'a> {
    /// The SQL, without a trailing `;`. For a `bulk_insert`, the first row's `INSERT`
    /// (what errors show); the rows themselves are in `rows`.
    pub sql: String,
    /// Raw SQL from an `execute` op or a `.sql` revision: may hold several statements.
    pub script: bool,
    /// The op it comes from: index in the revision's list and name.
    pub op: (usize, &'static str),
    /// The rows of a `bulk_insert`, rendered one at a time when the step runs (bound as
    /// parameters online, one literal `INSERT` per row offline), so a large insert is
    /// never held as SQL text.
    pub rows: Option<InsertRows<'a>>,
    /// A code step (`call`), with the schema model at its place in the step; `sql`
    /// is then the marker comment offline SQL may write instead.
    pub call: Option<(&'a Call, std::sync::Arc<Schema>)>,
}

/// Rows per parameterised `INSERT` online (PostgreSQL; SQLite steps one row at a time).
const INSERT_BATCH_ROWS: usize = 1000;
/// The most parameters one statement binds (SQLite's default limit; PostgreSQL's is
/// 65,535).
const INSERT_BATCH_PARAMS: usize = 32_766;

/// A step with its SQL.
#[derive(Debug, Clone)]
pub struct RenderedStep<'a> {
    /// The planned step.
    pub step: MigrationStep,
    /// Alembic's log text: `upgrade a -> b, message`.
    pub label: String,
    /// The statements, in order.
    pub statements: Vec<Statement<'a>>,
    /// False for a revision with `transactional = false`.
    pub transactional: bool,
}

/// What a run reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A run is about to execute `total` steps.
    Planned {
        /// Number of steps.
        total: usize,
    },
    /// A step starts (`Running upgrade a -> b, message`).
    Step {
        /// 0-based position in the run.
        index: usize,
        /// Alembic's log text.
        label: String,
        /// False when the step runs outside a transaction.
        transactional: bool,
    },
    /// Another migrator holds the lock; the run waits for it (once per wait).
    Waiting {
        /// Who holds it, e.g. "PostgreSQL backend pid 1234 (…) holds the migration
        /// lock", "the database file app.db is locked for writing (since 22:41:03)".
        holder: String,
    },
    /// The step just started downgrades a revision that has upgrade ops but no
    /// downgrade ops: only the version table changes (see [`NoDowngradeOps`]). Not
    /// sent with [`Migrator::with_strict_downgrades`], which refuses such a run.
    NoDowngradeOps(NoDowngradeOps),
}

/// A downgrade step of a revision whose upgrade does something but whose downgrade
/// does nothing (no `[[downgrade]]` ops, or a `.sql` file without a `-- downgrade`
/// section): the database keeps what the upgrade made, and only the version table
/// moves. A revision without upgrade ops either (a merge) is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoDowngradeOps {
    /// The revision.
    pub revision: String,
    /// Its file.
    pub path: PathBuf,
}

impl NoDowngradeOps {
    /// The warning line: "revision r1 (path) has no downgrade ops: downgrading it
    /// changes nothing but the version table".
    pub fn warning(&self) -> String {
        format!(
            "revision {} ({}) has no downgrade ops: downgrading it changes nothing but the version table",
            self.revision,
            self.path.display()
        )
    }

    /// The error of a strict run that would downgrade `found` (not empty).
    pub fn refusal(found: &[NoDowngradeOps]) -> Error {
        let Some(first) = found.first() else {
            return Error::Command("internal: no revision to refuse".into());
        };
        let more = match found.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more revision)".to_string(),
            n => format!(" (and {n} more revisions)"),
        };
        Error::Command(format!(
            "revision {} ({}) has no downgrade ops{more}: --strict refuses to downgrade it, as only the version table would change (add [[downgrade]] ops, or downgrade without --strict)",
            first.revision,
            first.path.display()
        ))
    }
}

/// Runs migrations of one script directory against one version table.
#[derive(Debug)]
pub struct Migrator<'a> {
    scripts: &'a ScriptDirectory,
    version_table: VersionTable,
    transaction_per_migration: bool,
    lock_timeout: Option<Duration>,
    strict_downgrades: bool,
    code_steps: Option<&'a CodeSteps>,
    code_step_markers: bool,
}

impl<'a> Migrator<'a> {
    /// A migrator for `scripts`, recording versions in `version_table` (whose dialect is
    /// the database's).
    pub fn new(
        scripts: &'a ScriptDirectory,
        version_table: VersionTable,
        transaction_per_migration: bool,
    ) -> Self {
        Migrator {
            scripts,
            version_table,
            transaction_per_migration,
            lock_timeout: None,
            strict_downgrades: false,
            code_steps: None,
            code_step_markers: false,
        }
    }

    /// This migrator, running the `call` ops of the history with the functions of
    /// `steps`. Without them a plan with a code step is refused before it starts.
    pub fn with_code_steps(mut self, steps: &'a CodeSteps) -> Self {
        self.code_steps = Some(steps);
        self
    }

    /// This migrator, writing a marker comment in offline SQL where a code step would
    /// run, instead of refusing the step (the SQL then does not do what an online run
    /// does: whoever runs it must run the data step some other way).
    pub fn with_code_step_markers(mut self, markers: bool) -> Self {
        self.code_step_markers = markers;
        self
    }

    /// Every code step of `steps` (the revision, its file, the op's index and the
    /// call), in plan order.
    pub fn code_steps_of<'s>(
        &self,
        steps: &'s [MigrationStep],
    ) -> Result<Vec<(&'s MigrationStep, usize, &'a Call)>> {
        let mut found = Vec::new();
        for step in steps {
            if let Some((_, _, ops)) = self.step_ops(step)? {
                for (index, op) in ops.iter().enumerate() {
                    if let Op::Call(call) = op {
                        found.push((step, index, call));
                    }
                }
            }
        }
        Ok(found)
    }

    /// Refuses a plan with a code step `self.code_steps` cannot run on `dialect`,
    /// naming the revision, its file and the function.
    fn check_code_steps(&self, steps: &[MigrationStep], dialect: Dialect) -> Result<()> {
        for (step, index, call) in self.code_steps_of(steps)? {
            let message = match self.code_steps {
                Some(known) if known.has(dialect, &call.function) => continue,
                Some(known) => known.missing(dialect, &call.function),
                None => format!(
                    "code step `{}` runs Rust code, and this run has no code steps registered (embedded: Migrations::with_code_steps; cargo alembic: migrations/env.rs registers them)",
                    call.function
                ),
            };
            return Err(self.step_failure(step, Some((index, "call")), None, message));
        }
        Ok(())
    }

    /// The [`Error::Step`] of `step`, naming its revision, file and direction.
    fn step_failure(
        &self,
        step: &MigrationStep,
        op: Option<(usize, &'static str)>,
        sql: Option<String>,
        message: String,
    ) -> Error {
        let revision = step.revision().unwrap_or_default().to_string();
        let path = self.scripts.script(&revision).map(|s| s.path.clone());
        Error::Step(Box::new(StepError {
            revision,
            path,
            direction: if step.is_upgrade() { "upgrade" } else { "downgrade" },
            op,
            sql,
            message,
            partial: None,
        }))
    }

    /// This migrator, refusing (before any step runs) a plan that downgrades a revision
    /// with upgrade ops but no downgrade ops ([`NoDowngradeOps`]); without it such a
    /// step runs, reported by [`Event::NoDowngradeOps`].
    pub fn with_strict_downgrades(mut self, strict: bool) -> Self {
        self.strict_downgrades = strict;
        self
    }

    /// The downgrade steps of `steps` that change nothing but the version table, in
    /// plan order.
    pub fn no_downgrade_ops(&self, steps: &[MigrationStep]) -> Vec<NoDowngradeOps> {
        steps.iter().filter_map(|step| self.no_downgrade_op(step)).collect()
    }

    fn no_downgrade_op(&self, step: &MigrationStep) -> Option<NoDowngradeOps> {
        let MigrationStep::Revision(rev_step) = step else { return None };
        if rev_step.is_upgrade() {
            return None;
        }
        let script = self.scripts.script(rev_step.revision())?;
        (script.downgrade.is_empty() && !script.upgrade.is_empty())
            .then(|| NoDowngradeOps { revision: script.revision.clone(), path: script.path.clone() })
    }

    /// Under [`Migrator::with_strict_downgrades`], the refusal of `steps`.
    fn check_strict(&self, steps: &[MigrationStep]) -> Result<()> {
        if !self.strict_downgrades {
            return Ok(());
        }
        let found = self.no_downgrade_ops(steps);
        if found.is_empty() { Ok(()) } else { Err(NoDowngradeOps::refusal(&found)) }
    }

    /// This migrator, giving up a wait for another migrator's lock after `timeout`
    /// (`None`, the default: wait as long as the other holds it).
    pub fn with_lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The version table.
    pub fn version_table(&self) -> &VersionTable {
        &self.version_table
    }

    fn dialect(&self) -> Dialect {
        self.version_table.dialect()
    }

    /// The steps from `heads` to `target`, as Alembic plans them.
    pub fn plan(&self, target: &Target, heads: &[String]) -> Result<Vec<MigrationStep>> {
        let map = self.scripts.map();
        let current = RevisionSpec::Ids(heads.to_vec());
        let steps = match target {
            Target::Upgrade(dest) => upgrade_plan(map, &dest.as_str().into(), &current)?,
            Target::Downgrade(dest) => downgrade_plan(map, &dest.as_str().into(), &current)?,
            Target::Stamp { revisions, purge } => {
                stamp_plan(map, &RevisionSpec::Ids(revisions.clone()), heads, *purge)?
            }
        };
        Ok(steps)
    }

    /// The schema model with every revision below `heads` applied (their upgrade ops
    /// replayed in upgrade order).
    pub fn schema_at(&self, heads: &[String]) -> Result<Schema> {
        self.replay(heads, false)
    }

    /// What the history alone says of the schema at `heads`: [`Migrator::schema_at`],
    /// but an op on an object no revision made (a table that was there before the
    /// history, or made by raw SQL) is passed over instead of failing, since the
    /// history cannot know such objects. For comparing a database with its history.
    pub fn known_schema_at(&self, heads: &[String]) -> Result<Schema> {
        self.replay(heads, true)
    }

    fn replay(&self, heads: &[String], skip_unknown: bool) -> Result<Schema> {
        let steps =
            upgrade_plan(self.scripts.map(), &RevisionSpec::Ids(heads.to_vec()), &RevisionSpec::Ids(vec![]))?;
        let mut schema = self.dialect().imp().empty_schema();
        for step in &steps {
            let Some((id, script, ops)) = self.step_ops(step)? else { continue };
            for (index, op) in ops.iter().enumerate() {
                match op.apply(&mut schema) {
                    Ok(()) => {}
                    Err(e) if skip_unknown && e.is_unknown_object() => {}
                    Err(e) => {
                        return Err(op_error(id, &script.path, "upgrade", index, op, replay_message(&e)));
                    }
                }
            }
        }
        Ok(schema)
    }

    /// The schema model of the live database, for an online run of `steps`: the
    /// default schema, and every other one when their ops name one, read in bulk (a
    /// fixed number of catalog queries per schema), the version table left out. Online, this is what
    /// ops are checked and rendered against, so tables the history did not create (an
    /// existing database, raw SQL) are known.
    async fn live_schema<'s, B: Backend>(
        &self,
        db: &mut B,
        steps: impl Iterator<Item = &'s MigrationStep>,
    ) -> Result<Schema> {
        // Ops on other schemas than the default (or on schemas themselves) read every
        // schema, with the schemas as objects; else the default one is enough.
        let mut other_schemas = false;
        for step in steps {
            let Some((_, _, ops)) = self.step_ops(step)? else { continue };
            other_schemas |= ops.iter().any(|op| {
                op.schema().is_some()
                    || matches!(op, Op::CreateObject(o) if o.kind == crate::schema::model::ObjectKind::Schema)
                    || matches!(op, Op::DropObject(o) if o.kind == crate::schema::model::ObjectKind::Schema)
            });
        }
        let opts = crate::reflect::ReflectOptions {
            schema: None,
            version_table: self.version_table.name().to_string(),
            exclude_tables: Vec::new(),
            include_schemas: other_schemas,
        };
        crate::reflect::reflect(db, &opts).await.map_err(|e| match e {
            crate::reflect::ReflectError::Database(e) => Error::Database(e),
            other => Error::Command(format!("reading the database's schema: {other}")),
        })
    }

    /// The revision, its script and the ops a revision step runs; `None` for a stamp.
    fn step_ops<'s>(
        &self,
        step: &'s MigrationStep,
    ) -> Result<Option<(&'s str, &'a RevisionScript, &'a [Op])>> {
        let MigrationStep::Revision(rev_step) = step else { return Ok(None) };
        let id = rev_step.revision();
        let script = self.scripts.script(id).ok_or_else(|| {
            Error::Command(format!("revision {id} has no file (it is in the graph but was not loaded)"))
        })?;
        let ops: &[Op] = if rev_step.is_upgrade() { &script.upgrade } else { &script.downgrade };
        Ok(Some((id, script, ops)))
    }

    /// Renders `step` for the dialect, advancing `schemas` past it.
    pub fn render_step(&self, step: &MigrationStep, schemas: &mut SchemaPair) -> Result<RenderedStep<'a>> {
        let label = self.label(step);
        let Some((id, script, ops)) = self.step_ops(step)? else {
            return Ok(RenderedStep {
                step: step.clone(),
                label,
                statements: Vec::new(),
                transactional: true,
            });
        };
        let direction = if step.is_upgrade() { "upgrade" } else { "downgrade" };
        let options = RenderOptions { batch_always: script.batch == Batch::Always };
        let fail = |index: usize, op: &Op, message: String| {
            op_error(id, &script.path, direction, index, op, message)
        };
        let live = schemas.live;
        let misfit = |index: usize, op: &Op, e: crate::ops::apply::ApplyError| {
            fail(index, op, if live { e.to_string() } else { replay_message(&e) })
        };
        let dialect = self.dialect();
        let mut statements = Vec::new();
        for (index, op) in ops.iter().enumerate() {
            if let Op::Call(call) = op {
                // Opaque to the model; the function sees the model as the ops before
                // it left it.
                statements.push(Statement {
                    sql: code_step_marker(call),
                    script: false,
                    op: (index, op.name()),
                    rows: None,
                    call: Some((call, std::sync::Arc::new(schemas.after.clone()))),
                });
                continue;
            }
            if let Op::Execute(execute) = op {
                // Opaque to the model: the schema is left as it is.
                let text = execute.sql_for(dialect.name()).ok_or_else(|| {
                    fail(index, op, format!("has no SQL for {dialect} (give `sql` or `{dialect}`)"))
                })?;
                statements.push(Statement {
                    sql: text.to_string(),
                    script: true,
                    op: (index, op.name()),
                    rows: None,
                    call: None,
                });
                continue;
            }
            if let Op::BulkInsert(bulk) = op {
                // Data only: the model is unchanged, but the rows must fit the table.
                op.apply(&mut schemas.after).map_err(|e| misfit(index, op, e))?;
                let table = schemas
                    .after
                    .table(bulk.schema.as_deref(), &bulk.table)
                    .ok_or_else(|| fail(index, op, format!("no table {}", bulk.table)))?;
                let rows = InsertRows::new(dialect, table, &bulk.rows)
                    .map_err(|e| fail(index, op, e.to_string()))?;
                if !rows.is_empty() {
                    statements.push(Statement {
                        sql: rows.first_statement().unwrap_or_default(),
                        script: false,
                        op: (index, op.name()),
                        rows: Some(rows),
                        call: None,
                    });
                }
                continue;
            }
            op.apply(&mut schemas.after).map_err(|e| misfit(index, op, e))?;
            let rendered = dialect::render_between(dialect, op, &schemas.before, &schemas.after, options)
                .map_err(|e| fail(index, op, e.to_string()))?;
            statements.extend(rendered.into_iter().map(|sql| Statement {
                sql,
                script: false,
                op: (index, op.name()),
                rows: None,
                call: None,
            }));
            op.apply(&mut schemas.before).map_err(|e| misfit(index, op, e))?;
        }
        Ok(RenderedStep { step: step.clone(), label, statements, transactional: script.transactional })
    }

    /// Alembic's `str(step)`: `upgrade a -> b, message` (the message left out when empty).
    fn label(&self, step: &MigrationStep) -> String {
        let doc = step
            .revision()
            .and_then(|id| self.scripts.script(id))
            .map(|s| {
                let doc = s.doc.trim();
                let first = doc.split("\n\n").next().unwrap_or("").trim();
                if first.is_empty() { s.short_message().to_string() } else { first.replace('\n', " ") }
            })
            .unwrap_or_default();
        if doc.is_empty() { step.short_log() } else { format!("{}, {doc}", step.short_log()) }
    }

    fn version_sql(&self, change: &VersionChange) -> String {
        match change {
            VersionChange::Insert(id) => self.version_table.insert_sql(id),
            VersionChange::Delete(id) => self.version_table.delete_sql(id),
            VersionChange::Update { from, to } => self.version_table.update_sql(from, to),
        }
    }

    // ----- offline ---------------------------------------------------------------

    /// Offline SQL for `target` starting from `start` heads (Alembic's `--sql` shape:
    /// `BEGIN;`, the version table's DDL when starting from nothing, `-- Running …`
    /// before each step, the version-table statement after it, `COMMIT;`).
    pub fn offline_sql(&self, target: &Target, start: &[String], tag: Option<&str>) -> Result<String> {
        let mut out = Vec::new();
        self.write_offline_sql(target, start, tag, &mut out)?;
        String::from_utf8(out).map_err(|_| Error::Command("internal: offline SQL is not UTF-8".into()))
    }

    /// [`Migrator::offline_sql`] written to `out` as it is rendered, step by step and
    /// row by row, so the output of a large history or `bulk_insert` is never held in
    /// memory whole.
    pub fn write_offline_sql(
        &self,
        target: &Target,
        start: &[String],
        tag: Option<&str>,
        sink: &mut dyn std::io::Write,
    ) -> Result<()> {
        let mut writer = OfflineWriter { sink, text: String::new() };
        self.offline_steps(target, start, tag, &mut writer)?;
        writer.flush()
    }

    fn offline_steps(
        &self,
        target: &Target,
        start: &[String],
        tag: Option<&str>,
        out: &mut OfflineWriter<'_>,
    ) -> Result<()> {
        let steps = self.plan(target, start)?;
        self.check_strict(&steps)?;
        let mut heads = VersionHeads::new(self.scripts.map(), start).map_err(unknown_row)?;
        let mut schemas = SchemaPair::new(if steps.iter().any(|s| matches!(s, MigrationStep::Revision(_))) {
            self.schema_at(start)?
        } else {
            self.dialect().imp().empty_schema()
        });
        // Everything is rendered and checked before the first byte is written, so a
        // failing step leaves no partial script behind; only `bulk_insert` rows (checked
        // here, rendered while writing) are not held as text.
        if !self.code_step_markers
            && let Some((step, index, call)) = self.code_steps_of(&steps)?.into_iter().next()
        {
            return Err(self.step_failure(
                step,
                Some((index, "call")),
                None,
                format!(
                    "code step `{}` runs Rust code, which offline SQL cannot hold: run this migration online, or pass --code-step-markers to write a comment in its place (and run the data step yourself)",
                    call.function
                ),
            ));
        }
        let mut rendered_steps = Vec::with_capacity(steps.len());
        for step in &steps {
            let rendered = self.render_step(step, &mut schemas)?;
            let was_empty = heads.heads().is_empty();
            let changes = heads.apply(step)?;
            rendered_steps.push((rendered, was_empty, changes));
        }
        if let Some(tag) = tag {
            out.text.push_str(&format!("-- tag: {tag}\n\n"));
        }
        // Without transactional DDL (MySQL) there is no transaction to write, as in
        // Alembic: each statement commits on its own.
        let transactional_ddl = self.dialect().imp().transactional_ddl();
        let per_step = self.transaction_per_migration || !transactional_ddl;
        let whole = !per_step && transactional_ddl;
        if whole {
            out.text.push_str("BEGIN;\n\n");
        }
        for (rendered, was_empty, changes) in &rendered_steps {
            let step = &rendered.step;
            let per_step = per_step && transactional_ddl;
            if per_step {
                out.text.push_str("BEGIN;\n\n");
            }
            if *was_empty {
                push_statement(&mut out.text, &self.version_table.create_sql().replace('\t', "    "));
            }
            out.text.push_str(&format!("-- Running {}\n\n", step.short_log()));
            let outside = !rendered.transactional && transactional_ddl;
            if outside {
                out.text.push_str("-- not transactional: runs outside a transaction\nCOMMIT;\n\n");
            }
            for statement in &rendered.statements {
                match &statement.rows {
                    Some(rows) => {
                        for sql in rows.statements() {
                            push_statement(&mut out.text, &sql);
                            out.maybe_flush()?;
                        }
                    }
                    None if statement.call.is_some() => {
                        out.text.push_str(&statement.sql);
                        out.text.push_str("\n\n");
                    }
                    None => push_statement(&mut out.text, &statement.sql),
                }
            }
            if outside {
                out.text.push_str("BEGIN;\n\n");
            }
            for change in changes {
                push_statement(&mut out.text, &self.version_sql(change));
            }
            if per_step {
                out.text.push_str("COMMIT;\n\n");
            }
            out.maybe_flush()?;
        }
        if whole {
            out.text.push_str("COMMIT;\n\n");
        }
        Ok(())
    }

    /// Offline `ensure-version`: the version table's DDL.
    pub fn offline_ensure_version(&self) -> String {
        let transactional = self.dialect().imp().transactional_ddl();
        let mut out = String::from(if transactional { "BEGIN;\n\n" } else { "" });
        push_statement(&mut out, &self.version_table.create_sql().replace('\t', "    "));
        if transactional {
            out.push_str("COMMIT;\n\n");
        }
        out
    }

    // ----- online ----------------------------------------------------------------

    /// The version table's rows (no table: no rows; the table is never created here).
    pub async fn current<B: Backend>(&self, db: &mut B) -> Result<Vec<String>> {
        if !self.version_table.exists(db).await? {
            return Ok(Vec::new());
        }
        let heads = self.version_table.read_heads(db).await?;
        VersionHeads::new(self.scripts.map(), &heads).map_err(unknown_row)?;
        Ok(heads)
    }

    /// Creates the version table if it is missing; true when it was created. Takes the
    /// migration lock, so that two processes do not both try to create it.
    pub async fn ensure_version<B: Backend>(&self, db: &mut B) -> Result<bool> {
        self.ensure_version_reporting(db, &mut |_| {}).await
    }

    /// [`Migrator::ensure_version`], reporting a wait for another migrator to `events`.
    pub async fn ensure_version_reporting<B: Backend>(
        &self,
        db: &mut B,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Result<bool> {
        let key = self.version_table.lock_key();
        self.lock(db, &key, events).await?;
        let result = self.ensure_locked(db, events).await;
        let unlocked = db.unlock(&key).await;
        let created = result?;
        unlocked?;
        Ok(created)
    }

    /// Takes the migration lock, reporting a wait.
    async fn lock<B: Backend>(
        &self,
        db: &mut B,
        key: &str,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Result<()> {
        let mut on_wait = |holder: String| events(Event::Waiting { holder });
        let wait = Wait { timeout: self.lock_timeout, on_wait: &mut on_wait };
        db.lock_waiting(key, wait).await.map_err(waited)
    }

    /// Starts a transaction, reporting a wait for SQLite's write lock.
    async fn begin<B: Backend>(&self, db: &mut B, events: &mut (dyn FnMut(Event) + Send)) -> Result<()> {
        if interrupt::is_interrupted() {
            return Err(Error::Interrupted);
        }
        let mut on_wait = |holder: String| events(Event::Waiting { holder });
        let wait = Wait { timeout: self.lock_timeout, on_wait: &mut on_wait };
        db.begin_waiting(wait).await.map_err(waited)
    }

    async fn ensure_locked<B: Backend>(
        &self,
        db: &mut B,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Result<bool> {
        self.begin(db, events).await?;
        match self.version_table.ensure(db).await {
            Ok(created) => {
                db.commit().await?;
                Ok(created)
            }
            Err(e) => {
                let _ = db.rollback().await;
                Err(e.into())
            }
        }
    }

    /// Moves the database to `target`, reporting each step to `events`; returns the
    /// version table's rows at the end.
    pub async fn run<B: Backend>(
        &self,
        db: &mut B,
        target: &Target,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Result<Vec<String>> {
        let key = self.version_table.lock_key();
        self.lock(db, &key, events).await?;
        // A SQLite table rebuild drops and recreates tables, which would fire
        // ON DELETE actions while foreign keys are enforced; enforcement cannot change
        // inside a transaction, so it is off for the run and each step is checked
        // (`PRAGMA foreign_key_check`) before it commits instead, on the tables where
        // its ops can have broken a reference (`foreign_keys::scope`).
        let enforcement = match self.dialect().imp().foreign_key_enforcement() {
            Some(e) if db.query_column(e.query).await?.first().is_some_and(|v| v == "1") => Some(e),
            _ => None,
        };
        let fk_enforced = enforcement.is_some();
        if let Some(e) = enforcement {
            db.execute(e.off).await?;
        }
        let result = self.run_locked(db, target, events, fk_enforced).await;
        if let Some(e) = enforcement {
            let restored = db.execute(e.on).await;
            if result.is_ok() {
                restored?;
            }
        }
        let unlocked = db.unlock(&key).await;
        let heads = result?;
        unlocked?;
        Ok(heads)
    }

    async fn run_locked<B: Backend>(
        &self,
        db: &mut B,
        target: &Target,
        events: &mut (dyn FnMut(Event) + Send),
        fk_check: bool,
    ) -> Result<Vec<String>> {
        let mut in_transaction = false;
        let result = self.run_steps(db, target, events, fk_check, &mut in_transaction).await;
        if result.is_err() && in_transaction {
            let _ = db.rollback().await;
        }
        result
    }

    async fn run_steps<B: Backend>(
        &self,
        db: &mut B,
        target: &Target,
        events: &mut (dyn FnMut(Event) + Send),
        fk_check: bool,
        in_transaction: &mut bool,
    ) -> Result<Vec<String>> {
        let map = self.scripts.map();
        let purge = matches!(target, Target::Stamp { purge: true, .. });
        let one_transaction = !self.transaction_per_migration;
        // The plan made last, valid while the rows read are the rows it expects.
        let mut plan: Option<(Vec<String>, std::collections::VecDeque<MigrationStep>, VersionHeads<'_>)> =
            None;
        let mut schema: Option<SchemaPair> = None;
        let mut done = 0usize;
        let mut purged = false;
        let mut ensured = false;
        loop {
            if !*in_transaction {
                self.begin(db, events).await?;
                *in_transaction = true;
            }
            // The table exists from the first transaction on (nobody drops it), so later
            // steps skip the catalog lookups: on SQLite each scans `sqlite_master`, which
            // grows with every table a step creates.
            if !ensured {
                self.version_table.ensure(db).await?;
                ensured = true;
            }
            if purge && !purged {
                self.version_table.delete_all(db).await?;
                purged = true;
            }
            // A session lock (PostgreSQL's advisory lock) held for the run keeps every other migrator
            // of this version table waiting until the run ends, so the rows are the ones
            // the last step left; reading them again would cost a round trip per step.
            // (A writer that ignores the lock is caught by the version-table UPDATE and
            // DELETE, which fail the step unless they change exactly one row.)
            let rows = match &plan {
                Some((expected, _, _)) if db.dialect().imp().session_lock() => expected.clone(),
                _ => self.version_table.read_existing_heads(db).await?,
            };
            let fresh = match &plan {
                Some((expected, _, _)) => !same_rows(expected, &rows),
                None => true,
            };
            if fresh {
                // Rows first: an unknown row is named as such, not as a planning error.
                let heads = VersionHeads::new(map, &rows).map_err(unknown_row)?;
                let steps = self.plan(target, &rows)?;
                self.check_strict(&steps)?;
                self.check_code_steps(&steps, db.dialect())?;
                if done == 0 {
                    events(Event::Planned { total: steps.len() });
                }
                plan = Some((rows.clone(), steps.into(), heads));
                schema = None;
            }
            let (expected, steps, heads) =
                plan.as_mut().ok_or_else(|| Error::Command("internal: no plan after planning".into()))?;
            let Some(step) = steps.pop_front() else {
                db.commit().await?;
                *in_transaction = false;
                return Ok(rows);
            };
            let mut step_before: Option<Schema> = None;
            let rendered = if matches!(step, MigrationStep::Revision(_)) {
                let schema = match &mut schema {
                    Some(s) => s,
                    None => {
                        let live = self.live_schema(db, steps.iter().chain([&step])).await?;
                        schema.insert(SchemaPair::live(live))
                    }
                };
                // Without transactional DDL a failing step leaves what ran: keep the
                // model of its tables to say how to undo that.
                if !db.dialect().imp().transactional_ddl()
                    && let Some((_, _, ops)) = self.step_ops(&step)?
                {
                    step_before = Some(partial::step_tables(schema.schema(), ops));
                }
                self.render_step(&step, schema)?
            } else {
                self.render_step(&step, &mut SchemaPair::default())?
            };
            // Raw SQL may have made or changed anything, and the statements of views
            // and triggers name tables and columns that ops may rename: the next step
            // reads the database again rather than trust the model.
            let stale =
                schema.as_ref().is_some_and(|s| s.schema().objects.iter().any(|o| o.kind.after_tables()));
            if stale || rendered.statements.iter().any(|s| s.script || s.call.is_some()) {
                schema = None;
            }
            events(Event::Step {
                index: done,
                label: rendered.label.clone(),
                transactional: rendered.transactional,
            });
            if let Some(found) = self.no_downgrade_op(&step) {
                events(Event::NoDowngradeOps(found));
            }
            if !rendered.transactional {
                db.commit().await?;
                *in_transaction = false;
            }
            for (index, statement) in rendered.statements.iter().enumerate() {
                if interrupt::is_interrupted() {
                    return Err(Error::Interrupted);
                }
                let result = if let Some(rows) = &statement.rows {
                    insert_rows(db, rows).await
                } else if let Some((call, model)) = &statement.call {
                    self.run_code_step(db, &step, call, model).await
                } else if statement.script {
                    db.execute_script(&statement.sql).await
                } else {
                    db.execute(&statement.sql).await.map(|_| ())
                };
                if let Err(e) = result {
                    let mut error = self.step_error(&step, Some(statement), e);
                    if let (Error::Step(step_error), Some(before), Some((_, script, ops))) =
                        (&mut error, step_before.take(), self.step_ops(&step)?)
                    {
                        let options = RenderOptions { batch_always: script.batch == Batch::Always };
                        step_error.partial = partial::partial_step(
                            db.dialect(),
                            before,
                            ops,
                            &rendered.statements,
                            index,
                            options,
                        );
                    }
                    return Err(error);
                }
            }
            if !*in_transaction {
                self.begin(db, events).await?;
                *in_transaction = true;
            }
            for change in heads.apply(&step)? {
                match &change {
                    VersionChange::Insert(id) => self.version_table.insert(db, id).await?,
                    VersionChange::Delete(id) => self.version_table.delete(db, id).await?,
                    VersionChange::Update { from, to } => self.version_table.update(db, from, to).await?,
                }
            }
            if fk_check {
                // Only where the step's ops can have broken a reference (see
                // `foreign_keys`): a whole-database check costs O(tables) per step.
                let scope = match (self.step_ops(&step)?, &schema) {
                    (None, _) => foreign_keys::Scope::Nothing,
                    (Some((_, _, ops)), Some(pair)) => foreign_keys::scope(ops, pair.schema()),
                    (Some(_), None) => foreign_keys::Scope::All,
                };
                if let Some((table, parent)) = foreign_keys::first_violation(db, &scope).await? {
                    return Err(self.step_error(
                        &step,
                        None,
                        DbError::new(
                            DbErrorKind::Statement,
                            format!(
                                "foreign key check failed: rows of {table} reference missing rows of {parent}"
                            ),
                        ),
                    ));
                }
            }
            *expected = heads.heads().into_iter().map(str::to_string).collect();
            done += 1;
            if !one_transaction {
                db.commit().await?;
                *in_transaction = false;
            }
        }
    }

    async fn run_code_step<B: Backend>(
        &self,
        db: &mut B,
        step: &MigrationStep,
        call: &Call,
        model: &Schema,
    ) -> std::result::Result<(), DbError> {
        let steps = self.code_steps.ok_or_else(|| {
            DbError::new(DbErrorKind::Statement, format!("code step `{}` is not registered", call.function))
        })?;
        let revision = step.revision().unwrap_or_default();
        let path =
            self.scripts.script(revision).map(|s| s.path.as_path()).unwrap_or(std::path::Path::new(""));
        let context = StepContext {
            revision,
            path,
            upgrade: step.is_upgrade(),
            function: &call.function,
            args: &call.args,
            schema: model,
            dialect: db.dialect(),
        };
        tracing::info!(revision, function = %call.function, "running code step");
        db.run_code_step(steps, &context).await
    }

    fn step_error(&self, step: &MigrationStep, statement: Option<&Statement>, e: DbError) -> Error {
        // A statement cancelled by an interrupt is not the step's fault.
        if interrupt::is_interrupted() {
            return Error::Interrupted;
        }
        // A `bulk_insert`'s error carries the statement of the failing batch; a code
        // step has no SQL of its own.
        let sql = match statement {
            Some(s) if s.call.is_some() => None,
            Some(s) if s.rows.is_none() => Some(s.sql.clone()),
            _ => e.sql().map(str::to_string),
        };
        self.step_failure(step, statement.map(|s| s.op), sql, e.message().to_string())
    }
}

/// The comment offline SQL holds in place of a code step (with `--code-step-markers`).
fn code_step_marker(call: &Call) -> String {
    let args = if call.args.is_empty() {
        String::new()
    } else {
        // One line (JSON): a comment cannot span lines.
        format!(" with args {}", serde_json::to_string(&call.args).unwrap_or_default())
    };
    format!(
        "-- CODE STEP NOT RUN: call {}{args} (Rust code; this SQL does not do it, run the data step yourself)",
        call.function
    )
}

/// Runs a `bulk_insert` as parameterised batches. A failing batch is reported with the
/// literal `INSERT` of its first row and where it is in the insert.
async fn insert_rows<B: Backend>(db: &mut B, rows: &InsertRows<'_>) -> Result<(), DbError> {
    let mut done = 0usize;
    for batch in rows.batches(INSERT_BATCH_ROWS, INSERT_BATCH_PARAMS) {
        let len = batch.len();
        if let Err(e) = db.insert_rows(batch).await {
            let first = rows.statements().nth(done).unwrap_or_default();
            let message = format!("{} (in rows {}..{} of {})", e.message(), done + 1, done + len, rows.len());
            let mut error = DbError::new(e.kind(), message).with_sql(first);
            if let Some(code) = e.code() {
                error = error.with_code(code);
            }
            return Err(error);
        }
        done += len;
    }
    Ok(())
}

/// A failed wait for a lock: an interrupt is [`Error::Interrupted`].
fn waited(e: DbError) -> Error {
    if e.kind() == DbErrorKind::Interrupted { Error::Interrupted } else { e.into() }
}

/// Rows compared as sets (the table has no order).
fn same_rows(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// A version-table row the history does not know.
fn unknown_row(e: RevisionError) -> Error {
    match e {
        RevisionError::Command(message) if message.starts_with("Can't locate revision identified by") => {
            Error::Command(format!(
                "{message}: the database's version table names a revision that is not in the migrations folder (a newer checkout, or another project's database?)"
            ))
        }
        other => Error::Revision(other),
    }
}

/// Offline SQL on its way out: text is gathered in `text` and written to `sink` in
/// pieces. The script's trailing blank lines are trimmed to one newline at the end.
struct OfflineWriter<'w> {
    sink: &'w mut dyn std::io::Write,
    text: String,
}

impl OfflineWriter<'_> {
    /// Size of the pieces written.
    const CHUNK: usize = 64 * 1024;

    /// Writes what is gathered once it is a chunk, keeping trailing white space back
    /// (the end of the script must not end in blank lines).
    fn maybe_flush(&mut self) -> Result<()> {
        if self.text.len() >= Self::CHUNK {
            let keep = self.text.trim_end().len();
            self.sink.write_all(&self.text.as_bytes()[..keep]).map_err(|e| Error::io("<stdout>", e))?;
            self.text.drain(..keep);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let end = self.text.trim_end();
        let io = |e| Error::io("<stdout>", e);
        self.sink.write_all(end.as_bytes()).map_err(io)?;
        self.sink.write_all(b"\n").map_err(io)?;
        self.sink.flush().map_err(io)
    }
}

fn push_statement(out: &mut String, sql: &str) {
    let sql = sql.trim_end();
    out.push_str(sql);
    if !sql.ends_with(';') {
        out.push(';');
    }
    out.push_str("\n\n");
}
