//! Plain `.sql` revision files.

use std::path::Path;

use alembic::dialect::Dialect;
use alembic::ops::{Execute, Op};
use alembic::script::RevisionScript;

fn parse_sql(text: &str) -> alembic::Result<RevisionScript> {
    RevisionScript::parse_sql(Path::new("versions/x.sql"), text)
}

#[track_caller]
fn check_err(text: &str, line: Option<usize>, fragments: &[&str]) {
    let err = parse_sql(text).expect_err("must fail").to_string();
    let prefix = match line {
        Some(line) => format!("versions/x.sql:{line}: "),
        None => "versions/x.sql: ".to_string(),
    };
    assert!(err.starts_with(&prefix), "expected {prefix:?} in {err:?}");
    for fragment in fragments {
        assert!(err.contains(fragment), "expected {fragment:?} in {err:?}");
    }
}

const FULL: &str = "\
-- Add email column to users
--
-- Revision ID: 3f2a9c1b7d4e
-- Revises: 88fb11965e20
--
-- revision = \"3f2a9c1b7d4e\"
-- down_revision = \"88fb11965e20\"
-- branch_labels = [\"accounts\"]
-- message = \"Add email column to users\"
-- create_date = \"2026-11-21T10:12:00Z\"
-- transactional = false
-- dialect = \"postgresql\"

-- upgrade
ALTER TABLE users ADD COLUMN email VARCHAR(100);
-- a comment inside the SQL stays
CREATE INDEX ix_email ON users (email);

-- downgrade

ALTER TABLE users DROP COLUMN email;
";

#[test]
fn full_file_for_one_dialect() {
    let script = parse_sql(FULL).unwrap();
    assert_eq!(script.revision, "3f2a9c1b7d4e");
    assert_eq!(script.down_revision, ["88fb11965e20"]);
    assert_eq!(script.branch_labels, ["accounts"]);
    assert_eq!(script.message, "Add email column to users");
    assert_eq!(script.create_date.as_deref(), Some("2026-11-21T10:12:00Z"));
    assert!(!script.transactional);
    assert_eq!(script.doc, "Add email column to users\n\nRevision ID: 3f2a9c1b7d4e\nRevises: 88fb11965e20");
    assert_eq!(
        script.upgrade,
        [Op::Execute(Execute::only(
            Dialect::Postgresql,
            "ALTER TABLE users ADD COLUMN email VARCHAR(100);\n-- a comment inside the SQL stays\nCREATE INDEX ix_email ON users (email);"
        ))]
    );
    assert_eq!(
        script.downgrade,
        [Op::Execute(Execute::only(Dialect::Postgresql, "ALTER TABLE users DROP COLUMN email;"))]
    );
}

#[test]
fn without_dialect_the_sql_is_for_every_dialect() {
    let script =
        parse_sql("-- revision = \"a1\"\n--upgrade\nSELECT 1;\n--   DOWNGRADE  \nSELECT 2;\n").unwrap();
    assert_eq!(script.upgrade, [Op::Execute(Execute::new("SELECT 1;"))]);
    assert_eq!(script.downgrade, [Op::Execute(Execute::new("SELECT 2;"))]);
    let script = parse_sql("-- revision = \"a1\"\n-- dialect = \"sqlite\"\n-- upgrade\nSELECT 1;\n").unwrap();
    assert_eq!(script.upgrade, [Op::Execute(Execute::only(Dialect::Sqlite, "SELECT 1;"))]);
}

#[test]
fn empty_sections_have_no_ops() {
    let script = parse_sql("-- revision = \"a1\"\n-- upgrade\nSELECT 1;\n-- downgrade\n\n   \n").unwrap();
    assert_eq!(script.upgrade.len(), 1);
    assert!(script.downgrade.is_empty());
    let script = parse_sql("-- revision = \"a1\"\n-- upgrade\n").unwrap();
    assert!(script.upgrade.is_empty() && script.downgrade.is_empty());
    // No `-- downgrade` line: no downgrade SQL.
    let script = parse_sql("-- revision = \"a1\"\n-- upgrade\nSELECT 1;").unwrap();
    assert_eq!(script.upgrade, [Op::Execute(Execute::new("SELECT 1;"))]);
    assert!(script.downgrade.is_empty());
}

#[test]
fn crlf_line_endings() {
    let script = parse_sql(
        "-- Doc\r\n-- revision = \"a1\"\r\n-- upgrade\r\nSELECT 1;\r\n-- downgrade\r\nSELECT 2;\r\n",
    )
    .unwrap();
    assert_eq!(script.doc, "Doc");
    assert_eq!(script.upgrade, [Op::Execute(Execute::new("SELECT 1;"))]);
    assert_eq!(script.downgrade, [Op::Execute(Execute::new("SELECT 2;"))]);
}

#[test]
fn sql_errors_name_file_line_and_key() {
    check_err("-- revision = \"a1\"\nSELECT 1;\n", None, &["no `-- upgrade` line"]);
    check_err(
        "-- revision = \"a1\"\n\nSELECT 1;\n-- upgrade\n",
        Some(3),
        &["SQL before the `-- upgrade` line"],
    );
    check_err("-- revision = \"a1\"\n-- downgrade\n-- upgrade\n", Some(2), &["`-- downgrade` comes before"]);
    check_err(
        "-- revision = \"a1\"\n-- upgrade\n-- downgrade\n-- upgrade\n",
        Some(4),
        &["second `-- upgrade`"],
    );
    check_err(
        "-- revision = \"a1\"\n-- upgrade\n-- downgrade\n-- downgrade\n",
        Some(4),
        &["second `-- downgrade`"],
    );
    check_err("-- Doc\n-- revison = \"a1\"\n-- upgrade\n", Some(2), &["unknown key `revison`"]);
    check_err("-- Doc\n--\n-- revision = 5\n-- upgrade\n", Some(3), &["`revision` must be a string"]);
    check_err("-- Doc\n-- message = \"x\"\n-- upgrade\n", Some(1), &["missing key `revision`"]);
    check_err(
        "-- revision = \"a1\"\n-- dialect = \"oracle\"\n-- upgrade\n",
        Some(2),
        &["`dialect`", "\"oracle\""],
    );
    check_err("-- revision = \"a1\"\n-- upgrade = 1\n-- upgrade\n", Some(2), &["unknown key `upgrade`"]);
    check_err("-- revision = \"a-1\"\n-- upgrade\n", Some(1), &["Character(s) '-'"]);
    check_err("-- revision = \"a1\n-- upgrade\n", Some(1), &["invalid TOML"]);
}

#[test]
fn prose_without_key_shape_is_doc() {
    let script =
        parse_sql("-- Fixes x: a = b is not a key line\n-- revision = \"a1\"\n-- upgrade\n").unwrap();
    assert_eq!(script.doc, "Fixes x: a = b is not a key line");
}
