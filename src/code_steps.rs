//! Code steps: Rust functions a revision runs with `op = "call"`, inside the step's
//! transaction (Alembic's revisions are Python functions; this is the part of them that
//! ops cannot say: read rows, compute, write them back).
//!
//! An application registers its functions in a [`CodeSteps`] value, one per dialect it
//! runs on, and hands the same value to the embedded [`Migrations`](crate::Migrations)
//! (`MIGRATIONS.with_code_steps(&steps).upgrade(…)`) and to `migrations/env.rs`
//! (`alembic::env::run_with_code_steps(…)`), through which `cargo alembic upgrade`
//! runs histories that have code steps.
//!
//! ```no_run
//! # #[cfg(feature = "sqlite")] {
//! use alembic::code_steps::{CodeSteps, StepContext, StepResult};
//!
//! fn split_full_name(tx: &alembic::rusqlite::Connection, step: &StepContext<'_>) -> StepResult {
//!     tx.execute_batch(
//!         "UPDATE people SET first_name = substr(full_name, 1, instr(full_name, ' ') - 1), \
//!          last_name = substr(full_name, instr(full_name, ' ') + 1)",
//!     )?;
//!     Ok(())
//! }
//!
//! fn code_steps() -> CodeSteps {
//!     CodeSteps::new().sqlite("split_full_name", split_full_name)
//! }
//! # }
//! ```
//!
//! A registry rather than an attribute macro: the functions an application runs are
//! then a value it builds and passes, the same in the binary and in `env.rs`, with no
//! link-time collection (which static libraries and some targets drop silently) and no
//! global state.
//!
//! # What a function receives
//!
//! The connection, already inside the step's transaction: the ops before the `call`
//! have run on it, the ops after it and the version-table row follow, and all of it
//! commits together or not at all. The function gets the connection, not a
//! `Transaction` handle, because the transaction is the migrator's: committing or
//! rolling it back from inside a step would break that guarantee (use a savepoint
//! for a part that may fail on its own). On SQLite that is a `&rusqlite::Connection`
//! and the function is plain code; on PostgreSQL a `&tokio_postgres::Client` and on
//! MySQL a `&mut mysql_async::Conn`, and the function returns a boxed future
//! ([`StepFuture`]) because those drivers are async.
//!
//! MySQL commits each DDL statement on its own, so there a code step shares a
//! transaction with the data statements around it only (see the README).
//!
//! A code step is opaque to the schema model, like `execute`: autogenerate and
//! `check` go on around it, and offline `--sql` refuses it by name unless asked for a
//! marker comment in its place.

// Without a driver nothing can run a step: the runners and their helpers go unused.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports)
)]

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::pin::Pin;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use std::task::{Context, Poll};

use crate::dialect::Dialect;
use crate::schema::Schema;

/// What a code step returns: any error (`?` converts `rusqlite::Error`,
/// `tokio_postgres::Error`, `String`…); its message ends up in the step's error.
pub type StepResult = Result<(), BoxError>;

/// The error of a failed code step.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a code step for an async driver (PostgreSQL, MySQL) returns:
/// `Box::pin(async move { … })`.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = StepResult> + Send + 'a>>;

/// What a running code step knows besides its connection.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    pub(crate) revision: &'a str,
    pub(crate) path: &'a Path,
    pub(crate) upgrade: bool,
    pub(crate) function: &'a str,
    pub(crate) args: &'a toml::Table,
    pub(crate) schema: &'a Schema,
    pub(crate) dialect: Dialect,
}

impl<'a> StepContext<'a> {
    /// The revision whose step runs.
    pub fn revision(&self) -> &'a str {
        self.revision
    }

    /// The revision's file.
    pub fn path(&self) -> &'a Path {
        self.path
    }

    /// Whether the step is an upgrade (else a downgrade).
    pub fn is_upgrade(&self) -> bool {
        self.upgrade
    }

    /// The name the `call` op gives.
    pub fn function(&self) -> &'a str {
        self.function
    }

    /// The op's `args` table (empty when it has none).
    pub fn args(&self) -> &'a toml::Table {
        self.args
    }

    /// The op's `args` as a type of the application's.
    pub fn args_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, BoxError> {
        Ok(toml::Value::Table(self.args.clone()).try_into()?)
    }

    /// The schema model at this point of the step (the ops before the `call` applied):
    /// which tables and columns there are, as the migrator knows them.
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    /// The connected database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}

/// The code steps an application registers, by name and dialect.
#[derive(Default)]
pub struct CodeSteps {
    /// The functions by dialect and name, each boxed as its dialect's driver types it
    /// (the registration methods live with the drivers, in `dialect/<name>/driver/`).
    functions: BTreeMap<(Dialect, String), Box<dyn Any + Send + Sync>>,
    /// Names registered for any dialect (for messages).
    names: BTreeMap<String, Vec<Dialect>>,
}

impl fmt::Debug for CodeSteps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeSteps").field("functions", &self.names).finish()
    }
}

impl CodeSteps {
    /// No functions.
    pub fn new() -> Self {
        CodeSteps::default()
    }

    fn note(&mut self, name: &str, dialect: Dialect) {
        assert!(
            crate::ops::call::is_function_name(name),
            "code step name `{name}` is not a Rust identifier or path"
        );
        let dialects = self.names.entry(name.to_string()).or_default();
        if !dialects.contains(&dialect) {
            dialects.push(dialect);
        }
    }

    /// Registers `function`, boxed as `dialect`'s driver calls it, as the code step
    /// `name` of `dialect`.
    ///
    /// # Panics
    /// If `name` is not a Rust identifier or path (`split_full_name`,
    /// `data::split_full_name`), which no `call` op could name.
    pub(crate) fn register<F: Any + Send + Sync>(
        mut self,
        dialect: Dialect,
        name: &str,
        function: F,
    ) -> Self {
        self.note(name, dialect);
        self.functions.insert((dialect, name.to_string()), Box::new(function));
        self
    }

    /// The function of the step `step` names, as its dialect's driver registered it, or
    /// why there is none.
    pub(crate) fn function<F: Any>(&self, step: &StepContext<'_>) -> Result<&F, String> {
        self.functions
            .get(&(step.dialect, step.function.to_string()))
            .and_then(|f| f.downcast_ref::<F>())
            .ok_or_else(|| self.missing(step.dialect, step.function))
    }

    /// Whether a function `name` is registered for `dialect`.
    pub fn has(&self, dialect: Dialect, name: &str) -> bool {
        self.names.get(name).is_some_and(|d| d.contains(&dialect))
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Why `name` cannot run on `dialect`, for the error that names the revision.
    pub(crate) fn missing(&self, dialect: Dialect, name: &str) -> String {
        match self.names.get(name) {
            Some(dialects) => {
                let list: Vec<String> = dialects.iter().map(|d| d.to_string()).collect();
                format!(
                    "code step `{name}` is registered for {} only, not for {dialect}: register it with CodeSteps::{}",
                    list.join(", "),
                    dialect.name()
                )
            }
            None => format!(
                "code step `{name}` is not registered: add it with CodeSteps::new().{}(\"{name}\", {name}) in the application and in migrations/env.rs",
                dialect.name()
            ),
        }
    }
}

/// Runs the future `make` returns, a panic in making or polling it an error.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) async fn run_future<'a>(name: &str, make: impl FnOnce() -> StepFuture<'a>) -> Result<(), String> {
    let future = match catch_unwind(AssertUnwindSafe(make)) {
        Ok(future) => future,
        Err(panic) => return Err(panicked(name, &*panic)),
    };
    match (CatchUnwind { future }).await {
        Ok(result) => result.map_err(|e| failed(name, &*e)),
        Err(panic) => Err(panicked(name, &*panic)),
    }
}

/// A future whose panics come out as `Err` (the payload).
#[cfg(any(feature = "postgres", feature = "mysql"))]
struct CatchUnwind<'a> {
    future: StepFuture<'a>,
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl Future for CatchUnwind<'_> {
    type Output = Result<StepResult, Box<dyn std::any::Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// `function `f` failed: <error and its sources>`.
pub(crate) fn failed(name: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = format!("function `{name}` failed: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

pub(crate) fn panicked(name: &str, payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    format!("function `{name}` panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_sources() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("row 7 has no space")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::other("disk"));
        assert_eq!(failed("split", &e), "function `split` failed: row 7 has no space: disk");
    }

    #[test]
    fn missing_functions_say_how_to_register_them() {
        let steps = CodeSteps::new();
        let message = steps.missing(Dialect::Sqlite, "split_full_name");
        assert!(message.contains("CodeSteps::new().sqlite(\"split_full_name\""), "{message}");
    }
}
