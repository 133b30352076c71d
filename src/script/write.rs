//! Writing new revision files: ids, slugs, file names and the minijinja template.
//!
//! STUB: being written.
