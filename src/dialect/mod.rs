//! Rendering ops to SQL per dialect (Alembic's `ddl` package).
//!
//! [`render`] turns one op into the statements that perform it on a dialect, given
//! the schema before it (the model tells what a table looks like, which SQLite's table
//! rebuild and PostgreSQL's enum types need). Statements carry no trailing semicolon;
//! the caller adds them. Rendering applies the op to a copy of the schema first, so an
//! op that does not fit is an error here too.
//!
//! SQLite cannot alter most things in place; those ops become a "move and copy"
//! rebuild of the table ([`rebuild`]). See [`sqlite`] and [`postgresql`] for what each
//! op becomes.

pub mod ddl;
pub mod literal;
pub mod postgresql;
pub mod quote;
pub mod rebuild;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod script;
pub mod sqlite;
pub mod sqltype;

use std::fmt;

use crate::ops::Op;
use crate::ops::apply::{ApplyError, ReplayError};
use crate::schema::model::Schema;

/// A database dialect the ops can be rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// SQLite (3.35 or later, for `DROP COLUMN`).
    Sqlite,
    /// PostgreSQL (12 or later).
    Postgresql,
    /// MySQL (8.0 or later) and MariaDB (10.5 or later). Only connecting and
    /// reflection know it yet; ops render as for PostgreSQL until its renderer lands.
    Mysql,
}

impl Dialect {
    /// Every dialect ops are rendered for. MySQL is not one yet (it has no renderer of
    /// its own in this branch); it joins with its renderer.
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgresql];

    /// The dialect's name: `"sqlite"`, `"postgresql"` or `"mysql"` (as in `execute` keys).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgresql => "postgresql",
            Dialect::Mysql => "mysql",
        }
    }

    /// The dialect called `name` (`"postgres"` is accepted for PostgreSQL, `"mariadb"`
    /// for MySQL).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgresql" | "postgres" => Some(Dialect::Postgresql),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            _ => None,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Choices that change how ops are rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The revision's `batch = "always"`: on SQLite, every op that changes an existing
    /// table (columns, constraints, indexes) is done by a table rebuild, as Alembic's
    /// `batch_alter_table(recreate="always")`. Ignored on PostgreSQL, which alters in
    /// place.
    pub batch_always: bool,
}

/// Why an op cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The op does not fit the schema before it.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The op fits the model but the dialect cannot do it.
    #[error("{op}: {message}")]
    Unsupported {
        /// Op name.
        op: &'static str,
        /// What cannot be done, and why.
        message: String,
    },
}

/// An op of a list that could not be rendered, with its position (0-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("op #{index}: {error}")]
pub struct RenderOpsError {
    /// Position of the op in the list.
    pub index: usize,
    /// What went wrong.
    #[source]
    pub error: RenderError,
}

impl From<ReplayError> for RenderOpsError {
    fn from(e: ReplayError) -> Self {
        RenderOpsError { index: e.index, error: RenderError::Apply(e.error) }
    }
}

/// What a renderer knows: the schema before and after the op, and the options.
pub(crate) struct Context<'a> {
    pub before: &'a Schema,
    pub after: &'a Schema,
    pub options: RenderOptions,
}

/// The SQL statements that perform `op` on `dialect`, given the schema before it,
/// with default options.
pub fn render(dialect: Dialect, op: &Op, before: &Schema) -> Result<Vec<String>, RenderError> {
    render_with(dialect, op, before, RenderOptions::default())
}

/// [`render`] with explicit options.
pub fn render_with(
    dialect: Dialect,
    op: &Op,
    before: &Schema,
    options: RenderOptions,
) -> Result<Vec<String>, RenderError> {
    let mut after = before.clone();
    op.apply(&mut after)?;
    render_between(dialect, op, before, &after, options)
}

/// [`render_with`] for a caller that holds the schema after the op too (`after` is
/// `before` with `op` applied). Nothing is copied here: a caller rendering a long
/// history keeps a before and an after schema in step (apply each op to both) instead
/// of copying the whole schema per op, which made rendering quadratic in the history.
pub fn render_between(
    dialect: Dialect,
    op: &Op,
    before: &Schema,
    after: &Schema,
    options: RenderOptions,
) -> Result<Vec<String>, RenderError> {
    let ctx = Context { before, after, options };
    match dialect {
        Dialect::Sqlite => sqlite::render(op, &ctx),
        // Until MySQL has its renderer (the dialect trait on main), PostgreSQL's.
        Dialect::Postgresql | Dialect::Mysql => postgresql::render(op, &ctx),
    }
}

/// Renders `ops` in order starting from `schema`, which ends as the schema after
/// them; gives the statements of each op.
pub fn render_ops<'a>(
    dialect: Dialect,
    ops: impl IntoIterator<Item = &'a Op>,
    schema: &mut Schema,
    options: RenderOptions,
) -> Result<Vec<Vec<String>>, RenderOpsError> {
    // `schema` runs one op ahead of `before`: one copy for the whole list, not one per op.
    let mut before = schema.clone();
    let mut out = Vec::new();
    for (index, op) in ops.into_iter().enumerate() {
        let rendered = match op.apply(schema) {
            Ok(()) => render_between(dialect, op, &before, schema, options),
            Err(e) => Err(RenderError::Apply(e)),
        };
        match rendered {
            Ok(statements) => out.push(statements),
            Err(error) => {
                // As before: the schema is left after the ops that rendered.
                *schema = before;
                return Err(RenderOpsError { index, error });
            }
        }
        op.apply(&mut before).map_err(|error| ReplayError { index, error })?;
    }
    Ok(out)
}

/// Whether `op` is done by a SQLite table rebuild. The runtime uses it to switch
/// `PRAGMA foreign_keys` off around the step (see [`rebuild`]). Always false on
/// PostgreSQL and for ops that do not fit `before`.
pub fn requires_rebuild(dialect: Dialect, op: &Op, before: &Schema, options: RenderOptions) -> bool {
    if dialect != Dialect::Sqlite {
        return false;
    }
    let mut after = before.clone();
    if op.apply(&mut after).is_err() {
        return false;
    }
    let ctx = Context { before, after: &after, options };
    sqlite::rebuild_plan(op, &ctx).is_some()
}
