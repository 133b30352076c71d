//! The env program of cargo-alembic: it tells `cargo alembic revision --autogenerate`
//! and `cargo alembic check` which schema your application declares.
//!
//! `cargo alembic` builds and runs this file as the example `alembic_env` of your
//! package (see the `[[example]]` entry in Cargo.toml); it never ships with your
//! application. It can use your crate and its dependencies.

fn main() {
    // Set your MetaData here for 'autogenerate' support. The shortest way: the
    // structs your application already has, with the derive (alembic-migrate's
    // `derive` feature in your [dependencies]):
    //
    //     #[derive(alembic::Table)]            // in your crate, e.g. src/models.rs
    //     pub struct User {
    //         #[alembic(primary_key)]
    //         pub id: i64,
    //         pub name: String,                // NOT NULL text
    //         pub email: Option<String>,       // nullable
    //     }
    //
    //     let target_metadata = alembic::models![my_app::models::User];
    //
    // or diesel's schema.rs (feature `diesel`):
    //
    //     let target_metadata = alembic::models::diesel::metadata(include_str!("../src/schema.rs"))
    //         .unwrap_or_else(|err| panic!("src/schema.rs: {err}"));   // shown as one `error:` line
    //
    // or the builder:
    //
    //     use alembic::schema::metadata::{MetaData, SqlType};
    //
    //     let mut target_metadata = MetaData::new();
    //     target_metadata.table("users", |t| {
    //         t.column("id", SqlType::Integer).primary_key();
    //         t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
    //     });
    //
    // Other values from `cargo alembic -x KEY=VALUE` are in `alembic::env::x_args()`.
    //
    // Revisions with code steps (`op = "call"`, Rust functions): `cargo alembic
    // upgrade` runs them here, so pass the functions your application registers:
    //
    //     alembic::env::run_with_code_steps(target_metadata, my_app::code_steps());
    let target_metadata = None::<alembic::schema::MetaData>;
    alembic::env::run(target_metadata);
}
