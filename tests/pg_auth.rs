//! PostgreSQL passwords as libpq finds them, against a server that asks for one (see
//! `password_server`): the URL, then `PGPASSWORD`, then the password file (`PGPASSFILE`,
//! else `~/.pgpass`), services, and the errors a user sees when none is given or the one
//! given is wrong. `cargo alembic` runs with `HOME` in a temporary folder and no `PG*`
//! variable of the test's own environment.
//!
//! One test, so that the server is started once whatever runs it (nextest runs each test
//! in a process of its own).

#![cfg(feature = "postgres")]

mod common;
mod password_server;
mod support;

use std::path::Path;

use alembic::runtime::connection::{Backend, BlockingPostgres, block_on};
use alembic::url::DatabaseUrl;
use common::Project;
use password_server::PasswordServer;

/// Bob's password: `:` and `\` must be escaped in a password file.
const BOB_PASSWORD: &str = "b:o\\b-Pw7";
/// The same, as a password file writes it.
const BOB_PASSWORD_ESCAPED: &str = "b\\:o\\\\b-Pw7";
const WRONG_PASSWORD: &str = "wrong-Xr4t";

/// A project with one revision, run as a user with `home` as `$HOME`.
struct User<'a> {
    project: Project,
    home: tempfile::TempDir,
    server: &'a PasswordServer,
}

impl User<'_> {
    fn write_home(&self, name: &str, text: &str, mode: u32) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    }

    fn remove_home(&self, name: &str) {
        let _ = std::fs::remove_file(self.home.path().join(name));
    }

    /// `cargo alembic --url URL ARGS` with `env` set and nothing else of libpq's.
    fn run(&self, url: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = self.project.cmd(&[]);
        cmd.arg("--url").arg(url).args(args).env("HOME", self.home.path());
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGPASSFILE",
            "PGSERVICE",
            "PGSERVICEFILE",
            "PGSSLMODE",
            "PGAPPNAME",
            "PGCONNECT_TIMEOUT",
            "PGOPTIONS",
            "PGSSLROOTCERT",
        ] {
            cmd.env_remove(var);
        }
        // No system service file.
        cmd.env("PGSYSCONFDIR", self.home.path().join("no-sysconfdir"));
        for (var, value) in env {
            cmd.env(var, value);
        }
        cmd.output().expect("run cargo-alembic")
    }

    /// Runs and asserts success; returns stdout.
    fn ok(&self, url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.run(url, args, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{url} {args:?} {env:?} failed:\n{stderr}");
        assert_no_password(&stderr);
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and asserts exit 1; returns stderr (one `error:` line at its end).
    fn fails(&self, url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.run(url, args, env);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{url} {args:?} {env:?} should fail:\n{stderr}");
        assert_eq!(stderr.matches("error: ").count(), 1, "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_no_password(&stderr);
        assert_no_password(&String::from_utf8_lossy(&out.stdout));
        stderr
    }

    fn url(&self, rest: &str) -> String {
        format!("postgresql://{rest}").replace("PORT", &self.server.port.to_string())
    }
}

fn assert_no_password(text: &str) {
    for secret in [BOB_PASSWORD, BOB_PASSWORD_ESCAPED, WRONG_PASSWORD, password_server::SUPERUSER_PASSWORD] {
        assert!(!text.contains(secret), "a password is shown:\n{text}");
    }
}

/// Bob owns database `app` and logs in with [`BOB_PASSWORD`].
fn create_bob(server: &PasswordServer) {
    let DatabaseUrl::Postgres(admin) = DatabaseUrl::parse(&server.admin_url(), Path::new("/")).unwrap()
    else {
        unreachable!()
    };
    let mut db = BlockingPostgres::connect(&admin).expect("connect as the superuser, with its password");
    let literal = BOB_PASSWORD.replace('\'', "''");
    block_on(db.execute(&format!("CREATE ROLE bob LOGIN PASSWORD '{literal}'"))).unwrap();
    block_on(db.execute("CREATE DATABASE app OWNER bob")).unwrap();
}

#[test]
fn passwords_come_from_the_url_pgpassword_and_pgpass_as_in_libpq() {
    let Some(server) = PasswordServer::start() else { return };
    create_bob(&server);
    let user = User { project: Project::init(), home: tempfile::tempdir().unwrap(), server: &server };
    user.project.add("a1", &[], "[[upgrade]]\nop = \"create_table\"\ntable = \"notes\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n");
    let port = server.port;
    let bob = user.url("bob@127.0.0.1:PORT/app");
    let place = format!("127.0.0.1:{port}");

    // No password anywhere: the server's demand, and where one may be given.
    let stderr = user.fails(&bob, &["current"], &[]);
    assert_eq!(
        stderr,
        format!(
            "error: could not connect to PostgreSQL at {place} as user \"bob\": the server asks for a password \
             and none was given (no password in the URL, PGPASSWORD or ~/.pgpass)\n"
        )
    );

    // ~/.pgpass, escapes and all: migrates.
    let line =
        format!("# host:port:database:username:password\n127.0.0.1:{port}:app:bob:{BOB_PASSWORD_ESCAPED}\n");
    user.write_home(".pgpass", &line, 0o600);
    let up = user.ok(&bob, &["upgrade", "head"], &[]);
    assert!(up.contains("Running upgrade  -> a1"), "{up}");
    assert_eq!(user.ok(&bob, &["current"], &[]), "a1 (head)\n");

    // A line for another database or port does not match.
    user.write_home(".pgpass", &format!("127.0.0.1:{port}:other:bob:{BOB_PASSWORD_ESCAPED}\n"), 0o600);
    let stderr = user.fails(&bob, &["current"], &[]);
    assert!(
        stderr.contains(&format!("or ~/.pgpass, which has no line for 127.0.0.1:{port}:app:bob)")),
        "{stderr}"
    );

    // Readable by others: ignored with libpq's warning, and the error says so.
    user.write_home(".pgpass", &line, 0o644);
    let stderr = user.fails(&bob, &["current"], &[]);
    assert!(
        stderr.starts_with(
            "warning: password file \"~/.pgpass\" has group or world access; permissions should be u=rw (0600) or less\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("none was given (no password in the URL, PGPASSWORD or ~/.pgpass, which was ignored"),
        "{stderr}"
    );
    user.remove_home(".pgpass");

    // PGPASSFILE names another file.
    let elsewhere = user.write_home("passwords", &line, 0o600);
    assert_eq!(user.ok(&bob, &["current"], &[("PGPASSFILE", &elsewhere)]), "a1 (head)\n");

    // The URL and PGPASSWORD come first: a wrong one fails with the server's reason,
    // and says where it came from.
    let env = [("PGPASSFILE", elsewhere.as_str()), ("PGPASSWORD", WRONG_PASSWORD)];
    let stderr = user.fails(&bob, &["current"], &env);
    assert_eq!(
        stderr,
        format!(
            "error: could not connect to PostgreSQL at {place} as user \"bob\": password authentication failed for \
             user \"bob\" (the password came from PGPASSWORD)\n"
        )
    );
    let wrong_in_url = user.url(&format!("bob:{WRONG_PASSWORD}@127.0.0.1:PORT/app"));
    let stderr = user.fails(&wrong_in_url, &["current"], &[("PGPASSFILE", &elsewhere)]);
    assert!(
        stderr.contains("password authentication failed for user \"bob\" (the password came from the URL)"),
        "{stderr}"
    );
    let escaped = BOB_PASSWORD.replace('%', "%25").replace('\\', "%5C");
    let right_in_url = user.url(&format!("bob:{escaped}@127.0.0.1:PORT/app"));
    assert_eq!(user.ok(&right_in_url, &["current"], &[("PGPASSWORD", WRONG_PASSWORD)]), "a1 (head)\n");
    let wrong_in_file = user.write_home("wrong", &format!("*:*:*:bob:{WRONG_PASSWORD}\n"), 0o600);
    let stderr = user.fails(&bob, &["current"], &[("PGPASSFILE", &wrong_in_file)]);
    assert!(
        stderr.contains(&format!(
            "password authentication failed for user \"bob\" (the password came from {wrong_in_file} line 1)"
        )),
        "{stderr}"
    );

    // The unix socket in /tmp, reached with no host at all, is `localhost` in ~/.pgpass.
    user.write_home(".pgpass", &format!("localhost:{port}:app:bob:{BOB_PASSWORD_ESCAPED}\n"), 0o600);
    assert_eq!(user.ok(&user.url("bob@:PORT/app"), &["current"], &[]), "a1 (head)\n");
    assert_eq!(
        user.ok(&user.url("bob@/app?host=/tmp"), &["current"], &[("PGPORT", &port.to_string())]),
        "a1 (head)\n"
    );

    // A service (`?service=` or PGSERVICE) gives host, port, user and database; the
    // password comes from ~/.pgpass as before.
    user.write_home(".pgpass", &line, 0o600);
    user.write_home(
        ".pg_service.conf",
        &format!("[notes]\nhost=127.0.0.1\nport={port}\ndbname=app\nuser=bob\n"),
        0o644,
    );
    assert_eq!(user.ok("postgresql://?service=notes", &["current"], &[]), "a1 (head)\n");
    assert_eq!(user.ok("postgresql://", &["current"], &[("PGSERVICE", "notes")]), "a1 (head)\n");
    let stderr = user.fails("postgresql://?service=nope", &["current"], &[]);
    assert!(
        stderr.contains("definition of service \"nope\" not found (looked in ~/.pg_service.conf"),
        "{stderr}"
    );

    // PGHOST, PGPORT, PGUSER and PGDATABASE fill what the URL leaves out.
    let env =
        [("PGHOST", "127.0.0.1"), ("PGPORT", &port.to_string()), ("PGUSER", "bob"), ("PGDATABASE", "app")];
    assert_eq!(user.ok("postgresql://", &["current"], &env), "a1 (head)\n");
}
