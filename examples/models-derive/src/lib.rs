//! The application's models: plain structs that also declare the schema. Change a
//! field, run `cargo alembic revision --autogenerate -m "…"`, and the revision holds
//! the difference.

/// Someone who signs in.
#[derive(Debug, Clone, alembic::Table)]
pub struct User {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(length = 100)]
    pub name: String,
    /// MySQL indexes strings of a bounded length only, hence the length.
    #[alembic(length = 255, unique)]
    pub email: String,
    pub bio: Option<String>,
}

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, alembic::Enum)]
#[alembic(name = "post_status", rename_all = "lowercase")]
pub enum Status {
    Draft,
    Published,
}

/// Something a user wrote.
#[derive(Debug, Clone, alembic::Table)]
#[alembic(check(name = "ck_posts_title_not_blank", sql = "length(title) > 0"))]
pub struct Post {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(references = "users.id", on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
    pub body: String,
    pub status: Status,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub created_at: jiff::Timestamp,
    /// Rendered on demand, never stored.
    #[alembic(skip)]
    pub html: Option<String>,
}

/// A label on posts; the pair (post, label) is the key.
#[derive(Debug, Clone, alembic::Table)]
#[alembic(table = "post_tags")]
pub struct Tag {
    #[alembic(primary_key, references = "posts.id", on_delete = "cascade")]
    pub post_id: i64,
    #[alembic(primary_key, length = 40)]
    pub label: String,
}
