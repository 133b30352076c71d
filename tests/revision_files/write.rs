//! Writing revisions: ids, slugs and file names (expected values computed once with
//! Alembic 1.20.1's `_rev_path` rules), the create date, and the rendered template.

use std::path::Path;

use alembic::ops::{AddColumn, Column, DropColumn, Op};
use alembic::schema::types::SqlType;
use alembic::script::RevisionScript;
use alembic::script::write::*;

#[test]
fn new_rev_ids_are_12_lowercase_hex() {
    let a = new_rev_id();
    let b = new_rev_id();
    for id in [&a, &b] {
        assert_eq!(id.len(), 12, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{id}");
    }
    assert_ne!(a, b);
}

#[test]
fn slugs_match_alembic() {
    // (message, slug with truncate_slug_length = 40, slug with 10), from Alembic.
    let cases: &[(&str, &str, &str)] = &[
        ("Add email column to users", "add_email_column_to_users", "add_email_"),
        ("create account table", "create_account_table", "create_"),
        ("", "", ""),
        ("   ", "", ""),
        ("Hello, World!!", "hello_world", "hello_"),
        (&"a".repeat(50), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_", "aaaaaaaaaa_"),
        (
            "add a very long message that goes on and on beyond forty characters",
            "add_a_very_long_message_that_goes_on_",
            "add_a_",
        ),
        ("Crème brûlée für Ärzte", "crème_brûlée_für_ärzte", "crème_"),
        ("日本語のメッセージ", "日本語のメッセージ", "日本語のメッセージ"),
        ("x-y+z @ 12:30", "x_y_z_12_30", "x_y_z_12_"),
        ("__init__ dunder", "__init___dunder", "__init___"),
        ("ΣΊΣΥΦΟΣ", "σίσυφος", "σίσυφος"),
        ("tab\tand\nnewline", "tab_and_newline", "tab_and_"),
        ("exactly forty characters long message!!", "exactly_forty_characters_long_message", "exactly_"),
        ("one two three four five six seven eight", "one_two_three_four_five_six_seven_eight", "one_two_"),
        ("İstanbul", "i\u{307}stanbul", "i\u{307}stanbul"),
    ];
    for (message, slug40, slug10) in cases {
        assert_eq!(slugify(message, 40), *slug40, "{message:?}");
        assert_eq!(slugify(message, 10), *slug10, "{message:?}");
    }
    // 0 means the default of 40, as `truncate_slug_length or 40` in Alembic.
    let long = "abcdefghijklmnopqrstuvwxyz0123456789abcdefgh";
    assert_eq!(slugify(long, 0), "abcdefghijklmnopqrstuvwxyz0123456789abcd_");
    assert_eq!(slugify(long, 40), "abcdefghijklmnopqrstuvwxyz0123456789abcd_");
}

fn tokens() -> FileNameTokens {
    FileNameTokens {
        rev: "3f2a9c1b7d4e".into(),
        slug: "add_email".into(),
        create_date: create_date_at("2026-03-07T04:05:06Z".parse().unwrap(), Some("UTC")).unwrap(),
    }
}

#[test]
fn file_names_match_alembic() {
    // Alembic's default, the two documented templates, and other %-format forms.
    let cases = [
        ("%(rev)s_%(slug)s", "3f2a9c1b7d4e_add_email"),
        (
            "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
            "2026_03_07_0405-3f2a9c1b7d4e_add_email",
        ),
        (
            "%(year)d/%(month).2d/%(day).2d_%(hour).2d%(minute).2d_%(second).2d_%(rev)s_%(slug)s",
            "2026/03/07_0405_06_3f2a9c1b7d4e_add_email",
        ),
        ("%(epoch)s_%(rev)s", "1772856306_3f2a9c1b7d4e"),
        (
            "%(epoch)d_%%_%(month)02d_%(day)3d_%(second)-3d|%(rev).4s|%(slug)10s",
            "1772856306_%_03_  7_6  |3f2a| add_email",
        ),
        (DEFAULT_FILE_TEMPLATE, "3f2a9c1b7d4e_add_email"),
    ];
    for (template, expected) in cases {
        assert_eq!(file_name(template, &tokens()).unwrap(), expected, "{template}");
    }
}

#[test]
fn file_name_tokens_use_the_configured_time_zone() {
    let at: jiff::Timestamp = "2026-03-07T23:30:00Z".parse().unwrap();
    let tokens = FileNameTokens {
        rev: "r".into(),
        slug: "s".into(),
        create_date: create_date_at(at, Some("Asia/Tokyo")).unwrap(),
    };
    assert_eq!(
        file_name("%(year)d-%(month).2d-%(day).2d %(hour).2d:%(minute).2d", &tokens).unwrap(),
        "2026-03-08 08:30"
    );
    assert_eq!(file_name("%(epoch)s", &tokens).unwrap(), at.as_second().to_string());
}

#[test]
fn bad_file_templates_are_config_errors() {
    for (template, fragment) in [
        ("%(nope)s", "unknown token %(nope)"),
        ("%(rev)d", "number is required"),
        ("100%", "must be followed by"),
        ("%(rev", "unclosed"),
        ("%(rev)q", "bad format"),
    ] {
        let err = file_name(template, &tokens()).unwrap_err();
        assert!(matches!(err, alembic::Error::Config(_)), "{template}: {err:?}");
        assert!(err.to_string().contains(fragment), "{template}: {err}");
    }
}

#[test]
fn widths_and_precisions_are_bounded() {
    for template in [
        "%(year).99999999999999999999d",
        "%(epoch)010000000000d",
        "%(rev)99999999999999999999s",
        "%(rev)256s",
        "%(rev).256s",
    ] {
        let err = file_name(template, &tokens()).unwrap_err();
        assert!(matches!(err, alembic::Error::Config(_)), "{template}: {err:?}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("file_template \"{template}\": ")), "{text}");
        assert!(text.contains("at most 255"), "{text}");
    }
    assert_eq!(file_name("%(rev)255s", &tokens()).unwrap().len(), 255);
    assert_eq!(file_name("%(day).255d", &tokens()).unwrap().len(), 255);
    assert_eq!(file_name("%(day)-5d|", &tokens()).unwrap(), format!("{:<5}|", tokens().create_date.day()));
}

#[test]
fn file_names_must_be_plain_visible_names() {
    for name in ["a.toml", "3f2a_add.toml", "2026_11_21-x.toml", "ünïcode.toml"] {
        assert_eq!(check_file_name(name), Ok(()), "{name}");
    }
    for name in [
        "",
        "../x.toml",
        "a/b.toml",
        "a\\b.toml",
        ".",
        "..",
        ".x.toml",
        "#x.toml",
        "x.toml~",
        "a\u{0}b.toml",
        "a\nb.toml",
    ] {
        assert!(check_file_name(name).is_err(), "{name:?} accepted");
    }
    let long = format!("{}.toml", "a".repeat(251));
    assert!(check_file_name(&long).is_err(), "256 bytes accepted");
    assert!(check_file_name(&long[1..]).is_ok(), "255 bytes refused");
    let err = revision_file_path(Path::new("/v"), "../../x.toml", "../../%(rev)s").unwrap_err().to_string();
    assert!(err.starts_with("file_template \"../../%(rev)s\" gives the file name \"../../x.toml\""), "{err}");
    assert_eq!(revision_file_path(Path::new("/v"), "x.toml", "t").unwrap(), Path::new("/v/x.toml"));
}

#[test]
fn revision_files_are_written_once_and_never_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("versions");
    let path =
        write_revision_file(&location, "a1_x.toml", "%(rev)s_%(slug)s", "revision = \"a1\"\n").unwrap();
    assert_eq!(path, location.join("a1_x.toml"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "revision = \"a1\"\n");
    let err = write_revision_file(&location, "a1_x.toml", "t", "other").unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "revision = \"a1\"\n", "not overwritten");
    #[cfg(unix)]
    {
        let target = dir.path().join("outside.toml");
        std::os::unix::fs::symlink(&target, location.join("b2_x.toml")).unwrap();
        assert!(write_revision_file(&location, "b2_x.toml", "t", "x").is_err());
        assert!(!target.exists(), "written through the symlink");
    }
    assert!(write_revision_file(&location, "../evil.toml", "../%(rev)s", "x").is_err());
    assert!(!dir.path().join("evil.toml").exists());
}

#[test]
fn create_date_time_zones() {
    let at: jiff::Timestamp = "2026-11-21T10:12:00Z".parse().unwrap();
    assert_eq!(create_date_at(at, Some("UTC")).unwrap().hour(), 10);
    assert_eq!(create_date_at(at, Some("utc")).unwrap().hour(), 10, "upper-cased as a fallback, as Alembic");
    assert_eq!(create_date_at(at, Some("Europe/Paris")).unwrap().hour(), 11);
    let err = create_date_at(at, Some("Mars/Olympus")).unwrap_err();
    assert_eq!(err.to_string(), "Can't locate timezone: Mars/Olympus");
    assert!(create_date(None).is_ok());
}

fn typical() -> NewRevision {
    NewRevision {
        revision: "3f2a9c1b7d4e".into(),
        down_revision: vec!["88fb11965e20".into()],
        branch_labels: vec![],
        depends_on: vec![],
        message: "Add email column to users".into(),
        create_date: create_date_at("2026-11-21T10:12:00Z".parse().unwrap(), Some("UTC")).unwrap(),
        upgrade: vec![],
        downgrade: vec![],
    }
}

fn with_ops(mut rev: NewRevision) -> NewRevision {
    rev.upgrade = vec![Op::AddColumn(AddColumn {
        table: "users".into(),
        schema: None,
        column: Column {
            nullable: Some(true),
            unique: true,
            ..Column::new("email", SqlType::Varchar(Some(100)))
        },
    })];
    rev.downgrade =
        vec![Op::DropColumn(DropColumn { table: "users".into(), schema: None, column: "email".into() })];
    rev
}

#[test]
fn rendered_hand_written_revision() {
    insta::assert_snapshot!(render_revision(DEFAULT_TEMPLATE, &typical()).unwrap());
}

#[test]
fn rendered_revision_with_ops() {
    insta::assert_snapshot!(render_revision(DEFAULT_TEMPLATE, &with_ops(typical())).unwrap());
}

#[test]
fn rendered_merge_revision() {
    let mut rev = typical();
    rev.revision = "0000deadbeef".into();
    rev.down_revision = vec!["aaaa".into(), "bbbb".into()];
    rev.branch_labels = vec!["release".into()];
    rev.depends_on = vec!["cccc".into()];
    rev.message = "merge heads\nsecond line".into();
    rev.create_date = create_date_at("2026-11-21T10:12:00Z".parse().unwrap(), Some("Europe/Paris")).unwrap();
    insta::assert_snapshot!(render_revision(DEFAULT_TEMPLATE, &rev).unwrap());
}

#[test]
fn rendered_files_parse_back_to_the_same_values() {
    let base = NewRevision {
        down_revision: vec![],
        message: "with \"quotes\" and \\ and # hash".into(),
        ..typical()
    };
    for rev in [typical(), with_ops(typical()), base] {
        let text = render_revision(DEFAULT_TEMPLATE, &rev).unwrap();
        let script = RevisionScript::parse_toml(Path::new("x.toml"), &text).unwrap();
        assert_eq!(script.revision, rev.revision);
        assert_eq!(script.down_revision, rev.down_revision);
        assert_eq!(script.branch_labels, rev.branch_labels);
        assert_eq!(script.depends_on, rev.depends_on);
        assert_eq!(script.message, rev.message);
        assert_eq!(script.create_date.as_deref(), Some("2026-11-21T10:12:00Z"));
        assert_eq!(script.upgrade, rev.upgrade);
        assert_eq!(script.downgrade, rev.downgrade);
        assert!(script.doc.starts_with(&rev.message), "{}", script.doc);
        assert!(script.doc.contains("Revision ID: 3f2a9c1b7d4e"));
    }
}

#[test]
fn broken_templates_are_errors_naming_the_template() {
    let undefined =
        render_revision_at(Path::new("migrations/script.toml.j2"), "revision = {{ nope }}\n", &typical())
            .unwrap_err()
            .to_string();
    assert!(undefined.starts_with("migrations/script.toml.j2:1: template error"), "{undefined}");

    let dropped =
        render_revision("revision = {{ up_revision | toml }}\n", &typical()).unwrap_err().to_string();
    assert!(dropped.contains("does not hold the revision's keys"), "{dropped}");

    let invalid = render_revision("revision = {{ up_revision }}\n", &typical()).unwrap_err().to_string();
    assert!(invalid.contains("invalid revision file"), "{invalid}");
}
