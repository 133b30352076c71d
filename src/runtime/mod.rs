//! Running migrations: steps planned from the graph, the version table, connections,
//! transactions and locking, online and offline.

pub mod connection;
mod foreign_keys;
pub mod interrupt;
pub mod migrate;
pub mod partial;
pub mod steps;
pub mod version_table;
