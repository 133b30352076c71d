//! The errors of applying and inverting ops.

/// Why an op does not fit the schema it is applied to (or cannot be inverted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The op names a table the schema does not have.
    #[error("{op}: no table {table}")]
    NoTable {
        /// Op name.
        op: &'static str,
        /// The table, schema-qualified when not in the default schema.
        table: String,
    },
    /// `create_table` / `rename_table` to a name already taken.
    #[error("{op}: table {table} already exists")]
    TableExists {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
    },
    /// The op names a column the table does not have.
    #[error("{op}: table {table} has no column {column}")]
    NoColumn {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
        /// The missing column.
        column: String,
    },
    /// A column name already taken.
    #[error("{op}: table {table} already has a column {column}")]
    ColumnExists {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The op names an object (view, trigger, function…) the schema does not have.
    #[error("{op}: no {kind} {name}")]
    NoObject {
        /// Op name.
        op: &'static str,
        /// The object's kind.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// The op names an index that does not exist.
    #[error("{op}: no index {index}")]
    NoIndex {
        /// Op name.
        op: &'static str,
        /// The index (schema-qualified when not in the default schema).
        index: String,
    },
    /// An index name already taken in the schema.
    #[error("{op}: index {index} already exists")]
    IndexExists {
        /// Op name.
        op: &'static str,
        /// The index.
        index: String,
    },
    /// `drop_constraint` of a constraint the table does not have.
    #[error("{op}: table {table} has no {kind} constraint {name}")]
    NoConstraint {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
        /// `unique`, `foreignkey`, `check` or `primary`.
        kind: &'static str,
        /// The constraint's name.
        name: String,
    },
    /// A constraint name already used on the table.
    #[error("{op}: table {table} already has a constraint named {name}")]
    ConstraintExists {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
        /// The name.
        name: String,
    },
    /// A second primary key.
    #[error("{op}: table {table} already has a primary key")]
    PrimaryKeyExists {
        /// Op name.
        op: &'static str,
        /// The table.
        table: String,
    },
    /// Dropping a table or column that a foreign key still references.
    #[error("{op}: {target} is referenced by foreign key {constraint} of table {by}")]
    Referenced {
        /// Op name.
        op: &'static str,
        /// The table or `table.column` being dropped.
        target: String,
        /// The foreign key's name (`(unnamed)` when it has none).
        constraint: String,
        /// The referencing table.
        by: String,
    },
    /// The op is malformed (what [`Op::validate`](crate::ops::Op::validate) reports).
    #[error("{op}: {message}")]
    Invalid {
        /// Op name.
        op: &'static str,
        /// What is wrong.
        message: String,
    },
    /// [`Op::inverse`](crate::ops::Op::inverse) of an op that cannot be undone.
    #[error("{op} has no inverse: {reason}")]
    NoInverse {
        /// Op name.
        op: &'static str,
        /// Why.
        reason: String,
    },
}

impl ApplyError {
    /// Whether the op names a table, column, index or constraint the schema lacks
    /// (rather than contradicting what it has).
    pub fn is_unknown_object(&self) -> bool {
        matches!(
            self,
            ApplyError::NoTable { .. }
                | ApplyError::NoColumn { .. }
                | ApplyError::NoIndex { .. }
                | ApplyError::NoConstraint { .. }
                | ApplyError::NoObject { .. }
        )
    }
}

/// An op of a list that failed, with its position (0-based) in the list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("op #{index}: {error}")]
pub struct ReplayError {
    /// Position of the op in the list.
    pub index: usize,
    /// What went wrong.
    #[source]
    pub error: ApplyError,
}
