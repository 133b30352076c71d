//! `init`, `list-templates`, and finding `alembic.toml` for a package.

mod common;

use common::Project;

#[test]
fn init_scaffolds_the_generic_template() {
    let p = Project::empty();
    let out = p.ok(&["init", "migrations"]);
    for file in ["migrations/env.rs", "migrations/script.toml.j2", "migrations/README", "alembic.toml"] {
        assert!(p.path().join(file).is_file(), "{file} missing; output:\n{out}");
        assert!(out.contains(&format!("Generating {}", p.path().join(file).display())), "{out}");
    }
    assert!(p.versions().is_dir());
    let config = std::fs::read_to_string(p.path().join("alembic.toml")).unwrap();
    assert!(config.contains("script_location = \"migrations\""), "{config}");
    assert!(config.contains("version_locations = [\"migrations/versions\"]"), "{config}");
    let env = std::fs::read_to_string(p.path().join("migrations/env.rs")).unwrap();
    assert!(env.contains("Set your MetaData here"), "{env}");
    // The fresh project is usable at once: an empty history has no heads.
    assert_eq!(p.ok(&["heads"]), "");
}

#[test]
fn init_refuses_a_non_empty_folder_and_keeps_an_existing_config() {
    let p = Project::empty();
    std::fs::create_dir(p.path().join("migrations")).unwrap();
    std::fs::write(p.path().join("migrations/keep.txt"), "mine").unwrap();
    let err = p.fails(&["init", "migrations"]);
    assert!(err.contains("directory migrations already exists and is not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("migrations/keep.txt")).unwrap(), "mine");
    assert!(!p.path().join("alembic.toml").exists());

    std::fs::write(p.path().join("alembic.toml"), "script_location = \"db\"\n").unwrap();
    let out = p.ok(&["init", "db"]);
    assert!(out.contains("already exists; left as it is"), "{out}");
    assert_eq!(std::fs::read_to_string(p.path().join("alembic.toml")).unwrap(), "script_location = \"db\"\n");
    assert!(p.path().join("db/versions").is_dir());
}

#[test]
fn init_into_an_existing_empty_folder_is_fine() {
    let p = Project::empty();
    std::fs::create_dir(p.path().join("migrations")).unwrap();
    p.ok(&["init", "migrations"]);
    assert!(p.path().join("migrations/env.rs").is_file());
}

#[test]
fn list_templates_and_unknown_template() {
    let p = Project::empty();
    let out = p.ok(&["list-templates"]);
    assert!(out.contains("generic - ") && out.contains("multidb - "), "{out}");
    let err = p.fails(&["init", "-t", "nope", "migrations"]);
    assert!(err.contains("no such template 'nope' (available: generic, multidb)"), "{err}");
}

#[test]
fn multidb_template_and_name_option() {
    let p = Project::empty();
    p.ok(&["init", "-t", "multidb", "migrations"]);
    p.ok(&["-n", "primary", "revision", "-m", "users", "--rev-id", "p1"]);
    p.ok(&["-n", "analytics", "revision", "-m", "events", "--rev-id", "a1"]);
    assert!(p.path().join("migrations/primary/p1_users.toml").is_file());
    assert!(p.path().join("migrations/analytics/a1_events.toml").is_file());
    assert_eq!(p.ok(&["-n", "primary", "heads"]), "p1 (head)\n");
    assert_eq!(p.ok(&["-n", "analytics", "heads"]), "a1 (head)\n");
    let err = p.fails(&["-n", "billing", "heads"]);
    assert!(
        err.contains("no section [databases.billing]") && err.contains("known: analytics, primary"),
        "{err}"
    );
}

#[test]
fn config_is_found_from_subfolders_and_by_manifest_path() {
    let p = Project::init();
    p.ok(&["revision", "-m", "one", "--rev-id", "r1"]);
    let sub = p.path().join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    let mut cmd = p.cmd(&["heads"]);
    cmd.current_dir(&sub);
    cmd.assert().success().stdout("r1 (head)\n");

    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = p.path().join("Cargo.toml");
    let mut cmd = p.cmd(&["--manifest-path", manifest.to_str().unwrap(), "heads"]);
    cmd.current_dir(elsewhere.path());
    cmd.assert().success().stdout("r1 (head)\n");

    let config = p.path().join("alembic.toml");
    let mut cmd = p.cmd(&["-c", config.to_str().unwrap(), "heads"]);
    cmd.current_dir(elsewhere.path());
    cmd.assert().success().stdout("r1 (head)\n");
}

#[test]
fn missing_config_says_what_to_do() {
    let p = Project::empty();
    let err = p.fails(&["heads"]);
    assert!(
        err.contains("no alembic.toml next to") && err.contains("cargo alembic init migrations"),
        "{err}"
    );
    let err = p.fails(&["-c", "nope.toml", "heads"]);
    assert!(err.contains("config file nope.toml does not exist"), "{err}");
}

#[test]
fn bad_config_names_file_line_and_key() {
    let p = Project::init();
    std::fs::write(
        p.path().join("alembic.toml"),
        "script_location = \"migrations\"\nversion_tabel = \"x\"\n",
    )
    .unwrap();
    let err = p.fails(&["heads"]);
    assert!(err.contains("alembic.toml:2: unknown field `version_tabel`"), "{err}");
    std::fs::write(p.path().join("alembic.toml"), "url = \"${NOT_SET_ANYWHERE_42}\"\n").unwrap();
    let err = p.fails(&["heads"]);
    assert!(
        err.contains("alembic.toml:1: `url`: environment variable NOT_SET_ANYWHERE_42 is not set"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let p = Project::empty();
    let out = p.run(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let out = p.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("revision"));
}

/// The options listed in a section of `help` (between `heading` and the next
/// heading), each by its first name (`-c` for `-c, --config`).
fn options_under<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = help.lines().skip_while(|l| *l != heading);
    lines.next();
    lines
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        // Option lines are indented 2 or 6 columns; descriptions further.
        .filter(|l| l.trim_start().starts_with('-') && l.len() - l.trim_start().len() <= 6)
        .filter_map(|l| l.split([' ', ',']).find(|w| w.starts_with('-')))
        .collect()
}

/// The options every command takes, as `-c`/`--config` etc. first show them.
const GLOBAL: &[&str] = &["-c", "--manifest-path", "-n", "-x", "--url", "-q", "--strict", "--color"];

#[test]
fn subcommand_help_lists_its_own_options_before_the_global_ones() {
    let p = Project::empty();
    for flag in ["--help", "-h"] {
        let out = p.run(&["upgrade", flag]);
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8(out.stdout).unwrap();
        let own = help.find("\nOptions:\n").unwrap_or_else(|| panic!("no Options heading:\n{help}"));
        let global = help.find("\nGlobal options:\n").unwrap_or_else(|| panic!("no Global options:\n{help}"));
        assert!(own < global, "the command's options come first:\n{help}");
        let own_options = options_under(&help, "Options:");
        for option in ["--sql", "--tag", "--dialect"] {
            assert!(own_options.contains(&option), "{option} under Options ({own_options:?}):\n{help}");
        }
        let global_options = options_under(&help, "Global options:");
        assert_eq!(global_options, GLOBAL, "`upgrade {flag}`:\n{help}");
        for option in GLOBAL {
            assert!(!own_options.contains(option), "{option} is a global option:\n{help}");
        }
    }
    // Every command: the global options under their own heading, nothing else there.
    for command in [
        "init",
        "list-templates",
        "revision",
        "merge",
        "heads",
        "branches",
        "history",
        "show",
        "edit",
        "upgrade",
        "downgrade",
        "stamp",
        "current",
        "ensure-version",
        "check",
    ] {
        let help = p.ok(&[command, "--help"]);
        assert_eq!(options_under(&help, "Global options:"), GLOBAL, "`{command} --help`:\n{help}");
        assert!(!options_under(&help, "Options:").contains(&"--url"), "`{command} --help`:\n{help}");
    }
}
