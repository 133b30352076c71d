//! Autogenerate from the command line: `revision --autogenerate` and `check`, online
//! (against the database, reflected) or `--offline` (against the history replayed on
//! the schema model, no database).

use clap::Args;

use super::{Output, Project};
use crate::autogen::{CompareOptions, compare, downgrade_ops_from};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::ops::Op;
use crate::reflect::{ReflectOptions, load_schema_sql, reflect};
use crate::runtime::connection::block_on;
use crate::runtime::migrate::Migrator;
use crate::runtime::version_table::VersionTable;
use crate::schema::Schema;
use crate::script::ScriptDirectory;
use crate::url::DatabaseUrl;

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Compare with the history replayed in memory instead of the database.
    #[arg(long)]
    pub offline: bool,
}

/// The difference between the declared schema and the database (or the replayed
/// history): upgrade ops, and the schema they start from.
pub(crate) struct Diff {
    /// Ops that bring the current schema to the target.
    pub upgrade: Vec<Op>,
    /// The current schema.
    pub current: Schema,
    /// The schema compared with (declared, or reflected from a `schema.sql`).
    pub target: Schema,
    /// The dialect compared for.
    pub dialect: Dialect,
    /// The target was reflected from a database (a `schema.sql`), not declared.
    pub target_from_database: bool,
    /// The current schema was reflected from the database (online), not replayed.
    pub current_from_database: bool,
}

/// Compares the target schema with the database, or with the history when `offline`.
///
/// With `strict` (`check`), an unknown column type in the env program's schema is an
/// error.
pub(crate) fn diff(
    project: &Project,
    scripts: &ScriptDirectory,
    offline: bool,
    strict: bool,
) -> Result<Diff> {
    let config = &project.config;
    let url = super::migrate::database_url(project)?;
    let dialect = url.dialect();
    let reflect_opts = reflect_options(project, dialect);
    let migrator = migrator(project, scripts, dialect);
    let heads: Vec<String> = scripts.map().heads().into_iter().map(str::to_string).collect();
    let current = if offline {
        migrator.schema_at(&heads)?
    } else {
        let mut db = crate::runtime::connection::connect(&url)?;
        let rows = block_on(migrator.current(&mut db))?;
        if !same_set(&rows, &heads) {
            return Err(Error::Command("Target database is not up to date.".into()));
        }
        block_on(reflect(&mut db, &reflect_opts))
            .map_err(|e| Error::Command(format!("reflecting {url}: {e}")))?
    };
    let target = target_schema(project, &url, &reflect_opts, strict)?;
    let opts = compare_options(project, dialect);
    Ok(Diff {
        upgrade: compare(&target, &current, &opts),
        current,
        target,
        dialect,
        target_from_database: config.autogenerate.target != "env",
        current_from_database: !offline,
    })
}

/// `revision --from-database`: the ops that make the live database from nothing (every
/// table, index, constraint, sequence, view, function… it has), to adopt a database
/// that exists already: after the revision is written, `stamp head` records it as
/// applied, `check` is clean, and `downgrade base` + `upgrade head` make it again.
/// Refused when the database's version table has rows (it is under migration).
pub(crate) fn baseline_diff(project: &Project, scripts: &ScriptDirectory) -> Result<Diff> {
    let url = super::migrate::database_url(project)?;
    let dialect = url.dialect();
    let opts = reflect_options(project, dialect);
    let migrator = migrator(project, scripts, dialect);
    let mut db = crate::runtime::connection::connect(&url)?;
    let rows = block_on(migrator.current(&mut db))?;
    if !rows.is_empty() {
        return Err(Error::Command(format!(
            "the database is at {} already: --from-database writes the first revision of a database that no migration has touched (to record a change, use --autogenerate)",
            rows.join(", ")
        )));
    }
    let target =
        block_on(reflect(&mut db, &opts)).map_err(|e| Error::Command(format!("reflecting {url}: {e}")))?;
    let current = dialect.imp().empty_schema();
    let compare_opts = compare_options(project, dialect);
    Ok(Diff {
        upgrade: compare(&target, &current, &compare_opts),
        current,
        target,
        dialect,
        target_from_database: true,
        current_from_database: false,
    })
}

/// What reflection reads for the project on `dialect`: its version table and
/// `[autogenerate]` options.
fn reflect_options(project: &Project, dialect: Dialect) -> ReflectOptions {
    let config = &project.config;
    ReflectOptions {
        schema: config.version_table_schema.clone().filter(|_| dialect.imp().version_table_schema()),
        version_table: config.version_table.clone(),
        exclude_tables: config.autogenerate.exclude_tables.clone(),
        include_schemas: config.autogenerate.include_schemas,
    }
}

/// `revision --autogenerate --verify`: the revision's upgrade and downgrade tried on
/// the database in a transaction that is rolled back ([`crate::autogen::verify`]),
/// before its file is written. A change written as several revisions is refused: one
/// trial transaction would hold the locks that made it several.
pub(crate) fn verify(project: &Project, diff: &Diff, parts: &[(Vec<Op>, Vec<Op>)]) -> Result<()> {
    let fail = |why: String| Error::Command(format!("--verify: {why}; no revision was written"));
    let url = verifiable_url(project)?;
    let [(upgrade, downgrade)] = parts else {
        return Err(fail(format!(
            "the change is written as {} revisions, too large to try in one transaction (leave out --verify, and try them on a copy of the database)",
            parts.len()
        )));
    };
    let mut db = crate::runtime::connection::connect(&url)?;
    let compare_opts = compare_options(project, diff.dialect);
    let reflect_opts = reflect_options(project, diff.dialect);
    block_on(crate::autogen::verify(
        &mut db,
        &diff.current,
        &diff.target,
        upgrade,
        downgrade,
        &compare_opts,
        &reflect_opts,
    ))
    .map_err(|e| match e {
        crate::autogen::VerifyError::Statement { direction, index, op, source } => {
            fail(format!("the {direction} failed at op #{} ({}): {source}", index + 1, describe(&op)))
        }
        crate::autogen::VerifyError::Differs { direction, remaining } => fail(format!(
            "after the {direction} the database still differs: it would need {}",
            remaining.iter().map(describe).collect::<Vec<_>>().join(", ")
        )),
        other => fail(other.to_string()),
    })
}

/// The database `--verify` tries a revision on, refused (before anything runs) when
/// its DDL does not roll back.
pub(crate) fn verifiable_url(project: &Project) -> Result<DatabaseUrl> {
    let url = super::migrate::database_url(project)?;
    if !url.dialect().imp().transactional_ddl() {
        return Err(Error::Command(format!(
            "--verify: {} commits each DDL statement, so the trial could not be rolled back; no revision was written (leave out --verify, and try the revision on a copy of the database)",
            url.dialect().name()
        )));
    }
    Ok(url)
}

/// The migrator of the project's version table, for `dialect`.
fn migrator<'s>(project: &Project, scripts: &'s ScriptDirectory, dialect: Dialect) -> Migrator<'s> {
    let config = &project.config;
    let version_table =
        VersionTable::new(dialect, config.version_table.clone(), config.version_table_schema.clone());
    Migrator::new(scripts, version_table, config.transaction_per_migration)
}

/// The `[autogenerate]` comparison settings, for `dialect`.
fn compare_options(project: &Project, dialect: Dialect) -> CompareOptions {
    let config = &project.config;
    CompareOptions {
        dialect,
        compare_type: config.autogenerate.compare_type,
        compare_server_default: config.autogenerate.compare_server_default,
        exclude_tables: config.autogenerate.exclude_tables.clone(),
        version_table: config.version_table.clone(),
    }
}

/// The declared schema: the env program's, or a SQL file's loaded into a scratch
/// database of the project's dialect.
/// Bumped when reflection starts reading something it did not (index methods, key
/// options, collations, SQLite table options and generated columns: 2), so that a
/// cached target schema from an earlier build is not reused.
const MODEL_REVISION: u32 = 2;

fn target_schema(
    project: &Project,
    url: &DatabaseUrl,
    opts: &ReflectOptions,
    strict: bool,
) -> Result<Schema> {
    let target = &project.config.autogenerate.target;
    if target == "env" {
        return super::env_program::load_target_checked(project, strict);
    }
    let path = project.config.root.join(target);
    let sql = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    // Loading a big schema file into a scratch database costs the server seconds of
    // DDL; the reflected result only depends on the file, the dialect and the options,
    // so it is kept under target/ and reused while they do not change.
    // The tool's version is part of the key: a newer one may reflect differently; and
    // so is the model's own revision, for builds of one version that reflect more.
    let key = format!(
        "{}\n{MODEL_REVISION}\n{}\n{:?}\n{}\n{}\n{sql}",
        env!("CARGO_PKG_VERSION"),
        url.dialect(),
        opts.exclude_tables,
        opts.include_schemas,
        opts.version_table
    );
    let cache =
        project.config.root.join("target/alembic").join(format!("target-schema-{:016x}.json", fnv1a(&key)));
    if let Some(schema) =
        std::fs::read(&cache).ok().and_then(|bytes| serde_json::from_slice::<Schema>(&bytes).ok())
    {
        return Ok(schema);
    }
    let schema = load_schema_sql(url, &sql, opts).map_err(|e| Error::File {
        path: path.clone(),
        line: None,
        message: format!("loading the target schema: {e}"),
    })?;
    // A cache that cannot be written is only slower next time.
    if let (Some(dir), Ok(json)) = (cache.parent(), serde_json::to_vec(&schema)) {
        let _ = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&cache, json));
    }
    Ok(schema)
}

/// FNV-1a: a stable hash for cache file names (std's hasher may change between
/// releases).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Compares the database (`current`, at the heads) with the history replayed to the
/// heads. Only tables the history knows are compared: tables made by `execute` or by
/// hand are unknown to the replay, so their presence is no drift.
fn drift(project: &Project, scripts: &ScriptDirectory, current: &Schema) -> Result<()> {
    let dialect = super::migrate::database_url(project)?.dialect();
    let migrator = migrator(project, scripts, dialect);
    let heads: Vec<String> = scripts.map().heads().into_iter().map(str::to_string).collect();
    let replayed = migrator.known_schema_at(&heads)?;
    let opts = compare_options(project, dialect);
    // What would turn the database into the replayed history.
    let known = |op: &Op| op.tables().iter().any(|t| replayed.tables.iter().any(|r| r.name == *t));
    let drift: Vec<Op> = compare(&replayed, current, &opts).into_iter().filter(known).collect();
    if drift.is_empty() {
        return Ok(());
    }
    // The revision that changed each table last, in upgrade order.
    let order = crate::runtime::steps::upgrade_plan(
        scripts.map(),
        &crate::script::revision::RevisionSpec::Ids(heads.clone()),
        &crate::script::revision::RevisionSpec::Ids(Vec::new()),
    )?;
    let mut lines = Vec::new();
    for op in &drift {
        let tables = op.tables();
        let last = order.iter().rev().filter_map(|step| step.revision()).find_map(|id| {
            let script = scripts.script(id)?;
            script.upgrade.iter().any(|o| o.tables().iter().any(|t| tables.contains(t))).then_some(script)
        });
        let cause = match last {
            Some(s) => format!(
                "; revision {} ({}) changed it last: was it edited after it was applied?",
                s.revision,
                s.path.display()
            ),
            None => String::new(),
        };
        lines.push(format!("  {}{cause}", describe(op)));
    }
    Err(Error::Command(format!(
        "the database differs from its history at {}: it needs these operations to match what its revisions say\n{}\n(if the database was changed by hand, `cargo alembic revision --autogenerate` records the change; if a revision was edited, restore it or downgrade and upgrade again)",
        heads.join(", "),
        lines.join("\n")
    )))
}

/// The revisions to write for `diff`: one (upgrade, downgrade) pair, or several when
/// the upgrade would hold more locks than one transaction has room for
/// ([`crate::autogen::split_for_locks`]), each downgrade undoing its own part.
pub(crate) fn parts_for(diff: &Diff) -> Result<Vec<(Vec<Op>, Vec<Op>)>> {
    let mut schema = diff.current.clone();
    let mut parts = Vec::new();
    for part in crate::autogen::split_for_locks(diff.dialect, &diff.upgrade) {
        let downgrade = downgrade_ops_from(part, &mut schema)
            .map_err(|e| Error::Command(format!("computing the downgrade: {e}")))?;
        parts.push((part.to_vec(), downgrade));
    }
    Ok(parts)
}

/// One line per op, as Alembic's "Detected …" log lines.
pub(crate) fn describe(op: &Op) -> String {
    match op {
        Op::CreateObject(o) => return format!("create_object {} {}", o.kind.name(), o.name),
        Op::DropObject(o) => return format!("drop_object {} {}", o.kind.name(), o.name),
        _ => {}
    }
    let value = toml::Value::try_from(op).ok();
    let get = |key: &str| value.as_ref().and_then(|v| v.get(key)).cloned();
    let text = |v: Option<toml::Value>| -> Option<String> {
        match v? {
            toml::Value::String(s) => Some(s),
            toml::Value::Table(t) => t.get("name").and_then(|n| n.as_str()).map(str::to_string),
            _ => None,
        }
    };
    let table = text(get("table"));
    let table = match (text(get("schema")), table) {
        (Some(schema), Some(table)) => Some(format!("{schema}.{table}")),
        (_, table) => table,
    };
    let mut line = op.name().to_string();
    match (text(get("column")), text(get("name")), table) {
        (Some(column), _, Some(table)) => line.push_str(&format!(" {table}.{column}")),
        (None, Some(name), Some(table)) => line.push_str(&format!(" {name} on {table}")),
        (None, None, Some(table)) => line.push_str(&format!(" {table}")),
        (_, Some(name), None) => line.push_str(&format!(" {name}")),
        _ => {}
    }
    line
}

/// `check`: exit 1 listing the ops autogenerate would write, else say there are none.
/// Online, the database is first compared with its own history replayed to its
/// revision: a difference there (drift) is an error of its own, naming the revision
/// that last changed each table concerned (edited after it was applied, or the database
/// changed by hand). Strict: an unknown column type in a revision file or the env
/// program's schema is an error, since it says nothing certain about the database.
pub fn check(project: &Project, args: CheckArgs, out: &mut Output) -> Result<()> {
    let scripts = project.scripts_checked(true)?;
    let diff = diff(project, &scripts, args.offline, true)?;
    if !args.offline {
        drift(project, &scripts, &diff.current)?;
    }
    if diff.upgrade.is_empty() {
        return out.line("No new upgrade operations detected.");
    }
    let listed: Vec<String> = diff.upgrade.iter().map(|op| format!("  {}", describe(op))).collect();
    Err(Error::Command(format!("New upgrade operations detected:\n{}", listed.join("\n"))))
}
