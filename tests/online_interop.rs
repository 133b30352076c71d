//! A database moves between Python Alembic and us, on a branching history (split,
//! merge, a second base with a label and a `depends_on`): what we migrated reads the
//! same in Python Alembic's `current`, Python continues from it, and we continue from a
//! database Python Alembic migrated. Python Alembic runs scripts with the same ids and
//! the same DDL. Without Python the tests skip, except under `CI=true`.

mod common;
mod online_support;
mod support;

use common::Project;
use online_support::{BRANCHING, Kind, PyProject, TestDb, project_with, with_url};

fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn python_reads_and_continues_ours(kind: Kind) {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    for target in ["c300", "d400", "billing@head"] {
        p.ok(&with_url(&db, &["upgrade", target]));
    }
    assert_eq!(db.rows(), ["c300", "d400", "y800"]);
    let ours = p.ok(&with_url(&db, &["current"]));
    assert_eq!(sorted(&py.ok(&["current"])), sorted(&ours));
    assert_eq!(sorted(&ours), ["c300", "d400", "y800 (head)"]);

    // Python carries on: the merge, then everything down, dropping our tables.
    py.ok(&["upgrade", "heads"]);
    assert_eq!(db.rows(), ["f600", "y800"]);
    assert_eq!(sorted(&py.ok(&["current"])), sorted(&p.ok(&with_url(&db, &["current"]))));
    py.ok(&["downgrade", "base"]);
    assert_eq!(db.rows(), Vec::<String>::new());
    assert_eq!(db.revision_tables(), Vec::<String>::new());
}

#[test]
fn sqlite_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Sqlite);
}

#[test]
fn postgres_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Postgres);
}

#[test]
fn mysql_python_alembic_reads_and_continues_our_database() {
    python_reads_and_continues_ours(Kind::Mysql);
}

fn we_continue_from_python(kind: Kind) {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(kind) else { return };
    let p = project_with(BRANCHING);
    let py = PyProject::new(python, BRANCHING, &db.python_url());
    py.ok(&["upgrade", "d400"]);
    py.ok(&["upgrade", "billing@x700"]);
    assert_eq!(db.rows(), ["d400", "x700"]);
    assert_eq!(sorted(&p.ok(&with_url(&db, &["current"]))), sorted(&py.ok(&["current"])));

    // We carry on from Python's rows: c300 joins the split, then the merge and the rest.
    let out = p.ok(&with_url(&db, &["upgrade", "heads"]));
    assert_eq!(
        sorted(&out),
        [
            "Running upgrade b200 -> c300, create t_c300",
            "Running upgrade c300, d400 -> e500, create t_e500",
            "Running upgrade e500 -> f600, create t_f600",
            "Running upgrade x700 -> y800, create t_y800",
        ]
    );
    assert_eq!(db.rows(), ["f600", "y800"]);
    assert_eq!(db.revision_tables(), ["a100", "b200", "c300", "d400", "e500", "f600", "x700", "y800"]);
    // Python agrees, and so does our own check.
    assert_eq!(sorted(&py.ok(&["current"])), ["f600 (head)", "y800 (head)"]);
    p.ok(&with_url(&db, &["current", "--check-heads"]));
    p.ok(&with_url(&db, &["downgrade", "base"]));
    assert_eq!(db.revision_tables(), Vec::<String>::new());
    assert_eq!(py.ok(&["current"]), "");
}

#[test]
fn sqlite_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Sqlite);
}

#[test]
fn postgres_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Postgres);
}

#[test]
fn mysql_we_continue_from_a_python_alembic_database() {
    we_continue_from_python(Kind::Mysql);
}

/// A MySQL schema file as people write them (a `DELIMITER` block around a trigger,
/// `TIMESTAMP … ON UPDATE CURRENT_TIMESTAMP`, unsigned keys, a `FULLTEXT` index, a
/// native `ENUM`, index names repeated across tables, a view) as `target =
/// "schema.sql"`: autogenerate writes the revision, upgrade runs it, `check` then finds
/// nothing, and Python Alembic's `compare_metadata` finds no difference between the
/// database the `mariadb` client made from the file and ours.
#[test]
fn mysql_schema_file_round_trip_judged_by_python_alembic() {
    let Some(python) = online_support::python() else { return };
    let Some(db) = TestDb::new(Kind::Mysql) else { return };
    let Some(original) = TestDb::new(Kind::Mysql) else { return };
    let schema = "SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0;\n\
        CREATE TABLE language (\n  language_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT,\n  name CHAR(20) NOT NULL,\n\
          last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n  PRIMARY KEY (language_id)\n\
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
        CREATE TABLE film (\n  film_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,\n  title VARCHAR(128) NOT NULL,\n\
          description TEXT,\n  rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',\n  rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,\n\
          language_id TINYINT UNSIGNED NOT NULL,\n  PRIMARY KEY (film_id),\n  KEY idx_title (title),\n\
          KEY idx_fk_language_id (language_id),\n\
          CONSTRAINT fk_film_language FOREIGN KEY (language_id) REFERENCES language (language_id) ON DELETE RESTRICT ON UPDATE CASCADE\n\
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
        CREATE TABLE film_text (\n  film_id SMALLINT NOT NULL,\n  title VARCHAR(255) NOT NULL,\n  description TEXT,\n\
          PRIMARY KEY (film_id),\n  KEY idx_title (title),\n  FULLTEXT KEY idx_title_description (title, description)\n\
        ) DEFAULT CHARSET=utf8mb4;\n\
        DELIMITER ;;\n\
        CREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW BEGIN\n\
            INSERT INTO film_text (film_id, title, description) VALUES (new.film_id, new.title, new.description);\n\
          END;;\n\
        DELIMITER ;\n\
        CREATE VIEW film_titles AS SELECT film_id, title FROM film;\n\
        SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS;\n";
    let p = Project::with_schema_sql(schema);
    p.ok(&with_url(&db, &["revision", "--autogenerate", "-m", "film", "--rev-id", "f1"]));
    p.ok(&with_url(&db, &["upgrade", "head"]));
    let check = p.ok(&with_url(&db, &["check"]));
    assert!(check.contains("No new upgrade operations detected."), "{check}");
    // The trigger runs on our database.
    db.execute("INSERT INTO language (name) VALUES ('English')");
    db.execute("INSERT INTO film (title, language_id) VALUES ('Alien', 1)");
    assert_eq!(db.column("SELECT title FROM film_text"), ["Alien"]);
    assert_eq!(db.column("SELECT title FROM film_titles"), ["Alien"]);
    // The file as the mysql client runs it, then Python Alembic compares the two.
    let url = match alembic::url::DatabaseUrl::parse(&original.url, std::path::Path::new("/")).unwrap() {
        alembic::url::DatabaseUrl::Mysql(my) => my,
        other => panic!("{other:?}"),
    };
    support::mariadb(&url, schema);
    let judge = "import sys\n\
        from sqlalchemy import create_engine, MetaData\n\
        from alembic.migration import MigrationContext\n\
        from alembic.autogenerate import compare_metadata\n\
        md = MetaData()\n\
        md.reflect(create_engine(sys.argv[1]))\n\
        with create_engine(sys.argv[2]).connect() as conn:\n\
        \x20   ctx = MigrationContext.configure(conn, opts={'compare_type': True, 'compare_server_default': True})\n\
        \x20   diffs = [d for d in compare_metadata(ctx, md) if not (d[0] == 'remove_table' and d[1].name == 'alembic_version')]\n\
        print(len(diffs), diffs)\n";
    let out = support::run_python(&python, judge, &[&original.python_url(), &db.python_url()]);
    assert!(out.starts_with("0 []"), "Python Alembic finds differences: {out}");
}
