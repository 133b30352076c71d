//! A self-migrating application whose history has code steps:
//! `code-steps URL upgrade|downgrade TARGET` runs the embedded migrations with the
//! functions of `code_steps::code_steps()`.

use std::process::ExitCode;
use std::sync::LazyLock;

use alembic::code_steps::CodeSteps;

static MIGRATIONS: alembic::Migrations = alembic::embedded!();
// `CODE_STEPS_REGISTER=none` builds a binary that forgot its functions (the tests
// check that it refuses to start migrating).
static CODE_STEPS: LazyLock<CodeSteps> = LazyLock::new(|| match std::env::var("CODE_STEPS_REGISTER") {
    Ok(v) if v == "none" => CodeSteps::new(),
    _ => code_steps::code_steps(),
});

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, command, target] = args.as_slice() else {
        eprintln!("usage: code-steps URL upgrade|downgrade TARGET");
        return ExitCode::from(2);
    };
    let migrations = MIGRATIONS.with_code_steps(&CODE_STEPS);
    let result = alembic::embed::connect(url).and_then(|mut db| match command.as_str() {
        "upgrade" => migrations.upgrade(&mut db, target),
        _ => migrations.downgrade(&mut db, target),
    });
    match result {
        Ok(report) => {
            for step in report.steps {
                println!("Running {step}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
