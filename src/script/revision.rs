//! The revision graph (Alembic's `script/revision.py`): revisions, their parents,
//! branch labels and dependencies; identifier resolution; ordered traversal.
//!
//! STUB: the public API below is the contract; the bodies are being written.

use std::collections::BTreeSet;

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

/// What can be wrong with a revision graph or an identifier; texts follow Alembic's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    /// An identifier does not resolve.
    #[error("{message}")]
    Resolution {
        /// The message.
        message: String,
        /// The identifier at fault.
        argument: String,
    },
}

/// A revision in the map with the edges computed from the whole graph.
#[derive(Debug, Clone)]
pub struct RevisionNode {
    rev: Revision,
}

impl RevisionNode {
    /// The revision id.
    pub fn revision(&self) -> &str {
        &self.rev.revision
    }
    /// Parents as declared (`down_revision`).
    pub fn down_revisions(&self) -> &[String] {
        &self.rev.down_revision
    }
    /// `depends_on` as declared.
    pub fn dependencies(&self) -> &[String] {
        &self.rev.depends_on
    }
    /// Branch labels declared on this revision itself.
    pub fn orig_branch_labels(&self) -> &[String] {
        &self.rev.branch_labels
    }
    /// Branch labels in effect here (declared here or inherited along the branch).
    pub fn branch_labels(&self) -> BTreeSet<String> {
        unimplemented!()
    }
    /// Children (revisions naming this one in `down_revision`), sorted.
    pub fn nextrev(&self) -> Vec<&str> {
        unimplemented!()
    }
    /// No children.
    pub fn is_head(&self) -> bool {
        unimplemented!()
    }
    /// No parents.
    pub fn is_base(&self) -> bool {
        unimplemented!()
    }
    /// More than one child.
    pub fn is_branch_point(&self) -> bool {
        unimplemented!()
    }
    /// More than one parent.
    pub fn is_merge_point(&self) -> bool {
        unimplemented!()
    }
}

/// The whole graph, built and validated from revisions in load order.
#[derive(Debug, Clone, Default)]
pub struct RevisionMap {
    nodes: Vec<RevisionNode>,
}

impl RevisionMap {
    /// Builds and validates the graph.
    pub fn new(revisions: Vec<Revision>) -> Result<Self, RevisionError> {
        Ok(RevisionMap {
            nodes: revisions
                .into_iter()
                .map(|rev| RevisionNode { rev })
                .collect(),
        })
    }
    /// Heads in Alembic's order.
    pub fn heads(&self) -> Vec<&str> {
        unimplemented!()
    }
    /// Bases in Alembic's order.
    pub fn bases(&self) -> Vec<&str> {
        unimplemented!()
    }
    /// The node with exactly this id.
    pub fn node(&self, id: &str) -> Option<&RevisionNode> {
        self.nodes.iter().find(|n| n.revision() == id)
    }
    /// Resolves an identifier to zero or more revisions (`heads`, `label@head`, …).
    pub fn get_revisions(&self, _ident: &str) -> Result<Vec<&RevisionNode>, RevisionError> {
        unimplemented!()
    }
}
