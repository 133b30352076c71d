//! The foreign key check of online SQLite steps. The connection enforces foreign keys
//! (the bundled SQLite turns them on), so a run switches enforcement off (a table
//! rebuild would fire `ON DELETE` actions) and checks each step before it commits, on
//! the tables the step can have broken (`runtime::foreign_keys`): a step leaving rows
//! that reference missing rows fails and rolls back, whether it added such rows, added
//! a key over them, or removed what they reference by raw SQL; a step that cannot have
//! broken a reference is not failed by old violations elsewhere.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{TestDb, with_url};

const PARENT: &str = "[[upgrade]]\nop = \"create_table\"\ntable = \"p\"\n\
                      columns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n";

/// `r1`: a parent `p` and a child `c` whose `p_id` references it, with `extra` after.
fn family(extra: &str) -> String {
    format!(
        "{PARENT}[[upgrade]]\nop = \"create_table\"\ntable = \"c\"\n\
         columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, \
         {{ name = \"p_id\", type = \"integer\", foreign_key = \"p.id\" }}]\n\n{extra}"
    )
}

/// The step of `r2` failed on the check, and the database stayed at `r1`.
fn failed_on_the_check(p: &Project, db: &TestDb, stderr: &str) {
    let first = stderr.lines().next().unwrap_or_default();
    let file = p.versions().join("r2_.toml");
    assert_eq!(
        first,
        format!(
            "error: revision r2 ({}): upgrade: foreign key check failed: rows of c reference missing rows of p",
            file.display()
        ),
        "{stderr}"
    );
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(db.column("PRAGMA foreign_key_check"), Vec::<String>::new(), "r2 left its rows behind");
}

#[test]
fn rows_without_their_parent_fail_the_step() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add("r1", &[], &family(""));
    p.add(
        "r2",
        &["r1"],
        "[[upgrade]]\nop = \"bulk_insert\"\ntable = \"c\"\nrows = [{ id = 1, p_id = 99 }]\n",
    );
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    failed_on_the_check(&p, &db, &stderr);
    assert_eq!(db.column("SELECT count(*) FROM c"), ["0"]);
}

#[test]
fn raw_sql_removing_referenced_rows_fails_the_step() {
    let db = TestDb::sqlite();
    let p = Project::init();
    let rows = "[[upgrade]]\nop = \"bulk_insert\"\ntable = \"p\"\nrows = [{ id = 1 }]\n\n\
                [[upgrade]]\nop = \"bulk_insert\"\ntable = \"c\"\nrows = [{ id = 1, p_id = 1 }]\n";
    p.add("r1", &[], &family(rows));
    p.add("r2", &["r1"], "[[upgrade]]\nop = \"execute\"\nsql = \"DELETE FROM p\"\n");
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    failed_on_the_check(&p, &db, &stderr);
    assert_eq!(db.column("SELECT count(*) FROM p"), ["1"], "the DELETE was not rolled back");
}

#[test]
fn a_new_foreign_key_over_orphans_fails_the_step() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add(
        "r1",
        &[],
        &format!(
            "{PARENT}[[upgrade]]\nop = \"create_table\"\ntable = \"c\"\n\
             columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"p_id\", type = \"integer\" }}]\n\n\
             [[upgrade]]\nop = \"bulk_insert\"\ntable = \"c\"\nrows = [{{ id = 1, p_id = 5 }}]\n"
        ),
    );
    // A table rebuild on SQLite, checked on the rebuilt table.
    p.add(
        "r2",
        &["r1"],
        "[[upgrade]]\nop = \"create_foreign_key\"\nname = \"fk_c_p\"\ntable = \"c\"\n\
         columns = [\"p_id\"]\nref_table = \"p\"\nref_columns = [\"id\"]\n",
    );
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.ends_with("upgrade: foreign key check failed: rows of c reference missing rows of p"),
        "{stderr}"
    );
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(db.column("SELECT count(*) FROM pragma_foreign_key_list('c')"), ["0"], "the key stayed");
}

#[test]
fn dropping_a_table_only_raw_sql_references_is_checked() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add(
        "r1",
        &[],
        &format!("{PARENT}[[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO p (id) VALUES (1)\"\n"),
    );
    // Raw SQL in the same step makes `c`: the model (read from the database when the
    // step began) does not know it, so it lets `p` be dropped, and the check catches it.
    p.add(
        "r2",
        &["r1"],
        "[[upgrade]]\nop = \"execute\"\n\
         sql = \"CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id)); INSERT INTO c (id, p_id) VALUES (1, 1)\"\n\n\
         [[upgrade]]\nop = \"drop_table\"\ntable = \"p\"\n",
    );
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    failed_on_the_check(&p, &db, &stderr);
    assert!(db.has_table("p"));
}

/// Made by raw SQL in an earlier step, the reference is in the model (read from the
/// database), which refuses the drop before any SQL runs.
#[test]
fn dropping_a_table_that_raw_sql_made_references_to_is_refused() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add(
        "r1",
        &[],
        &format!(
            "{PARENT}[[upgrade]]\nop = \"execute\"\n\
             sql = \"CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id)); INSERT INTO p (id) VALUES (1); INSERT INTO c (id, p_id) VALUES (1, 1)\"\n"
        ),
    );
    p.add("r2", &["r1"], "[[upgrade]]\nop = \"drop_table\"\ntable = \"p\"\n");
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    assert!(
        stderr.contains(
            "upgrade op #1 (drop_table): drop_table: p is referenced by foreign key (unnamed) of table c"
        ),
        "{stderr}"
    );
    assert_eq!(db.rows(), ["r1"]);
    assert!(db.has_table("p"));
}

#[test]
fn old_orphans_elsewhere_do_not_fail_a_step_that_cannot_break_a_reference() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add("r1", &[], &family(""));
    p.add("r2", &["r1"], "[[upgrade]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n\n[[upgrade]]\nop = \"create_index\"\nname = \"ix_t_id\"\ntable = \"t\"\ncolumns = [\"id\"]\n");
    p.ok(&with_url(&db, &["upgrade", "r1"]));
    // An orphan left by someone writing with enforcement off, before this run.
    let path = db.url.strip_prefix("sqlite:///").expect("a SQLite URL");
    let conn = alembic::rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF; INSERT INTO c (id, p_id) VALUES (7, 42)").unwrap();
    drop(conn);
    p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(db.rows(), ["r2"]);
    assert!(db.has_table("t"));
    assert_eq!(db.column("PRAGMA foreign_key_check"), ["c"], "the old orphan is still there");
}
