//! Round trips through real-world sample schemas (`tests/fixtures/schemas/`), on both
//! dialects: load the schema file into a scratch database and reflect it (the
//! target); compare it with an empty database; render the upgrade ops and run them on
//! a fresh database; reflect that and compare again: no ops. Then the downgrade ops
//! leave the database empty.
//!
//! And a property: random schemas built from the model, created on SQLite by the
//! rendered create ops and reflected back, compare equal to themselves.

mod support;

use alembic::autogen::{CompareOptions, compare, downgrade_ops};
use alembic::dialect::{Dialect, RenderOptions, render_ops};
use alembic::ops::{Op, render_ops_toml};
use alembic::reflect::{ReflectOptions, load_schema_sql, reflect};
use alembic::runtime::connection::{Backend, SqliteBackend, block_on};
use alembic::schema::model::Schema;
use alembic::url::DatabaseUrl;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Renders `ops` from `schema` and runs them in one transaction.
fn run_ops<B: Backend>(db: &mut B, dialect: Dialect, ops: &[Op], schema: &Schema) {
    let mut model = schema.clone();
    let statements = render_ops(dialect, ops, &mut model, RenderOptions::default())
        .unwrap_or_else(|e| panic!("render: {e}\n{}", render_ops_toml("upgrade", ops).unwrap()));
    block_on(db.begin()).unwrap();
    for sql in statements.iter().flatten() {
        block_on(db.execute(sql)).unwrap_or_else(|e| panic!("{e}"));
    }
    block_on(db.commit()).unwrap();
}

/// The round trip of one schema file on a database `db` (empty) of `dialect`.
fn round_trip<B: Backend>(db: &mut B, url: &DatabaseUrl, dialect: Dialect, file: &str) {
    let reflect_opts = ReflectOptions::default();
    let opts = CompareOptions::new(dialect);
    let target = load_schema_sql(url, &fixture(file), &reflect_opts).expect("load the schema file");
    assert!(target.tables.len() >= 8, "{file}: {} tables", target.tables.len());

    let empty = block_on(reflect(db, &reflect_opts)).unwrap();
    assert!(empty.is_empty());
    let upgrade = compare(&target, &empty, &opts);
    assert!(upgrade.iter().any(|op| matches!(op, Op::CreateTable(_))));
    run_ops(db, dialect, &upgrade, &empty);

    let built = block_on(reflect(db, &reflect_opts)).unwrap();
    let again = compare(&target, &built, &opts);
    assert!(
        again.is_empty(),
        "{file} on {dialect}: differences after the upgrade:\n{}",
        render_ops_toml("upgrade", &again).unwrap()
    );
    // And the other way round: nothing the database has that the target lacks.
    let back = compare(&built, &target, &opts);
    assert!(
        back.is_empty(),
        "{file} on {dialect} (reversed):\n{}",
        render_ops_toml("upgrade", &back).unwrap()
    );

    let downgrade = downgrade_ops(&upgrade, &empty).expect("downgrade ops");
    let upgraded = alembic::ops::apply::replay(&upgrade).unwrap();
    run_ops(db, dialect, &downgrade, &upgraded);
    let after = block_on(reflect(db, &reflect_opts)).unwrap();
    assert!(
        after.is_empty(),
        "{file} on {dialect}: left after downgrade: {:?}",
        after.tables.iter().map(|t| &t.name).collect::<Vec<_>>()
    );
}

fn sqlite_round_trip(file: &str) {
    let mut db = SqliteBackend::open(None).unwrap();
    round_trip(&mut db, &DatabaseUrl::Sqlite { path: None }, Dialect::Sqlite, file);
}

#[test]
fn chinook_sqlite() {
    sqlite_round_trip("chinook.sqlite.sql");
}

#[test]
fn pagila_sqlite() {
    sqlite_round_trip("pagila.sqlite.sql");
}

#[test]
fn northwind_sqlite() {
    sqlite_round_trip("northwind.sqlite.sql");
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;

    fn pg_round_trip(file: &str) {
        let Some(pg) = support::pg_test_db() else { return };
        let mut db = pg.connect();
        round_trip(&mut db, &pg.database_url(), Dialect::Postgresql, file);
        let enums = block_on(db.query_column(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'e' AND n.nspname = 'public'",
        ))
        .unwrap();
        assert!(enums.is_empty(), "enum types left after downgrade: {enums:?}");
    }

    #[test]
    fn chinook_postgresql() {
        pg_round_trip("chinook.postgresql.sql");
    }

    #[test]
    fn pagila_postgresql() {
        pg_round_trip("pagila.postgresql.sql");
    }

    #[test]
    fn northwind_postgresql() {
        pg_round_trip("northwind.postgresql.sql");
    }
}

mod property {
    use super::*;
    use alembic::ops::ReferentialAction;
    use alembic::schema::model::{
        CheckConstraint, ColumnDef, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint,
    };
    use alembic::schema::types::SqlType;
    use proptest::prelude::*;

    fn types() -> Vec<SqlType> {
        vec![
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            SqlType::Boolean,
            SqlType::Varchar(Some(20)),
            SqlType::Varchar(None),
            SqlType::Text,
            SqlType::Numeric { precision: Some(10), scale: Some(2) },
            SqlType::Numeric { precision: Some(8), scale: None },
            SqlType::Real,
            SqlType::Double,
            SqlType::Date,
            SqlType::Time,
            SqlType::Timestamp,
            SqlType::TimestampTz,
            SqlType::Interval,
            SqlType::Blob,
            SqlType::Json,
            SqlType::Uuid,
            SqlType::Enum { name: "mood".into(), values: vec!["a".into(), "bc".into()] },
            SqlType::Other("NVARCHAR(20)".into()),
        ]
    }

    /// A default that fits `ty`, chosen by `pick` (None for some picks).
    fn default_for(ty: &SqlType, pick: u8) -> Option<String> {
        let options: &[&str] = match ty {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => &["0", "-1", "42"],
            SqlType::Boolean => &["1", "0", "true"],
            SqlType::Varchar(_) | SqlType::Text | SqlType::Other(_) => &["'x'", "'it''s'", "''"],
            SqlType::Numeric { .. } | SqlType::Real | SqlType::Double => &["1.5", "0"],
            SqlType::Timestamp | SqlType::TimestampTz => &["CURRENT_TIMESTAMP", "'2020-01-01 00:00:00'"],
            SqlType::Date => &["CURRENT_DATE"],
            SqlType::Enum { .. } => &["'a'"],
            _ => &[],
        };
        let i = pick as usize % (options.len() + 1);
        options.get(i).map(|s| s.to_string())
    }

    /// (type index, nullable, default pick, unique, index, named) per column.
    type ColumnSpec = (usize, bool, u8, bool, bool, bool);
    /// Columns, whether to add a foreign key (and its action), a named check, a
    /// composite key.
    type TableSpec = (Vec<ColumnSpec>, Option<(u8, bool)>, bool, bool);

    fn table_spec() -> impl Strategy<Value = TableSpec> {
        (
            prop::collection::vec(
                (0..21usize, any::<bool>(), any::<u8>(), any::<bool>(), any::<bool>(), any::<bool>()),
                1..5,
            ),
            prop::option::of((any::<u8>(), any::<bool>())),
            any::<bool>(),
            prop::bool::weighted(0.2),
        )
    }

    fn build(specs: &[TableSpec]) -> Schema {
        let types = types();
        let mut schema = Schema::new();
        let mut single_key: Vec<String> = Vec::new();
        for (t, (columns, fk, check, composite)) in specs.iter().enumerate() {
            let name = if t % 3 == 2 { format!("Table {t}") } else { format!("t{t}") };
            let mut table = Table::new(None, &name);
            table.columns.push(ColumnDef {
                name: "id".into(),
                ty: SqlType::Integer,
                nullable: false,
                server_default: None,
                autoincrement: None,
                comment: None,
                identity: None,
                computed: None,
                collation: None,
            });
            for (c, (ty, nullable, default, unique, index, named)) in columns.iter().enumerate() {
                let cname = if c % 2 == 1 { format!("Col{c}") } else { format!("c{c}") };
                let ty = types[*ty].clone();
                table.columns.push(ColumnDef {
                    name: cname.clone(),
                    server_default: default_for(&ty, *default),
                    ty,
                    nullable: *nullable && !(*composite && c == 0),
                    autoincrement: None,
                    comment: None,
                    identity: None,
                    computed: None,
                    collation: None,
                });
                if *unique {
                    let uname = named.then(|| format!("uq_{t}_{c}"));
                    table.uniques.push(UniqueConstraint {
                        name: uname,
                        columns: vec![cname.clone()],
                        ..Default::default()
                    });
                } else if *index {
                    table.indexes.push(Index {
                        name: format!("ix_{t}_{c}"),
                        columns: vec![cname.clone()],
                        unique: *named,
                        where_: None,
                        ..Default::default()
                    });
                }
            }
            let pk = if *composite {
                vec!["id".to_string(), table.columns[1].name.clone()]
            } else {
                vec!["id".to_string()]
            };
            table.primary_key = Some(PrimaryKey { name: None, columns: pk });
            if let (Some((pick, cascade)), false) = (fk, single_key.is_empty()) {
                let target = &single_key[*pick as usize % single_key.len()];
                table.columns.push(ColumnDef {
                    name: "ref_id".into(),
                    ty: SqlType::Integer,
                    nullable: true,
                    server_default: None,
                    autoincrement: None,
                    comment: None,
                    identity: None,
                    computed: None,
                    collation: None,
                });
                table.foreign_keys.push(ForeignKey {
                    name: cascade.then(|| format!("fk_{t}")),
                    columns: vec!["ref_id".into()],
                    ref_schema: None,
                    ref_table: target.clone(),
                    ref_columns: vec!["id".into()],
                    on_delete: cascade.then_some(ReferentialAction::Cascade),
                    on_update: None,
                    ..Default::default()
                });
            }
            if *check {
                table
                    .checks
                    .push(CheckConstraint { name: Some(format!("ck_{t}")), sql: "\"id\" > 0".into() });
            }
            if !composite {
                single_key.push(name);
            }
            schema.insert_table(table).unwrap();
        }
        schema
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn created_on_sqlite_and_reflected_compares_equal(specs in prop::collection::vec(table_spec(), 1..5)) {
            let target = build(&specs);
            let opts = CompareOptions::new(Dialect::Sqlite);
            let ops = compare(&target, &Schema::new(), &opts);
            let mut db = SqliteBackend::open(None).unwrap();
            run_ops(&mut db, Dialect::Sqlite, &ops, &Schema::new());
            let reflected = block_on(reflect(&mut db, &ReflectOptions::default())).unwrap();
            prop_assert_eq!(reflected.tables.len(), target.tables.len());
            let again = compare(&target, &reflected, &opts);
            prop_assert!(again.is_empty(), "{}", render_ops_toml("upgrade", &again).unwrap());
        }
    }
}
