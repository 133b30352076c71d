//! `bulk_insert` at size: a revision of tens of thousands of rows (read in chunks, see
//! `script::file::bulk_rows`) goes in whole online on both dialects and offline, rows
//! that leave out a column get its default, and a bad row is named by its line.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{Kind, TestDb, with_url};

const ROWS: usize = 20_000;

/// `ROWS` rows; every 7th leaves out `score` (its default is 7), every 1000th has a
/// quote and a backslash in its name (the largest of those names is row 9000's).
fn rows_text() -> String {
    let mut text = String::from("rows = [\n");
    for i in 0..ROWS {
        let name = if i % 1000 == 0 { format!("o'neil \\\\ {i}") } else { format!("name-{i}") };
        if i % 7 == 0 {
            text.push_str(&format!("  {{ id = {i}, name = \"{name}\" }},\n"));
        } else {
            text.push_str(&format!("  {{ id = {i}, name = \"{name}\", score = {}.5 }},\n", i % 10));
        }
    }
    text.push_str("]\n");
    text
}

fn project() -> Project {
    let p = Project::init();
    p.add(
        "r1",
        &[],
        &format!(
            r#"[[upgrade]]
op = "create_table"
table = "t"
columns = [
  {{ name = "id", type = "integer", primary_key = true }},
  {{ name = "name", type = "text", nullable = false }},
  {{ name = "score", type = "double", server_default = "7" }},
]

[[upgrade]]
op = "bulk_insert"
table = "t"
{}
[[downgrade]]
op = "drop_table"
table = "t"
"#,
            rows_text()
        ),
    );
    p
}

fn expected_summary() -> String {
    let defaults = (0..ROWS).filter(|i| i % 7 == 0).count();
    let score_tenths: usize = (0..ROWS).map(|i| if i % 7 == 0 { 70 } else { (i % 10) * 10 + 5 }).sum();
    format!("{ROWS}|{defaults}|{score_tenths}|o'neil \\ 9000")
}

const SUMMARY: &str = "SELECT count(*) || '|' || sum(CASE WHEN score = 7 THEN 1 ELSE 0 END) || '|' || CAST(sum(score * 10) AS INTEGER) || '|' || max(CASE WHEN name LIKE 'o%' THEN name END) FROM t";

fn online(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = project();
    p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(db.column(SUMMARY), [expected_summary()]);
    p.ok(&with_url(&db, &["downgrade", "base"]));
    assert!(!db.has_table("t"));
}

#[test]
fn sqlite_inserts_every_row_online() {
    online(Kind::Sqlite);
}

#[test]
fn postgres_inserts_every_row_online() {
    online(Kind::Postgres);
}

#[test]
fn offline_sql_holds_every_row_and_runs_in_the_shells() {
    let p = project();
    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    assert_eq!(sql.matches("INSERT INTO t ").count(), ROWS);
    let file = support::SqliteFile::new();
    support::sqlite3(&file.path, &sql);
    assert_eq!(support::sqlite3(&file.path, &format!("{SUMMARY};")), expected_summary());

    let Some(db) = support::pg_test_db() else { return };
    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "postgresql"]);
    support::psql(&db.url, &sql);
    assert_eq!(support::psql(&db.url, &format!("{SUMMARY};")), expected_summary());
}

#[test]
fn a_bad_row_in_a_large_array_is_named_by_file_and_line() {
    let p = project();
    let path = p.versions().join("r1_.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Line of row 12345 in the file.
    let line = text.lines().position(|l| l.contains("id = 12345,")).unwrap() + 1;
    std::fs::write(&path, text.replace("{ id = 12345,", "{ id = 12345, bad = ,")).unwrap();
    let stderr = p.fails(&["heads"]);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(&format!("r1_.toml:{line}")), "{stderr}");
    assert!(stderr.contains("`rows`"), "{stderr}");
}

#[test]
fn a_row_naming_an_unknown_column_fails_before_anything_runs() {
    let Some(db) = TestDb::new(Kind::Sqlite) else { return };
    let p = project();
    let path = p.versions().join("r1_.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("{ id = 15000,", "{ id = 15000, colour = 'red',")).unwrap();
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    assert!(stderr.contains("colour"), "{stderr}");
    assert!(!db.has_table("t"), "the step was half-applied");
}
