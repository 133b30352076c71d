//! `alembic.toml`: reading, `${VAR}` expansion, locating the project.
