//! Snapshots of the SQL every op renders to on every dialect, from a shared base
//! schema: quoting of reserved and mixed-case names, literals of `bulk_insert`, the
//! SQLite rebuild cases and PostgreSQL's enum types.

use alembic::dialect::{Dialect, RenderOptions, render_ops, render_with};
use alembic::ops::Op;
use alembic::ops::apply::replay;
use serde::Deserialize;

#[derive(Deserialize)]
struct Ops {
    #[serde(default)]
    upgrade: Vec<Op>,
}

fn ops(text: &str) -> Vec<Op> {
    toml::from_str::<Ops>(text).expect("valid ops").upgrade
}

/// The schema every case starts from.
const BASE: &str = r#"
[[upgrade]]
op = "create_table"
table = "user"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "Name", type = "varchar(50)", nullable = false, server_default = "'anon'" },
  { name = "email", type = "varchar(100)", unique = true },
  { name = "order", type = "integer" },
  { name = "created_at", type = "timestamptz", server_default = "CURRENT_TIMESTAMP" },
]

[[upgrade]]
op = "create_table"
table = "post"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "integer", nullable = false, foreign_key = "user.id" },
  { name = "title", type = "varchar(200)" },
  { name = "mood", type = "enum(mood: 'happy','sad')" },
  { name = "score", type = "integer", server_default = "0" },
]
checks = [{ name = "ck_post_score", sql = "score >= 0" }]
indexes = [{ name = "ix_post_title", columns = ["title"] }]
"#;

/// Renders the ops of `op` in order after `BASE` and `setup`, on both dialects,
/// into one text; an op that cannot be rendered shows its error and ends the list.
fn render_case(setup: &str, op: &str, options: RenderOptions) -> String {
    let mut history = ops(BASE);
    history.extend(ops(setup));
    let before = replay(&history).expect("the base history replays");
    let ops = ops(op);
    let mut out = String::new();
    for dialect in Dialect::ALL {
        let mut schema = before.clone();
        out.push_str(&format!("-- {dialect}\n"));
        for op in &ops {
            match render_with(dialect, op, &schema, options) {
                Ok(statements) if statements.is_empty() => out.push_str("-- (nothing)\n"),
                Ok(statements) => {
                    for s in statements {
                        out.push_str(&s);
                        out.push_str(";\n");
                    }
                }
                Err(e) => {
                    out.push_str(&format!("-- error: {e}\n"));
                    break;
                }
            }
            op.apply(&mut schema).expect("a rendered op applies");
        }
    }
    out
}

fn check(name: &str, op: &str) {
    insta::assert_snapshot!(name, render_case("", op, RenderOptions::default()));
}

fn check_with(name: &str, setup: &str, op: &str, options: RenderOptions) {
    insta::assert_snapshot!(name, render_case(setup, op, options));
}

#[test]
fn base_schema() {
    let history = ops(BASE);
    let mut out = String::new();
    for dialect in Dialect::ALL {
        out.push_str(&format!("-- {dialect}\n"));
        let mut schema = alembic::schema::Schema::new();
        for statements in render_ops(dialect, &history, &mut schema, RenderOptions::default()).unwrap() {
            for s in statements {
                out.push_str(&s);
                out.push_str(";\n");
            }
        }
    }
    insta::assert_snapshot!("base_schema", out);
}

#[test]
fn create_table_every_type() {
    check(
        "create_table_every_type",
        r#"
[[upgrade]]
op = "create_table"
table = "sample"
comment = "Every neutral type"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "a_smallint", type = "smallint" },
  { name = "a_boolean", type = "boolean", nullable = false, server_default = "false" },
  { name = "a_varchar", type = "varchar" },
  { name = "a_text", type = "text", comment = "it's a text" },
  { name = "a_numeric", type = "numeric(10,2)" },
  { name = "a_numeric_p", type = "numeric(8)" },
  { name = "a_real", type = "real" },
  { name = "a_double", type = "double" },
  { name = "a_date", type = "date", server_default = "CURRENT_DATE" },
  { name = "a_time", type = "time" },
  { name = "a_timestamp", type = "timestamp" },
  { name = "a_timestamptz", type = "timestamptz" },
  { name = "an_interval", type = "interval" },
  { name = "a_blob", type = "blob" },
  { name = "a_json", type = "json" },
  { name = "a_uuid", type = "uuid" },
  { name = "an_enum", type = "enum(status: 'draft','published','it''s')" },
  { name = "passed_through", type = "double precision" },
]
"#,
    );
}

#[test]
fn create_table_constraints() {
    check(
        "create_table_constraints",
        r#"
[[upgrade]]
op = "create_table"
table = "membership"
columns = [
  { name = "user_id", type = "integer" },
  { name = "group_id", type = "integer" },
  { name = "role", type = "varchar(20)", server_default = "'member'", index = true },
  { name = "since", type = "date", server_default = "date('now')" },
]
primary_key = ["user_id", "group_id"]
unique = [{ columns = ["group_id", "role"] }, { name = "uq_membership_user_role", columns = ["user_id", "role"] }]
foreign_keys = [
  { columns = ["user_id"], ref_table = "user", ref_columns = ["id"], on_delete = "cascade" },
  { name = "fk_membership_group", columns = ["group_id"], ref_table = "groups", ref_columns = ["id"], on_delete = "SET NULL", on_update = "cascade" },
]
checks = [{ sql = "role <> ''" }, { name = "ck_role_len", sql = "length(role) < 20" }]
indexes = [{ name = "ix_membership_group", columns = ["group_id", "role"], unique = true }]
"#,
    );
}

#[test]
fn create_table_quoting() {
    check(
        "create_table_quoting",
        r#"
[[upgrade]]
op = "create_table"
table = "order"
schema = "Sales"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "select", type = "text" },
  { name = "Mixed Case", type = "text" },
  { name = "we\"ird", type = "text" },
  { name = "user", type = "integer", foreign_key = "Sales.user.id" },
  { name = "1st", type = "integer" },
  { name = "key", type = "integer" },
]
indexes = [{ name = "Order Index", columns = ["select", "Mixed Case"] }]
"#,
    );
}

#[test]
fn create_table_autoincrement_variants() {
    check(
        "create_table_autoincrement_variants",
        r#"
[[upgrade]]
op = "create_table"
table = "counter"
columns = [
  { name = "id", type = "smallint", primary_key = true },
]

[[upgrade]]
op = "create_table"
table = "manual"
columns = [
  { name = "id", type = "integer", primary_key = true, autoincrement = false },
  { name = "v", type = "text" },
]
"#,
    );
}

#[test]
fn drop_table() {
    check(
        "drop_table_with_enum",
        r#"
[[upgrade]]
op = "drop_table"
table = "post"
"#,
    );
    check(
        "drop_table_referenced_is_error",
        r#"
[[upgrade]]
op = "drop_table"
table = "user"
"#,
    );
}

#[test]
fn rename_table() {
    check(
        "rename_table",
        r#"
[[upgrade]]
op = "rename_table"
table = "post"
new_name = "Article"
"#,
    );
}

#[test]
fn add_column() {
    check(
        "add_column_nullable",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "bio", type = "text", comment = "About me" }
"#,
    );
    check(
        "add_column_not_null_constant_default",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "active", type = "boolean", nullable = false, server_default = "true" }
"#,
    );
    check(
        "add_column_fk_and_index",
        r#"
[[upgrade]]
op = "add_column"
table = "post"
column = { name = "editor_id", type = "integer", foreign_key = "user.id", index = true }
"#,
    );
    check(
        "add_column_enum",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "tier", type = "enum(tier: 'free','pro')", server_default = "'free'" }
"#,
    );
    check(
        "add_column_unique_rebuild",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "handle", type = "varchar(30)", unique = true }
"#,
    );
    check(
        "add_column_not_null_no_default_rebuild",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "age", type = "integer", nullable = false }
"#,
    );
    check(
        "add_column_expression_default_rebuild",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "seen_at", type = "timestamp", server_default = "CURRENT_TIMESTAMP" }
"#,
    );
    check(
        "add_column_missing_table_error",
        r#"
[[upgrade]]
op = "add_column"
table = "nope"
column = { name = "x", type = "integer" }
"#,
    );
}

#[test]
fn drop_column() {
    check(
        "drop_column_plain",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "order"
"#,
    );
    check(
        "drop_column_indexed_rebuild",
        r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "title"
"#,
    );
    check(
        "drop_column_unique_rebuild",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "email"
"#,
    );
    check(
        "drop_column_enum",
        r#"
[[upgrade]]
op = "drop_column"
table = "post"
column = "mood"
"#,
    );
    check(
        "drop_column_referenced_error",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "id"
"#,
    );
    check(
        "drop_column_missing_error",
        r#"
[[upgrade]]
op = "drop_column"
table = "user"
column = "phone"
"#,
    );
}

#[test]
fn alter_column() {
    // PostgreSQL's identity: added (the sequence set past the rows), changed in place,
    // dropped; the other dialects have none.
    check(
        "alter_column_identity",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "order"
nullable = false
identity = { always = false, start = 5 }

[[upgrade]]
op = "alter_column"
table = "user"
column = "order"
identity = { always = true, increment = 10, max_value = 1000, cycle = true }

[[upgrade]]
op = "alter_column"
table = "user"
column = "order"
identity = false
"#,
    );
    // PostgreSQL says the type again; SQLite rebuilds; MySQL restates the column.
    check(
        "alter_column_collation",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
collation = "C"

[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
collation = false
"#,
    );
    check(
        "alter_column_rename",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "Name"
new_name = "full_name"
"#,
    );
    check(
        "alter_column_type_same_family",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "email"
type = "varchar(255)"
existing_type = "varchar(100)"
"#,
    );
    check(
        "alter_column_type_new_family",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "title"
type = "integer"
"#,
    );
    check(
        "alter_column_nullable",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "title"
nullable = false
"#,
    );
    check(
        "alter_column_server_default_set",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "order"
server_default = "10"
"#,
    );
    check(
        "alter_column_server_default_drop",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "created_at"
server_default = false
"#,
    );
    check(
        "alter_column_comment",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "email"
comment = "Where we write"
"#,
    );
    check(
        "alter_column_everything",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "score"
new_name = "points"
type = "bigint"
nullable = false
server_default = "1"
comment = false
"#,
    );
    check(
        "alter_column_enum_gains_value",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "mood"
type = "enum(mood: 'happy','meh','sad','angry')"
"#,
    );
    check(
        "alter_column_to_new_enum",
        r#"
[[upgrade]]
op = "alter_column"
table = "post"
column = "mood"
type = "enum(feeling: 'up','down')"
"#,
    );
}

#[test]
fn indexes() {
    check(
        "create_index",
        r#"
[[upgrade]]
op = "create_index"
name = "ix_user_order"
table = "user"
columns = ["order", "Name"]
"#,
    );
    check(
        "create_index_unique_partial_expression",
        r#"
[[upgrade]]
op = "create_index"
name = "uq_user_lower_email"
table = "user"
columns = ["lower(email)", "id DESC", "id + 1"]
unique = true
where = "email IS NOT NULL"
"#,
    );
    // PostgreSQL's methods, operator classes, orders, INCLUDE and NULLS NOT DISTINCT;
    // the other dialects refuse the op.
    check(
        "create_index_postgresql_options",
        r#"
[[upgrade]]
op = "create_index"
name = "ix_user_email_options"
table = "user"
columns = ["email text_pattern_ops DESC NULLS LAST", "lower(email) NULLS FIRST", "Name"]
using = "btree"
include = ["id"]
unique = true
nulls_not_distinct = true
"#,
    );
    // MySQL 8 has no IF NOT EXISTS for indexes.
    check(
        "guarded_create_and_drop",
        r#"
[[upgrade]]
op = "create_table"
table = "tag"
if_not_exists = true
columns = [{ name = "id", type = "integer", primary_key = true }]

[[upgrade]]
op = "create_table"
table = "user"
if_not_exists = true
columns = [{ name = "id", type = "integer", primary_key = true }]

[[upgrade]]
op = "drop_table"
table = "nope"
if_exists = true

[[upgrade]]
op = "create_index"
name = "ix_tag_id"
table = "tag"
columns = ["id"]
if_not_exists = true
"#,
    );
    check(
        "create_index_gin",
        r#"
[[upgrade]]
op = "create_index"
name = "ix_user_email_gin"
table = "user"
columns = ["to_tsvector('simple', email)"]
using = "gin"
"#,
    );
    check(
        "drop_index",
        r#"
[[upgrade]]
op = "drop_index"
name = "ix_post_title"
table = "post"
"#,
    );
    check(
        "drop_index_missing_error",
        r#"
[[upgrade]]
op = "drop_index"
name = "ix_nope"
"#,
    );
}

#[test]
fn constraints() {
    check(
        "create_unique_constraint_nulls_not_distinct",
        r#"
[[upgrade]]
op = "create_unique_constraint"
name = "uq_post_user_title_nnd"
table = "post"
columns = ["user_id", "title"]
nulls_not_distinct = true
"#,
    );
    // PostgreSQL's key options; the other dialects refuse the op.
    check(
        "create_foreign_key_postgresql_options",
        r#"
[[upgrade]]
op = "create_foreign_key"
name = "fk_post_user_deferred"
table = "post"
columns = ["user_id"]
ref_table = "user"
ref_columns = ["id"]
on_delete = "cascade"
deferrable = true
initially_deferred = true
match_full = true
not_valid = true
"#,
    );
    check(
        "create_unique_constraint",
        r#"
[[upgrade]]
op = "create_unique_constraint"
name = "uq_post_user_title"
table = "post"
columns = ["user_id", "title"]
"#,
    );
    check(
        "create_foreign_key",
        r#"
[[upgrade]]
op = "create_foreign_key"
name = "fk_user_order_post"
table = "user"
columns = ["order"]
ref_table = "post"
ref_columns = ["id"]
on_delete = "set null"
"#,
    );
    check(
        "create_check_constraint",
        r#"
[[upgrade]]
op = "create_check_constraint"
name = "ck_user_order"
table = "user"
sql = "\"order\" > 0"
"#,
    );
    check_with(
        "create_primary_key",
        r#"
[[upgrade]]
op = "create_table"
table = "tag"
columns = [{ name = "slug", type = "varchar(40)" }, { name = "label", type = "text" }]
"#,
        r#"
[[upgrade]]
op = "create_primary_key"
name = "pk_tag"
table = "tag"
columns = ["slug"]
"#,
        RenderOptions::default(),
    );
    check(
        "drop_constraint_check",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "ck_post_score"
table = "post"
type = "check"
"#,
    );
    check(
        "drop_constraint_unnamed_unique_by_default_name",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "user_email_key"
table = "user"
type = "unique"
"#,
    );
    check(
        "drop_constraint_foreign_key",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "post_user_id_fkey"
table = "post"
type = "foreignkey"
"#,
    );
    check(
        "drop_constraint_primary",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "post_pkey"
table = "post"
type = "primary"
"#,
    );
    check(
        "drop_constraint_missing_error",
        r#"
[[upgrade]]
op = "drop_constraint"
name = "ck_nope"
table = "post"
type = "check"
"#,
    );
}

#[test]
fn table_comments() {
    check(
        "create_table_comment",
        r#"
[[upgrade]]
op = "create_table_comment"
table = "user"
comment = "People who sign in; it's important"
"#,
    );
    check(
        "drop_table_comment",
        r#"
[[upgrade]]
op = "drop_table_comment"
table = "user"
"#,
    );
}

#[test]
fn bulk_insert_literals() {
    check_with(
        "bulk_insert_literals",
        r#"
[[upgrade]]
op = "create_table"
table = "event"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "text" },
  { name = "ok", type = "boolean" },
  { name = "ratio", type = "double" },
  { name = "at", type = "timestamptz" },
  { name = "day", type = "date" },
  { name = "ref", type = "uuid" },
  { name = "data", type = "json" },
]
"#,
        r#"
[[upgrade]]
op = "bulk_insert"
table = "event"
rows = [
  { id = 1, name = "it's", ok = true, ratio = 0.5, at = 2024-01-31T10:00:00Z, day = 2024-01-31, ref = "67e55044-10b1-426f-9247-bb680e5fe0c8", data = { tags = ["a", "b"], n = 1 } },
  { id = 2, name = "O'Brien \\ slash", ok = false, ratio = -1e300 },
  { id = 3 },
]
"#,
        RenderOptions::default(),
    );
    check(
        "bulk_insert_unknown_column_error",
        r#"
[[upgrade]]
op = "bulk_insert"
table = "user"
rows = [{ id = 1, nickname = "x" }]
"#,
    );
}

#[test]
fn execute() {
    check(
        "execute_shared",
        r#"
[[upgrade]]
op = "execute"
sql = "UPDATE \"user\" SET \"order\" = 0"
"#,
    );
    check(
        "execute_per_dialect",
        r#"
[[upgrade]]
op = "execute"
sqlite = "PRAGMA user_version = 2"
postgresql = "SET search_path TO public"
"#,
    );
}

#[test]
fn batch_always() {
    let always = RenderOptions { batch_always: true };
    check_with(
        "batch_always_add_column",
        "",
        r#"
[[upgrade]]
op = "add_column"
table = "user"
column = { name = "bio", type = "text" }
"#,
        always,
    );
    check_with(
        "batch_always_create_index",
        "",
        r#"
[[upgrade]]
op = "create_index"
name = "ix_user_order"
table = "user"
columns = ["order"]
"#,
        always,
    );
    check_with(
        "batch_always_rename_column",
        "",
        r#"
[[upgrade]]
op = "alter_column"
table = "user"
column = "order"
new_name = "rank"
"#,
        always,
    );
}

#[test]
fn schema_qualified_ops() {
    let setup = r#"
[[upgrade]]
op = "create_table"
table = "log"
schema = "audit"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "level", type = "enum(level: 'info','warn')" },
  { name = "msg", type = "text" },
]
indexes = [{ name = "ix_log_msg", columns = ["msg"] }]
"#;
    let cases = [
        (
            "schema_add_column",
            r#"
[[upgrade]]
op = "add_column"
table = "log"
schema = "audit"
column = { name = "at", type = "timestamptz", comment = "When" }
"#,
        ),
        (
            "schema_alter_column_rebuild",
            r#"
[[upgrade]]
op = "alter_column"
table = "log"
schema = "audit"
column = "msg"
nullable = false
"#,
        ),
        (
            "schema_drop_index",
            r#"
[[upgrade]]
op = "drop_index"
name = "ix_log_msg"
schema = "audit"
"#,
        ),
        (
            "schema_rename_and_drop_table",
            r#"
[[upgrade]]
op = "rename_table"
table = "log"
schema = "audit"
new_name = "journal"

[[upgrade]]
op = "drop_table"
table = "journal"
schema = "audit"
"#,
        ),
        (
            "schema_bulk_insert",
            r#"
[[upgrade]]
op = "bulk_insert"
table = "log"
schema = "audit"
rows = [{ id = 1, level = "info", msg = "hi" }]
"#,
        ),
    ];
    for (name, op) in cases {
        check_with(name, setup, op, RenderOptions::default());
    }
}
