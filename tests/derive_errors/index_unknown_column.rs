#[derive(alembic::Table)]
#[alembic(index(columns("emial")))]
struct User {
    #[alembic(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
