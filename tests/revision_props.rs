//! Properties of the revision graph over random histories (branches, merges,
//! `depends_on`, labels, shuffled load order), plus the large-history checks: 100,000
//! revisions as a line and as a branchy history.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use alembic::runtime::steps::{MigrationStep, VersionHeads, downgrade_plan, stamp_plan, upgrade_plan};
use alembic::script::revision::{Revision, RevisionMap, RevisionSpec, parse_range, parse_relative};
use proptest::prelude::*;

/// A random history: revision `i` may have parents and dependencies among `0..i`.
fn history() -> impl Strategy<Value = Vec<Revision>> {
    (1usize..30)
        .prop_flat_map(|n| {
            let per_rev = (0..n)
                .map(|i| {
                    let pick = proptest::collection::vec(0..i.max(1), 0..3);
                    (pick.clone(), pick, any::<bool>(), any::<bool>())
                })
                .collect::<Vec<_>>();
            (Just(n), per_rev)
        })
        .prop_map(|(_, per_rev)| {
            per_rev
                .into_iter()
                .enumerate()
                .map(|(i, (parents, deps, base, label))| {
                    let mut down: Vec<String> = Vec::new();
                    if i > 0 && !base {
                        for p in parents {
                            let id = format!("r{p:02}");
                            if !down.contains(&id) {
                                down.push(id);
                            }
                        }
                    }
                    let mut depends_on = Vec::new();
                    if i > 0 {
                        for d in deps {
                            let id = format!("r{d:02}");
                            if !depends_on.contains(&id) && !down.contains(&id) {
                                depends_on.push(id);
                            }
                        }
                    }
                    Revision {
                        revision: format!("r{i:02}"),
                        down_revision: down,
                        branch_labels: if label { vec![format!("l{i:02}")] } else { vec![] },
                        depends_on,
                    }
                })
                .collect()
        })
        .prop_shuffle()
}

fn ids(steps: &[MigrationStep]) -> Vec<String> {
    steps.iter().filter_map(|s| s.revision().map(str::to_string)).collect()
}

fn sorted(v: Vec<&str>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().map(str::to_string).collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn upgrade_and_downgrade_cover_history(revs in history()) {
        let map = RevisionMap::new(revs.clone()).expect("random DAGs are valid");
        let edges: HashMap<&str, Vec<&str>> = revs
            .iter()
            .map(|r| (r.revision.as_str(), r.down_revision.iter().chain(&r.depends_on).map(String::as_str).collect()))
            .collect();

        // Upgrade from base to heads: everything once, parents and dependencies first.
        let up = upgrade_plan(&map, &RevisionSpec::from("heads"), &RevisionSpec::base()).unwrap();
        let order = ids(&up);
        let pos: HashMap<&str, usize> = order.iter().enumerate().map(|(i, r)| (r.as_str(), i)).collect();
        prop_assert_eq!(order.len(), revs.len());
        prop_assert_eq!(pos.len(), revs.len());
        for (rev, below) in &edges {
            for b in below {
                prop_assert!(pos[b] < pos[rev], "{} applied before {}", rev, b);
            }
        }
        let mut heads = VersionHeads::new(&map, &[]).unwrap();
        for step in &up {
            heads.apply(step).unwrap();
        }
        prop_assert_eq!(sorted(heads.heads()), sorted(map.real_heads()));

        // Downgrade from the heads to base: everything once, in the reverse constraint.
        let current: Vec<String> = map.real_heads().into_iter().map(str::to_string).collect();
        let down = downgrade_plan(&map, &RevisionSpec::from("base"), &RevisionSpec::Ids(current.clone())).unwrap();
        let order = ids(&down);
        let pos: HashMap<&str, usize> = order.iter().enumerate().map(|(i, r)| (r.as_str(), i)).collect();
        prop_assert_eq!(order.len(), revs.len());
        prop_assert_eq!(pos.len(), revs.len());
        for (rev, below) in &edges {
            for b in below {
                prop_assert!(pos[rev] < pos[b], "{} undone after {}", rev, b);
            }
        }
        let mut heads = VersionHeads::new(&map, &current).unwrap();
        for step in &down {
            heads.apply(step).unwrap();
        }
        prop_assert!(heads.heads().is_empty());

        // Stamping the heads from nothing, then base, round-trips.
        let mut heads = VersionHeads::new(&map, &[]).unwrap();
        for step in stamp_plan(&map, &RevisionSpec::from("heads"), &[], false).unwrap() {
            heads.apply(&step).unwrap();
        }
        let stamped: BTreeSet<String> = heads.heads().into_iter().map(str::to_string).collect();
        let real: BTreeSet<String> = map.real_heads().into_iter().map(str::to_string).collect();
        prop_assert!(stamped.is_subset(&map.heads().into_iter().map(str::to_string).collect()) || stamped == real);
    }

    #[test]
    fn upgrade_from_any_revision_reaches_heads(revs in history(), pick in any::<prop::sample::Index>()) {
        let map = RevisionMap::new(revs.clone()).expect("valid");
        let start = &revs[pick.index(revs.len())].revision;
        // The state after upgrading to `start`, then on to the heads.
        let first = upgrade_plan(&map, &RevisionSpec::from(start.as_str()), &RevisionSpec::base()).unwrap();
        let mut heads = VersionHeads::new(&map, &[]).unwrap();
        for step in &first {
            heads.apply(step).unwrap();
        }
        let current: Vec<String> = heads.heads().into_iter().map(str::to_string).collect();
        let rest = upgrade_plan(&map, &RevisionSpec::from("heads"), &RevisionSpec::Ids(current.clone())).unwrap();
        let done: BTreeSet<String> = ids(&first).into_iter().chain(ids(&rest)).collect();
        prop_assert_eq!(done.len(), ids(&first).len() + ids(&rest).len(), "a revision ran twice");
        prop_assert_eq!(done.len(), revs.len());
        for step in &rest {
            heads.apply(step).unwrap();
        }
        prop_assert_eq!(sorted(heads.heads()), sorted(map.real_heads()));
    }

    #[test]
    fn no_identifier_panics(revs in history(), idents in proptest::collection::vec(ident(), 1..4)) {
        let map = RevisionMap::new(revs).expect("valid");
        let current: Vec<String> = map.heads().into_iter().map(str::to_string).collect();
        for id in &idents {
            let _ = map.get_revision(id);
            let _ = map.get_revisions(id);
            let _ = map.resolve_relative(id);
            let _ = parse_relative(id);
            let _ = parse_range(id);
            let spec = RevisionSpec::from(id.as_str());
            let _ = upgrade_plan(&map, &spec, &RevisionSpec::Ids(current.clone()));
            let _ = upgrade_plan(&map, &spec, &RevisionSpec::base());
            let _ = downgrade_plan(&map, &spec, &RevisionSpec::Ids(current.clone()));
            let _ = downgrade_plan(&map, &spec, &RevisionSpec::base());
            let _ = stamp_plan(&map, &spec, &current, false);
            let _ = map.walk(&spec, &RevisionSpec::from("heads"));
            let _ = map.walk(&RevisionSpec::from("base"), &spec);
            let _ = map.filter_for_lineage(&map.heads(), id, true);
            if let Ok((a, b)) = parse_range(id) {
                let _ = map.walk(&RevisionSpec::from(a), &RevisionSpec::from(b));
                let _ = upgrade_plan(&map, &RevisionSpec::from(b), &RevisionSpec::from(a));
                let _ = downgrade_plan(&map, &RevisionSpec::from(b), &RevisionSpec::from(a));
            }
        }
    }

    #[test]
    fn no_revision_list_panics(revs in proptest::collection::vec(raw_revision(), 0..8)) {
        let _ = RevisionMap::new(revs);
    }
}

/// Identifier-like strings: fragments that mean something to the parser mixed with
/// arbitrary text.
fn ident() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("@".to_string()),
        Just("+".to_string()),
        Just("-".to_string()),
        Just(":".to_string()),
        Just("head".to_string()),
        Just("heads".to_string()),
        Just("base".to_string()),
        Just("current".to_string()),
        (0usize..30).prop_map(|i| format!("r{i:02}")),
        (0usize..30).prop_map(|i| format!("l{i:02}")),
        (0u64..1_000_000_000_000_000_000).prop_map(|n| n.to_string()),
        Just("99999999999999999999999".to_string()),
        "\\PC{0,4}",
        "[0-9]{1,3}",
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn raw_revision() -> impl Strategy<Value = Revision> {
    let name = prop_oneof!["[a-c]{1,2}", "\\PC{0,3}"];
    (
        name.clone(),
        proptest::collection::vec(name.clone(), 0..3),
        proptest::collection::vec(name.clone(), 0..2),
        proptest::collection::vec(name, 0..2),
    )
        .prop_map(|(revision, down_revision, branch_labels, depends_on)| Revision {
            revision,
            down_revision,
            branch_labels,
            depends_on,
        })
}

fn id(i: usize) -> String {
    format!("{i:012x}")
}

fn chain(n: usize) -> Vec<Revision> {
    (0..n)
        .map(|i| Revision {
            revision: id(i),
            down_revision: if i == 0 { vec![] } else { vec![id(i - 1)] },
            ..Revision::default()
        })
        .collect()
}

/// Diamonds of four parallel branches of five revisions, merged, repeated; every
/// tenth diamond also depends on the one before, and a few labels.
fn branchy(n: usize) -> Vec<Revision> {
    let mut revs: Vec<Revision> = vec![Revision { revision: id(0), ..Revision::default() }];
    let mut tip = id(0);
    let mut prev_tip: Option<String> = None;
    let mut round = 0;
    while revs.len() + 21 <= n {
        let mut ends = Vec::new();
        for b in 0..4 {
            let mut parent = tip.clone();
            for _ in 0..5 {
                let rid = id(revs.len());
                let mut rev =
                    Revision { revision: rid.clone(), down_revision: vec![parent], ..Revision::default() };
                if round % 50 == 0 && b == 0 && parent_is(&rev, &tip) {
                    rev.branch_labels = vec![format!("label{round}")];
                }
                revs.push(rev);
                parent = rid;
            }
            ends.push(parent);
        }
        let rid = id(revs.len());
        let mut merge = Revision { revision: rid.clone(), down_revision: ends, ..Revision::default() };
        if round % 10 == 0
            && let Some(p) = &prev_tip
        {
            merge.depends_on = vec![p.clone()];
        }
        revs.push(merge);
        prev_tip = Some(tip);
        tip = rid;
        round += 1;
    }
    revs
}

fn parent_is(rev: &Revision, id: &str) -> bool {
    rev.down_revision.first().is_some_and(|p| p == id)
}

fn exercise(name: &str, revs: Vec<Revision>, relative_steps: Option<usize>) {
    let n = revs.len();
    let t = Instant::now();
    let map = RevisionMap::new(revs).expect("valid");
    let build = t.elapsed();

    let t = Instant::now();
    let heads: Vec<String> = map.heads().into_iter().map(str::to_string).collect();
    let head_time = t.elapsed();

    let t = Instant::now();
    let up = upgrade_plan(&map, &RevisionSpec::from("heads"), &RevisionSpec::base()).unwrap();
    let up_time = t.elapsed();
    assert_eq!(up.len(), n);

    let t = Instant::now();
    let mut vh = VersionHeads::new(&map, &[]).unwrap();
    for step in &up {
        vh.apply(step).unwrap();
    }
    let up_heads = t.elapsed();
    assert_eq!(sorted(vh.heads()), sorted(map.real_heads()));

    let t = Instant::now();
    let down = downgrade_plan(&map, &RevisionSpec::from("base"), &RevisionSpec::Ids(heads.clone())).unwrap();
    let down_time = t.elapsed();
    assert_eq!(down.len(), n);

    let t = Instant::now();
    let mut vh = VersionHeads::new(&map, &heads).unwrap();
    for step in &down {
        vh.apply(step).unwrap();
    }
    let down_heads = t.elapsed();
    assert!(vh.heads().is_empty());

    let t = Instant::now();
    let rel = format!("-{}", relative_steps.unwrap_or(1));
    let partial = downgrade_plan(&map, &RevisionSpec::from(rel.as_str()), &RevisionSpec::Ids(heads));
    match relative_steps {
        Some(steps) => assert_eq!(partial.unwrap().len(), steps),
        None => assert_eq!(partial.unwrap_err().to_string(), "Ambiguous walk"),
    }
    let rel_time = t.elapsed();

    eprintln!(
        "{name} ({n} revisions): build {build:?}, heads {head_time:?}, upgrade plan {up_time:?} \
         (+heads {up_heads:?}), downgrade plan {down_time:?} (+heads {down_heads:?}), downgrade {rel} {rel_time:?}"
    );
}

#[test]
fn hundred_thousand_revisions_in_a_line() {
    exercise("line", chain(100_000), Some(100));
}

#[test]
fn hundred_thousand_revisions_with_branches_and_merges() {
    let revs = branchy(100_000);
    let map = RevisionMap::new(revs.clone()).unwrap();
    assert_eq!(map.heads().len(), 1);
    assert!(map.iter().any(|n| n.branch_label_set().contains("label0")));
    // A relative walk down cannot pass a merge point ("Ambiguous walk", as in Alembic).
    exercise("branchy", revs, None);
}
