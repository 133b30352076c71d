//! The plans the benchmark times, through the library's public API.

use alembic::script::RevisionMap;
use anyhow::Result;

/// Steps of the upgrade plan from an empty database to all heads.
pub fn upgrade_from_base(map: &RevisionMap) -> Result<usize> {
    Ok(map.walk(&"base".into(), &"heads".into())?.len())
}

/// Steps of the downgrade plan from all heads to an empty database.
pub fn downgrade_to_base(map: &RevisionMap) -> Result<usize> {
    Ok(map.walk(&"base".into(), &"heads".into())?.len())
}
