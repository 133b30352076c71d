//! Identifier resolution (Alembic's `get_revision(s)`, `_resolve_revision_number`,
//! `_revision_for_ident`, `filter_for_lineage`, `_walk`).

use super::ident::{parse_int, parse_relative};
use super::iterate::Dir;
use super::{RevisionError, RevisionMap, RevisionNode, RevisionSpec};

/// A position reached while resolving or walking: Alembic's mix of `Revision`, the
/// string `"base"` and `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    /// Below every base (Alembic's `"base"` produced by walking down).
    Base,
    /// A revision.
    Rev(usize),
}

/// Revisions sharing lineage with a set of revisions: their ancestors and descendants.
pub(crate) struct Lineage {
    member: Option<Vec<bool>>,
}

impl Lineage {
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.member.as_ref().is_none_or(|m| m.get(i).copied().unwrap_or(false))
    }
}

impl RevisionMap {
    /// Alembic's `_resolve_revision_number`: symbolic names to plain identifiers, plus
    /// the branch label given before `@`.
    pub(crate) fn resolve_number(
        &self,
        spec: &RevisionSpec,
    ) -> Result<(Vec<String>, Option<String>), RevisionError> {
        let s = match spec {
            RevisionSpec::Ids(ids) => return Ok((ids.clone(), None)),
            RevisionSpec::Ident(s) => s.as_str(),
        };
        let (label, id) = match s.split_once('@') {
            Some((label, id)) => (Some(label.to_string()), id),
            None => (None, s),
        };
        let label_ref = label.as_deref().filter(|l| !l.is_empty());
        let ids = match id {
            "heads" => match label_ref {
                Some(l) => {
                    let heads = self.head_indices().to_vec();
                    let kept = self.filter_indices_for_lineage(&heads, l, false)?;
                    kept.into_iter().map(|i| self.at(i).revision().to_string()).collect()
                }
                None => self.real_heads().into_iter().map(str::to_string).collect(),
            },
            "head" => self.get_current_head(label_ref)?.into_iter().map(str::to_string).collect(),
            "base" => Vec::new(),
            other => vec![other.to_string()],
        };
        Ok((ids, label))
    }

    /// The single current head, optionally of one branch (Alembic's
    /// `get_current_head`); `None` for an empty map; an error when several heads match.
    pub fn get_current_head(&self, branch_label: Option<&str>) -> Result<Option<&str>, RevisionError> {
        let mut heads = self.head_indices().to_vec();
        if let Some(label) = branch_label.filter(|l| !l.is_empty()) {
            heads = self.filter_indices_for_lineage(&heads, label, false)?;
        }
        if heads.len() > 1 {
            let argument = match branch_label.filter(|l| !l.is_empty()) {
                Some(l) => format!("{l}@head"),
                None => "head".to_string(),
            };
            return Err(RevisionError::MultipleHeads {
                heads: self.ids(&heads).into_iter().map(str::to_string).collect(),
                argument,
            });
        }
        Ok(heads.first().map(|&i| self.at(i).revision()))
    }

    /// Resolves one identifier to at most one revision (Alembic's `get_revision`):
    /// `Ok(None)` means base. Several matches (e.g. `heads` with two heads) give
    /// [`RevisionError::MultipleHeads`].
    pub fn get_revision(&self, ident: &str) -> Result<Option<&RevisionNode>, RevisionError> {
        self.get_revision_spec(&RevisionSpec::from(ident))
    }

    /// [`get_revision`](Self::get_revision) for a string or a tuple argument.
    pub fn get_revision_spec(&self, spec: &RevisionSpec) -> Result<Option<&RevisionNode>, RevisionError> {
        Ok(self.get_revision_idx(spec)?.map(|i| self.at(i)))
    }

    pub(crate) fn get_revision_idx(&self, spec: &RevisionSpec) -> Result<Option<usize>, RevisionError> {
        let (ids, label) = self.resolve_number(spec)?;
        if ids.len() > 1 {
            return Err(RevisionError::MultipleHeads { heads: ids, argument: spec.display() });
        }
        self.revision_for_ident(ids.first().map(String::as_str), label.as_deref())
    }

    /// Resolves an identifier to zero or more revisions (`heads`, `label@head`, …);
    /// `base` gives none.
    pub fn get_revisions(&self, ident: &str) -> Result<Vec<&RevisionNode>, RevisionError> {
        self.get_revisions_spec(&RevisionSpec::from(ident))
    }

    /// [`get_revisions`](Self::get_revisions) for a string or a tuple argument. A
    /// relative form walking below base (`-5` on a shorter history) is an error.
    pub fn get_revisions_spec(&self, spec: &RevisionSpec) -> Result<Vec<&RevisionNode>, RevisionError> {
        let mut out = Vec::new();
        for slot in self.get_revisions_idx(spec)? {
            match slot {
                Some(Pos::Rev(i)) => out.push(self.at(i)),
                Some(Pos::Base) => {}
                None => return Err(RevisionError::invalid("Walked too far")),
            }
        }
        Ok(out)
    }

    /// Alembic's `get_revisions`, keeping its `None` (walked off) and `"base"` results.
    pub(crate) fn get_revisions_idx(&self, spec: &RevisionSpec) -> Result<Vec<Option<Pos>>, RevisionError> {
        if let RevisionSpec::Ids(ids) = spec {
            let mut out = Vec::new();
            for id in ids {
                out.extend(self.get_revisions_idx(&RevisionSpec::Ident(id.clone()))?);
            }
            return Ok(out);
        }
        let (ids, label) = self.resolve_number(spec)?;
        if let [only] = ids.as_slice()
            && let Some(steps) = parse_int(only).filter(|&n| n < 0)
        {
            // `label@-n`: walk down from the heads of that branch.
            let mut heads = self.real_head_indices().to_vec();
            if let Some(l) = &label {
                heads.retain(|&h| self.at(h).branch_label_set().contains(l));
            }
            let mut out = Vec::new();
            for h in heads {
                out.push(self.walk_steps(Some(Pos::Rev(h)), steps, None, true)?);
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        for id in &ids {
            out.push(self.revision_for_ident(Some(id), label.as_deref())?.map(Pos::Rev));
        }
        Ok(out)
    }

    /// The revision a branch label (or, failing that, a revision identifier) names.
    pub(crate) fn resolve_branch(&self, label: &str) -> Result<usize, RevisionError> {
        if let Some(i) = self.labels.get(label).or_else(|| self.by_id.get(label)) {
            return Ok(*i);
        }
        match self.revision_for_ident(Some(label), None) {
            Ok(Some(i)) => Ok(i),
            Ok(None) | Err(RevisionError::Resolution { .. }) => {
                Err(RevisionError::resolution(format!("No such branch: '{label}'"), label))
            }
            Err(other) => Err(other),
        }
    }

    /// Alembic's `_revision_for_ident`: an exact id, a branch label, or a unique prefix
    /// (of more than three characters' worth of key), optionally checked to be on a
    /// branch.
    pub(crate) fn revision_for_ident(
        &self,
        resolved: Option<&str>,
        check_branch: Option<&str>,
    ) -> Result<Option<usize>, RevisionError> {
        let check_branch = check_branch.filter(|b| !b.is_empty());
        let branch_rev = match check_branch {
            Some(b) => Some(self.resolve_branch(b)?),
            None => None,
        };
        let Some(id) = resolved else {
            return Ok(None);
        };
        let found = self.by_id.get(id).or_else(|| self.labels.get(id)).copied();
        let revision = match found {
            Some(i) => i,
            None => {
                // Prefix lookup over the map's keys: ids in load order, then labels.
                let mut keys: Vec<(&str, usize)> = Vec::new();
                if !id.is_empty() {
                    for node in &self.nodes {
                        let key = node.revision();
                        if key.chars().count() > 3 && key.starts_with(id) {
                            keys.push((key, node.index));
                        }
                    }
                    for label in &self.label_order {
                        if label.chars().count() > 3
                            && label.starts_with(id)
                            && let Some(&i) = self.labels.get(label)
                        {
                            keys.push((label, i));
                        }
                    }
                }
                if let (Some(_), Some(b)) = (branch_rev, check_branch)
                    && !keys.is_empty()
                {
                    let lineage = self.lineage(b, false)?;
                    keys.retain(|&(_, i)| lineage.contains(i));
                }
                match keys.as_slice() {
                    [] => {
                        let hint = if id.chars().count() < 4 {
                            "; please ensure at least four characters are present for partial \
                             revision identifier matches"
                        } else {
                            ""
                        };
                        return Err(RevisionError::resolution(
                            format!("No such revision or branch '{id}'{hint}"),
                            id,
                        ));
                    }
                    [(_, i)] => *i,
                    many => {
                        let shown: Vec<String> = many.iter().take(3).map(|(k, _)| format!("'{k}'")).collect();
                        return Err(RevisionError::resolution(
                            format!("Multiple revisions start with '{id}': {}...", shown.join(", ")),
                            id,
                        ));
                    }
                }
            }
        };
        if let (Some(b), Some(label)) = (branch_rev, check_branch)
            && !self.shares_lineage(revision, &[b], false)
        {
            return Err(RevisionError::resolution(
                format!("Revision {} is not a member of branch '{label}'", self.at(revision).revision()),
                id,
            ));
        }
        Ok(Some(revision))
    }

    fn shares_lineage(&self, target: usize, against: &[usize], include_deps: bool) -> bool {
        if against.is_empty() {
            return true;
        }
        let (down, up) =
            if include_deps { (Dir::Normalized, Dir::AllNext) } else { (Dir::Versioned, Dir::Next) };
        let anc = self.reach(&[target], down);
        let desc = self.reach(&[target], up);
        against.iter().any(|&a| anc[a] || desc[a])
    }

    /// The revisions sharing lineage with what `check_against` names (its ancestors and
    /// descendants), as Alembic's `filter_for_lineage` tests them.
    pub(crate) fn lineage(&self, check_against: &str, include_deps: bool) -> Result<Lineage, RevisionError> {
        let (ids, label) = self.resolve_number(&RevisionSpec::from(check_against))?;
        let mut shares: Vec<String> = Vec::new();
        if let Some(l) = label.filter(|l| !l.is_empty()) {
            shares.push(l);
        }
        shares.extend(ids);
        if shares.is_empty() {
            return Ok(Lineage { member: None });
        }
        let mut against = Vec::new();
        for s in &shares {
            if let Some(i) = self.revision_for_ident(Some(s), None)? {
                against.push(i);
            }
        }
        let (down, up) =
            if include_deps { (Dir::Normalized, Dir::AllNext) } else { (Dir::Versioned, Dir::Next) };
        let mut member = self.reach(&against, down);
        for (m, d) in member.iter_mut().zip(self.reach(&against, up)) {
            *m |= d;
        }
        Ok(Lineage { member: Some(member) })
    }

    pub(crate) fn filter_indices_for_lineage(
        &self,
        targets: &[usize],
        check_against: &str,
        include_deps: bool,
    ) -> Result<Vec<usize>, RevisionError> {
        let lineage = self.lineage(check_against, include_deps)?;
        Ok(targets.iter().copied().filter(|&t| lineage.contains(t)).collect())
    }

    /// Keeps the targets that are ancestors or descendants of what `check_against`
    /// names (Alembic's `filter_for_lineage`), in the given order.
    pub fn filter_for_lineage<'a>(
        &self,
        targets: &[&'a str],
        check_against: &str,
        include_dependencies: bool,
    ) -> Result<Vec<&'a str>, RevisionError> {
        // Like Alembic, a bad `check_against` is an error even with no targets.
        self.resolve_number(&RevisionSpec::from(check_against))?;
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let lineage = self.lineage(check_against, include_dependencies)?;
        let mut out = Vec::new();
        for &t in targets {
            let Some(i) = self.revision_for_ident(Some(t), None)? else {
                continue;
            };
            if lineage.contains(i) {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Alembic's `_get_all_current`: the given revisions and their ancestors, reduced
    /// to the tips of each branch. Load order.
    pub fn get_all_current(&self, ids: &[String]) -> Result<Vec<&RevisionNode>, RevisionError> {
        Ok(self.all_current_idx(ids)?.into_iter().map(|i| self.at(i)).collect())
    }

    pub(crate) fn all_current_idx(&self, ids: &[String]) -> Result<Vec<usize>, RevisionError> {
        let top: Vec<usize> = self
            .get_revisions_idx(&RevisionSpec::Ids(ids.to_vec()))?
            .into_iter()
            .filter_map(|p| match p {
                Some(Pos::Rev(i)) => Some(i),
                _ => None,
            })
            .collect();
        let set = self.reach(&top, Dir::Normalized);
        Ok((0..self.len()).filter(|&i| set[i] && !self.at(i).nextrev.iter().any(|&c| set[c])).collect())
    }

    /// Alembic's `_walk`: `steps` up (positive) or down (negative) from `start`
    /// (`None`: from nothing, i.e. the bases going up or the heads going down). `None`
    /// when the walk leaves the graph and `no_overwalk` is set.
    pub(crate) fn walk_steps(
        &self,
        start: Option<Pos>,
        steps: i64,
        branch_label: Option<&str>,
        no_overwalk: bool,
    ) -> Result<Option<Pos>, RevisionError> {
        let mut initial = start;
        let mut lineage: Option<Lineage> = None;
        let label = branch_label.filter(|l| !l.is_empty());
        for _ in 0..steps.unsigned_abs() {
            let children: Vec<Pos> = if steps > 0 {
                let up: Vec<usize> = match initial {
                    Some(Pos::Rev(i)) => self.at(i).nextrev.clone(),
                    _ => self.base_indices().to_vec(),
                };
                match label {
                    Some(l) if !up.is_empty() => {
                        if lineage.is_none() {
                            lineage = Some(self.lineage(l, false)?);
                        }
                        let lin = lineage.as_ref();
                        up.into_iter().filter(|&i| lin.is_none_or(|x| x.contains(i))).map(Pos::Rev).collect()
                    }
                    _ => up.into_iter().map(Pos::Rev).collect(),
                }
            } else {
                match initial {
                    Some(Pos::Base) => Vec::new(),
                    Some(Pos::Rev(i)) if !self.at(i).down.is_empty() => {
                        self.at(i).down.iter().map(|&d| Pos::Rev(d)).collect()
                    }
                    Some(Pos::Rev(_)) => vec![Pos::Base],
                    None if self.head_indices().is_empty() => vec![Pos::Base],
                    None => self.head_indices().iter().map(|&h| Pos::Rev(h)).collect(),
                }
            };
            match children.as_slice() {
                [] => return Ok(if no_overwalk { None } else { initial }),
                [one] => initial = Some(*one),
                _ => return Err(RevisionError::invalid("Ambiguous walk")),
            }
        }
        Ok(initial)
    }

    /// Resolves the relative form `[label@][symbol](+|-)N` against an absolute symbol,
    /// for callers that want one revision (e.g. `show base+2`). `Ok(None)` is base.
    pub fn resolve_relative(&self, ident: &str) -> Result<Option<&RevisionNode>, RevisionError> {
        let Some(rel) = parse_relative(ident) else {
            return self.get_revision(ident);
        };
        let Some(symbol) = rel.symbol else {
            return Err(RevisionError::relative(rel.raw, &rel.count_text()));
        };
        let start = match rel.label {
            Some(l) if rel.steps < 0 => {
                self.get_revision_idx(&RevisionSpec::Ident(format!("{l}@{symbol}")))?
            }
            _ => self.get_revision_idx(&RevisionSpec::from(symbol))?,
        };
        let label = if rel.steps > 0 { rel.label } else { None };
        match self.walk_steps(start.map(Pos::Rev), rel.steps, label, true)? {
            Some(Pos::Rev(i)) => Ok(Some(self.at(i))),
            Some(Pos::Base) => Ok(None),
            None => Err(RevisionError::relative(rel.raw, &rel.count_text())),
        }
    }
}
