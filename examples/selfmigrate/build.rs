//! Validates `migrations/` and embeds it: a broken revision file fails this build with
//! the file, line and problem; a new one makes cargo rebuild the binary.

fn main() {
    alembic_build::embed_or_report("migrations");
}
