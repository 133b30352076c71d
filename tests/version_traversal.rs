//! Port of Alembic 1.20.1 `tests/test_version_traversal.py`: upgrade, downgrade and
//! stamp plans and the version-table heads after each step. Revisions that Alembic
//! generates with random ids get readable ids here; the shapes and load order are the
//! same. Modules and tests are named after Alembic's classes and test methods.

use alembic::runtime::steps::{
    HeadChange, MigrationStep, RevisionStep, StampStep, VersionHeads, check_range, downgrade_plan,
    stamp_plan, upgrade_plan,
};
use alembic::script::revision::{Revision, RevisionError, RevisionMap, RevisionSpec};

fn r(id: &str, down: &[&str]) -> Revision {
    Revision::new(id, down)
}

fn map(revs: Vec<Revision>) -> RevisionMap {
    RevisionMap::new(revs).expect("valid revision map")
}

fn s(id: &str) -> RevisionSpec {
    RevisionSpec::from(id)
}

fn list(ids: &[&str]) -> RevisionSpec {
    RevisionSpec::from(ids)
}

fn none() -> RevisionSpec {
    RevisionSpec::base()
}

fn up(m: &RevisionMap, id: &str) -> MigrationStep {
    MigrationStep::Revision(RevisionStep::upgrade(m.node(id).expect("revision")))
}

fn down(m: &RevisionMap, id: &str) -> MigrationStep {
    MigrationStep::Revision(RevisionStep::downgrade(m.node(id).expect("revision")))
}

fn sorted(v: Vec<&str>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().map(str::to_string).collect();
    v.sort();
    v
}

fn run_heads(m: &RevisionMap, source: &RevisionSpec, steps: &[MigrationStep]) -> Vec<String> {
    let mut heads = VersionHeads::new(m, &source.to_list()).expect("heads");
    for step in steps {
        heads.apply(step).unwrap_or_else(|e| panic!("applying {step:?}: {e}"));
    }
    sorted(heads.heads())
}

/// Alembic's `MigrationTest._assert_upgrade`.
fn assert_upgrade(
    m: &RevisionMap,
    destination: RevisionSpec,
    source: RevisionSpec,
    expected: &[&str],
    heads: &[&str],
) {
    let steps = upgrade_plan(m, &destination, &source).unwrap_or_else(|e| panic!("{destination:?}: {e}"));
    let want: Vec<MigrationStep> = expected.iter().map(|id| up(m, id)).collect();
    assert_eq!(steps, want, "upgrade {destination:?} from {source:?}");
    assert_eq!(run_heads(m, &source, &steps), sorted(heads.to_vec()));
}

/// Alembic's `MigrationTest._assert_downgrade`.
fn assert_downgrade(
    m: &RevisionMap,
    destination: RevisionSpec,
    source: RevisionSpec,
    expected: &[&str],
    heads: &[&str],
) {
    let steps = downgrade_plan(m, &destination, &source).unwrap_or_else(|e| panic!("{destination:?}: {e}"));
    let want: Vec<MigrationStep> = expected.iter().map(|id| down(m, id)).collect();
    assert_eq!(steps, want, "downgrade {destination:?} from {source:?}");
    assert_eq!(run_heads(m, &source, &steps), sorted(heads.to_vec()));
}

fn err_text<T: std::fmt::Debug>(r: Result<T, RevisionError>) -> String {
    r.expect_err("expected an error").to_string()
}

fn stamp(m: &RevisionMap, revision: RevisionSpec, heads: &[&str]) -> Vec<StampStep> {
    let heads: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    stamp_plan(m, &revision, &heads, false)
        .expect("stamp plan")
        .into_iter()
        .map(|step| match step {
            MigrationStep::Stamp(s) => s,
            other => panic!("not a stamp: {other:?}"),
        })
        .collect()
}

/// Alembic's `StampStep.merge_branch_idents`: (deleted rows, row updated, new value).
fn merge_idents(step: &StampStep) -> (Vec<String>, String, String) {
    let (last, rest) = step.from.split_last().expect("from rows");
    (rest.to_vec(), last.clone(), step.to[0].clone())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

mod revision_path_test {
    use super::*;

    const A: &str = "e6239818bb3a";
    const B: &str = "548bbb905360";
    const C: &str = "b7ea43dc85e4";
    const D: &str = "1bbe33445780";
    const E: &str = "3975fb1a0125";

    fn setup() -> RevisionMap {
        map(vec![r(A, &[]), r(B, &[A]), r(C, &[B]), r(D, &[C]), r(E, &[D])])
    }

    #[test]
    fn test_downgrade_base_no_version() {
        assert_downgrade(&setup(), s("base"), list(&[]), &[], &[]);
    }

    #[test]
    fn test_downgrade_to_existing() {
        assert_downgrade(&setup(), s(A), list(&[A]), &[], &[A]);
    }

    #[test]
    fn test_downgrade_to_existing_head() {
        assert_downgrade(&setup(), s(E), list(&[E]), &[], &[E]);
    }

    #[test]
    fn test_upgrade_path() {
        let m = setup();
        assert_upgrade(&m, s(E), s(C), &[D, E], &[E]);
        assert_upgrade(&m, s(C), none(), &[A, B, C], &[C]);
    }

    #[test]
    fn test_relative_upgrade_path() {
        let m = setup();
        assert_upgrade(&m, s("+2"), s(A), &[B, C], &[C]);
        assert_upgrade(&m, s("+1"), s(A), &[B], &[B]);
        assert_upgrade(&m, s("+3"), s(B), &[C, D, E], &[E]);
        assert_upgrade(&m, s(&format!("{B}+2")), s(A), &[B, C, D], &[D]);
        assert_upgrade(&m, s(&format!("{D}-2")), s(A), &[B], &[B]);
    }

    #[test]
    fn test_invalid_relative_upgrade_path() {
        let m = setup();
        assert_eq!(
            err_text(upgrade_plan(&m, &s("-2"), &s(B))),
            "Relative revision -2 didn't produce 2 migrations"
        );
        assert_eq!(
            err_text(upgrade_plan(&m, &s("+5"), &s(B))),
            "Relative revision +5 didn't produce 5 migrations"
        );
    }

    #[test]
    fn test_downgrade_path() {
        let m = setup();
        assert_downgrade(&m, s(C), s(E), &[E, D], &[C]);
        assert_downgrade(&m, none(), s(C), &[C, B, A], &[]);
    }

    #[test]
    fn test_relative_downgrade_path() {
        let m = setup();
        assert_downgrade(&m, s("-1"), s(C), &[C], &[B]);
        assert_downgrade(&m, s("-3"), s(E), &[E, D, C], &[B]);
        assert_downgrade(&m, s(&format!("{A}+2")), s(D), &[D], &[C]);
        assert_downgrade(&m, s(&format!("{C}-2")), s(D), &[D, C, B], &[A]);
    }

    #[test]
    fn test_invalid_relative_downgrade_path() {
        let m = setup();
        assert_eq!(
            err_text(downgrade_plan(&m, &s("-5"), &s(B))),
            "Relative revision -5 didn't produce 5 migrations"
        );
        assert_eq!(
            err_text(downgrade_plan(&m, &s("+2"), &s(B))),
            "Relative revision +2 didn't produce 2 migrations"
        );
    }

    #[test]
    fn test_invalid_move_rev_to_none() {
        assert_eq!(
            err_text(downgrade_plan(&setup(), &s(&B[0..3]), &none())),
            format!("Destination {} is not a valid downgrade target from current head(s)", &B[0..3])
        );
    }

    #[test]
    fn test_invalid_move_higher_to_lower() {
        assert_eq!(
            err_text(downgrade_plan(&setup(), &s(&C[0..4]), &s(B))),
            format!("Destination {} is not a valid downgrade target from current head(s)", &C[0..4])
        );
    }

    #[test]
    fn test_stamp_to_base() {
        let m = setup();
        let revs = stamp_plan(&m, &s("base"), &strings(&[D]), false).unwrap();
        assert_eq!(revs.len(), 1);
        let heads = VersionHeads::new(&m, &strings(&[D])).unwrap();
        assert_eq!(heads.head_change(&revs[0]).unwrap(), HeadChange::DeleteBranch(D.to_string()));
    }
}

mod branched_path_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a", &[]),
            r("b", &["a"]),
            r("c1", &["b"]).with_branch_labels(&["c1branch"]),
            r("d1", &["c1"]),
            r("c2", &["b"]).with_branch_labels(&["c2branch"]),
            r("d2", &["c2"]),
        ])
    }

    #[test]
    fn test_stamp_down_across_multiple_branch_to_branchpoint() {
        let revs = stamp(&setup(), s("b"), &["d1", "c2"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (strings(&["d1"]), "c2".into(), "b".into()));
    }

    #[test]
    fn test_stamp_to_labeled_base_multiple_heads() {
        let m = setup();
        let revs = stamp_plan(&m, &s("c1branch@base"), &strings(&["d1", "c2"]), false).unwrap();
        assert_eq!(revs.len(), 1);
        let heads = VersionHeads::new(&m, &strings(&["d1", "c2"])).unwrap();
        assert_eq!(heads.head_change(&revs[0]).unwrap(), HeadChange::DeleteBranch("d1".into()));
    }

    #[test]
    fn test_stamp_to_labeled_head_multiple_heads() {
        let revs = stamp(&setup(), s("c2branch@head"), &["d1", "c2"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (vec![], "c2".into(), "d2".into()));
    }

    #[test]
    fn test_upgrade_single_branch() {
        assert_upgrade(&setup(), s("d1"), s("b"), &["c1", "d1"], &["d1"]);
    }

    #[test]
    fn test_upgrade_multiple_branch() {
        assert_upgrade(&setup(), list(&["d1", "d2"]), s("a"), &["b", "c2", "d2", "c1", "d1"], &["d1", "d2"]);
    }

    #[test]
    fn test_downgrade_multiple_branch() {
        assert_downgrade(&setup(), s("a"), list(&["d1", "d2"]), &["d1", "c1", "d2", "c2", "b"], &["a"]);
    }

    #[test]
    fn test_relative_upgrade() {
        assert_upgrade(&setup(), s("c2branch@head-1"), s("b"), &["c2"], &["c2"]);
    }

    #[test]
    fn test_relative_downgrade_baseplus2() {
        assert_downgrade(&setup(), s("base+2"), list(&["d2", "d1"]), &["d1", "c1", "d2", "c2"], &["b"]);
    }

    #[test]
    fn test_relative_downgrade_branchplus2() {
        assert_downgrade(&setup(), s("c2branch@base+2"), list(&["d2", "d1"]), &["d2", "c2"], &["d1"]);
    }

    #[test]
    fn test_relative_downgrade_branchplus3() {
        let m = setup();
        assert_downgrade(&m, s("c2"), list(&["d2", "d1"]), &["d2"], &["d1", "c2"]);
        assert_downgrade(&m, s("c2branch@base+3"), list(&["d2", "d1"]), &["d2"], &["d1", "c2"]);
    }

    #[test]
    fn test_downgrade_once_order_right() {
        assert_downgrade(&setup(), s("-1"), list(&["d2", "d1"]), &["d2"], &["d1", "c2"]);
    }

    #[test]
    fn test_downgrade_once_order_right_unbalanced() {
        assert_downgrade(&setup(), s("-1"), list(&["c2", "d1"]), &["c2"], &["d1"]);
    }

    #[test]
    fn test_downgrade_once_order_left() {
        assert_downgrade(&setup(), s("-1"), list(&["d1", "d2"]), &["d1"], &["d2", "c1"]);
    }

    #[test]
    fn test_downgrade_once_order_left_unbalanced() {
        assert_downgrade(&setup(), s("-1"), list(&["c1", "d2"]), &["c1"], &["d2"]);
    }

    #[test]
    fn test_downgrade_once_order_left_unbalanced_labelled() {
        assert_downgrade(&setup(), s("c1branch@-1"), list(&["d1", "d2"]), &["d1"], &["c1", "d2"]);
    }

    #[test]
    fn test_downgrade_relative_order_right() {
        assert_downgrade(&setup(), s("d2-1"), list(&["d2", "c1"]), &["d2"], &["c1", "c2"]);
    }

    #[test]
    fn test_downgrade_relative_order_left() {
        assert_downgrade(&setup(), s("d2-1"), list(&["c1", "d2"]), &["d2"], &["c1", "c2"]);
    }

    #[test]
    fn test_downgrade_single_branch_c1branch() {
        assert_downgrade(&setup(), s("c1branch@b"), list(&["c1", "d2"]), &["c1"], &["d2"]);
    }

    #[test]
    fn test_downgrade_single_branch_c1branch_from_d1_head() {
        assert_downgrade(&setup(), s("c2branch@b"), list(&["c1", "d2"]), &["d2", "c2"], &["c1"]);
    }

    #[test]
    fn test_downgrade_single_branch_c2() {
        assert_downgrade(&setup(), s("c2@b"), list(&["d1", "d2"]), &["d2", "c2"], &["d1"]);
    }

    #[test]
    fn test_downgrade_single_branch_d1() {
        assert_downgrade(&setup(), s("d1@b"), list(&["d1", "d2"]), &["d1", "c1"], &["d2"]);
    }

    #[test]
    fn test_downgrade_relative_to_branch_head() {
        assert_downgrade(&setup(), s("c1branch@head-1"), list(&["d1", "d2"]), &["d1"], &["c1", "d2"]);
    }

    #[test]
    fn test_upgrade_other_branch_from_mergepoint() {
        assert_upgrade(&setup(), s("c2branch@+1"), s("c1"), &["c2"], &["c1", "c2"]);
    }

    #[test]
    fn test_upgrade_one_branch_of_heads() {
        assert_upgrade(&setup(), s("c2branch@+1"), list(&["c1", "c2"]), &["d2"], &["c1", "d2"]);
    }

    #[test]
    fn test_ambiguous_upgrade() {
        assert_eq!(
            err_text(upgrade_plan(&setup(), &s("+1"), &list(&["c1", "c2"]))),
            "Ambiguous upgrade from multiple current revisions"
        );
    }

    #[test]
    fn test_upgrade_from_base() {
        assert_upgrade(&setup(), s("base+1"), list(&[]), &["a"], &["a"]);
    }

    #[test]
    fn test_upgrade_from_base_implicit() {
        assert_upgrade(&setup(), s("+1"), list(&[]), &["a"], &["a"]);
    }

    #[test]
    fn test_downgrade_minus1_to_base() {
        assert_downgrade(&setup(), s("-1"), list(&["a"]), &["a"], &[]);
    }

    #[test]
    fn test_downgrade_minus1_from_base() {
        assert_eq!(
            err_text(downgrade_plan(&setup(), &s("-1"), &list(&[]))),
            "Relative revision -1 didn't produce 1 migrations"
        );
    }

    #[test]
    fn test_downgrade_no_effect_branched() {
        let m = setup();
        assert_downgrade(&m, s("c2"), list(&["d1", "c2"]), &[], &["d1", "c2"]);
        assert_downgrade(&m, s("d1"), list(&["d1", "c2"]), &[], &["d1", "c2"]);
    }
}

mod branch_from_mergepoint_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]),
            r("b1", &["a1"]),
            r("c1", &["b1"]),
            r("a2", &[]),
            r("b2", &["a2"]),
            r("c2", &["b2"]),
            r("d1", &["c1", "c2"]),
            r("d2", &["c2"]),
        ])
    }

    #[test]
    fn test_mergepoint_to_only_one_side_upgrade() {
        assert_upgrade(&setup(), s("d1"), list(&["d2", "b1"]), &["c1", "d1"], &["d2", "d1"]);
    }

    #[test]
    fn test_mergepoint_to_only_one_side_downgrade() {
        assert_downgrade(&setup(), s("b1"), list(&["d2", "d1"]), &["d1", "c1"], &["d2", "b1"]);
    }
}

mod branch_from_3way_mergepoint_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]),
            r("b1", &["a1"]),
            r("c1", &["b1"]),
            r("a2", &[]),
            r("b2", &["a2"]),
            r("c2", &["b2"]),
            r("a3", &[]),
            r("b3", &["a3"]),
            r("c3", &["b3"]),
            r("d1", &["c1", "c2", "c3"]),
            r("d2", &["c2"]),
            r("d3", &["c3"]),
        ])
    }

    #[test]
    fn test_mergepoint_to_only_one_side_upgrade() {
        assert_upgrade(&setup(), s("d1"), list(&["d3", "d2", "b1"]), &["c1", "d1"], &["d3", "d2", "d1"]);
    }

    #[test]
    fn test_mergepoint_to_only_one_side_downgrade() {
        assert_downgrade(&setup(), s("b1"), list(&["d3", "d2", "d1"]), &["d1", "c1"], &["d3", "d2", "b1"]);
    }

    #[test]
    fn test_mergepoint_to_two_sides_upgrade() {
        let m = setup();
        assert_upgrade(&m, s("d1"), list(&["d3", "b2", "b1"]), &["c2", "c1", "d1"], &["d3", "d1"]);
        assert_upgrade(&m, s("d2"), list(&["d3", "d1"]), &["d2"], &["d3", "d2", "d1"]);
    }
}

/// Applies `steps` one by one, checking the heads after each (Alembic's
/// `TwinMergeTest.test_upgrade` style).
fn assert_head_sequence(m: &RevisionMap, start: &[&str], steps: &[(&str, &[&str])]) {
    let mut heads = VersionHeads::new(m, &strings(start)).unwrap();
    for (rev, expected) in steps {
        heads.apply(&up(m, rev)).unwrap_or_else(|e| panic!("{rev}: {e}"));
        assert_eq!(sorted(heads.heads()), sorted(expected.to_vec()), "after {rev}");
    }
}

mod twin_merge_test {
    use super::*;

    #[test]
    fn test_upgrade() {
        let m = map(vec![
            r("a", &[]),
            r("b1", &["a"]),
            r("b2", &["a"]),
            r("b3", &["a"]),
            r("c1", &["b1", "b2", "b3"]),
            r("c2", &["b1", "b2", "b3"]),
            r("d1", &["c1"]),
            r("d2", &["c2"]),
        ]);
        assert_head_sequence(
            &m,
            &["a"],
            &[
                ("b3", &["b3"]),
                ("b1", &["b1", "b3"]),
                ("b2", &["b1", "b2", "b3"]),
                ("c2", &["c2"]),
                ("d2", &["d2"]),
                ("c1", &["c1", "d2"]),
                ("d1", &["d1", "d2"]),
            ],
        );
    }
}

mod not_quite_twin_merge_test {
    use super::*;

    #[test]
    fn test_upgrade() {
        let m = map(vec![
            r("a", &[]),
            r("b1", &["a"]),
            r("b2", &["a"]),
            r("b3", &["a"]),
            r("c1", &["b1", "b2"]),
            r("c2", &["b2", "b3"]),
            r("d1", &["c1"]),
            r("d2", &["c2"]),
        ]);
        assert_head_sequence(
            &m,
            &["a"],
            &[
                ("b2", &["b2"]),
                ("b3", &["b2", "b3"]),
                ("c2", &["c2"]),
                ("d2", &["d2"]),
                ("b1", &["b1", "d2"]),
                ("c1", &["c1", "d2"]),
                ("d1", &["d1", "d2"]),
            ],
        );
    }
}

mod depends_on_branch_test_one {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]).with_branch_labels(&["lib1"]),
            r("b1", &["a1"]),
            r("c1", &["b1"]),
            r("a2", &[]),
            r("b2", &["a2"]),
            r("c2", &["b2"]).with_depends_on(&["c1"]),
            r("d1", &["c1"]),
            r("e1", &["d1"]),
            r("f1", &["e1"]),
        ])
    }

    #[test]
    fn test_downgrade_to_dependency() {
        let m = setup();
        let mut heads = VersionHeads::new(&m, &strings(&["c2", "d1"])).unwrap();
        heads.apply(&down(&m, "d1")).unwrap();
        assert_eq!(heads.heads(), ["c2"]);
    }

    #[test]
    fn test_stamp_across_dependency() {
        let m = setup();
        let start = strings(&["e1", "c2"]);
        let mut heads = VersionHeads::new(&m, &start).unwrap();
        for step in stamp_plan(&m, &s("b1"), &start, false).unwrap() {
            heads.apply(&step).unwrap();
        }
        assert_eq!(heads.heads(), ["b1"]);
    }
}

mod depends_on_branch_test_two {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a1", &[]),
            r("a2", &[]),
            r("a3", &[]),
            r("amerge", &["a1", "a2", "a3"]),
            r("b1", &[]),
            r("b2", &[]),
            r("bmerge", &["b1", "b2"]),
            r("c1", &[]),
            r("c2", &[]),
            r("c3", &[]),
            r("cmerge", &["c1", "c2", "c3"]),
            r("d1", &[]).with_depends_on(&["a3", "b2", "c1"]),
        ])
    }

    #[test]
    fn test_kaboom() {
        let m = setup();
        assert_downgrade(
            &m,
            s("b2"),
            list(&["amerge", "bmerge", "cmerge", "d1"]),
            &["bmerge"],
            &["amerge", "b1", "cmerge", "d1"],
        );
        assert_downgrade(
            &m,
            s("d1@base"),
            list(&["amerge", "d1", "b1", "cmerge"]),
            &["d1"],
            &["amerge", "b1", "b2", "cmerge"],
        );
        assert_downgrade(
            &m,
            s("base"),
            list(&["amerge", "b1", "b2", "cmerge"]),
            &["amerge", "a1", "b1", "b2", "cmerge", "c1", "a2", "a3", "c2", "c3"],
            &[],
        );
    }
}

mod depends_on_branch_test_three {
    use super::*;

    #[test]
    fn test_downgrade_over_crisscross() {
        let m = map(vec![
            r("a1", &[]),
            r("a2", &["a1"]),
            r("b1", &[]),
            r("b2", &["b1"]).with_depends_on(&["a2"]),
            r("b3", &["b2"]),
            r("a3", &["a2"]).with_depends_on(&["b1"]),
        ]);
        assert_downgrade(&m, s("b1"), list(&["a3", "b2"]), &["b2"], &["a3"]);
    }
}

mod depends_on_own_downrev_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![r("a1", &[]), r("a2", &["a1"]).with_depends_on(&["a1"])])
    }

    #[test]
    fn test_traverse() {
        assert_upgrade(&setup(), s("a2"), none(), &["a1", "a2"], &["a2"]);
    }

    #[test]
    fn test_traverse_down() {
        assert_downgrade(&setup(), s("a1"), s("a2"), &["a2"], &["a1"]);
    }
}

mod depends_on_branch_test_four {
    use super::*;

    #[test]
    fn test_dependencies_are_normalized() {
        let m = map(vec![
            r("a1", &[]),
            r("a2", &["a1"]),
            r("a3", &["a2"]),
            r("b1", &[]),
            r("b2", &["b1"]).with_depends_on(&["a3"]),
            r("b3", &["b2"]),
            r("b4", &["b3"]).with_depends_on(&["a3"]),
        ]);
        assert_downgrade(&m, s("b3"), list(&["b4"]), &["b4"], &["b3"]);
    }
}

mod depends_on_branch_test_five {
    use super::*;

    #[test]
    fn test_downgrade_to_depends_on() {
        let m = map(vec![r("a1", &[]), r("b1", &[]).with_depends_on(&["a1"]), r("bmerge", &["a1", "b1"])]);
        assert_upgrade(&m, s("b1"), s("a1"), &["b1"], &["b1"]);
        assert_upgrade(&m, s("bmerge"), s("b1"), &["bmerge"], &["bmerge"]);
        assert_downgrade(&m, s("a1"), s("bmerge"), &["bmerge"], &["b1"]);
        assert_downgrade(&m, s("b1"), s("bmerge"), &["bmerge"], &["b1"]);
    }
}

mod depends_on_branch_label_test {
    use super::*;

    #[test]
    fn test_upgrade_path() {
        let m = map(vec![
            r("a1", &[]).with_branch_labels(&["lib1"]),
            r("b1", &["a1"]),
            r("c1", &["b1"]).with_branch_labels(&["c1lib"]),
            r("a2", &[]),
            r("b2", &["a2"]),
            r("c2", &["b2"]).with_depends_on(&["c1lib"]),
            r("d1", &["c1"]),
            r("e1", &["d1"]),
            r("f1", &["e1"]),
        ]);
        assert_upgrade(&m, s("c2"), s("a2"), &["a1", "b1", "c1", "b2", "c2"], &["c2"]);
    }
}

mod forest_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![r("a1", &[]), r("b1", &["a1"]), r("a2", &[]), r("b2", &["a2"])])
    }

    #[test]
    fn test_base_to_heads() {
        let m = setup();
        let steps = upgrade_plan(&m, &s("heads"), &s("base")).unwrap();
        let want: Vec<MigrationStep> = ["a2", "b2", "a1", "b1"].iter().map(|id| up(&m, id)).collect();
        assert_eq!(steps, want);
    }

    #[test]
    fn test_stamp_to_heads() {
        let revs = stamp(&setup(), s("heads"), &[]);
        assert_eq!(revs.len(), 2);
        let mut to: Vec<Vec<String>> = revs.iter().map(|r| r.to.clone()).collect();
        to.sort();
        assert_eq!(to, vec![strings(&["b1"]), strings(&["b2"])]);
    }

    #[test]
    fn test_stamp_to_heads_no_moves_needed() {
        assert!(stamp(&setup(), s("heads"), &["b1", "b2"]).is_empty());
    }
}

mod merged_path_test {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a", &[]),
            r("b", &["a"]),
            r("c1", &["b"]),
            r("d1", &["c1"]),
            r("c2", &["b"]).with_branch_labels(&["c2branch"]),
            r("d2", &["c2"]),
            r("e", &["d1", "d2"]),
            r("f", &["e"]),
        ])
    }

    #[test]
    fn test_stamp_down_across_merge_point_branch() {
        let revs = stamp(&setup(), s("c2"), &["e"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (vec![], "e".into(), "c2".into()));
    }

    #[test]
    fn test_stamp_down_across_merge_prior_branching() {
        let revs = stamp(&setup(), s("a"), &["e"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (vec![], "e".into(), "a".into()));
    }

    #[test]
    fn test_stamp_up_across_merge_from_single_branch() {
        let revs = stamp(&setup(), s("e"), &["c2"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (vec![], "c2".into(), "e".into()));
    }

    #[test]
    fn test_stamp_labeled_head_across_merge_from_multiple_branch() {
        let revs = stamp(&setup(), s("c2branch@head"), &["d1", "c2"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (strings(&["d1"]), "c2".into(), "f".into()));
    }

    #[test]
    fn test_stamp_up_across_merge_from_multiple_branch() {
        let revs = stamp(&setup(), s("e"), &["d1", "c2"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (strings(&["d1"]), "c2".into(), "e".into()));
    }

    #[test]
    fn test_stamp_up_across_merge_prior_branching() {
        let revs = stamp(&setup(), s("e"), &["b"]);
        assert_eq!(revs.len(), 1);
        assert_eq!(merge_idents(&revs[0]), (vec![], "b".into(), "e".into()));
    }

    #[test]
    fn test_upgrade_across_merge_point() {
        let m = setup();
        let steps = upgrade_plan(&m, &s("f"), &s("b")).unwrap();
        let want: Vec<MigrationStep> =
            ["c2", "d2", "c1", "d1", "e", "f"].iter().map(|id| up(&m, id)).collect();
        assert_eq!(steps, want);
    }

    #[test]
    fn test_downgrade_across_merge_point() {
        let m = setup();
        let steps = downgrade_plan(&m, &s("b"), &s("f")).unwrap();
        let want: Vec<MigrationStep> =
            ["f", "e", "d1", "c1", "d2", "c2"].iter().map(|id| down(&m, id)).collect();
        assert_eq!(steps, want);
    }
}

mod branched_path_test_cross_dependencies {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![
            r("a", &[]),
            r("b", &["a"]),
            r("c1", &["b"]).with_branch_labels(&["c1branch"]),
            r("d1", &["c1"]),
            r("c2", &["b"]).with_branch_labels(&["c2branch"]),
            r("d2", &["c2"]).with_depends_on(&["c1"]),
        ])
    }

    #[test]
    fn test_downgrade_independent_branch() {
        assert_downgrade(&setup(), s("c2branch@b"), list(&["d1", "d2"]), &["d2", "c2"], &["d1"]);
    }

    #[test]
    fn test_downgrade_branch_dependency() {
        let m = setup();
        let source = list(&["d1", "d2"]);
        let steps = downgrade_plan(&m, &s("c1branch@b"), &source).unwrap();
        let ids: Vec<&str> = steps.iter().filter_map(MigrationStep::revision).collect();
        let mut set = ids.clone();
        set.sort_unstable();
        assert_eq!(set, ["c1", "d1", "d2"]);
        let pos = |id: &str| ids.iter().position(|x| *x == id).unwrap();
        assert!(pos("d1") < pos("c1"));
        assert!(pos("d2") < pos("c1"));
        assert_eq!(run_heads(&m, &source, &steps), ["c2"]);
    }
}

/// Cases where Alembic crashes (AssertionError, KeyError) or silently does nothing; here
/// each is a clear error.
mod beyond_alembic {
    use super::*;

    fn setup() -> RevisionMap {
        map(vec![r("aaa1", &[]), r("bbb1", &["aaa1"]), r("c1", &["bbb1"]).with_branch_labels(&["c1b"])])
    }

    #[test]
    fn reversed_range_is_an_error() {
        assert_eq!(
            err_text(check_range(&setup(), &s("c1"), &s("aaa1"))),
            "Requested range c1:aaa1 does not refer to ancestor/descendant revisions along the same branch"
        );
        check_range(&setup(), &s("aaa1"), &s("c1")).unwrap();
    }

    #[test]
    fn labelled_relative_downgrade_on_empty_database() {
        assert_eq!(
            err_text(downgrade_plan(&setup(), &s("c1b@-1"), &none())),
            "Relative revision -1 didn't produce 1 migrations"
        );
    }

    #[test]
    fn relative_upgrade_past_the_head() {
        assert_eq!(
            err_text(upgrade_plan(&setup(), &s("c1+3"), &none())),
            "Relative revision +3 didn't produce 3 migrations"
        );
    }

    #[test]
    fn missing_parent_is_named() {
        let e = RevisionMap::new(vec![r("a", &[]), r("b", &["zzz"])]).unwrap_err();
        assert_eq!(e.to_string(), "Revision zzz referenced from b is not present");
    }

    #[test]
    fn duplicate_revision_is_an_error() {
        let e = RevisionMap::new(vec![r("a", &[]), r("a", &[])]).unwrap_err();
        assert_eq!(e.to_string(), "Revision a is present more than once");
    }

    #[test]
    fn illegal_characters() {
        let e = RevisionMap::new(vec![r("a-b@c", &[])]).unwrap_err();
        assert_eq!(e.to_string(), "Character(s) '-, @' not allowed in revision identifier 'a-b@c'");
    }

    #[test]
    fn multiple_heads_command_text() {
        let m = map(vec![r("a", &[]), r("b1", &["a"]), r("b2", &["a"])]);
        assert_eq!(
            err_text(upgrade_plan(&m, &s("head"), &none())),
            "Multiple head revisions are present for given argument 'head'; please specify a specific \
             target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"
        );
    }

    #[test]
    fn ambiguous_prefix() {
        let m = map(vec![r("abcd1", &[]), r("abcd2", &["abcd1"])]);
        assert_eq!(
            err_text(m.get_revision("abcd")),
            "Multiple revisions start with 'abcd': 'abcd1', 'abcd2'..."
        );
    }

    #[test]
    fn short_log() {
        let m = setup();
        assert_eq!(up(&m, "aaa1").short_log(), "upgrade  -> aaa1");
        assert_eq!(down(&m, "bbb1").short_log(), "downgrade bbb1 -> aaa1");
    }
}
