//! The env program's side of autogenerate: what `migrations/env.rs` calls to hand its
//! target schema to `cargo alembic` (Alembic's `env.py` with `target_metadata`).
//!
//! `cargo alembic revision --autogenerate` (and `check`) builds `migrations/env.rs` as
//! the example `alembic_env` of the package and runs it. The program declares the
//! application's schema as a [`MetaData`] and passes it to [`run`]:
//!
//! ```no_run
//! use alembic::schema::metadata::{MetaData, SqlType};
//!
//! fn main() {
//!     let mut target_metadata = MetaData::new();
//!     target_metadata.table("users", |t| {
//!         t.column("id", SqlType::Integer).primary_key();
//!     });
//!     alembic::env::run(target_metadata);
//! }
//! ```
//!
//! # Protocol
//!
//! `cargo alembic` passes its `-x KEY=VALUE` options to the program as the same
//! arguments (`-x KEY=VALUE`, repeated), and `-n NAME` when a `[databases.<NAME>]`
//! section is in effect; [`x_args`] and [`database_name`] read them. The program
//! prints the schema as JSON (the serde form of [`Schema`]) on stdout between the lines
//! [`BEGIN_MARKER`] and [`END_MARKER`], so that anything else the application prints
//! does not matter, and exits 0. On failure it prints `error: …` on stderr and exits 1.
//!
//! [`protocol`] is what both sides speak; the CLI reads it, this module's entry
//! points write it.

pub mod protocol;

use std::io::Write;

pub use protocol::*;

use crate::schema::{MetaData, Schema};

/// Hands the target schema to `cargo alembic` and returns; accepts a [`MetaData`] or
/// an `Option<MetaData>`. With `None` (the template's placeholder) or an invalid
/// declaration it prints `error: …` on stderr and exits with status 1.
pub fn run(target: impl Into<Option<MetaData>>) {
    // Asked to run a command, this program says which code steps it lacks.
    run_with_code_steps(target, crate::code_steps::CodeSteps::new())
}

fn hand_over(target: Option<MetaData>) {
    let Some(metadata) = target else { fail(NO_TARGET_MESSAGE) };
    match metadata.to_schema() {
        Ok(schema) => run_with(schema),
        Err(err) => fail(&format!("target_metadata in migrations/env.rs is invalid: {err}")),
    }
}

/// [`run`], registering the functions of the history's code steps: `cargo alembic
/// upgrade`/`downgrade` run a plan with code steps in this program (built then with
/// this library's `cli` feature and the database's driver), with these functions.
///
/// ```no_run
/// # #[cfg(feature = "sqlite")] {
/// use alembic::code_steps::{CodeSteps, StepContext, StepResult};
/// # fn split_full_name(_: &alembic::rusqlite::Connection, _: &StepContext<'_>) -> StepResult { Ok(()) }
/// fn main() {
///     let steps = CodeSteps::new().sqlite("split_full_name", split_full_name);
///     alembic::env::run_with_code_steps(None, steps);
/// }
/// # }
/// ```
pub fn run_with_code_steps(target: impl Into<Option<MetaData>>, steps: crate::code_steps::CodeSteps) {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    if args.next().is_some_and(|a| a == RUN_COMMAND_FLAG) {
        run_command(program, args.collect(), steps);
    }
    hand_over(target.into())
}

#[cfg(feature = "cli")]
fn run_command(
    program: std::ffi::OsString,
    args: Vec<std::ffi::OsString>,
    steps: crate::code_steps::CodeSteps,
) -> ! {
    // The process ends with the command: the registry lives as long.
    let steps: &'static crate::code_steps::CodeSteps = Box::leak(Box::new(steps));
    std::process::exit(crate::cli::main_with_code_steps(std::iter::once(program).chain(args), Some(steps)))
}

#[cfg(not(feature = "cli"))]
fn run_command(_: std::ffi::OsString, _: Vec<std::ffi::OsString>, _: crate::code_steps::CodeSteps) -> ! {
    fail(
        "this env program was built without alembic's `cli` feature, which running a command needs (cargo alembic turns it on: run the command through `cargo alembic`)",
    )
}

/// Hands an already built [`Schema`] to `cargo alembic` (for applications that make
/// one some other way); exits with status 1 if stdout cannot be written.
pub fn run_with(schema: Schema) {
    let text = encode(&schema);
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        drop(stdout);
        fail(&format!("writing the target schema to stdout: {err}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
