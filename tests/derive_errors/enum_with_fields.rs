#[derive(alembic::Enum)]
enum Shape {
    Circle,
    Square(u32),
}

fn main() {}
