pub mod comment;
pub mod post;
pub mod tag;
pub mod user;
