//! Database URLs. The password is never printed.
