//! The env program: the schema is diesel's src/schema.rs, read as diesel reads it.

fn main() {
    let target_metadata = alembic::models::diesel::metadata(include_str!("../src/schema.rs"))
        .unwrap_or_else(|err| panic!("src/schema.rs: {err}"));
    alembic::env::run(target_metadata);
}
