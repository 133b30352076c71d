//! Atomic steps on both dialects: a revision failing on its second statement leaves the
//! database at the previous revision with no trace of its first statement; with
//! `transaction_per_migration = false` the database stays where the run started; a
//! `transactional = false` revision says that it runs outside a transaction. The error
//! names the revision, its file, the op, the SQL and the database's message.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{Kind, TestDb, with_url};

/// `r1` creates `t1`; `r2` creates `t2` (first statement) then inserts into a table
/// that does not exist (second statement); `r3` would follow.
fn failing_history() -> Project {
    let p = Project::init();
    p.add(
        "r1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"t1\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n",
    );
    p.add(
        "r2",
        &["r1"],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"t2\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n\n\
         [[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO missing_table (id) VALUES (1)\"\n",
    );
    p.add("r3", &["r2"], "");
    p
}

/// The same, with both statements of `r2` in one `execute` script.
fn failing_script_history() -> Project {
    let p = Project::init();
    p.add("r1", &[], "[[upgrade]]\nop = \"execute\"\nsql = \"CREATE TABLE t1 (id INTEGER)\"\n");
    p.add(
        "r2",
        &["r1"],
        "[[upgrade]]\nop = \"execute\"\n\
         sql = \"CREATE TABLE t2 (id INTEGER); INSERT INTO t1 (id) VALUES (1); INSERT INTO missing_table (id) VALUES (1)\"\n",
    );
    p
}

fn one_transaction(p: &Project) {
    let path = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("transaction_per_migration = true"));
    std::fs::write(
        &path,
        text.replace("transaction_per_migration = true", "transaction_per_migration = false"),
    )
    .unwrap();
}

fn tables(db: &TestDb) -> Vec<String> {
    let sql = match db.kind {
        Kind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name"
        }
        Kind::Postgres => {
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 't%' ORDER BY 1"
        }
        Kind::Mysql => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 't%' ORDER BY 1"
        }
    };
    db.column(sql)
}

fn missing_table_message(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "no such table: missing_table",
        Kind::Postgres => "relation \"missing_table\" does not exist",
        Kind::Mysql => "missing_table' doesn't exist",
    }
}

fn failing_step_rolls_back(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = failing_history();
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    let first = stderr.lines().next().unwrap();
    let file = p.versions().join("r2_.toml");
    assert!(
        first.starts_with(&format!("error: revision r2 ({}): upgrade op #2 (execute): ", file.display())),
        "{stderr}"
    );
    assert!(first.contains(missing_table_message(kind)), "{stderr}");
    assert!(stderr.contains("\n  SQL: INSERT INTO missing_table (id) VALUES (1)"), "{stderr}");
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(tables(&db), ["t1"], "r2's first statement left a trace");
}

#[test]
fn sqlite_failing_step_leaves_the_previous_revision() {
    failing_step_rolls_back(Kind::Sqlite);
}

#[test]
fn postgres_failing_step_leaves_the_previous_revision() {
    failing_step_rolls_back(Kind::Postgres);
}

fn failing_script_rolls_back(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = failing_script_history();
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    assert!(stderr.contains("revision r2") && stderr.contains("upgrade op #1 (execute)"), "{stderr}");
    assert!(stderr.contains(missing_table_message(kind)), "{stderr}");
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(tables(&db), ["t1"]);
    assert_eq!(db.column("SELECT count(*) FROM t1"), ["0"]);
}

#[test]
fn sqlite_failing_script_leaves_no_trace() {
    failing_script_rolls_back(Kind::Sqlite);
}

#[test]
fn postgres_failing_script_leaves_no_trace() {
    failing_script_rolls_back(Kind::Postgres);
}

fn one_transaction_stays_where_it_started(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = failing_history();
    one_transaction(&p);
    // From nothing: not even the version table remains.
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    assert!(stderr.contains("revision r2"), "{stderr}");
    assert!(!db.has_version_table());
    assert_eq!(tables(&db), Vec::<String>::new());
    // From r1 (another revision before the failing one): still r1.
    p.ok(&with_url(&db, &["upgrade", "r1"]));
    p.add("r1b", &["r1"], "[[upgrade]]\nop = \"execute\"\nsql = \"CREATE TABLE t1b (id INTEGER)\"\n");
    let r2 = p.versions().join("r2_.toml");
    std::fs::write(
        &r2,
        std::fs::read_to_string(&r2).unwrap().replace("down_revision = \"r1\"", "down_revision = \"r1b\""),
    )
    .unwrap();
    let out = p.run(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "Running upgrade r1 -> r1b, rev r1b\nRunning upgrade r1b -> r2, rev r2\n");
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(tables(&db), ["t1"]);
}

#[test]
fn sqlite_one_transaction_stays_where_it_started() {
    one_transaction_stays_where_it_started(Kind::Sqlite);
}

#[test]
fn postgres_one_transaction_stays_where_it_started() {
    one_transaction_stays_where_it_started(Kind::Postgres);
}

/// `CREATE INDEX CONCURRENTLY` cannot run in a transaction block: with
/// `transactional = false` it runs, and the output says it ran outside one.
#[test]
fn postgres_non_transactional_revision_runs_outside_and_says_so() {
    let Some(db) = TestDb::postgres() else { return };
    let p = Project::init();
    p.add("r1", &[], "[[upgrade]]\nop = \"execute\"\nsql = \"CREATE TABLE t1 (id INTEGER)\"\n");
    p.add(
        "r2",
        &["r1"],
        "transactional = false\n[[upgrade]]\nop = \"execute\"\nsql = \"CREATE INDEX CONCURRENTLY ix_t1 ON t1 (id)\"\n",
    );
    let stdout = p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(
        stdout,
        "Running upgrade  -> r1, rev r1\n\
         Running upgrade r1 -> r2, rev r2 (not transactional: runs outside a transaction)\n"
    );
    assert_eq!(db.rows(), ["r2"]);
    assert_eq!(db.column("SELECT indexname FROM pg_indexes WHERE tablename = 't1'"), ["ix_t1"]);
}

#[test]
fn sqlite_non_transactional_revision_says_so() {
    let db = TestDb::sqlite();
    let p = Project::init();
    p.add("r1", &[], "transactional = false\n[[upgrade]]\nop = \"execute\"\nsql = \"VACUUM\"\n");
    let stdout = p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(stdout, "Running upgrade  -> r1, rev r1 (not transactional: runs outside a transaction)\n");
    assert_eq!(db.rows(), ["r1"]);
}

/// MySQL commits DDL at once: a step failing half-way cannot be rolled back. The
/// error says which statements stay and which did not apply, the version table still
/// names the previous revision, and the printed undo SQL, run by the `mariadb` client,
/// brings the database back to it; the fixed revision then runs.
#[test]
fn mysql_failing_step_says_what_stays_and_how_to_undo_it() {
    let Some(db) = TestDb::new(Kind::Mysql) else { return };
    let p = Project::init();
    p.add(
        "r1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"t1\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n",
    );
    let r2 = "[[upgrade]]\nop = \"create_table\"\ntable = \"t2\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n\
         [[upgrade]]\nop = \"add_column\"\ntable = \"t1\"\ncolumn = { name = \"note\", type = \"varchar(20)\" }\n\n\
         [[upgrade]]\nop = \"bulk_insert\"\ntable = \"t1\"\nrows = [{ id = 1, note = \"kept?\" }]\n\n\
         [[upgrade]]\nop = \"execute\"\nsql = \"INSERT INTO missing_table (id) VALUES (1)\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = \"t3\"\ncolumns = [{ name = \"id\", type = \"integer\" }]\n";
    p.add("r2", &["r1"], r2);
    let stderr = p.fails(&with_url(&db, &["upgrade", "head"]));
    let first = stderr.lines().next().unwrap();
    assert!(first.starts_with("error: revision r2 ("), "{stderr}");
    assert!(
        first.contains("upgrade op #4 (execute)") && first.contains(missing_table_message(Kind::Mysql)),
        "{stderr}"
    );
    assert!(stderr.contains("3 statement(s) of this step stay in the database"), "{stderr}");
    assert!(stderr.contains("ran and stays: CREATE TABLE t2 ("), "{stderr}");
    assert!(stderr.contains("ran and stays: ALTER TABLE t1 ADD COLUMN note VARCHAR(20)"), "{stderr}");
    // After DDL the session autocommits: the insert stayed too.
    assert!(stderr.contains("ran and stays: INSERT INTO t1 (id, note) VALUES (1, 'kept?')"), "{stderr}");
    assert!(stderr.contains("not applied:   INSERT INTO missing_table"), "{stderr}");
    assert!(stderr.contains("not applied:   CREATE TABLE t3"), "{stderr}");
    // What the database says: all that ran stayed, and the version is still r1.
    assert_eq!(db.rows(), ["r1"]);
    assert_eq!(tables(&db), ["t1", "t2"]);
    assert_eq!(db.column("SELECT count(*) FROM t1"), ["1"]);
    assert!(!db.column("SHOW COLUMNS FROM t1 LIKE 'note'").is_empty());

    // The undo SQL, as printed, run by the MySQL client.
    let undo: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("  to undo the ops that ran, run:"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert_eq!(
        undo,
        [
            "DELETE FROM t1 WHERE id = 1 AND note = 'kept?';",
            "ALTER TABLE t1 DROP COLUMN note;",
            "DROP TABLE t2;"
        ],
        "{stderr}"
    );
    let url = match alembic::url::DatabaseUrl::parse(&db.url, std::path::Path::new("/")).unwrap() {
        alembic::url::DatabaseUrl::Mysql(my) => my,
        other => panic!("{other:?}"),
    };
    support::mariadb(&url, &undo.join("\n"));
    assert_eq!(tables(&db), ["t1"]);
    assert!(db.column("SHOW COLUMNS FROM t1 LIKE 'note'").is_empty());
    assert_eq!(db.column("SELECT count(*) FROM t1"), ["0"]);

    // Fixed, the revision runs whole.
    p.add(
        "r2",
        &["r1"],
        &r2.replace("INSERT INTO missing_table (id) VALUES (1)", "UPDATE t1 SET note = 'ok'"),
    );
    p.ok(&with_url(&db, &["upgrade", "head"]));
    assert_eq!(db.rows(), ["r2"]);
    assert_eq!(tables(&db), ["t1", "t2", "t3"]);
    assert_eq!(db.column("SELECT note FROM t1"), ["ok"]);
}
