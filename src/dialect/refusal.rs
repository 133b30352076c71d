//! What a dialect cannot do, refused before any SQL is written: an op using an
//! option the dialect says it lacks (see the `DialectImpl` hooks `index_options`,
//! `foreign_key_options`, `partitioned_tables`, `index_if_exists`) gets a
//! [`RenderError::Unsupported`] naming the option, instead of SQL that silently
//! does less (a plain btree for a GIN index, an immediate key for a deferred one).

use super::{Dialect, RenderError};
use crate::ops::Op;
use crate::schema::model::{ForeignKey, Index, UniqueConstraint};

/// The refusal of `op` on `dialect`, if it uses what the dialect lacks.
pub(crate) fn refusal(dialect: Dialect, op: &Op) -> Option<RenderError> {
    match op {
        Op::CreateIndex(o) if o.if_not_exists && !dialect.imp().index_if_exists() => {
            Some(RenderError::Unsupported {
                op: op.name(),
                message: format!(
                    "{dialect} has no CREATE INDEX IF NOT EXISTS; remove if_not_exists from {}",
                    o.name
                ),
            })
        }
        Op::DropIndex(o) if o.if_exists && !dialect.imp().index_if_exists() => {
            Some(RenderError::Unsupported {
                op: op.name(),
                message: format!("{dialect} has no DROP INDEX IF EXISTS; remove if_exists from {}", o.name),
            })
        }
        Op::CreateIndex(o) => unsupported_index_options(dialect, &o.to_index()),
        Op::CreateForeignKey(o) => unsupported_foreign_key_options(dialect, op.name(), &o.table, &o.to_key()),
        Op::CreateUniqueConstraint(o) => {
            unsupported_unique_options(dialect, op.name(), &o.table, &o.to_constraint())
        }
        Op::CreateTable(o) if o.partition_by.is_some() && !dialect.imp().partitioned_tables() => {
            Some(RenderError::Unsupported {
                op: op.name(),
                message: format!(
                    "table {} is partitioned (partition_by), which {dialect} does not do here; remove partition_by",
                    o.table
                ),
            })
        }
        Op::CreateTable(o) => o
            .foreign_keys
            .iter()
            .find_map(|fk| unsupported_foreign_key_options(dialect, op.name(), &o.table, &fk.to_key()))
            .or_else(|| {
                o.unique.iter().find_map(|u| {
                    unsupported_unique_options(dialect, op.name(), &o.table, &u.to_constraint())
                })
            }),
        _ => None,
    }
}

/// The refusal of a foreign key that uses options `dialect` lacks (`deferrable`,
/// `initially_deferred`, `match_full`, `not_valid`), naming them; `None` when the
/// dialect has them or the key uses none.
pub(crate) fn unsupported_foreign_key_options(
    dialect: Dialect,
    op: &'static str,
    table: &str,
    fk: &ForeignKey,
) -> Option<RenderError> {
    if dialect.imp().foreign_key_options() || !fk.options.any() {
        return None;
    }
    Some(RenderError::Unsupported {
        op,
        message: format!(
            "the foreign key {} of {table} uses {}, which {dialect} does not have; remove it from the op",
            fk.name.as_deref().unwrap_or("(unnamed)"),
            fk.options.names().join(", "),
        ),
    })
}

/// The refusal of a unique constraint with `NULLS NOT DISTINCT` on a dialect whose
/// indexes lack it (see [`unsupported_index_options`]).
pub(crate) fn unsupported_unique_options(
    dialect: Dialect,
    op: &'static str,
    table: &str,
    unique: &UniqueConstraint,
) -> Option<RenderError> {
    if dialect.imp().index_options() || !unique.nulls_not_distinct {
        return None;
    }
    Some(RenderError::Unsupported {
        op,
        message: format!(
            "the unique constraint {} of {table} uses nulls_not_distinct, which {dialect} does not have; remove it from the op",
            unique.name.as_deref().unwrap_or("(unnamed)"),
        ),
    })
}

/// The refusal of an index that uses options `dialect` lacks (a method, `INCLUDE`,
/// `NULLS NOT DISTINCT`), naming them; `None` when the dialect has them or the index
/// uses none.
pub(crate) fn unsupported_index_options(dialect: Dialect, index: &Index) -> Option<RenderError> {
    if dialect.imp().index_options() || !index.has_postgresql_options() {
        return None;
    }
    let mut used = Vec::new();
    if let Some(method) = &index.using {
        used.push(format!("using = \"{method}\""));
    }
    if !index.include.is_empty() {
        used.push("include".to_string());
    }
    if index.nulls_not_distinct {
        used.push("nulls_not_distinct".to_string());
    }
    Some(RenderError::Unsupported {
        op: "create_index",
        message: format!(
            "index {} uses {}, which {} does not have; remove it from the op or write the index with `execute`",
            index.name,
            used.join(", "),
            dialect
        ),
    })
}
