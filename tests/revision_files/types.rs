//! The neutral type model: parsing the string form and the canonical display.

use alembic::schema::types::SqlType;

#[test]
fn every_neutral_type_parses_and_displays_canonically() {
    let cases: &[(&str, SqlType, &str)] = &[
        ("smallint", SqlType::SmallInt, "smallint"),
        ("INTEGER", SqlType::Integer, "integer"),
        (" BigInt ", SqlType::BigInt, "bigint"),
        ("boolean", SqlType::Boolean, "boolean"),
        ("varchar(100)", SqlType::Varchar(Some(100)), "varchar(100)"),
        ("VARCHAR ( 32 )", SqlType::Varchar(Some(32)), "varchar(32)"),
        ("varchar", SqlType::Varchar(None), "varchar"),
        ("text", SqlType::Text, "text"),
        ("numeric(10,2)", SqlType::Numeric { precision: Some(10), scale: Some(2) }, "numeric(10,2)"),
        ("Numeric( 12 , 0 )", SqlType::Numeric { precision: Some(12), scale: Some(0) }, "numeric(12,0)"),
        ("numeric(5)", SqlType::Numeric { precision: Some(5), scale: None }, "numeric(5)"),
        ("numeric", SqlType::Numeric { precision: None, scale: None }, "numeric"),
        ("real", SqlType::Real, "real"),
        ("double", SqlType::Double, "double"),
        ("date", SqlType::Date, "date"),
        ("time", SqlType::Time, "time"),
        ("timestamp", SqlType::Timestamp, "timestamp"),
        ("TIMESTAMPTZ", SqlType::TimestampTz, "timestamptz"),
        ("interval", SqlType::Interval, "interval"),
        ("blob", SqlType::Blob, "blob"),
        ("json", SqlType::Json, "json"),
        ("uuid", SqlType::Uuid, "uuid"),
        (
            "enum(mood: 'happy','sad')",
            SqlType::Enum { name: "mood".into(), values: vec!["happy".into(), "sad".into()] },
            "enum(mood: 'happy','sad')",
        ),
        (
            "ENUM( Mood :'a' , 'it''s' )",
            SqlType::Enum { name: "Mood".into(), values: vec!["a".into(), "it's".into()] },
            "enum(Mood: 'a','it''s')",
        ),
        ("double precision", SqlType::Other("double precision".into()), "double precision"),
        ("timestamp(3)", SqlType::Other("timestamp(3)".into()), "timestamp(3)"),
        ("  int[] ", SqlType::Other("int[]".into()), "int[]"),
        ("CITEXT", SqlType::Other("CITEXT".into()), "CITEXT"),
    ];
    for (input, ty, display) in cases {
        let parsed = SqlType::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(&parsed, ty, "{input}");
        assert_eq!(parsed.to_string(), *display, "{input}");
        assert_eq!(SqlType::parse(display).unwrap(), parsed, "display of {input} parses back");
    }
}

#[test]
fn malformed_neutral_types_are_errors() {
    for input in [
        "",
        "   ",
        "varchar(abc)",
        "varchar(0)",
        "varchar(100",
        "numeric(1,2,3)",
        "numeric(2,5)",
        "numeric(-1)",
        "enum",
        "enum('a','b')",
        "enum(: 'a')",
        "enum(x: a)",
        "enum(x: 'a' 'b')",
        "enum(x: 'a)",
    ] {
        let err = SqlType::parse(input).expect_err(input);
        assert!(err.to_string().contains("invalid type"), "{input}: {err}");
    }
}

#[test]
fn sqlalchemy_calls_of_neutral_names_are_sqlalchemy_types() {
    // `VARCHAR()` is SQLAlchemy's VARCHAR without a length, `Integer()` its Integer.
    assert_eq!(SqlType::parse("varchar()").unwrap(), SqlType::Varchar(None));
    assert_eq!(SqlType::parse("Integer()").unwrap(), SqlType::Integer);
    assert_eq!(SqlType::parse("String(50)").unwrap(), SqlType::Varchar(Some(50)));
    // From a database, the same text is kept as written.
    assert_eq!(SqlType::parse_neutral("String(50)").unwrap(), SqlType::Other("String(50)".into()));
}
