//! A blog's sea-orm entities, as `sea-orm-cli generate entity` writes them: users write
//! posts, posts and users have comments, and tags stand alone.

pub mod entities;
