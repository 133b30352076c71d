//! The env program: `cargo alembic upgrade`/`downgrade` run a plan with code steps
//! here, with the functions the application registers (no target schema: this
//! example does not autogenerate).

fn main() {
    alembic::env::run_with_code_steps(None, code_steps::code_steps());
}
