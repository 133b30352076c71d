//! `cargo xtask msrv`: the workspace's `rust-version` is honest. Every package of the
//! locked dependency graph (all features, every target) declares a `rust-version` at
//! or below the workspace's, so a user on that toolchain can build what `--locked`
//! installs. This machine has one toolchain, so the check reads what each package
//! declares (`cargo metadata`) instead of building with an older compiler.

use anyhow::{Context, Result, bail};

/// A version as numbers: `1.85` < `1.85.1` < `1.89.0`.
fn numbers(version: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(version.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

pub fn run() -> Result<()> {
    let out = crate::cargo()
        .args(["metadata", "--format-version", "1", "--locked", "--all-features"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let packages = meta["packages"].as_array().context("no packages in cargo metadata")?;
    let members: Vec<&str> =
        meta["workspace_members"].as_array().into_iter().flatten().filter_map(|m| m.as_str()).collect();
    let declared = packages
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or("")))
        .filter_map(|p| p["rust_version"].as_str())
        .max_by_key(|v| numbers(v))
        .context("the workspace declares no rust-version")?
        .to_string();
    let mut too_new: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (numbers(needs) > numbers(&declared))
                .then(|| format!("{} {} needs Rust {needs}", p["name"].as_str().unwrap_or("?"), p["version"]))
        })
        .collect();
    too_new.sort();
    if !too_new.is_empty() {
        bail!(
            "rust-version = \"{declared}\" is not honest: {}; raise it in Cargo.toml or pin older versions",
            too_new.join(", ")
        );
    }
    let highest = packages
        .iter()
        .filter_map(|p| p["rust_version"].as_str())
        .max_by_key(|v| numbers(v))
        .unwrap_or("none");
    println!(
        "rust-version {declared}: every locked dependency builds with it (the highest any declares is {highest})"
    );
    Ok(())
}
