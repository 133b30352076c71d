//! Every op of DESIGN.md parsed from TOML, and render → parse round trips.

use std::path::Path;

use alembic::dialect::Dialect;
use alembic::ops::*;
use alembic::schema::types::SqlType;
use alembic::script::RevisionScript;
use alembic::script::file::Batch;

use crate::parse;

const EVERY_OP: &str = include_str!("../fixtures/every_op.toml");

fn column(name: &str, ty: SqlType) -> Column {
    Column::new(name, ty)
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The ops of `fixtures/every_op.toml`, built by hand.
fn expected_upgrade() -> Vec<Op> {
    let mut rows = Vec::new();
    let mut row = toml::Table::new();
    row.insert("id".into(), 1.into());
    row.insert("name".into(), "core".into());
    row.insert("ratio".into(), 0.5.into());
    row.insert("active".into(), true.into());
    rows.push(row);
    let mut row = toml::Table::new();
    row.insert("id".into(), 2.into());
    row.insert("name".into(), "ops".into());
    row.insert("since".into(), toml::Value::Datetime("1979-05-27".parse().unwrap()));
    rows.push(row);

    vec![
        Op::CreateTable(CreateTable {
            table: "users".into(),
            schema: Some("app".into()),
            primary_key_name: None,
            sqlite_autoincrement: false,
            sqlite_strict: false,
            sqlite_without_rowid: false,
            partition_by: None,
            if_not_exists: false,
            columns: vec![
                Column {
                    primary_key: true,
                    autoincrement: Some(true),
                    comment: Some("key".into()),
                    ..column("id", SqlType::BigInt)
                },
                Column {
                    nullable: Some(false),
                    unique: true,
                    index: true,
                    ..column("email", SqlType::Varchar(Some(100)))
                },
                Column {
                    foreign_key: Some(ForeignKeyRef { table: "app.teams".into(), column: "id".into() }),
                    ..column("team_id", SqlType::Integer)
                },
                Column {
                    server_default: Some("'active'".into()),
                    ..column(
                        "status",
                        SqlType::Enum { name: "status".into(), values: names(&["active", "gone"]) },
                    )
                },
                column("score", SqlType::Numeric { precision: Some(10), scale: Some(2) }),
            ],
            primary_key: Some(names(&["id"])),
            unique: vec![
                UniqueSpec { name: Some("uq_email_team".into()), columns: names(&["email", "team_id"]), ..Default::default() },
                UniqueSpec { name: None, columns: names(&["status"]), ..Default::default() },
            ],
            foreign_keys: vec![ForeignKeySpec {
                name: Some("fk_team".into()),
                columns: names(&["team_id"]),
                ref_table: "teams".into(),
                ref_columns: names(&["id"]),
                on_delete: Some(ReferentialAction::Cascade),
                on_update: Some(ReferentialAction::SetNull),
                ..Default::default()
            }],
            checks: vec![
                CheckSpec { name: Some("ck_score".into()), sql: "score >= 0".into() },
                CheckSpec { name: None, sql: "email <> ''".into() },
            ],
            indexes: vec![
                IndexSpec { name: "ix_status".into(), columns: names(&["status"]), unique: false },
                IndexSpec { name: "ux_team".into(), columns: names(&["team_id", "email"]), unique: true },
            ],
            comment: Some("People".into()),
        }),
        Op::DropTable(DropTable { table: "old".into(), schema: None, if_exists: false }),
        Op::RenameTable(RenameTable { table: "a".into(), schema: Some("app".into()), new_name: "b".into() }),
        Op::AddColumn(AddColumn {
            table: "users".into(),
            schema: None,
            column: Column {
                server_default: Some("now()".into()),
                ..column("created", SqlType::TimestampTz)
            },
        }),
        Op::DropColumn(DropColumn { table: "users".into(), schema: None, column: "legacy".into() }),
        Op::AlterColumn(AlterColumn {
            new_name: Some("mail".into()),
            ty: Some(SqlType::Text),
            nullable: Some(true),
            server_default: Some(SetOrDrop::Drop),
            comment: Some(SetOrDrop::Set("e-mail".into())),
            existing_type: Some(SqlType::Varchar(Some(100))),
            existing_nullable: Some(false),
            existing_server_default: Some("''".into()),
            ..AlterColumn::new("users", "email")
        }),
        Op::CreateIndex(CreateIndex {
            name: "ix_mail".into(),
            table: "users".into(),
            schema: None,
            columns: names(&["mail"]),
            unique: true,
            where_: Some("mail IS NOT NULL".into()),
            ..Default::default()
        }),
        Op::DropIndex(DropIndex { name: "ix_old".into(), table: Some("users".into()), schema: None, if_exists: false }),
        Op::CreateUniqueConstraint(CreateUniqueConstraint {
            name: "uq_mail".into(),
            table: "users".into(),
            schema: None,
            columns: names(&["mail"]),
            ..Default::default()
        }),
        Op::CreateForeignKey(CreateForeignKey {
            name: "fk_owner".into(),
            table: "items".into(),
            schema: None,
            columns: names(&["owner_id"]),
            ref_table: "users".into(),
            ref_columns: names(&["id"]),
            on_delete: Some(ReferentialAction::Restrict),
            on_update: Some(ReferentialAction::NoAction),
            ..Default::default()
        }),
        Op::CreateCheckConstraint(CreateCheckConstraint {
            name: "ck_qty".into(),
            table: "items".into(),
            schema: None,
            sql: "qty > 0".into(),
        }),
        Op::CreatePrimaryKey(CreatePrimaryKey {
            name: "pk_items".into(),
            table: "items".into(),
            schema: None,
            columns: names(&["id", "version"]),
        }),
        Op::DropConstraint(DropConstraint {
            name: "uq_old".into(),
            table: "items".into(),
            schema: None,
            kind: ConstraintType::Unique,
        }),
        Op::CreateTableComment(TableComment {
            table: "items".into(),
            schema: None,
            comment: Some("Things".into()),
        }),
        Op::DropTableComment(TableComment { table: "items".into(), schema: None, comment: None }),
        Op::BulkInsert(BulkInsert { table: "teams".into(), schema: None, rows: rows.into() }),
        Op::CreateObject(CreateObject {
            kind: alembic::schema::model::ObjectKind::Trigger,
            name: "users_touch".into(),
            schema: Some("app".into()),
            table: Some("users".into()),
            sql: "CREATE TRIGGER users_touch AFTER UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch()".into(),
        }),
        Op::DropObject(DropObject {
            kind: alembic::schema::model::ObjectKind::MaterializedView,
            name: "old_users".into(),
            schema: None,
            table: None,
            sql: Some("CREATE MATERIALIZED VIEW old_users AS SELECT 1".into()),
        }),
        Op::Execute(Execute::new("UPDATE users SET mail = lower(mail)")),
        Op::Call(alembic::ops::Call {
            function: "data::backfill_slugs".into(),
            args: toml::Table::from_iter([
                ("batch".to_string(), toml::Value::from(500)),
                ("table".to_string(), "users".into()),
            ]),
        }),
    ]
}

#[test]
fn every_op_parses_with_every_key() {
    let script = parse(EVERY_OP).unwrap();
    assert_eq!(script.revision, "0123456789ab");
    assert_eq!(script.down_revision, ["aaaa", "bbbb"]);
    assert_eq!(script.branch_labels, ["feature"]);
    assert_eq!(script.depends_on, ["cccc", "other@head"]);
    assert_eq!(script.message, "Every op");
    assert_eq!(script.create_date.as_deref(), Some("2026-11-21T10:12:00Z"));
    assert!(!script.transactional);
    assert_eq!(script.batch, Batch::Always);
    assert_eq!(script.doc, "Every op, with every key\n\nRevision ID: 0123456789ab");
    let expected = expected_upgrade();
    assert_eq!(script.upgrade.len(), expected.len());
    for (got, want) in script.upgrade.iter().zip(&expected) {
        assert_eq!(got, want, "op {}", want.name());
    }
    assert_eq!(
        script.downgrade,
        [
            Op::Execute(Execute::only(Dialect::Sqlite, "SELECT 1").with(Dialect::Postgresql, "SELECT 2")),
            Op::DeleteRows(BulkInsert {
                table: "teams".into(),
                schema: None,
                rows: vec![toml::Table::from_iter([
                    ("id".to_string(), toml::Value::from(1)),
                    ("name".to_string(), "core".into()),
                ])]
                .into(),
            }),
        ]
    );
}

#[test]
fn the_fixture_covers_every_op_name() {
    let script = parse(EVERY_OP).unwrap();
    let mut seen: Vec<&str> = script.upgrade.iter().chain(&script.downgrade).map(Op::name).collect();
    seen.sort_unstable();
    seen.dedup();
    let mut all = Op::NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(seen, all);
}

#[test]
fn defaults_of_a_minimal_file() {
    let script = parse("revision = \"kilo\"\n").unwrap();
    assert_eq!(script.revision, "kilo");
    assert!(script.down_revision.is_empty());
    assert!(script.branch_labels.is_empty() && script.depends_on.is_empty());
    assert_eq!(script.message, "");
    assert_eq!(script.create_date, None);
    assert!(script.transactional);
    assert_eq!(script.batch, Batch::Auto);
    assert!(script.upgrade.is_empty() && script.downgrade.is_empty());
    assert_eq!(script.doc, "");
}

#[test]
fn down_revision_forms() {
    for (value, expected) in
        [("\"\"", vec![]), ("\"abc\"", vec!["abc"]), ("[]", vec![]), ("[\"a\", \"b\"]", vec!["a", "b"])]
    {
        let script = parse(&format!("revision = \"r\"\ndown_revision = {value}\n")).unwrap();
        assert_eq!(script.down_revision, expected, "{value}");
    }
    let script = parse("revision = \"r\"\ndepends_on = \"x\"\nbranch_labels = [\"a\", \"b\"]\n").unwrap();
    assert_eq!(script.depends_on, ["x"]);
    assert_eq!(script.branch_labels, ["a", "b"]);
}

#[test]
fn unusual_but_valid_revision_ids() {
    for id in ["kilo", "1234567890abc", "ae1027a6acf", "x_y", "Ünïcode"] {
        let script = parse(&format!("revision = \"{id}\"\ndown_revision = \"{id}0\"\n")).unwrap();
        assert_eq!(script.revision, id);
    }
}

#[test]
fn column_defaults() {
    let script = parse(
        "revision = \"r\"\n[[upgrade]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [\n  { name = \"id\", type = \"integer\", primary_key = true },\n  { name = \"n\", type = \"text\" },\n]\n",
    )
    .unwrap();
    let Op::CreateTable(table) = &script.upgrade[0] else { panic!("not create_table") };
    assert!(!table.columns[0].is_nullable(), "a primary key is NOT NULL by default");
    assert!(table.columns[1].is_nullable());
    assert_eq!(table.primary_key_columns(), ["id"]);
}

#[test]
fn execute_sql_per_dialect() {
    let both = Execute::new("A").with(Dialect::Postgresql, "P");
    assert_eq!(both.sql_for("postgresql"), Some("P"));
    assert_eq!(both.sql_for("sqlite"), Some("A"));
    let pg_only = Execute::only(Dialect::Postgresql, "P");
    assert_eq!(pg_only.sql_for("sqlite"), None);
}

/// Ops that exercise the optional keys left out of the fixture, or minimal forms.
fn extra_ops() -> Vec<Op> {
    vec![
        Op::AlterColumn(AlterColumn {
            server_default: Some(SetOrDrop::Set("0".into())),
            comment: Some(SetOrDrop::Drop),
            ..AlterColumn::new("t", "c")
        }),
        Op::AlterColumn(AlterColumn {
            nullable: Some(false),
            schema: Some("s".into()),
            ..AlterColumn::new("t", "c")
        }),
        Op::DropIndex(DropIndex {
            name: "ix".into(),
            table: None,
            schema: Some("s".into()),
            if_exists: false,
        }),
        Op::Execute(Execute::only(Dialect::Postgresql, "SELECT 1;\nSELECT 'two';\n")),
        Op::Execute(Execute {
            sql: Some("x = \"quoted\" \\ back".into()),
            schema: Some("s".into()),
            ..Execute::default()
        }),
        Op::BulkInsert(BulkInsert {
            table: "t".into(),
            schema: None,
            rows: Vec::<toml::Table>::new().into(),
        }),
        Op::BulkInsert(BulkInsert {
            table: "t".into(),
            schema: None,
            rows: vec![toml::Table::from_iter([
                ("line\nbreak \"q\" \\ \u{1}".to_string(), toml::Value::from("v\n\"w\"")),
                ("nested".to_string(), toml::Value::Array(vec![1.into(), "two".into()])),
                ("".to_string(), toml::Value::from(-3.25)),
            ])]
            .into(),
        }),
        Op::AddColumn(AddColumn {
            table: "t".into(),
            schema: Some("s".into()),
            column: Column {
                nullable: Some(true),
                autoincrement: Some(false),
                ..Column::new("weird name", SqlType::Other("int[]".into()))
            },
        }),
        Op::DropConstraint(DropConstraint {
            name: "c".into(),
            table: "t".into(),
            schema: None,
            kind: ConstraintType::ForeignKey,
        }),
        Op::DropConstraint(DropConstraint {
            name: "c".into(),
            table: "t".into(),
            schema: None,
            kind: ConstraintType::Check,
        }),
        Op::DropConstraint(DropConstraint {
            name: "c".into(),
            table: "t".into(),
            schema: None,
            kind: ConstraintType::Primary,
        }),
    ]
}

#[test]
fn render_then_parse_gives_the_same_ops() {
    let upgrade: Vec<Op> = expected_upgrade().into_iter().chain(extra_ops()).collect();
    let downgrade = parse(EVERY_OP).unwrap().downgrade;
    let text = format!(
        "revision = \"r\"\n\n{}\n{}",
        render_ops_toml("upgrade", &upgrade).unwrap(),
        render_ops_toml("downgrade", &downgrade).unwrap()
    );
    let script = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(script.upgrade, upgrade, "{text}");
    assert_eq!(script.downgrade, downgrade);
}

#[test]
fn each_op_round_trips_alone() {
    for op in expected_upgrade().into_iter().chain(extra_ops()) {
        let text =
            format!("revision = \"r\"\n{}", render_ops_toml("downgrade", std::slice::from_ref(&op)).unwrap());
        let script = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(script.downgrade, [op], "{text}");
    }
}

#[test]
fn serde_derive_agrees_with_the_file_parser() {
    // The generic serde path (`op` read by the internally tagged enum) and the file
    // parser (which reads `op` itself to keep positions) give the same ops.
    for op in expected_upgrade().into_iter().chain(extra_ops()) {
        let value = toml::Value::try_from(&op).unwrap();
        let back: Op = value.try_into().unwrap();
        assert_eq!(back, op);
    }
}

#[test]
fn rendering_uses_the_house_style() {
    let op = Op::AddColumn(AddColumn {
        table: "users".into(),
        schema: None,
        column: Column {
            nullable: Some(true),
            unique: true,
            ..Column::new("email", SqlType::Varchar(Some(100)))
        },
    });
    assert_eq!(
        render_ops_toml(
            "upgrade",
            &[op, Op::DropColumn(DropColumn { table: "users".into(), schema: None, column: "email".into() })]
        )
        .unwrap(),
        "[[upgrade]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"email\", type = \"varchar(100)\", nullable = true, unique = true }\n\n[[upgrade]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"email\"\n"
    );
    assert_eq!(render_ops_toml("upgrade", &[]).unwrap(), "");
}

#[test]
fn load_reads_toml_and_sql_files() {
    let dir = tempfile::tempdir().unwrap();
    let toml_path = dir.path().join("0123456789ab_every_op.toml");
    std::fs::write(&toml_path, EVERY_OP).unwrap();
    let script = RevisionScript::load(&toml_path).unwrap();
    assert_eq!(script.path, toml_path);
    assert_eq!(script.upgrade, expected_upgrade());

    let sql_path = dir.path().join("abc.sql");
    std::fs::write(&sql_path, "-- revision = \"abc\"\n-- upgrade\nSELECT 1;\n").unwrap();
    assert_eq!(RevisionScript::load(&sql_path).unwrap().revision, "abc");

    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "revision = \"x\"").unwrap();
    let err = RevisionScript::load(&other).unwrap_err().to_string();
    assert!(err.contains("notes.txt") && err.contains(".toml or .sql"), "{err}");

    let missing = dir.path().join("missing.toml");
    let err = RevisionScript::load(&missing).unwrap_err();
    assert!(matches!(err, alembic::Error::Io { .. }), "{err:?}");

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"revision = \"caf\xe9\"").unwrap();
    let err = RevisionScript::load(&latin1).unwrap_err().to_string();
    assert!(err.contains("latin1.toml") && err.contains("UTF-8"), "{err}");
}

#[test]
fn path_is_kept_and_bom_ignored() {
    let script = RevisionScript::parse_toml(Path::new("v/a.toml"), "\u{feff}revision = \"a\"\n").unwrap();
    assert_eq!(script.path, Path::new("v/a.toml"));
}
