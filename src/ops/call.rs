//! `call`: a code step, a Rust function the application registers (see
//! [`crate::code_steps`]). Opaque to the schema model, like `execute`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

/// `call`: runs the registered Rust function `function` with `args`, inside the
/// step's transaction, between the ops around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The name the function is registered under ([`crate::code_steps::CodeSteps`]).
    #[serde(deserialize_with = "de_function")]
    pub function: String,
    /// A table handed to the function ([`crate::code_steps::StepContext::args`]).
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub args: toml::Table,
}

impl Call {
    /// A call of `function` without arguments.
    pub fn new(function: impl Into<String>) -> Self {
        Call { function: function.into(), args: toml::Table::new() }
    }
}

/// Whether `name` can name a code step: a Rust identifier, or a path of them
/// (`data::split_full_name`), as the names the registry is given are.
pub fn is_function_name(name: &str) -> bool {
    !name.is_empty()
        && name.split("::").all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

fn de_function<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if !is_function_name(&name) {
        return Err(D::Error::custom(format!(
            "`{name}` is not a function name (a Rust identifier such as `split_full_name`, or a path `data::split_full_name`)"
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_rust_identifiers_or_paths() {
        for good in ["split_full_name", "_x", "data::split", "é1"] {
            assert!(is_function_name(good), "{good}");
        }
        for bad in ["", "1x", "a b", "a::", "::a", "a;drop", "a-b"] {
            assert!(!is_function_name(bad), "{bad}");
        }
    }
}
