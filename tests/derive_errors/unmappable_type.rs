use std::collections::HashMap;

#[derive(alembic::Table)]
struct Profile {
    #[alembic(primary_key)]
    id: i64,
    settings: HashMap<String, String>,
}

fn main() {}
