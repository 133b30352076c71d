//! Broken histories, malformed files and bad identifiers: exit 1, one `error:` line that
//! names the file or identifier at fault, never a panic.

mod common;

use common::Project;

fn names_file(err: &str, path: &std::path::Path) {
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name), "error should name {name}:\n{err}");
}

#[test]
fn missing_parent_names_the_file_and_the_parent() {
    let p = Project::init();
    p.add("a1", &[], "");
    let b = p.add("b2", &["zz9"], "");
    let err = p.fails(&["heads"]);
    names_file(&err, &b);
    assert!(err.contains("zz9"), "{err}");
}

#[test]
fn cycles_and_self_loops_are_refused() {
    let p = Project::init();
    p.add("a1", &["b2"], "");
    p.add("b2", &["a1"], "");
    let err = p.fails(&["history"]);
    assert!(err.to_lowercase().contains("cycle"), "{err}");

    let p = Project::init();
    let a = p.add("a1", &["a1"], "");
    let err = p.fails(&["heads"]);
    names_file(&err, &a);
}

#[test]
fn duplicate_ids_name_both_files() {
    let p = Project::init();
    let first = p.write_revision("one.toml", &common::revision_toml("a1", &[], ""));
    let second = p.write_revision("two.toml", &common::revision_toml("a1", &[], ""));
    let err = p.fails(&["heads"]);
    names_file(&err, &first);
    names_file(&err, &second);
}

#[test]
fn duplicate_branch_labels_are_refused() {
    let p = Project::init();
    p.add("a1", &[], "branch_labels = [\"x\"]");
    p.add("b2", &[], "branch_labels = [\"x\"]");
    let err = p.fails(&["heads"]);
    assert!(err.contains("Branch name 'x'"), "{err}");
}

#[test]
fn malformed_files_name_file_line_and_key() {
    let p = Project::init();
    let bad = p.write_revision(
        "a1_.toml",
        "revision = \"a1\"\ndown_revision = \"\"\nmessage = \"m\"\ncolour = \"red\"\n",
    );
    let err = p.fails(&["heads"]);
    names_file(&err, &bad);
    assert!(err.contains(":4:") && err.contains("colour"), "{err}");

    std::fs::write(&bad, "revision = \"a1\"\nmessage = \"unterminated\n").unwrap();
    let err = p.fails(&["history"]);
    names_file(&err, &bad);
    assert!(err.contains(":2"), "{err}");

    std::fs::write(&bad, "message = \"no id\"\n").unwrap();
    let err = p.fails(&["history"]);
    names_file(&err, &bad);
    assert!(err.contains("revision"), "{err}");

    std::fs::write(
        &bad,
        "revision = \"a1\"\nmessage = \"m\"\n[[upgrade]]\nop = \"add_column\"\ntable = \"t\"\n",
    )
    .unwrap();
    let err = p.fails(&["history"]);
    names_file(&err, &bad);
    assert!(err.contains("column"), "{err}");
}

#[test]
fn unknown_and_ambiguous_identifiers() {
    let p = Project::init();
    p.add("abc1", &[], "");
    p.add("abc2", &["abc1"], "");
    let err = p.fails(&["show", "zzz"]);
    assert!(err.contains("Can't locate revision identified by 'zzz'"), "{err}");
    let err = p.fails(&["show", "abc"]);
    assert!(err.starts_with("error: Can't locate revision identified by 'abc'\n"), "{err}");
    assert!(err.contains("Multiple revisions start with 'abc'"), "{err}");
    let err = p.fails(&["history", "-r", "abc2"]);
    assert!(err.contains("History range requires [start]:[end], [start]:, or :[end]"), "{err}");
    let err = p.fails(&["history", "-r", "abc2:abc1"]);
    assert!(!err.is_empty());
}

#[test]
fn no_identifier_makes_it_panic() {
    let p = Project::init();
    p.add("a1", &[], "branch_labels = [\"lab\"]");
    p.add("b2", &["a1"], "");
    p.add("c3", &["a1"], "");
    for ident in [
        "",
        "@",
        "@@",
        "+",
        "-",
        ":",
        "::",
        "a1@",
        "@a1",
        "lab@",
        "lab@-99",
        "lab@+99",
        "base+99",
        "heads-1",
        "head-1",
        "-1",
        "+1",
        "a1+999999999999999999999",
        "a1-999999999999999999999",
        "b2:a1",
        "a1:b2:c3",
        "ü@ß",
        "lab@base",
        "lab@head",
        "c3@head",
        "nope@head",
        "base@-1",
        "current",
        "heads@head",
        "a1@-1",
        "base-1",
    ] {
        let out = p.run(&["show", ident]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "show {ident:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "show {ident:?} panicked: {stderr}");
        if out.status.code() == Some(1) {
            common::assert_error_shape(&stderr);
        }
    }
}
