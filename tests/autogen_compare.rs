//! Each kind of difference gives the expected ops (pinned as TOML with insta), the
//! downgrade ops undo them (checked by replaying both on the model), and spellings
//! that mean the same give no ops.

use alembic::autogen::{CompareOptions, compare, downgrade_ops};
use alembic::dialect::Dialect;
use alembic::ops::apply::{replay, replay_onto};
use alembic::ops::{Op, render_ops_toml};
use alembic::schema::model::Schema;

#[derive(serde::Deserialize)]
struct Ops {
    #[serde(default)]
    op: Vec<Op>,
}

/// The schema `[[op]]` tables (TOML ops) build from nothing.
fn schema(text: &str) -> Schema {
    let ops: Ops = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    replay(&ops.op).unwrap_or_else(|e| panic!("{e}"))
}

/// Compares, checks that upgrade then downgrade replays back, and gives both as TOML.
fn diff_with(target: &str, current: &str, opts: &CompareOptions) -> String {
    let (target, current) = (schema(target), schema(current));
    let upgrade = compare(&target, &current, opts);
    let mut upgraded = current.clone();
    replay_onto(&mut upgraded, &upgrade).unwrap_or_else(|e| panic!("upgrade does not apply: {e}"));
    assert!(compare(&target, &upgraded, opts).is_empty(), "the upgrade reaches the target");
    let downgrade = downgrade_ops(&upgrade, &current).expect("downgrade");
    let mut downgraded = upgraded.clone();
    replay_onto(&mut downgraded, &downgrade).unwrap_or_else(|e| panic!("downgrade does not apply: {e}"));
    assert!(compare(&current, &downgraded, opts).is_empty(), "the downgrade goes back");
    format!(
        "{}\n# ---- downgrade ----\n\n{}",
        render_ops_toml("upgrade", &upgrade).unwrap(),
        render_ops_toml("downgrade", &downgrade).unwrap()
    )
}

fn pg() -> CompareOptions {
    CompareOptions::new(Dialect::Postgresql)
}

fn diff(target: &str, current: &str) -> String {
    diff_with(target, current, &pg())
}

fn no_diff(dialect: Dialect, target: &str, current: &str) {
    let ops = compare(&schema(target), &schema(current), &CompareOptions::new(dialect));
    assert!(ops.is_empty(), "expected no ops, got:\n{}", render_ops_toml("upgrade", &ops).unwrap());
}

const USERS: &str = r#"
[[op]]
op = "create_table"
table = "users"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "name", type = "varchar(50)", nullable = false },
]
"#;

#[test]
fn new_tables_in_foreign_key_order() {
    let target = format!(
        r#"{USERS}
[[op]]
op = "create_table"
table = "posts"
columns = [
    {{ name = "id", type = "integer", primary_key = true }},
    {{ name = "author_id", type = "integer", foreign_key = "users.id" }},
    {{ name = "title", type = "text", server_default = "'untitled'", index = true }},
]
checks = [{{ name = "ck_title", sql = "length(title) > 0" }}]
"#
    );
    insta::assert_snapshot!("new_tables", diff(&target, ""));
}

#[test]
fn dropped_tables_referencing_first() {
    let current = format!(
        r#"{USERS}
[[op]]
op = "create_table"
table = "a_posts"
columns = [
    {{ name = "id", type = "integer", primary_key = true }},
    {{ name = "author_id", type = "integer", foreign_key = "users.id" }},
]
"#
    );
    insta::assert_snapshot!("dropped_tables", diff("", &current));
}

#[test]
fn reference_cycle_between_new_tables() {
    let target = r#"
[[op]]
op = "create_table"
table = "store"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "manager_id", type = "integer" }]
foreign_keys = [{ name = "fk_store_manager", columns = ["manager_id"], ref_table = "staff", ref_columns = ["id"] }]

[[op]]
op = "create_table"
table = "staff"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "store_id", type = "integer", foreign_key = "store.id" }]
"#;
    insta::assert_snapshot!("reference_cycle", diff(target, ""));
}

#[test]
fn columns_added_dropped_and_altered() {
    let current = format!(
        r#"{USERS}
[[op]]
op = "add_column"
table = "users"
column = {{ name = "old", type = "text" }}

[[op]]
op = "add_column"
table = "users"
column = {{ name = "age", type = "smallint", server_default = "0" }}
"#
    );
    let target = r#"
[[op]]
op = "create_table"
table = "users"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "name", type = "varchar(100)", nullable = true, comment = "Full name" },
    { name = "age", type = "integer", nullable = false, server_default = "18" },
    { name = "email", type = "varchar(200)", nullable = false, server_default = "''", unique = true },
]
"#;
    insta::assert_snapshot!("columns", diff(target, &current));
}

#[test]
fn type_and_default_comparison_can_be_switched_off() {
    let current = USERS.replace(
        "varchar(50)\", nullable = false",
        "varchar(50)\", nullable = false, server_default = \"'a'\"",
    );
    let target = USERS.replace("varchar(50)", "text");
    let mut opts = pg();
    opts.compare_type = false;
    opts.compare_server_default = false;
    assert!(compare(&schema(&target), &schema(&current), &opts).is_empty());
    opts.compare_type = true;
    insta::assert_snapshot!("type_only", diff_with(&target, &current, &opts));
}

#[test]
fn primary_key_changes() {
    let current = r#"
[[op]]
op = "create_table"
table = "tags"
columns = [{ name = "post_id", type = "integer", nullable = false }, { name = "tag", type = "text", nullable = false }]
primary_key = ["post_id"]
"#;
    let target = r#"
[[op]]
op = "create_table"
table = "tags"
columns = [{ name = "post_id", type = "integer", nullable = false }, { name = "tag", type = "text", nullable = false }]
primary_key = ["post_id", "tag"]
"#;
    insta::assert_snapshot!("primary_key", diff(target, current));
}

#[test]
fn constraints_and_indexes() {
    let current = r#"
[[op]]
op = "create_table"
table = "parent"
columns = [{ name = "id", type = "integer", primary_key = true }]

[[op]]
op = "create_table"
table = "items"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "parent_id", type = "integer" },
    { name = "code", type = "text" },
    { name = "qty", type = "integer" },
    { name = "label", type = "text" },
]
unique = [{ name = "uq_items_label", columns = ["label"] }]
foreign_keys = [{ name = "fk_items_parent", columns = ["parent_id"], ref_table = "parent", ref_columns = ["id"] }]
checks = [{ name = "ck_qty", sql = "qty > 0" }, { name = "ck_gone", sql = "qty < 100" }]
indexes = [{ name = "ix_items_code", columns = ["code"] }, { name = "ix_items_old", columns = ["label"] }]
"#;
    let target = r#"
[[op]]
op = "create_table"
table = "parent"
columns = [{ name = "id", type = "integer", primary_key = true }]

[[op]]
op = "create_table"
table = "items"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "parent_id", type = "integer" },
    { name = "code", type = "text" },
    { name = "qty", type = "integer" },
    { name = "label", type = "text" },
]
unique = [{ name = "uq_items_code", columns = ["code"] }]
foreign_keys = [{ name = "fk_items_parent", columns = ["parent_id"], ref_table = "parent", ref_columns = ["id"], on_delete = "CASCADE" }]
checks = [{ name = "ck_qty", sql = "qty >= 1" }, { sql = "label <> ''" }]
indexes = [{ name = "ix_items_code", columns = ["code"], unique = true }]

[[op]]
op = "create_index"
name = "ix_items_lower_label"
table = "items"
columns = ["lower(label)"]
where = "qty > 0"
"#;
    insta::assert_snapshot!("constraints_and_indexes", diff(target, current));
}

#[test]
fn comments_on_postgresql_only() {
    let current = USERS;
    let target = r#"
[[op]]
op = "create_table"
table = "users"
comment = "People"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "name", type = "varchar(50)", nullable = false, comment = "Display name" },
]
"#;
    insta::assert_snapshot!("comments", diff(target, current));
    no_diff(Dialect::Sqlite, target, current);
}

#[test]
fn version_table_and_excluded_tables_are_left_alone() {
    let current = r#"
[[op]]
op = "create_table"
table = "alembic_version"
columns = [{ name = "version_num", type = "varchar(32)", primary_key = true }]

[[op]]
op = "create_table"
table = "tmp_import"
columns = [{ name = "x", type = "integer" }]
"#;
    let mut opts = pg();
    opts.exclude_tables = vec!["tmp_*".into()];
    assert!(compare(&schema(""), &schema(current), &opts).is_empty());
    opts.version_table = "other_version".into();
    let ops = compare(&schema(""), &schema(current), &opts);
    assert_eq!(ops.len(), 1, "only the former version table: {ops:?}");
}

#[test]
fn same_things_spelled_differently_are_no_difference() {
    let one = |ty: &str, default: &str| {
        format!(
            r#"
[[op]]
op = "create_table"
table = "t"
columns = [{{ name = "id", type = "integer", primary_key = true }}, {{ name = "c", type = "{ty}", server_default = "{default}" }}]
"#
        )
    };
    let pg = Dialect::Postgresql;
    no_diff(pg, &one("integer", "0"), &one("int4", "'0'::integer"));
    no_diff(pg, &one("varchar(50)", "'x'"), &one("character varying(50)", "'x'::character varying"));
    no_diff(pg, &one("text", "'x'"), &one("text", "'x'::text"));
    no_diff(pg, &one("timestamp", "now()"), &one("timestamp without time zone", "CURRENT_TIMESTAMP"));
    no_diff(pg, &one("timestamptz", "CURRENT_TIMESTAMP"), &one("timestamp with time zone", "now()"));
    no_diff(pg, &one("boolean", "true"), &one("bool", "'t'"));
    no_diff(pg, &one("numeric(10)", "1.50"), &one("numeric(10,0)", "1.5"));
    no_diff(pg, &one("decimal(8, 2)", "(0)"), &one("numeric(8,2)", "0"));
    no_diff(pg, &one("enum(mood: 'a','b')", "'a'"), &one("enum(mood: 'a','b')", "'a'::mood"));
    let lite = Dialect::Sqlite;
    no_diff(lite, &one("boolean", "'1'"), &one("BOOLEAN", "1"));
    no_diff(lite, &one("timestamp", "CURRENT_TIMESTAMP"), &one("DATETIME", "(datetime('now'))"));
    no_diff(lite, &one("timestamptz", "CURRENT_TIMESTAMP"), &one("timestamp", "CURRENT_TIMESTAMP"));
    no_diff(lite, &one("uuid", "'x'"), &one("CHAR(32)", "'x'"));
    no_diff(lite, &one("enum(mood: 'ab','c')", "'ab'"), &one("VARCHAR(2)", "'ab'"));
    no_diff(lite, &one("NVARCHAR(40)", "'x'"), &one("nvarchar(40)", "'x'"));

    // A serial key's sequence default is auto-increment, not a default.
    let serial = r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true, server_default = "nextval('t_id_seq'::regclass)", autoincrement = true }]
"#;
    let plain = r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true }]
"#;
    no_diff(pg, plain, serial);

    // Unnamed constraints match the names the database gave them; checks compare by
    // meaning, not by PostgreSQL's re-printing.
    let unnamed = r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "p", type = "integer", foreign_key = "t.id", unique = true }, { name = "s", type = "text" }]
checks = [{ sql = "s IN ('a', 'b')" }, { name = "ck_p", sql = "p > 0" }]
"#;
    let named = r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "p", type = "integer" }, { name = "s", type = "text" }]
unique = [{ name = "t_p_key", columns = ["p"] }]
foreign_keys = [{ name = "t_p_fkey", columns = ["p"], ref_table = "t", ref_columns = ["id"], on_delete = "NO ACTION" }]
checks = [{ name = "t_s_check", sql = "s = ANY (ARRAY['a'::text, 'b'::text])" }, { name = "ck_p", sql = "(p > (0)::integer)" }]

[[op]]
op = "create_primary_key"
name = "t_pkey"
table = "t"
columns = ["id"]
"#;
    let named = named.replace("primary_key = true }, { name = \"p\"", "nullable = false }, { name = \"p\"");
    no_diff(pg, unnamed, &named);
    no_diff(pg, &named, unnamed);
}

#[test]
fn a_changed_column_is_one_alter_column() {
    let current = USERS;
    let target = USERS
        .replace("varchar(50)\", nullable = false", "text\", nullable = true, server_default = \"'anon'\"");
    let out = diff(&target, current);
    assert_eq!(out.matches("op = \"alter_column\"").count(), 2, "one each way:\n{out}");
    assert!(!out.contains("drop_column") && !out.contains("add_column"), "{out}");
    insta::assert_snapshot!("one_alter_column", out);
}

#[test]
fn recreating_a_dropped_table_keeps_it_renderable() {
    // As reflected from PostgreSQL: a key with the default name and an expression
    // index. Its downgrade recreates the key inside create_table (so the column stays
    // SERIAL) and the index as a separate create_index.
    let current = r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", nullable = false, autoincrement = true }, { name = "s", type = "text" }]

[[op]]
op = "create_primary_key"
name = "t_pkey"
table = "t"
columns = ["id"]

[[op]]
op = "create_index"
name = "ix_t_lower"
table = "t"
columns = ["lower(s)", "s DESC"]
"#;
    let out = diff("", current);
    assert!(!out.contains("create_primary_key"), "{out}");
    let current = schema(current);
    let down = downgrade_ops(&compare(&Schema::new(), &current, &pg()), &current).unwrap();
    for dialect in Dialect::ALL {
        alembic::dialect::render_ops(dialect, &down, &mut Schema::new(), Default::default())
            .unwrap_or_else(|e| panic!("{dialect}: {e}"));
    }
    insta::assert_snapshot!("recreated_table", out);
}

/// Columns dropped together come back in their table order (not reversed), with the
/// constraints that went with them after every column is back.
#[test]
fn dropped_columns_come_back_in_their_order() {
    let current = schema(
        r#"
[[op]]
op = "create_table"
table = "t"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "a", type = "integer" },
    { name = "b", type = "integer" },
    { name = "c", type = "text" },
]
unique = [{ name = "uq_t_a_c", columns = ["a", "c"] }]
"#,
    );
    let target = schema(
        r#"
[[op]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "integer", primary_key = true }]
"#,
    );
    let upgrade = compare(&target, &current, &pg());
    let mut upgraded = current.clone();
    replay_onto(&mut upgraded, &upgrade).unwrap();
    let downgrade = downgrade_ops(&upgrade, &current).unwrap();
    replay_onto(&mut upgraded, &downgrade).unwrap_or_else(|e| panic!("downgrade does not apply: {e}"));
    let table = upgraded.table(None, "t").unwrap();
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "a", "b", "c"], "{}", render_ops_toml("downgrade", &downgrade).unwrap());
    assert_eq!(table.uniques, current.table(None, "t").unwrap().uniques);
}

/// A guarded op that has nothing to do leaves the model as it is and has no inverse;
/// one that does something is undone as usual.
#[test]
fn guarded_ops_that_skip_have_no_inverse() {
    let legacy = schema(
        r#"
[[op]]
op = "create_table"
table = "legacy"
columns = [{ name = "id", type = "integer", primary_key = true }]
"#,
    );
    let create: Vec<Op> = toml::from_str::<Ops>(
        r#"
[[op]]
op = "create_table"
table = "legacy"
if_not_exists = true
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "extra", type = "text" }]

[[op]]
op = "drop_table"
table = "gone"
if_exists = true
"#,
    )
    .unwrap()
    .op;
    for op in &create {
        assert!(op.skips(&legacy));
        assert_eq!(op.inverse(&legacy).unwrap(), Vec::<Op>::new());
        let mut after = legacy.clone();
        op.apply(&mut after).unwrap();
        assert_eq!(after, legacy, "a skipped op changes nothing");
    }
    let empty = Schema::new();
    assert!(!create[0].skips(&empty));
    assert_eq!(
        render_ops_toml("downgrade", &create[0].inverse(&empty).unwrap()).unwrap(),
        "[[downgrade]]\nop = \"drop_table\"\ntable = \"legacy\"\n"
    );
}

/// A column naming no collation has its table's default where the database says which
/// (MySQL): declaring that very collation is no change; another one, or none where the
/// column has one of its own, is an `alter_column`.
#[test]
fn a_collation_equal_to_the_tables_default_is_no_change() {
    let words = |collation: &str| {
        format!(
            "[[op]]\nop = \"create_table\"\ntable = \"words\"\ncolumns = [\n  \
             {{ name = \"id\", type = \"integer\", primary_key = true }},\n  \
             {{ name = \"word\", type = \"varchar(40)\"{collation} }},\n]\n"
        )
    };
    let with_default = |collation: &str| {
        let mut s = schema(&words(collation));
        for t in s.tables.iter_mut() {
            t.default_collation = Some("utf8mb4_general_ci".into());
        }
        s
    };
    let ops = |target: &str, current: &str| {
        compare(&schema(&words(target)), &with_default(current), &CompareOptions::new(Dialect::Mysql))
    };
    let named = ", collation = \"utf8mb4_general_ci\"";
    let bin = ", collation = \"utf8mb4_bin\"";
    assert!(ops(named, "").is_empty(), "the table's default, named");
    assert!(ops("", "").is_empty());
    for (target, current) in [(bin, ""), ("", bin), (named, bin)] {
        let ops = ops(target, current);
        assert!(
            matches!(ops.as_slice(), [Op::AlterColumn(a)] if a.collation.is_some()),
            "{target:?} over {current:?}: {ops:?}"
        );
    }
    // Where the default is not known (PostgreSQL, SQLite), naming one is a change.
    let pg = compare(&schema(&words(named)), &schema(&words("")), &pg());
    assert_eq!(pg.len(), 1, "{pg:?}");
}
