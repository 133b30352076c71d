//! Errors of the revision graph. Each variant mirrors one of Alembic's exception classes
//! so that callers can rephrase them the way `ScriptDirectory._catch_revision_errors`
//! does; the `Display` texts are Alembic's.

/// Which kind of cycle was found while building a [`RevisionMap`](super::RevisionMap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// A cycle through `down_revision` edges.
    Cycle,
    /// A cycle that needs `depends_on` edges.
    DependencyCycle,
    /// A revision naming itself in `down_revision`.
    SelfLoop,
    /// A revision naming itself in `depends_on`.
    DependencySelfLoop,
}

impl CycleKind {
    fn label(self) -> &'static str {
        match self {
            CycleKind::Cycle => "Cycle",
            CycleKind::DependencyCycle => "Dependency cycle",
            CycleKind::SelfLoop => "Self-loop",
            CycleKind::DependencySelfLoop => "Dependency self-loop",
        }
    }
}

/// What can be wrong with a revision graph or an identifier; texts follow Alembic's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    /// An identifier does not resolve (Alembic's `ResolutionError`).
    #[error("{message}")]
    Resolution {
        /// The message.
        message: String,
        /// The identifier at fault.
        argument: String,
    },
    /// A single revision was asked for but several heads match (Alembic's `MultipleHeads`).
    #[error("Multiple heads are present for given argument '{argument}'; {}", heads.join(", "))]
    MultipleHeads {
        /// The heads that matched.
        heads: Vec<String>,
        /// The identifier that was given.
        argument: String,
    },
    /// `lower` is not below `upper` (Alembic's `RangeNotAncestorError`).
    #[error("Revision {lower} is not an ancestor of revision {upper}")]
    RangeNotAncestor {
        /// The lower end as given ("base" when empty).
        lower: String,
        /// The upper end as given ("base" when empty).
        upper: String,
    },
    /// The graph has a cycle or a self-loop (Alembic's `CycleDetected` family).
    #[error("{} is detected in revisions ({})", kind.label(), revisions.join(", "))]
    Cycle {
        /// Which kind of cycle.
        kind: CycleKind,
        /// The revisions involved.
        revisions: Vec<String>,
    },
    /// A problem found while building the graph that belongs to one revision (a missing
    /// parent, a repeated id or label), so that callers can name its file.
    #[error("{message}")]
    Graph {
        /// The revision at fault.
        revision: String,
        /// Alembic's text.
        message: String,
    },
    /// Any other problem with the graph or a traversal (Alembic's plain `RevisionError`).
    #[error("{0}")]
    Invalid(String),
    /// An error already rephrased for a command, as `ScriptDirectory._catch_revision_errors`
    /// does (Alembic raises these as `CommandError`).
    #[error("{0}")]
    Command(String),
}

/// The templates a command uses to rephrase a [`RevisionError`]; `None` keeps Alembic's
/// default wording. Templates may use `%(start)s`, `%(end)s`, `%(head_arg)s` and
/// `%(heads)s`, as in Alembic.
#[derive(Debug, Clone, Default)]
pub struct ErrorContext {
    /// Template for a range that is not ancestor/descendant.
    pub ancestor: Option<String>,
    /// Template for several heads where one was needed.
    pub multiple_heads: Option<String>,
    /// The start of the range the command was given.
    pub start: Option<String>,
    /// The end (destination) the command was given.
    pub end: Option<String>,
    /// Replacement text for an identifier that does not resolve.
    pub resolution: Option<String>,
}

impl RevisionError {
    /// Rephrases the error the way Alembic's commands do (`_catch_revision_errors`),
    /// giving a [`RevisionError::Command`].
    pub fn for_command(self, ctx: &ErrorContext) -> RevisionError {
        let message = match self {
            RevisionError::RangeNotAncestor { lower, upper } => {
                let start = ctx.start.clone().unwrap_or(lower);
                let end = ctx.end.clone().unwrap_or(upper);
                let template = ctx.ancestor.clone().unwrap_or_else(|| {
                    "Requested range %(start)s:%(end)s does not refer to ancestor/descendant \
                     revisions along the same branch"
                        .to_string()
                });
                template.replace("%(start)s", &start).replace("%(end)s", &end)
            }
            RevisionError::MultipleHeads { heads, argument } => {
                let template = ctx.multiple_heads.clone().unwrap_or_else(|| {
                    "Multiple head revisions are present for given argument '%(head_arg)s'; \
                     please specify a specific target revision, '<branchname>@%(head_arg)s' to \
                     narrow to a specific head, or 'heads' for all heads"
                        .to_string()
                });
                let head_arg = ctx.end.clone().unwrap_or(argument);
                template.replace("%(head_arg)s", &head_arg).replace("%(heads)s", &heads.join(", "))
            }
            RevisionError::Resolution { argument, message } => match &ctx.resolution {
                Some(text) => text.clone(),
                // Alembic's line first; the resolver's reason after it when it says more
                // (an ambiguous prefix, a prefix too short), as a context line.
                None if message != format!("No such revision or branch '{argument}'") => {
                    format!("Can't locate revision identified by '{argument}'\n{message}")
                }
                None => format!("Can't locate revision identified by '{argument}'"),
            },
            RevisionError::Command(message) => message,
            other => other.to_string(),
        };
        RevisionError::Command(message)
    }

    /// The revision the error belongs to, when it is about one revision of the graph.
    pub fn revision(&self) -> Option<&str> {
        match self {
            RevisionError::Graph { revision, .. } => Some(revision),
            RevisionError::Cycle { revisions, .. } => revisions.first().map(String::as_str),
            _ => None,
        }
    }

    pub(crate) fn graph(revision: &str, message: impl Into<String>) -> Self {
        RevisionError::Graph { revision: revision.to_string(), message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        RevisionError::Invalid(message.into())
    }

    pub(crate) fn resolution(message: impl Into<String>, argument: impl Into<String>) -> Self {
        RevisionError::Resolution { message: message.into(), argument: argument.into() }
    }

    pub(crate) fn relative(relative: &str, count: &str) -> Self {
        RevisionError::Invalid(format!("Relative revision {relative} didn't produce {count} migrations"))
    }
}
