//! `revision` and `merge`: new files from the project's template, Alembic's rules for
//! heads, splices, labels, dependencies and version locations.

mod common;

use common::Project;

fn read(p: &Project, rel: &str) -> String {
    std::fs::read_to_string(p.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn revision_writes_a_file_named_by_the_template_and_prints_its_path() {
    let p = Project::init();
    let out = p.ok(&["revision", "-m", "Create the users table!", "--rev-id", "ae1027a6acf"]);
    let path = p.versions().join("ae1027a6acf_create_the_users_table.toml");
    assert_eq!(out, format!("Generating {} ...  done\n", path.display()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(
            "# Create the users table!\n#\n# Revision ID: ae1027a6acf\n# Revises: \n# Create Date: "
        ),
        "{text}"
    );
    assert!(text.contains("revision = \"ae1027a6acf\""), "{text}");
    assert_eq!(p.ok(&["heads"]), "ae1027a6acf (head)\n");

    // The next one builds on the head; a generated id is 12 hex characters.
    let out = p.ok(&["revision", "-m", "second"]);
    let file = out.trim().strip_prefix("Generating ").unwrap().strip_suffix(" ...  done").unwrap();
    let name = std::path::Path::new(file).file_name().unwrap().to_str().unwrap().to_string();
    let id = name.strip_suffix("_second.toml").unwrap();
    assert_eq!(id.len(), 12);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{id}");
    assert!(read(&p, &format!("migrations/versions/{name}")).contains("down_revision = \"ae1027a6acf\""));
}

#[test]
fn file_template_and_slug_truncation_follow_the_config() {
    let p = Project::init();
    let config = read(&p, "alembic.toml")
        .replace("file_template = \"%(rev)s_%(slug)s\"", "file_template = \"%(year)d_%(rev)s_%(slug)s\"")
        .replace("truncate_slug_length = 40", "truncate_slug_length = 10");
    std::fs::write(p.path().join("alembic.toml"), config).unwrap();
    p.ok(&["revision", "-m", "a rather long message here", "--rev-id", "r1"]);
    let names: Vec<String> = std::fs::read_dir(p.versions())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1);
    let year = names[0].split('_').next().unwrap();
    assert!(year.len() == 4 && year.starts_with("20"), "{names:?}");
    assert!(names[0].ends_with("_r1_a_rather_.toml"), "{names:?}");
}

#[test]
fn several_heads_need_a_head_or_a_merge() {
    let p = Project::init();
    p.ok(&["revision", "-m", "base", "--rev-id", "a"]);
    p.ok(&["revision", "-m", "one", "--rev-id", "b"]);
    let err = p.fails(&["revision", "-m", "two", "--head", "a", "--rev-id", "c"]);
    assert!(err.contains("Revision a is not a head revision; please specify --splice to create a new branch from this revision"), "{err}");
    p.ok(&["revision", "-m", "two", "--head", "a", "--splice", "--rev-id", "c"]);
    let err = p.fails(&["revision", "-m", "three", "--rev-id", "d"]);
    assert!(err.contains("Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge."), "{err}");
    assert!(!p.versions().join("d_three.toml").exists());

    p.ok(&["merge", "heads", "-m", "merge it", "--rev-id", "m"]);
    let merged = read(&p, "migrations/versions/m_merge_it.toml");
    assert!(
        merged.contains("down_revision = [\"b\", \"c\"]")
            || merged.contains("down_revision = [\"c\", \"b\"]"),
        "{merged}"
    );
    assert_eq!(p.ok(&["heads"]), "m (head)\n");
    p.ok(&["revision", "-m", "after", "--rev-id", "n"]);
    assert_eq!(p.ok(&["heads"]), "n (head)\n");
}

#[test]
fn branch_labels_and_label_heads() {
    let p = Project::init();
    p.ok(&["revision", "-m", "base", "--rev-id", "a"]);
    p.ok(&["revision", "-m", "feature", "--head", "base", "--branch-label", "feature", "--rev-id", "f1"]);
    p.ok(&["revision", "-m", "feature 2", "--head", "feature@head", "--rev-id", "f2"]);
    // `--head base` started a second base, so `a` stays a head beside the labelled branch.
    assert_eq!(p.ok(&["heads"]), "a (head)\nf2 (feature) (head)\n");
    assert_eq!(p.ok(&["heads", "-v"]).matches("Rev: ").count(), 2);
    let err = p.fails(&[
        "revision",
        "-m",
        "again",
        "--head",
        "a",
        "--splice",
        "--branch-label",
        "feature",
        "--rev-id",
        "x",
    ]);
    assert!(err.contains("Branch name 'feature'"), "{err}");
    assert!(!p.versions().join("x_again.toml").exists());
}

#[test]
fn depends_on_resolves_partial_ids_and_keeps_labels() {
    let p = Project::init();
    p.ok(&["revision", "-m", "a", "--rev-id", "aaaa1111"]);
    p.ok(&[
        "revision",
        "-m",
        "other base",
        "--head",
        "base",
        "--branch-label",
        "other",
        "--rev-id",
        "bbbb2222",
    ]);
    p.ok(&[
        "revision",
        "-m",
        "c",
        "--head",
        "aaaa1111",
        "--depends-on",
        "bbbb",
        "--depends-on",
        "other",
        "--rev-id",
        "cccc3333",
    ]);
    let text = read(&p, "migrations/versions/cccc3333_c.toml");
    assert!(text.contains("depends_on = [\"bbbb2222\", \"other\"]"), "{text}");
    let err =
        p.fails(&["revision", "-m", "d", "--head", "cccc3333", "--depends-on", "zzzz", "--rev-id", "dddd"]);
    assert!(err.contains("zzzz"), "{err}");
}

#[test]
fn version_path_must_be_a_version_location() {
    let p = Project::init();
    std::fs::create_dir_all(p.path().join("migrations/extra")).unwrap();
    let config = read(&p, "alembic.toml").replace(
        "version_locations = [\"migrations/versions\"]",
        "version_locations = [\"migrations/versions\", \"migrations/extra\"]",
    );
    std::fs::write(p.path().join("alembic.toml"), config).unwrap();
    let err = p.fails(&["revision", "-m", "x", "--rev-id", "x1"]);
    assert!(err.contains("Multiple version locations present, please specify --version-path"), "{err}");
    p.ok(&["revision", "-m", "x", "--rev-id", "x1", "--version-path", "migrations/extra"]);
    assert!(p.path().join("migrations/extra/x1_x.toml").is_file());
    // A revision on an existing head goes beside it.
    p.ok(&["revision", "-m", "y", "--rev-id", "y1"]);
    assert!(p.path().join("migrations/extra/y1_y.toml").is_file());
    let err = p.fails(&["revision", "-m", "z", "--rev-id", "z1", "--version-path", "elsewhere"]);
    assert!(err.contains("Path elsewhere is not represented in current version locations"), "{err}");
}

#[test]
fn bad_rev_ids_and_duplicates_are_refused() {
    let p = Project::init();
    for bad in ["a-b", "a@b", "a b", "a:b", "a+b"] {
        let err = p.fails(&["revision", "-m", "x", "--rev-id", bad]);
        assert!(err.contains(bad), "{bad}: {err}");
    }
    p.ok(&["revision", "-m", "x", "--rev-id", "kilo"]);
    let err = p.fails(&["revision", "-m", "y", "--rev-id", "kilo"]);
    assert!(err.contains("kilo already exists"), "{err}");
}

#[test]
fn the_projects_template_is_used_and_checked() {
    let p = Project::init();
    let template = read(&p, "migrations/script.toml.j2");
    std::fs::write(p.path().join("migrations/script.toml.j2"), format!("# custom template\n{template}"))
        .unwrap();
    p.ok(&["revision", "-m", "x", "--rev-id", "t1"]);
    assert!(read(&p, "migrations/versions/t1_x.toml").starts_with("# custom template\n"));
    std::fs::write(
        p.path().join("migrations/script.toml.j2"),
        "revision = \"{{ up_revision }}\"\nbogus = 1\n",
    )
    .unwrap();
    let err = p.fails(&["revision", "-m", "y", "--rev-id", "t2"]);
    assert!(
        err.contains("script.toml.j2: the template produced an invalid revision file")
            && err.contains("unknown key `bogus`"),
        "{err}"
    );
    assert!(!p.versions().join("t2_y.toml").exists());
}
