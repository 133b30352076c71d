//! `MetaData`, the declared schema: every builder feature becomes the schema model that
//! replaying the same declaration as `create_table`/`create_index` ops gives, and
//! declarations that cannot be a schema are errors naming the table and what is wrong.

use alembic::ops::Op;
use alembic::ops::apply::replay;
use alembic::schema::metadata::{MetaData, MetaDataError, ReferentialAction, SqlType};
use alembic::schema::{
    CheckConstraint, ColumnDef, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint,
};
use serde::Deserialize;

fn schema(md: &MetaData) -> Schema {
    md.to_schema().expect("valid declaration")
}

fn table<'s>(schema: &'s Schema, name: &str) -> &'s Table {
    schema.table(None, name).unwrap_or_else(|| panic!("no table {name}"))
}

fn error(md: &MetaData) -> MetaDataError {
    md.to_schema().expect_err("an invalid declaration")
}

fn col(name: &str, ty: SqlType, nullable: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty,
        nullable,
        server_default: None,
        autoincrement: None,
        comment: None,
        identity: None,
        computed: None,
        collation: None,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn ops(text: &str) -> Vec<Op> {
    #[derive(Deserialize)]
    struct Ops {
        upgrade: Vec<Op>,
    }
    toml::from_str::<Ops>(text).expect("valid ops").upgrade
}

#[test]
fn columns_keep_type_nullability_default_comment_and_autoincrement() {
    let mut md = MetaData::new();
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key().autoincrement(false);
        t.column("name", SqlType::Varchar(Some(50))).not_null().server_default("'anon'").comment("shown");
        t.column("bio", SqlType::Text);
        t.column("score", SqlType::Numeric { precision: Some(10), scale: Some(2) }).nullable(false);
        t.column("tags", SqlType::Other("text[]".into()));
    });
    let s = schema(&md);
    let users = table(&s, "users");
    let mut id = col("id", SqlType::Integer, false);
    id.autoincrement = Some(false);
    let mut name = col("name", SqlType::Varchar(Some(50)), false);
    name.server_default = Some("'anon'".into());
    name.comment = Some("shown".into());
    assert_eq!(
        users.columns,
        vec![
            id,
            name,
            col("bio", SqlType::Text, true),
            col("score", SqlType::Numeric { precision: Some(10), scale: Some(2) }, false),
            col("tags", SqlType::Other("text[]".into()), true),
        ]
    );
    assert_eq!(users.primary_key, Some(PrimaryKey { name: None, columns: names(&["id"]) }));
    assert!(users.autoincrement_column().is_none(), "autoincrement(false) is kept");
}

#[test]
fn composite_primary_keys_from_the_table_or_from_marked_columns() {
    let mut md = MetaData::new();
    md.table("a", |t| {
        t.column("x", SqlType::Integer);
        t.column("y", SqlType::Integer);
        t.primary_key(["y", "x"]);
    });
    md.table("b", |t| {
        t.column("x", SqlType::Integer).primary_key();
        t.column("y", SqlType::Text).primary_key();
    });
    let s = schema(&md);
    assert_eq!(table(&s, "a").primary_key.as_ref().unwrap().columns, names(&["y", "x"]));
    assert_eq!(table(&s, "b").primary_key.as_ref().unwrap().columns, names(&["x", "y"]));
    assert!(table(&s, "a").columns.iter().all(|c| !c.nullable), "key columns are NOT NULL");
    assert!(table(&s, "b").autoincrement_column().is_none(), "a composite key has no autoincrement");
}

#[test]
fn column_shorthands_become_constraints_and_indexes_as_in_create_table() {
    let mut md = MetaData::new();
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("email", SqlType::Text).unique();
        t.column("login", SqlType::Text).unique().index();
        t.column("city", SqlType::Text).index();
    });
    let s = schema(&md);
    let users = table(&s, "users");
    assert_eq!(
        users.uniques,
        vec![UniqueConstraint { name: None, columns: names(&["email"]), ..Default::default() }]
    );
    assert_eq!(
        users.indexes,
        vec![
            Index {
                name: "ix_users_login".into(),
                columns: names(&["login"]),
                unique: true,
                where_: None,
                ..Default::default()
            },
            Index {
                name: "ix_users_city".into(),
                columns: names(&["city"]),
                unique: false,
                where_: None,
                ..Default::default()
            },
        ]
    );
}

#[test]
fn foreign_keys_from_columns_and_tables_with_actions_and_names() {
    let mut md = MetaData::new();
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("org", SqlType::Integer).not_null();
        t.column("login", SqlType::Text).not_null();
        t.unique(["org", "login"]).name("uq_users_org_login");
    });
    md.table("posts", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("author_id", SqlType::Integer).references("users.id");
        t.column("editor_id", SqlType::Integer)
            .references("users.id")
            .on_delete(ReferentialAction::SetNull)
            .on_update(ReferentialAction::Cascade);
        t.column("org", SqlType::Integer);
        t.column("login", SqlType::Text);
        t.foreign_key(["login", "org"], "users", ["login", "org"])
            .name("fk_posts_user")
            .on_delete(ReferentialAction::Restrict);
    });
    let s = schema(&md);
    let fk = |name: Option<&str>, cols: &[&str], refs: &[&str], on_delete, on_update| ForeignKey {
        name: name.map(String::from),
        columns: names(cols),
        ref_schema: None,
        ref_table: "users".into(),
        ref_columns: names(refs),
        on_delete,
        on_update,
        ..Default::default()
    };
    assert_eq!(
        table(&s, "posts").foreign_keys,
        vec![
            fk(None, &["author_id"], &["id"], None, None),
            fk(
                None,
                &["editor_id"],
                &["id"],
                Some(ReferentialAction::SetNull),
                Some(ReferentialAction::Cascade)
            ),
            fk(
                Some("fk_posts_user"),
                &["login", "org"],
                &["login", "org"],
                Some(ReferentialAction::Restrict),
                None
            ),
        ]
    );
    assert_eq!(
        table(&s, "users").uniques,
        vec![UniqueConstraint {
            name: Some("uq_users_org_login".into()),
            columns: names(&["org", "login"]),
            ..Default::default()
        }]
    );
}

#[test]
fn checks_indexes_and_comments() {
    let mut md = MetaData::new();
    md.table("items", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("name", SqlType::Text).not_null();
        t.column("price", SqlType::Numeric { precision: Some(8), scale: Some(2) });
        t.column("deleted_at", SqlType::TimestampTz);
        t.check("ck_items_price", "price >= 0");
        t.index("ix_items_name", ["name"]);
        t.index("ux_items_live_name", ["lower(name)"]).unique().partial("deleted_at IS NULL");
        t.index("ix_items_name_price", ["name", "price"]).unique();
        t.comment("things for sale");
    });
    let s = schema(&md);
    let items = table(&s, "items");
    assert_eq!(
        items.checks,
        vec![CheckConstraint { name: Some("ck_items_price".into()), sql: "price >= 0".into() }]
    );
    assert_eq!(
        items.indexes,
        vec![
            Index {
                name: "ix_items_name".into(),
                columns: names(&["name"]),
                unique: false,
                where_: None,
                ..Default::default()
            },
            Index {
                name: "ux_items_live_name".into(),
                columns: names(&["lower(name)"]),
                unique: true,
                where_: Some("deleted_at IS NULL".into()),
                ..Default::default()
            },
            Index {
                name: "ix_items_name_price".into(),
                columns: names(&["name", "price"]),
                unique: true,
                where_: None,
                ..Default::default()
            },
        ]
    );
    assert_eq!(items.comment.as_deref(), Some("things for sale"));
}

#[test]
fn schemas_from_the_metadata_or_the_table_and_qualified_references() {
    let mut md = MetaData::with_schema("app");
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
    });
    md.table("events", |t| {
        t.schema("audit");
        t.column("id", SqlType::Integer).primary_key();
        t.column("user_id", SqlType::Integer).references("app.users.id");
    });
    md.table("sessions", |t| {
        t.column("id", SqlType::Uuid).primary_key();
        // Unqualified: the table's own schema, `app`.
        t.column("user_id", SqlType::Integer).references("users.id");
    });
    let s = schema(&md);
    let order: Vec<String> = s.tables.iter().map(Table::display_name).collect();
    assert_eq!(order, ["app.sessions", "app.users", "audit.events"]);
    let events = s.table(Some("audit"), "events").unwrap();
    assert_eq!(events.foreign_keys[0].ref_schema.as_deref(), Some("app"));
    let sessions = s.table(Some("app"), "sessions").unwrap();
    assert_eq!(sessions.foreign_keys[0].ref_schema, None);
}

/// The promise autogenerate relies on: a declaration gives exactly the schema that
/// replaying the ops of a revision declaring the same thing gives.
#[test]
fn the_schema_equals_the_replay_of_the_same_declaration_as_ops() {
    let mut md = MetaData::new();
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
        t.column("login", SqlType::Text).unique().index();
        t.column("created_at", SqlType::TimestampTz).not_null().server_default("now()");
        t.index("ix_users_email_lower", ["lower(email)"]);
        t.comment("people");
    });
    md.table("posts", |t| {
        t.column("id", SqlType::BigInt).primary_key();
        t.column("user_id", SqlType::Integer)
            .not_null()
            .references("users.id")
            .on_delete(ReferentialAction::Cascade);
        t.column("parent_id", SqlType::BigInt).references("posts.id");
        t.column("title", SqlType::Text).not_null();
        t.check("ck_posts_title", "length(title) > 0");
        t.index("ix_posts_recent", ["user_id", "id"]).partial("title <> ''");
    });
    let revision = ops(r#"
[[upgrade]]
op = "create_table"
table = "users"
comment = "people"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "email", type = "varchar(255)", nullable = false, unique = true },
  { name = "login", type = "text", unique = true, index = true },
  { name = "created_at", type = "timestamptz", nullable = false, server_default = "now()" },
]

[[upgrade]]
op = "create_index"
name = "ix_users_email_lower"
table = "users"
columns = ["lower(email)"]

[[upgrade]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "integer", nullable = false },
  { name = "parent_id", type = "bigint", foreign_key = "posts.id" },
  { name = "title", type = "text", nullable = false },
]
foreign_keys = [{ columns = ["user_id"], ref_table = "users", ref_columns = ["id"], on_delete = "CASCADE" }]
checks = [{ name = "ck_posts_title", sql = "length(title) > 0" }]

[[upgrade]]
op = "create_index"
name = "ix_posts_recent"
table = "posts"
columns = ["user_id", "id"]
where = "title <> ''"
"#);
    let replayed = replay(&revision).expect("the revision replays");
    assert_eq!(schema(&md), replayed);
    // …and the declaration's own ops replay to the same schema.
    assert_eq!(replay(&md.to_ops().unwrap()).unwrap(), replayed);
}

#[test]
fn ops_create_referenced_tables_first() {
    let mut md = MetaData::new();
    md.table("comments", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("post_id", SqlType::Integer).references("posts.id");
    });
    md.table("posts", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("user_id", SqlType::Integer).references("users.id");
    });
    md.table("users", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("best_comment", SqlType::Integer);
    });
    let order: Vec<String> = md
        .to_ops()
        .unwrap()
        .iter()
        .filter_map(|op| match op {
            Op::CreateTable(t) => Some(t.table.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["users", "posts", "comments"]);
}

#[test]
fn an_empty_declaration_is_an_empty_schema() {
    let md = MetaData::new();
    assert!(md.is_empty());
    assert!(schema(&md).is_empty());
}

/// A declaration with one table `t(id integer primary key)` plus whatever `build` adds.
fn with_table(build: impl FnOnce(&mut alembic::schema::metadata::TableBuilder)) -> MetaData {
    let mut md = MetaData::new();
    md.table("t", |t| {
        t.column("id", SqlType::Integer).primary_key();
        build(t);
    });
    md
}

#[test]
fn names_declared_twice_are_errors() {
    let mut md = with_table(|_| {});
    md.table("t", |t| {
        t.column("x", SqlType::Integer);
    });
    assert_eq!(error(&md), MetaDataError::DuplicateTable { table: "t".into() });

    let md = with_table(|t| {
        t.column("id", SqlType::Text);
    });
    assert_eq!(error(&md), MetaDataError::DuplicateColumn { table: "t".into(), column: "id".into() });

    let md = with_table(|t| {
        t.column("a", SqlType::Integer);
        t.unique(["a"]).name("c_a");
        t.check("c_a", "a > 0");
    });
    assert_eq!(error(&md), MetaDataError::DuplicateConstraint { table: "t".into(), name: "c_a".into() });

    let mut md = with_table(|t| {
        t.column("a", SqlType::Integer).index();
    });
    md.table("u", |t| {
        t.column("a", SqlType::Integer);
        t.index("ix_t_a", ["a"]);
    });
    assert_eq!(error(&md), MetaDataError::DuplicateIndex { index: "ix_t_a".into() });

    // Same names in different schemas are different objects.
    let mut md = with_table(|_| {});
    md.table("t", |t| {
        t.schema("other");
        t.column("id", SqlType::Integer).primary_key();
    });
    assert!(md.to_schema().is_ok());
}

#[test]
fn unknown_columns_are_errors() {
    let cases: Vec<(MetaData, &str, &str)> = vec![
        (
            with_table(|t| {
                t.primary_key(["nope"]);
            }),
            "nope",
            "the primary key",
        ),
        (
            with_table(|t| {
                t.unique(["id", "nope"]);
            }),
            "nope",
            "a unique constraint",
        ),
        (
            with_table(|t| {
                t.foreign_key(["nope"], "t", ["id"]);
            }),
            "nope",
            "a foreign key",
        ),
        (
            with_table(|t| {
                t.index("ix", ["emial"]);
            }),
            "emial",
            "index ix",
        ),
    ];
    for (md, column, used_by) in cases {
        assert_eq!(
            error(&md),
            MetaDataError::UnknownColumn {
                table: "t".into(),
                column: column.into(),
                used_by: used_by.into()
            }
        );
    }
    // An expression is not a column name.
    assert!(
        with_table(|t| {
            t.index("ix", ["lower(id::text)"]);
        })
        .to_schema()
        .is_ok()
    );
}

#[test]
fn foreign_key_targets_must_exist_and_be_unique() {
    let md = with_table(|t| {
        t.column("u", SqlType::Integer).references("users.id");
    });
    let err = error(&md);
    assert_eq!(
        err,
        MetaDataError::UnknownReferencedTable {
            table: "t".into(),
            columns: "u".into(),
            target: "users".into()
        }
    );
    assert_eq!(err.to_string(), "table t: foreign key (u) references table users, which is not declared");

    let md = with_table(|t| {
        t.column("u", SqlType::Integer).references("t.nope");
    });
    assert_eq!(
        error(&md),
        MetaDataError::UnknownReferencedColumn {
            table: "t".into(),
            columns: "u".into(),
            target: "t".into(),
            column: "nope".into()
        }
    );

    let md = with_table(|t| {
        t.column("name", SqlType::Text);
        t.column("parent", SqlType::Text).references("t.name");
    });
    assert!(matches!(error(&md), MetaDataError::ReferencedNotUnique { .. }));
    // A unique column, a unique constraint, or a (non-partial) unique index will do.
    for unique in 0..3 {
        let md = with_table(|t| {
            let name = t.column("name", SqlType::Text);
            if unique == 0 {
                name.unique();
            }
            if unique == 1 {
                t.unique(["name"]);
            }
            if unique == 2 {
                t.index("ux_t_name", ["name"]).unique();
            }
            t.column("parent", SqlType::Text).references("t.name");
        });
        assert!(md.to_schema().is_ok(), "case {unique}: {:?}", md.to_schema());
    }
    let md = with_table(|t| {
        t.column("a", SqlType::Integer);
        t.foreign_key(["a", "id"], "t", ["id"]);
    });
    assert!(
        matches!(error(&md), MetaDataError::InvalidTable { message, .. } if message.contains("as many referenced columns"))
    );
}

#[test]
fn malformed_declarations_are_errors() {
    let invalid = |md: MetaData, needle: &str| match error(&md) {
        MetaDataError::InvalidTable { message, .. } => assert!(message.contains(needle), "{message}"),
        other => panic!("expected InvalidTable with {needle:?}, got {other:?}"),
    };
    let mut md = MetaData::new();
    md.table("empty", |_| {});
    invalid(md, "at least one column");
    invalid(
        with_table(|t| {
            t.column("x", SqlType::Integer).primary_key().nullable(true);
        }),
        "cannot be nullable",
    );
    invalid(
        with_table(|t| {
            t.column("x", SqlType::Integer).on_delete(ReferentialAction::Cascade);
        }),
        "no references",
    );
    invalid(
        with_table(|t| {
            t.column("x", SqlType::Integer).references("users");
        }),
        "table.column",
    );
    invalid(
        with_table(|t| {
            t.column("x", SqlType::Integer).primary_key();
            t.primary_key(["id"]);
        }),
        "marked primary_key",
    );
    invalid(
        with_table(|t| {
            t.column("", SqlType::Integer);
        }),
        "column name is empty",
    );
    invalid(
        with_table(|t| {
            t.check("ck", " ");
        }),
        "no SQL",
    );
    invalid(
        with_table(|t| {
            t.index("ix", Vec::<String>::new());
        }),
        "lists no columns",
    );
    invalid(
        with_table(|t| {
            t.index("ix", ["id"]).partial("");
        }),
        "empty WHERE",
    );
}
