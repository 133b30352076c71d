//! Hostile input (issue 9): passwords in URLs, special files and links in the version
//! folders, absurd `file_template` specs, revision ids and file names that would leave
//! the versions folder. Every case is one `error:` line naming what is at fault, exit
//! 1, nothing written, and no secret printed.

mod common;

use std::path::Path;
use std::time::Duration;

use common::Project;

/// Long enough for a debug build on a busy machine; the cases here used to hang,
/// allocate gigabytes or walk exponentially.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Sets top-level `key` of alembic.toml to the TOML value `raw`.
fn set_raw(p: &Project, key: &str, raw: &str) {
    let path = p.path().join("alembic.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("{key} = ");
    let line =
        text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {key} in alembic.toml"));
    let replaced = text.replacen(line, &format!("{key} = {raw}"), 1);
    std::fs::write(path, replaced).unwrap();
}

/// Sets top-level `key` of alembic.toml to the string `value`.
fn set_config(p: &Project, key: &str, value: &str) {
    set_raw(p, key, &toml_string(value));
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Runs with RUST_LOG=trace (so a log line would show too) and a timeout; asserts exit
/// 1 with one error line and returns stderr + stdout.
fn fails_quickly(p: &Project, args: &[&str]) -> String {
    let out = p.cmd(args).env("RUST_LOG", "trace").timeout(TIMEOUT).output().expect("run cargo-alembic");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "cargo alembic {} should exit 1; stderr:\n{stderr}",
        args.join(" ")
    );
    common::assert_error_shape(&stderr);
    format!("{stderr}{}", String::from_utf8_lossy(&out.stdout))
}

fn versions_files(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.versions())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ----- passwords -------------------------------------------------------------------

#[test]
fn a_password_with_a_slash_is_neither_printed_nor_taken_for_the_port() {
    let p = Project::init();
    let url = "postgresql://u:s3cret/x@127.0.0.1:56000/sdb";
    let out = fails_quickly(&p, &["current", "--url", url]);
    assert!(!out.contains("s3cret"), "{out}");
    // The host and port after the last `@` are the ones tried.
    assert!(out.contains("127.0.0.1:56000"), "{out}");
}

#[test]
fn a_bad_percent_escape_in_the_password_quotes_none_of_it() {
    let p = Project::init();
    let out = fails_quickly(&p, &["current", "--url", "postgresql://u:s3%cret@127.0.0.1:56000/sdb"]);
    assert!(out.contains("bad %-escape in the password"), "{out}");
    assert!(!out.contains("s3") && !out.contains("cret"), "{out}");
}

#[test]
fn an_unclosed_variable_in_the_url_shows_it_redacted() {
    let p = Project::init();
    set_config(&p, "url", "postgresql://u:s3cret@127.0.0.1:56000/${NOPE");
    let out = fails_quickly(&p, &["heads"]);
    assert!(out.contains("alembic.toml") && out.contains("`url`") && out.contains("unclosed `${`"), "{out}");
    assert!(out.contains("u:***@127.0.0.1:56000"), "{out}");
    assert!(!out.contains("s3cret"), "{out}");
}

#[test]
fn offline_runs_and_verbose_current_never_print_the_password() {
    let p = Project::init();
    p.add("a1", &[], "");
    let url = "postgresql://u:s3cr?t#x@127.0.0.1:56000/sdb?sslmode=disable";
    let out = p.cmd(&["upgrade", "--sql", "head", "--url", url]).env("RUST_LOG", "trace").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("s3cr"), "{text}");
    let out = fails_quickly(&p, &["current", "--verbose", "--url", url]);
    assert!(!out.contains("s3cr") && out.contains("127.0.0.1:56000"), "{out}");
}

// ----- special files and links ---------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlinked_parent_folders_are_walked_once() {
    let p = Project::init();
    set_raw(&p, "recursive_version_locations", "true");
    p.add("a1", &[], "");
    let sub = p.versions().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("b2_.toml"), common::revision_toml("b2", &["a1"], "")).unwrap();
    // Two links back up: without a visited set, each level doubles the walk.
    std::os::unix::fs::symlink("..", sub.join("up1")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up2")).unwrap();
    std::os::unix::fs::symlink("../..", sub.join("up3")).unwrap();
    let out = p.cmd(&["history"]).timeout(TIMEOUT).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("-> b2").count(), 1, "{stdout}");
    assert_eq!(stdout.matches("-> a1").count(), 1, "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_revision_is_an_error_not_a_hang() {
    let p = Project::init();
    p.add("a1", &[], "");
    let fifo = p.versions().join("x.toml");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let out = fails_quickly(&p, &["heads"]);
    assert!(out.contains("x.toml") && out.contains("not a regular file"), "{out}");
}

#[cfg(unix)]
#[test]
fn a_revision_linked_to_dev_zero_is_an_error_not_an_endless_read() {
    let p = Project::init();
    std::os::unix::fs::symlink("/dev/zero", p.versions().join("z.sql")).unwrap();
    let out = fails_quickly(&p, &["heads"]);
    assert!(out.contains("z.sql") && out.contains("not a regular file"), "{out}");
}

#[test]
fn an_oversized_revision_file_names_its_size_and_the_limit() {
    let p = Project::init();
    let big = p.versions().join("big.toml");
    let size = alembic::script::file::MAX_REVISION_FILE_BYTES + 1;
    // Sparse: no disk space is used.
    std::fs::File::create(&big).unwrap().set_len(size).unwrap();
    let out = fails_quickly(&p, &["heads"]);
    assert!(out.contains("big.toml") && out.contains("too large"), "{out}");
    assert!(out.contains(&size.to_string()), "{out}");
    assert!(out.contains(&alembic::script::file::MAX_REVISION_FILE_BYTES.to_string()), "{out}");
}

// ----- file_template ---------------------------------------------------------------

#[test]
fn absurd_widths_and_precisions_in_file_template_are_refused_quickly() {
    for template in ["%(year).99999999999999999999d", "%(epoch)010000000000d", "%(rev)99999999999999999999s"]
    {
        let p = Project::init();
        set_config(&p, "file_template", template);
        let out = fails_quickly(&p, &["revision", "-m", "x"]);
        assert!(out.contains("file_template") && out.contains(template), "{template}: {out}");
        assert!(out.contains("at most 255"), "{template}: {out}");
        assert!(versions_files(&p).is_empty(), "{template}: wrote {:?}", versions_files(&p));
    }
}

#[test]
fn file_templates_that_leave_the_versions_folder_or_hide_the_file_are_refused() {
    for template in ["../../%(rev)s", "sub/%(rev)s", ".%(rev)s", "#%(rev)s", "%(rev)s\u{1}x"] {
        let p = Project::init();
        set_config(&p, "file_template", template);
        let out = fails_quickly(&p, &["revision", "-m", "x", "--rev-id", "abc123"]);
        assert!(out.contains("file_template"), "{template}: {out}");
        assert!(versions_files(&p).is_empty(), "{template}");
        let outside: Vec<_> =
            walk(p.path()).into_iter().filter(|f| f.to_string_lossy().contains("abc123")).collect();
        assert!(outside.is_empty(), "{template}: wrote {outside:?}");
        assert!(!p.path().parent().unwrap().join("abc123.toml").exists());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

// ----- revision ids ------------------------------------------------------------------

#[test]
fn rev_ids_that_are_paths_or_too_long_are_refused_naming_the_option() {
    let p = Project::init();
    p.add("a1", &[], "");
    let parent = p.path().parent().unwrap().to_path_buf();
    let before: Vec<_> = std::fs::read_dir(&parent).unwrap().map(|e| e.unwrap().file_name()).collect();
    for id in ["../../../evil", "..", "a/b", "a\\b", "x\u{7}y", &"a".repeat(33)] {
        for command in [&["revision", "-m", "evil"][..], &["merge", "heads", "-m", "evil"][..]] {
            let mut args = command.to_vec();
            args.extend(["--rev-id", id]);
            let out = fails_quickly(&p, &args);
            assert!(out.contains("--rev-id"), "{id:?}: {out}");
            assert!(!out.contains('\u{7}'), "control characters are escaped: {out:?}");
        }
    }
    assert_eq!(versions_files(&p), vec!["a1_.toml".to_string()]);
    let after: Vec<_> = std::fs::read_dir(&parent).unwrap().map(|e| e.unwrap().file_name()).collect();
    let new: Vec<_> =
        after.iter().filter(|n| !before.contains(n) && n.to_string_lossy().contains("evil")).collect();
    assert!(new.is_empty(), "wrote outside the project: {new:?}");
    // 32 characters is the most the version table holds, and it is accepted.
    let id32 = "b".repeat(32);
    p.ok(&["revision", "-m", "ok", "--rev-id", &id32]);
}

#[test]
fn over_long_ids_in_files_name_the_file() {
    let p = Project::init();
    let id = "c".repeat(33);
    let path = p.add(&id, &[], "");
    let out = fails_quickly(&p, &["heads"]);
    assert!(out.contains(path.file_name().unwrap().to_str().unwrap()), "{out}");
    assert!(out.contains("at most 32"), "{out}");
}

// ----- smaller defects ---------------------------------------------------------------

#[test]
fn init_files_end_with_a_newline_so_appending_works() {
    let p = Project::init();
    for file in ["alembic.toml", "migrations/README", "migrations/env.rs", "migrations/script.toml.j2"] {
        let text = std::fs::read_to_string(p.path().join(file)).unwrap();
        assert!(text.ends_with('\n'), "{file} has no final newline");
    }
    use std::io::Write;
    let mut config = std::fs::OpenOptions::new().append(true).open(p.path().join("alembic.toml")).unwrap();
    writeln!(config, "[databases.extra]").unwrap();
    writeln!(config, "url = \"sqlite:///extra.db\"").unwrap();
    drop(config);
    p.add("a1", &[], "");
    assert_eq!(p.ok(&["-n", "extra", "heads"]).trim(), "a1 (head)");
}

#[test]
fn repeated_entries_in_list_keys_name_the_file_and_the_entry() {
    for (key, extra) in [
        ("down_revision", ""),
        ("branch_labels", "branch_labels = [\"lbl\", \"lbl\"]"),
        ("depends_on", "depends_on = [\"a1\", \"a1\"]"),
    ] {
        let p = Project::init();
        p.add("a1", &[], "");
        let path =
            if key == "down_revision" { p.add("c3", &["a1", "a1"], "") } else { p.add("c3", &["a1"], extra) };
        let out = fails_quickly(&p, &["heads"]);
        assert!(out.contains(path.file_name().unwrap().to_str().unwrap()), "{key}: {out}");
        assert!(out.contains(&format!("`{key}`")) && out.contains("listed twice"), "{key}: {out}");
        let repeated = if key == "branch_labels" { "\"lbl\"" } else { "\"a1\"" };
        assert!(out.contains(repeated), "{key}: {out}");
    }
}

#[test]
fn a_reversed_upgrade_range_is_an_error_like_its_downgrade_mirror() {
    let p = Project::init();
    p.add("a1", &[], "");
    p.add("b2", &["a1"], "");
    p.add("c3", &["b2"], "");
    let out = p.run(&["upgrade", "--sql", "c3:a1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    common::assert_error_shape(&stderr);
    assert!(stderr.contains("Destination a1 is not a valid upgrade target from current head(s)"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let err = p.fails(&["upgrade", "--sql", "c3:base"]);
    assert!(err.contains("Destination base is not a valid upgrade target"), "{err}");
    let err = p.fails(&["downgrade", "--sql", "a1:c3"]);
    assert!(err.contains("Destination c3 is not a valid downgrade target from current head(s)"), "{err}");
    // Forward ranges, and a start beside the destination on another branch, still work.
    assert!(p.ok(&["upgrade", "--sql", "a1:c3"]).contains("Running upgrade b2 -> c3"));
    p.add("d4", &["a1"], "");
    let sql = p.ok(&["upgrade", "--sql", "c3:d4"]);
    assert!(sql.contains("Running upgrade a1 -> d4"), "{sql}");
}
