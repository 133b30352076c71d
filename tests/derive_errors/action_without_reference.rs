#[derive(alembic::Table)]
struct Post {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(on_delete = "cascade")]
    user_id: i64,
}

fn main() {}
