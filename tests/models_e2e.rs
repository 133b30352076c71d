//! The example projects of `alembic::models` (derive, sea-orm, diesel) end to end, through `cargo alembic` as a
//! user runs it: autogenerate from an empty database, upgrade, `check`; change one
//! field's type, one field's nullability and add one index, autogenerate exactly those
//! ops, upgrade, `check`; then (the README's quickstart) add a field, autogenerate one
//! `add_column`, upgrade, `downgrade -1`; and `downgrade base` leaves only the version
//! table.
//!
//! Each test copies an example to a temporary folder; every build shares the target
//! folder of tests/env_program.rs, so the library is compiled once per feature set.

mod common;
mod example_support;
mod online_support;
mod support;

use std::path::PathBuf;

use example_support::Example;
use online_support::{Kind, TestDb};

/// What the models tests do with an example.
trait ModelsExample {
    fn autogenerate(&self, db: &TestDb, message: &str) -> (Vec<String>, String);
    fn revisions(&self) -> Vec<PathBuf>;
    fn check(&self, db: &TestDb) -> Option<i32>;
}

impl ModelsExample for Example {
    /// `revision --autogenerate`, returning the new revision's upgrade ops described
    /// as `op table[.column|name]`, in order, and what the command printed.
    fn autogenerate(&self, db: &TestDb, message: &str) -> (Vec<String>, String) {
        let before = self.revisions();
        let out = self.ok(db, &["revision", "--autogenerate", "-m", message]);
        let new: Vec<PathBuf> = self.revisions().into_iter().filter(|p| !before.contains(p)).collect();
        assert_eq!(new.len(), 1, "{message}: one new revision file: {out}");
        let text = std::fs::read_to_string(&new[0]).expect("read the revision");
        let doc: toml::Table = text.parse().expect("the revision is TOML");
        let ops = doc["upgrade"].as_array().expect("upgrade ops").iter().map(describe).collect();
        (ops, out)
    }

    fn revisions(&self) -> Vec<PathBuf> {
        let dir = self.path().join("migrations/versions");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("versions")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
    }

    /// `check`'s exit code; what it printed goes to the test's output.
    fn check(&self, db: &TestDb) -> Option<i32> {
        let out = self.run(db, &["check"]);
        eprintln!("check: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        out.status.code()
    }
}

/// `op table[.column|name]` of one op of a revision file.
fn describe(op: &toml::Value) -> String {
    let field = |key: &str| op.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let kind = field("op");
    let detail = match kind.as_str() {
        "alter_column" => format!(".{}", field("column")),
        "add_column" => format!(
            ".{}",
            op.get("column").and_then(|c| c.get("name")).and_then(|n| n.as_str()).unwrap_or_default()
        ),
        "create_index" | "drop_index" => format!(" {}", field("name")),
        _ => String::new(),
    };
    format!("{kind} {}{detail}", field("table"))
}

/// The tables (and, on PostgreSQL, enum types) of the database.
fn tables(db: &TestDb) -> Vec<String> {
    let sql = match db.kind {
        Kind::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Kind::Postgres => {
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() UNION ALL \
             SELECT 'type ' || typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname = current_schema() AND t.typtype = 'e' ORDER BY 1"
        }
        Kind::Mysql => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
        }
    };
    let mut names = db.column(sql);
    names.sort();
    names
}

/// The derive example's whole loop on one database.
fn derive_loop(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let app = Example::copy("models-derive");

    let (ops, _) = app.autogenerate(&db, "create tables");
    assert_eq!(ops, ["create_table users", "create_table posts", "create_table post_tags"]);
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0), "the database is what the models say");
    let mut expected = vec!["alembic_version", "post_tags", "posts", "users"];
    if kind == Kind::Postgres {
        expected.insert(3, "type post_status");
    }
    assert_eq!(tables(&db), expected);

    // One type, one nullability, one index.
    app.edit("src/lib.rs", "#[alembic(length = 100)]", "#[alembic(length = 200)]");
    app.edit("src/lib.rs", "pub body: String,", "pub body: Option<String>,");
    app.edit("src/lib.rs", "pub status: Status,", "#[alembic(index)]\n    pub status: Status,");
    assert_eq!(app.check(&db), Some(1), "check sees the models changed");
    let (ops, printed) = app.autogenerate(&db, "change three things");
    assert_eq!(
        ops,
        ["alter_column posts.body", "alter_column users.name", "create_index posts ix_posts_status"],
        "{printed}"
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));

    // The quickstart: a new field is one add_column, and downgrade -1 takes it away.
    app.edit(
        "src/lib.rs",
        "pub bio: Option<String>,",
        "pub bio: Option<String>,\n    pub dob: Option<jiff::civil::Date>,",
    );
    let (ops, _) = app.autogenerate(&db, "add dob");
    assert_eq!(ops, ["add_column users.dob"]);
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));
    app.ok(&db, &["downgrade", "-1"]);
    assert_eq!(app.check(&db), Some(1), "dob is gone from the database, not from the models");

    app.ok(&db, &["downgrade", "base"]);
    assert_eq!(tables(&db), ["alembic_version"], "downgrade base leaves only the version table");
}

#[test]
fn derive_example_on_sqlite() {
    derive_loop(Kind::Sqlite);
}

#[test]
fn derive_example_on_postgres() {
    derive_loop(Kind::Postgres);
}

#[test]
fn derive_example_on_mysql() {
    derive_loop(Kind::Mysql);
}

/// The sea-orm example (four entities with `belongs_to` relations): the same loop,
/// editing the entities as their user would.
fn sea_orm_loop(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let app = Example::copy("models-sea-orm");

    let (ops, _) = app.autogenerate(&db, "create tables");
    assert_eq!(
        ops,
        ["create_table tags", "create_table users", "create_table posts", "create_table comments"]
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0), "the database is what the entities say");
    assert_eq!(tables(&db), ["alembic_version", "comments", "posts", "tags", "users"]);

    // One type, one nullability, one index.
    app.edit("src/entities/tag.rs", "StringLen::N(40)", "StringLen::N(80)");
    app.edit("src/entities/post.rs", "pub body: String,", "pub body: Option<String>,");
    app.edit(
        "src/entities/comment.rs",
        "pub created_at: DateTimeUtc,",
        "#[sea_orm(indexed)]\n    pub created_at: DateTimeUtc,",
    );
    assert_eq!(app.check(&db), Some(1), "check sees the entities changed");
    let (ops, printed) = app.autogenerate(&db, "change three things");
    assert_eq!(
        ops,
        [
            "alter_column posts.body",
            "alter_column tags.label",
            "create_index comments ix_comments_created_at"
        ],
        "{printed}"
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));

    app.ok(&db, &["downgrade", "base"]);
    assert_eq!(tables(&db), ["alembic_version"], "downgrade base leaves only the version table");
}

#[test]
fn sea_orm_example_on_sqlite() {
    sea_orm_loop(Kind::Sqlite);
}

#[test]
fn sea_orm_example_on_postgres() {
    sea_orm_loop(Kind::Postgres);
}

/// diesel's own SQLite example schema (`relations`: a composite key and three
/// `joinable!`s), on SQLite and PostgreSQL: the same loop, editing schema.rs and env.rs.
fn diesel_sqlite_loop(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let app = Example::copy("models-diesel-sqlite");
    let (ops, _) = app.autogenerate(&db, "create tables");
    assert_eq!(
        ops,
        ["create_table authors", "create_table books", "create_table books_authors", "create_table pages"]
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));

    app.edit("src/schema.rs", "page_number -> Integer,", "page_number -> BigInt,");
    app.edit("src/schema.rs", "content -> Text,", "content -> Nullable<Text>,");
    app.edit(
        "migrations/env.rs",
        "    alembic::env::run(target_metadata);",
        "    let mut target_metadata = target_metadata;\n    target_metadata.extend_table(\"pages\", |t| {\n        t.index(\"ix_pages_book_id\", [\"book_id\"]);\n    });\n    alembic::env::run(target_metadata);",
    );
    assert_eq!(app.check(&db), Some(1));
    let (ops, printed) = app.autogenerate(&db, "change three things");
    assert_eq!(
        ops,
        [
            "alter_column pages.page_number",
            "alter_column pages.content",
            "create_index pages ix_pages_book_id"
        ],
        "{printed}"
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));
    app.ok(&db, &["downgrade", "base"]);
    assert_eq!(tables(&db), ["alembic_version"]);
}

#[test]
fn diesel_sqlite_example_on_sqlite() {
    diesel_sqlite_loop(Kind::Sqlite);
}

#[test]
fn diesel_sqlite_example_on_postgres() {
    diesel_sqlite_loop(Kind::Postgres);
}

/// The diesel example (realworld-rust-rocket's schema.rs, a PostgreSQL application):
/// the same loop, editing schema.rs and env.rs as its user would.
#[test]
fn diesel_example_on_postgres() {
    let Some(db) = TestDb::new(Kind::Postgres) else { return };
    let app = Example::copy("models-diesel");
    let (ops, _) = app.autogenerate(&db, "create tables");
    assert_eq!(
        ops,
        [
            "create_table users",
            "create_table articles",
            "create_table comments",
            "create_table favorites",
            "create_table follows"
        ]
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));

    app.edit("src/schema.rs", "favorites_count -> Int4,", "favorites_count -> Int8,");
    app.edit("src/schema.rs", "image -> Nullable<Text>,", "image -> Text,");
    app.edit(
        "migrations/env.rs",
        "t.unique([\"slug\"]);",
        "t.unique([\"slug\"]);\n        t.index(\"ix_articles_created_at\", [\"created_at\"]);",
    );
    assert_eq!(app.check(&db), Some(1));
    let (ops, printed) = app.autogenerate(&db, "change three things");
    assert_eq!(
        ops,
        [
            "alter_column articles.favorites_count",
            "alter_column users.image",
            "create_index articles ix_articles_created_at"
        ],
        "{printed}"
    );
    app.ok(&db, &["upgrade", "head"]);
    assert_eq!(app.check(&db), Some(0));
    app.ok(&db, &["downgrade", "base"]);
    assert_eq!(tables(&db), ["alembic_version"]);
}
