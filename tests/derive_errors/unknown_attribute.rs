#[derive(alembic::Table)]
struct User {
    #[alembic(primary)]
    id: i64,
}

fn main() {}
