//! What a failed step leaves behind on a database without transactional DDL (MySQL,
//! MariaDB), where each DDL statement commits the open transaction at once.
//!
//! After the first DDL statement of a step the session is back in autocommit, so
//! every statement that ran before the failing one stays.
//!
//! Alembic leaves such a database half-migrated with nothing said. Here the step's
//! error says which of its statements stay (committed), which were rolled back or did
//! not run, and gives the SQL that undoes the ops that ran whole (their inverses,
//! rendered from the model of the tables the step touches). The version table is
//! written only after a step's statements, so it still names the revision before the
//! step: undoing what stays (or finishing the rest by hand and `stamp`ing) brings the
//! two back in agreement, after which the fixed revision runs again.
//!
//! The model of the step's tables is copied before the step runs, and only on such
//! databases: the tables its ops name and those their foreign keys reference, so the
//! copy costs what the step does, never the whole schema per step.

use std::fmt;

use super::migrate::Statement;
use crate::dialect::{Dialect, RenderOptions, render_ops};
use crate::ops::Op;
use crate::schema::model::Schema;

/// The statements of a failed step that stayed in the database, and how to undo them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialStep {
    /// Statements that ran and were committed (DDL commits at once).
    pub kept: Vec<String>,
    /// Statements that did not run, or ran and were rolled back, in order; the failing
    /// one first.
    pub not_kept: Vec<String>,
    /// The op whose statements stayed in part (index, name): no undo is written for
    /// it.
    pub partial_op: Option<(usize, &'static str)>,
    /// SQL undoing the ops that stayed whole, or why it could not be made.
    pub undo: Result<Vec<String>, String>,
}

impl fmt::Display for PartialStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} statement(s) of this step stay in the database: the database commits DDL at once, so they cannot be rolled back; the version table still names the revision before the step",
            self.kept.len()
        )?;
        for sql in &self.kept {
            writeln!(f, "  ran and stays: {}", one_line(sql))?;
        }
        for sql in &self.not_kept {
            writeln!(f, "  not applied:   {}", one_line(sql))?;
        }
        if let Some((index, name)) = self.partial_op {
            writeln!(f, "op #{} ({name}) ran in part: undo its statements above by hand", index + 1)?;
        }
        match &self.undo {
            Ok(undo) if undo.is_empty() => {}
            Ok(undo) => {
                writeln!(f, "to undo the ops that ran, run:")?;
                for sql in undo {
                    writeln!(f, "  {};", one_line(sql))?;
                }
            }
            Err(why) => writeln!(f, "no undo SQL: {why}")?,
        }
        write!(
            f,
            "then fix the revision and run the upgrade again (or finish the step by hand and `stamp` it)"
        )
    }
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tables `ops` name and those their foreign keys reference, copied from `schema`:
/// enough to replay the ops and compute their inverses.
pub(crate) fn step_tables(schema: &Schema, ops: &[Op]) -> Schema {
    let mut out = Schema::with_name_rules(schema.index_names, schema.constraint_names);
    let mut wanted: Vec<(Option<&str>, &str)> = Vec::new();
    for op in ops {
        wanted.extend(op.tables().into_iter().map(|t| (op.schema(), t)));
        match op {
            Op::CreateForeignKey(o) => wanted.push((o.schema.as_deref(), &o.ref_table)),
            Op::AddColumn(o) => {
                if let Some(fk) = &o.column.foreign_key {
                    wanted.push((o.schema.as_deref(), &fk.table));
                }
            }
            _ => {}
        }
    }
    let mut i = 0;
    while i < wanted.len() {
        let (s, name) = wanted[i];
        i += 1;
        if out.table(s, name).is_some() {
            continue;
        }
        if let Some(t) = schema.table(s, name) {
            for fk in &t.foreign_keys {
                let ref_schema = fk.ref_schema.as_deref().or(t.schema.as_deref());
                if let Some(r) = schema.table(ref_schema, &fk.ref_table) {
                    wanted.push((r.schema.as_deref(), &r.name));
                }
            }
            // Each table once: `out` has no table of that name yet.
            let _ = out.insert_table(t.clone());
        }
    }
    out
}

/// What stays of a step whose statement `failed` (an index into `statements`)
/// failed, given the step's ops and the model of its tables before it; `None` when
/// nothing stays.
pub(crate) fn partial_step(
    dialect: Dialect,
    before: Schema,
    ops: &[Op],
    statements: &[Statement<'_>],
    failed: usize,
    options: RenderOptions,
) -> Option<PartialStep> {
    // The first DDL statement commits the step's transaction, and the session is in
    // autocommit from there on: everything before the failing statement stays. Before
    // any DDL (raw SQL may hold some), the rollback undoes it all.
    let data = |s: &Statement<'_>| matches!(s.op.1, "bulk_insert" | "delete_rows");
    if statements[..failed].iter().all(data) {
        return None;
    }
    let kept_len = failed;
    let kept: Vec<String> = statements[..kept_len].iter().map(|s| s.sql.clone()).collect();
    let not_kept: Vec<String> = statements[kept_len..].iter().map(|s| s.sql.clone()).collect();
    let first_out = &statements[kept_len];
    let started = statements[..kept_len].iter().any(|s| s.op.0 == first_out.op.0);
    let partial_op = started.then_some(first_out.op);
    let undo = undo_sql(dialect, before, &ops[..first_out.op.0], options);
    Some(PartialStep { kept, not_kept, partial_op, undo })
}

/// The SQL of the inverses of `done`, last op first, rendered from the model after
/// them.
fn undo_sql(
    dialect: Dialect,
    mut schema: Schema,
    done: &[Op],
    options: RenderOptions,
) -> Result<Vec<String>, String> {
    let mut inverses = Vec::new();
    for op in done {
        let inverse = op.apply_with_inverse(&mut schema).map_err(|e| format!("op {}: {e}", op.name()))?;
        inverses.push(inverse);
    }
    let undo: Vec<Op> = inverses.into_iter().rev().flatten().collect();
    let rendered = render_ops(dialect, &undo, &mut schema, options).map_err(|e| e.to_string())?;
    Ok(rendered.into_iter().flatten().collect())
}
