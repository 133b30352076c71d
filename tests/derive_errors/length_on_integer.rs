#[derive(alembic::Table)]
struct Item {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(length = 10)]
    count: i32,
}

fn main() {}
