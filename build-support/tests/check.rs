//! `alembic_build::check`: what a build accepts, and the messages of what it refuses.

use std::path::Path;

use alembic_build::{EmbedError, check};

fn revision(id: &str, down: Option<&str>, table: &str) -> String {
    let down = down.map_or("[]".to_string(), |d| format!("{d:?}"));
    format!(
        "# Create {table}\n\nrevision = {id:?}\ndown_revision = {down}\nmessage = \"create {table}\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = {table:?}\ncolumns = [{{ name = \"id\", type = \"integer\", primary_key = true }}]\n\n\
         [[downgrade]]\nop = \"drop_table\"\ntable = {table:?}\n"
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "migrations/versions/a1_users.toml", &revision("a1", None, "users"));
    write(dir.path(), "migrations/versions/b2_posts.toml", &revision("b2", Some("a1"), "posts"));
    dir
}

fn problems(err: EmbedError) -> String {
    match err {
        EmbedError::Invalid { problems, .. } => problems.join("\n"),
        other => panic!("expected Invalid, got {other}"),
    }
}

#[test]
fn a_valid_folder_gives_files_heads_and_code() {
    let dir = project();
    let embedded = check(dir.path(), Path::new("migrations")).unwrap();
    assert_eq!(embedded.files(), ["versions/a1_users.toml", "versions/b2_posts.toml"]);
    assert_eq!(embedded.heads(), ["b2"]);
    let code = embedded.generated_code();
    assert!(code.contains("\"versions/a1_users.toml\""), "{code}");
    assert!(code.contains("heads: &[\"b2\"]"), "{code}");
    assert!(code.contains("version_table: \"alembic_version\""), "{code}");
    let rerun = embedded.rerun_paths();
    assert!(rerun.iter().any(|p| p.ends_with("migrations/versions/b2_posts.toml")));
    assert!(rerun.iter().any(|p| p.ends_with("migrations/versions")));
}

#[test]
fn alembic_toml_settings_are_recorded() {
    let dir = project();
    write(
        dir.path(),
        "alembic.toml",
        "script_location = \"migrations\"\nurl = \"${PROD_DATABASE_URL_NOT_SET_AT_BUILD}\"\n\
         version_table = \"schema_versions\"\ntransaction_per_migration = false\n",
    );
    let embedded = check(dir.path(), Path::new("migrations")).unwrap();
    let code = embedded.generated_code();
    assert!(code.contains("version_table: \"schema_versions\""), "{code}");
    assert!(code.contains("transaction_per_migration: false"), "{code}");
    assert!(embedded.rerun_paths().iter().any(|p| p.ends_with("alembic.toml")));
}

#[test]
fn a_folder_other_than_script_location_is_refused() {
    let dir = project();
    write(dir.path(), "alembic.toml", "script_location = \"db\"\n");
    let err = check(dir.path(), Path::new("migrations")).unwrap_err().to_string();
    assert!(err.contains("script_location"), "{err}");
}

#[test]
fn a_syntax_error_names_file_and_line() {
    let dir = project();
    write(
        dir.path(),
        "migrations/versions/c3_bad.toml",
        "revision = \"c3\"\ndown_revision = \"b2\"\nmessage = \n",
    );
    let text = problems(check(dir.path(), Path::new("migrations")).unwrap_err());
    assert!(text.contains("migrations/versions/c3_bad.toml:3"), "{text}");
}

#[test]
fn an_unknown_parent_names_the_file_and_down_revision_line() {
    let dir = project();
    write(dir.path(), "migrations/versions/c3_orphan.toml", &revision("c3", Some("zz"), "tags"));
    let text = problems(check(dir.path(), Path::new("migrations")).unwrap_err());
    assert!(text.contains("migrations/versions/c3_orphan.toml:4"), "{text}");
    assert!(text.contains("zz"), "{text}");
}

#[test]
fn an_op_that_does_not_replay_names_file_line_and_op() {
    let dir = project();
    let bad = "revision = \"c3\"\ndown_revision = \"b2\"\nmessage = \"drop\"\n\n[[upgrade]]\nop = \"drop_table\"\ntable = \"users\"\n\n\
               [[upgrade]]\nop = \"drop_column\"\ntable = \"nope\"\ncolumn = \"x\"\n";
    write(dir.path(), "migrations/versions/c3_drop.toml", bad);
    let text = problems(check(dir.path(), Path::new("migrations")).unwrap_err());
    assert!(text.contains("migrations/versions/c3_drop.toml:9"), "{text}");
    assert!(text.contains("upgrade op #2 (drop_column)"), "{text}");
}

#[test]
fn every_unparsable_file_is_reported() {
    let dir = project();
    write(dir.path(), "migrations/versions/c3_bad.toml", "revision = \n");
    write(dir.path(), "migrations/versions/d4_bad.toml", "revision = \"d4\"\ncolour = 1\n");
    let err = check(dir.path(), Path::new("migrations")).unwrap_err();
    // What `embed_or_report` hands to cargo: one line per file, each naming it.
    let lines = err.lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with("migrations/versions/c3_bad.toml:1: "), "{lines:#?}");
    assert!(lines[1].starts_with("migrations/versions/d4_bad.toml:"), "{lines:#?}");
    assert!(lines.iter().all(|l| !l.contains('\n')), "{lines:#?}");
    let text = problems(err);
    assert!(text.contains("c3_bad.toml") && text.contains("d4_bad.toml"), "{text}");
}

#[test]
fn a_missing_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let err = check(dir.path(), Path::new("migrations")).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    // `unwrap()` in build.rs prints Debug: it must read as the message.
    assert_eq!(format!("{err:?}"), err.to_string());
    assert_eq!(err.lines(), [err.to_string()]);
}

#[test]
fn without_versions_subfolder_the_folder_itself_holds_revisions() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "db/a1.toml", &revision("a1", None, "users"));
    let embedded = check(dir.path(), Path::new("db")).unwrap();
    assert_eq!(embedded.files(), ["a1.toml"]);
}

#[test]
fn an_unknown_column_type_is_a_warning_naming_file_and_line() {
    let dir = project();
    write(
        dir.path(),
        "migrations/versions/c3_tags.toml",
        "revision = \"c3\"\ndown_revision = \"b2\"\n\n[[upgrade]]\nop = \"add_column\"\ntable = \"posts\"\n\
         column = { name = \"tag\", type = \"strng\" }\n\n[[upgrade]]\nop = \"add_column\"\ntable = \"posts\"\n\
         column = { name = \"title\", type = \"String(50)\" }\n",
    );
    let embedded = check(dir.path(), Path::new("migrations")).unwrap();
    assert_eq!(
        embedded.warnings(),
        [
            "migrations/versions/c3_tags.toml:7: unknown type `strng` in upgrade[0].column; it is passed to the database as written"
        ]
    );
    let clean = project();
    assert!(check(clean.path(), Path::new("migrations")).unwrap().warnings().is_empty());
}
