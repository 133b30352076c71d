//! The env program: the schema is diesel's src/schema.rs, plus what a `table!` cannot
//! say (indexes, unique constraints, defaults, ON DELETE), added with the builder.

use alembic::schema::metadata::{MetaData, ReferentialAction};

fn target_metadata() -> MetaData {
    let mut md = alembic::models::diesel::metadata(include_str!("../src/schema.rs"))
        .unwrap_or_else(|err| panic!("src/schema.rs: {err}"));
    md.extend_table("users", |t| {
        t.unique(["username"]);
        t.unique(["email"]);
    });
    md.extend_table("articles", |t| {
        t.unique(["slug"]);
    });
    md.extend_table("follows", |t| {
        t.foreign_key(["follower"], "users", ["id"]).on_delete(ReferentialAction::Cascade);
        t.foreign_key(["followed"], "users", ["id"]).on_delete(ReferentialAction::Cascade);
    });
    md
}

fn main() {
    alembic::env::run(target_metadata());
}
