#[derive(alembic::Table)]
struct Post {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(references = "users.id", on_delete = "delete")]
    user_id: i64,
}

fn main() {}
