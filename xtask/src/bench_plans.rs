//! The plans the benchmark times, through the library's public API: the steps and the
//! version-table rows after each step, as `upgrade`/`downgrade` compute them.

use alembic::runtime::steps::{VersionHeads, downgrade_plan, upgrade_plan};
use alembic::script::RevisionMap;
use alembic::script::revision::RevisionSpec;
use anyhow::{Result, bail};

/// Plans base→heads and walks the version rows through it; returns the step count.
pub fn upgrade_from_base(map: &RevisionMap) -> Result<usize> {
    let steps = upgrade_plan(map, &"heads".into(), &RevisionSpec::Ids(Vec::new()))?;
    let mut rows = VersionHeads::new(map, &[])?;
    for step in &steps {
        rows.apply(step)?;
    }
    if rows.heads().len() != map.heads().len() {
        bail!("upgrade ended at {} rows, not the {} heads", rows.heads().len(), map.heads().len());
    }
    Ok(steps.len())
}

/// Plans heads→base and walks the version rows through it; returns the step count.
pub fn downgrade_to_base(map: &RevisionMap) -> Result<usize> {
    let heads: Vec<String> = map.heads().iter().map(|h| h.to_string()).collect();
    let steps = downgrade_plan(map, &"base".into(), &RevisionSpec::Ids(heads.clone()))?;
    let mut rows = VersionHeads::new(map, &heads)?;
    for step in &steps {
        rows.apply(step)?;
    }
    if !rows.heads().is_empty() {
        bail!("downgrade to base left {} rows", rows.heads().len());
    }
    Ok(steps.len())
}
