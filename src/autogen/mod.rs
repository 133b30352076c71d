//! Autogenerate: comparing a target schema with the current one (reflected from a
//! database, or replayed from the history) into upgrade ops, and their inverse.
