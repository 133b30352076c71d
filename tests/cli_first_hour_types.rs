//! The first hour of a user coming from Alembic (issue 14): SQLAlchemy's type names
//! work in revision files and create what SQLAlchemy creates, on SQLite and on
//! PostgreSQL; a type no database knows is a warning at load time naming file and line
//! (an error with `--strict` and in `check`), not a surprise at upgrade time; and a
//! revision without downgrade ops says so when it is downgraded (refused with
//! `--strict`).

mod common;
mod online_support;
mod support;

use std::path::Path;

use common::Project;
use online_support::{Kind, TestDb, with_url};

/// One column per alias: its name, the type as written in the revision file, the same
/// type in SQLAlchemy (Python), what PostgreSQL's `format_type` says of the created
/// column, and the declared type SQLite keeps.
struct Alias {
    column: &'static str,
    toml: &'static str,
    python: &'static str,
    postgres: &'static str,
    sqlite: &'static str,
}

const fn alias(
    column: &'static str,
    toml: &'static str,
    python: &'static str,
    postgres: &'static str,
    sqlite: &'static str,
) -> Alias {
    Alias { column, toml, python, postgres, sqlite }
}

const ALIASES: &[Alias] = &[
    alias("c_string", "String", "sa.String()", "character varying", "VARCHAR"),
    alias("c_string50", "String(50)", "sa.String(50)", "character varying(50)", "VARCHAR(50)"),
    alias(
        "c_string_kw",
        "sa.String(length=20)",
        "sa.String(length=20)",
        "character varying(20)",
        "VARCHAR(20)",
    ),
    alias("c_string_lower", "string(40)", "sa.String(40)", "character varying(40)", "VARCHAR(40)"),
    alias("c_unicode", "Unicode(30)", "sa.Unicode(30)", "character varying(30)", "VARCHAR(30)"),
    alias("c_text", "Text", "sa.Text()", "text", "TEXT"),
    alias("c_unicodetext", "UnicodeText", "sa.UnicodeText()", "text", "TEXT"),
    alias("c_varchar", "VARCHAR(10)", "sa.VARCHAR(10)", "character varying(10)", "VARCHAR(10)"),
    alias("c_char", "CHAR(3)", "sa.CHAR(3)", "character(3)", "CHAR(3)"),
    alias("c_char_kw", "CHAR(length=4)", "sa.CHAR(length=4)", "character(4)", "CHAR(4)"),
    alias("c_integer", "Integer", "sa.Integer()", "integer", "INTEGER"),
    alias("c_integer_call", "Integer()", "sa.Integer()", "integer", "INTEGER"),
    alias("c_smallinteger", "SmallInteger", "sa.SmallInteger()", "smallint", "SMALLINT"),
    alias("c_biginteger", "BigInteger", "sa.BigInteger()", "bigint", "BIGINT"),
    alias("c_boolean", "Boolean", "sa.Boolean()", "boolean", "BOOLEAN"),
    alias("c_float", "Float", "sa.Float()", "double precision", "FLOAT"),
    alias("c_float24", "Float(precision=24)", "sa.Float(precision=24)", "real", "FLOAT(24)"),
    alias("c_double", "Double", "sa.Double()", "double precision", "DOUBLE"),
    alias("c_double_precision", "DOUBLE_PRECISION", "sa.DOUBLE_PRECISION()", "double precision", "DOUBLE"),
    alias("c_real", "REAL", "sa.REAL()", "real", "REAL"),
    alias("c_numeric", "Numeric(10, 2)", "sa.Numeric(10, 2)", "numeric(10,2)", "NUMERIC(10, 2)"),
    alias("c_numeric_kw", "Numeric(precision=8)", "sa.Numeric(precision=8)", "numeric(8,0)", "NUMERIC(8)"),
    alias("c_decimal", "DECIMAL(12, 4)", "sa.DECIMAL(12, 4)", "numeric(12,4)", "DECIMAL(12, 4)"),
    alias("c_date", "Date", "sa.Date()", "date", "DATE"),
    alias("c_time", "Time", "sa.Time()", "time without time zone", "TIME"),
    alias(
        "c_timetz",
        "Time(timezone=True)",
        "sa.Time(timezone=True)",
        "time with time zone",
        "TIME WITH TIME ZONE",
    ),
    alias("c_datetime", "DateTime", "sa.DateTime()", "timestamp without time zone", "DATETIME"),
    alias("c_datetime_lower", "datetime", "sa.DateTime()", "timestamp without time zone", "DATETIME"),
    alias(
        "c_datetimetz",
        "DateTime(timezone=True)",
        "sa.DateTime(timezone=True)",
        "timestamp with time zone",
        "DATETIME",
    ),
    alias("c_timestamp", "TIMESTAMP", "sa.TIMESTAMP()", "timestamp without time zone", "DATETIME"),
    alias(
        "c_timestamptz",
        "TIMESTAMP(timezone=True)",
        "sa.TIMESTAMP(timezone=True)",
        "timestamp with time zone",
        "DATETIME",
    ),
    alias("c_interval", "Interval", "sa.Interval()", "interval", "DATETIME"),
    alias("c_json", "JSON", "sa.JSON()", "json", "JSON"),
    alias("c_largebinary", "LargeBinary", "sa.LargeBinary()", "bytea", "BLOB"),
    alias("c_pickle", "PickleType", "sa.PickleType()", "bytea", "BLOB"),
    alias("c_uuid", "Uuid", "sa.Uuid()", "uuid", "CHAR(32)"),
    alias("c_uuid_upper", "UUID(as_uuid=True)", "sa.UUID(as_uuid=True)", "uuid", "CHAR(32)"),
    alias(
        "c_uuid_char",
        "Uuid(native_uuid=False)",
        "sa.Uuid(native_uuid=False)",
        "character(32)",
        "CHAR(32)",
    ),
    alias(
        "c_enum",
        "Enum('happy', 'sad', name='mood')",
        "sa.Enum('happy', 'sad', name='mood')",
        "mood",
        "VARCHAR(5)",
    ),
];

/// Where our SQLite column's declared type differs from SQLAlchemy's: the neutral
/// type of the same (case-insensitive) name wins (`TIMESTAMP` is `timestamp`, `UUID`
/// is `uuid`), or SQLAlchemy drops what PostgreSQL needs and SQLite ignores. Each is
/// (column, what SQLAlchemy declares); every other column must be declared alike.
const SQLITE_DIFFERENCES: &[(&str, &str)] = &[
    ("c_float24", "FLOAT"),
    ("c_double_precision", "DOUBLE PRECISION"),
    ("c_timetz", "TIME"),
    ("c_timestamp", "TIMESTAMP"),
    ("c_timestamptz", "TIMESTAMP"),
    ("c_uuid_upper", "UUID"),
];

fn toml_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A revision creating table `aliases` with every alias.
fn alias_revision() -> String {
    let mut columns = String::from("  { name = \"id\", type = \"Integer\", primary_key = true },\n");
    for a in ALIASES {
        columns.push_str(&format!("  {{ name = \"{}\", type = {} }},\n", a.column, toml_quote(a.toml)));
    }
    format!(
        "revision = \"a1\"\ndown_revision = \"\"\nmessage = \"aliases\"\n\n[[upgrade]]\nop = \"create_table\"\n\
         table = \"aliases\"\ncolumns = [\n{columns}]\n\n[[downgrade]]\nop = \"drop_table\"\ntable = \"aliases\"\n"
    )
}

/// (column, type) of `table` as the database reports it.
fn column_types(db: &TestDb, table: &str) -> Vec<(String, String)> {
    let sql = match db.kind {
        Kind::Sqlite => format!("SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"),
        Kind::Postgres => format!(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = '{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        ),
        Kind::Mysql => format!(
            "SELECT column_name, column_type FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY ordinal_position"
        ),
    };
    db.query(&sql)
        .into_iter()
        .map(|row| {
            let mut cells = row.into_iter().map(|c| c.unwrap_or_default());
            (cells.next().unwrap_or_default(), cells.next().unwrap_or_default())
        })
        .collect()
}

fn expected(a: &Alias, kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => a.sqlite,
        Kind::Postgres => a.postgres,
        Kind::Mysql => unreachable!("the alias table has no MySQL column"),
    }
}

/// Upgrades a table using every alias on `kind`, checks each column's type, then (with
/// Python) lets SQLAlchemy create the same columns and compares.
fn every_alias_creates_what_sqlalchemy_creates(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = Project::init();
    p.write_revision("a1_aliases.toml", &alias_revision());
    let out = p.run(&with_url(&db, &["upgrade", "head"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "", "no alias is an unknown type");
    let ours = column_types(&db, "aliases");
    assert_eq!(ours.len(), ALIASES.len() + 1, "{ours:?}");
    for (a, (column, ty)) in ALIASES.iter().zip(&ours[1..]) {
        assert_eq!(column, a.column);
        assert_eq!(ty, expected(a, kind), "{} (`{}`)", a.column, a.toml);
    }

    // SQLAlchemy itself, on the same database: the expectations above are its facts.
    let Some(python) = online_support::python() else { return };
    let columns: Vec<String> =
        ALIASES.iter().map(|a| format!("    sa.Column('{}', {}),", a.column, a.python)).collect();
    let script = format!(
        "import sys\nimport sqlalchemy as sa\nmd = sa.MetaData()\nsa.Table('sa_aliases', md,\n    \
         sa.Column('id', sa.Integer, primary_key=True),\n{}\n)\nengine = sa.create_engine(sys.argv[1])\n\
         md.create_all(engine)\n",
        columns.join("\n")
    );
    support::run_python(&python, &script, &[&db.python_url()]);
    let theirs = column_types(&db, "sa_aliases");
    assert_eq!(theirs.len(), ours.len(), "{theirs:?}");
    for (a, ((_, ours), (_, theirs))) in ALIASES.iter().zip(ours[1..].iter().zip(&theirs[1..])) {
        let differs =
            SQLITE_DIFFERENCES.iter().find(|(c, _)| *c == a.column).filter(|_| kind == Kind::Sqlite);
        match differs {
            Some((_, sa_declares)) => assert_eq!(theirs, sa_declares, "{}: SQLAlchemy declares", a.column),
            None => assert_eq!(ours, theirs, "{} (`{}` vs {})", a.column, a.toml, a.python),
        }
    }
}

#[test]
fn every_alias_creates_what_sqlalchemy_creates_on_sqlite() {
    every_alias_creates_what_sqlalchemy_creates(Kind::Sqlite);
}

#[test]
fn every_alias_creates_what_sqlalchemy_creates_on_postgres() {
    every_alias_creates_what_sqlalchemy_creates(Kind::Postgres);
}

#[test]
fn aliases_render_offline_and_round_trip_through_autogenerate_offline() {
    // `check --offline` compares the history replayed in memory with a schema file:
    // an alias in a revision equals the neutral type SQLite reports for the file.
    let p = Project::init();
    p.write_revision("a1_aliases.toml", &alias_revision());
    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "postgresql"]);
    assert!(sql.contains("c_string50 VARCHAR(50),"), "{sql}");
    assert!(sql.contains("c_datetimetz TIMESTAMP WITH TIME ZONE,"), "{sql}");
    assert!(sql.contains("CREATE TYPE mood AS ENUM ('happy', 'sad');"), "{sql}");
    assert!(sql.contains("c_enum mood,"), "{sql}");
    let sqlite = p.ok(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    assert!(sqlite.contains("c_uuid CHAR(32),"), "{sqlite}");
    assert!(sqlite.contains("c_datetime DATETIME,"), "{sqlite}");
}

/// A project whose revision has unknown types at known lines (upgrade and downgrade),
/// and real database types that must not warn.
fn project_with_unknown_types() -> (Project, std::path::PathBuf) {
    let p = Project::init();
    let path = p.write_revision(
        "r1_typos.toml",
        r#"revision = "r1"
down_revision = ""
message = "typos"

[[upgrade]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "name", type = "strng" },
  { name = "born", type = "datetime" },
  { name = "tags", type = "text[]" },
]

[[upgrade]]
op = "add_column"
table = "users"
column = { name = "score", type = "integr" }

[[downgrade]]
op = "alter_column"
table = "users"
column = "name"
type = "text"
existing_type = "strng"
"#,
    );
    (p, path)
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unknown_type_is_a_warning_naming_file_line_and_key() {
    let (p, path) = project_with_unknown_types();
    let shown = path.display();
    let expected = format!(
        "warning: {shown}:10: unknown type `strng` in upgrade[0].columns[1]; it is passed to the database as written\n\
         warning: {shown}:18: unknown type `integr` in upgrade[1].column; it is passed to the database as written\n\
         warning: {shown}:25: unknown type `strng` in downgrade[0].existing_type; it is passed to the database as written\n"
    );
    // Every command that loads the files says it, once per occurrence.
    for args in [&["heads"][..], &["history"], &["upgrade", "head", "--sql", "--dialect", "sqlite"]] {
        let out = p.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out), expected, "{args:?}");
    }
    // Under -q too: a warning is about the input, not progress.
    let out = p.run(&["-q", "heads"]);
    assert_eq!(stderr_of(&out), expected);
    // The type is passed through as written (the warning's promise).
    let sql = p.ok(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    assert!(sql.contains("name strng,") && sql.contains("ADD COLUMN score integr"), "{sql}");
}

#[test]
fn database_types_passed_through_on_purpose_do_not_warn() {
    let p = Project::init();
    let types = [
        "VARCHAR(20)",
        "TIMESTAMP WITH TIME ZONE",
        "timestamp(3) without time zone",
        "jsonb",
        "citext",
        "int4",
        "bytea",
        "inet",
        "tsvector",
        "money",
        "serial",
        "integer[]",
        "varchar(20)[]",
        "double precision",
        "interval day to second",
        "NVARCHAR(40)",
        "public.mood",
        "\"Mood\"",
    ];
    let columns: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("  {{ name = \"c{i}\", type = {} }},", toml_quote(t)))
        .collect();
    p.write_revision(
        "r1_types.toml",
        &format!(
            "revision = \"r1\"\ndown_revision = \"\"\n\n[[upgrade]]\nop = \"create_table\"\ntable = \"t\"\n\
             columns = [\n{}\n]\n",
            columns.join("\n")
        ),
    );
    let out = p.run(&["--strict", "heads"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn strict_makes_an_unknown_type_an_error_before_anything_is_written() {
    let (p, path) = project_with_unknown_types();
    let line = format!(
        "error: {}:10: unknown type `strng` in upgrade[0].columns[1] (an error with --strict and in `check`; \
         a type of your own passes quoted, '\"strng\"', or schema-qualified, 'public.strng'); and 2 more warnings\n",
        path.display()
    );
    // Global, before or after the command.
    for args in
        [&["--strict", "heads"][..], &["heads", "--strict"], &["upgrade", "head", "--sql", "--strict"]]
    {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr_of(&out), line, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing is written");
    }
}

#[test]
fn check_refuses_an_unknown_type() {
    // The schema file matches the history, so without the unknown type `check` would
    // say "No new upgrade operations detected."
    let p = Project::init();
    let path = p.add(
        "r1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"t\"\n\
         columns = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"x\", type = \"strng\" }]\n",
    );
    std::fs::write(
        p.path().join("schema.sql"),
        "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, x strng);\n",
    )
    .unwrap();
    let config = p.path().join("alembic.toml");
    let text =
        std::fs::read_to_string(&config).unwrap().replace("target = \"env\"", "target = \"schema.sql\"");
    assert!(text.contains("target = \"schema.sql\""), "{text}");
    std::fs::write(&config, text).unwrap();
    let stderr = p.fails(&["check", "--offline"]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}:7: unknown type `strng` in upgrade[0].columns[1] (",
            path.display()
        )),
        "{stderr}"
    );
    // The same history with a known type passes.
    std::fs::write(&path, std::fs::read_to_string(&path).unwrap().replace("\"strng\"", "\"citext\""))
        .unwrap();
    std::fs::write(
        p.path().join("schema.sql"),
        "CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, x citext);\n",
    )
    .unwrap();
    let out = p.run(&["check", "--offline"]);
    assert_eq!(stderr_of(&out), "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "No new upgrade operations detected.\n");
}

#[test]
fn a_bad_alias_argument_is_an_error_naming_file_line_and_key() {
    let p = Project::init();
    let path = p.add(
        "r1",
        &[],
        "[[upgrade]]\nop = \"create_table\"\ntable = \"t\"\n\
         columns = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"x\", type = \"String(abc)\" }]\n",
    );
    let stderr = p.fails(&["heads"]);
    assert_eq!(
        stderr,
        format!(
            "error: {}:7: `upgrade[0].columns[1].type`: invalid type `String(abc)`: String: `length` must be a positive integer, not abc\n",
            path.display()
        )
    );
    let stderr = p.fails(&["upgrade", "head", "--sql", "--dialect", "sqlite"]);
    assert!(stderr.contains("invalid type `String(abc)`"), "{stderr}");
}

/// A history whose first revision has upgrade ops but no downgrade ops:
///
/// ```text
/// r1 (creates t1, no [[downgrade]]) - r2 (creates t2) \
///                                   \ r3 (creates t3) - m4 (merge, no ops)
/// ```
fn project_without_downgrade_ops() -> (Project, std::path::PathBuf) {
    let p = Project::init();
    let create = |table: &str, down: bool| {
        let mut text = format!(
            "[[upgrade]]\nop = \"create_table\"\ntable = \"{table}\"\ncolumns = [{{ name = \"id\", type = \"integer\", primary_key = true }}]\n"
        );
        if down {
            text.push_str(&format!("\n[[downgrade]]\nop = \"drop_table\"\ntable = \"{table}\"\n"));
        }
        text
    };
    let r1 = p.add("r1", &[], &create("t1", false));
    p.add("r2", &["r1"], &create("t2", true));
    p.add("r3", &["r1"], &create("t3", true));
    p.add("m4", &["r2", "r3"], "");
    (p, r1)
}

fn no_downgrade_warning(path: &Path) -> String {
    format!(
        "warning: revision r1 ({}) has no downgrade ops: downgrading it changes nothing but the version table\n",
        path.display()
    )
}

fn downgrade_warns_online(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let (p, r1) = project_without_downgrade_ops();
    p.ok(&with_url(&db, &["upgrade", "heads"]));
    let out = p.run(&with_url(&db, &["downgrade", "base"]));
    assert!(out.status.success(), "{}", stderr_of(&out));
    // One line for r1; none for the merge m4 (no upgrade ops either) or r2, r3.
    assert_eq!(stderr_of(&out), no_downgrade_warning(&r1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.ends_with("Running downgrade r1 -> , rev r1\n"), "{stdout}");
    assert!(db.rows().is_empty());
    // What the warning says: the table is still there.
    assert!(db.has_table("t1") && !db.has_table("t2") && !db.has_table("t3"));
}

#[test]
fn downgrading_a_revision_without_downgrade_ops_warns_on_sqlite() {
    downgrade_warns_online(Kind::Sqlite);
}

#[test]
fn downgrading_a_revision_without_downgrade_ops_warns_on_postgres() {
    downgrade_warns_online(Kind::Postgres);
}

#[test]
fn downgrading_a_revision_without_downgrade_ops_warns_offline() {
    let (p, r1) = project_without_downgrade_ops();
    let out = p.run(&["downgrade", "--sql", "--dialect", "sqlite", "m4:base"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), no_downgrade_warning(&r1));
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(sql.contains("-- Running downgrade r1 -> "), "{sql}");
    // A downgrade that stops above r1 says nothing.
    let out = p.run(&["downgrade", "--sql", "--dialect", "sqlite", "m4:r1"]);
    assert!(out.status.success());
    assert_eq!(stderr_of(&out), "");
}

fn strict_refuses(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let (p, r1) = project_without_downgrade_ops();
    p.ok(&with_url(&db, &["upgrade", "heads"]));
    let mut args = vec!["--strict"];
    args.extend(with_url(&db, &["downgrade", "base"]));
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    common::assert_error_shape(&stderr);
    assert_eq!(
        stderr,
        format!(
            "error: revision r1 ({}) has no downgrade ops: --strict refuses to downgrade it, as only the version table would change (add [[downgrade]] ops, or downgrade without --strict)\n",
            r1.display()
        )
    );
    // Nothing ran: not even the steps before r1's.
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(db.rows(), ["m4"]);
    assert!(db.has_table("t2") && db.has_table("t3"));
    // A downgrade that does not reach r1 is fine under --strict.
    let mut args = vec!["--strict"];
    args.extend(with_url(&db, &["downgrade", "r2"]));
    p.ok(&args);
    assert_eq!(db.rows(), ["r2", "r3"]);
}

#[test]
fn strict_refuses_to_downgrade_a_revision_without_downgrade_ops_on_sqlite() {
    strict_refuses(Kind::Sqlite);
}

#[test]
fn strict_refuses_to_downgrade_a_revision_without_downgrade_ops_on_postgres() {
    strict_refuses(Kind::Postgres);
}

#[test]
fn strict_refuses_to_downgrade_a_revision_without_downgrade_ops_offline() {
    let (p, r1) = project_without_downgrade_ops();
    let stderr = p.fails(&["downgrade", "--sql", "--dialect", "sqlite", "--strict", "m4:base"]);
    assert!(stderr.starts_with(&format!(
        "error: revision r1 ({}) has no downgrade ops: --strict refuses",
        r1.display()
    )));
    assert!(p.run(&["downgrade", "--sql", "--dialect", "sqlite", "--strict", "m4:base"]).stdout.is_empty());
}

/// Autogenerate writes the types a database has but this crate does not know (a
/// SQLite schema's `BLOB SUB_TYPE TEXT`, a `STRING` that would read as SQLAlchemy's
/// String, a PostgreSQL domain) quoted, so its own revision loads without a warning,
/// `check` accepts it and the database gets the same type.
fn autogenerate_keeps_database_types(kind: Kind) {
    let Some(db) = TestDb::new(kind) else { return };
    let p = Project::init();
    let (schema, types): (&str, &[&str]) = match kind {
        Kind::Sqlite => (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, d BLOB SUB_TYPE TEXT, s STRING, n smallint(5));\n",
            &["BLOB SUB_TYPE TEXT", "STRING", "smallint(5)"],
        ),
        Kind::Postgres => {
            // The domain comes from the schema file too (`create_object`).
            (
                "CREATE DOMAIN zip_code AS text;\nCREATE TABLE t (id integer PRIMARY KEY, z zip_code, zs zip_code[]);\n",
                &["zip_code", "zip_code[]"],
            )
        }
        Kind::Mysql => unreachable!("schema.sql targets are not run on MySQL"),
    };
    std::fs::write(p.path().join("schema.sql"), schema).unwrap();
    let config = p.path().join("alembic.toml");
    let text =
        std::fs::read_to_string(&config).unwrap().replace("target = \"env\"", "target = \"schema.sql\"");
    std::fs::write(&config, text).unwrap();
    let out = p.run(&with_url(&db, &["revision", "--autogenerate", "-m", "t", "--rev-id", "g1"]));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "", "no warning about the database's own types");
    let file = std::fs::read_to_string(p.versions().join("g1_t.toml")).unwrap();
    for ty in types {
        let quoted = match kind {
            Kind::Sqlite => format!("\"{ty}\""),
            Kind::Postgres => ty.replacen("zip_code", "\"zip_code\"", 1),
            Kind::Mysql => unreachable!("schema.sql targets are not run on MySQL"),
        };
        // A TOML literal string: the quotes are part of the type.
        assert!(file.contains(&format!("type = '{quoted}'")), "{ty}:\n{file}");
    }
    let out = p.run(&with_url(&db, &["upgrade", "head"]));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "");
    for args in [&["check"][..], &["check", "--offline"]] {
        let out = p.run(&with_url(&db, args));
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "No new upgrade operations detected.\n", "{args:?}");
    }
    // The database has the types as the schema file declares them.
    let created: Vec<String> = column_types(&db, "t").into_iter().skip(1).map(|(_, ty)| ty).collect();
    assert_eq!(created, types);
}

#[test]
fn autogenerate_keeps_database_types_on_sqlite() {
    autogenerate_keeps_database_types(Kind::Sqlite);
}

#[test]
fn autogenerate_keeps_database_types_on_postgres() {
    autogenerate_keeps_database_types(Kind::Postgres);
}
