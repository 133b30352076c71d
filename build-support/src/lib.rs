//! `alembic-build`: the build-script helper that validates a migrations folder and
//! embeds it into the application binary.
