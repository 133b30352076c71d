//! The env program of cargo-alembic: it tells `cargo alembic revision --autogenerate`
//! and `cargo alembic check` which schema your application declares.
//!
//! `cargo alembic` builds and runs this file; it never ships with your application.

fn main() {
    // Set your MetaData here: build an `alembic::schema::MetaData` describing your
    // tables (or call the function of your crate that does), e.g.
    //
    //     let target_metadata = my_app::db::metadata();
    //
    let target_metadata = None::<alembic::schema::MetaData>;
    alembic::env::run(target_metadata);
}
