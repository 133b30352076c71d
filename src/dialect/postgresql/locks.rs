//! How many entries of PostgreSQL's lock table an op holds until its transaction ends.
//!
//! The lock table is shared memory of fixed size for the whole server:
//! `max_locks_per_transaction × (max_connections + max_prepared_transactions)`, 6,400
//! by default, and a transaction keeps every lock it took until it ends. Creating a
//! table locks the table, its TOAST table and that one's index, every index and key it
//! makes and the sequence of a serial or identity column: six entries for a table with
//! a serial key and one index, so one transaction creating 1,600 such tables runs out
//! ("out of shared memory", measured at 9,500 relations locked on a default server).

use crate::ops::Op;

/// What one revision may take: well under what a default server was measured to hold,
/// so that other sessions' locks still fit.
pub(super) const LOCK_BUDGET: usize = 4_000;

/// The table, its TOAST table and the TOAST table's index.
const TABLE: usize = 3;

/// An upper estimate of the relations `op` locks.
pub(super) fn locks_held(op: &Op) -> usize {
    match op {
        Op::CreateTable(t) => {
            let per_column: usize = t
                .columns
                .iter()
                .map(|c| {
                    // A key or identity column may own a sequence, and a key its index;
                    // a referenced table is locked too.
                    usize::from(c.primary_key || c.identity.is_some())
                        + usize::from(c.unique)
                        + usize::from(c.index)
                        + usize::from(c.foreign_key.is_some())
                })
                .sum();
            TABLE + 1 + per_column + t.unique.len() + t.indexes.len() + t.foreign_keys.len()
        }
        // Both tables of the key.
        Op::CreateForeignKey(_) => 2,
        Op::CreateIndex(_) | Op::CreateUniqueConstraint(_) | Op::CreatePrimaryKey(_) => 2,
        Op::AddColumn(_) | Op::AlterColumn(_) | Op::DropTable(_) | Op::RenameTable(_) => TABLE + 1,
        // A view or function may name several tables.
        Op::CreateObject(_) | Op::DropObject(_) => 4,
        _ => 2,
    }
}
