//! The env program end to end: `init` registers `migrations/env.rs`, and `cargo alembic`
//! builds and runs it to get the target schema (the hidden `target-schema` command),
//! with clear errors when it provides none, does not compile or panics.
//!
//! These tests compile a real package that depends on this workspace's `alembic` by
//! path. To keep that cheap, every test shares one package (behind a lock) and every
//! run shares one target folder, `target/env-test-target`, so `alembic` and its
//! dependencies are compiled once; each case then rebuilds only `env.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use alembic::schema::Schema;
use common::Project;

/// Defines the items and keeps their source text as `SOURCE`, so the env program and
/// the test declare the schema with the very same code.
macro_rules! with_source {
    ($($item:item)*) => {
        const SOURCE: &str = stringify!($($item)*);
        $($item)*
    };
}

with_source! {
    fn declare(users: &str) -> alembic::schema::MetaData {
        use alembic::schema::metadata::{MetaData, ReferentialAction, SqlType};
        let mut md = MetaData::new();
        md.table(users, |t| {
            t.column("id", SqlType::Integer).primary_key();
            t.column("email", SqlType::Varchar(Some(255))).not_null().unique();
            t.column("created_at", SqlType::TimestampTz).not_null().server_default("CURRENT_TIMESTAMP");
            t.index(format!("ix_{users}_email_lower"), ["lower(email)"]);
            t.comment("people who log in");
        });
        md.table("posts", |t| {
            t.column("id", SqlType::BigInt).primary_key();
            t.column("user_id", SqlType::Integer).not_null().index()
                .references(format!("{users}.id")).on_delete(ReferentialAction::Cascade);
            t.column("title", SqlType::Text).not_null();
            t.check("ck_posts_title", "length(title) > 0");
        });
        md
    }
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target folder shared by every env package of every run.
fn shared_target_dir() -> PathBuf {
    workspace().join("target").join("env-test-target")
}

/// The one package the tests share, after `cargo alembic init migrations`.
fn package() -> MutexGuard<'static, Project> {
    static PACKAGE: OnceLock<Mutex<Project>> = OnceLock::new();
    let mutex = PACKAGE.get_or_init(|| {
        let p = Project::empty();
        let manifest = format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nalembic = {{ path = {:?}, default-features = false }}\n\n\
             # Not part of any enclosing workspace.\n[workspace]\n",
            workspace().display().to_string()
        );
        std::fs::write(p.path().join("Cargo.toml"), manifest).expect("write Cargo.toml");
        // The workspace's lock file pins the versions already built, and spares a
        // resolution against the registry.
        std::fs::copy(workspace().join("Cargo.lock"), p.path().join("Cargo.lock")).expect("copy Cargo.lock");
        let out = p.ok(&["init", "migrations"]);
        assert!(out.contains("Registering migrations/env.rs as example `alembic_env`"), "{out}");
        assert!(!out.contains("does not depend on alembic"), "{out}");
        let cargo_toml = std::fs::read_to_string(p.path().join("Cargo.toml")).unwrap();
        assert!(cargo_toml.contains("[[example]]\nname = \"alembic_env\"\npath = \"migrations/env.rs\""));
        assert!(cargo_toml.contains("# Not part of any enclosing workspace."), "comments are kept");
        Mutex::new(p)
    });
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write_env(p: &Project, text: &str) {
    std::fs::write(p.path().join("migrations/env.rs"), text).expect("write env.rs");
}

/// `cargo alembic target-schema <extra>` with the shared target folder.
fn target_schema(p: &Project, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["target-schema"];
    args.extend_from_slice(extra);
    p.cmd(&args).env("CARGO_TARGET_DIR", shared_target_dir()).output().expect("run cargo-alembic")
}

fn failure(p: &Project) -> String {
    // -q: only the error, without cargo's progress lines.
    let out = target_schema(p, &["-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.matches("error: ").count(), 1, "one error line:\n{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    stderr
}

#[test]
fn target_schema_is_what_env_rs_declares() {
    let p = package();
    let env = format!(
        "{SOURCE}\n\nfn main() {{\n    println!(\"stray output that is not the schema\");\n    \
         let users = alembic::env::x_args().get(\"users\").cloned().unwrap_or_else(|| \"users\".into());\n    \
         alembic::env::run(declare(&users));\n}}\n"
    );
    write_env(&p, &env);
    let out = target_schema(&p, &["-x", "users=accounts"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let schema: Schema = serde_json::from_slice(&out.stdout).expect("the command prints the schema as JSON");
    assert_eq!(schema, declare("accounts").to_schema().unwrap());
    assert!(schema.table(None, "accounts").is_some(), "-x reached the env program");
}

#[test]
fn the_template_placeholder_asks_for_target_metadata() {
    let p = package();
    write_env(&p, &std::fs::read_to_string(workspace().join("templates/generic/env.rs")).unwrap());
    let stderr = failure(&p);
    assert!(stderr.contains("set target_metadata in migrations/env.rs"), "{stderr}");
}

#[test]
fn an_invalid_declaration_is_reported() {
    let p = package();
    write_env(
        &p,
        "use alembic::schema::metadata::{MetaData, SqlType};\nfn main() {\n    let mut md = MetaData::new();\n    \
         md.table(\"posts\", |t| { t.column(\"user_id\", SqlType::Integer).references(\"users.id\"); });\n    \
         alembic::env::run(md);\n}\n",
    );
    let stderr = failure(&p);
    assert!(stderr.contains("target_metadata in migrations/env.rs is invalid"), "{stderr}");
    assert!(stderr.contains("references table users, which is not declared"), "{stderr}");
}

#[test]
fn compiler_errors_are_shown() {
    let p = package();
    write_env(&p, "fn main() {\n    let n: u32 = \"not a number\";\n    alembic::env::run(None);\n}\n");
    let stderr = failure(&p);
    assert!(stderr.starts_with("error: migrations/env.rs does not compile:"), "{stderr}");
    assert!(stderr.contains("mismatched types") && stderr.contains("migrations/env.rs:2"), "{stderr}");
    assert!(!stderr.contains("could not compile"), "cargo's own summary is left out:\n{stderr}");
}

#[test]
fn a_panic_shows_its_message() {
    let p = package();
    write_env(&p, "fn main() {\n    panic!(\"no schema today\");\n}\n");
    let stderr = failure(&p);
    assert!(stderr.starts_with("error: migrations/env.rs panicked: no schema today"), "{stderr}");
    assert!(stderr.contains("at migrations/env.rs:2:5"), "{stderr}");
}

#[test]
fn a_package_without_the_alembic_dependency_is_told_what_to_add() {
    // No build happens: the check reads `cargo metadata`.
    let p = Project::empty();
    let out = p.ok(&["init", "migrations"]);
    assert!(out.contains("does not depend on alembic"), "{out}");
    let stderr = p.fails(&["target-schema"]);
    assert!(stderr.contains("add `alembic = \""), "{stderr}");
}

/// Issue acceptance: declare with the builder, autogenerate, upgrade, change one
/// column, autogenerate again (exactly one `alter_column`), upgrade, `check` exits 0.
#[test]
fn builder_and_env_program_round_trip_through_autogenerate() {
    let p = package();
    // The package is shared: start from an empty history and database.
    for entry in std::fs::read_dir(p.versions()).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let _ = std::fs::remove_file(p.path().join("app.db"));
    let run = |args: &[&str]| -> String {
        let out = p.cmd(args).env("CARGO_TARGET_DIR", shared_target_dir()).arg("-q").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let env_with = |email_len: u32| {
        format!(
            "{SOURCE}\n\nfn main() {{\n    let mut md = declare(\"users\");\n    \
             md.table(\"profiles\", |t| {{\n        \
             t.column(\"id\", alembic::schema::metadata::SqlType::Integer).primary_key();\n        \
             t.column(\"email\", alembic::schema::metadata::SqlType::Varchar(Some({email_len})));\n    }});\n    \
             alembic::env::run(md);\n}}\n"
        )
    };
    write_env(&p, &env_with(100));
    // -q silences stdout, so check the files rather than the messages.
    run(&["revision", "--autogenerate", "-m", "initial", "--rev-id", "e1"]);
    let first = std::fs::read_to_string(p.versions().join("e1_initial.toml")).unwrap();
    assert_eq!(first.matches("op = \"create_table\"").count(), 3, "{first}");
    run(&["upgrade", "head"]);
    let out = p.cmd(&["check"]).env("CARGO_TARGET_DIR", shared_target_dir()).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "No new upgrade operations detected.\n");

    write_env(&p, &env_with(320));
    run(&["revision", "--autogenerate", "-m", "widen email", "--rev-id", "e2"]);
    let second = std::fs::read_to_string(p.versions().join("e2_widen_email.toml")).unwrap();
    let upgrade = &second[second.find("[[upgrade]]").unwrap()..second.find("[[downgrade]]").unwrap()];
    assert_eq!(upgrade.matches("[[upgrade]]").count(), 1, "{second}");
    assert!(upgrade.contains("op = \"alter_column\"") && upgrade.contains("varchar(320)"), "{second}");
    run(&["upgrade", "head"]);
    let out = p.cmd(&["check"]).env("CARGO_TARGET_DIR", shared_target_dir()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "No new upgrade operations detected.\n");
}
