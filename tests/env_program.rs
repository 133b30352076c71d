//! The env program end to end: `init` registers `migrations/env.rs`, and `cargo alembic`
//! builds and runs it to get the target schema (the hidden `target-schema` command),
//! with clear errors when it provides none, does not compile or panics, and stopped
//! (with its process) when it outlives `env_timeout`, prints an over-limit schema, or
//! `cargo alembic` gets SIGTERM.
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
            "[package]\nname = \"{}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nalembic-migrate = {{ path = {:?}, default-features = false }}\n\n\
             # Not part of any enclosing workspace.\n[workspace]\n",
            common::test_package_name("app"),
            workspace().display().to_string()
        );
        std::fs::write(p.path().join("Cargo.toml"), manifest).expect("write Cargo.toml");
        // The workspace's lock file pins the versions already built, and spares a
        // resolution against the registry.
        std::fs::copy(workspace().join("Cargo.lock"), p.path().join("Cargo.lock")).expect("copy Cargo.lock");
        let out = p.ok(&["init", "migrations"]);
        assert!(out.contains("Registering migrations/env.rs as example `alembic_env`"), "{out}");
        assert!(!out.contains("Adding `alembic-migrate"), "the package depends on it already: {out}");
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
fn sqlalchemy_names_are_read_and_unknown_types_named() {
    let p = package();
    write_env(
        &p,
        "use alembic::schema::metadata::{MetaData, SqlType};\nfn main() {\n    let mut md = MetaData::new();\n    \
         md.table(\"notes\", |t| {\n        t.column(\"id\", SqlType::Integer).primary_key();\n        \
         t.column(\"title\", SqlType::Other(\"String(80)\".into()));\n        \
         t.column(\"at\", \"DateTime(timezone=True)\".parse().unwrap());\n        \
         t.column(\"body\", SqlType::Other(\"strng\".into()));\n    });\n    alembic::env::run(md);\n}\n",
    );
    let out = target_schema(&p, &["-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr,
        "warning: migrations/env.rs: unknown type `strng` for notes.body; it is passed to the database as written\n"
    );
    // Without -q, the schema is printed (cargo's progress lines join the warning).
    let out = target_schema(&p, &[]);
    assert!(out.status.success());
    let warning = "warning: migrations/env.rs: unknown type `strng` for notes.body";
    assert_eq!(String::from_utf8_lossy(&out.stderr).matches(warning).count(), 1);
    let schema: Schema = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<String> =
        schema.table(None, "notes").unwrap().columns.iter().map(|c| c.ty.to_string()).collect();
    assert_eq!(types, ["integer", "varchar(80)", "timestamptz", "strng"]);
    let out = target_schema(&p, &["-q", "--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: migrations/env.rs: unknown type `strng` for notes.body (an error with --strict"
        ),
        "{stderr}"
    );
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
fn init_adds_the_dependency_and_a_package_without_it_is_told_what_to_add() {
    // No build happens: the check reads `cargo metadata`.
    let p = Project::empty();
    let out = p.ok(&["init", "migrations"]);
    assert!(out.contains("Adding `alembic-migrate = { path = "), "{out}");
    let manifest = p.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("[dev-dependencies]\nalembic-migrate = { path = "), "{text}");
    assert!(text.contains("default-features = false"), "{text}");
    // Without it, the error gives the line to add.
    let dependency = text.lines().find(|l| l.starts_with("alembic-migrate =")).unwrap().to_string();
    std::fs::write(&manifest, text.replace(&dependency, "")).unwrap();
    let stderr = p.fails(&["target-schema"]);
    assert!(stderr.contains(&format!("add `{dependency}`")), "{stderr}");
    // crates.io's `alembic` is another crate: named as such, with the right line.
    std::fs::write(&manifest, text.replace(&dependency, "alembic = \"0.1.0\"")).unwrap();
    let stderr = p.fails(&["target-schema"]);
    assert!(stderr.contains("the crate `alembic` from crates.io, which is an unrelated library"), "{stderr}");
    assert!(stderr.contains(&format!("replace it with `{dependency}`")), "{stderr}");
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

/// An env program that writes its pid to the file `-x pidfile=…` names, then sleeps
/// for minutes.
const SLEEPER: &str = "fn main() {\n    \
    let pidfile = alembic::env::x_args().get(\"pidfile\").cloned().expect(\"-x pidfile=\");\n    \
    std::fs::write(format!(\"{pidfile}.tmp\"), std::process::id().to_string()).unwrap();\n    \
    std::fs::rename(format!(\"{pidfile}.tmp\"), &pidfile).unwrap();\n    \
    std::thread::sleep(std::time::Duration::from_secs(600));\n    \
    alembic::env::run(None);\n}\n";

/// Far beyond a build of env.rs alone and any wait here: reaching it means a hang.
const HANG: std::time::Duration = std::time::Duration::from_secs(300);

/// The `cargo-alembic` binary next to the test executable, for spawning.
fn cargo_alembic() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    dir.join(format!("cargo-alembic{}", std::env::consts::EXE_SUFFIX))
}

/// Whether process `pid` exists (a zombie counts as gone: it runs nothing).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// Waits (up to [`HANG`]) for the env program to write its pid.
fn wait_for_pid(pidfile: &Path, cli: &mut std::process::Child) -> u32 {
    let deadline = std::time::Instant::now() + HANG;
    loop {
        if let Some(pid) = std::fs::read_to_string(pidfile).ok().and_then(|t| t.trim().parse().ok()) {
            return pid;
        }
        if let Some(status) = cli.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(cli.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("cargo alembic ended ({status}) before the env program started:\n{stderr}");
        }
        assert!(std::time::Instant::now() < deadline, "the env program never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn an_env_program_over_its_time_limit_is_stopped_and_named() {
    let p = package();
    write_env(&p, SLEEPER);
    // A configuration of its own, beside the shared package's alembic.toml.
    let config = std::fs::read_to_string(p.path().join("alembic.toml")).unwrap();
    assert!(config.contains("env_timeout = 300"), "{config}");
    let limited = p.path().join("alembic-limit.toml");
    std::fs::write(&limited, config.replace("env_timeout = 300", "env_timeout = 2")).unwrap();
    let pidfile = p.path().join("env-limit.pid");
    let _ = std::fs::remove_file(&pidfile);
    let pidarg = format!("pidfile={}", pidfile.display());
    let out = p
        .cmd(&["target-schema", "-q", "-c", "alembic-limit.toml", "-x", &pidarg])
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .timeout(HANG)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    common::assert_error_shape(&stderr);
    assert_eq!(
        stderr,
        format!(
            "error: migrations/env.rs did not finish within 2 s and was stopped (raise `env_timeout` under \
             [autogenerate] in {}, or set it to 0 for no limit)\n",
            limited.display()
        )
    );
    let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(!alive(pid), "the env program {pid} still runs");
}

#[test]
fn sigterm_stops_cargo_alembic_and_its_env_program() {
    let p = package();
    write_env(&p, SLEEPER);
    let pidfile = p.path().join("env-term.pid");
    let _ = std::fs::remove_file(&pidfile);
    let pidarg = format!("pidfile={}", pidfile.display());
    let mut cli = std::process::Command::new(cargo_alembic())
        .current_dir(p.path())
        .args(["alembic", "target-schema", "-q", "-x", &pidarg])
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = wait_for_pid(&pidfile, &mut cli);
    assert!(alive(pid));
    let killed = std::process::Command::new("kill").args(["-TERM", &cli.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + HANG;
    let status = loop {
        if let Some(status) = cli.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = cli.kill();
            panic!("cargo alembic did not stop after SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(cli.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert_eq!(stderr, "error: interrupted\n");
    // Killed and reaped before cargo alembic exited.
    assert!(!alive(pid), "the env program {pid} outlived cargo alembic");
}

#[test]
fn an_env_program_printing_a_huge_schema_is_stopped_at_the_limit() {
    let p = package();
    write_env(
        &p,
        "use std::io::Write;\nfn main() {\n    \
         let mut out = std::io::stdout().lock();\n    \
         writeln!(out, \"{}\", alembic::env::BEGIN_MARKER).unwrap();\n    \
         let chunk = vec![b'x'; 1 << 20];\n    \
         for _ in 0..300 {\n        if out.write_all(&chunk).is_err() { std::process::exit(3); }\n    }\n    \
         writeln!(out, \"\\n{}\", alembic::env::END_MARKER).unwrap();\n}\n",
    );
    let out = p
        .cmd(&["target-schema", "-q"])
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .timeout(HANG)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: migrations/env.rs: its target schema is larger than 256 MiB, the most cargo alembic reads\n"
    );
}
