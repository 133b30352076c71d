//! The env program (placeholder until the env-program work lands).

use super::Project;
use crate::error::{Error, Result};
use crate::schema::Schema;

/// The schema declared by the env program.
pub(crate) fn load_target(_project: &Project) -> Result<Schema> {
    Err(Error::Command("target = \"env\" is not supported by this build; set `target` in [autogenerate] to a SQL schema file".into()))
}
