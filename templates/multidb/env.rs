//! The env program of cargo-alembic: it tells `cargo alembic revision --autogenerate`
//! and `cargo alembic check` which schema your application declares, for the database
//! chosen with `cargo alembic -n <name>`.
//!
//! `cargo alembic` builds and runs this file as the example `alembic_env` of your
//! package (see the `[[example]]` entry in Cargo.toml); it never ships with your
//! application. It can use your crate and its dependencies.

fn main() {
    // Set your MetaData here: one `alembic::schema::MetaData` per database, holding
    // just the tables of that database, for 'autogenerate' support, e.g.
    //
    //     let target_metadata = match alembic::env::database_name().as_deref() {
    //         Some("primary") => Some(alembic::models![my_app::User, my_app::Post]),
    //         Some("analytics") => Some(my_app::db::analytics_metadata()),
    //         _ => None,
    //     };
    //
    // Other values from `cargo alembic -x KEY=VALUE` are in `alembic::env::x_args()`.
    let target_metadata = match alembic::env::database_name().as_deref() {
        Some("primary") => None::<alembic::schema::MetaData>,
        Some("analytics") => None::<alembic::schema::MetaData>,
        _ => None::<alembic::schema::MetaData>,
    };
    alembic::env::run(target_metadata);
}
