//! Rendering ops to SQL per dialect (Alembic's `ddl` package).
//!
//! [`render`] turns one op into the statements that perform it on a dialect, given
//! the schema before it (the model tells what a table looks like, which SQLite's table
//! rebuild and PostgreSQL's enum types need). Statements carry no trailing semicolon;
//! the caller adds them. Rendering applies the op to a copy of the schema first, so an
//! op that does not fit is an error here too.
//!
//! Each dialect lives in its own folder ([`sqlite`], [`postgresql`], [`mysql`]) behind one trait,
//! [`imp::DialectImpl`]; [`Dialect`] names a dialect and [`Dialect::imp`] is the one
//! place that maps the name to its implementation (the registration). Nothing else
//! matches on a dialect. SQLite cannot alter most things in place; those ops become a
//! "move and copy" rebuild of the table ([`sqlite::rebuild`]).

pub mod ddl;
pub mod drivers;
pub mod imp;
pub mod literal;
pub mod mysql;
pub mod name;
pub mod postgresql;
pub mod quote;
mod refusal;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod script;
pub mod sqlite;
pub mod sqltype;

pub use imp::DialectImpl;
pub use name::Dialect;

use crate::ops::Op;
use crate::ops::apply::{ApplyError, ReplayError};
use crate::schema::model::Schema;

impl Dialect {
    /// What the dialect knows: its implementation of the seam. This match and the
    /// names in [`name`] are the registration of the dialects; nothing else matches
    /// on a dialect.
    pub fn imp(self) -> &'static dyn DialectImpl {
        match self {
            Dialect::Sqlite => &sqlite::Sqlite,
            Dialect::Postgresql => &postgresql::Postgresql,
            Dialect::Mysql => &mysql::Mysql,
        }
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
pub struct Context<'a> {
    /// The schema before the op.
    pub before: &'a Schema,
    /// The schema after it (`before` with the op applied).
    pub after: &'a Schema,
    /// The revision's rendering options.
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
    let refusal = refusal::refusal(dialect, op);
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    if op.skips(before) {
        return Ok(ddl::skipped_guarded_sql(dialect, op, before));
    }
    let mut statements = dialect.imp().render(op, &Context { before, after, options })?;
    ddl::add_guard(op, &mut statements);
    Ok(statements)
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

/// Whether `op` is done by a table rebuild (SQLite's, see [`sqlite::rebuild`]); false
/// for ops that do not fit `before`.
pub fn requires_rebuild(dialect: Dialect, op: &Op, before: &Schema, options: RenderOptions) -> bool {
    let mut after = before.clone();
    if op.apply(&mut after).is_err() {
        return false;
    }
    dialect.imp().requires_rebuild(op, &Context { before, after: &after, options })
}
