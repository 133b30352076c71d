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

/// Gives each unnamed constraint of `table` the name PostgreSQL gave it, before a
/// rename of the table or of a column would change what the rule says: the
/// database keeps the name it chose (see [`ConstraintNames`]).
///
/// [`ConstraintNames`]: crate::schema::model::ConstraintNames
pub(crate) fn pin_default_names(table: &mut Table) {
    let t = table.name.clone();
    let pin = |name: &mut Option<String>, kind, columns: &[String]| {
        name.get_or_insert_with(|| default_constraint_name(&t, kind, columns));
    };
    if let Some(pk) = table.primary_key.as_mut() {
        pin(&mut pk.name, ConstraintType::Primary, &pk.columns);
    }
    for u in table.uniques.iter_mut() {
        pin(&mut u.name, ConstraintType::Unique, &u.columns);
    }
    for f in table.foreign_keys.iter_mut() {
        pin(&mut f.name, ConstraintType::ForeignKey, &f.columns);
    }
    for c in table.checks.iter_mut() {
        pin(&mut c.name, ConstraintType::Check, &[]);
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
