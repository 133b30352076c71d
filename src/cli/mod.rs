//! The clap command tree shared by `cargo alembic` and by binaries that mount it.
