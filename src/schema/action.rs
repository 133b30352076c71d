//! A foreign key's `ON DELETE` / `ON UPDATE` action: a fact of the schema model that
//! ops, reflection and the declared metadata all speak of, so it lives below them.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// A foreign key's `ON DELETE` / `ON UPDATE` action. Files may write it in any case
/// (`"cascade"`, `"SET NULL"`); it is written back in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferentialAction {
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
    /// `RESTRICT`.
    Restrict,
    /// `NO ACTION`.
    NoAction,
}

impl ReferentialAction {
    /// The SQL keywords.
    pub fn as_sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::NoAction => "NO ACTION",
        }
    }

    /// Parses an action, case-insensitively and ignoring extra spaces.
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text.split_whitespace().map(str::to_ascii_uppercase).collect();
        Some(match words.join(" ").as_str() {
            "CASCADE" => ReferentialAction::Cascade,
            "SET NULL" => ReferentialAction::SetNull,
            "SET DEFAULT" => ReferentialAction::SetDefault,
            "RESTRICT" => ReferentialAction::Restrict,
            "NO ACTION" => ReferentialAction::NoAction,
            _ => return None,
        })
    }
}

impl fmt::Display for ReferentialAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

impl Serialize for ReferentialAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_sql())
    }
}

impl<'de> Deserialize<'de> for ReferentialAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ReferentialAction::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown referential action \"{text}\", expected one of CASCADE, SET NULL, SET DEFAULT, RESTRICT, NO ACTION"
            ))
        })
    }
}
