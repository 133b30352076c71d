#[derive(alembic::Table)]
struct Point {
    #[alembic(primary_key)]
    id: i64,
    position: (f64, f64),
}

fn main() {}
