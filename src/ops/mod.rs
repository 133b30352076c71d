//! Operations: the dialect-neutral steps a revision performs (Alembic's `op.*`).
//!
//! STUB: the op set of DESIGN.md is being written.

use serde::{Deserialize, Serialize};

/// One operation of a revision's `upgrade` or `downgrade` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Raw SQL.
    Execute {
        /// The statement(s).
        sql: String,
    },
}
