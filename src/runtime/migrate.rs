//! Running migrations (Alembic's `MigrationContext.run_migrations`): steps planned
//! from the version table's rows, rendered to SQL against the schema model replayed
//! up to where the database is, and either executed (online, on any
//! [`Backend`](super::connection::Backend)) or written out (offline, `--sql`).
//!
//! Online, every step's DDL and its version-table change commit together; with
//! `transaction_per_migration = false` the whole run is one transaction. The current
//! heads are read inside each transaction: on SQLite `BEGIN IMMEDIATE` holds the write
//! lock from before that read, on PostgreSQL an advisory lock is held for the run, so
//! concurrent migrators wait and then find the work done. If another migrator moved
//! the heads in between (SQLite only), the plan is made again from the new heads.
//!
//! Waiting for another migrator is reported ([`Event::Waiting`], once per wait) and
//! lasts as long as the other holds the lock, or at most
//! [`Migrator::with_lock_timeout`]. After [`super::interrupt::interrupt`] the run stops
//! before the next step or statement, rolls back the step it was in, and returns
//! [`Error::Interrupted`].

use std::path::PathBuf;
use std::time::Duration;

use super::connection::{Backend, DbError, DbErrorKind, Wait};
use super::interrupt;
use super::steps::{MigrationStep, VersionChange, VersionHeads, downgrade_plan, stamp_plan, upgrade_plan};
use super::version_table::VersionTable;
use crate::dialect::{self, Dialect, RenderOptions};
use crate::error::{Error, Result};
use crate::ops::Op;
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
}

impl SchemaPair {
    /// Both sides at `schema`.
    pub fn new(schema: Schema) -> Self {
        SchemaPair { after: schema.clone(), before: schema }
    }

    /// The schema past the last op rendered.
    pub fn schema(&self) -> &Schema {
        &self.before
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
    }))
}

/// One statement of a rendered step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, without a trailing `;`.
    pub sql: String,
    /// Raw SQL from an `execute` op or a `.sql` revision: may hold several statements.
    pub script: bool,
    /// The op it comes from: index in the revision's list and name.
    pub op: (usize, &'static str),
}

/// A step with its SQL.
#[derive(Debug, Clone)]
pub struct RenderedStep {
    /// The planned step.
    pub step: MigrationStep,
    /// Alembic's log text: `upgrade a -> b, message`.
    pub label: String,
    /// The statements, in order.
    pub statements: Vec<Statement>,
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
}

/// Runs migrations of one script directory against one version table.
#[derive(Debug)]
pub struct Migrator<'a> {
    scripts: &'a ScriptDirectory,
    version_table: VersionTable,
    transaction_per_migration: bool,
    lock_timeout: Option<Duration>,
}

impl<'a> Migrator<'a> {
    /// A migrator for `scripts`, recording versions in `version_table` (whose dialect is
    /// the database's).
    pub fn new(
        scripts: &'a ScriptDirectory,
        version_table: VersionTable,
        transaction_per_migration: bool,
    ) -> Self {
        Migrator { scripts, version_table, transaction_per_migration, lock_timeout: None }
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
        let steps =
            upgrade_plan(self.scripts.map(), &RevisionSpec::Ids(heads.to_vec()), &RevisionSpec::Ids(vec![]))?;
        let mut schema = Schema::new();
        for step in &steps {
            let Some((id, script, ops)) = self.step_ops(step)? else { continue };
            for (index, op) in ops.iter().enumerate() {
                op.apply(&mut schema)
                    .map_err(|e| op_error(id, &script.path, "upgrade", index, op, e.to_string()))?;
            }
        }
        Ok(schema)
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
    pub fn render_step(&self, step: &MigrationStep, schemas: &mut SchemaPair) -> Result<RenderedStep> {
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
        let dialect = self.dialect();
        let mut statements = Vec::new();
        for (index, op) in ops.iter().enumerate() {
            if let Op::Execute(execute) = op {
                // Opaque to the model: the schema is left as it is.
                let text = execute.sql_for(dialect.name()).ok_or_else(|| {
                    fail(index, op, format!("has no SQL for {dialect} (give `sql` or `{dialect}`)"))
                })?;
                statements.push(Statement { sql: text.to_string(), script: true, op: (index, op.name()) });
                continue;
            }
            op.apply(&mut schemas.after).map_err(|e| fail(index, op, e.to_string()))?;
            let rendered = dialect::render_between(dialect, op, &schemas.before, &schemas.after, options)
                .map_err(|e| fail(index, op, e.to_string()))?;
            statements.extend(rendered.into_iter().map(|sql| Statement {
                sql,
                script: false,
                op: (index, op.name()),
            }));
            op.apply(&mut schemas.before).map_err(|e| fail(index, op, e.to_string()))?;
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
        let steps = self.plan(target, start)?;
        let mut heads = VersionHeads::new(self.scripts.map(), start).map_err(unknown_row)?;
        let mut schemas = SchemaPair::new(if steps.iter().any(|s| matches!(s, MigrationStep::Revision(_))) {
            self.schema_at(start)?
        } else {
            Schema::new()
        });
        let mut out = String::new();
        if let Some(tag) = tag {
            out.push_str(&format!("-- tag: {tag}\n\n"));
        }
        let per_step = self.transaction_per_migration;
        if !per_step {
            out.push_str("BEGIN;\n\n");
        }
        for step in &steps {
            let rendered = self.render_step(step, &mut schemas)?;
            if per_step {
                out.push_str("BEGIN;\n\n");
            }
            if heads.heads().is_empty() {
                push_statement(&mut out, &self.version_table.create_sql().replace('\t', "    "));
            }
            out.push_str(&format!("-- Running {}\n\n", step.short_log()));
            if !rendered.transactional {
                out.push_str("-- not transactional: runs outside a transaction\nCOMMIT;\n\n");
            }
            for statement in &rendered.statements {
                push_statement(&mut out, &statement.sql);
            }
            if !rendered.transactional {
                out.push_str("BEGIN;\n\n");
            }
            for change in heads.apply(step)? {
                push_statement(&mut out, &self.version_sql(&change));
            }
            if per_step {
                out.push_str("COMMIT;\n\n");
            }
        }
        if !per_step {
            out.push_str("COMMIT;\n\n");
        }
        Ok(out)
    }

    /// Offline `ensure-version`: the version table's DDL.
    pub fn offline_ensure_version(&self) -> String {
        let mut out = String::from("BEGIN;\n\n");
        push_statement(&mut out, &self.version_table.create_sql().replace('\t', "    "));
        out.push_str("COMMIT;\n\n");
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
        let sqlite = self.dialect() == Dialect::Sqlite;
        // A SQLite table rebuild drops and recreates tables, which would fire
        // ON DELETE actions while foreign keys are enforced; enforcement cannot change
        // inside a transaction, so it is off for the run and each step is checked with
        // `PRAGMA foreign_key_check` before it commits instead.
        let fk_enforced =
            sqlite && db.query_column("PRAGMA foreign_keys").await?.first().is_some_and(|v| v == "1");
        if fk_enforced {
            db.execute("PRAGMA foreign_keys = OFF").await?;
        }
        let result = self.run_locked(db, target, events, fk_enforced).await;
        if fk_enforced {
            let restored = db.execute("PRAGMA foreign_keys = ON").await;
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
            let rows = self.version_table.read_existing_heads(db).await?;
            let fresh = match &plan {
                Some((expected, _, _)) => !same_rows(expected, &rows),
                None => true,
            };
            if fresh {
                // Rows first: an unknown row is named as such, not as a planning error.
                let heads = VersionHeads::new(map, &rows).map_err(unknown_row)?;
                let steps = self.plan(target, &rows)?;
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
            let rendered = if matches!(step, MigrationStep::Revision(_)) {
                let schema = match &mut schema {
                    Some(s) => s,
                    None => schema.insert(SchemaPair::new(self.schema_at(expected)?)),
                };
                self.render_step(&step, schema)?
            } else {
                self.render_step(&step, &mut SchemaPair::default())?
            };
            events(Event::Step {
                index: done,
                label: rendered.label.clone(),
                transactional: rendered.transactional,
            });
            if !rendered.transactional {
                db.commit().await?;
                *in_transaction = false;
            }
            for statement in &rendered.statements {
                if interrupt::is_interrupted() {
                    return Err(Error::Interrupted);
                }
                let result = if statement.script {
                    db.execute_script(&statement.sql).await
                } else {
                    db.execute(&statement.sql).await.map(|_| ())
                };
                result.map_err(|e| self.step_error(&step, Some(statement), e))?;
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
                let violations = db.query_rows("PRAGMA foreign_key_check").await?;
                if let Some(row) = violations.first() {
                    let table = row.first().cloned().flatten().unwrap_or_default();
                    let parent = row.get(2).cloned().flatten().unwrap_or_default();
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

    fn step_error(&self, step: &MigrationStep, statement: Option<&Statement>, e: DbError) -> Error {
        // A statement cancelled by an interrupt is not the step's fault.
        if interrupt::is_interrupted() {
            return Error::Interrupted;
        }
        let revision = step.revision().unwrap_or_default().to_string();
        let path = self.scripts.script(&revision).map(|s| s.path.clone());
        Error::Step(Box::new(StepError {
            revision,
            path,
            direction: if step.is_upgrade() { "upgrade" } else { "downgrade" },
            op: statement.map(|s| s.op),
            sql: statement.map(|s| s.sql.clone()).or_else(|| e.sql().map(str::to_string)),
            message: e.message().to_string(),
        }))
    }
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

fn push_statement(out: &mut String, sql: &str) {
    let sql = sql.trim_end();
    out.push_str(sql);
    if !sql.ends_with(';') {
        out.push(';');
    }
    out.push_str("\n\n");
}
