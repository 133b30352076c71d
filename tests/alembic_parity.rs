//! Side by side with Python Alembic: a history with branches, labels, dependencies and
//! merges is built with our CLI, the same ids are written as Python Alembic stub
//! scripts, and `heads`, `branches`, `history` and `show` must print the same text
//! (only the `Path:` lines differ, since the files do).
//!
//! Python Alembic comes from `target/alembic-venv` (made by `cargo xtask test`) or
//! `ALEMBIC_TEST_PYTHON`. Without Python the test says so and passes, except under
//! `CI=true`, where a missing Python Alembic is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Project;

fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("ALEMBIC_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/alembic-venv/bin/python"));
    let works =
        Command::new(&candidate).args(["-c", "import alembic"]).output().is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "Python Alembic not found at {} under CI; `cargo xtask test` sets it up",
        candidate.display()
    );
    eprintln!("skipping: Python Alembic not found at {}; run `cargo xtask test`", candidate.display());
    None
}

/// Builds the history with our CLI.
fn build_history(p: &Project) {
    let steps: &[&[&str]] = &[
        &["revision", "-m", "create users", "--rev-id", "a1b2c3"],
        &["revision", "-m", "add email to users", "--rev-id", "b2c3d4"],
        &["revision", "-m", "add phone", "--rev-id", "c3d4e5"],
        &["revision", "-m", "index email", "--head", "b2c3d4", "--splice", "--rev-id", "d4e5f6"],
        &["merge", "heads", "-m", "merge phone and index", "--rev-id", "e5f6a7"],
        &[
            "revision",
            "-m",
            "billing base",
            "--head",
            "base",
            "--branch-label",
            "billing",
            "--rev-id",
            "f6a7b8",
        ],
        &[
            "revision",
            "-m",
            "invoices",
            "--head",
            "billing@head",
            "--depends-on",
            "b2c3",
            "--rev-id",
            "a7b8c9",
        ],
        &["revision", "-m", "after the merge", "--head", "e5f6a7", "--rev-id", "b8c9d0"],
        &[
            "revision",
            "-m",
            "audit branch",
            "--head",
            "b8c9d0",
            "--branch-label",
            "audit",
            "--rev-id",
            "c9d0e1",
        ],
        &[
            "revision",
            "-m",
            "audit 2",
            "--head",
            "audit@head",
            "--depends-on",
            "billing",
            "--rev-id",
            "d0e1f2",
        ],
        &["revision", "-m", "main after audit split", "--head", "b8c9d0", "--splice", "--rev-id", "e1f2a3"],
    ];
    for step in steps {
        p.ok(step);
    }
}

/// Writes each of our revision files as a Python Alembic stub with the same ids, edges
/// and docstring, under the same file name so that both tools load them in the same order.
fn write_python_twin(p: &Project, dir: &Path) {
    let versions = dir.join("pyalembic/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(dir.join("alembic.ini"), "[alembic]\nscript_location = pyalembic\n").unwrap();
    std::fs::write(dir.join("pyalembic/env.py"), "").unwrap();
    std::fs::write(dir.join("pyalembic/script.py.mako"), "").unwrap();
    for entry in std::fs::read_dir(p.versions()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Vec<&str> = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.strip_prefix("# ").or_else(|| l.strip_prefix('#')).unwrap_or(l))
            .collect();
        let value: toml::Table = toml::from_str(&text).unwrap();
        let list = |key: &str| -> Vec<String> {
            match value.get(key) {
                Some(toml::Value::String(s)) if s.is_empty() => vec![],
                Some(toml::Value::String(s)) => vec![s.clone()],
                Some(toml::Value::Array(a)) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                _ => vec![],
            }
        };
        let py = |items: Vec<String>| match items.as_slice() {
            [] => "None".to_string(),
            [one] => format!("'{one}'"),
            many => format!("({},)", many.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ")),
        };
        let script = format!(
            "\"\"\"{doc}\n\"\"\"\nrevision = '{rev}'\ndown_revision = {down}\nbranch_labels = {labels}\ndepends_on = {deps}\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
            doc = doc.join("\n"),
            rev = value["revision"].as_str().unwrap(),
            down = py(list("down_revision")),
            labels = py(list("branch_labels")),
            deps = py(list("depends_on")),
        );
        let stem = path.file_stem().unwrap().to_str().unwrap();
        std::fs::write(versions.join(format!("{stem}.py")), script).unwrap();
    }
}

/// Masks `Path:` lines, and sorts what Alembic lists in Python set order (which varies
/// from run to run): the children of a branch point.
fn normalize(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("Path: ") {
                "Path: <path>".to_string()
            } else if let Some(children) = l.strip_prefix("Branches into: ") {
                let mut ids: Vec<&str> = children.split(", ").collect();
                ids.sort();
                format!("Branches into: {}", ids.join(", "))
            } else {
                l.to_string()
            }
        })
        .collect();
    // `branches`: runs of "   -> child" lines.
    let mut i = 0;
    while i < lines.len() {
        let is_child = |l: &String| l.trim_start().starts_with("-> ");
        if is_child(&lines[i]) {
            let start = i;
            while i < lines.len() && is_child(&lines[i]) {
                i += 1;
            }
            lines[start..i].sort();
        } else {
            i += 1;
        }
    }
    lines.join("\n").trim_end().to_string()
}

#[test]
fn heads_branches_history_and_show_print_what_python_alembic_prints() {
    let Some(python) = python() else { return };
    let p = Project::init();
    build_history(&p);
    let py_dir = tempfile::tempdir().unwrap();
    write_python_twin(&p, py_dir.path());

    let commands: &[&[&str]] = &[
        &["heads"],
        &["heads", "-v"],
        &["heads", "--resolve-dependencies"],
        &["branches"],
        &["branches", "-v"],
        &["history"],
        &["history", "-v"],
        &["history", "-r", "b2c3d4:b8c9d0"],
        &["history", "-r", ":d4e5f6"],
        &["history", "-r", "billing@base:"],
        &["show", "e5f6a7"],
        &["show", "heads"],
        &["show", "billing@head"],
        &["show", "b2c3"],
        &["show", "base"],
        &["show", "audit@-1"],
        &["show", "b8c9d0+1"],
        &["show", "zzzz"],
        &["show", "a"],
        &["history", "-r", "c3d4e5:a7b8c9"],
        &["history", "-r", "a1b2c3:heads"],
        &["history", "-r", "billing@head:audit@head"],
    ];
    let mut mismatches = Vec::new();
    for args in commands {
        let ours = p.run(args);
        let out = Command::new(&python)
            .args(["-m", "alembic"])
            .args(*args)
            .current_dir(py_dir.path())
            .output()
            .expect("run python alembic");
        let (ours_ok, theirs_ok) = (ours.status.success(), out.status.success());
        let (ours_text, theirs_text) = if ours_ok && theirs_ok {
            (
                String::from_utf8_lossy(&ours.stdout).into_owned(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            )
        } else {
            // Both must fail, with the same message (Alembic: `FAILED: …`, ours: `error: …`).
            let ours_err = String::from_utf8_lossy(&ours.stderr);
            let theirs_err = String::from_utf8_lossy(&out.stderr);
            (
                // Our first line is Alembic's text; context lines may follow it.
                format!(
                    "ok={ours_ok} {}",
                    ours_err.lines().next().unwrap_or("").strip_prefix("error: ").unwrap_or(&ours_err)
                ),
                {
                    // Alembic prints `FAILED: …` on stderr or, for some commands, stdout.
                    let all = format!("{theirs_err}{}", String::from_utf8_lossy(&out.stdout));
                    let failed = all.lines().find_map(|l| l.strip_prefix("FAILED: ")).map(str::to_string);
                    format!("ok={theirs_ok} {}", failed.unwrap_or(all))
                },
            )
        };
        if normalize(&ours_text) != normalize(&theirs_text) {
            mismatches.push(format!(
                "`{}` differs\n--- ours\n{}\n--- python alembic\n{}",
                args.join(" "),
                normalize(&ours_text),
                normalize(&theirs_text)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}
