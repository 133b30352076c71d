//! Offline (`--sql`) runs through the CLI, pinned by snapshots: a history with a branch
//! point, a merge, a second base with a branch label, and `depends_on` across branches,
//! on both dialects; ranges, `stamp --sql`, `ensure-version --sql`, `--tag`, the dialect
//! from the URL or `--dialect`, one transaction for the run, and the errors.
//!
//! ```text
//! a1 ── b2 ── c3 ──┐
//!        └─── d4 ──┴ e5 ── h8 ── k1
//!                          └──── i9 (audit) ── j0
//! f6 (billing) ── g7 (depends on b2) ─────────┘ (j0 depends on g7)
//! ```

mod common;

use common::Project;

/// The history above, with real ops: SQLite table rebuilds among them.
fn history(p: &Project) {
    p.add(
        "a1",
        &[],
        r#"
[[upgrade]]
op = "create_table"
table = "users"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "name", type = "varchar(50)", nullable = false },
]

[[downgrade]]
op = "drop_table"
table = "users"
"#,
    );
    p.add(
        "b2",
        &["a1"],
        r#"
[[upgrade]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(100)" }

[[downgrade]]
op = "drop_column"
table = "users"
column = "email"
"#,
    );
    p.add(
        "c3",
        &["b2"],
        r#"
[[upgrade]]
op = "create_index"
name = "ix_users_email"
table = "users"
columns = ["email"]
unique = true

[[downgrade]]
op = "drop_index"
name = "ix_users_email"
table = "users"
"#,
    );
    p.add(
        "d4",
        &["b2"],
        r#"
[[upgrade]]
op = "create_table"
table = "teams"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "kind", type = "enum(team_kind: 'core','guest')" },
]

[[downgrade]]
op = "drop_table"
table = "teams"
"#,
    );
    p.add(
        "e5",
        &["c3", "d4"],
        r#"
[[upgrade]]
op = "add_column"
table = "users"
column = { name = "team_id", type = "integer" }

[[upgrade]]
op = "create_foreign_key"
name = "fk_users_team"
table = "users"
columns = ["team_id"]
ref_table = "teams"
ref_columns = ["id"]

[[downgrade]]
op = "drop_constraint"
name = "fk_users_team"
table = "users"
type = "foreignkey"

[[downgrade]]
op = "drop_column"
table = "users"
column = "team_id"
"#,
    );
    p.add(
        "f6",
        &[],
        r#"branch_labels = ["billing"]

[[upgrade]]
op = "create_table"
table = "invoices"
columns = [
    { name = "id", type = "integer", primary_key = true },
    { name = "amount", type = "numeric(10, 2)", nullable = false, server_default = "0" },
]

[[downgrade]]
op = "drop_table"
table = "invoices"
"#,
    );
    p.add(
        "g7",
        &["f6"],
        r#"depends_on = ["b2"]

[[upgrade]]
op = "add_column"
table = "invoices"
column = { name = "user_id", type = "integer", foreign_key = "users.id" }

[[downgrade]]
op = "drop_column"
table = "invoices"
column = "user_id"
"#,
    );
    p.add(
        "h8",
        &["e5"],
        r#"
[[upgrade]]
op = "alter_column"
table = "users"
column = "name"
nullable = true
existing_type = "varchar(50)"

[[downgrade]]
op = "alter_column"
table = "users"
column = "name"
nullable = false
existing_type = "varchar(50)"
"#,
    );
    p.add(
        "i9",
        &["h8"],
        r#"branch_labels = ["audit"]

[[upgrade]]
op = "create_table"
table = "audit_log"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "msg", type = "text" }]

[[downgrade]]
op = "drop_table"
table = "audit_log"
"#,
    );
    p.add(
        "j0",
        &["i9"],
        r#"depends_on = ["g7"]

[[upgrade]]
op = "bulk_insert"
table = "audit_log"
rows = [{ id = 1, msg = "it's here" }]

[[upgrade]]
op = "execute"
sqlite = "UPDATE audit_log SET msg = msg || ' (sqlite)'"
postgresql = "UPDATE audit_log SET msg = msg || ' (postgresql)'"

[[downgrade]]
op = "execute"
sql = "DELETE FROM audit_log"
"#,
    );
    p.add(
        "k1",
        &["h8"],
        r#"
[[upgrade]]
op = "drop_index"
name = "ix_users_email"
table = "users"

[[downgrade]]
op = "create_index"
name = "ix_users_email"
table = "users"
columns = ["email"]
unique = true
"#,
    );
}

fn project() -> Project {
    let p = Project::init();
    history(&p);
    p
}

/// `cargo alembic <args>` output, for a snapshot.
fn sql(p: &Project, args: &[&str]) -> String {
    p.ok(args)
}

#[test]
fn upgrade_heads_sqlite() {
    let p = project();
    insta::assert_snapshot!(sql(&p, &["upgrade", "heads", "--sql", "--dialect", "sqlite"]));
}

#[test]
fn upgrade_heads_postgresql() {
    let p = project();
    insta::assert_snapshot!(sql(&p, &["upgrade", "heads", "--sql", "--dialect", "postgresql"]));
}

#[test]
fn downgrade_heads_to_base_sqlite() {
    let p = project();
    insta::assert_snapshot!(sql(&p, &["downgrade", "heads:base", "--sql", "--dialect", "sqlite"]));
}

#[test]
fn downgrade_heads_to_base_postgresql() {
    let p = project();
    insta::assert_snapshot!(sql(&p, &["downgrade", "heads:base", "--sql", "--dialect", "postgresql"]));
}

#[test]
fn downgrade_range_unmerges_and_drops_the_dependency() {
    let p = project();
    // From j0 (which depends on g7) down to a1: the merge e5 splits into c3 and d4 again.
    insta::assert_snapshot!(sql(&p, &["downgrade", "j0:a1", "--sql", "--dialect", "postgresql"]));
}

#[test]
fn upgrade_range_from_a_revision_emits_no_version_table_ddl() {
    let p = project();
    insta::assert_snapshot!(sql(&p, &["upgrade", "b2:e5", "--sql", "--dialect", "sqlite"]));
}

#[test]
fn upgrade_label_head_pulls_in_the_dependency() {
    let p = project();
    // audit@head is j0, which depends on g7 (billing), which depends on b2.
    let out = sql(&p, &["upgrade", "audit@head", "--sql", "--dialect", "postgresql"]);
    let running: Vec<&str> = out.lines().filter(|l| l.starts_with("-- Running")).collect();
    insta::assert_snapshot!(running.join("\n"));
}

#[test]
fn dialect_comes_from_the_url_and_dialect_overrides_it() {
    let p = project();
    let pg_url = "postgresql://someone@db.invalid/app";
    let from_url = p.ok(&["--url", pg_url, "upgrade", "d4", "--sql"]);
    assert!(from_url.contains("CREATE TYPE team_kind AS ENUM"), "{from_url}");
    let overridden = p.ok(&["--url", pg_url, "upgrade", "d4", "--sql", "--dialect", "sqlite"]);
    assert!(!overridden.contains("CREATE TYPE"), "{overridden}");
    // The project's default URL is SQLite.
    assert_eq!(p.ok(&["upgrade", "d4", "--sql"]), overridden);
}

#[test]
fn tag_is_a_comment_at_the_top() {
    let p = project();
    insta::assert_snapshot!(sql(
        &p,
        &["upgrade", "a1", "--sql", "--tag", "release-7", "--dialect", "sqlite"]
    ));
}

#[test]
fn one_transaction_when_not_per_migration() {
    let p = project();
    let config = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace("transaction_per_migration = true", "transaction_per_migration = false");
    std::fs::write(&config, text).unwrap();
    insta::assert_snapshot!(sql(&p, &["upgrade", "b2", "--sql", "--dialect", "postgresql"]));
}

#[test]
fn stamp_sql() {
    let p = project();
    let mut out = String::new();
    for args in [
        &["stamp", "heads", "--sql", "--dialect", "postgresql"][..],
        &["stamp", "k1:j0", "--sql", "--dialect", "postgresql"],
        &["stamp", "base:k1", "base:j0", "--sql", "--dialect", "postgresql"],
        &["stamp", "e5:c3", "--sql", "--dialect", "postgresql"],
        &["stamp", "j0:base", "--sql", "--dialect", "postgresql"],
    ] {
        out.push_str(&format!("$ {}\n{}\n", args.join(" "), sql(&p, args)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn ensure_version_sql() {
    let p = project();
    let sqlite = p.ok(&["ensure-version", "--sql"]);
    let pg = p.ok(&["ensure-version", "--sql", "--dialect", "postgresql"]);
    assert_eq!(sqlite, pg, "the version table's DDL is the same on both");
    insta::assert_snapshot!(sqlite);
}

#[test]
fn the_schema_before_the_range_is_replayed_for_sqlite_rebuilds() {
    let p = project();
    // h8 makes users.name nullable: on SQLite a rebuild, which needs every column,
    // index and foreign key of users from the revisions before the range.
    let out = p.ok(&["upgrade", "e5:h8", "--sql", "--dialect", "sqlite"]);
    assert!(out.contains("CREATE UNIQUE INDEX ix_users_email"), "{out}");
    assert!(out.contains("FOREIGN KEY(team_id) REFERENCES teams (id)"), "{out}");
}

#[test]
fn errors() {
    let p = project();
    let cases: &[&[&str]] = &[
        &["downgrade", "base", "--sql", "--dialect", "sqlite"],
        &["downgrade", "-1", "--sql", "--dialect", "sqlite"],
        &["stamp", "--purge", "heads", "--sql", "--dialect", "sqlite"],
        &["stamp", "a1:b2", "c3:e5", "--sql", "--dialect", "sqlite"],
        &["upgrade", "zz:heads", "--sql", "--dialect", "sqlite"],
        &["upgrade", "head", "--sql", "--dialect", "sqlite"],
        &["upgrade", "a1:b2"],
    ];
    let mut out = String::new();
    for args in cases {
        let stderr = p.fails(args);
        out.push_str(&format!("$ {}\n{}\n", args.join(" "), stderr.trim_end()));
    }
    insta::assert_snapshot!(out);
    // An unknown dialect is a usage error.
    let out = p.run(&["upgrade", "heads", "--sql", "--dialect", "oracle"]);
    assert_eq!(out.status.code(), Some(2));
}
