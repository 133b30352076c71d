//! Building and validating a [`RevisionMap`]: edges, heads and bases, cycle checks,
//! dependency normalisation and branch label propagation. Linear in the size of the
//! graph except where noted.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::ident::verify_rev_id;
use super::{CycleKind, IdHasher, Revision, RevisionError, RevisionMap, RevisionNode};
use std::sync::Arc;

fn dedupe(items: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for i in items {
        // Edge lists are short; a linear check beats hashing.
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

pub(super) fn build(revisions: Vec<Revision>) -> Result<RevisionMap, RevisionError> {
    // Per-revision checks, in the order Alembic's `Revision.__init__` makes them.
    for rev in &revisions {
        if rev.down_revision.contains(&rev.revision) {
            return Err(RevisionError::Cycle {
                kind: CycleKind::SelfLoop,
                revisions: vec![rev.revision.clone()],
            });
        }
        if rev.depends_on.contains(&rev.revision) {
            return Err(RevisionError::Cycle {
                kind: CycleKind::DependencySelfLoop,
                revisions: vec![rev.revision.clone()],
            });
        }
        verify_rev_id(&rev.revision).map_err(|e| RevisionError::graph(&rev.revision, e.to_string()))?;
    }

    // Alembic only warns about a repeated id and keeps the last; two files claiming
    // one id is always a mistake, so it is an error here.
    let mut by_id: HashMap<String, usize, IdHasher> =
        HashMap::with_capacity_and_hasher(revisions.len(), IdHasher::default());
    for (i, rev) in revisions.iter().enumerate() {
        if by_id.insert(rev.revision.clone(), i).is_some() {
            return Err(RevisionError::graph(
                &rev.revision,
                format!("Revision {} is present more than once", rev.revision),
            ));
        }
    }

    let mut labels: HashMap<String, usize, IdHasher> = HashMap::default();
    let mut label_order = Vec::new();
    for (i, rev) in revisions.iter().enumerate() {
        for label in &rev.branch_labels {
            let owner = by_id.get(label).or_else(|| labels.get(label)).copied();
            if let Some(owner) = owner {
                return Err(RevisionError::graph(
                    &rev.revision,
                    format!(
                        "Branch name '{label}' in revision {} already used by revision {}",
                        rev.revision, revisions[owner].revision
                    ),
                ));
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
                    return Err(RevisionError::graph(
                        &rev.revision,
                        format!("Dependency {dep} referenced from {} is not present", rev.revision),
                    ));
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
                    return Err(RevisionError::graph(
                        &rev.revision,
                        format!("Revision {d} referenced from {} is not present", rev.revision),
                    ));
                }
            }
        }
        down[i] = dedupe(parents);
    }
    let all_down: Vec<Vec<usize>> =
        (0..n).map(|i| dedupe(down[i].iter().chain(resolved_deps[i].iter()).copied())).collect();
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

    // An acyclic graph always passes Alembic's cycle checks, so they only run (for
    // Alembic's exact error and revision list) when the complete check finds a cycle.
    let topo = match kahn(n, &all_down) {
        Ok(order) => order,
        Err(rest) => {
            return Err(cycle_error(n, &revisions, &down, &all_down, &nextrev, &all_nextrev, rest));
        }
    };
    let mut topo_pos = vec![0; n];
    for (pos, &i) in topo.iter().enumerate() {
        topo_pos[i] = pos;
    }

    let normalized_deps = normalize_deps(n, &down, &resolved_deps, &topo_pos);
    let normalized_down: Vec<Vec<usize>> =
        (0..n).map(|i| dedupe(down[i].iter().chain(normalized_deps[i].iter()).copied())).collect();
    let mut norm_children = vec![Vec::new(); n];
    for (i, parents) in normalized_down.iter().enumerate() {
        for &p in parents {
            norm_children[p].push(i);
        }
    }

    let label_sets = propagate_labels(&revisions, &topo, &down, &nextrev, &all_nextrev);

    let names: Arc<[Box<str>]> = revisions.iter().map(|r| Box::from(r.revision.as_str())).collect();
    let mut nodes = Vec::with_capacity(n);
    let mut label_sets = label_sets.into_iter();
    let mut normalized_down = normalized_down;
    let mut all_down = all_down;
    for (i, rev) in revisions.into_iter().enumerate() {
        nodes.push(RevisionNode {
            rev,
            index: i,
            labels: label_sets.next().unwrap_or_default(),
            names: Arc::clone(&names),
            down: std::mem::take(&mut down[i]),
            resolved_deps: std::mem::take(&mut resolved_deps[i]),
            all_down: std::mem::take(&mut all_down[i]),
            normalized_down: std::mem::take(&mut normalized_down[i]),
            nextrev: std::mem::take(&mut nextrev[i]),
            all_nextrev: std::mem::take(&mut all_nextrev[i]),
            norm_children: std::mem::take(&mut norm_children[i]),
        });
    }
    Ok(RevisionMap { nodes, by_id, labels, label_order, heads, real_heads, bases, real_bases, topo })
}

/// The error for a graph with a cycle: Alembic's checks first (same texts and
/// revision lists), then the complete check, since Alembic's misses cycles that are
/// reachable from both a head and a base.
fn cycle_error(
    n: usize,
    revisions: &[Revision],
    down: &[Vec<usize>],
    all_down: &[Vec<usize>],
    nextrev: &[Vec<usize>],
    all_nextrev: &[Vec<usize>],
    rest: Vec<usize>,
) -> RevisionError {
    let names = |idx: Vec<usize>| -> Vec<String> {
        let mut v: Vec<String> = idx.into_iter().map(|i| revisions[i].revision.clone()).collect();
        v.sort();
        v
    };
    let all: Vec<String> = revisions.iter().map(|r| r.revision.clone()).collect();
    let cycle = |kind, revisions| RevisionError::Cycle { kind, revisions };
    let heads: Vec<usize> = (0..n).filter(|&i| nextrev[i].is_empty()).collect();
    let bases: Vec<usize> = (0..n).filter(|&i| down[i].is_empty()).collect();
    if heads.is_empty() || bases.is_empty() {
        return cycle(CycleKind::Cycle, all);
    }
    let missing = outside_space(n, &heads, down, &bases, nextrev);
    if !missing.is_empty() {
        return cycle(CycleKind::Cycle, names(missing));
    }
    let real_heads: Vec<usize> = (0..n).filter(|&i| all_nextrev[i].is_empty()).collect();
    let real_bases: Vec<usize> =
        (0..n).filter(|&i| down[i].is_empty() && revisions[i].depends_on.is_empty()).collect();
    if real_heads.is_empty() || real_bases.is_empty() {
        return cycle(CycleKind::DependencyCycle, all);
    }
    let missing = outside_space(n, &real_heads, all_down, &real_bases, all_nextrev);
    if !missing.is_empty() {
        return cycle(CycleKind::DependencyCycle, names(missing));
    }
    match kahn(n, down) {
        Err(versioned) => cycle(CycleKind::Cycle, names(versioned)),
        Ok(_) => cycle(CycleKind::DependencyCycle, names(rest)),
    }
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
    if order.len() == n { Ok(order) } else { Err((0..n).filter(|&i| pending[i] > 0).collect()) }
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
        let inherited: HashSet<usize> = ancestors.iter().flat_map(|&a| resolved[a].iter().copied()).collect();
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
) -> Vec<Labels> {
    let n = revisions.len();
    let empty: Labels = Arc::new(BTreeSet::new());
    if revisions.iter().all(|r| r.branch_labels.is_empty()) {
        return vec![empty; n];
    }
    let own = |i: usize| revisions[i].branch_labels.as_slice();
    // Inherited from ancestors. Sets are shared until a label is added, so a long line
    // below one label costs one set, not one per revision.
    let mut desc: Vec<Labels> = vec![Arc::clone(&empty); n];
    for &i in topo {
        let mut set = Arc::clone(&empty);
        for &p in &down[i] {
            set = union(set, &desc[p]);
        }
        desc[i] = with_own(set, own(i));
    }
    // Pushed down from a labelled revision whose line up to its head is plain.
    let passable = |i: usize| all_nextrev[i].len() <= 1 && down[i].len() <= 1;
    let mut clean_up = vec![false; n];
    let mut push: Vec<Labels> = vec![Arc::clone(&empty); n];
    let mut arrive: Vec<Labels> = vec![Arc::clone(&empty); n];
    for &i in topo.iter().rev() {
        if !passable(i) {
            continue;
        }
        let child = nextrev[i].first().copied();
        clean_up[i] = child.is_none_or(|c| clean_up[c]);
        if let Some(c) = child {
            arrive[i] = Arc::clone(&push[c]);
        }
        push[i] = if clean_up[i] { with_own(Arc::clone(&arrive[i]), own(i)) } else { Arc::clone(&arrive[i]) };
    }
    desc.into_iter().zip(arrive).map(|(d, a)| union(d, &a)).collect()
}

/// A revision's effective branch labels, shared between revisions with the same set.
pub(super) type Labels = Arc<BTreeSet<String>>;

fn union(base: Labels, other: &Labels) -> Labels {
    if Arc::ptr_eq(&base, other) || other.is_subset(&base) {
        return base;
    }
    if base.is_subset(other) {
        return Arc::clone(other);
    }
    let mut set = (*base).clone();
    set.extend(other.iter().cloned());
    Arc::new(set)
}

fn with_own(base: Labels, own: &[String]) -> Labels {
    if own.iter().all(|l| base.contains(l)) {
        return base;
    }
    let mut set = (*base).clone();
    set.extend(own.iter().cloned());
    Arc::new(set)
}
