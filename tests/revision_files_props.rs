//! No input makes the revision-file parsers or the type parser panic: arbitrary
//! strings, and TOML-shaped documents built from the real keys with random values.

use std::path::Path;

use alembic::ops::Op;
use alembic::schema::types::SqlType;
use alembic::script::RevisionScript;
use proptest::prelude::*;

/// A TOML value of any kind, written as text, sometimes malformed.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<String>().prop_map(|s| toml::Value::String(s).to_string()),
        "[a-z_ ()',:.0-9]{0,20}".prop_map(|s| format!("\"{s}\"")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("1.5".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("\"".to_string()),
        Just("[".to_string()),
        Just("".to_string()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|entries| {
                let parts: Vec<String> = entries.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", parts.join(", "))
            }),
        ]
    })
}

/// Keys the formats know, plus a few they do not.
fn key() -> impl Strategy<Value = String> {
    let known = [
        "revision",
        "down_revision",
        "branch_labels",
        "depends_on",
        "message",
        "create_date",
        "transactional",
        "batch",
        "dialect",
        "op",
        "table",
        "schema",
        "name",
        "column",
        "columns",
        "type",
        "nullable",
        "primary_key",
        "autoincrement",
        "server_default",
        "unique",
        "index",
        "comment",
        "foreign_key",
        "foreign_keys",
        "checks",
        "indexes",
        "ref_table",
        "ref_columns",
        "on_delete",
        "on_update",
        "where",
        "sql",
        "sqlite",
        "postgresql",
        "new_name",
        "rows",
        "existing_type",
        "existing_nullable",
        "existing_server_default",
        "colour",
    ];
    prop_oneof![prop::sample::select(known.to_vec()).prop_map(str::to_string), "[a-z]{1,6}"]
}

/// A document: header keys, then op tables with a real op name and random keys.
fn toml_document() -> impl Strategy<Value = String> {
    let header = prop::collection::vec((key(), value()), 0..6);
    let op = (
        prop::sample::select(Op::NAMES.to_vec()),
        prop::collection::vec((key(), value()), 0..6),
        prop::sample::select(vec!["upgrade", "downgrade"]),
    );
    (any::<bool>(), header, prop::collection::vec(op, 0..4)).prop_map(|(with_revision, header, ops)| {
        let mut text = String::new();
        if with_revision {
            text.push_str("revision = \"abc\"\n");
        }
        for (k, v) in header {
            text.push_str(&format!("{k} = {v}\n"));
        }
        for (name, keys, section) in ops {
            text.push_str(&format!("\n[[{section}]]\nop = \"{name}\"\n"));
            for (k, v) in keys {
                text.push_str(&format!("{k} = {v}\n"));
            }
        }
        text
    })
}

/// A `.sql` file: comment lines (some key lines), markers and SQL, in random order.
fn sql_document() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (key(), value()).prop_map(|(k, v)| format!("-- {k} = {v}")),
        Just("-- upgrade".to_string()),
        Just("-- downgrade".to_string()),
        Just("--".to_string()),
        Just("-- revision = \"abc\"".to_string()),
        Just("-- dialect = \"sqlite\"".to_string()),
        "-- [a-zA-Z =:]{0,20}".prop_map(|s| s.to_string()),
        "[A-Z ;()0-9']{0,20}".prop_map(|s| s.to_string()),
        any::<String>(),
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}

/// A TOML string literal of any text.
fn text() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| toml::Value::String(s).to_string())
}

/// An op that is valid except perhaps for its random names and type, so that many
/// parse and exercise the render → parse round trip.
fn plausible_op() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        prop::sample::select(vec!["integer", "varchar(20)", "numeric(8,3)", "enum(e: 'a','b')", "text[]"])
            .prop_map(|t| format!("\"{t}\"")),
        text(),
    ];
    (text(), text(), text(), ty, any::<bool>(), value()).prop_map(|(a, b, c, ty, flag, v)| {
        let choices = [
            format!("op = \"drop_table\"\ntable = {a}\nschema = {b}"),
            format!("op = \"add_column\"\ntable = {a}\ncolumn = {{ name = {b}, type = {ty}, nullable = {flag}, server_default = {c} }}"),
            format!("op = \"alter_column\"\ntable = {a}\ncolumn = {b}\nserver_default = false\nexisting_type = {ty}"),
            format!("op = \"execute\"\nsql = {a}\npostgresql = {b}"),
            format!("op = \"bulk_insert\"\ntable = {a}\nrows = [{{ {b} = {v} }}, {{}}]"),
            format!("op = \"create_table\"\ntable = {a}\ncolumns = [{{ name = {b}, type = {ty}, primary_key = {flag} }}]\nchecks = [{{ sql = {c} }}]"),
            format!("op = \"create_index\"\nname = {a}\ntable = {b}\ncolumns = [{c}]\nwhere = {c}"),
        ];
        let pick = a.len() % choices.len();
        choices[pick].clone()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let _ = RevisionScript::parse_toml(Path::new("x.toml"), &text);
        let _ = RevisionScript::parse_sql(Path::new("x.sql"), &text);
        let _ = SqlType::parse(&text);
    }

    #[test]
    fn toml_shaped_documents_never_panic(text in toml_document()) {
        if let Ok(script) = RevisionScript::parse_toml(Path::new("x.toml"), &text) {
            // Whatever parses renders and parses back to the same ops.
            let rendered = format!(
                "revision = \"r\"\n{}\n{}",
                alembic::ops::render_ops_toml("upgrade", &script.upgrade).unwrap(),
                alembic::ops::render_ops_toml("downgrade", &script.downgrade).unwrap(),
            );
            let back = RevisionScript::parse_toml(Path::new("x.toml"), &rendered).unwrap();
            prop_assert_eq!(back.upgrade, script.upgrade);
            prop_assert_eq!(back.downgrade, script.downgrade);
        }
    }

    #[test]
    fn plausible_ops_round_trip(ops in prop::collection::vec(plausible_op(), 1..4)) {
        let text = format!("revision = \"r\"\n{}", ops.iter().map(|op| format!("[[upgrade]]\n{op}\n")).collect::<String>());
        if let Ok(script) = RevisionScript::parse_toml(Path::new("x.toml"), &text) {
            let rendered = format!(
                "revision = \"r\"\n{}",
                alembic::ops::render_ops_toml("upgrade", &script.upgrade).unwrap()
            );
            let back = RevisionScript::parse_toml(Path::new("x.toml"), &rendered)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{rendered}")))?;
            prop_assert_eq!(back.upgrade, script.upgrade);
        }
    }

    #[test]
    fn sql_shaped_documents_never_panic(text in sql_document()) {
        let _ = RevisionScript::parse_sql(Path::new("x.sql"), &text);
    }

    #[test]
    fn type_shaped_strings_never_panic_and_display_round_trips(
        text in "[a-zA-Z]{0,12}[ ]?(\\([0-9a-z ,:']{0,16}\\)?)?"
    ) {
        if let Ok(ty) = SqlType::parse(&text) {
            prop_assert_eq!(SqlType::parse(&ty.to_string()).unwrap(), ty);
        }
    }
}
