//! Migration steps (Alembic's `runtime/migration.py` `MigrationStep` and
//! `HeadMaintainer`): the upgrade, downgrade and stamp plans and the version-table rows
//! after each step. Pure: no database here.
//!
//! STUB: being written.
