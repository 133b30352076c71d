//! Building and validating a [`RevisionMap`]: edges, heads and bases, cycle checks,
//! dependency normalisation and branch label propagation. Linear in the size of the
//! graph except where noted.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::ident::verify_rev_id;
use super::{CycleKind, Revision, RevisionError, RevisionMap, RevisionNode};

fn dedupe(items: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|i| seen.insert(*i)).collect()
}

pub(super) fn build(revisions: Vec<Revision>) -> Result<RevisionMap, RevisionError> {
    // Per-revision checks, in the order Alembic's `Revision.__init__` makes them.
    for rev in &revisions {
        if rev.down_revision.iter().any(|d| *d == rev.revision) {
            return Err(RevisionError::Cycle {
                kind: CycleKind::SelfLoop,
                revisions: vec![rev.revision.clone()],
            });
        }
        if rev.depends_on.iter().any(|d| *d == rev.revision) {
            return Err(RevisionError::Cycle {
                kind: CycleKind::DependencySelfLoop,
                revisions: vec![rev.revision.clone()],
            });
        }
        verify_rev_id(&rev.revision)?;
    }

    // Alembic only warns about a repeated id and keeps the last; two files claiming
    // one id is always a mistake, so it is an error here.
    let mut by_id = HashMap::with_capacity(revisions.len());
    for (i, rev) in revisions.iter().enumerate() {
        if by_id.insert(rev.revision.clone(), i).is_some() {
            return Err(RevisionError::invalid(format!(
                "Revision {} is present more than once",
                rev.revision
            )));
        }
    }

    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut label_order = Vec::new();
    for (i, rev) in revisions.iter().enumerate() {
        for label in &rev.branch_labels {
            let owner = by_id.get(label).or_else(|| labels.get(label)).copied();
            if let Some(owner) = owner {
                return Err(RevisionError::invalid(format!(
                    "Branch name '{label}' in revision {} already used by revision {}",
                    rev.revision, revisions[owner].revision
                )));
            }
            labels.insert(label.clone(), i);
            label_order.push(label.clone());
        }
    }

    let n = revisions.len();
    let mut resolved_deps = vec![Vec::new(); n];
    for (i, rev) in revisions.iter().enumerate() {
        for dep in &rev.depends_on {
            match by_id.get(dep).or_else(|| labels.get(dep)) {
                Some(&d) => resolved_deps[i].push(d),
                None => {
                    return Err(RevisionError::invalid(format!(
                        "Dependency {dep} referenced from {} is not present",
                        rev.revision
                    )));
                }
            }
        }
    }
    let mut down = vec![Vec::new(); n];
    for (i, rev) in revisions.iter().enumerate() {
        let mut parents = Vec::with_capacity(rev.down_revision.len());
        for d in &rev.down_revision {
            match by_id.get(d) {
                Some(&p) => parents.push(p),
                None => {
                    return Err(RevisionError::invalid(format!(
                        "Revision {d} referenced from {} is not present",
                        rev.revision
                    )));
                }
            }
        }
        down[i] = dedupe(parents);
    }
    let all_down: Vec<Vec<usize>> = (0..n)
        .map(|i| dedupe(down[i].iter().chain(resolved_deps[i].iter()).copied()))
        .collect();
    let mut nextrev = vec![Vec::new(); n];
    let mut all_nextrev = vec![Vec::new(); n];
    for i in 0..n {
        for &d in &all_down[i] {
            all_nextrev[d].push(i);
            if down[i].contains(&d) {
                nextrev[d].push(i);
            }
        }
    }

    let heads: Vec<usize> = (0..n).filter(|&i| nextrev[i].is_empty()).collect();
    let real_heads: Vec<usize> = (0..n).filter(|&i| all_nextrev[i].is_empty()).collect();
    let bases: Vec<usize> = (0..n).filter(|&i| down[i].is_empty()).collect();
    let real_bases: Vec<usize> =
        (0..n).filter(|&i| down[i].is_empty() && revisions[i].depends_on.is_empty()).collect();

    let names = |idx: Vec<usize>| -> Vec<String> {
        let mut v: Vec<String> = idx.into_iter().map(|i| revisions[i].revision.clone()).collect();
        v.sort();
        v
    };
    let all_names = || -> Vec<String> { revisions.iter().map(|r| r.revision.clone()).collect() };

    // Alembic's own cycle checks first (same texts and revision lists) ...
    if n > 0 {
        if heads.is_empty() || bases.is_empty() {
            return Err(RevisionError::Cycle { kind: CycleKind::Cycle, revisions: all_names() });
        }
        let missing = outside_space(n, &heads, &down, &bases, &nextrev);
        if !missing.is_empty() {
            return Err(RevisionError::Cycle { kind: CycleKind::Cycle, revisions: names(missing) });
        }
        if real_heads.is_empty() || real_bases.is_empty() {
            return Err(RevisionError::Cycle {
                kind: CycleKind::DependencyCycle,
                revisions: all_names(),
            });
        }
        let missing = outside_space(n, &real_heads, &all_down, &real_bases, &all_nextrev);
        if !missing.is_empty() {
            return Err(RevisionError::Cycle {
                kind: CycleKind::DependencyCycle,
                revisions: names(missing),
            });
        }
    }
    // ... then a complete check, since Alembic's misses cycles that are reachable from
    // both a head and a base.
    if let Err(rest) = kahn(n, &down) {
        return Err(RevisionError::Cycle { kind: CycleKind::Cycle, revisions: names(rest) });
    }
    let topo = kahn(n, &all_down).map_err(|rest| RevisionError::Cycle {
        kind: CycleKind::DependencyCycle,
        revisions: names(rest),
    })?;
    let mut topo_pos = vec![0; n];
    for (pos, &i) in topo.iter().enumerate() {
        topo_pos[i] = pos;
    }

    let normalized_deps = normalize_deps(n, &down, &resolved_deps, &topo_pos);
    let normalized_down: Vec<Vec<usize>> = (0..n)
        .map(|i| dedupe(down[i].iter().chain(normalized_deps[i].iter()).copied()))
        .collect();
    let mut norm_children = vec![Vec::new(); n];
    for (i, parents) in normalized_down.iter().enumerate() {
        for &p in parents {
            norm_children[p].push(i);
        }
    }

    let label_sets = propagate_labels(&revisions, &topo, &down, &nextrev, &all_nextrev);

    let id_list = |idx: &[usize], sort: bool| -> Vec<String> {
        let mut v: Vec<String> = idx.iter().map(|&i| revisions[i].revision.clone()).collect();
        if sort {
            v.sort();
        }
        v
    };
    let mut nodes = Vec::with_capacity(n);
    let mut label_sets = label_sets.into_iter();
    for (i, rev) in revisions.iter().enumerate() {
        nodes.push(RevisionNode {
            rev: rev.clone(),
            index: i,
            nextrev_ids: id_list(&nextrev[i], true),
            all_nextrev_ids: id_list(&all_nextrev[i], true),
            resolved_dep_ids: id_list(&resolved_deps[i], false),
            normalized_down_ids: id_list(&normalized_down[i], false),
            all_down_ids: id_list(&all_down[i], false),
            labels: label_sets.next().unwrap_or_default(),
            down: std::mem::take(&mut down[i]),
            normalized_down: normalized_down[i].clone(),
            nextrev: std::mem::take(&mut nextrev[i]),
            all_nextrev: std::mem::take(&mut all_nextrev[i]),
            norm_children: std::mem::take(&mut norm_children[i]),
        });
    }
    Ok(RevisionMap {
        nodes,
        by_id,
        labels,
        label_order,
        heads,
        real_heads,
        bases,
        real_bases,
        topo,
    })
}

/// Marks everything reachable from `starts` along `edges`.
fn reach(n: usize, starts: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = starts.to_vec();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(edges[i].iter().copied().filter(|&j| !seen[j]));
    }
    seen
}

/// Revisions not both below a head and above a base (Alembic's `_detect_cycles`).
fn outside_space(
    n: usize,
    heads: &[usize],
    down: &[Vec<usize>],
    bases: &[usize],
    up: &[Vec<usize>],
) -> Vec<usize> {
    let from_heads = reach(n, heads, down);
    let from_bases = reach(n, bases, up);
    (0..n).filter(|&i| !(from_heads[i] && from_bases[i])).collect()
}

/// A parents-first order, or the revisions that cannot be ordered (on or above a cycle).
fn kahn(n: usize, parents: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let mut pending: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut children = vec![Vec::new(); n];
    for (i, ps) in parents.iter().enumerate() {
        for &p in ps {
            children[p].push(i);
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = queue.pop_front() {
        order.push(i);
        for &c in &children[i] {
            pending[c] -= 1;
            if pending[c] == 0 {
                queue.push_back(c);
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err((0..n).filter(|&i| pending[i] > 0).collect())
    }
}

/// Alembic's `_normalize_depends_on`: a dependency is dropped when an ancestor (by
/// `down_revision`) already depends on it. Declaration order is kept (Alembic's order
/// here comes from a Python set).
///
/// Only revisions that share a dependency are compared, and the ancestor search is
/// bounded by the topological position of the earliest such revision, so the usual
/// case (each dependency named once) costs nothing.
fn normalize_deps(
    n: usize,
    down: &[Vec<usize>],
    resolved: &[Vec<usize>],
    topo_pos: &[usize],
) -> Vec<Vec<usize>> {
    let mut dependents: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, deps) in resolved.iter().enumerate() {
        for &d in deps {
            dependents.entry(d).or_default().push(i);
        }
    }
    let mut out = vec![Vec::new(); n];
    for i in 0..n {
        if resolved[i].is_empty() {
            continue;
        }
        let candidates: Vec<usize> = resolved[i]
            .iter()
            .flat_map(|d| dependents.get(d).into_iter().flatten().copied())
            .filter(|&c| c != i && topo_pos[c] < topo_pos[i])
            .collect();
        let ancestors: HashSet<usize> = match candidates.iter().map(|&c| topo_pos[c]).min() {
            None => HashSet::new(),
            Some(floor) => {
                let mut seen = HashSet::new();
                let mut stack: Vec<usize> = down[i].clone();
                while let Some(a) = stack.pop() {
                    if topo_pos[a] < floor || !seen.insert(a) {
                        continue;
                    }
                    stack.extend(down[a].iter().copied());
                }
                seen
            }
        };
        let inherited: HashSet<usize> =
            ancestors.iter().flat_map(|&a| resolved[a].iter().copied()).collect();
        out[i] = dedupe(resolved[i].iter().copied().filter(|d| !inherited.contains(d)));
    }
    out
}

/// Alembic's `_add_branches`: a label applies to its revision and every descendant
/// (by `down_revision`), and — when everything from the labelled revision up to its
/// head is a plain line — also to the ancestors below it, down to the first branch
/// point or merge point. Computed in two linear passes instead of one traversal per
/// label.
fn propagate_labels(
    revisions: &[Revision],
    topo: &[usize],
    down: &[Vec<usize>],
    nextrev: &[Vec<usize>],
    all_nextrev: &[Vec<usize>],
) -> Vec<BTreeSet<String>> {
    let n = revisions.len();
    if revisions.iter().all(|r| r.branch_labels.is_empty()) {
        return vec![BTreeSet::new(); n];
    }
    let own = |i: usize| revisions[i].branch_labels.iter().cloned();
    // Inherited from ancestors.
    let mut desc: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    for &i in topo {
        let mut set: BTreeSet<String> = own(i).collect();
        for &p in &down[i] {
            set.extend(desc[p].iter().cloned());
        }
        desc[i] = set;
    }
    // Pushed down from a labelled revision whose line up to its head is plain.
    let passable = |i: usize| all_nextrev[i].len() <= 1 && down[i].len() <= 1;
    let mut clean_up = vec![false; n];
    let mut push: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    let mut arrive: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    for &i in topo.iter().rev() {
        if !passable(i) {
            continue;
        }
        let child = nextrev[i].first().copied();
        clean_up[i] = child.is_none_or(|c| clean_up[c]);
        if let Some(c) = child {
            arrive[i] = push[c].clone();
        }
        let mut p = arrive[i].clone();
        if clean_up[i] {
            p.extend(own(i));
        }
        push[i] = p;
    }
    desc.into_iter()
        .zip(arrive)
        .map(|(mut d, a)| {
            d.extend(a);
            d
        })
        .collect()
}
