//! Port of Alembic 1.20.1 `tests/test_revision.py`: the same graph shapes, expected
//! orders, heads and error texts. Modules and tests are named after Alembic's classes
//! and test methods.

use alembic::script::revision::{
    CycleKind, IterateOptions, Revision, RevisionError, RevisionMap, RevisionNode, RevisionSpec,
};

fn r(id: &str, down: &[&str]) -> Revision {
    Revision::new(id, down)
}

fn map(revs: Vec<Revision>) -> RevisionMap {
    RevisionMap::new(revs).expect("valid revision map")
}

fn ids<'a>(nodes: impl IntoIterator<Item = &'a RevisionNode>) -> Vec<&'a str> {
    nodes.into_iter().map(RevisionNode::revision).collect()
}

fn spec_of(s: &[&str]) -> RevisionSpec {
    RevisionSpec::from(s)
}

fn s(id: &str) -> RevisionSpec {
    RevisionSpec::from(id)
}

fn none() -> RevisionSpec {
    RevisionSpec::base()
}

#[derive(Clone, Copy)]
struct Opts {
    inclusive: bool,
    implicit_base: bool,
    select_for_downgrade: bool,
}

/// Alembic's `_assert_iteration` defaults: inclusive.
const DEFAULT: Opts = Opts { inclusive: true, implicit_base: false, select_for_downgrade: false };
const EXCLUSIVE: Opts = Opts { inclusive: false, ..DEFAULT };
const DOWN: Opts = Opts { select_for_downgrade: true, ..DEFAULT };
const IMPLICIT: Opts = Opts { implicit_base: true, ..DEFAULT };

fn iterate(
    m: &RevisionMap,
    upper: RevisionSpec,
    lower: RevisionSpec,
    o: Opts,
) -> Result<Vec<String>, RevisionError> {
    let options = IterateOptions {
        inclusive: o.inclusive,
        implicit_base: o.implicit_base,
        select_for_downgrade: o.select_for_downgrade,
        ..IterateOptions::default()
    };
    Ok(m.iterate_revisions(&upper, &lower, options)?.into_iter().map(|n| n.revision().to_string()).collect())
}

/// Alembic's `DownIterateTest._assert_iteration`: the order, and that it conforms to
/// the partial order of (normalized) parent edges.
fn assert_iteration(m: &RevisionMap, upper: RevisionSpec, lower: RevisionSpec, expected: &[&str], o: Opts) {
    let result = iterate(m, upper.clone(), lower.clone(), o)
        .unwrap_or_else(|e| panic!("iterate {upper:?} {lower:?}: {e}"));
    let pos = |id: &str| result.iter().position(|x| x == id);
    for node in m.iter() {
        for parent in node.normalized_down_revisions() {
            if let (Some(c), Some(p)) = (pos(node.revision()), pos(parent)) {
                assert!(c < p, "{} must come before its parent {parent}", node.revision());
            }
        }
    }
    assert_eq!(result, expected, "iterate {upper:?} {lower:?}");
}

fn err_text<T: std::fmt::Debug>(r: Result<T, RevisionError>) -> String {
    r.expect_err("expected an error").to_string()
}

mod api_test {
    use super::*;

    fn abc() -> RevisionMap {
        map(vec![r("a", &[]), r("b", &["a"]), r("c", &["b"])])
    }

    fn branched() -> RevisionMap {
        map(vec![r("a", &[]), r("b", &["a"]), r("c1", &["b"]), r("c2", &["b"])])
    }

    #[test]
    fn test_invalid_datatype() {
        // Rust's types rule out non-string identifiers; the tuple form still resolves.
        let m = abc();
        assert_eq!(m.get_revision_spec(&spec_of(&["a"])).unwrap().unwrap().revision(), "a");
        assert_eq!(m.get_revision("a").unwrap().unwrap().revision(), "a");
    }

    #[test]
    fn test_add_revision_one_head() {
        assert_eq!(abc().heads(), ["c"]);
        let m = map(vec![r("a", &[]), r("b", &["a"]), r("c", &["b"]), r("d", &["c"])]);
        assert_eq!(m.heads(), ["d"]);
    }

    #[test]
    fn test_add_revision_two_head() {
        assert_eq!(branched().heads(), ["c1", "c2"]);
        let m = map(vec![r("a", &[]), r("b", &["a"]), r("c1", &["b"]), r("c2", &["b"]), r("d1", &["c1"])]);
        assert_eq!(m.heads(), ["c2", "d1"]);
    }

    #[test]
    fn test_get_revision_head_single() {
        assert_eq!(abc().get_revision("head").unwrap().unwrap().revision(), "c");
    }

    #[test]
    fn test_get_revision_base_single() {
        assert!(abc().get_revision("base").unwrap().is_none());
    }

    fn assert_multiple_heads<T: std::fmt::Debug>(r: Result<T, RevisionError>) {
        let e = r.unwrap_err();
        assert!(matches!(e, RevisionError::MultipleHeads { .. }));
        assert!(e.to_string().contains("Multiple heads are present"));
    }

    #[test]
    fn test_get_revision_head_multiple() {
        assert_multiple_heads(branched().get_revision("head"));
    }

    #[test]
    fn test_get_revision_heads_multiple() {
        assert_multiple_heads(branched().get_revision("heads"));
    }

    #[test]
    fn test_get_revisions_head_multiple() {
        assert_multiple_heads(branched().get_revisions("head"));
    }

    #[test]
    fn test_get_revisions_heads_multiple() {
        assert_eq!(ids(branched().get_revisions("heads").unwrap()), ["c1", "c2"]);
    }

    #[test]
    fn test_get_revision_base_multiple() {
        let m = map(vec![r("a", &[]), r("b", &["a"]), r("c", &[]), r("d", &["c"])]);
        assert!(m.get_revision("base").unwrap().is_none());
    }

    #[test]
    fn test_iterate_tolerates_dupe_targets() {
        let got = iterate(&abc(), spec_of(&["c", "c"]), s("a"), EXCLUSIVE).unwrap();
        assert_eq!(got, ["c", "b"]);
    }

    #[test]
    fn test_repr_revs() {
        let m = map(vec![r("a", &[]), r("b", &["a"]), r("c", &[]).with_depends_on(&["a", "b"])]);
        let c = m.node("c").unwrap();
        assert!(c.down_revisions().is_empty());
        assert_eq!(c.dependencies(), ["a", "b"]);
    }
}

mod diamond_test {
    use super::*;

    #[test]
    fn test_iterate_simple_diamond() {
        let m =
            map(vec![r("a", &[]), r("b1", &["a"]), r("b2", &["a"]), r("c", &["b1", "b2"]), r("d", &["c"])]);
        assert_iteration(&m, s("d"), s("a"), &["d", "c", "b1", "b2", "a"], DEFAULT);
    }
}

mod empty_map_test {
    use super::*;

    #[test]
    fn test_iterate() {
        assert_iteration(&map(vec![]), s("head"), s("base"), &[], DEFAULT);
    }
}

mod labeled_branch_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a", &[]).with_branch_labels(&["abranch"]),
            r("b", &["a"]),
            r("somelongername", &["b"]),
            r("c", &["somelongername"]),
            r("d", &[]),
            r("e", &["d"]).with_branch_labels(&["ebranch"]),
            r("someothername", &["e"]),
            r("f", &["someothername"]),
        ])
    }

    fn rev<'a>(m: &'a RevisionMap, id: &str) -> &'a str {
        m.get_revision(id).unwrap().unwrap().revision()
    }

    #[test]
    fn test_dupe_branch_collection() {
        let e = RevisionMap::new(vec![
            r("a", &[]),
            r("b", &["a"]),
            r("c", &["b"]).with_branch_labels(&["xy1"]),
            r("d", &[]),
            r("e", &["d"]).with_branch_labels(&["xy1"]),
            r("f", &["e"]),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "Branch name 'xy1' in revision e already used by revision c");
    }

    #[test]
    fn test_filter_for_lineage_labeled_head_across_merge() {
        let m = map(vec![
            r("a", &[]),
            r("b", &["a"]),
            r("c1", &["b"]).with_branch_labels(&["c1branch"]),
            r("c2", &["b"]),
            r("d", &["c1", "c2"]),
        ]);
        assert_eq!(
            m.filter_for_lineage(&["c1", "c2", "d"], "c1branch@head", false).unwrap(),
            ["c1", "c2", "d"]
        );
    }

    #[test]
    fn test_filter_for_lineage_heads() {
        assert_eq!(setup().filter_for_lineage(&["f"], "heads", false).unwrap(), ["f"]);
    }

    #[test]
    fn test_get_base_revisions_labeled() {
        let m = setup();
        assert_eq!(m.filter_for_lineage(&m.bases(), "somelongername@base", false).unwrap(), ["a"]);
    }

    #[test]
    fn test_get_current_named_rev() {
        let m = setup();
        assert_eq!(rev(&m, "ebranch@head"), rev(&m, "f"));
    }

    #[test]
    fn test_get_base_revisions() {
        let m = setup();
        assert_eq!(m.filter_for_lineage(&m.bases(), "base", false).unwrap(), ["a", "d"]);
    }

    #[test]
    fn test_iterate_head_to_named_base() {
        let m = setup();
        assert_iteration(&m, s("heads"), s("ebranch@base"), &["f", "someothername", "e", "d"], DEFAULT);
        assert_iteration(&m, s("heads"), s("abranch@base"), &["c", "somelongername", "b", "a"], DEFAULT);
    }

    #[test]
    fn test_iterate_named_head_to_base() {
        let m = setup();
        assert_iteration(&m, s("ebranch@head"), s("base"), &["f", "someothername", "e", "d"], DEFAULT);
        assert_iteration(&m, s("abranch@head"), s("base"), &["c", "somelongername", "b", "a"], DEFAULT);
    }

    #[test]
    fn test_iterate_named_head_to_heads() {
        assert_iteration(&setup(), s("heads"), s("ebranch@head"), &["f"], DEFAULT);
    }

    #[test]
    fn test_iterate_named_rev_to_heads() {
        assert_iteration(&setup(), s("heads"), s("ebranch@d"), &["f", "someothername", "e", "d"], DEFAULT);
    }

    #[test]
    fn test_iterate_head_to_version_specific_base() {
        let m = setup();
        assert_iteration(&m, s("heads"), s("e@base"), &["f", "someothername", "e", "d"], DEFAULT);
        assert_iteration(&m, s("heads"), s("c@base"), &["c", "somelongername", "b", "a"], DEFAULT);
    }

    #[test]
    fn test_iterate_to_branch_at_rev() {
        assert_iteration(&setup(), s("heads"), s("ebranch@d"), &["f", "someothername", "e", "d"], DEFAULT);
    }

    #[test]
    fn test_branch_w_down_relative() {
        assert_iteration(&setup(), s("heads"), s("ebranch@-2"), &["f", "someothername", "e"], DEFAULT);
    }

    #[test]
    fn test_branch_w_up_relative() {
        assert_iteration(&setup(), s("ebranch@+2"), s("base"), &["e", "d"], DEFAULT);
    }

    #[test]
    fn test_partial_id_resolve() {
        let m = setup();
        assert_eq!(rev(&m, "ebranch@some"), "someothername");
        assert_eq!(rev(&m, "abranch@some"), "somelongername");
    }

    #[test]
    fn test_partial_id_resolve_too_short() {
        assert_eq!(
            err_text(setup().get_revision("ebranch@sos")),
            "No such revision or branch 'sos'; please ensure at least four characters are present \
             for partial revision identifier matches"
        );
    }

    #[test]
    fn test_branch_at_heads() {
        assert_eq!(rev(&setup(), "abranch@heads"), "c");
    }

    #[test]
    fn test_branch_at_syntax() {
        let m = setup();
        assert_eq!(rev(&m, "abranch@head"), "c");
        assert!(m.get_revision("abranch@base").unwrap().is_none());
        assert_eq!(rev(&m, "ebranch@head"), "f");
        assert!(m.get_revision("abranch@base").unwrap().is_none());
        assert_eq!(rev(&m, "ebranch@d"), "d");
    }

    #[test]
    fn test_branch_at_self() {
        assert_eq!(rev(&setup(), "ebranch@ebranch"), "e");
    }

    #[test]
    fn test_retrieve_branch_revision() {
        let m = setup();
        assert_eq!(rev(&m, "abranch"), "a");
        assert_eq!(rev(&m, "ebranch"), "e");
    }

    #[test]
    fn test_rev_not_in_branch() {
        let m = setup();
        assert_eq!(err_text(m.get_revision("ebranch@b")), "Revision b is not a member of branch 'ebranch'");
        assert_eq!(err_text(m.get_revision("abranch@d")), "Revision d is not a member of branch 'abranch'");
    }

    #[test]
    fn test_actually_short_rev_name() {
        assert_eq!(rev(&setup(), "e"), "e");
    }

    #[test]
    fn test_no_revision_exists() {
        let m = setup();
        assert_eq!(err_text(m.get_revision("abranch@qprstuv")), "No such revision or branch 'qprstuv'");
        assert_eq!(
            err_text(m.get_revision("abranch@qpr")),
            "No such revision or branch 'qpr'; please ensure at least four characters are present \
             for partial revision identifier matches"
        );
    }

    #[test]
    fn test_not_actually_a_branch() {
        assert_eq!(rev(&setup(), "e@d"), "d");
    }

    #[test]
    fn test_not_actually_a_branch_partial_resolution() {
        assert_eq!(rev(&setup(), "someoth@d"), "d");
    }

    #[test]
    fn test_no_such_branch() {
        assert_eq!(err_text(setup().get_revision("x@d")), "No such branch: 'x'");
    }
}

mod long_short_branch_test {
    use super::*;

    #[test]
    fn test_iterate_full() {
        let m = map(vec![
            r("a", &[]),
            r("b1", &["a"]),
            r("b2", &["a"]),
            r("c1", &["b1"]),
            r("d11", &["c1"]),
            r("d12", &["c1"]),
        ]);
        assert_iteration(&m, s("heads"), s("base"), &["b2", "d11", "d12", "c1", "b1", "a"], DEFAULT);
    }
}

mod multiple_branch_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a", &[]),
            r("b1", &["a"]),
            r("b2", &["a"]),
            r("cb1", &["b1"]),
            r("cb2", &["b2"]),
            r("d1cb1", &["cb1"]),
            r("d2cb1", &["cb1"]),
            r("d1cb2", &["cb2"]),
            r("d2cb2", &["cb2"]),
            r("d3cb2", &["cb2"]),
            r("d1d2cb2", &["d1cb2", "d2cb2"]),
        ])
    }

    #[test]
    fn test_iterate_from_merge_point() {
        assert_iteration(
            &setup(),
            s("d1d2cb2"),
            s("a"),
            &["d1d2cb2", "d1cb2", "d2cb2", "cb2", "b2", "a"],
            DEFAULT,
        );
    }

    #[test]
    fn test_iterate_multiple_heads() {
        assert_iteration(
            &setup(),
            spec_of(&["d2cb2", "d3cb2"]),
            s("a"),
            &["d2cb2", "d3cb2", "cb2", "b2", "a"],
            DEFAULT,
        );
    }

    #[test]
    fn test_iterate_single_branch() {
        assert_iteration(&setup(), s("d3cb2"), s("a"), &["d3cb2", "cb2", "b2", "a"], DEFAULT);
    }

    #[test]
    fn test_iterate_single_branch_to_base() {
        assert_iteration(&setup(), s("d3cb2"), s("base"), &["d3cb2", "cb2", "b2", "a"], DEFAULT);
    }

    #[test]
    fn test_iterate_multiple_branch_to_base() {
        assert_iteration(
            &setup(),
            spec_of(&["d3cb2", "cb1"]),
            s("base"),
            &["cb1", "b1", "d3cb2", "cb2", "b2", "a"],
            DEFAULT,
        );
    }

    #[test]
    fn test_iterate_multiple_heads_single_base() {
        assert_iteration(
            &setup(),
            spec_of(&["d1cb1", "d2cb2", "d3cb2"]),
            s("b2"),
            &["d2cb2", "d3cb2", "cb2", "b2"],
            DEFAULT,
        );
    }

    #[test]
    fn test_same_branch_wrong_direction() {
        assert_eq!(
            err_text(iterate(&setup(), s("b1"), s("d1cb1"), EXCLUSIVE)),
            "Revision d1cb1 is not an ancestor of revision b1"
        );
    }

    #[test]
    fn test_distinct_branches() {
        assert_eq!(
            err_text(iterate(&setup(), s("d2cb2"), s("b1"), EXCLUSIVE)),
            "Revision b1 is not an ancestor of revision d2cb2"
        );
    }

    #[test]
    fn test_wrong_direction_to_base_as_none() {
        assert_eq!(
            err_text(iterate(&setup(), none(), s("d1cb1"), EXCLUSIVE)),
            "Revision d1cb1 is not an ancestor of revision base"
        );
    }

    #[test]
    fn test_wrong_direction_to_base_as_empty() {
        assert_eq!(
            err_text(iterate(&setup(), spec_of(&[]), s("d1cb1"), EXCLUSIVE)),
            "Revision d1cb1 is not an ancestor of revision base"
        );
    }
}

mod multiple_branch_effective_head {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("y1", &[]).with_branch_labels(&["y"]),
            r("x1", &[]).with_branch_labels(&["x"]),
            r("y2", &["y1"]).with_depends_on(&["x1"]),
            r("x2", &["x1"]),
        ])
    }

    const DOWN_EXCL: Opts = Opts { inclusive: false, ..DOWN };

    #[test]
    fn test_other_downgrade() {
        assert_iteration(&setup(), spec_of(&["x2", "y2"]), s("x@-1"), &["x2"], DOWN_EXCL);
    }

    #[test]
    fn test_use_all_current() {
        assert_iteration(&setup(), spec_of(&["x1", "y2"]), s("x@-1"), &["y2", "x1"], DOWN_EXCL);
    }

    #[test]
    fn test_effective_head() {
        assert_iteration(&setup(), s("y2"), s("x@-1"), &["y2", "x1"], DOWN_EXCL);
    }
}

mod branch_travelling_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]),
            r("a2", &["a1"]),
            r("a3", &["a2"]),
            r("b1", &["a3"]),
            r("b2", &["a3"]),
            r("cb1", &["b1"]),
            r("cb2", &["b2"]),
            r("db1", &["cb1"]),
            r("db2", &["cb2"]),
            r("e1b1", &["db1"]),
            r("fe1b1", &["e1b1"]),
            r("e2b1", &["db1"]),
            r("e2b2", &["db2"]),
            r("merge", &["e2b1", "e2b2"]),
        ])
    }

    #[test]
    fn test_iterate_one_branch_both_to_merge() {
        assert_iteration(
            &setup(),
            s("merge"),
            s("db1"),
            &["merge", "e2b1", "db1", "e2b2", "db2", "cb2", "b2"],
            IMPLICIT,
        );
    }

    #[test]
    fn test_three_branches_end_in_single_branch() {
        assert_iteration(
            &setup(),
            spec_of(&["merge", "fe1b1"]),
            s("a3"),
            &["fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3"],
            DEFAULT,
        );
    }

    #[test]
    fn test_two_branches_to_root() {
        assert_iteration(
            &setup(),
            s("merge"),
            s("a1"),
            &["merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2", "a1"],
            DEFAULT,
        );
    }

    #[test]
    fn test_two_branches_end_in_branch() {
        assert_iteration(&setup(), s("merge"), s("b1"), &["merge", "e2b1", "db1", "cb1", "b1"], DEFAULT);
    }

    #[test]
    fn test_two_branches_end_behind_branch() {
        assert_iteration(
            &setup(),
            s("merge"),
            s("a2"),
            &["merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2"],
            DEFAULT,
        );
    }

    #[test]
    fn test_three_branches_to_root() {
        assert_iteration(
            &setup(),
            spec_of(&["merge", "fe1b1"]),
            s("a1"),
            &[
                "fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2",
                "a1",
            ],
            DEFAULT,
        );
    }

    #[test]
    fn test_three_branches_end_multiple_bases() {
        assert_iteration(
            &setup(),
            spec_of(&["merge", "fe1b1"]),
            spec_of(&["cb1", "cb2"]),
            &["fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "e2b2", "db2", "cb2"],
            DEFAULT,
        );
    }

    #[test]
    fn test_three_branches_end_multiple_bases_exclusive() {
        assert_iteration(
            &setup(),
            spec_of(&["merge", "fe1b1"]),
            spec_of(&["cb1", "cb2"]),
            &["fe1b1", "e1b1", "merge", "e2b1", "db1", "e2b2", "db2"],
            EXCLUSIVE,
        );
    }

    #[test]
    fn test_detect_invalid_head_selection() {
        let text = err_text(iterate(&setup(), spec_of(&["db1", "b2", "fe1b1"]), spec_of(&[]), DEFAULT));
        assert!(
            text.starts_with("Requested revision fe1b1 overlaps with other requested revisions"),
            "{text}"
        );
    }

    #[test]
    fn test_three_branches_end_multiple_bases_exclusive_blank() {
        assert_iteration(
            &setup(),
            spec_of(&["e2b1", "b2", "fe1b1"]),
            spec_of(&[]),
            &["b2", "fe1b1", "e1b1", "e2b1", "db1", "cb1", "b1", "a3", "a2", "a1"],
            EXCLUSIVE,
        );
    }

    #[test]
    fn test_iterate_to_symbolic_base() {
        assert_iteration(
            &setup(),
            spec_of(&["fe1b1"]),
            s("base"),
            &["fe1b1", "e1b1", "db1", "cb1", "b1", "a3", "a2", "a1"],
            EXCLUSIVE,
        );
    }

    #[test]
    fn test_ancestor_nodes() {
        let m = setup();
        let mut got = ids(m.ancestors(&["merge"], true).unwrap());
        got.sort_unstable();
        let mut want =
            vec!["a1", "e2b2", "e2b1", "cb2", "merge", "a3", "a2", "b1", "b2", "db1", "db2", "cb1"];
        want.sort_unstable();
        assert_eq!(got, want);
    }
}

mod multiple_base_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("base1", &[]),
            r("base2", &[]),
            r("base3", &[]),
            r("a1a", &["base1"]),
            r("a1b", &["base1"]),
            r("a2", &["base2"]),
            r("a3", &["base3"]),
            r("b1a", &["a1a"]),
            r("b1b", &["a1b"]),
            r("b2", &["a2"]),
            r("b3", &["a3"]),
            r("c2", &["b2"]),
            r("d2", &["c2"]),
            r("mergeb3d2", &["b3", "d2"]),
        ])
    }

    const ALL: &[&str] = &[
        "b1a",
        "a1a",
        "b1b",
        "a1b",
        "base1",
        "mergeb3d2",
        "b3",
        "a3",
        "base3",
        "d2",
        "c2",
        "b2",
        "a2",
        "base2",
    ];

    #[test]
    fn test_heads_to_base() {
        assert_iteration(&setup(), s("heads"), s("base"), ALL, DEFAULT);
    }

    #[test]
    fn test_heads_to_base_exclusive() {
        assert_iteration(&setup(), s("heads"), s("base"), ALL, EXCLUSIVE);
    }

    #[test]
    fn test_heads_to_blank() {
        assert_iteration(&setup(), s("heads"), none(), ALL, DEFAULT);
    }

    #[test]
    fn test_detect_invalid_base_selection() {
        let text = err_text(iterate(&setup(), spec_of(&["c2"]), spec_of(&["a2", "b2"]), DEFAULT));
        assert!(text.contains("overlaps with other requested revisions"), "{text}");
    }

    #[test]
    fn test_heads_to_revs_plus_implicit_base_exclusive() {
        assert_iteration(
            &setup(),
            s("heads"),
            spec_of(&["c2"]),
            &["b1a", "a1a", "b1b", "a1b", "base1", "mergeb3d2", "b3", "a3", "base3", "d2"],
            Opts { inclusive: false, ..IMPLICIT },
        );
    }

    #[test]
    fn test_heads_to_revs_base_exclusive() {
        assert_iteration(&setup(), s("heads"), spec_of(&["c2"]), &["mergeb3d2", "d2"], EXCLUSIVE);
    }

    #[test]
    fn test_heads_to_revs_plus_implicit_base_inclusive() {
        assert_iteration(
            &setup(),
            s("heads"),
            spec_of(&["c2"]),
            &["b1a", "a1a", "b1b", "a1b", "base1", "mergeb3d2", "b3", "a3", "base3", "d2", "c2"],
            IMPLICIT,
        );
    }

    #[test]
    fn test_specific_path_one() {
        assert_iteration(&setup(), s("b3"), s("base3"), &["b3", "a3", "base3"], DEFAULT);
    }

    #[test]
    fn test_specific_path_two_implicit_base() {
        assert_iteration(
            &setup(),
            spec_of(&["b3", "b2"]),
            s("base3"),
            &["b2", "a2", "base2", "b3", "a3"],
            Opts { inclusive: false, ..IMPLICIT },
        );
    }
}

mod multiple_base_cross_dependency_test_one {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("base1", &[]).with_branch_labels(&["b_1"]),
            r("a1a", &["base1"]),
            r("a1b", &["base1"]),
            r("b1a", &["a1a"]),
            r("b1b", &["a1b"]).with_depends_on(&["a3"]),
            r("base2", &[]).with_branch_labels(&["b_2"]),
            r("a2", &["base2"]),
            r("b2", &["a2"]),
            r("c2", &["b2"]).with_depends_on(&["a3"]),
            r("d2", &["c2"]),
            r("base3", &[]).with_branch_labels(&["b_3"]),
            r("a3", &["base3"]),
            r("b3", &["a3"]),
        ])
    }

    const ALL: &[&str] =
        &["b1a", "a1a", "b1b", "a1b", "base1", "d2", "c2", "b2", "a2", "base2", "b3", "a3", "base3"];

    #[test]
    fn test_what_are_the_heads() {
        assert_eq!(setup().heads(), ["b1a", "b1b", "d2", "b3"]);
    }

    #[test]
    fn test_heads_to_base() {
        assert_iteration(&setup(), s("heads"), s("base"), ALL, DEFAULT);
    }

    #[test]
    fn test_heads_to_base_downgrade() {
        assert_iteration(&setup(), s("heads"), s("base"), ALL, DOWN);
    }

    #[test]
    fn test_same_branch_wrong_direction() {
        assert_eq!(
            err_text(iterate(&setup(), s("b2"), s("d2"), EXCLUSIVE)),
            "Revision d2 is not an ancestor of revision b2"
        );
    }

    #[test]
    fn test_different_branch_not_wrong_direction() {
        assert_eq!(
            err_text(iterate(&setup(), s("b3"), s("d2"), EXCLUSIVE)),
            "Revision d2 is not an ancestor of revision b3"
        );
    }

    #[test]
    fn test_we_need_head2_upgrade() {
        assert_iteration(
            &setup(),
            s("b_2@head"),
            s("base"),
            &["d2", "c2", "b2", "a2", "base2", "a3", "base3"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_head2_downgrade() {
        assert_iteration(&setup(), s("b_2@head"), s("b_2@base"), &["d2", "c2", "b2", "a2", "base2"], DOWN);
    }

    #[test]
    fn test_we_need_head3_upgrade() {
        assert_iteration(&setup(), s("b_3@head"), s("base"), &["b3", "a3", "base3"], DEFAULT);
    }

    #[test]
    fn test_we_need_head3_downgrade() {
        assert_iteration(&setup(), s("b_3@head"), s("base"), &["b3", "a3", "base3"], DOWN);
    }

    #[test]
    fn test_we_need_head1_upgrade() {
        assert_iteration(
            &setup(),
            s("b1b@head"),
            s("base"),
            &["b1b", "a1b", "base1", "a3", "base3"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_head1_downgrade() {
        assert_iteration(&setup(), s("b1b@head"), s("b1b@base"), &["b1b", "a1b", "base1"], DOWN);
    }

    #[test]
    fn test_we_need_base2_upgrade() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("b_2@base"),
            &["d2", "c2", "b2", "a2", "base2", "a3", "base3"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_base2_downgrade() {
        assert_iteration(&setup(), s("heads"), s("b_2@base"), &["d2", "c2", "b2", "a2", "base2"], DOWN);
    }

    #[test]
    fn test_we_need_base3_upgrade() {
        assert_iteration(&setup(), s("heads"), s("b_3@base"), &["b3", "a3", "base3"], DEFAULT);
    }

    #[test]
    fn test_we_need_base3_downgrade() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("b_3@base"),
            &["b1b", "d2", "c2", "b3", "a3", "base3"],
            DOWN,
        );
    }
}

mod multiple_base_cross_dependency_test_two {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("base1", &[]).with_branch_labels(&["b_1"]),
            r("a1", &["base1"]),
            r("b1", &["a1"]),
            r("c1", &["b1"]),
            r("base2", &[]).with_depends_on(&["b_1"]).with_branch_labels(&["b_2"]),
            r("a2", &["base2"]),
            r("b2", &["a2"]),
            r("c2", &["b2"]),
            r("d2", &["c2"]),
            r("base3", &[]).with_branch_labels(&["b_3"]),
            r("a3", &["base3"]),
            r("b3", &["a3"]),
            r("c3", &["b3"]).with_depends_on(&["b2"]),
            r("d3", &["c3"]),
        ])
    }

    #[test]
    fn test_what_are_the_heads() {
        assert_eq!(setup().heads(), ["c1", "d2", "d3"]);
    }

    #[test]
    fn test_heads_to_base() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("base"),
            &["c1", "b1", "a1", "d2", "c2", "d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_head2() {
        assert_iteration(
            &setup(),
            s("b_2@head"),
            s("base"),
            &["d2", "c2", "b2", "a2", "base2", "base1"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_head3() {
        assert_iteration(
            &setup(),
            s("b_3@head"),
            s("base"),
            &["d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_head1() {
        assert_iteration(&setup(), s("b_1@head"), s("base"), &["c1", "b1", "a1", "base1"], DEFAULT);
    }

    #[test]
    fn test_we_need_base1() {
        assert_iteration(&setup(), s("heads"), s("b_1@base"), &["c1", "b1", "a1", "base1"], DEFAULT);
    }

    #[test]
    fn test_we_need_base2() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("b_2@base"),
            &["d2", "c2", "b2", "a2", "base2", "base1"],
            DEFAULT,
        );
    }

    #[test]
    fn test_we_need_base3() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("b_3@base"),
            &["d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"],
            DEFAULT,
        );
    }
}

mod multiple_base_cross_dependency_test_three {
    use super::*;

    #[test]
    fn test_traverse_no_parent_but_a_dep() {
        let m = map(vec![
            r("base1", &[]),
            r("a1", &["base1"]),
            r("b1", &["a1"]),
            r("c2", &[]).with_depends_on(&["a1"]),
            r("c3", &["c2"]),
        ]);
        assert_iteration(&m, s("heads"), s("base"), &["b1", "c3", "c2", "a1", "base1"], DEFAULT);
    }
}

mod large_map_test {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn test_all() {
        let m = map(LARGE_MAP.iter().map(|(id, down)| r(id, down)).collect());
        let revs = iterate(&m, s("heads"), s("base"), DEFAULT).unwrap();
        let raw: HashSet<&str> = m.iter().map(RevisionNode::revision).collect();
        assert_eq!(raw, revs.iter().map(String::as_str).collect::<HashSet<_>>());
        for (idx, rev) in revs.iter().enumerate() {
            let ancestors: HashSet<&str> =
                ids(m.ancestors(&[rev], true).unwrap()).into_iter().filter(|x| x != rev).collect();
            let descendants: HashSet<&str> =
                ids(m.descendants(&[rev], true).unwrap()).into_iter().filter(|x| x != rev).collect();
            assert!(ancestors.is_disjoint(&descendants));
            let remaining: HashSet<&str> = revs[idx + 1..].iter().map(String::as_str).collect();
            if !remaining.is_empty() {
                assert!(!remaining.is_disjoint(&ancestors), "{rev}: no ancestor among the remaining");
            }
        }
    }
}

mod dep_resolution_failed_test {
    use super::*;

    /// Alembic corrupts a built map by hand to reach "Dependency resolution failed";
    /// here a map naming a missing dependency cannot be built at all.
    #[test]
    fn test_failure_message() {
        let e = RevisionMap::new(vec![
            r("base1", &[]),
            r("a1", &["base1"]),
            r("a2", &["base1"]),
            r("b1", &["a1"]).with_depends_on(&["fake"]),
            r("c1", &["b1"]),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "Dependency fake referenced from b1 is not present");
    }
}

fn assert_cycle(revs: Vec<Revision>, kind: CycleKind, members: &[&str]) {
    match RevisionMap::new(revs) {
        Err(e @ RevisionError::Cycle { .. }) => {
            let RevisionError::Cycle { kind: k, revisions } = &e else { unreachable!() };
            assert_eq!(*k, kind);
            let mut got = revisions.clone();
            got.sort();
            let mut want: Vec<String> = members.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(got, want);
            let prefix = match kind {
                CycleKind::Cycle => "Cycle is detected in revisions (",
                _ => "Dependency cycle is detected in revisions (",
            };
            assert!(e.to_string().starts_with(prefix), "{e}");
        }
        other => panic!("expected a {kind:?}, got {other:?}"),
    }
}

mod graph_with_loop_test {
    use super::*;

    fn assert_loop(revs: Vec<Revision>, rev: &str) {
        let e = RevisionMap::new(revs).unwrap_err();
        assert_eq!(e.to_string(), format!("Self-loop is detected in revisions ({rev})"));
    }

    fn assert_dep_loop(revs: Vec<Revision>, rev: &str) {
        let e = RevisionMap::new(revs).unwrap_err();
        assert_eq!(e.to_string(), format!("Dependency self-loop is detected in revisions ({rev})"));
    }

    #[test]
    fn test_revision_map_solitary_loop() {
        assert_loop(vec![r("a", &["a"])], "a");
    }

    #[test]
    fn test_revision_dupe_head() {
        let m = map(vec![r("user_foo", &[]), r("user", &["user_foo"]).with_depends_on(&["user_foo"])]);
        assert_iteration(&m, s("heads"), none(), &["user", "user_foo"], DEFAULT);
        // `_topological_sort([r1, r2], [r2])`
        assert_eq!(iterate(&m, s("user"), none(), DEFAULT).unwrap(), ["user", "user_foo"]);
    }

    #[test]
    fn test_revision_map_no_loop_w_overlapping_substrings() {
        let m = map(vec![r("user_foo", &[]), r("user", &["user_foo"])]);
        assert_iteration(&m, s("heads"), none(), &["user", "user_foo"], DEFAULT);
    }

    #[test]
    fn test_revision_map_no_loop_w_overlapping_substrings_dependencies() {
        let m = map(vec![r("user_foo", &[]), r("user", &[]).with_depends_on(&["user_foo"])]);
        assert_iteration(&m, s("heads"), none(), &["user", "user_foo"], DEFAULT);
    }

    #[test]
    fn test_revision_map_base_loop() {
        assert_loop(vec![r("a", &["a"]), r("b", &["a"]), r("c", &["b"])], "a");
    }

    #[test]
    fn test_revision_map_head_loop() {
        assert_loop(vec![r("a", &[]), r("b", &["a"]), r("c", &["b", "c"])], "c");
    }

    #[test]
    fn test_revision_map_branch_point_loop() {
        assert_loop(vec![r("a", &[]), r("b", &["a", "b"]), r("c1", &["b"]), r("c2", &["b"])], "b");
    }

    #[test]
    fn test_revision_map_merge_point_loop() {
        assert_loop(vec![r("a", &[]), r("b1", &["a"]), r("b2", &["a"]), r("c", &["b1", "b2", "c"])], "c");
    }

    #[test]
    fn test_revision_map_solitary_dependency_loop() {
        assert_dep_loop(vec![r("a", &[]).with_depends_on(&["a"])], "a");
    }

    #[test]
    fn test_revision_map_base_dependency_loop() {
        assert_dep_loop(vec![r("a", &[]).with_depends_on(&["a"]), r("b", &["a"]), r("c", &["b"])], "a");
    }

    #[test]
    fn test_revision_map_head_dep_loop() {
        assert_dep_loop(vec![r("a", &[]), r("b", &["a"]), r("c", &["b"]).with_depends_on(&["c"])], "c");
    }

    #[test]
    fn test_revision_map_branch_point_dep_loop() {
        assert_dep_loop(
            vec![r("a", &[]), r("b", &["a"]).with_depends_on(&["b"]), r("c1", &["b"]), r("c2", &["b"])],
            "b",
        );
    }

    #[test]
    fn test_revision_map_merge_point_dep_loop() {
        assert_dep_loop(
            vec![
                r("a", &[]),
                r("b1", &["a"]),
                r("b2", &["a"]),
                r("c", &["b1", "b2"]).with_depends_on(&["c"]),
            ],
            "c",
        );
    }
}

mod graph_with_cycle_test {
    use super::*;

    #[test]
    fn test_revision_map_simple_cycle() {
        assert_cycle(
            vec![r("a", &["c"]), r("b", &["a"]), r("c", &["b"])],
            CycleKind::Cycle,
            &["a", "b", "c"],
        );
    }

    #[test]
    fn test_revision_map_extra_simple_cycle() {
        assert_cycle(
            vec![r("a", &["c"]), r("b", &["a"]), r("c", &["b"]), r("d", &[]), r("e", &["d"])],
            CycleKind::Cycle,
            &["a", "b", "c"],
        );
    }

    #[test]
    fn test_revision_map_lower_simple_cycle() {
        assert_cycle(
            vec![r("a", &["c"]), r("b", &["a"]), r("c", &["b"]), r("d", &["c"]), r("e", &["d"])],
            CycleKind::Cycle,
            &["a", "b", "c", "d", "e"],
        );
    }

    #[test]
    fn test_revision_map_upper_simple_cycle() {
        assert_cycle(
            vec![r("a", &[]), r("b", &["a"]), r("c", &["b", "e"]), r("d", &["c"]), r("e", &["d"])],
            CycleKind::Cycle,
            &["a", "b", "c", "d", "e"],
        );
    }

    #[test]
    fn test_revision_map_simple_dep_cycle() {
        assert_cycle(
            vec![r("a", &[]).with_depends_on(&["c"]), r("b", &["a"]), r("c", &["b"])],
            CycleKind::DependencyCycle,
            &["a", "b", "c"],
        );
    }

    #[test]
    fn test_revision_map_extra_simple_dep_cycle() {
        assert_cycle(
            vec![
                r("a", &[]).with_depends_on(&["c"]),
                r("b", &["a"]),
                r("c", &["b"]),
                r("d", &[]),
                r("e", &["d"]),
            ],
            CycleKind::DependencyCycle,
            &["a", "b", "c"],
        );
    }

    #[test]
    fn test_revision_map_lower_simple_dep_cycle() {
        assert_cycle(
            vec![
                r("a", &[]).with_depends_on(&["c"]),
                r("b", &["a"]),
                r("c", &["b"]),
                r("d", &["c"]),
                r("e", &["d"]),
            ],
            CycleKind::DependencyCycle,
            &["a", "b", "c", "d", "e"],
        );
    }

    #[test]
    fn test_revision_map_upper_simple_dep_cycle() {
        assert_cycle(
            vec![
                r("a", &[]),
                r("b", &["a"]),
                r("c", &["b"]).with_depends_on(&["e"]),
                r("d", &["c"]),
                r("e", &["d"]),
            ],
            CycleKind::DependencyCycle,
            &["a", "b", "c", "d", "e"],
        );
    }
}

mod normalized_down_rev_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]),
            r("a2", &["a1"]),
            r("a3", &["a2"]),
            r("b1", &[]),
            r("b2", &["b1"]).with_depends_on(&["a3"]),
            r("b3", &["b2"]),
            r("b4", &["b3"]).with_depends_on(&["a3"]),
            r("b5", &["b4"]).with_depends_on(&["b4"]),
        ])
    }

    #[test]
    fn test_normalized_down_revisions() {
        let m = setup();
        let b4 = m.get_revision("b4").unwrap().unwrap();
        assert_eq!(b4.all_down_revisions(), ["b3", "a3"]);
        assert_eq!(b4.normalized_down_revisions(), ["b3"]);
    }

    #[test]
    fn test_dupe_dependency() {
        let m = setup();
        let b5 = m.get_revision("b5").unwrap().unwrap();
        assert_eq!(b5.all_down_revisions(), ["b4"]);
        assert_eq!(b5.normalized_down_revisions(), ["b4"]);
    }

    #[test]
    fn test_branch_traversal() {
        assert_iteration(&setup(), s("b4"), s("b1@base"), &["b4", "b3", "b2", "b1"], DOWN);
    }

    #[test]
    fn test_all_traversal() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("base"),
            &["b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1"],
            DOWN,
        );
    }

    #[test]
    fn test_partial_traversal() {
        assert_iteration(&setup(), s("heads"), s("a2"), &["b5", "b4", "b3", "b2", "a3", "a2"], DOWN);
    }

    #[test]
    fn test_partial_traversal_implicit_base_one() {
        assert_iteration(
            &setup(),
            s("heads"),
            s("a2"),
            &["b5", "b4", "b3", "b2", "b1", "a3", "a2"],
            Opts { implicit_base: true, ..DOWN },
        );
    }

    #[test]
    fn test_partial_traversal_implicit_base_two() {
        assert_iteration(
            &setup(),
            s("b5"),
            spec_of(&["b1"]),
            &["b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1"],
            IMPLICIT,
        );
    }

    #[test]
    fn test_partial_traversal_implicit_base_three() {
        let m = map(vec![
            r("c1", &[]),
            r("a1", &[]),
            r("a2", &["a1"]).with_depends_on(&["c1"]),
            r("a3", &["a2"]).with_depends_on(&["c1"]),
            r("b1", &[]),
            r("b2", &["b1"]).with_depends_on(&["a3"]),
            r("b3", &["b2"]),
            r("b4", &["b3"]).with_depends_on(&["a3"]),
            r("b5", &["b4"]),
        ]);
        assert_iteration(
            &m,
            s("b5"),
            spec_of(&["b1"]),
            &["b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1", "c1"],
            IMPLICIT,
        );
    }
}

/// The revisions of Alembic's `tests/_large_map.py` (id, parents), in its order.
const LARGE_MAP: &[(&str, &[&str])] = &[
    ("3fc8a578bc0a", &["4878cb1cb7f6", "454a0529f84e"]),
    ("69285b0faaa", &["36c31e4e1c37", "3a3b24a31b57"]),
    ("3b0452c64639", &["2f1a0f3667f3"]),
    ("2d9d787a496", &["135b5fd31062"]),
    ("184f65ed83af", &["3b0452c64639"]),
    ("430074f99c29", &["54f871bfe0b0"]),
    ("3ffb59981d9a", &["519c9f3ce294"]),
    ("454a0529f84e", &["40f6508e4373", "38a936c6ab11"]),
    ("24c2620b2e3f", &["430074f99c29", "1f5ceb1ec255"]),
    ("169a948471a9", &["247ad6880f93"]),
    ("2f1a0f3667f3", &["17dd0f165262"]),
    ("27227dc4fda8", &["2a66d7c4d8a1"]),
    ("4b2ad1ffe2e7", &["3b409f268da4", "4f8a9b79a063"]),
    ("124ef6a17781", &["2529684536da"]),
    ("4789d9c82ca7", &["593b8076fb2c"]),
    ("64ed798bcc3", &["44ed1bf512a0", "169a948471a9"]),
    ("2588a3c36a0f", &["50c7b21c9089"]),
    ("359329c2ebb", &["5810e9eff996", "339faa12616"]),
    ("540bc5634bd", &["3a5db5f31209"]),
    ("20fe477817d2", &["53d5ff905573"]),
    ("4f8a9b79a063", &["3cf34fcd6473", "300209d8594"]),
    ("6918589deaf", &["3314c17f6e35"]),
    ("1755e3b1481c", &["17b66754be21", "31b1d4b7fc95"]),
    ("58c988e1aa4e", &["219240032b88", "f067f0b825c"]),
    ("593b8076fb2c", &["1d94175d221b"]),
    ("38d069994064", &["46b70a57edc0", "3ed56beabfb7"]),
    ("3e2f6c6d1182", &["7f96a01461b"]),
    ("1f6969597fe7", &["1811bdae9e63"]),
    ("17dd0f165262", &["3cf02a593a68"]),
    ("3cf02a593a68", &["25a7ef58d293"]),
    ("34dfac7edb2d", &["28f4dd53ad3a"]),
    ("4009c533e05d", &["42ded7355da2"]),
    ("5a0003c3b09c", &["3ed56beabfb7", "2028d94d3863"]),
    ("38a936c6ab11", &["2588a3c36a0f"]),
    ("59223c5b7b36", &["2f93dd880bae"]),
    ("4121bd6e99e9", &["540bc5634bd"]),
    ("260714a3f2de", &["6918589deaf"]),
    ("ae77a2ed69b", &["274fd2642933"]),
    ("18ff1ab3b4c4", &["430133b6d46c"]),
    ("2b9a327527a9", &["359329c2ebb", "593b8076fb2c"]),
    ("4e6167c75ed0", &["325b273d61bd"]),
    ("21ab11a7c5c4", &["3da31f3323ec", "22f26011d635"]),
    ("3b93e98481b1", &["4e28e2f4fe2f"]),
    ("145d8f1e334d", &["b4143d129e"]),
    ("135b5fd31062", &["1d94175d221b"]),
    ("300209d8594", &["52804033910e", "593b8076fb2c"]),
    ("8dca95cce28", &["f034666cd80"]),
    ("46b70a57edc0", &["145d8f1e334d", "4cc2960cbe19"]),
    ("4d45e479fbb9", &["2d9d787a496"]),
    ("22f085bf8bbd", &["540bc5634bd"]),
    ("263e91fd17d8", &["2b9a327527a9"]),
    ("219240032b88", &["300209d8594", "2b9a327527a9"]),
    ("325b273d61bd", &["4b2ad1ffe2e7"]),
    ("199943ccc774", &["1aa674ccfa4e"]),
    ("247ad6880f93", &["1f6969597fe7"]),
    ("4878cb1cb7f6", &["28f4dd53ad3a"]),
    ("2a66d7c4d8a1", &["23f1ccb18d6d"]),
    ("42b079245b55", &["593b8076fb2c"]),
    ("1cccf82219cb", &["20fe477817d2", "915c67915c2"]),
    ("b4143d129e", &["159331d6f484", "504d5168afe1"]),
    ("53d5ff905573", &["3013877bf5bd"]),
    ("1f5ceb1ec255", &["3ffb59981d9a"]),
    ("ef1c1c1531f", &["4738812e6ece"]),
    ("1f6963d1ae02", &["247ad6880f93"]),
    ("44d58f1d31f0", &["18ff1ab3b4c4"]),
    ("c3ebe64dfb5", &["3409c57b0da", "31f352e77045"]),
    ("f067f0b825c", &["359329c2ebb"]),
    ("52ab2d3b57ce", &["96d590bd82e"]),
    ("3b409f268da4", &["20e90eb3eeb6", "263e91fd17d8"]),
    ("5a4ca8889674", &["4e6167c75ed0"]),
    ("5810e9eff996", &["2d30d79c4093", "52804033910e"]),
    ("40f6508e4373", &["4ed16fad67a7"]),
    ("1811bdae9e63", &["260714a3f2de"]),
    ("3013877bf5bd", &["8dca95cce28", "3fc8a578bc0a"]),
    ("16426dbea880", &["28f4dd53ad3a"]),
    ("22f26011d635", &["4c93d063d2ba", "3b93e98481b1"]),
    ("3409c57b0da", &["17b66754be21"]),
    ("44373001000f", &["42b079245b55", "219240032b88"]),
    ("28f4dd53ad3a", &["2e71fd90eb9d"]),
    ("4cc2960cbe19", &["504d5168afe1"]),
    ("31f352e77045", &["17b66754be21", "22f085bf8bbd"]),
    ("4ed16fad67a7", &["f034666cd80"]),
    ("3da31f3323ec", &["4c93d063d2ba"]),
    ("31b1d4b7fc95", &["1cc4459fd115"]),
    ("11bc0ff42f87", &["28f4dd53ad3a"]),
    ("3a5db5f31209", &["59742a546b84"]),
    ("20e90eb3eeb6", &["58c988e1aa4e", "44373001000f"]),
    ("23f1ccb18d6d", &["52ab2d3b57ce"]),
    ("1d94175d221b", &["21ab11a7c5c4"]),
    ("36f1a410ed", &["54f871bfe0b0"]),
    ("181a149173e", &["2ee35cac4c62"]),
    ("171ad2f0c672", &["4a4e0838e206"]),
    ("2f93dd880bae", &["540bc5634bd"]),
    ("25a7ef58d293", &[]),
    ("7f96a01461b", &["184f65ed83af"]),
    ("b21f22233f", &["3e2f6c6d1182"]),
    ("52804033910e", &["1d94175d221b"]),
    ("1e6240aba5b3", &["4121bd6e99e9", "2c50d8bab6ee"]),
    ("1cc4459fd115", &["1e6240aba5b3"]),
    ("274fd2642933", &["4009c533e05d"]),
    ("1aa674ccfa4e", &["59223c5b7b36", "42050bf030fd"]),
    ("4e28e2f4fe2f", &["596d7b9e11"]),
    ("49ddec8c7a5e", &["124ef6a17781", "47578179e766"]),
    ("3e9bb349cc46", &["ef1c1c1531f"]),
    ("2028d94d3863", &["504d5168afe1"]),
    ("159331d6f484", &["34dfac7edb2d"]),
    ("596d7b9e11", &["171ad2f0c672"]),
    ("3b96bcc8da76", &["f034666cd80"]),
    ("4738812e6ece", &["78982bf5499"]),
    ("3314c17f6e35", &["27227dc4fda8"]),
    ("30931c545bf", &["2e71fd90eb9d"]),
    ("2e71fd90eb9d", &["c3ebe64dfb5", "1755e3b1481c"]),
    ("3ed56beabfb7", &["11bc0ff42f87", "69285b0faaa"]),
    ("96d590bd82e", &["3e9bb349cc46"]),
    ("339faa12616", &["4d45e479fbb9"]),
    ("47578179e766", &["2529684536da"]),
    ("2ee35cac4c62", &["b21f22233f"]),
    ("50c7b21c9089", &["4ed16fad67a7", "3b96bcc8da76"]),
    ("78982bf5499", &["ae77a2ed69b"]),
    ("519c9f3ce294", &["2c50d8bab6ee"]),
    ("2720fc75e5fd", &["1cccf82219cb"]),
    ("21638ec787ba", &["44d58f1d31f0"]),
    ("59742a546b84", &["49ddec8c7a5e"]),
    ("2d30d79c4093", &["135b5fd31062"]),
    ("f034666cd80", &["5a0003c3b09c", "38d069994064"]),
    ("430133b6d46c", &["181a149173e"]),
    ("3a3b24a31b57", &["16426dbea880", "4cc2960cbe19"]),
    ("2529684536da", &["64ed798bcc3", "1f6963d1ae02"]),
    ("17b66754be21", &["19e0db9d806a", "24c2620b2e3f"]),
    ("3cf34fcd6473", &["52804033910e", "4789d9c82ca7"]),
    ("36c31e4e1c37", &["504d5168afe1"]),
    ("54f871bfe0b0", &["519c9f3ce294"]),
    ("4a4e0838e206", &["2a7f37cf7770"]),
    ("19e0db9d806a", &["430074f99c29", "36f1a410ed"]),
    ("44ed1bf512a0", &["247ad6880f93"]),
    ("42050bf030fd", &["2f93dd880bae"]),
    ("2c50d8bab6ee", &["199943ccc774"]),
    ("504d5168afe1", &["28f4dd53ad3a", "30931c545bf"]),
    ("915c67915c2", &["3fc8a578bc0a"]),
    ("2a7f37cf7770", &["2720fc75e5fd"]),
    ("4c93d063d2ba", &["4e28e2f4fe2f"]),
    ("42ded7355da2", &["21638ec787ba"]),
];
