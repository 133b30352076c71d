//! Code steps (`op = "call"`) on each database, through the library as an embedded
//! application runs them: the function runs between the ops of its step, sees the
//! model as the ops before it left it and the op's `args`, and commits with the step;
//! an error, a panic or a missing function leaves the previous revision. And through
//! the CLI without a build: `revision --code-step`, offline `--sql` refusing a code step
//! by name or writing a marker that the `sqlite3` shell runs.

mod common;
mod online_support;
mod support;

use alembic::code_steps::{CodeSteps, StepContext, StepFuture, StepResult};
use alembic::runtime::connection::{AnyBackend, block_on};
use alembic::runtime::migrate::{Migrator, Target};
use alembic::runtime::version_table::VersionTable;
use alembic::script::ScriptDirectory;
use common::Project;
use online_support::{Kind, TestDb};

const CREATE: &str = r#"
[[upgrade]]
op = "create_table"
table = "people"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "full_name", type = "varchar(100)", nullable = false },
]

[[downgrade]]
op = "drop_table"
table = "people"
"#;

/// Add a column, fill it in Rust, index it; back: the other function, then drop.
const STEP: &str = r#"
[[upgrade]]
op = "add_column"
table = "people"
column = { name = "title_name", type = "varchar(120)" }

[[upgrade]]
op = "call"
function = "entitle"
args = { title = "Dr." }

[[upgrade]]
op = "create_index"
name = "ix_people_title_name"
table = "people"
columns = ["title_name"]

[[downgrade]]
op = "drop_index"
name = "ix_people_title_name"
table = "people"

[[downgrade]]
op = "call"
function = "data::keep_title"

[[downgrade]]
op = "drop_column"
table = "people"
column = "title_name"
"#;

#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    Works,
    Fails,
    Panics,
}

/// What every `entitle` checks before it writes: the model has the column the op
/// before it added, and the args are the file's.
fn title(step: &StepContext<'_>, behaviour: Behaviour) -> Result<String, alembic::code_steps::BoxError> {
    let people = step.schema().table(None, "people").ok_or("the model has no people")?;
    assert!(people.column("title_name").is_some(), "the function sees the column the op before it added");
    assert_eq!((step.revision(), step.function(), step.is_upgrade()), ("b", "entitle", true));
    match behaviour {
        Behaviour::Works => {}
        Behaviour::Fails => return Err("person 2 has no title we can give".into()),
        Behaviour::Panics => panic!("index out of bounds in entitle"),
    }
    #[derive(serde::Deserialize)]
    struct Args {
        title: String,
    }
    Ok(step.args_as::<Args>()?.title)
}

fn steps(kind: Kind, behaviour: Behaviour) -> CodeSteps {
    match kind {
        Kind::Sqlite => {
            let entitle = move |tx: &alembic::rusqlite::Connection, step: &StepContext<'_>| -> StepResult {
                let title = title(step, behaviour)?;
                tx.execute("UPDATE people SET title_name = ?1 || ' ' || full_name", [title])?;
                Ok(())
            };
            let keep = |tx: &alembic::rusqlite::Connection, _: &StepContext<'_>| -> StepResult {
                tx.execute("UPDATE people SET full_name = title_name", [])?;
                Ok(())
            };
            CodeSteps::new().sqlite("entitle", entitle).sqlite("data::keep_title", keep)
        }
        Kind::Postgres => {
            fn keep<'a>(
                client: &'a alembic::tokio_postgres::Client,
                _: &'a StepContext<'a>,
            ) -> StepFuture<'a> {
                Box::pin(async move {
                    client.execute("UPDATE people SET full_name = title_name", &[]).await?;
                    Ok(())
                })
            }
            CodeSteps::new()
                .postgresql("entitle", move |client, step| {
                    Box::pin(async move {
                        let title = title(step, behaviour)?;
                        client
                            .execute("UPDATE people SET title_name = $1 || ' ' || full_name", &[&title])
                            .await?;
                        Ok(())
                    })
                })
                .postgresql("data::keep_title", keep)
        }
        Kind::Mysql => mysql_steps(behaviour),
    }
}

#[cfg(feature = "mysql")]
fn mysql_steps(behaviour: Behaviour) -> CodeSteps {
    use alembic::mysql_async::prelude::Queryable;
    CodeSteps::new()
        .mysql("entitle", move |conn, step| {
            Box::pin(async move {
                let title = title(step, behaviour)?;
                conn.exec_drop("UPDATE people SET title_name = CONCAT(?, ' ', full_name)", (title,)).await?;
                Ok(())
            })
        })
        .mysql("data::keep_title", |conn, _| {
            Box::pin(async move {
                conn.query_drop("UPDATE people SET full_name = title_name").await?;
                Ok(())
            })
        })
}

#[cfg(not(feature = "mysql"))]
fn mysql_steps(_: Behaviour) -> CodeSteps {
    CodeSteps::new()
}

fn history() -> (Project, ScriptDirectory) {
    let p = Project::empty();
    std::fs::create_dir_all(p.versions()).expect("versions");
    p.add("a", &[], CREATE);
    p.add("b", &["a"], STEP);
    let scripts = ScriptDirectory::load(&[p.versions()], false).expect("load the history");
    (p, scripts)
}

fn run(
    db: &mut AnyBackend,
    scripts: &ScriptDirectory,
    steps: Option<&CodeSteps>,
    target: Target,
) -> alembic::Result<Vec<String>> {
    use alembic::runtime::connection::Backend;
    let mut migrator = Migrator::new(scripts, VersionTable::default_for(db.dialect()), true);
    if let Some(steps) = steps {
        migrator = migrator.with_code_steps(steps);
    }
    block_on(migrator.run(db, &target, &mut |_| {}))
}

fn columns(db: &TestDb) -> Vec<String> {
    db.column(match db.kind {
        Kind::Sqlite => "SELECT name FROM pragma_table_info('people') ORDER BY cid",
        Kind::Postgres => {
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'people' ORDER BY ordinal_position"
        }
        Kind::Mysql => {
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() \
             AND table_name = 'people' ORDER BY ordinal_position"
        }
    })
}

fn code_steps_on(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let (_p, scripts) = history();
    let mut conn = db.connect();
    run(&mut conn, &scripts, None, Target::Upgrade("a".into())).expect("upgrade to a");
    db.execute("INSERT INTO people (id, full_name) VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing')");
    let at_a = |what: &str| {
        assert_eq!(db.rows(), ["a"], "{what}: still at the previous revision");
        // MySQL commits each DDL statement: the column added before the call stays
        // (the error says so and how to undo it); the version row does not move.
        if kind != Kind::Mysql {
            assert_eq!(columns(&db), ["id", "full_name"], "{what}: the ops before the call are undone");
        }
    };

    // No function registered: refused before the step starts.
    let err = run(&mut conn, &scripts, None, Target::Upgrade("head".into())).unwrap_err().to_string();
    assert!(err.starts_with("revision b ("), "{err}");
    assert!(err.contains("b_.toml): upgrade op #2 (call): code step `entitle` runs Rust code"), "{err}");
    assert_eq!(columns(&db), ["id", "full_name"], "nothing ran");
    let other_dialect = if kind == Kind::Sqlite { Kind::Postgres } else { Kind::Sqlite };
    let err = run(
        &mut conn,
        &scripts,
        Some(&steps(other_dialect, Behaviour::Works)),
        Target::Upgrade("head".into()),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("code step `entitle` is registered for"), "{err}");
    at_a("a function of another dialect only");

    // A function that fails, or panics, undoes its step.
    let err = run(&mut conn, &scripts, Some(&steps(kind, Behaviour::Fails)), Target::Upgrade("head".into()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "b_.toml): upgrade op #2 (call): function `entitle` failed: person 2 has no title we can give"
        ),
        "{err}"
    );
    at_a("a failing function");
    if kind == Kind::Mysql {
        // What MySQL kept: the add_column; put the table back as it was.
        assert!(err.contains("title_name"), "the error says what stayed: {err}");
        db.execute("ALTER TABLE people DROP COLUMN title_name");
    }
    let err = run(&mut conn, &scripts, Some(&steps(kind, Behaviour::Panics)), Target::Upgrade("head".into()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("function `entitle` panicked: index out of bounds in entitle"), "{err}");
    at_a("a panicking function");
    if kind == Kind::Mysql {
        db.execute("ALTER TABLE people DROP COLUMN title_name");
    }

    // Works: the ops before and after it, the data and the version row.
    let steps = steps(kind, Behaviour::Works);
    assert_eq!(
        run(&mut conn, &scripts, Some(&steps), Target::Upgrade("head".into())).expect("upgrade"),
        ["b"]
    );
    assert_eq!(columns(&db), ["id", "full_name", "title_name"]);
    assert_eq!(
        db.column("SELECT title_name FROM people ORDER BY id"),
        ["Dr. Ada Lovelace", "Dr. Alan Turing"]
    );
    // The downgrade's own function ran before its drop_column.
    assert_eq!(
        run(&mut conn, &scripts, Some(&steps), Target::Downgrade("a".into())).expect("downgrade"),
        ["a"]
    );
    assert_eq!(columns(&db), ["id", "full_name"]);
    assert_eq!(
        db.column("SELECT full_name FROM people ORDER BY id"),
        ["Dr. Ada Lovelace", "Dr. Alan Turing"]
    );
}

#[test]
fn code_steps_on_sqlite() {
    code_steps_on(Kind::Sqlite);
}

#[test]
fn code_steps_on_postgres() {
    code_steps_on(Kind::Postgres);
}

#[test]
fn code_steps_on_mysql() {
    code_steps_on(Kind::Mysql);
}

#[test]
fn revision_code_step_writes_the_call_and_says_where_the_function_goes() {
    let p = Project::init();
    let out = p.ok(&["revision", "-m", "split names", "--code-step", "split_full_name"]);
    assert!(out.contains("CodeSteps::new().sqlite(\"split_full_name\", split_full_name)"), "{out}");
    assert!(out.contains("migrations/env.rs"), "{out}");
    let file = std::fs::read_dir(p.versions())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|e| e == "toml"))
        .expect("a revision file");
    let doc: toml::Table = std::fs::read_to_string(&file).unwrap().parse().expect("TOML");
    let upgrade = doc["upgrade"].as_array().expect("upgrade ops");
    assert_eq!(upgrade.len(), 1);
    assert_eq!(upgrade[0]["op"].as_str(), Some("call"));
    assert_eq!(upgrade[0]["function"].as_str(), Some("split_full_name"));

    let err = p.fails(&["revision", "-m", "bad", "--code-step", "split; DROP TABLE x"]);
    common::assert_error_shape(&err);
    assert!(err.contains("--code-step `split; DROP TABLE x` is not a function name"), "{err}");
}

#[test]
fn a_call_op_with_a_bad_function_name_is_a_file_error() {
    let p = Project::init();
    p.add("a", &[], "[[upgrade]]\nop = \"call\"\nfunction = \"1split\"\n");
    let err = p.fails(&["heads"]);
    common::assert_error_shape(&err);
    assert!(err.contains("a_.toml") && err.contains("`1split` is not a function name"), "{err}");
}

#[test]
fn offline_sql_refuses_a_code_step_by_name_unless_asked_for_a_marker() {
    let p = Project::init();
    p.add("a", &[], CREATE);
    p.add("b", &["a"], STEP);
    let err = p.fails(&["upgrade", "head", "--sql"]);
    common::assert_error_shape(&err);
    assert!(err.contains("revision b ("), "{err}");
    assert!(err.contains("b_.toml): upgrade op #2 (call): code step `entitle` runs Rust code, which offline SQL cannot hold"), "{err}");
    assert!(err.contains("--code-step-markers"), "the error says how to get a marker: {err}");
    let err = p.fails(&["downgrade", "b:a", "--sql"]);
    assert!(err.contains("downgrade op #2 (call): code step `data::keep_title`"), "{err}");

    let sql = p.ok(&["upgrade", "head", "--sql", "--code-step-markers"]);
    let marker = "-- CODE STEP NOT RUN: call entitle with args {\"title\":\"Dr.\"}";
    assert!(sql.contains(marker), "{sql}");
    // In its place between the ops: after the add_column, before the index.
    let (at, add, index) = (
        sql.find(marker).unwrap(),
        sql.find("ADD COLUMN title_name").unwrap(),
        sql.find("CREATE INDEX ix_people_title_name").unwrap(),
    );
    assert!(add < at && at < index, "{sql}");
    // The script is valid SQL for the sqlite3 shell (the marker is a comment).
    let db = p.path().join("offline.db");
    support::sqlite3(&db, &sql);
    assert_eq!(support::sqlite3(&db, "SELECT version_num FROM alembic_version;").trim(), "b");
}
