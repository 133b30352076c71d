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
    assert!(back.is_empty(), "{file} on {dialect} (reversed):\n{}", render_ops_toml("upgrade", &back).unwrap());

    let downgrade = downgrade_ops(&upgrade, &empty).expect("downgrade ops");
    let upgraded = alembic::ops::apply::replay(&upgrade).unwrap();
    run_ops(db, dialect, &downgrade, &upgraded);
    let after = block_on(reflect(db, &reflect_opts)).unwrap();
    assert!(after.is_empty(), "{file} on {dialect}: left after downgrade: {:?}", after.tables.iter().map(|t| &t.name).collect::<Vec<_>>());
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
