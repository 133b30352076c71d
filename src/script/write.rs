//! Writing new revision files: ids, slugs, file names and the minijinja template.
//!
//! STUB: being written.

use crate::ops::Op;
/// Stub.
pub const DEFAULT_TEMPLATE: &str = "";
/// Stub.
pub struct NewRevision {
    /// x
    pub rev_id: String,
    /// x
    pub down_revision: Vec<String>,
    /// x
    pub branch_labels: Vec<String>,
    /// x
    pub depends_on: Vec<String>,
    /// x
    pub message: String,
    /// x
    pub create_date: jiff::Zoned,
    /// x
    pub upgrade: Vec<Op>,
    /// x
    pub downgrade: Vec<Op>,
}
/// Stub.
pub fn validate_rev_id(_id: &str) -> Result<(), String> {
    unimplemented!()
}
/// Stub.
pub fn new_rev_id() -> String {
    unimplemented!()
}
/// Stub.
pub fn create_date(_tz: &str) -> Result<jiff::Zoned, String> {
    unimplemented!()
}
/// Stub.
pub fn file_name(_t: &str, _r: &str, _m: &str, _d: &jiff::Zoned, _n: usize) -> Result<String, String> {
    unimplemented!()
}
/// Stub.
pub fn render_revision(_t: &str, _n: &NewRevision) -> crate::Result<String> {
    unimplemented!()
}
