//! SQLite code steps: functions on the step's `rusqlite::Connection`, inside the
//! step's transaction.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::code_steps::{CodeSteps, StepContext, StepResult, failed, panicked};
use crate::dialect::Dialect;

/// A SQLite code step as stored.
type SqliteFn = Box<dyn Fn(&rusqlite::Connection, &StepContext<'_>) -> StepResult + Send + Sync>;

impl CodeSteps {
    /// Registers `function` as the SQLite code step `name`.
    ///
    /// # Panics
    /// If `name` is not a Rust identifier or path (`split_full_name`,
    /// `data::split_full_name`), which no `call` op could name.
    pub fn sqlite<F>(self, name: &str, function: F) -> Self
    where
        F: Fn(&rusqlite::Connection, &StepContext<'_>) -> StepResult + Send + Sync + 'static,
    {
        let function: SqliteFn = Box::new(function);
        self.register(Dialect::Sqlite, name, function)
    }

    /// Runs the SQLite step `step` names on `conn`; a failure or panic is the message.
    pub(crate) fn run_sqlite(
        &self,
        conn: &rusqlite::Connection,
        step: &StepContext<'_>,
    ) -> Result<(), String> {
        let function = self.function::<SqliteFn>(step)?;
        match catch_unwind(AssertUnwindSafe(|| function(conn, step))) {
            Ok(result) => result.map_err(|e| failed(step.function, &*e)),
            Err(panic) => Err(panicked(step.function, &*panic)),
        }
    }
}
