//! PostgreSQL code steps: async functions on the step's `tokio_postgres::Client`,
//! inside the step's transaction.

use crate::code_steps::{CodeSteps, StepContext, StepFuture, run_future};
use crate::dialect::Dialect;

/// A PostgreSQL code step as stored.
type PostgresFn =
    Box<dyn for<'a> Fn(&'a tokio_postgres::Client, &'a StepContext<'a>) -> StepFuture<'a> + Send + Sync>;

impl CodeSteps {
    /// Registers `function` as the PostgreSQL code step `name`. Write it as
    /// `fn f<'a>(client: &'a Client, step: &'a StepContext<'a>) -> StepFuture<'a>` with a
    /// body of `Box::pin(async move { … })`.
    ///
    /// # Panics
    /// As [`CodeSteps::sqlite`].
    pub fn postgresql<F>(self, name: &str, function: F) -> Self
    where
        F: for<'a> Fn(&'a tokio_postgres::Client, &'a StepContext<'a>) -> StepFuture<'a>
            + Send
            + Sync
            + 'static,
    {
        let function: PostgresFn = Box::new(function);
        self.register(Dialect::Postgresql, name, function)
    }

    /// Runs the PostgreSQL step `step` names on `client`.
    pub(crate) async fn run_postgres(
        &self,
        client: &tokio_postgres::Client,
        step: &StepContext<'_>,
    ) -> Result<(), String> {
        let function = self.function::<PostgresFn>(step)?;
        run_future(step.function, || function(client, step)).await
    }
}
