//! Properties of hostile input (issue 9):
//!
//! - a password placed where a URL's password goes (`user:…PASSWORD…@…`, or a
//!   `password=` query value), surrounded by arbitrary separators, `%`, `@` and `${`
//!   fragments, never shows in `DatabaseUrl::parse` errors, `redact`, `Display` or
//!   `Debug` of a parsed URL, nor in `alembic.toml` expansion errors;
//! - `file_name` on arbitrary `file_template`s never panics, returns quickly and
//!   bounds its output, and a name `check_file_name` accepts is one plain file name.

use std::path::{Component, Path};
use std::time::{Duration, Instant};

use alembic::config::Config;
use alembic::script::write::{FileNameTokens, MAX_SPEC_WIDTH, check_file_name, create_date_at, file_name};
use alembic::url::{DatabaseUrl, redact};
use proptest::prelude::*;

/// Passwords are upper-case letters around a `!`, and the noise around them has
/// neither, so a password cannot appear by accident (schemes and keys are lower-case
/// too). The `!` keeps a password from being a variable name: `${NAME}` is a reference
/// to a variable, and errors name it.
fn password() -> impl Strategy<Value = String> {
    "[A-Z]{3,6}![A-Z]{3,6}"
}

/// Text around the password: URL separators, escapes and `${` fragments.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9]{1,4}",
        Just("/".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("@".to_string()),
        Just("%".to_string()),
        Just("%4".to_string()),
        Just("%zz".to_string()),
        Just("%41".to_string()),
        Just(":".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("${".to_string()),
        Just("}".to_string()),
        Just("${x:-".to_string()),
        Just("$$".to_string()),
        Just("://".to_string()),
        Just("password=".to_string()),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "postgresql://",
        "postgres://",
        "postgresql+psycopg2://",
        "sqlite://",
        "sqlite+pysqlite://",
        "mysql://",
        "postgres:/",
        "postgresql:",
        "://",
        "${x}://",
        "",
    ])
}

/// A URL with `pw` in a password position.
fn url_around(pw: String) -> impl Strategy<Value = String> {
    let userinfo = (scheme(), "[a-z0-9]{0,5}(@[a-z0-9]{1,4})?", noise(), noise(), noise()).prop_map({
        let pw = pw.clone();
        move |(scheme, user, pre, post, tail)| {
            // Without a scheme, `u://…` would make `u` the scheme and the password a
            // user name: that is not a password position.
            let pre = if scheme.is_empty() && pre.starts_with("//") { format!("x{pre}") } else { pre };
            format!("{scheme}{user}:{pre}{pw}{post}@{tail}")
        }
    });
    let key = prop::sample::select(vec!["password", "PASSWORD", "Password", "passwd", "pwd"]);
    let query = (scheme(), "[a-z0-9.:]{0,8}(/[a-z0-9]{0,4})?", noise(), key, noise()).prop_map(
        move |(scheme, host, before, key, post)| {
            // The value ends at `&`; the noise before it is other parameters.
            let before = before.replace(['?', '#'], "");
            let before = if before.is_empty() { String::new() } else { format!("{before}&") };
            let post: String = post.chars().filter(|c| *c != '&').collect();
            format!("{scheme}{host}?{before}{key}={pw}{post}")
        },
    );
    prop_oneof![userinfo, query]
}

fn shown_parse(url: &str) -> String {
    match DatabaseUrl::parse(url, Path::new("/proj")) {
        Ok(parsed) => format!("{parsed} {parsed:?}"),
        Err(e) => format!("{e} {e:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn passwords_never_show((pw, url) in password().prop_flat_map(|pw| (Just(pw.clone()), url_around(pw)))) {
        let parsed = shown_parse(&url);
        prop_assert!(!parsed.contains(&pw), "parse of {url:?} showed the password: {parsed}");
        let redacted = redact(&url);
        prop_assert!(!redacted.contains(&pw), "redact({url:?}) = {redacted}");
    }

    #[test]
    fn passwords_never_show_in_config_errors(
        (pw, url) in password().prop_flat_map(|pw| (Just(pw.clone()), url_around(pw)))
    ) {
        let text = format!("url = {}\n", toml::Value::String(url.clone()));
        // No variable is set: `${x:-default}` keeps its default in place (so the
        // password stays where a password goes), `${x}` and `${` are errors.
        let env = |_: &str| None;
        match Config::parse(Path::new("/proj/alembic.toml"), &text, None, &env) {
            Err(e) => {
                let shown = format!("{e} {e:?}");
                prop_assert!(!shown.contains(&pw), "config error for {url:?}: {shown}");
            }
            Ok(config) => {
                let shown = format!("{config:?}");
                prop_assert!(!shown.contains(&pw), "config Debug for {url:?}: {shown}");
                // The expanded URL, parsed as a command would.
                let expanded = config.url.unwrap_or_default();
                let shown = format!("{} {}", shown_parse(&expanded), redact(&expanded));
                prop_assert!(!shown.contains(&pw), "expanded {expanded:?}: {shown}");
            }
        }
    }
}

// ----- file_template ---------------------------------------------------------------

/// A width or precision: usual, near the limit, or absurd (past `u64`).
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..20).prop_map(|n| n.to_string()),
        (250u32..260).prop_map(|n| n.to_string()),
        "0[0-9]{10,12}",
        "[1-9][0-9]{15,30}",
    ]
}

/// One `%(token)…` spec: flags, width, precision and conversion, each optional.
fn spec() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "rev", "slug", "epoch", "year", "month", "day", "hour", "minute", "second", "nope", "",
    ]);
    let flags = "[-0+ #]{0,3}";
    let width = prop::option::of(number());
    let precision = prop::option::of(prop::option::of(number()));
    let conversion = prop::sample::select(vec!["s", "d", "i", "u", "x", ""]);
    (token, flags, width, precision, conversion).prop_map(|(token, flags, width, precision, conversion)| {
        let precision = match precision {
            None => String::new(),
            Some(p) => format!(".{}", p.unwrap_or_default()),
        };
        format!("%({token}){flags}{}{precision}{conversion}", width.unwrap_or_default())
    })
}

/// Templates: literal text (separators and dots included), specs, and stray `%`, `(`.
fn template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => spec(),
        2 => "[a-z_./-]{1,4}",
        1 => prop::sample::select(vec!["%", "%%", "%(", ")", "..", "/", "\\", "\u{0}", "#", "~"]).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn tokens() -> FileNameTokens {
    let at: jiff::Timestamp = "2026-11-21T10:12:00Z".parse().unwrap();
    FileNameTokens {
        rev: "3f2a9c1b7d4e".into(),
        slug: "add_email_column".into(),
        create_date: create_date_at(at, Some("UTC")).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn file_templates_never_panic_and_stay_bounded(template in template()) {
        let started = Instant::now();
        let result = file_name(&template, &tokens());
        prop_assert!(started.elapsed() < Duration::from_secs(1), "{template:?} took {:?}", started.elapsed());
        if let Ok(name) = result {
            // Each spec gives at most MAX_SPEC_WIDTH characters (plus a sign) or its
            // value, and takes at least 3 characters of the template.
            let bound = template.len() * (MAX_SPEC_WIDTH + 2);
            prop_assert!(name.len() <= bound, "{template:?} gave {} bytes", name.len());
            let file = format!("{name}.toml");
            if check_file_name(&file).is_ok() {
                let components: Vec<_> = Path::new(&file).components().collect();
                prop_assert!(
                    matches!(components.as_slice(), [Component::Normal(_)]),
                    "{file:?} accepted but is not a plain name"
                );
                prop_assert!(file.len() <= 255 && !file.starts_with('.'));
            }
        }
    }
}
