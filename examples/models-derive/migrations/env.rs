//! The env program: `cargo alembic revision --autogenerate` and `check` build and run
//! it to learn the schema the application declares, here the models of src/lib.rs.

use models_derive::{Post, Tag, User};

fn main() {
    alembic::env::run(alembic::models![User, Post, Tag]);
}
