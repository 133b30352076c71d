//! Constraint names: PostgreSQL's default names for unnamed constraints, so that
//! `drop_constraint` can name them, and the file spelling of constraint kinds.

use crate::ops::ConstraintType;
use crate::schema::model::Table;

/// The name PostgreSQL gives an unnamed constraint of `kind` over `columns`, so that
/// `drop_constraint` can name constraints created without a name.
pub(crate) fn default_constraint_name(table: &str, kind: ConstraintType, columns: &[String]) -> String {
    let cols = columns.join("_");
    match kind {
        ConstraintType::Primary => format!("{table}_pkey"),
        ConstraintType::Unique => format!("{table}_{cols}_key"),
        ConstraintType::ForeignKey => format!("{table}_{cols}_fkey"),
        ConstraintType::Check => format!("{table}_check"),
    }
}

/// Which constraint of `table` `drop_constraint` named `name` of `kind` means: an
/// exact name match, or an unnamed one whose PostgreSQL default name is `name`.
pub(crate) fn matches_constraint(
    table: &Table,
    kind: ConstraintType,
    name: &str,
    own_name: Option<&str>,
    columns: &[String],
) -> bool {
    match own_name {
        Some(n) => n == name,
        None => default_constraint_name(&table.name, kind, columns) == name,
    }
}

/// The file spelling of a constraint kind.
pub(crate) fn kind_name(kind: ConstraintType) -> &'static str {
    match kind {
        ConstraintType::Unique => "unique",
        ConstraintType::ForeignKey => "foreignkey",
        ConstraintType::Check => "check",
        ConstraintType::Primary => "primary",
    }
}
