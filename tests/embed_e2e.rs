//! End to end: application crates in temporary folders that depend on this workspace by
//! path exactly as the README shows (`alembic` with `embed`, `alembic-build` in
//! build-dependencies, `alembic_build::embed_or_report("migrations")` in build.rs),
//! built with cargo and run.
//!
//! - SQLite: the first run creates the database at head, the second changes nothing, a
//!   new revision file is applied after a plain `cargo build`, a broken one fails the
//!   build with cargo's own `error: app@0.1.0: file:line: …` line and no panic, and the
//!   build passes again once it is fixed.
//! - PostgreSQL, inside `#[tokio::main]`: the same with `upgrade_async`, plus the
//!   blocking path called from inside the runtime. The same application mounts the `db`
//!   subcommand, whose output is compared with `cargo alembic`'s (run through
//!   `alembic::cli::main` in the same binary, reading the files on disk).
//!
//! Every application shares one target folder (`target/embed-e2e`), so `alembic` and its
//! dependencies compile once and are reused across tests and runs.

#![cfg(feature = "sqlite")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");

/// The target folder every application of these tests builds into.
fn shared_target() -> PathBuf {
    Path::new(WORKSPACE).join("target/embed-e2e")
}

/// The build script of the README.
const README_BUILD_RS: &str = "fn main() { alembic_build::embed_or_report(\"migrations\"); }\n";

/// The build script of earlier READMEs, which must keep working.
const UNWRAP_BUILD_RS: &str = "fn main() { alembic_build::embed(\"migrations\").unwrap(); }\n";

/// A temporary application crate.
struct App {
    dir: tempfile::TempDir,
    name: &'static str,
}

impl App {
    /// Writes the crate: Cargo.toml with `features`, build.rs, `main`, and the
    /// workspace's lock file so the versions already built are the ones used.
    fn new(name: &'static str, features: &str, extra_deps: &str, main: &str) -> App {
        let dir = tempfile::Builder::new().prefix("alembic-embed-e2e-").tempdir().expect("temp dir");
        let ws = Path::new(WORKSPACE);
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             # Not part of any enclosing workspace.\n[workspace]\n\n\
             [dependencies]\nalembic-migrate = {{ path = {ws:?}, features = [{features}] }}\n{extra_deps}\n\
             [build-dependencies]\nalembic-build = {{ path = {bs:?} }}\n",
            ws = ws.display().to_string(),
            bs = ws.join("build-support").display().to_string(),
        );
        let app = App { dir, name };
        app.write("Cargo.toml", &manifest);
        app.write("build.rs", README_BUILD_RS);
        app.write("src/main.rs", main);
        std::fs::copy(ws.join("Cargo.lock"), app.path().join("Cargo.lock")).expect("copy Cargo.lock");
        app.write("migrations/versions/a1_users.toml", &create_table("a1", None, "users"));
        app.write("migrations/versions/b2_posts.toml", &create_table("b2", Some("a1"), "posts"));
        app
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// `cargo build` of the application; its output, and the time it took on stderr.
    fn build(&self) -> Output {
        let started = Instant::now();
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--color", "never"])
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", shared_target())
            // The outer `cargo test` describes the alembic package; the inner build must
            // not see that.
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("CARGO_PRIMARY_PACKAGE")
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo build");
        eprintln!(
            "cargo build of {} took {:.1?} (ok: {})",
            self.name,
            started.elapsed(),
            out.status.success()
        );
        out
    }

    fn build_ok(&self) {
        let out = self.build();
        assert!(
            out.status.success(),
            "cargo build of {} failed:\n{}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs the built binary in the crate's folder.
    fn run(&self, args: &[&str]) -> Output {
        let bin =
            shared_target().join("debug").join(format!("{}{}", self.name, std::env::consts::EXE_SUFFIX));
        Command::new(bin)
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .output()
            .expect("run the application")
    }

    /// Runs and asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{} {} failed:\n{}{}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Adds a revision that must be picked up by the next plain `cargo build`.
    fn add_tags_revision(&self) {
        self.write("migrations/versions/c3_tags.toml", &create_table("c3", Some("b2"), "tags"));
    }

    /// Adds a revision file with a TOML syntax error on line 3; the build must fail
    /// naming it. Returns the name the message must contain.
    fn add_broken_revision(&self) -> &'static str {
        self.write(
            "migrations/versions/d4_broken.toml",
            "revision = \"d4\"\ndown_revision = \"c3\"\nmessage = \n",
        );
        "migrations/versions/d4_broken.toml:3"
    }

    /// The build fails with one cargo diagnostic per problem (`embed_or_report`): an
    /// `error: <package>@0.1.0: <needle>: …` line, no panic, no dump of the script's
    /// output.
    fn build_fails_reporting(&self, needle: &str) {
        let out = self.build();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "the build should fail on a broken revision:\n{stderr}");
        let prefix = format!("error: {}@0.1.0: {needle}: ", self.name);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
        assert!(errors.first().is_some_and(|l| l.starts_with(&prefix)), "expected `{prefix}…`:\n{stderr}");
        assert_eq!(errors.len(), 2, "one line for the problem, one from cargo:\n{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("--- stdout"), "{stderr}");
        eprintln!("{} build error: {}", self.name, errors[0]);
    }

    /// The build fails and names the broken file and line.
    fn build_fails_naming(&self, needle: &str) {
        let out = self.build();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "the build should fail on a broken revision:\n{stderr}");
        assert!(stderr.contains(needle), "the build error should name {needle}:\n{stderr}");
        let cited: Vec<&str> = stderr.lines().filter(|l| l.contains(needle)).collect();
        eprintln!("{} build error: {}", self.name, cited.join(" | "));
    }
}

/// A revision creating `table`.
fn create_table(id: &str, down: Option<&str>, table: &str) -> String {
    let down = down.map_or("[]".to_string(), |d| format!("{d:?}"));
    format!(
        "# Create {table}\n\nrevision = {id:?}\ndown_revision = {down}\nmessage = \"create {table}\"\n\n\
         [[upgrade]]\nop = \"create_table\"\ntable = {table:?}\n\
         columns = [{{ name = \"id\", type = \"integer\", primary_key = true }}, {{ name = \"name\", type = \"varchar(50)\" }}]\n\n\
         [[downgrade]]\nop = \"drop_table\"\ntable = {table:?}\n"
    )
}

/// Tables of a SQLite file, sorted.
fn sqlite_tables(path: &Path) -> Vec<String> {
    let conn = alembic::rusqlite::Connection::open(path).expect("open");
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").expect("prepare");
    stmt.query_map([], |row| row.get(0)).expect("query").collect::<Result<_, _>>().expect("rows")
}

const SQLITE_MAIN: &str = r#"static MIGRATIONS: alembic::Migrations = alembic::embedded!();

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: app DB_FILE")?;
    let mut conn = alembic::rusqlite::Connection::open(path)?;
    let report = MIGRATIONS.upgrade(&mut conn, "head")?;
    for step in &report.steps {
        println!("Running {step}");
    }
    println!("steps: {}", report.steps.len());
    println!("heads: {}", report.heads.join(","));
    println!("at head: {}", MIGRATIONS.is_at_head(&mut conn)?);
    println!("current: {}", MIGRATIONS.current(&mut conn)?.join(","));
    Ok(())
}
"#;

#[test]
fn sqlite_app_migrates_itself_and_rebuilds_on_new_revisions() {
    let app = App::new("embed_e2e_sqlite", "\"embed\", \"sqlite\"", "", SQLITE_MAIN);
    app.build_ok();
    let db = app.path().join("app.db");
    let db_arg = db.to_str().expect("utf-8 path");

    // First run: created at head.
    let first = app.ok(&[db_arg]);
    assert!(first.contains("-> a1, Create users") && first.contains("a1 -> b2, Create posts"), "{first}");
    assert!(first.contains("heads: b2\nat head: true\ncurrent: b2"), "{first}");
    assert_eq!(sqlite_tables(&db), ["alembic_version", "posts", "users"]);

    // Second run: nothing to do.
    let second = app.ok(&[db_arg]);
    assert!(second.starts_with("steps: 0\nheads: b2\n"), "{second}");

    // A new revision file: a plain `cargo build` embeds it, the next run applies it.
    app.add_tags_revision();
    app.build_ok();
    let third = app.ok(&[db_arg]);
    assert!(third.contains("Running upgrade b2 -> c3, Create tags\nsteps: 1\nheads: c3"), "{third}");
    assert_eq!(sqlite_tables(&db), ["alembic_version", "posts", "tags", "users"]);

    // A broken one fails the build, naming the file and line; fixed, it builds again.
    let needle = app.add_broken_revision();
    app.build_fails_reporting(needle);
    app.write("migrations/versions/d4_broken.toml", &create_table("d4", Some("c3"), "drafts"));
    app.build_ok();
    let fourth = app.ok(&[db_arg]);
    assert!(fourth.contains("Running upgrade c3 -> d4, Create drafts\nsteps: 1\n"), "{fourth}");
}

const FULL_MAIN: &str = r#"use clap::{Parser, Subcommand};

static MIGRATIONS: alembic::Migrations = alembic::embedded!();

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Migrate the PostgreSQL database at URL as the application starts.
    Start {
        url: String,
        /// Upgrade through the blocking path (inside the runtime) instead of async.
        #[arg(long)]
        blocking: bool,
    },
    /// Database migrations (the mounted subcommand).
    Db(alembic::cli::DbArgs),
    /// `cargo alembic` itself, reading alembic.toml and the files on disk.
    Alembic {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().command {
        Cmd::Db(db) => std::process::exit(db.exec(&MIGRATIONS, None)),
        Cmd::Alembic { args } => {
            std::process::exit(alembic::cli::main(std::iter::once("cargo-alembic".to_string()).chain(args)))
        }
        Cmd::Start { url, blocking } => {
            let pg = match alembic::url::DatabaseUrl::parse(&url, std::path::Path::new("."))? {
                alembic::url::DatabaseUrl::Postgres(pg) => pg,
                other => return Err(format!("not a PostgreSQL URL: {other}").into()),
            };
            let backend = alembic::runtime::connection::connect_postgres(&pg).await?;
            let client = backend.client();
            // The blocking path, from inside this runtime: must not panic.
            let mut db = alembic::embed::connect(&url)?;
            println!("at head before (blocking): {}", MIGRATIONS.is_at_head(&mut db)?);
            let report = if blocking {
                MIGRATIONS.upgrade(&mut db, "head")?
            } else {
                MIGRATIONS.upgrade_async(client, "head").await?
            };
            for step in &report.steps {
                println!("Running {step}");
            }
            println!("steps: {}", report.steps.len());
            println!("at head (async): {}", MIGRATIONS.is_at_head_async(client).await?);
            println!("at head (blocking): {}", MIGRATIONS.is_at_head(&mut db)?);
            println!("current: {}", MIGRATIONS.current_async(client).await?.join(","));
            Ok(())
        }
    }
}
"#;

const FULL_CONFIG: &str = "script_location = \"migrations\"\nurl = \"${DATABASE_URL:-sqlite:///app.db}\"\n\
                           version_table = \"app_versions\"\n";

/// The same subcommand through the mounted `db` and through `cargo alembic`: same exit
/// status and output.
fn same_as_cargo_alembic(app: &App, db_args: &[&str], alembic_args: &[&str]) -> String {
    let mut mounted = vec!["db"];
    mounted.extend_from_slice(db_args);
    let mut plain = vec!["alembic"];
    plain.extend_from_slice(alembic_args);
    let ours = app.run(&mounted);
    let theirs = app.run(&plain);
    let text = |o: &Output| {
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    assert_eq!(
        (ours.status.code(), text(&ours)),
        (theirs.status.code(), text(&theirs)),
        "`{}` differs from `cargo alembic {}`",
        mounted.join(" "),
        alembic_args.join(" ")
    );
    text(&ours).0
}

#[test]
fn full_app_mounts_db_and_migrates_postgres_inside_tokio() {
    let app = App::new(
        "embed_e2e_full",
        "\"embed\", \"postgres\", \"cli\"",
        "clap = { version = \"4.5\", features = [\"derive\"] }\ntokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n",
        FULL_MAIN,
    );
    app.write("alembic.toml", FULL_CONFIG);
    // `embed(…).unwrap()`, the earlier README's form, still builds and still names
    // a broken file (inside cargo's report of the panic).
    app.write("build.rs", UNWRAP_BUILD_RS);
    app.build_ok();

    // The mounted `db` against SQLite files, compared with `cargo alembic` on the files on disk.
    let ours_db = format!("--url=sqlite:///{}", app.path().join("ours.db").display());
    let theirs_db = format!("--url=sqlite:///{}", app.path().join("theirs.db").display());
    let up = same_as_cargo_alembic(&app, &["upgrade", "head", &ours_db], &["upgrade", "head", &theirs_db]);
    assert!(up.contains("a1 -> b2, Create posts"), "{up}");
    assert_eq!(sqlite_tables(&app.path().join("ours.db")), ["app_versions", "posts", "users"]);
    same_as_cargo_alembic(&app, &["current", &ours_db], &["current", &theirs_db]);
    same_as_cargo_alembic(&app, &["history"], &["history"]);
    same_as_cargo_alembic(&app, &["history", "-i", &ours_db], &["history", "-i", &theirs_db]);
    same_as_cargo_alembic(&app, &["heads"], &["heads"]);
    same_as_cargo_alembic(&app, &["downgrade", "-1", &ours_db], &["downgrade", "-1", &theirs_db]);
    same_as_cargo_alembic(&app, &["stamp", &ours_db, "head"], &["stamp", &theirs_db, "head"]);
    same_as_cargo_alembic(
        &app,
        &["upgrade", "head", "--sql", "--dialect", "postgresql"],
        &["upgrade", "head", "--sql", "--dialect", "postgresql"],
    );
    // Errors too: same message, same exit code.
    same_as_cargo_alembic(&app, &["upgrade", "nope", &ours_db], &["upgrade", "nope", &theirs_db]);
    // The mounted command's help: its own options, then the global ones.
    let help = app.ok(&["db", "upgrade", "--help"]);
    let (own, global) = help.split_once("\nGlobal options:\n").unwrap_or_else(|| panic!("{help}"));
    assert!(own.contains("--sql") && !own.contains("--url"), "{help}");
    assert!(global.contains("--url") && global.contains("--quiet") && !global.contains("--sql"), "{help}");
    let no_url = app.run(&["db", "current"]);
    assert_eq!(no_url.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_url.stderr).contains("no database URL"));

    let pg = postgres_flow_start(&app);

    app.add_tags_revision();
    app.build_ok();
    let up = app.ok(&["db", "upgrade", "heads", &ours_db]);
    assert_eq!(up, "Running upgrade b2 -> c3, Create tags\n");
    if let Some((_db, url)) = &pg {
        // Applied through the blocking path, called inside the runtime.
        let third = app.ok(&["start", "--blocking", url]);
        assert!(third.contains("Running upgrade b2 -> c3, Create tags\nsteps: 1\n"), "{third}");
        assert!(third.contains("current: c3"), "{third}");
    }

    let needle = app.add_broken_revision();
    app.build_fails_naming(needle);
}

/// First and second start on a fresh PostgreSQL database; `None` when there is no
/// server (outside CI).
#[cfg(feature = "postgres")]
fn postgres_flow_start(app: &App) -> Option<(support::PgTestDb, String)> {
    let db = support::pg_test_db()?;
    let url = url_with_database(&support::pg_server_url(), &db.name);
    let first = app.ok(&["start", &url]);
    assert!(first.contains("at head before (blocking): false"), "{first}");
    assert!(first.contains("a1 -> b2, Create posts\nsteps: 2\n"), "{first}");
    assert!(first.contains("at head (async): true\nat head (blocking): true\ncurrent: b2"), "{first}");
    let second = app.ok(&["start", &url]);
    assert!(second.contains("at head before (blocking): true\nsteps: 0\n"), "{second}");
    Some((db, url))
}

#[cfg(not(feature = "postgres"))]
fn postgres_flow_start(_app: &App) -> Option<((), String)> {
    eprintln!("skipped: the PostgreSQL part needs the postgres feature of the test build");
    None
}

/// `server` (a PostgreSQL URL) with its database replaced by `name`.
fn url_with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|at| at + 3)
        .and_then(|start| base[start..].find('/').map(|slash| start + slash))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// `examples/selfmigrate`, copied to a temporary folder with its path dependencies made
/// absolute: builds (same features as the full application above, so nothing of
/// `alembic` is compiled again), migrates on start and mounts `db`.
#[test]
fn selfmigrate_example_builds_and_migrates_on_start() {
    let source = Path::new(WORKSPACE).join("examples/selfmigrate");
    let dir = tempfile::Builder::new().prefix("alembic-embed-example-").tempdir().expect("temp dir");
    for rel in ["build.rs", "alembic.toml", "src/main.rs"] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(source.join(rel), to).expect("copy");
    }
    let versions = source.join("migrations/versions");
    std::fs::create_dir_all(dir.path().join("migrations/versions")).expect("mkdir");
    for entry in std::fs::read_dir(&versions).expect("read versions") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, dir.path().join("migrations/versions").join(name)).expect("copy");
    }
    let manifest = std::fs::read_to_string(source.join("Cargo.toml")).expect("read Cargo.toml");
    let manifest = manifest.replace("\"../..\"", &format!("{:?}", WORKSPACE)).replace(
        "\"../../build-support\"",
        &format!("{:?}", Path::new(WORKSPACE).join("build-support").display().to_string()),
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::copy(Path::new(WORKSPACE).join("Cargo.lock"), dir.path().join("Cargo.lock")).expect("copy lock");
    let app = App { dir, name: "selfmigrate" };
    app.build_ok();

    let added = app.run(&["add", "hello", "--tag", "demo"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let migrated = String::from_utf8_lossy(&added.stderr);
    assert_eq!(migrated.matches("migrated: upgrade").count(), 3, "{migrated}");
    assert_eq!(String::from_utf8_lossy(&added.stdout), "note 1 added\n");
    let again = app.run(&["add", "again"]);
    assert!(
        again.stderr.is_empty(),
        "at head, nothing is migrated: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    let list = app.ok(&["list"]);
    assert!(list.contains("hello  (1 tags)") && list.contains("again  (0 tags)"), "{list}");
    let current = app.ok(&["db", "current"]);
    assert_eq!(current, "3c4d5e6f7a8b (head)\n");
    let down = app.ok(&["db", "downgrade", "-1"]);
    assert_eq!(down, "Running downgrade 3c4d5e6f7a8b -> 2b3c4d5e6f7a, Create tags\n");
    assert_eq!(app.ok(&["db", "heads"]), "3c4d5e6f7a8b (head)\n");
}
