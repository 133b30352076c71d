//! The env program: `cargo alembic revision --autogenerate` and `check` build and run
//! it to learn the schema the application declares, here its sea-orm entities.

use models_sea_orm::entities::{comment, post, tag, user};

fn main() {
    alembic::env::run(alembic::entities![user::Entity, post::Entity, comment::Entity, tag::Entity]);
}
