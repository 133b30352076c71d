//! MySQL and MariaDB code steps: async functions on the step's `mysql_async::Conn`
//! (DDL in them commits at once, as everywhere on MySQL).

use crate::code_steps::{CodeSteps, StepContext, StepFuture, run_future};
use crate::dialect::Dialect;

/// A MySQL code step as stored.
type MysqlFn =
    Box<dyn for<'a> Fn(&'a mut mysql_async::Conn, &'a StepContext<'a>) -> StepFuture<'a> + Send + Sync>;

impl CodeSteps {
    /// Registers `function` as the MySQL/MariaDB code step `name` (as
    /// [`CodeSteps::postgresql`], with a `&mut mysql_async::Conn`).
    ///
    /// # Panics
    /// As [`CodeSteps::sqlite`].
    pub fn mysql<F>(self, name: &str, function: F) -> Self
    where
        F: for<'a> Fn(&'a mut mysql_async::Conn, &'a StepContext<'a>) -> StepFuture<'a>
            + Send
            + Sync
            + 'static,
    {
        let function: MysqlFn = Box::new(function);
        self.register(Dialect::Mysql, name, function)
    }

    /// Runs the MySQL step `step` names on `conn`.
    pub(crate) async fn run_mysql(
        &self,
        conn: &mut mysql_async::Conn,
        step: &StepContext<'_>,
    ) -> Result<(), String> {
        let function = self.function::<MysqlFn>(step)?;
        run_future(step.function, || function(conn, step)).await
    }
}
