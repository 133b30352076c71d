//! Applying ops to the schema model and undoing them: for every op, applying it and
//! then its inverse gives the schema back; ops that do not fit are errors naming what
//! is missing.

use alembic::ops::Op;
use alembic::ops::apply::{ApplyError, replay, replay_onto};
use alembic::schema::Schema;
use serde::Deserialize;

#[derive(Deserialize)]
struct Ops {
    #[serde(default)]
    upgrade: Vec<Op>,
}

fn ops(text: &str) -> Vec<Op> {
    toml::from_str::<Ops>(text).expect("valid ops").upgrade
}

fn one(text: &str) -> Op {
    let mut list = ops(text);
    assert_eq!(list.len(), 1);
    list.remove(0)
}

const BASE: &str = r#"
[[upgrade]]
op = "create_table"
table = "user"
comment = "people"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "Name", type = "varchar(50)", nullable = false, server_default = "'anon'", comment = "display name" },
  { name = "email", type = "varchar(100)", unique = true },
  { name = "order", type = "integer", index = true },
]

[[upgrade]]
op = "create_table"
table = "post"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "integer", nullable = false, foreign_key = "user.id" },
  { name = "title", type = "text" },
  { name = "mood", type = "enum(mood: 'happy','sad')" },
  { name = "score", type = "integer", server_default = "0" },
]
unique = [{ name = "uq_post_user_title", columns = ["user_id", "title"] }]
foreign_keys = [{ name = "fk_post_editor", columns = ["score"], ref_table = "user", ref_columns = ["id"], on_delete = "CASCADE" }]
checks = [{ name = "ck_post_score", sql = "score >= 0" }, { sql = "title <> ''" }]
indexes = [{ name = "ix_post_title", columns = ["title"] }]

[[upgrade]]
op = "create_index"
name = "ix_post_partial"
table = "post"
columns = ["lower(title)"]
where = "score > 0"

[[upgrade]]
op = "create_table"
table = "log"
schema = "audit"
columns = [{ name = "id", type = "integer" }, { name = "msg", type = "text" }]

[[upgrade]]
op = "create_primary_key"
name = "pk_log"
table = "log"
schema = "audit"
columns = ["id"]
"#;

fn base() -> Schema {
    replay(&ops(BASE)).expect("base replays")
}

/// Applies `op` to the base schema, then its inverse, and checks the schema is back.
fn round_trip(name: &str, op: &Op) {
    let before = base();
    let mut after = before.clone();
    op.apply(&mut after).unwrap_or_else(|e| panic!("{name}: apply: {e}"));
    assert_ne!(after, before, "{name}: the op changed nothing");
    let undo = op.inverse(&before).unwrap_or_else(|e| panic!("{name}: inverse: {e}"));
    replay_onto(&mut after, &undo).unwrap_or_else(|e| panic!("{name}: undo: {e}"));
    if matches!(op, Op::DropColumn(_) | Op::DropConstraint(_) | Op::DropIndex(_)) {
        // What is re-created comes back at the end of its list (a re-added column at
        // the end of the table, as in a database), and
        // an unnamed check under PostgreSQL's default name.
        assert_eq!(normalized(after), normalized(before), "{name}");
    } else {
        assert_eq!(after, before, "{name}: inverse did not restore the schema");
    }
}

/// The schema with every table's columns and constraints sorted by name, and unnamed
/// checks named as PostgreSQL names them.
fn normalized(mut schema: Schema) -> Schema {
    for table in schema.tables.iter_mut() {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        let default = format!("{}_check", table.name);
        for check in table.checks.iter_mut() {
            check.name.get_or_insert_with(|| default.clone());
        }
        // Re-created constraints come after the ones that stayed.
        table.checks.sort_by(|a, b| a.name.cmp(&b.name));
        table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema
}

const ROUND_TRIPS: &[(&str, &str)] = &[
    (
        "create_table",
        r#"
[[upgrade]]
op = "create_table"
table = "tag"
columns = [{ name = "id", type = "integer", primary_key = true }]
"#,
    ),
    (
        "drop_table_post",
        r#"
[[upgrade]]
op = "drop_table"
table = "post"
"#,
    ),
    (
        "drop_table_named_pk",
        r#"
[[upgrade]]
op = "drop_table"
table = "log"
schema = "audit"
"#,
    ),
    (
        "rename_table_referenced",
        r#"
[[upgrade]]
op = "rename_table"
table = "user"
new_name = "account"
"#,
    ),
    (
        "add_column_with_everything",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "boss_id", type = "integer", foreign_key = "user.id", index = true, comment = "c" }
"#,
    ),
    (
        "drop_column_plain",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "Name"
"#,
    ),
    (
        "drop_column_unique",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "email"
"#,
    ),
    (
        "drop_column_indexed",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "order"
"#,
    ),
    (
        "drop_column_with_constraints",
        r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "title"
"#,
    ),
    (
        "drop_column_fk_and_check",
        r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "score"
"#,
    ),
    (
        "drop_column_inline_fk",
        r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "user_id"
"#,
    ),
    (
        "alter_column_everything",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "score"
new_name = "points"
type = "bigint"
nullable = false
server_default = false
comment = "points"
"#,
    ),
    (
        "alter_column_rename_referenced",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "id"
new_name = "user_id"
"#,
    ),
    (
        "alter_column_default_and_comment",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
server_default = "'nobody'"
comment = false
"#,
    ),
    (
        "create_index",
        r#"
[[upgrade]]
op = "create_index"
name = "ix_user_name"
table = "user"
columns = ["Name"]
unique = true
"#,
    ),
    (
        "drop_index_partial",
        r#"
[[upgrade]]
op = "drop_index"
name = "ix_post_partial"
"#,
    ),
    (
        "create_unique_constraint",
        r#"
[[upgrade]]
op = "create_unique_constraint"
name = "uq_user_name"
table = "user"
columns = ["Name", "order"]
"#,
    ),
    (
        "create_foreign_key",
        r#"
[[upgrade]]
op = "create_foreign_key"
name = "fk_user_order"
table = "user"
columns = ["order"]
ref_table = "post"
ref_columns = ["id"]
"#,
    ),
    (
        "create_check_constraint",
        r#"
[[upgrade]]
op = "create_check_constraint"
name = "ck_order"
table = "user"
sql = "\"order\" > 0"
"#,
    ),
    (
        "create_primary_key",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "pk_log"
table = "log"
schema = "audit"
type = "primary"
"#,
    ),
    (
        "drop_constraint_unique",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "uq_post_user_title"
table = "post"
type = "unique"
"#,
    ),
    (
        "drop_constraint_foreign_key",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "fk_post_editor"
table = "post"
type = "foreignkey"
"#,
    ),
    (
        "drop_constraint_check",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "ck_post_score"
table = "post"
type = "check"
"#,
    ),
    (
        "create_table_comment_replacing",
        r#"
[[upgrade]]
op = "create_table_comment"
table = "user"
comment = "accounts"
"#,
    ),
    (
        "create_table_comment_new",
        r#"
[[upgrade]]
op = "create_table_comment"
table = "post"
comment = "posts"
"#,
    ),
    (
        "drop_table_comment",
        r#"
[[upgrade]]
op = "drop_table_comment"
table = "user"
"#,
    ),
];

#[test]
fn every_op_is_undone_by_its_inverse() {
    for (name, text) in ROUND_TRIPS {
        round_trip(name, &one(text));
    }
}

#[test]
fn create_primary_key_round_trip() {
    // The base has a named primary key on audit.log: drop it first, then create it.
    let mut before = base();
    replay_onto(
        &mut before,
        &ops(r#"
[[upgrade]]
op = "drop_constraint"
name = "pk_log"
table = "log"
schema = "audit"
type = "primary"
"#),
    )
    .unwrap();
    let op = one(r#"
[[upgrade]]
op = "create_primary_key"
name = "pk_log"
table = "log"
schema = "audit"
columns = ["id"]
"#);
    let mut after = before.clone();
    op.apply(&mut after).unwrap();
    replay_onto(&mut after, &op.inverse(&before).unwrap()).unwrap();
    assert_eq!(after, before);
}

#[test]
fn data_ops_leave_the_schema_alone() {
    let before = base();
    let insert = one(r#"
[[upgrade]]
op = "bulk_insert"
table = "user"
rows = [{ id = 1, Name = "a", email = "a@x" }, { id = 2, Name = "b" }]
"#);
    let mut after = before.clone();
    insert.apply(&mut after).unwrap();
    assert_eq!(after, before);
    let undo = insert.inverse(&before).unwrap();
    let [Op::DeleteRows(rows)] = undo.as_slice() else {
        panic!("bulk_insert's inverse is one delete_rows: {undo:?}");
    };
    assert_eq!(rows.rows.len(), 2);
    // Rendered per dialect, newest row first.
    assert_eq!(
        alembic::dialect::render(alembic::dialect::Dialect::Postgresql, &undo[0], &before).unwrap(),
        [
            "DELETE FROM \"user\" WHERE id = 2 AND \"Name\" = 'b'",
            "DELETE FROM \"user\" WHERE id = 1 AND \"Name\" = 'a' AND email = 'a@x'"
        ]
    );
    assert_eq!(undo[0].inverse(&before).unwrap(), std::slice::from_ref(&insert));

    let execute = one(r#"
[[upgrade]]
op = "execute"
sql = "DROP TABLE post"
"#);
    execute.apply(&mut after).unwrap();
    assert_eq!(after, before, "execute is opaque to the model");
    let err = execute.inverse(&before).unwrap_err();
    assert!(matches!(err, ApplyError::NoInverse { op: "execute", .. }), "{err}");
}

#[test]
fn ops_that_do_not_fit_are_errors() {
    let cases: &[(&str, &str)] = &[
        (
            r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "phone"
"#,
            "drop_column: table user has no column phone",
        ),
        (
            r#"
[[upgrade]]
op = "drop_table"
table = "nope"
"#,
            "drop_table: no table nope",
        ),
        (
            r#"
[[upgrade]]
op = "drop_table"
table = "user"
"#,
            "drop_table: user is referenced by foreign key (unnamed) of table post",
        ),
        (
            r#"
[[upgrade]]
op = "create_table"
table = "log"
schema = "audit"
columns = [{ name = "id", type = "integer" }]
"#,
            "create_table: table audit.log already exists",
        ),
        (
            r#"
[[upgrade]]
op = "rename_table"
table = "post"
new_name = "user"
"#,
            "rename_table: table user already exists",
        ),
        (
            r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "email", type = "text" }
"#,
            "add_column: table user already has a column email",
        ),
        (
            r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "id2", type = "integer", primary_key = true }
"#,
            "add_column: table user already has a primary key",
        ),
        (
            r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
new_name = "email"
"#,
            "alter_column: table user already has a column email",
        ),
        (
            r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "nick"
nullable = true
"#,
            "alter_column: table user has no column nick",
        ),
        (
            r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
"#,
            "alter_column: alter_column changes nothing: give at least one of new_name, type, nullable, server_default, comment, collation, identity",
        ),
        (
            r#"
[[upgrade]]
op = "create_index"
name = "ix_post_title"
table = "user"
columns = ["email"]
"#,
            "create_index: index ix_post_title already exists",
        ),
        (
            r#"
[[upgrade]]
op = "create_index"
name = "ix_x"
table = "user"
columns = ["phone"]
"#,
            "create_index: table user has no column phone",
        ),
        (
            r#"
[[upgrade]]
op = "drop_index"
name = "ix_post_title"
table = "user"
"#,
            "drop_index: no index ix_post_title",
        ),
        (
            r#"
[[upgrade]]
op = "create_unique_constraint"
name = "ck_post_score"
table = "post"
columns = ["title"]
"#,
            "create_unique_constraint: table post already has a constraint named ck_post_score",
        ),
        (
            r#"
[[upgrade]]
op = "create_primary_key"
name = "pk2"
table = "post"
columns = ["title"]
"#,
            "create_primary_key: table post already has a primary key",
        ),
        (
            r#"
[[upgrade]]
op = "create_foreign_key"
name = "fk_x"
table = "post"
columns = ["nope"]
ref_table = "user"
ref_columns = ["id"]
"#,
            "create_foreign_key: table post has no column nope",
        ),
        (
            r#"
[[upgrade]]
op = "drop_constraint"
name = "fk_post_editor"
table = "post"
type = "unique"
"#,
            "drop_constraint: table post has no unique constraint fk_post_editor",
        ),
        (
            r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "id"
"#,
            "drop_column: user.id is referenced by foreign key (unnamed) of table post",
        ),
        (
            r#"
[[upgrade]]
op = "bulk_insert"
table = "user"
rows = [{ nickname = "x" }]
"#,
            "bulk_insert: table user has no column nickname",
        ),
        (
            r#"
[[upgrade]]
op = "create_table_comment"
table = "ghost"
comment = "boo"
"#,
            "create_table_comment: no table ghost",
        ),
    ];
    for (text, expected) in cases {
        let op = one(text);
        let mut schema = base();
        let original = schema.clone();
        let err = op.apply(&mut schema).expect_err(expected);
        assert_eq!(err.to_string(), *expected);
        assert_eq!(schema, original, "a failed op leaves the schema unchanged");
        assert_eq!(op.inverse(&original).unwrap_err(), err);
    }
}

#[test]
fn replay_names_the_failing_op() {
    let mut list = ops(BASE);
    list.push(one(r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "phone"
"#));
    let err = replay(&list).unwrap_err();
    assert_eq!(err.index, 5);
    assert_eq!(err.to_string(), "op #5: drop_column: table user has no column phone");
}

#[test]
fn model_details() {
    let schema = base();
    let post = schema.table(None, "post").unwrap();
    // Dropping `title` takes its index, the partial index over it, the unique
    // constraint including it and the check mentioning it.
    let mut after = schema.clone();
    one(r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "title"
"#)
    .apply(&mut after)
    .unwrap();
    let post_after = after.table(None, "post").unwrap();
    assert_eq!(post.indexes.len(), 2);
    assert!(post_after.indexes.is_empty());
    assert!(post_after.uniques.is_empty());
    assert_eq!(post_after.checks.len(), 1);
    // Renaming a column follows it into foreign keys of other tables.
    let mut renamed = schema.clone();
    one(r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "id"
new_name = "uid"
"#)
    .apply(&mut renamed)
    .unwrap();
    let fk = &renamed.table(None, "post").unwrap().foreign_keys[0];
    assert_eq!(fk.ref_columns, ["uid"]);
    // JSON round trip of the whole model.
    let json = serde_json::to_string_pretty(&schema).unwrap();
    assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), schema);
    // Replaying a history and its inverses in reverse order empties the schema.
    let history = ops(BASE);
    let mut states = vec![Schema::new()];
    for op in &history {
        let mut next = states.last().unwrap().clone();
        op.apply(&mut next).unwrap();
        states.push(next);
    }
    let mut current = states.last().unwrap().clone();
    for (op, before) in history.iter().zip(&states).rev() {
        let undo = op.inverse(before).unwrap();
        replay_onto(&mut current, &undo).unwrap();
        assert_eq!(&current, before);
    }
    assert!(current.is_empty());
}

/// The inverse of dropping a table with an expression index recreates that index with
/// its own `create_index` (a `create_table` takes only plain column names).
#[test]
fn dropping_a_table_with_an_expression_index_is_undone_by_create_index() {
    use alembic::ops::Op;
    let create: Op = toml::from_str(
        r#"
op = "create_table"
table = "users"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "email", type = "text" }]
"#,
    )
    .unwrap();
    let index: Op = toml::from_str(
        "op = \"create_index\"\nname = \"ix_lower\"\ntable = \"users\"\ncolumns = [\"lower(email)\"]\n",
    )
    .unwrap();
    let mut schema = alembic::ops::apply::replay([&create, &index]).unwrap();
    let before = schema.clone();
    let drop: Op = toml::from_str("op = \"drop_table\"\ntable = \"users\"\n").unwrap();
    let inverse = drop.inverse(&schema).unwrap();
    assert!(inverse.iter().any(|op| matches!(op, Op::CreateIndex(_))), "{inverse:?}");
    drop.apply(&mut schema).unwrap();
    for op in &inverse {
        op.validate().unwrap();
        op.apply(&mut schema).unwrap();
    }
    assert_eq!(schema, before);
}

/// PostgreSQL names an unnamed constraint when it is made and keeps that name when
/// the table or a column is renamed; SQLite names nothing, so there the name follows
/// the table as it is now. `drop_constraint` finds the constraint by the name each
/// database would use.
#[test]
fn unnamed_constraints_keep_their_postgresql_names_through_renames() {
    use alembic::dialect::Dialect;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/renamed_constraints.toml"),
    )
    .unwrap();
    // The tables and the renames; the drops are this test's own.
    let history = &ops(&text)[..4];

    let drop = |name: &str, kind: &str| {
        one(&format!(
            "[[upgrade]]\nop = \"drop_constraint\"\ntable = \"people\"\nname = \"{name}\"\ntype = \"{kind}\"\n"
        ))
    };
    let kept =
        [("users_email_key", "unique"), ("users_team_id_fkey", "foreignkey"), ("users_pkey", "primary")];
    let current =
        [("people_email_key", "unique"), ("people_group_id_fkey", "foreignkey"), ("people_pkey", "primary")];
    for (dialect, found, missing) in [(Dialect::Postgresql, kept, current), (Dialect::Sqlite, current, kept)]
    {
        let mut schema = dialect.imp().empty_schema();
        replay_onto(&mut schema, history).unwrap();
        for (name, kind) in missing {
            let err = drop(name, kind).apply(&mut schema.clone()).unwrap_err();
            assert!(matches!(err, ApplyError::NoConstraint { .. }), "{dialect:?} {name}: {err}");
        }
        for (name, kind) in found {
            drop(name, kind).apply(&mut schema).unwrap_or_else(|e| panic!("{dialect:?} {name}: {e}"));
        }
        let people = schema.table(None, "people").unwrap();
        assert!(people.primary_key.is_none() && people.uniques.is_empty() && people.foreign_keys.is_empty());
    }
}
