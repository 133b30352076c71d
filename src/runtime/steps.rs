//! Migration steps (Alembic's `runtime/migration.py` `MigrationStep`, `RevisionStep`,
//! `StampStep` and `HeadMaintainer`, and `ScriptDirectory._upgrade_revs`,
//! `_downgrade_revs`, `_stamp_revs`): the upgrade, downgrade and stamp plans and the
//! version-table rows after each step. Pure: no database here.
//!
//! Where Alembic picks among several rows through Python set order (which row of a
//! merge is updated and which are deleted; which parent of an unmerge is updated and
//! which are inserted), declaration order decides here: the first `down_revision` that
//! is a current head gets the `UPDATE`, the others are deleted or inserted.

use crate::script::revision::{
    ErrorContext, IterateOptions, RevisionError, RevisionMap, RevisionNode, RevisionSpec,
};

/// One revision applied or undone (Alembic's `RevisionStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionStep {
    revision: String,
    is_upgrade: bool,
    from_revisions: Vec<String>,
    from_revisions_no_deps: Vec<String>,
    to_revisions: Vec<String>,
    to_revisions_no_deps: Vec<String>,
}

impl RevisionStep {
    /// The step that applies (`is_upgrade`) or undoes `node`.
    pub fn new(node: &RevisionNode, is_upgrade: bool) -> Self {
        let me = vec![node.revision().to_string()];
        let down: Vec<String> = node.normalized_down_revisions().into_iter().map(str::to_string).collect();
        let down_no_deps = node.down_revisions().to_vec();
        let (from, from_nd, to, to_nd) = if is_upgrade {
            (down, down_no_deps, me.clone(), me)
        } else {
            (me.clone(), me, down, down_no_deps)
        };
        RevisionStep {
            revision: node.revision().to_string(),
            is_upgrade,
            from_revisions: from,
            from_revisions_no_deps: from_nd,
            to_revisions: to,
            to_revisions_no_deps: to_nd,
        }
    }

    /// An upgrade step for `node`.
    pub fn upgrade(node: &RevisionNode) -> Self {
        Self::new(node, true)
    }

    /// A downgrade step for `node`.
    pub fn downgrade(node: &RevisionNode) -> Self {
        Self::new(node, false)
    }

    /// The revision whose `upgrade` or `downgrade` runs.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// True for an upgrade.
    pub fn is_upgrade(&self) -> bool {
        self.is_upgrade
    }

    /// The revision moves over more than one parent: an upgrade merges branches, a
    /// downgrade may split them again (depending on the current heads).
    pub fn is_merge_point(&self) -> bool {
        let down = if self.is_upgrade { &self.from_revisions } else { &self.to_revisions };
        down.len() > 1
    }
}

/// A version-table move without running migrations (Alembic's `StampStep`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampStep {
    /// Rows moved from.
    pub from: Vec<String>,
    /// Rows moved to.
    pub to: Vec<String>,
    /// Moving up the graph.
    pub is_upgrade: bool,
    /// Starting or ending a branch (insert or delete) rather than moving one.
    pub branch_move: bool,
}

/// A step of a plan: a revision's migration or a stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationStep {
    /// Runs a revision's `upgrade` or `downgrade`.
    Revision(RevisionStep),
    /// Moves version-table rows only.
    Stamp(StampStep),
}

impl MigrationStep {
    /// True when moving up the graph.
    pub fn is_upgrade(&self) -> bool {
        match self {
            MigrationStep::Revision(r) => r.is_upgrade,
            MigrationStep::Stamp(s) => s.is_upgrade,
        }
    }

    /// The revision run by a migration step; `None` for a stamp.
    pub fn revision(&self) -> Option<&str> {
        match self {
            MigrationStep::Revision(r) => Some(&r.revision),
            MigrationStep::Stamp(_) => None,
        }
    }

    /// Where the step starts, dependencies included.
    pub fn from_revisions(&self) -> &[String] {
        match self {
            MigrationStep::Revision(r) => &r.from_revisions,
            MigrationStep::Stamp(s) => &s.from,
        }
    }

    /// Where the step ends, dependencies included.
    pub fn to_revisions(&self) -> &[String] {
        match self {
            MigrationStep::Revision(r) => &r.to_revisions,
            MigrationStep::Stamp(s) => &s.to,
        }
    }

    /// Where the step starts, by `down_revision` only (for logs).
    pub fn from_revisions_no_deps(&self) -> &[String] {
        match self {
            MigrationStep::Revision(r) => &r.from_revisions_no_deps,
            MigrationStep::Stamp(s) => &s.from,
        }
    }

    /// Where the step ends, by `down_revision` only (for logs).
    pub fn to_revisions_no_deps(&self) -> &[String] {
        match self {
            MigrationStep::Revision(r) => &r.to_revisions_no_deps,
            MigrationStep::Stamp(s) => &s.to,
        }
    }

    /// The function Alembic names in its log: `upgrade`, `downgrade` or `stamp_revision`.
    pub fn name(&self) -> &'static str {
        match self {
            MigrationStep::Revision(r) if r.is_upgrade => "upgrade",
            MigrationStep::Revision(_) => "downgrade",
            MigrationStep::Stamp(_) => "stamp_revision",
        }
    }

    /// Alembic's `short_log`, e.g. `upgrade a -> b` or `upgrade  -> a` for a base.
    pub fn short_log(&self) -> String {
        format!(
            "{} {} -> {}",
            self.name(),
            self.from_revisions_no_deps().join(", "),
            self.to_revisions_no_deps().join(", ")
        )
    }
}

fn plan_context(ancestor: &str, destination: &RevisionSpec) -> ErrorContext {
    ErrorContext {
        ancestor: Some(ancestor.to_string()),
        end: Some(destination.display()),
        ..ErrorContext::default()
    }
}

/// The steps to upgrade from `current` (the version table's heads) to `destination`,
/// in order (Alembic's `ScriptDirectory._upgrade_revs`). Errors are phrased as
/// Alembic's `upgrade` command phrases them.
pub fn upgrade_plan(
    map: &RevisionMap,
    destination: &RevisionSpec,
    current: &RevisionSpec,
) -> Result<Vec<MigrationStep>, RevisionError> {
    let options = IterateOptions { implicit_base: true, ..IterateOptions::default() };
    let revs = map.iterate_revisions(destination, current, options).map_err(|e| {
        e.for_command(&plan_context(
            "Destination %(end)s is not a valid upgrade target from current head(s)",
            destination,
        ))
    })?;
    Ok(revs.into_iter().rev().map(|n| MigrationStep::Revision(RevisionStep::upgrade(n))).collect())
}

/// The steps to downgrade from `current` to `destination`, in order (Alembic's
/// `ScriptDirectory._downgrade_revs`). Linear in the size of the history.
pub fn downgrade_plan(
    map: &RevisionMap,
    destination: &RevisionSpec,
    current: &RevisionSpec,
) -> Result<Vec<MigrationStep>, RevisionError> {
    let options = IterateOptions { select_for_downgrade: true, ..IterateOptions::default() };
    let revs = map.iterate_revisions(current, destination, options).map_err(|e| {
        e.for_command(&plan_context(
            "Destination %(end)s is not a valid downgrade target from current head(s)",
            destination,
        ))
    })?;
    Ok(revs.into_iter().map(|n| MigrationStep::Revision(RevisionStep::downgrade(n))).collect())
}

/// Checks that `start:end` (as given to `upgrade --sql start:end` or
/// `downgrade --sql end:start`) names `start` at or below `end`. Alembic silently plans
/// nothing for a reversed upgrade range; this gives its `history` wording instead:
/// "Requested range c1:aaa1 does not refer to ancestor/descendant revisions along the
/// same branch".
pub fn check_range(map: &RevisionMap, start: &RevisionSpec, end: &RevisionSpec) -> Result<(), RevisionError> {
    map.walk(start, end).map(|_| ())
}

/// The stamp steps that make the version table hold `revisions` given the current
/// `heads` (Alembic's `ScriptDirectory._stamp_revs`); with `purge` the current rows
/// are ignored (the caller empties the table first).
pub fn stamp_plan(
    map: &RevisionMap,
    revisions: &RevisionSpec,
    heads: &[String],
    purge: bool,
) -> Result<Vec<MigrationStep>, RevisionError> {
    let context = ErrorContext {
        multiple_heads: Some("Multiple heads are present; please specify a single target revision".into()),
        ..ErrorContext::default()
    };
    stamp_steps(map, revisions, if purge { &[] } else { heads }).map_err(|e| e.for_command(&context))
}

fn stamp_steps(
    map: &RevisionMap,
    revisions: &RevisionSpec,
    heads: &[String],
) -> Result<Vec<MigrationStep>, RevisionError> {
    let head_revs: Vec<&str> = map
        .get_revisions_spec(&RevisionSpec::Ids(heads.to_vec()))?
        .into_iter()
        .map(|n| n.revision())
        .collect();
    let revisions = match revisions {
        RevisionSpec::Ident(s) if s.is_empty() => RevisionSpec::from("base"),
        RevisionSpec::Ids(v) if v.is_empty() => RevisionSpec::from("base"),
        other => other.clone(),
    };
    let mut filtered: Vec<&str> = Vec::new();
    for rev in revisions.to_list() {
        if rev.is_empty() {
            continue;
        }
        for h in map.filter_for_lineage(&head_revs, &rev, true)? {
            if !filtered.contains(&h) {
                filtered.push(h);
            }
        }
    }
    let dests = map.get_revisions_spec(&revisions)?;
    let owned = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
    let mut steps = Vec::new();
    if dests.is_empty() {
        // Stamping base: delete every head of the selected lineage.
        for h in &filtered {
            steps.push(StampStep {
                from: vec![h.to_string()],
                to: Vec::new(),
                is_upgrade: false,
                branch_move: true,
            });
        }
    }
    for dest in dests {
        let d = dest.revision();
        if filtered.contains(&d) {
            continue;
        }
        let above: Vec<&str> = map.descendants(&[d], true)?.into_iter().map(|n| n.revision()).collect();
        let below: Vec<&str> = map.ancestors(&[d], true)?.into_iter().map(|n| n.revision()).collect();
        let to = vec![d.to_string()];
        if filtered.iter().any(|h| above.contains(h)) {
            if filtered.iter().any(|h| below.contains(h)) {
                return Err(RevisionError::invalid(format!(
                    "Can't stamp {d}: current heads are both above and below it"
                )));
            }
            steps.push(StampStep { from: owned(&filtered), to, is_upgrade: false, branch_move: false });
        } else if filtered.iter().any(|h| below.contains(h)) {
            steps.push(StampStep { from: owned(&filtered), to, is_upgrade: true, branch_move: false });
        } else {
            steps.push(StampStep { from: Vec::new(), to, is_upgrade: true, branch_move: true });
        }
    }
    Ok(steps.into_iter().map(MigrationStep::Stamp).collect())
}

/// How a step changes the version table, decided from the current heads (the branches
/// of Alembic's `HeadMaintainer.update_to_step`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadChange {
    /// A branch ends: delete its row.
    DeleteBranch(String),
    /// A new branch starts: insert a row.
    CreateBranch(String),
    /// Branches merge: delete some rows, update one.
    Merge {
        /// Rows deleted first.
        delete: Vec<String>,
        /// Row updated ...
        from: String,
        /// ... to this revision.
        to: String,
    },
    /// A merge is undone: insert some rows, update one.
    Unmerge {
        /// Row updated ...
        from: String,
        /// ... to this revision.
        to: String,
        /// Rows inserted first.
        insert: Vec<String>,
    },
    /// One row moves.
    Update {
        /// Old value.
        from: String,
        /// New value.
        to: String,
    },
}

/// One statement against the version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    /// `INSERT INTO alembic_version (version_num) VALUES (id)`.
    Insert(String),
    /// `DELETE FROM alembic_version WHERE version_num = id`.
    Delete(String),
    /// `UPDATE alembic_version SET version_num = to WHERE version_num = from`.
    Update {
        /// Row matched.
        from: String,
        /// New value.
        to: String,
    },
}

/// The version table's rows as a migration runs (Alembic's `HeadMaintainer`), without
/// a database: [`apply`](Self::apply) gives the statements for each step and updates
/// the heads.
///
/// Alembic recomputes ancestor sets at every step, which makes long downgrades
/// quadratic; this keeps the set of applied revisions (the ancestors of the heads) up
/// to date instead, so each step only looks at the few revisions around it.
#[derive(Debug, Clone)]
pub struct VersionHeads<'m> {
    map: &'m RevisionMap,
    heads: Vec<usize>,
    applied: Vec<bool>,
}

impl<'m> VersionHeads<'m> {
    /// Starts from the given rows (in table order). Every row must name a revision.
    pub fn new(map: &'m RevisionMap, heads: &[String]) -> Result<Self, RevisionError> {
        let mut idx = Vec::new();
        for h in heads {
            let i = map.index_of(h).ok_or_else(|| {
                RevisionError::Command(format!("Can't locate revision identified by '{h}'"))
            })?;
            if !idx.contains(&i) {
                idx.push(i);
            }
        }
        let applied = applied_below(map, &idx);
        Ok(VersionHeads { map, heads: idx, applied })
    }

    /// The current rows, in the order they were written.
    pub fn heads(&self) -> Vec<&str> {
        self.heads.iter().map(|&i| self.map.at(i).revision()).collect()
    }

    fn has(&self, id: &str) -> bool {
        self.map.index_of(id).is_some_and(|i| self.heads.contains(&i))
    }

    fn idx(&self, id: &str) -> Result<usize, RevisionError> {
        self.map
            .index_of(id)
            .ok_or_else(|| RevisionError::Command(format!("Can't locate revision identified by '{id}'")))
    }

    /// Whether `t` is one of `among` or below one of them. `applied` holds every
    /// ancestor of the heads, so the search only climbs through applied revisions.
    fn implied(&self, t: usize, among: &[usize]) -> bool {
        let mut stack = vec![t];
        let mut seen = std::collections::HashSet::new();
        while let Some(x) = stack.pop() {
            if among.contains(&x) {
                return true;
            }
            if !seen.insert(x) {
                continue;
            }
            stack.extend(self.map.at(x).norm_children.iter().copied().filter(|&c| self.applied[c]));
        }
        false
    }

    /// Alembic's `_unmerge_to_revisions`: the parents of a downgraded revision that
    /// must become rows (those no other row already implies), in declaration order.
    fn unmerge_to(&self, rev: usize) -> Vec<usize> {
        let down = &self.map.at(rev).normalized_down;
        let others: Vec<usize> = self.heads.iter().copied().filter(|&h| h != rev).collect();
        if others.is_empty() {
            down.iter().copied().filter(|&t| !down.iter().any(|&u| u != t && self.implied(t, &[u]))).collect()
        } else {
            down.iter().copied().filter(|&t| !self.implied(t, &others)).collect()
        }
    }

    /// What `step` does to the version table given the current rows.
    pub fn head_change(&self, step: &MigrationStep) -> Result<HeadChange, RevisionError> {
        match step {
            MigrationStep::Stamp(s) => self.stamp_change(s),
            MigrationStep::Revision(r) => self.revision_change(r),
        }
    }

    fn stamp_change(&self, s: &StampStep) -> Result<HeadChange, RevisionError> {
        let single = |v: &[String], what: &str| -> Result<String, RevisionError> {
            match v {
                [one] => Ok(one.clone()),
                _ => Err(RevisionError::invalid(format!("Stamp step needs exactly one {what} revision"))),
            }
        };
        if !s.is_upgrade && s.branch_move {
            return Ok(HeadChange::DeleteBranch(single(&s.from, "source")?));
        }
        let from_missing = s.from.iter().any(|f| !self.has(f));
        let to_missing = s.to.iter().any(|t| !self.has(t));
        if s.is_upgrade && (s.branch_move || from_missing) && to_missing {
            return Ok(HeadChange::CreateBranch(single(&s.to, "target")?));
        }
        if let Some((last, rest)) = s.from.split_last().filter(|_| s.from.len() > 1) {
            return Ok(HeadChange::Merge {
                delete: rest.to_vec(),
                from: last.clone(),
                to: single(&s.to[..s.to.len().min(1)], "target")?,
            });
        }
        if let Some((last, rest)) = s.to.split_last().filter(|_| s.to.len() > 1) {
            return Ok(HeadChange::Unmerge {
                from: single(&s.from[..s.from.len().min(1)], "source")?,
                to: last.clone(),
                insert: rest.to_vec(),
            });
        }
        Ok(HeadChange::Update { from: single(&s.from, "source")?, to: single(&s.to, "target")? })
    }

    fn revision_change(&self, r: &RevisionStep) -> Result<HeadChange, RevisionError> {
        let rev = self.idx(&r.revision)?;
        let node = self.map.at(rev);
        let down = &node.normalized_down;
        let id = |i: usize| self.map.at(i).revision().to_string();
        let in_heads = self.heads.contains(&rev);
        if !r.is_upgrade {
            if in_heads && (down.is_empty() || self.unmerge_to(rev).is_empty()) {
                return Ok(HeadChange::DeleteBranch(id(rev)));
            }
            if in_heads && down.len() > 1 {
                let to = self.unmerge_to(rev);
                let Some((first, rest)) = to.split_first() else {
                    return Ok(HeadChange::DeleteBranch(id(rev)));
                };
                return Ok(HeadChange::Unmerge {
                    from: id(rev),
                    to: id(*first),
                    insert: rest.iter().map(|&i| id(i)).collect(),
                });
            }
            if !in_heads {
                return Err(RevisionError::invalid(format!(
                    "Can't downgrade {}: it is not a current head (current heads: {})",
                    node.revision(),
                    self.heads().join(", ")
                )));
            }
            let target = self.single_down(rev)?;
            return Ok(HeadChange::Update { from: id(rev), to: id(target) });
        }
        let present: Vec<usize> = down.iter().copied().filter(|d| self.heads.contains(d)).collect();
        if down.is_empty() || present.is_empty() {
            return Ok(HeadChange::CreateBranch(id(rev)));
        }
        if down.len() > 1 && present.len() > 1 {
            let others: Vec<usize> = self.heads.iter().copied().filter(|h| !down.contains(h)).collect();
            // Rows implied by another remaining row stay; the rest collapse into `rev`.
            // Only rows actually present can be deleted or updated.
            let merged: Vec<usize> =
                present.iter().copied().filter(|&f| others.is_empty() || !self.implied(f, &others)).collect();
            let Some((first, rest)) = merged.split_first() else {
                return Ok(HeadChange::CreateBranch(id(rev)));
            };
            return Ok(HeadChange::Merge {
                delete: rest.iter().map(|&i| id(i)).collect(),
                from: id(*first),
                to: id(rev),
            });
        }
        let from = match down.as_slice() {
            [one] => *one,
            _ => self.single_down(rev)?,
        };
        Ok(HeadChange::Update { from: id(from), to: id(rev) })
    }

    /// The one parent of `rev` that is a current row, for a plain `UPDATE`.
    fn single_down(&self, rev: usize) -> Result<usize, RevisionError> {
        let down = &self.map.at(rev).normalized_down;
        if let [one] = down.as_slice() {
            return Ok(*one);
        }
        let present: Vec<usize> = down.iter().copied().filter(|d| self.heads.contains(d)).collect();
        match present.as_slice() {
            [one] => Ok(*one),
            _ => Err(RevisionError::invalid("Can't do an UPDATE because downrevision is ambiguous")),
        }
    }

    /// Applies `step`: returns the version-table statements (in execution order) and
    /// updates the heads.
    pub fn apply(&mut self, step: &MigrationStep) -> Result<Vec<VersionChange>, RevisionError> {
        let change = self.head_change(step)?;
        let mut heads = self.heads.clone();
        let mut out = Vec::new();
        let insert =
            |heads: &mut Vec<usize>, out: &mut Vec<VersionChange>, v: &str| -> Result<(), RevisionError> {
                let i = self.idx(v)?;
                if heads.contains(&i) {
                    return Err(RevisionError::invalid(format!("Revision {v} is already a current head")));
                }
                heads.push(i);
                out.push(VersionChange::Insert(v.to_string()));
                Ok(())
            };
        let delete =
            |heads: &mut Vec<usize>, out: &mut Vec<VersionChange>, v: &str| -> Result<(), RevisionError> {
                let i = self.idx(v)?;
                let Some(p) = heads.iter().position(|&h| h == i) else {
                    return Err(RevisionError::invalid(format!("Revision {v} is not a current head")));
                };
                heads.remove(p);
                out.push(VersionChange::Delete(v.to_string()));
                Ok(())
            };
        let update = |heads: &mut Vec<usize>,
                      out: &mut Vec<VersionChange>,
                      from: &str,
                      to: &str|
         -> Result<(), RevisionError> {
            let (f, t) = (self.idx(from)?, self.idx(to)?);
            if heads.contains(&t) {
                return Err(RevisionError::invalid(format!("Revision {to} is already a current head")));
            }
            let Some(p) = heads.iter().position(|&h| h == f) else {
                return Err(RevisionError::invalid(format!("Revision {from} is not a current head")));
            };
            heads[p] = t;
            out.push(VersionChange::Update { from: from.to_string(), to: to.to_string() });
            Ok(())
        };
        match &change {
            HeadChange::DeleteBranch(v) => delete(&mut heads, &mut out, v)?,
            HeadChange::CreateBranch(v) => insert(&mut heads, &mut out, v)?,
            HeadChange::Merge { delete: dels, from, to } => {
                for d in dels {
                    delete(&mut heads, &mut out, d)?;
                }
                update(&mut heads, &mut out, from, to)?;
            }
            HeadChange::Unmerge { from, to, insert: ins } => {
                for i in ins {
                    insert(&mut heads, &mut out, i)?;
                }
                update(&mut heads, &mut out, from, to)?;
            }
            HeadChange::Update { from, to } => update(&mut heads, &mut out, from, to)?,
        }
        self.heads = heads;
        match step {
            MigrationStep::Revision(r) => {
                let rev = self.idx(&r.revision)?;
                if r.is_upgrade {
                    let mut stack = vec![rev];
                    while let Some(x) = stack.pop() {
                        if !std::mem::replace(&mut self.applied[x], true) {
                            stack.extend(self.map.at(x).normalized_down.iter().copied());
                        }
                    }
                } else if !self.heads.contains(&rev) {
                    self.applied[rev] = false;
                    let heads = self.heads.clone();
                    if self.implied(rev, &heads) {
                        self.applied[rev] = true;
                    }
                }
            }
            MigrationStep::Stamp(_) => self.applied = applied_below(self.map, &self.heads),
        }
        Ok(out)
    }
}

fn applied_below(map: &RevisionMap, heads: &[usize]) -> Vec<bool> {
    let mut applied = vec![false; map.len()];
    let mut stack: Vec<usize> = heads.to_vec();
    while let Some(x) = stack.pop() {
        if !std::mem::replace(&mut applied[x], true) {
            stack.extend(map.at(x).normalized_down.iter().copied());
        }
    }
    applied
}
