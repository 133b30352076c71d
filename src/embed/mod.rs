//! Migrations embedded in the application binary (feature `embed`).
//!
//! The build script calls `alembic_build::embed_or_report("migrations")` (crate
//! `alembic-build`; `embed` is the same returning the error instead of reporting it),
//! which validates the folder at build time (every file parses, the graph holds, the
//! upgrade ops replay on the schema model), records what it learnt (the files in load
//! order, the heads, the version-table settings of `alembic.toml`) in a generated file
//! in `OUT_DIR`, and hands the folder to `include_dir`. [`embedded!`](crate::embedded)
//! turns both into a [`Migrations`] value that lives in a `static`:
//!
//! ```text
//! // build.rs
//! fn main() { alembic_build::embed_or_report("migrations"); }
//! // main.rs
//! static MIGRATIONS: alembic::Migrations = alembic::embedded!();
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut conn = alembic::rusqlite::Connection::open("app.db")?;
//!     MIGRATIONS.upgrade(&mut conn, "head")?;
//!     Ok(())
//! }
//! ```
//!
//! # Start-up cost
//!
//! What the build checked is not checked again. Upgrading to `head`/`heads` first reads
//! the version table (two small queries) and compares it with the heads computed at
//! build time: a database already at head returns there, without parsing a single
//! revision file. Only when there is work to do are the files parsed, once per process
//! (kept in a `OnceLock`), and the migration runner takes over with its locking.

mod conn;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use conn::{Borrowed, Database};

use crate::code_steps::CodeSteps;
use crate::error::{Error, Result};
use crate::runtime::connection::{AnyBackend, Backend, block_on};
use crate::runtime::migrate::{Event, Migrator, Target};
use crate::runtime::version_table::VersionTable;
use crate::script::{RevisionScript, ScriptDirectory};
use crate::url::{DatabaseUrl, Dialect};

/// What [`embedded!`](crate::embedded) expands to uses these; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use include_dir;

    /// The facts `alembic_build::embed` computed at build time.
    #[derive(Debug, Clone, Copy)]
    pub struct Facts {
        /// The embedded folder as the build script named it (for messages and paths).
        pub folder: &'static str,
        /// Revision files, relative to the folder (`/`-separated), in load order.
        pub files: &'static [&'static str],
        /// The head revisions, sorted.
        pub heads: &'static [&'static str],
        /// `version_table` of `alembic.toml`.
        pub version_table: &'static str,
        /// `version_table_schema` of `alembic.toml`.
        pub version_table_schema: Option<&'static str>,
        /// `transaction_per_migration` of `alembic.toml`.
        pub transaction_per_migration: bool,
        /// The code steps of the history, in load order.
        pub code_steps: &'static [CodeStepFact],
    }

    /// One `call` op of the embedded history.
    #[derive(Debug, Clone, Copy)]
    pub struct CodeStepFact {
        /// Its revision.
        pub revision: &'static str,
        /// The revision's file, as the build script showed it.
        pub file: &'static str,
        /// The function it calls.
        pub function: &'static str,
    }
}

use __private::Facts;

/// The migrations of the folder embedded by `alembic_build::embed`, as built by
/// [`embedded!`](crate::embedded); meant for a `static`.
///
/// Blocking methods ([`upgrade`](Migrations::upgrade), …) take any [`Database`]: a
/// `rusqlite::Connection`, or the [`AnyBackend`] that [`connect`] opens from a URL
/// (PostgreSQL included, usable from plain `fn main` and from inside a tokio runtime
/// alike). The `_async` methods take a `tokio_postgres::Client` (feature `postgres`).
pub struct Migrations {
    dir: &'static include_dir::Dir<'static>,
    facts: Facts,
    scripts: OnceLock<ScriptDirectory>,
}

impl std::fmt::Debug for Migrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrations")
            .field("folder", &self.facts.folder)
            .field("revisions", &self.facts.files.len())
            .field("heads", &self.facts.heads)
            .finish()
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// One line per step run, as `cargo alembic` prints them after "Running "
    /// (`upgrade a -> b, message`). Empty when there was nothing to do.
    pub steps: Vec<String>,
    /// The version table's rows afterwards, sorted.
    pub heads: Vec<String>,
}

impl Report {
    /// Whether the run changed nothing.
    pub fn is_noop(&self) -> bool {
        self.steps.is_empty()
    }
}

/// One revision, as [`Migrations::history`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionInfo {
    /// Its id.
    pub revision: String,
    /// Its parents (empty for a base).
    pub down_revisions: Vec<String>,
    /// Its branch labels.
    pub branch_labels: Vec<String>,
    /// The first paragraph of its doc comment, else its message.
    pub message: String,
    /// Its file, as `<folder>/<path in folder>`.
    pub path: PathBuf,
    /// Whether it is a head.
    pub is_head: bool,
}

/// Opens the database `url` names for the blocking methods: SQLite (a relative path is
/// resolved against the current folder) or PostgreSQL through a dedicated connection
/// thread, which works from plain `fn main` and from inside a tokio runtime.
///
/// ```no_run
/// # fn demo(migrations: &alembic::Migrations) -> alembic::Result<()> {
/// let mut db = alembic::embed::connect("sqlite:///app.db")?;
/// migrations.upgrade(&mut db, "head")?;
/// # Ok(()) }
/// ```
pub fn connect(url: &str) -> Result<AnyBackend> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let url = DatabaseUrl::parse(url, &cwd)?;
    Ok(crate::runtime::connection::connect(&url)?)
}

impl Migrations {
    /// Used by [`embedded!`](crate::embedded); not a stable API.
    #[doc(hidden)]
    pub const fn __new(dir: &'static include_dir::Dir<'static>, facts: Facts) -> Self {
        Migrations { dir, facts, scripts: OnceLock::new() }
    }

    /// The head revisions, computed at build time (sorted).
    pub fn heads(&self) -> &'static [&'static str] {
        self.facts.heads
    }

    /// How many revision files are embedded.
    pub fn revision_count(&self) -> usize {
        self.facts.files.len()
    }

    /// The embedded folder, as the build script named it.
    pub fn folder(&self) -> &'static str {
        self.facts.folder
    }

    /// The version table's name (`version_table` of `alembic.toml`).
    pub fn version_table_name(&self) -> &'static str {
        self.facts.version_table
    }

    /// The version table's schema (`version_table_schema` of `alembic.toml`).
    pub fn version_table_schema(&self) -> Option<&'static str> {
        self.facts.version_table_schema
    }

    /// `transaction_per_migration` of `alembic.toml`.
    pub fn transaction_per_migration(&self) -> bool {
        self.facts.transaction_per_migration
    }

    /// The revision files, parsed on first use and kept for the life of the process.
    pub fn scripts(&self) -> Result<&ScriptDirectory> {
        if let Some(scripts) = self.scripts.get() {
            return Ok(scripts);
        }
        // Two threads may both parse; one result is kept, and both are the same.
        let scripts = self.load_scripts()?;
        Ok(self.scripts.get_or_init(|| scripts))
    }

    /// Parses the embedded revision files into a new [`ScriptDirectory`]. The build
    /// checked them, so this fails only if the binary's data was altered.
    pub fn load_scripts(&self) -> Result<ScriptDirectory> {
        let mut files: HashMap<&Path, &include_dir::File<'static>> =
            HashMap::with_capacity(self.facts.files.len());
        let mut pending = vec![self.dir];
        while let Some(dir) = pending.pop() {
            files.extend(dir.files().map(|f| (f.path(), f)));
            pending.extend(dir.dirs());
        }
        let mut scripts = Vec::with_capacity(self.facts.files.len());
        for rel in self.facts.files {
            let path = Path::new(self.facts.folder).join(rel);
            let file = files.get(Path::new(rel)).ok_or_else(|| Error::File {
                path: path.clone(),
                line: None,
                message: "listed at build time but not embedded".into(),
            })?;
            let text = file.contents_utf8().ok_or_else(|| Error::File {
                path: path.clone(),
                line: None,
                message: "not valid UTF-8".into(),
            })?;
            let script = if rel.ends_with(".sql") {
                RevisionScript::parse_sql(&path, text)?
            } else {
                RevisionScript::parse_toml(&path, text)?
            };
            scripts.push(script);
        }
        ScriptDirectory::from_scripts(scripts)
    }

    /// Every revision, newest first (the order of `cargo alembic history`).
    pub fn history(&self) -> Result<Vec<RevisionInfo>> {
        let scripts = self.scripts()?;
        let nodes = scripts.map().walk(&"base".into(), &"heads".into())?;
        Ok(nodes
            .into_iter()
            .map(|node| {
                let script = scripts.script(node.revision());
                let message = script
                    .map(|s| {
                        let doc = s.doc.trim();
                        let first = doc.split("\n\n").next().unwrap_or("").trim();
                        if first.is_empty() {
                            s.short_message().to_string()
                        } else {
                            first.replace('\n', " ")
                        }
                    })
                    .unwrap_or_default();
                RevisionInfo {
                    revision: node.revision().to_string(),
                    down_revisions: node.down_revisions().to_vec(),
                    branch_labels: node.branch_labels().into_iter().collect(),
                    message,
                    path: script.map(|s| s.path.clone()).unwrap_or_default(),
                    is_head: node.is_head(),
                }
            })
            .collect())
    }

    fn version_table(&self, dialect: Dialect) -> VersionTable {
        VersionTable::new(
            dialect,
            self.facts.version_table,
            self.facts.version_table_schema.map(str::to_string),
        )
    }

    /// Whether `rows` are exactly the heads known at build time.
    fn rows_are_heads(&self, rows: &[String]) -> bool {
        // `read_heads` sorts the rows and the build wrote the heads sorted.
        !self.facts.heads.is_empty()
            && rows.len() == self.facts.heads.len()
            && rows.iter().zip(self.facts.heads).all(|(a, b)| a == b)
    }

    /// Whether upgrading to `dest` is done once the database is at every head.
    /// `head` with several heads is an error that the full path reports.
    fn means_all_heads(&self, dest: &str) -> bool {
        dest == "heads" || (dest == "head" && self.facts.heads.len() == 1)
    }

    // ----- on any backend ----------------------------------------------------------

    /// Moves the database on `db` to `target`. Upgrading to `head`/`heads` a database
    /// already there returns after reading the version table, without parsing.
    pub async fn run<B: Backend>(&self, db: &mut B, target: &Target) -> Result<Report> {
        self.run_with(db, target, None).await
    }

    /// [`Migrations::run`] with the functions the history's code steps call. Every
    /// code step of the history must name a function of `steps` for the database's
    /// dialect; that is checked first, from facts the build recorded (no parsing).
    async fn run_with<B: Backend>(
        &self,
        db: &mut B,
        target: &Target,
        steps: Option<&CodeSteps>,
    ) -> Result<Report> {
        self.check_code_steps(db.dialect(), steps)?;
        if let Target::Upgrade(dest) = target
            && self.means_all_heads(dest)
        {
            let rows = self.version_table(db.dialect()).read_heads(db).await?;
            if self.rows_are_heads(&rows) {
                return Ok(Report { steps: Vec::new(), heads: rows });
            }
        }
        let scripts = self.scripts()?;
        let mut migrator =
            Migrator::new(scripts, self.version_table(db.dialect()), self.facts.transaction_per_migration);
        if let Some(code_steps) = steps {
            migrator = migrator.with_code_steps(code_steps);
        }
        let mut labels = Vec::new();
        let heads = migrator
            .run(db, target, &mut |event| match event {
                Event::Step { label, .. } => labels.push(label),
                Event::NoDowngradeOps(found) => tracing::warn!("{}", found.warning()),
                Event::Planned { .. } | Event::Waiting { .. } => {}
            })
            .await?;
        Ok(Report { steps: labels, heads })
    }

    /// Refuses to start when a code step of the history has no function in `steps`
    /// for `dialect`, naming the revision, its file and the function.
    pub fn check_code_steps(&self, dialect: Dialect, steps: Option<&CodeSteps>) -> Result<()> {
        for fact in self.facts.code_steps {
            let message = match steps {
                Some(steps) if steps.has(dialect, fact.function) => continue,
                Some(steps) => steps.missing(dialect, fact.function),
                None => format!(
                    "code step `{}` needs its function: migrate with MIGRATIONS.with_code_steps(&steps), steps registering it",
                    fact.function
                ),
            };
            return Err(Error::Command(format!("revision {} ({}): {message}", fact.revision, fact.file)));
        }
        Ok(())
    }

    /// These migrations with the functions their code steps (`call` ops) run; see
    /// [`crate::code_steps`].
    ///
    /// ```no_run
    /// # #[cfg(feature = "sqlite")]
    /// # fn demo(migrations: &alembic::Migrations, conn: &mut alembic::rusqlite::Connection) -> alembic::Result<()> {
    /// use alembic::code_steps::CodeSteps;
    /// # fn split_full_name(_: &alembic::rusqlite::Connection, _: &alembic::code_steps::StepContext<'_>) -> alembic::code_steps::StepResult { Ok(()) }
    /// let steps = CodeSteps::new().sqlite("split_full_name", split_full_name);
    /// migrations.with_code_steps(&steps).upgrade(conn, "head")?;
    /// # Ok(()) }
    /// ```
    pub fn with_code_steps<'s>(&'s self, steps: &'s CodeSteps) -> WithCodeSteps<'s> {
        WithCodeSteps { migrations: self, steps: Some(steps) }
    }

    /// The moves without functions: a history with code steps is refused.
    fn without_code_steps(&self) -> WithCodeSteps<'_> {
        WithCodeSteps { migrations: self, steps: None }
    }

    /// The version table's rows on `db` (sorted; none when there is no table). Rows
    /// that are not the heads are checked against the history.
    pub async fn current_on<B: Backend>(&self, db: &mut B) -> Result<Vec<String>> {
        let rows = self.version_table(db.dialect()).read_heads(db).await?;
        if rows.is_empty() || self.rows_are_heads(&rows) {
            return Ok(rows);
        }
        let scripts = self.scripts()?;
        let migrator =
            Migrator::new(scripts, self.version_table(db.dialect()), self.facts.transaction_per_migration);
        migrator.current(db).await
    }

    /// Whether the database on `db` is at every head (no parsing).
    pub async fn is_at_head_on<B: Backend>(&self, db: &mut B) -> Result<bool> {
        let rows = self.version_table(db.dialect()).read_heads(db).await?;
        Ok(self.rows_are_heads(&rows) || (self.facts.heads.is_empty() && rows.is_empty()))
    }

    // ----- blocking ------------------------------------------------------------------

    /// Upgrades the database to `target` (`head`, `heads`, an id, `+1`, …).
    ///
    /// ```no_run
    /// # fn demo(migrations: &alembic::Migrations) -> alembic::Result<()> {
    /// // Or `&mut alembic::rusqlite::Connection`.
    /// let mut db = alembic::embed::connect("sqlite:///app.db")?;
    /// let report = migrations.upgrade(&mut db, "head")?;
    /// for step in &report.steps {
    ///     println!("Running {step}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn upgrade<D: Database>(&self, db: &mut D, target: &str) -> Result<Report> {
        self.without_code_steps().upgrade(db, target)
    }

    /// Downgrades the database to `target` (`base`, an id, `-1`, …).
    pub fn downgrade<D: Database>(&self, db: &mut D, target: &str) -> Result<Report> {
        self.without_code_steps().downgrade(db, target)
    }

    /// Records `revision` (`heads`, `base`, an id, …) in the version table without
    /// running migrations.
    pub fn stamp<D: Database>(&self, db: &mut D, revision: &str) -> Result<Report> {
        let mut backend = db.backend()?;
        let target = Target::Stamp { revisions: vec![revision.to_string()], purge: false };
        block_on(self.run(&mut backend, &target))
    }

    /// The revisions the database is at (sorted; empty for a fresh database).
    pub fn current<D: Database>(&self, db: &mut D) -> Result<Vec<String>> {
        let mut backend = db.backend()?;
        block_on(self.current_on(&mut backend))
    }

    /// Whether the database is at every head.
    pub fn is_at_head<D: Database>(&self, db: &mut D) -> Result<bool> {
        let mut backend = db.backend()?;
        block_on(self.is_at_head_on(&mut backend))
    }
}

/// The async methods, on a `tokio_postgres::Client` the application already has.
#[cfg(feature = "postgres")]
impl Migrations {
    /// Upgrades the database to `target`; see [`Migrations::upgrade`].
    pub async fn upgrade_async(&self, client: &tokio_postgres::Client, target: &str) -> Result<Report> {
        self.without_code_steps().upgrade_async(client, target).await
    }

    /// Downgrades the database to `target`; see [`Migrations::downgrade`].
    pub async fn downgrade_async(&self, client: &tokio_postgres::Client, target: &str) -> Result<Report> {
        self.without_code_steps().downgrade_async(client, target).await
    }

    /// Records `revision` without running migrations; see [`Migrations::stamp`].
    pub async fn stamp_async(&self, client: &tokio_postgres::Client, revision: &str) -> Result<Report> {
        let mut backend = crate::runtime::connection::PostgresBackend::new(client);
        let target = Target::Stamp { revisions: vec![revision.to_string()], purge: false };
        self.run(&mut backend, &target).await
    }

    /// The revisions the database is at; see [`Migrations::current`].
    pub async fn current_async(&self, client: &tokio_postgres::Client) -> Result<Vec<String>> {
        let mut backend = crate::runtime::connection::PostgresBackend::new(client);
        self.current_on(&mut backend).await
    }

    /// Whether the database is at every head; see [`Migrations::is_at_head`].
    pub async fn is_at_head_async(&self, client: &tokio_postgres::Client) -> Result<bool> {
        let mut backend = crate::runtime::connection::PostgresBackend::new(client);
        self.is_at_head_on(&mut backend).await
    }
}

/// [`Migrations`] with the functions of their code steps, from
/// [`Migrations::with_code_steps`]: the same moves, running `call` ops.
#[derive(Debug, Clone, Copy)]
pub struct WithCodeSteps<'s> {
    migrations: &'s Migrations,
    steps: Option<&'s CodeSteps>,
}

impl WithCodeSteps<'_> {
    /// Moves the database on `db` to `target`; see [`Migrations::run`].
    pub async fn run<B: Backend>(&self, db: &mut B, target: &Target) -> Result<Report> {
        self.migrations.run_with(db, target, self.steps).await
    }

    /// Upgrades the database to `target`; see [`Migrations::upgrade`].
    pub fn upgrade<D: Database>(&self, db: &mut D, target: &str) -> Result<Report> {
        let mut backend = db.backend()?;
        block_on(self.run(&mut backend, &Target::Upgrade(target.to_string())))
    }

    /// Downgrades the database to `target`; see [`Migrations::downgrade`].
    pub fn downgrade<D: Database>(&self, db: &mut D, target: &str) -> Result<Report> {
        let mut backend = db.backend()?;
        block_on(self.run(&mut backend, &Target::Downgrade(target.to_string())))
    }

    /// Upgrades the database on `client` to `target`; see [`Migrations::upgrade_async`].
    #[cfg(feature = "postgres")]
    pub async fn upgrade_async(&self, client: &tokio_postgres::Client, target: &str) -> Result<Report> {
        let mut backend = crate::runtime::connection::PostgresBackend::new(client);
        self.run(&mut backend, &Target::Upgrade(target.to_string())).await
    }

    /// Downgrades the database on `client` to `target`; see [`Migrations::downgrade_async`].
    #[cfg(feature = "postgres")]
    pub async fn downgrade_async(&self, client: &tokio_postgres::Client, target: &str) -> Result<Report> {
        let mut backend = crate::runtime::connection::PostgresBackend::new(client);
        self.run(&mut backend, &Target::Downgrade(target.to_string())).await
    }
}

/// A [`Migrations`] value for a `static`, from the folder the build script embedded
/// with `alembic_build::embed`.
///
/// ```text
/// static MIGRATIONS: alembic::Migrations = alembic::embedded!();
/// ```
///
/// One folder per crate: the build script passes the generated file and the folder
/// through the `ALEMBIC_EMBED_FILE` and `ALEMBIC_EMBED_DIR` variables.
#[macro_export]
macro_rules! embedded {
    () => {{
        // include_dir's macro names its own crate as `include_dir::…`; the import makes
        // that path resolve without the application depending on include_dir.
        #[allow(unused_imports)]
        use $crate::embed::__private as __alembic_embed;
        #[allow(unused_imports)]
        use $crate::embed::__private::include_dir;
        static __ALEMBIC_EMBEDDED_DIR: include_dir::Dir<'static> =
            include_dir::include_dir!("$ALEMBIC_EMBED_DIR");
        $crate::embed::Migrations::__new(
            &__ALEMBIC_EMBEDDED_DIR,
            include!(env!(
                "ALEMBIC_EMBED_FILE",
                "alembic::embedded!() needs `alembic_build::embed_or_report(\"migrations\")` in the crate's build.rs"
            )),
        )
    }};
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
