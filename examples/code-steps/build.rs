//! Validates `migrations/` and embeds it in the binary.

fn main() {
    alembic_build::embed_or_report("migrations");
}
