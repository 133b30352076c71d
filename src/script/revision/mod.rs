//! The revision graph (Alembic's `script/revision.py`): revisions, their parents,
//! branch labels and dependencies; identifier resolution; ordered traversal.
//!
//! Revisions are kept in the order they were given (the order their files were
//! loaded); every place where Alembic's output depends on that order follows it, and
//! every place where Alembic depends on Python set or hash order uses a documented
//! deterministic order instead (usually declaration order, then load order).
//!
//! All traversals are iterative, so histories of any depth are safe, and nothing here
//! panics on user data: every failure is a [`RevisionError`].

mod build;
mod error;
mod ident;
mod iterate;
mod resolve;

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

pub use error::{CycleKind, ErrorContext, RevisionError};
pub use ident::{Relative, RevisionSpec, parse_range, parse_relative, verify_rev_id};
pub use iterate::IterateOptions;

/// One revision as the graph sees it: its id and its edges. The file it came from is
/// kept by [`crate::script::ScriptDirectory`], not here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revision {
    /// The revision identifier.
    pub revision: String,
    /// Parents; empty for a base, two or more for a merge point.
    pub down_revision: Vec<String>,
    /// Branch labels declared on this revision.
    pub branch_labels: Vec<String>,
    /// Revisions or labels this one depends on, beyond its parents.
    pub depends_on: Vec<String>,
}

impl Revision {
    /// A revision with the given id and parents, without labels or dependencies.
    pub fn new(revision: &str, down_revision: &[&str]) -> Self {
        Revision {
            revision: revision.to_string(),
            down_revision: down_revision.iter().map(|s| s.to_string()).collect(),
            ..Revision::default()
        }
    }

    /// Adds `depends_on` entries (builder style).
    pub fn with_depends_on(mut self, deps: &[&str]) -> Self {
        self.depends_on.extend(deps.iter().map(|s| s.to_string()));
        self
    }

    /// Adds branch labels (builder style).
    pub fn with_branch_labels(mut self, labels: &[&str]) -> Self {
        self.branch_labels.extend(labels.iter().map(|s| s.to_string()));
        self
    }
}

/// A revision in the map with the edges computed from the whole graph.
#[derive(Debug, Clone)]
pub struct RevisionNode {
    rev: Revision,
    /// Position in load order.
    pub(crate) index: usize,
    /// `down_revision` as indices, duplicates removed.
    pub(crate) down: Vec<usize>,
    /// `down` followed by `normalized_deps`, without duplicates.
    pub(crate) normalized_down: Vec<usize>,
    /// Revisions naming this one in `down_revision`, in load order.
    pub(crate) nextrev: Vec<usize>,
    /// Revisions naming this one in `down_revision` or `depends_on`, in load order.
    pub(crate) all_nextrev: Vec<usize>,
    /// Revisions having this one in their normalized down revisions.
    pub(crate) norm_children: Vec<usize>,
    /// `depends_on` resolved to revisions, in declaration order.
    pub(crate) resolved_deps: Vec<usize>,
    /// `down` followed by `resolved_deps`, without duplicates.
    pub(crate) all_down: Vec<usize>,
    labels: build::Labels,
    /// Every revision id of the map by index, shared by all nodes so that the
    /// accessors can name related revisions without a map at hand.
    names: Arc<[Box<str>]>,
}

impl RevisionNode {
    /// The revision id.
    pub fn revision(&self) -> &str {
        &self.rev.revision
    }
    /// The revision as it was given to [`RevisionMap::new`].
    pub fn as_revision(&self) -> &Revision {
        &self.rev
    }
    /// Parents as declared (`down_revision`).
    pub fn down_revisions(&self) -> &[String] {
        &self.rev.down_revision
    }
    /// `depends_on` as declared.
    pub fn dependencies(&self) -> &[String] {
        &self.rev.depends_on
    }
    /// `depends_on` resolved to revision ids (branch labels replaced by the revision
    /// carrying them), in declaration order.
    pub fn resolved_dependencies(&self) -> Vec<&str> {
        self.name_list(&self.resolved_deps)
    }
    /// Parents and resolved dependencies (Alembic's `_all_down_revisions`).
    pub fn all_down_revisions(&self) -> Vec<&str> {
        self.name_list(&self.all_down)
    }
    /// Parents and those dependencies not already implied by an ancestor's dependency
    /// (Alembic's `_normalized_down_revisions`): the edges a migration step moves along.
    pub fn normalized_down_revisions(&self) -> Vec<&str> {
        self.name_list(&self.normalized_down)
    }
    /// Branch labels declared on this revision itself.
    pub fn orig_branch_labels(&self) -> &[String] {
        &self.rev.branch_labels
    }
    /// Branch labels in effect here (declared here or inherited along the branch).
    pub fn branch_labels(&self) -> BTreeSet<String> {
        (*self.labels).clone()
    }
    /// Branch labels in effect here, borrowed.
    pub fn branch_label_set(&self) -> &BTreeSet<String> {
        &self.labels
    }
    /// Children (revisions naming this one in `down_revision`), sorted.
    pub fn nextrev(&self) -> Vec<&str> {
        let mut v = self.name_list(&self.nextrev);
        v.sort_unstable();
        v
    }
    /// Children by `down_revision` or `depends_on` (Alembic's `_all_nextrev`), sorted.
    pub fn all_nextrev(&self) -> Vec<&str> {
        let mut v = self.name_list(&self.all_nextrev);
        v.sort_unstable();
        v
    }
    fn name_list(&self, idx: &[usize]) -> Vec<&str> {
        idx.iter().filter_map(|&i| self.names.get(i)).map(|s| &**s).collect()
    }
    /// No children.
    pub fn is_head(&self) -> bool {
        self.nextrev.is_empty()
    }
    /// No children, counting revisions that depend on this one.
    pub fn is_real_head(&self) -> bool {
        self.all_nextrev.is_empty()
    }
    /// No parents.
    pub fn is_base(&self) -> bool {
        self.down.is_empty()
    }
    /// No parents and no dependencies.
    pub fn is_real_base(&self) -> bool {
        self.down.is_empty() && self.rev.depends_on.is_empty()
    }
    /// More than one child.
    pub fn is_branch_point(&self) -> bool {
        self.nextrev.len() > 1
    }
    /// More than one child, counting revisions that depend on this one.
    pub fn is_real_branch_point(&self) -> bool {
        self.all_nextrev.len() > 1
    }
    /// More than one parent.
    pub fn is_merge_point(&self) -> bool {
        self.down.len() > 1
    }
}

/// FNV-1a: revision ids are short strings looked up very often; the standard hasher's
/// DoS resistance is not needed for ids read from one's own project.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) type IdHasher = BuildHasherDefault<Fnv>;

/// The whole graph, built and validated from revisions in load order.
#[derive(Debug, Clone, Default)]
pub struct RevisionMap {
    nodes: Vec<RevisionNode>,
    by_id: HashMap<String, usize, IdHasher>,
    /// Branch label → revision carrying it.
    labels: HashMap<String, usize, IdHasher>,
    /// Labels in the order they were mapped (Alembic's map key order after the ids).
    label_order: Vec<String>,
    heads: Vec<usize>,
    real_heads: Vec<usize>,
    bases: Vec<usize>,
    real_bases: Vec<usize>,
    /// Revisions in a parents-first order over all edges.
    topo: Vec<usize>,
}

impl RevisionMap {
    /// Builds and validates the graph.
    ///
    /// Errors (Alembic's texts where it has one): a self-loop or dependency self-loop,
    /// an illegal character in an id, an id given twice, a branch label used twice (or
    /// equal to a revision id), a `down_revision` or `depends_on` naming nothing, and
    /// cycles through parents or dependencies.
    pub fn new(revisions: Vec<Revision>) -> Result<Self, RevisionError> {
        build::build(revisions)
    }
    /// Heads in Alembic's order (load order): revisions no `down_revision` names.
    pub fn heads(&self) -> Vec<&str> {
        self.ids(&self.heads)
    }
    /// Heads that nothing depends on either (Alembic's `_real_heads`): the rows the
    /// version table holds after upgrading to `heads`.
    pub fn real_heads(&self) -> Vec<&str> {
        self.ids(&self.real_heads)
    }
    /// Bases in Alembic's order (load order): revisions without `down_revision`.
    pub fn bases(&self) -> Vec<&str> {
        self.ids(&self.bases)
    }
    /// Bases without dependencies (Alembic's `_real_bases`).
    pub fn real_bases(&self) -> Vec<&str> {
        self.ids(&self.real_bases)
    }
    /// The node with exactly this id.
    pub fn node(&self, id: &str) -> Option<&RevisionNode> {
        self.by_id.get(id).and_then(|&i| self.nodes.get(i))
    }
    /// The revision carrying this branch label.
    pub fn branch(&self, label: &str) -> Option<&RevisionNode> {
        self.labels.get(label).and_then(|&i| self.nodes.get(i))
    }
    /// All revisions in load order.
    pub fn iter(&self) -> impl Iterator<Item = &RevisionNode> {
        self.nodes.iter()
    }
    /// Number of revisions.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    /// True when there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub(crate) fn ids(&self, idx: &[usize]) -> Vec<&str> {
        idx.iter().map(|&i| self.nodes[i].revision()).collect()
    }
    pub(crate) fn at(&self, i: usize) -> &RevisionNode {
        &self.nodes[i]
    }
    pub(crate) fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
    pub(crate) fn head_indices(&self) -> &[usize] {
        &self.heads
    }
    pub(crate) fn real_head_indices(&self) -> &[usize] {
        &self.real_heads
    }
    pub(crate) fn base_indices(&self) -> &[usize] {
        &self.bases
    }
    pub(crate) fn topo_order(&self) -> &[usize] {
        &self.topo
    }
}
