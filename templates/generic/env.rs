//! The env program of cargo-alembic: it tells `cargo alembic revision --autogenerate`
//! and `cargo alembic check` which schema your application declares.
//!
//! `cargo alembic` builds and runs this file as the example `alembic_env` of your
//! package (see the `[[example]]` entry in Cargo.toml); it never ships with your
//! application. It can use your crate and its dependencies.

fn main() {
    // Set your MetaData here: build an `alembic::schema::MetaData` describing your
    // tables (or call the function of your crate that does) for 'autogenerate'
    // support, e.g.
    //
    //     use alembic::schema::metadata::{MetaData, SqlType};
    //
    //     let mut target_metadata = MetaData::new();
    //     target_metadata.table("users", |t| {
    //         t.column("id", SqlType::Integer).primary_key();
    //         t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
    //     });
    //
    // or
    //
    //     let target_metadata = my_app::db::metadata();
    //
    // Other values from `cargo alembic -x KEY=VALUE` are in `alembic::env::x_args()`.
    let target_metadata = None::<alembic::schema::MetaData>;
    alembic::env::run(target_metadata);
}
