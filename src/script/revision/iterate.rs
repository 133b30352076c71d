//! Traversal (Alembic's `iterate_revisions`, `_collect_upgrade_revisions`,
//! `_collect_downgrade_revisions`, `_topological_sort`, `walk_revisions`).
//!
//! The topological sort reproduces Alembic's output order exactly but answers its
//! "is this candidate an ancestor of another pending head?" question with a count of
//! pending children instead of ancestor sets, so it is linear in the revisions visited
//! (plus a search over the pending part of the graph when a branch point is reached
//! before all of its branches are done).

use std::collections::HashSet;

use super::ident::parse_relative;
use super::resolve::Pos;
use super::{ErrorContext, RevisionError, RevisionMap, RevisionNode, RevisionSpec};

/// Which edges a traversal follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Down along `down_revision`.
    Versioned,
    /// Down along `down_revision` and the normalized dependencies.
    Normalized,
    /// Up along `down_revision` (children).
    Next,
    /// Up along `down_revision` and `depends_on` (children and dependents).
    AllNext,
}

/// Options of [`RevisionMap::iterate_revisions`], Alembic's keyword arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IterateOptions {
    /// Also take in branches that do not descend from `lower` (upgrade) or wind other
    /// branches back to base (downgrade).
    pub implicit_base: bool,
    /// Include `lower` itself.
    pub inclusive: bool,
    /// Relative identifiers must walk exactly the number of steps asked for.
    pub assert_relative_length: bool,
    /// Select the revisions a downgrade from `upper` to `lower` undoes.
    pub select_for_downgrade: bool,
}

impl Default for IterateOptions {
    fn default() -> Self {
        IterateOptions {
            implicit_base: false,
            inclusive: false,
            assert_relative_length: true,
            select_for_downgrade: false,
        }
    }
}

impl RevisionMap {
    fn edges(&self, i: usize, dir: Dir) -> &[usize] {
        let node = self.at(i);
        match dir {
            Dir::Versioned => &node.down,
            Dir::Normalized => &node.normalized_down,
            Dir::Next => &node.nextrev,
            Dir::AllNext => &node.all_nextrev,
        }
    }

    /// Everything reachable from `starts` (inclusive) along `dir`.
    pub(crate) fn reach(&self, starts: &[usize], dir: Dir) -> Vec<bool> {
        let mut seen = vec![false; self.len()];
        let mut stack: Vec<usize> = starts.to_vec();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            stack.extend(self.edges(i, dir).iter().copied().filter(|&j| !seen[j]));
        }
        seen
    }

    /// Alembic's `_iterate_related_revisions` with `check=True`: like [`reach`], but a
    /// target reached from another target is an error ("overlaps").
    fn reach_checked(&self, targets: &[usize], dir: Dir) -> Result<Vec<bool>, RevisionError> {
        let mut seen = vec![false; self.len()];
        let is_target: HashSet<usize> = targets.iter().copied().collect();
        for &target in targets {
            let mut overlaps: Vec<usize> = Vec::new();
            let mut stack = vec![target];
            while let Some(i) = stack.pop() {
                if i != target && is_target.contains(&i) && !overlaps.contains(&i) {
                    overlaps.push(i);
                }
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                stack.extend(self.edges(i, dir).iter().copied());
            }
            if !overlaps.is_empty() {
                overlaps.sort_unstable();
                return Err(RevisionError::invalid(format!(
                    "Requested revision {} overlaps with other requested revisions {}",
                    self.at(target).revision(),
                    self.ids(&overlaps).join(", ")
                )));
            }
        }
        Ok(seen)
    }

    /// Revisions from `upper` down to `lower`, newest first (Alembic's
    /// `iterate_revisions`). With `select_for_downgrade`, `upper` is what is applied
    /// and `lower` the downgrade destination.
    pub fn iterate_revisions(
        &self,
        upper: &RevisionSpec,
        lower: &RevisionSpec,
        options: IterateOptions,
    ) -> Result<Vec<&RevisionNode>, RevisionError> {
        Ok(self.iterate_idx(upper, lower, options)?.into_iter().map(|i| self.at(i)).collect())
    }

    pub(crate) fn iterate_idx(
        &self,
        upper: &RevisionSpec,
        lower: &RevisionSpec,
        options: IterateOptions,
    ) -> Result<Vec<usize>, RevisionError> {
        let (set, heads) = if options.select_for_downgrade {
            self.collect_downgrade(upper, lower, options)?
        } else {
            self.collect_upgrade(upper, lower, options)?
        };
        self.topological_sort(&set, &heads)
    }

    /// All revisions from `head` down to `base`, newest first, for `history` (Alembic's
    /// `ScriptDirectory.walk_revisions`; errors rephrased as its commands do).
    pub fn walk(
        &self,
        base: &RevisionSpec,
        head: &RevisionSpec,
    ) -> Result<Vec<&RevisionNode>, RevisionError> {
        let options =
            IterateOptions { inclusive: true, assert_relative_length: false, ..IterateOptions::default() };
        self.iterate_revisions(head, base, options).map_err(|e| {
            e.for_command(&ErrorContext {
                start: Some(base.display()),
                end: Some(head.display()),
                ..ErrorContext::default()
            })
        })
    }

    /// The revisions strictly and not strictly below `targets` (by parents and
    /// normalized dependencies), as ids in load order.
    pub fn ancestors(
        &self,
        ids: &[&str],
        include_dependencies: bool,
    ) -> Result<Vec<&RevisionNode>, RevisionError> {
        let idx = self.lookup_all(ids)?;
        let dir = if include_dependencies { Dir::Normalized } else { Dir::Versioned };
        let set = self.reach(&idx, dir);
        Ok((0..self.len()).filter(|&i| set[i]).map(|i| self.at(i)).collect())
    }

    /// The given revisions and everything above them, in load order.
    pub fn descendants(
        &self,
        ids: &[&str],
        include_dependencies: bool,
    ) -> Result<Vec<&RevisionNode>, RevisionError> {
        let idx = self.lookup_all(ids)?;
        let dir = if include_dependencies { Dir::AllNext } else { Dir::Next };
        let set = self.reach(&idx, dir);
        Ok((0..self.len()).filter(|&i| set[i]).map(|i| self.at(i)).collect())
    }

    fn lookup_all(&self, ids: &[&str]) -> Result<Vec<usize>, RevisionError> {
        ids.iter()
            .map(|id| {
                self.index_of(id).ok_or_else(|| {
                    RevisionError::resolution(format!("No such revision or branch '{id}'"), *id)
                })
            })
            .collect()
    }

    fn rev_list(&self, slots: Vec<Option<Pos>>, what: &RevisionSpec) -> Result<Vec<usize>, RevisionError> {
        let mut out = Vec::new();
        for slot in slots {
            match slot {
                Some(Pos::Rev(i)) => out.push(i),
                Some(Pos::Base) => {}
                None => {
                    return Err(RevisionError::invalid(format!(
                        "Relative revision {} walked beyond the revision history",
                        what.display()
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Alembic's `_parse_downgrade_target`: the branch label given (if any) and the
    /// destination (`None`: base).
    fn parse_downgrade_target(
        &self,
        current: &RevisionSpec,
        target: Option<&str>,
        assert_relative_length: bool,
    ) -> Result<(Option<String>, Option<usize>), RevisionError> {
        let Some(target) = target else {
            return Ok((None, None));
        };
        let as_rev = |p: Option<Pos>| match p {
            Some(Pos::Rev(i)) => Some(i),
            _ => None,
        };
        if let Some(rel) = parse_relative(target) {
            let count = rel.count_text();
            if rel.steps >= 0 {
                let Some(symbol) = rel.symbol else {
                    return Err(RevisionError::relative(rel.raw, &count));
                };
                let start = self.get_revision_idx(&RevisionSpec::from(symbol))?.map(Pos::Rev);
                let walked = self.walk_steps(start, rel.steps, rel.label, assert_relative_length)?;
                return match walked {
                    None => Err(RevisionError::invalid("Walked too far")),
                    Some(p) => Ok((rel.label.map(str::to_string), as_rev(Some(p)))),
                };
            }
            let relative_revision = rel.symbol.is_none();
            let mut label = rel.label.map(str::to_string);
            let symbol: String = match rel.symbol {
                Some(s) => s.to_string(),
                None => match &label {
                    Some(l) => {
                        let cur: Vec<usize> = self.rev_list(
                            self.get_revisions_idx(&RevisionSpec::Ids(current.to_list()))?,
                            current,
                        )?;
                        let mut on_branch = self.filter_indices_for_lineage(&cur, l, false)?;
                        if on_branch.is_empty() {
                            // Several branches but one current head that the others
                            // depend on: look at everything that is applied.
                            let all = self.all_current_idx(&current.to_list())?;
                            on_branch = self.filter_indices_for_lineage(&all, l, false)?;
                        }
                        match on_branch.as_slice() {
                            [one] => self.at(*one).revision().to_string(),
                            [] => return Err(RevisionError::relative(rel.raw, &count)),
                            _ => {
                                return Err(RevisionError::invalid(format!(
                                    "Ambiguous downgrade from multiple current revisions on \
                                     branch '{l}'"
                                )));
                            }
                        }
                    }
                    None => {
                        let cur = current.to_list();
                        let Some(first) = cur.first() else {
                            return Err(RevisionError::relative(rel.raw, &count));
                        };
                        let first = first.clone();
                        // Alembic warns that `-1` from several heads is ambiguous and
                        // restricts the walk to the first current head's branch.
                        label = Some(first.clone());
                        first
                    }
                },
            };
            let start_spec = match &label {
                None => RevisionSpec::Ident(symbol),
                Some(l) => RevisionSpec::Ident(format!("{l}@{symbol}")),
            };
            let start = self.get_revision_idx(&start_spec)?.map(Pos::Rev);
            let walked = self.walk_steps(start, rel.steps, None, assert_relative_length)?;
            return match walked {
                None if relative_revision => Err(RevisionError::relative(rel.raw, &count)),
                None => Err(RevisionError::invalid("Walked too far")),
                Some(p) => Ok((label, as_rev(Some(p)))),
            };
        }
        let (label, symbol) = match target.rfind('@') {
            Some(at) => (Some(target[..at].to_string()).filter(|l| !l.is_empty()), &target[at + 1..]),
            None => (None, target),
        };
        Ok((label, self.get_revision_idx(&RevisionSpec::from(symbol))?))
    }

    /// Alembic's `_parse_upgrade_target`.
    fn parse_upgrade_target(
        &self,
        current: &RevisionSpec,
        target: &RevisionSpec,
        assert_relative_length: bool,
    ) -> Result<Vec<usize>, RevisionError> {
        let rel = match target {
            RevisionSpec::Ident(s) => parse_relative(s),
            RevisionSpec::Ids(_) => None,
        };
        let Some(rel) = rel else {
            return self.rev_list(self.get_revisions_idx(target)?, target);
        };
        let count = rel.count_text();
        let walked = if rel.steps > 0 {
            match rel.symbol {
                None => {
                    let cur = current.to_list();
                    let mut starts: Vec<Option<Pos>> = if cur.is_empty() {
                        vec![None]
                    } else {
                        cur.iter()
                            .map(|c| {
                                Ok(self.get_revision_idx(&RevisionSpec::Ident(c.clone()))?.map(Pos::Rev))
                            })
                            .collect::<Result<_, RevisionError>>()?
                    };
                    if let Some(l) = rel.label {
                        let cur_revs =
                            self.rev_list(self.get_revisions_idx(&RevisionSpec::Ids(cur.clone()))?, current)?;
                        let on_branch = self.filter_indices_for_lineage(&cur_revs, l, false)?;
                        starts = on_branch.iter().map(|&i| Some(Pos::Rev(i))).collect();
                        if starts.is_empty() {
                            // The branch has no current head: start from the tips of
                            // what is applied on that branch, or from base.
                            let applied = self.reach(&cur_revs, Dir::Normalized);
                            let active: Vec<usize> = (0..self.len()).filter(|&i| applied[i]).collect();
                            let active = self.filter_indices_for_lineage(&active, l, false)?;
                            let below: HashSet<usize> = active
                                .iter()
                                .flat_map(|&i| self.at(i).normalized_down.iter().copied())
                                .collect();
                            starts = active
                                .iter()
                                .filter(|i| !below.contains(i))
                                .map(|&i| Some(Pos::Rev(i)))
                                .collect();
                            if starts.is_empty() {
                                starts = vec![None];
                            }
                        }
                    }
                    if starts.len() > 1 {
                        return Err(RevisionError::invalid(
                            "Ambiguous upgrade from multiple current revisions",
                        ));
                    }
                    let start = starts.first().copied().flatten();
                    self.walk_steps(start, rel.steps, rel.label, assert_relative_length)?
                }
                Some(symbol) => {
                    let start = self.get_revision_idx(&RevisionSpec::from(symbol))?.map(Pos::Rev);
                    self.walk_steps(start, rel.steps, rel.label, assert_relative_length)?
                }
            }
        } else {
            let Some(symbol) = rel.symbol else {
                return Err(RevisionError::relative(&rel.int_text(), &count));
            };
            let spec = match rel.label {
                None => RevisionSpec::from(symbol),
                Some(l) => RevisionSpec::Ident(format!("{l}@{symbol}")),
            };
            let start = self.get_revision_idx(&spec)?.map(Pos::Rev);
            self.walk_steps(start, rel.steps, None, assert_relative_length)?
        };
        match walked {
            Some(Pos::Rev(i)) => Ok(vec![i]),
            Some(Pos::Base) => Ok(Vec::new()),
            None => Err(RevisionError::relative(rel.raw, &count)),
        }
    }

    /// Alembic's `_collect_upgrade_revisions`: what must be applied to go from `lower`
    /// to `upper`, and the targets (the heads of the sort).
    fn collect_upgrade(
        &self,
        upper: &RevisionSpec,
        lower: &RevisionSpec,
        options: IterateOptions,
    ) -> Result<(Vec<bool>, Vec<usize>), RevisionError> {
        let mut targets = self.parse_upgrade_target(lower, upper, options.assert_relative_length)?;
        if let RevisionSpec::Ident(l) = lower
            && let Some((branch, _)) = l.split_once('@')
        {
            let mut branch = branch.to_string();
            if let Some(b) = self.get_revision_idx(&RevisionSpec::from(branch.as_str()))? {
                let node = self.at(b);
                if node.revision() == branch {
                    // A revision id used as the label: take its branch's label.
                    let labels = node.branch_label_set();
                    match labels.iter().next() {
                        Some(only) if labels.len() == 1 => branch = only.clone(),
                        _ => {
                            return Err(RevisionError::invalid(format!(
                                "Revision {branch} does not belong to exactly one labeled branch"
                            )));
                        }
                    }
                }
            }
            targets.retain(|&t| self.at(t).branch_label_set().contains(&branch));
            targets.sort_unstable();
            targets.dedup();
        }
        let required = self.reach_checked(&targets, Dir::Normalized)?;

        let mut lower = lower.clone();
        let mut current = self.get_revisions_idx(&lower)?;
        if !options.implicit_base {
            for slot in &current {
                if let Some(Pos::Rev(i)) = slot
                    && !required[*i]
                {
                    return Err(RevisionError::RangeNotAncestor {
                        lower: lower.display(),
                        upper: upper.display(),
                    });
                }
            }
        }
        if let Some(None) = current.first() {
            // `lower` is relative and walks off the graph from the heads: resolve it
            // relative to `upper` instead.
            let target = spec_as_target(&lower)?;
            let (_, rev) =
                self.parse_downgrade_target(upper, target.as_deref(), options.assert_relative_length)?;
            match rev {
                None => {
                    current = Vec::new();
                    lower = RevisionSpec::base();
                }
                Some(i) => {
                    current = vec![Some(Pos::Rev(i))];
                    lower = RevisionSpec::Ident(self.at(i).revision().to_string());
                }
            }
        }
        let current: Vec<usize> = current
            .into_iter()
            .filter_map(|p| match p {
                Some(Pos::Rev(i)) => Some(i),
                _ => None,
            })
            .collect();
        let applied = self.reach_checked(&current, Dir::Normalized)?;
        let mut needs: Vec<bool> = required.iter().zip(&applied).map(|(r, a)| *r && !*a).collect();
        if options.inclusive {
            for i in self.rev_list(self.get_revisions_idx(&lower)?, &lower)? {
                needs[i] = true;
            }
        }
        if !current.is_empty() && !options.implicit_base {
            let above = self.reach_checked(&current, Dir::Next)?;
            for (n, a) in needs.iter_mut().zip(above) {
                *n &= a;
            }
        }
        Ok((needs, targets))
    }

    /// Alembic's `_collect_downgrade_revisions`: what must be undone to go from the
    /// applied `upper` down to `lower`, and the heads of the sort.
    fn collect_downgrade(
        &self,
        upper: &RevisionSpec,
        lower: &RevisionSpec,
        options: IterateOptions,
    ) -> Result<(Vec<bool>, Vec<usize>), RevisionError> {
        let target = spec_as_target(lower)?;
        let (label, target) =
            self.parse_downgrade_target(upper, target.as_deref(), options.assert_relative_length)?;
        let mut roots: Vec<usize> = match target {
            None => self.base_indices().to_vec(),
            Some(t) if options.inclusive => vec![t],
            Some(t) => self.at(t).nextrev.clone(),
        };
        if let Some(l) = &label
            && roots.len() > 1
        {
            let b = self.resolve_branch(l)?;
            let below = self.reach(&[b], Dir::Versioned);
            roots.retain(|&r| below[r]);
            if roots.is_empty() {
                return Err(RevisionError::invalid("Not a valid downgrade target from current heads"));
            }
        }
        let heads = self.rev_list(self.get_revisions_idx(upper)?, upper)?;
        let above_roots = self.reach(&roots, Dir::AllNext);
        let active = self.reach(&heads, Dir::Normalized);
        let mut undo: Vec<bool> = above_roots.iter().zip(&active).map(|(d, a)| *d && *a).collect();
        if options.implicit_base {
            let below_roots = self.reach(&roots, Dir::Normalized);
            for i in 0..self.len() {
                if active[i] && !below_roots[i] {
                    undo[i] = true;
                }
            }
        }
        if let Some(t) = target
            && !undo.iter().any(|&u| u)
            && !heads.contains(&t)
        {
            return Err(RevisionError::RangeNotAncestor {
                lower: "Nothing to drop".to_string(),
                upper: upper.display(),
            });
        }
        Ok((undo, heads))
    }

    /// Alembic's `_topological_sort`: the members of `todo`, children before parents,
    /// walking depth-first from `heads` (sorted into load order) and finishing every
    /// branch above a branch point before passing it.
    ///
    /// Alembic keeps one ancestor set per pending head and switches to the first head
    /// (in list order) whose ancestors contain the candidate. A candidate is such an
    /// ancestor exactly when one of its children in `todo` is still pending, so a
    /// counter answers the question; only when it is positive is the pending region
    /// above the candidate searched, to find which head to switch to.
    pub(crate) fn topological_sort(
        &self,
        todo: &[bool],
        heads: &[usize],
    ) -> Result<Vec<usize>, RevisionError> {
        let n = self.len();
        let mut pending: Vec<bool> = todo.to_vec();
        let total = pending.iter().filter(|&&p| p).count();
        let bridged = self.sort_edges(&pending);
        let parents_of = |c: usize| -> &[usize] {
            match &bridged {
                Some((parents, _)) => &parents[c],
                None => &self.at(c).normalized_down,
            }
        };
        let children_of = |p: usize| -> &[usize] {
            match &bridged {
                Some((_, children)) => &children[p],
                None => &self.at(p).norm_children,
            }
        };
        // Children of each member that are members too and not yet emitted.
        let mut waiting = vec![0usize; n];
        for c in (0..n).filter(|&c| pending[c]) {
            for &p in parents_of(c) {
                if pending[p] {
                    waiting[p] += 1;
                }
            }
        }

        let mut current: Vec<usize> = heads.iter().copied().filter(|&h| pending[h]).collect();
        current.sort_unstable();
        current.dedup();
        let mut in_current = vec![false; n];
        for &h in &current {
            in_current[h] = true;
        }
        let mut output = Vec::with_capacity(total);
        let mut idx = 0usize;
        while !current.is_empty() {
            let Some(&candidate) = current.get(idx) else {
                return Err(RevisionError::invalid("Dependency resolution failed; broken map"));
            };
            if pending[candidate] && waiting[candidate] > 0 {
                match first_blocking_head(candidate, &current, &pending, children_of, &in_current) {
                    Some(j) if j != idx => {
                        idx = j;
                        continue;
                    }
                    _ => {
                        return Err(RevisionError::invalid(
                            "Dependency resolution failed; revisions could not be ordered",
                        ));
                    }
                }
            }
            if pending[candidate] {
                output.push(candidate);
                pending[candidate] = false;
                for &p in parents_of(candidate) {
                    if pending[p] {
                        waiting[p] = waiting[p].saturating_sub(1);
                    }
                }
            }
            let to_add: Vec<usize> = self
                .at(candidate)
                .normalized_down
                .iter()
                .copied()
                .filter(|&r| pending[r] && !in_current[r])
                .collect();
            in_current[candidate] = false;
            match to_add.split_first() {
                None => {
                    current.remove(idx);
                    idx = idx.saturating_sub(1);
                }
                Some((&first, rest)) => {
                    current[idx] = first;
                    in_current[first] = true;
                    for &r in rest {
                        current.push(r);
                        in_current[r] = true;
                    }
                }
            }
        }
        if output.len() != total {
            return Err(RevisionError::invalid(
                "Dependency resolution failed; revisions could not be ordered",
            ));
        }
        Ok(output)
    }

    /// The edges among `todo` members when some pass through revisions outside `todo`
    /// (ancestry through them still counts, as it does in Alembic's ancestor sets):
    /// (parents, children) per revision. `None` when the direct normalized edges
    /// suffice, which is the usual case.
    #[allow(clippy::type_complexity)]
    fn sort_edges(&self, todo: &[bool]) -> Option<(Vec<Vec<usize>>, Vec<Vec<usize>>)> {
        let n = self.len();
        // Whether a revision outside `todo` has a `todo` member among its ancestors.
        let mut todo_below = vec![false; n];
        for &i in self.topo_order() {
            todo_below[i] = todo[i] || self.at(i).normalized_down.iter().any(|&p| todo_below[p]);
        }
        let bridges =
            (0..n).any(|c| todo[c] && self.at(c).normalized_down.iter().any(|&p| !todo[p] && todo_below[p]));
        if !bridges {
            return None;
        }
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for c in 0..n {
            if !todo[c] {
                continue;
            }
            let mut found: Vec<usize> = Vec::new();
            let mut seen: HashSet<usize> = HashSet::new();
            let mut stack: Vec<usize> = Vec::new();
            for &p in &self.at(c).normalized_down {
                if todo[p] {
                    if !found.contains(&p) {
                        found.push(p);
                    }
                } else if todo_below[p] {
                    stack.push(p);
                }
            }
            while let Some(x) = stack.pop() {
                if !seen.insert(x) {
                    continue;
                }
                for &p in &self.at(x).normalized_down {
                    if todo[p] {
                        if !found.contains(&p) {
                            found.push(p);
                        }
                    } else if todo_below[p] {
                        stack.push(p);
                    }
                }
            }
            for &p in &found {
                children[p].push(c);
            }
            parents[c] = found;
        }
        Some((parents, children))
    }
}

/// The position in `current` of the first head that descends from `candidate`,
/// searching the members not yet emitted.
fn first_blocking_head<'e>(
    candidate: usize,
    current: &[usize],
    pending: &[bool],
    children_of: impl Fn(usize) -> &'e [usize],
    in_current: &[bool],
) -> Option<usize> {
    let mut found: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<usize> = HashSet::new();
    let mut stack: Vec<usize> = children_of(candidate).iter().copied().filter(|&c| pending[c]).collect();
    while let Some(x) = stack.pop() {
        if !seen.insert(x) {
            continue;
        }
        if in_current[x] {
            found.insert(x);
        }
        stack.extend(children_of(x).iter().copied().filter(|&c| pending[c]));
    }
    current.iter().position(|h| found.contains(h))
}

/// A downgrade destination must be one string (or nothing).
fn spec_as_target(spec: &RevisionSpec) -> Result<Option<String>, RevisionError> {
    match spec {
        RevisionSpec::Ident(s) => Ok(Some(s.clone())),
        RevisionSpec::Ids(ids) => match ids.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            _ => Err(RevisionError::invalid(format!(
                "Expected a single downgrade target, got {}",
                spec.display()
            ))),
        },
    }
}
