//! The MySQL/MariaDB backend and reflection against a live server
//! (`ALEMBIC_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306/test`): each test
//! makes its own database and drops it. Without a server a test says so and passes,
//! except under `CI=true`, where it fails (see `support`).

#![cfg(feature = "mysql")]

mod support;

use std::time::{Duration, Instant};

use alembic::runtime::connection::{
    AnyBackend, Backend, BlockingMysql, DbErrorKind, MYSQL_MAX_PLACEHOLDERS, Param, RowBatch, Wait, block_on,
    connect,
};
use alembic::url::Dialect;

macro_rules! test_db {
    () => {
        match support::mysql_test_db() {
            Some(db) => db,
            None => return,
        }
    };
}

fn rows(db: &mut impl Backend, sql: &str) -> Vec<Vec<Option<String>>> {
    block_on(db.query_rows(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn run(db: &mut impl Backend, sql: &str) -> u64 {
    block_on(db.execute(sql)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn execute_and_query_give_text_and_null() {
    let test = test_db!();
    let mut db = test.connect();
    assert_eq!(db.dialect(), Dialect::Mysql);
    run(
        &mut db,
        "CREATE TABLE t (id INT PRIMARY KEY, amount DECIMAL(8,2), born DATE, at DATETIME(3), \
         flag TINYINT(1), note VARCHAR(20))",
    );
    let changed = run(
        &mut db,
        "INSERT INTO t VALUES (1, 12.50, '2024-01-31', '2024-01-31 10:00:00.125', 1, 'x'), \
         (2, NULL, NULL, NULL, NULL, NULL)",
    );
    assert_eq!(changed, 2);
    assert_eq!(
        rows(&mut db, "SELECT id, amount, born, at, flag, note FROM t ORDER BY id"),
        vec![
            vec![s("1"), s("12.50"), s("2024-01-31"), s("2024-01-31 10:00:00.125"), s("1"), s("x")],
            vec![s("2"), None, None, None, None, None],
        ]
    );
    assert_eq!(run(&mut db, "UPDATE t SET note = 'y' WHERE id = 2"), 1);
    assert_eq!(block_on(db.query_column("SELECT note FROM t ORDER BY id")).unwrap(), ["x", "y"]);
}

#[test]
fn sessions_are_set_up_for_the_renderer() {
    let test = test_db!();
    let mut db = test.connect();
    let row =
        rows(&mut db, "SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@character_set_client").remove(0);
    let mode = row[0].clone().unwrap();
    assert!(mode.contains("STRICT_TRANS_TABLES") && mode.contains("NO_ZERO_DATE"), "{mode}");
    assert!(!mode.contains("ANSI_QUOTES") && !mode.contains("NO_BACKSLASH_ESCAPES"), "{mode}");
    assert_eq!(row[1].as_deref(), Some("+00:00"));
    assert_eq!(row[2].as_deref(), Some("utf8mb4"));
    // Double quotes are strings, backticks identifiers.
    assert_eq!(rows(&mut db, "SELECT \"a\" AS `b`"), vec![vec![s("a")]]);
    // Strict mode: a value too long is an error, not a truncation warning.
    run(&mut db, "CREATE TABLE short (v VARCHAR(2))");
    let err = block_on(db.execute("INSERT INTO short VALUES ('abc')")).unwrap_err();
    assert_eq!(err.code(), Some("1406"), "{err}");
}

#[test]
fn scripts_run_every_statement_and_stop_at_the_first_failure() {
    let test = test_db!();
    let mut db = test.connect();
    // A trigger body with `;` inside, a string with `;` in it, a comment: the server
    // cuts the script, not a split on `;`.
    let script = "CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20));\n\
        CREATE TABLE log (msg VARCHAR(50));\n\
        -- a comment; with a semicolon\n\
        CREATE TRIGGER a_ins AFTER INSERT ON a FOR EACH ROW BEGIN\n\
          INSERT INTO log VALUES (CONCAT('got ', NEW.v));\n\
          INSERT INTO log VALUES ('second; statement');\n\
        END;\n\
        INSERT INTO a VALUES (1, 'x;y');";
    block_on(db.execute_script(script)).unwrap();
    assert_eq!(
        block_on(db.query_column("SELECT msg FROM log ORDER BY msg")).unwrap(),
        ["got x;y", "second; statement"]
    );
    block_on(db.execute_script("  -- nothing but a comment\n")).unwrap();

    let err = block_on(db.execute_script(
        "INSERT INTO a VALUES (2, 'b'); INSERT INTO nope VALUES (1); INSERT INTO a VALUES (3, 'c')",
    ))
    .unwrap_err();
    assert_eq!(err.code(), Some("1146"), "{err}");
    // The statement before the failure ran, the one after it did not.
    assert_eq!(block_on(db.query_column("SELECT id FROM a ORDER BY id")).unwrap(), ["1", "2"]);
}

#[test]
fn errors_carry_the_code_and_the_sql_on_one_line() {
    let test = test_db!();
    let mut db = test.connect();
    let sql = "SELECT *\n  FROM no_such_table";
    let err = block_on(db.query_rows(sql)).unwrap_err();
    assert_eq!(err.kind(), DbErrorKind::Statement);
    assert_eq!(err.code(), Some("1146"));
    assert_eq!(err.sql(), Some(sql));
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.contains("no_such_table' doesn't exist") && text.ends_with("[SQL: SELECT * FROM no_such_table]"),
        "{text}"
    );

    let err = block_on(db.execute("CREATE TABLE")).unwrap_err();
    assert_eq!(err.code(), Some("1064"), "{err}");
    // The session goes on after an error.
    assert_eq!(rows(&mut db, "SELECT 1"), vec![vec![s("1")]]);
}

#[test]
fn transactions_roll_back() {
    let test = test_db!();
    let mut db = test.connect();
    run(&mut db, "CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
    block_on(db.begin()).unwrap();
    run(&mut db, "INSERT INTO t VALUES (1)");
    block_on(db.rollback()).unwrap();
    block_on(db.begin()).unwrap();
    run(&mut db, "INSERT INTO t VALUES (2)");
    block_on(db.commit()).unwrap();
    assert_eq!(block_on(db.query_column("SELECT id FROM t")).unwrap(), ["2"]);
}

#[test]
fn rows_are_bound_in_statements_within_the_placeholder_limit() {
    let test = test_db!();
    let mut db = test.connect();
    run(&mut db, "CREATE TABLE big (id BIGINT PRIMARY KEY, name VARCHAR(40), score DOUBLE, flag TINYINT(1))");
    // 40,000 rows of 4 values: 160,000 parameters, more than twice what one statement
    // may bind. Values that would break a literal travel as they are.
    let tricky = ["it's", "back\\slash", "'); DROP TABLE big; --", "é ☃"];
    let n: i64 = 40_000;
    let mut values = Vec::new();
    for i in 0..n {
        values.push(Param::Integer(i));
        values.push(Param::Text(tricky[(i % 4) as usize].to_string()));
        values.push(if i % 10 == 0 { Param::Null } else { Param::Float(i as f64 / 4.0) });
        values.push(Param::Integer(i % 2));
    }
    assert!(values.len() > 2 * MYSQL_MAX_PLACEHOLDERS);
    let batch = RowBatch {
        table: "`big`".into(),
        columns: vec!["`id`".into(), "`name`".into(), "`score`".into(), "`flag`".into()],
        values,
    };
    assert_eq!(block_on(db.insert_rows(batch)).unwrap(), n as u64);
    assert_eq!(block_on(db.query_column("SELECT COUNT(*) FROM big")).unwrap(), [n.to_string()]);
    assert_eq!(
        rows(&mut db, "SELECT id, name, score, flag FROM big WHERE id IN (0, 1, 2, 3, 39999) ORDER BY id"),
        vec![
            vec![s("0"), s("it's"), None, s("0")],
            vec![s("1"), s("back\\slash"), s("0.25"), s("1")],
            vec![s("2"), s("'); DROP TABLE big; --"), s("0.5"), s("0")],
            vec![s("3"), s("é ☃"), s("0.75"), s("1")],
            vec![s("39999"), s("é ☃"), s("9999.75"), s("1")],
        ]
    );
    // A failing batch says which statement failed; what went before stays.
    let batch = RowBatch {
        table: "`big`".into(),
        columns: vec!["`id`".into(), "`name`".into()],
        values: vec![
            Param::Integer(n),
            Param::Text("new".into()),
            Param::Integer(0),
            Param::Text("dup".into()),
        ],
    };
    let err = block_on(db.insert_rows(batch)).unwrap_err();
    assert_eq!(err.code(), Some("1062"), "{err}");
    assert_eq!(err.sql(), Some("INSERT INTO `big` (`id`, `name`) VALUES (?, ?), (?, ?)"));
}

#[test]
fn values_larger_than_the_packet_limit_together_are_inserted() {
    let test = test_db!();
    let mut db = test.connect();
    run(&mut db, "CREATE TABLE blobs (id INT PRIMARY KEY, body LONGTEXT)");
    // 40 values of 1 MiB: more than max_allowed_packet (16 MiB on MariaDB) together.
    let body = "x".repeat(1 << 20);
    let mut values = Vec::new();
    for i in 0..40 {
        values.push(Param::Integer(i));
        values.push(Param::Text(body.clone()));
    }
    let batch = RowBatch { table: "`blobs`".into(), columns: vec!["`id`".into(), "`body`".into()], values };
    assert_eq!(block_on(db.insert_rows(batch)).unwrap(), 40);
    assert_eq!(
        rows(&mut db, "SELECT COUNT(*), MIN(LENGTH(body)) FROM blobs"),
        vec![vec![s("40"), Some((1 << 20).to_string())]]
    );
}

#[test]
fn any_backend_connects_from_a_url() {
    let test = test_db!();
    let mut db = connect(&test.database_url()).expect("connect");
    assert!(matches!(db, AnyBackend::Mysql(_)));
    assert_eq!(db.dialect(), Dialect::Mysql);
    assert_eq!(rows(&mut db, "SELECT DATABASE()"), vec![vec![Some(test.name.clone())]]);
    assert!(format!("{db:?}").contains("mysql"));
}

#[test]
fn connect_errors_name_the_url_without_the_password() {
    let url = alembic::url::DatabaseUrl::parse(
        &format!(
            "{}?connect_timeout=5",
            support::mysql_server_url().replacen("://root@", "://nobody:hunter2@", 1)
        ),
        std::path::Path::new("/"),
    )
    .unwrap();
    if support::mysql_test_db().is_none() {
        return;
    }
    let err = connect(&url).expect_err("a wrong user is refused");
    let text = err.to_string();
    assert_eq!(err.kind(), DbErrorKind::Connect, "{text}");
    assert!(text.contains("nobody:***@") && !text.contains("hunter2"), "{text}");
    // ER_ACCESS_DENIED_ERROR; MariaDB says 1698 for a user it does not know.
    assert!(matches!(err.code(), Some("1045" | "1698")), "{text}");
}

#[test]
fn a_held_lock_names_its_holder_and_a_bounded_wait_gives_up() {
    let test = test_db!();
    let mut first = test.connect();
    let mut second = test.connect();
    let holder_id = first.connection_id().unwrap();

    let mut told = Vec::new();
    block_on(first.lock_waiting("alembic_version", Wait { timeout: None, on_wait: &mut |m| told.push(m) }))
        .unwrap();
    assert!(told.is_empty(), "a free lock is taken without a wait: {told:?}");

    let started = Instant::now();
    let mut told = Vec::new();
    let err = block_on(second.lock_waiting(
        "alembic_version",
        Wait { timeout: Some(Duration::from_millis(1500)), on_wait: &mut |m| told.push(m) },
    ))
    .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with(&format!("MySQL connection {holder_id} (user root"))
            && told[0].ends_with("holds the migration lock"),
        "{}",
        told[0]
    );
    assert!(told[0].contains(&format!("database {}", test.name)), "{}", told[0]);
    assert_eq!(err.kind(), DbErrorKind::LockTimeout, "{err}");
    assert!(
        err.to_string()
            .starts_with("gave up waiting for another migrator after 1.5 s (lock_timeout): MySQL connection"),
        "{err}"
    );
    assert!(waited >= Duration::from_millis(1400) && waited < Duration::from_secs(5), "{waited:?}");

    // A zero bound gives up at once, still naming the holder.
    let err = block_on(
        second.lock_waiting("alembic_version", Wait { timeout: Some(Duration::ZERO), on_wait: &mut |_| {} }),
    )
    .unwrap_err();
    assert_eq!(err.kind(), DbErrorKind::LockTimeout);

    // Another key, or the same key in another database, is another lock.
    block_on(
        second.lock_waiting("other_version", Wait { timeout: Some(Duration::ZERO), on_wait: &mut |_| {} }),
    )
    .unwrap();
    block_on(second.unlock("other_version")).unwrap();
    let other = support::mysql_test_db().unwrap();
    let mut elsewhere = other.connect();
    block_on(
        elsewhere
            .lock_waiting("alembic_version", Wait { timeout: Some(Duration::ZERO), on_wait: &mut |_| {} }),
    )
    .unwrap();

    // Released by the holder while the other waits: the wait ends with the lock.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        block_on(first.unlock("alembic_version")).unwrap();
        first
    });
    let mut told = Vec::new();
    let started = Instant::now();
    block_on(second.lock_waiting(
        "alembic_version",
        Wait { timeout: Some(Duration::from_secs(20)), on_wait: &mut |m| told.push(m) },
    ))
    .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut first = releaser.join().unwrap();
    // Now the first waits for the second; the session's end frees the lock.
    drop(second);
    block_on(first.lock_waiting(
        "alembic_version",
        Wait { timeout: Some(Duration::from_secs(5)), on_wait: &mut |_| {} },
    ))
    .unwrap();
    block_on(first.lock("alembic_version")).unwrap();
    block_on(first.unlock("alembic_version")).unwrap();
    block_on(first.unlock("alembic_version")).unwrap();
}

// ----- reflection ------------------------------------------------------------------

use alembic::ops::ReferentialAction;
use alembic::reflect::{MYSQL_CATALOG_QUERIES, ReflectOptions, reflect_counted};
use alembic::schema::model::{
    CheckConstraint, ColumnDef, Computed, ForeignKey, Index, ObjectKind, PrimaryKey, Table, UniqueConstraint,
};
use alembic::schema::types::SqlType;

/// A column as reflection gives it: nullable, no default, nothing else.
fn col(name: &str, ty: SqlType) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty,
        nullable: true,
        server_default: None,
        autoincrement: None,
        comment: None,
        identity: None,
        computed: None,
        collation: None,
    }
}

fn not_null(mut c: ColumnDef) -> ColumnDef {
    c.nullable = false;
    c
}

fn default(mut c: ColumnDef, sql: &str) -> ColumnDef {
    c.server_default = Some(sql.into());
    c
}

fn auto(mut c: ColumnDef) -> ColumnDef {
    c.autoincrement = Some(true);
    c
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const SCHEMA_DDL: &str = "
CREATE TABLE parent (
  id INT NOT NULL AUTO_INCREMENT,
  code CHAR(3) NOT NULL DEFAULT 'abc',
  region SMALLINT NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT uq_parent_code UNIQUE (code),
  UNIQUE KEY uq_parent_pair (region, code)
) ENGINE=InnoDB COMMENT 'the parents';
CREATE UNIQUE INDEX ux_parent_region ON parent (region);
CREATE TABLE child (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  flag TINYINT(1) NOT NULL DEFAULT 1,
  small SMALLINT(6),
  tiny TINYINT,
  count INT(11) NOT NULL DEFAULT 0,
  name VARCHAR(50) NOT NULL DEFAULT 'it''s',
  body TEXT,
  big LONGTEXT,
  price DECIMAL(10,2) DEFAULT 1.50,
  ratio DOUBLE,
  score FLOAT,
  born DATE,
  at_time TIME,
  created DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data BLOB,
  raw LONGBLOB,
  doc JSON,
  status ENUM('new','it''s','done') NOT NULL DEFAULT 'new',
  token CHAR(32) COLLATE ascii_bin,
  uns INT UNSIGNED,
  parent_id INT,
  parent_region SMALLINT,
  parent_code CHAR(3),
  total INT AS (count * 2) STORED,
  note VARCHAR(20) COMMENT 'a note',
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
  FOREIGN KEY (parent_region, parent_code) REFERENCES parent (region, code) ON UPDATE SET NULL,
  CONSTRAINT ck_price CHECK (price >= 0),
  KEY ix_child_name (name(10), born DESC),
  KEY ix_child_created (created)
) ENGINE=InnoDB;
CREATE INDEX ix_child_parent_born ON child (parent_id, born);
CREATE TABLE pet (id INT PRIMARY KEY, owner_id INT NOT NULL,
  CONSTRAINT fk_pet_owner FOREIGN KEY (owner_id) REFERENCES parent (id), KEY ix_pet_owner_id (id, owner_id));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE tmp_scratch (id INT);
CREATE VIEW active_children AS SELECT id, name FROM child WHERE flag = 1;
CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW SET NEW.note = LEFT(NEW.name, 20);
";

#[test]
fn reflection_reads_what_mysql_ddl_made() {
    let test = test_db!();
    let mut db = test.connect();
    block_on(db.execute_script(SCHEMA_DDL)).unwrap();
    let opts = ReflectOptions { exclude_tables: vec!["tmp_*".into()], ..ReflectOptions::default() };
    let reflection = block_on(reflect_counted(&mut db, &opts)).unwrap();
    assert_eq!(reflection.queries, MYSQL_CATALOG_QUERIES);
    let schema = reflection.schema;
    // Each table's default collation is the database's: the columns name none but token.
    let default_collation = rows(&mut db, "SELECT @@collation_database").remove(0).remove(0);
    let tables: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    // The version table, the excluded table and the view are not tables of the model.
    assert_eq!(tables, ["child", "parent", "pet"]);

    let mut parent = Table::new(None, "parent");
    parent.columns = vec![
        not_null(auto(col("id", SqlType::Integer))),
        default(not_null(col("code", SqlType::Other("CHAR(3)".into()))), "'abc'"),
        not_null(col("region", SqlType::SmallInt)),
    ];
    parent.primary_key = Some(PrimaryKey { name: None, columns: names(&["id"]) });
    // Unique constraints and unique indexes are one thing on MySQL: all constraints.
    parent.uniques = vec![
        UniqueConstraint {
            name: Some("uq_parent_code".into()),
            columns: names(&["code"]),
            ..Default::default()
        },
        UniqueConstraint {
            name: Some("uq_parent_pair".into()),
            columns: names(&["region", "code"]),
            ..Default::default()
        },
        UniqueConstraint {
            name: Some("ux_parent_region".into()),
            columns: names(&["region"]),
            ..Default::default()
        },
    ];
    parent.comment = Some("the parents".into());
    parent.default_collation = default_collation.clone();
    assert_eq!(schema.table(None, "parent"), Some(&parent));

    let mut child = Table::new(None, "child");
    child.default_collation = default_collation.clone();
    let mut note = col("note", SqlType::Varchar(Some(20)));
    note.comment = Some("a note".into());
    let mut total = col("total", SqlType::Integer);
    total.computed = Some(Computed { sql: "`count` * 2".into(), stored: true });
    child.columns = vec![
        not_null(auto(col("id", SqlType::BigInt))),
        default(not_null(col("flag", SqlType::Boolean)), "1"),
        col("small", SqlType::SmallInt),
        col("tiny", SqlType::Other("TINYINT".into())),
        default(not_null(col("count", SqlType::Integer)), "0"),
        default(not_null(col("name", SqlType::Varchar(Some(50)))), "'it''s'"),
        col("body", SqlType::Text),
        col("big", SqlType::Other("LONGTEXT".into())),
        default(col("price", SqlType::Numeric { precision: Some(10), scale: Some(2) }), "1.50"),
        col("ratio", SqlType::Double),
        col("score", SqlType::Real),
        col("born", SqlType::Date),
        col("at_time", SqlType::Time),
        default(col("created", SqlType::Timestamp), "CURRENT_TIMESTAMP"),
        default(
            not_null(col("updated", SqlType::Other("TIMESTAMP".into()))),
            "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
        ),
        col("data", SqlType::Blob),
        col("raw", SqlType::Other("LONGBLOB".into())),
        // MariaDB's JSON is longtext with a json_valid check: json, and no check.
        col("doc", SqlType::Json),
        default(
            not_null(col(
                "status",
                SqlType::Enum { name: "status".into(), values: names(&["new", "it's", "done"]) },
            )),
            "'new'",
        ),
        {
            let mut token = col("token", SqlType::Other("CHAR(32)".into()));
            token.collation = Some("ascii_bin".into());
            token
        },
        col("uns", SqlType::Other("INT UNSIGNED".into())),
        col("parent_id", SqlType::Integer),
        col("parent_region", SqlType::SmallInt),
        col("parent_code", SqlType::Other("CHAR(3)".into())),
        total,
        note,
    ];
    child.primary_key = Some(PrimaryKey { name: None, columns: names(&["id"]) });
    child.foreign_keys = vec![
        ForeignKey {
            name: Some("child_ibfk_1".into()),
            columns: names(&["parent_region", "parent_code"]),
            ref_schema: None,
            ref_table: "parent".into(),
            ref_columns: names(&["region", "code"]),
            on_delete: None,
            on_update: Some(ReferentialAction::SetNull),
            ..Default::default()
        },
        ForeignKey {
            name: Some("fk_child_parent".into()),
            columns: names(&["parent_id"]),
            ref_schema: None,
            ref_table: "parent".into(),
            ref_columns: names(&["id"]),
            on_delete: Some(ReferentialAction::Cascade),
            on_update: None,
            ..Default::default()
        },
    ];
    child.checks = vec![CheckConstraint { name: Some("ck_price".into()), sql: "`price` >= 0".into() }];
    // The foreign keys' implicit indexes are left out; the explicit ones stay.
    child.indexes = vec![
        Index {
            name: "ix_child_created".into(),
            columns: names(&["created"]),
            unique: false,
            where_: None,
            ..Default::default()
        },
        Index {
            name: "ix_child_name".into(),
            columns: names(&["name(10)", "born DESC"]),
            unique: false,
            where_: None,
            ..Default::default()
        },
        Index {
            name: "ix_child_parent_born".into(),
            columns: names(&["parent_id", "born"]),
            unique: false,
            where_: None,
            ..Default::default()
        },
    ];
    let reflected = schema.table(None, "child").unwrap();
    for (got, want) in reflected.columns.iter().zip(&child.columns) {
        assert_eq!(got, want);
    }
    assert_eq!(reflected, &child);

    // The index MySQL made for fk_pet_owner (named as the key) is left out; an integer
    // primary key without AUTO_INCREMENT says so.
    let mut pet = Table::new(None, "pet");
    pet.default_collation = default_collation.clone();
    pet.columns = vec![not_null(col("id", SqlType::Integer)), not_null(col("owner_id", SqlType::Integer))];
    pet.columns[0].autoincrement = Some(false);
    pet.primary_key = Some(PrimaryKey { name: None, columns: names(&["id"]) });
    pet.foreign_keys = vec![ForeignKey {
        name: Some("fk_pet_owner".into()),
        columns: names(&["owner_id"]),
        ref_schema: None,
        ref_table: "parent".into(),
        ref_columns: names(&["id"]),
        on_delete: None,
        on_update: None,
        ..Default::default()
    }];
    pet.indexes = vec![Index {
        name: "ix_pet_owner_id".into(),
        columns: names(&["id", "owner_id"]),
        unique: false,
        where_: None,
        ..Default::default()
    }];
    assert_eq!(schema.table(None, "pet"), Some(&pet));
    let implicit = rows(
        &mut db,
        "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         AND INDEX_NAME IN ('fk_pet_owner', 'parent_region')",
    );
    assert_eq!(implicit, vec![vec![s("3")]], "MySQL made the implicit indexes this test leaves out");

    // The view and the trigger, as statements that make them again.
    let kinds: Vec<(ObjectKind, &str, Option<&str>)> =
        schema.objects.iter().map(|o| (o.kind, o.name.as_str(), o.table.as_deref())).collect();
    assert_eq!(
        kinds,
        [(ObjectKind::View, "active_children", None), (ObjectKind::Trigger, "child_touch", Some("child"))]
    );
    let view = &schema.objects[0].sql;
    assert!(view.starts_with("CREATE VIEW `active_children` AS select "), "{view}");
    assert!(!view.contains(&test.name), "the view names its database: {view}");
    let trigger = &schema.objects[1].sql;
    assert_eq!(
        trigger,
        "CREATE TRIGGER `child_touch` BEFORE UPDATE ON `child` FOR EACH ROW SET NEW.note = LEFT(NEW.name, 20)"
    );
    run(&mut db, "DROP VIEW active_children");
    run(&mut db, "DROP TRIGGER child_touch");
    run(&mut db, view);
    run(&mut db, trigger);
    let again = block_on(reflect_counted(&mut db, &opts)).unwrap().schema;
    assert_eq!(again, schema);

    // The same database named from a connection to another one: tables carry it.
    let other = support::mysql_test_db().unwrap();
    let mut elsewhere = other.connect();
    let named = ReflectOptions { schema: Some(test.name.clone()), ..opts.clone() };
    let from_elsewhere = block_on(reflect_counted(&mut elsewhere, &named)).unwrap();
    assert_eq!(from_elsewhere.queries, MYSQL_CATALOG_QUERIES);
    let child_there =
        from_elsewhere.schema.table(Some(&test.name), "child").expect("child in the named database");
    assert_eq!(child_there.columns, child.columns);
    assert_eq!(child_there.foreign_keys, child.foreign_keys);
}

#[test]
fn reflection_costs_the_same_queries_for_1_and_50_tables() {
    let test = test_db!();
    let mut db = test.connect();
    let make = |db: &mut BlockingMysql, from: usize, to: usize| {
        let mut script = String::new();
        for i in from..to {
            script.push_str(&format!(
                "CREATE TABLE t{i} (id INT AUTO_INCREMENT PRIMARY KEY, ref_id INT, v VARCHAR(10) DEFAULT 'x', \
                 UNIQUE KEY uq_t{i}_v (v), KEY ix_t{i}_ref (ref_id, v), CONSTRAINT ck_t{i} CHECK (ref_id > 0), \
                 CONSTRAINT fk_t{i} FOREIGN KEY (ref_id) REFERENCES t0 (id));\n\
                 CREATE TRIGGER tr_t{i} BEFORE INSERT ON t{i} FOR EACH ROW SET NEW.v = LOWER(NEW.v);\n\
                 CREATE VIEW v_t{i} AS SELECT id FROM t{i};\n"
            ));
        }
        block_on(db.execute_script(&script)).unwrap();
    };
    make(&mut db, 0, 1);
    let one = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap();
    make(&mut db, 1, 50);
    let fifty = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap();
    assert_eq!(one.schema.tables.len(), 1);
    assert_eq!(fifty.schema.tables.len(), 50);
    assert_eq!(fifty.schema.objects.len(), 100);
    assert_eq!(one.queries, MYSQL_CATALOG_QUERIES);
    assert_eq!(fifty.queries, one.queries);
    let t49 = fifty.schema.table(None, "t49").unwrap();
    assert_eq!(t49.foreign_keys.len(), 1);
    assert_eq!(t49.uniques.len(), 1);
    assert_eq!(t49.checks.len(), 1);
    assert_eq!(t49.indexes.len(), 1, "{:?}", t49.indexes);
}

/// A schema written as the employees sample writes it (keys declared without names,
/// a view over a view whose name sorts first) as an autogenerate target: the tables
/// our ops build are the ones the `mariadb` client builds from the file, to the
/// names of the keys' indexes (`SHOW CREATE TABLE`), and the views are made in an
/// order that works.
#[test]
fn unnamed_keys_and_views_over_views_come_out_as_the_file_declares_them() {
    use alembic::autogen::{CompareOptions, compare};
    use alembic::dialect::{RenderOptions, render_ops};
    use alembic::reflect::load_schema_sql;
    let reference = test_db!();
    let ours = test_db!();
    let file = "CREATE TABLE dept (dept_no CHAR(4) NOT NULL, PRIMARY KEY (dept_no));\n\
                CREATE TABLE emp (emp_no INT NOT NULL, PRIMARY KEY (emp_no));\n\
                CREATE TABLE dept_emp (emp_no INT NOT NULL, dept_no CHAR(4) NOT NULL, \
                  FOREIGN KEY (emp_no) REFERENCES emp (emp_no) ON DELETE CASCADE, \
                  FOREIGN KEY (dept_no) REFERENCES dept (dept_no) ON DELETE CASCADE, \
                  PRIMARY KEY (emp_no, dept_no));\n\
                /*!50503 set default_storage_engine = InnoDB */;\n\
                CREATE VIEW latest AS SELECT emp_no, MAX(dept_no) AS dept_no FROM dept_emp GROUP BY emp_no;\n\
                CREATE VIEW current_emp AS SELECT l.emp_no FROM dept_emp d JOIN latest l ON d.emp_no = l.emp_no;\n";
    support::mariadb(&reference.url, file);
    let target = load_schema_sql(&reference.database_url(), file, &ReflectOptions::default()).unwrap();
    let mut db = ours.connect();
    let empty = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap().schema;
    let ops = compare(&target, &empty, &CompareOptions::new(Dialect::Mysql));
    let mut model = empty.clone();
    for sql in
        render_ops(Dialect::Mysql, &ops, &mut model, RenderOptions::default()).unwrap().iter().flatten()
    {
        run(&mut db, sql);
    }
    for table in ["dept", "emp", "dept_emp"] {
        let show =
            |url: &alembic::url::MysqlUrl| support::mariadb(url, &format!("SHOW CREATE TABLE {table}"));
        assert_eq!(show(&ours.url), show(&reference.url), "{table}");
    }
    let views = rows(
        &mut db,
        "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
    );
    assert_eq!(views, vec![vec![s("current_emp")], vec![s("latest")]]);
}

/// `include_schemas`: the server's other databases are MySQL's schemas. A table there
/// carries its database's name, and each database comes with its `CREATE SCHEMA`.
#[test]
fn include_schemas_reads_the_other_databases_of_the_server() {
    let home = test_db!();
    let other = test_db!();
    let mut db = home.connect();
    run(&mut db, "CREATE TABLE parent (id INT PRIMARY KEY)");
    let (h, o) = (&home.name, &other.name);
    run(
        &mut db,
        &format!(
            "CREATE TABLE `{o}`.child (id INT PRIMARY KEY, parent_id INT, up_id INT, \
             CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES `{h}`.parent (id), \
             CONSTRAINT fk_up FOREIGN KEY (up_id) REFERENCES `{o}`.child (id))"
        ),
    );
    run(&mut db, &format!("CREATE VIEW `{o}`.v_child AS SELECT id FROM `{o}`.child"));

    let alone = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap();
    let names: Vec<_> = alone.schema.tables.iter().map(|t| (t.schema.clone(), t.name.clone())).collect();
    assert_eq!(names, vec![(None, "parent".to_string())], "without include_schemas only the URL's database");

    let opts = ReflectOptions { include_schemas: true, ..ReflectOptions::default() };
    let all = block_on(reflect_counted(&mut db, &opts)).unwrap();
    assert!(all.schema.table(None, "parent").is_some());
    let child = all.schema.table(Some(o), "child").unwrap_or_else(|| panic!("{:#?}", all.schema.tables));
    let fk = |name: &str| child.foreign_keys.iter().find(|f| f.name.as_deref() == Some(name)).unwrap();
    // As on PostgreSQL, a key names a schema only for another database than its own.
    let target = |name: &str| (fk(name).ref_schema.as_deref(), fk(name).ref_table.as_str());
    assert_eq!(target("fk_parent"), (Some(h.as_str()), "parent"));
    assert_eq!(target("fk_up"), (None, "child"));
    let schema_object =
        all.schema.objects.iter().find(|x| x.kind == ObjectKind::Schema && &x.name == o).unwrap();
    assert!(
        schema_object.sql.starts_with(&format!("CREATE SCHEMA `{o}` CHARACTER SET utf8mb4")),
        "{}",
        schema_object.sql
    );
    let view = all.schema.objects.iter().find(|x| x.kind == ObjectKind::View && x.name == "v_child").unwrap();
    assert_eq!(view.schema.as_deref(), Some(o.as_str()));
    // The same nine queries per database (other tests' databases come and go, so
    // only the multiple is fixed): one to list them, then nine each.
    assert_eq!((all.queries - 1) % MYSQL_CATALOG_QUERIES, 0, "{} queries", all.queries);
}

/// The interrupt is process-wide: the part that calls it runs in a child process
/// (this test binary again, running only this test with `INTERRUPT_CHILD` set).
#[test]
fn an_interrupt_kills_the_running_statement_and_ends_a_lock_wait() {
    const CHILD: &str = "ALEMBIC_TEST_MYSQL_INTERRUPT_CHILD";
    let test = test_db!();
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "an_interrupt_kills_the_running_statement_and_ends_a_lock_wait", "--nocapture"])
            .env(CHILD, &test.name)
            .env("ALEMBIC_TEST_MYSQL_URL", support::mysql_server_url())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "the child ran the test:\n{stdout}");
        return;
    }
    let mut holder = test.connect();
    let mut waiter = test.connect();
    let mut busy = test.connect();
    block_on(holder.lock("alembic_version")).unwrap();
    let stopper = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(800));
        alembic::runtime::interrupt::interrupt();
    });
    // A long statement is killed (KILL QUERY from a second connection)…
    let started = Instant::now();
    let err = block_on(busy.query_rows("SELECT SLEEP(30)"));
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    // MySQL's SLEEP returns 1 when killed; MariaDB fails the statement with 1317.
    match err {
        Ok(rows) => assert_eq!(rows, vec![vec![s("1")]]),
        Err(e) => assert_eq!(e.code(), Some("1317"), "{e}"),
    }
    stopper.join().unwrap();
    // … the session goes on, and a wait for the lock ends at once, interrupted.
    assert_eq!(rows(&mut busy, "SELECT 2"), vec![vec![s("2")]]);
    let err = block_on(waiter.lock_waiting("alembic_version", Wait { timeout: None, on_wait: &mut |_| {} }))
        .unwrap_err();
    assert_eq!(err.kind(), DbErrorKind::Interrupted, "{err}");
}

#[test]
fn ssl_mode_required_is_tls_or_an_error() {
    let test = test_db!();
    let mut db = test.connect();
    let have_ssl = block_on(db.query_column("SELECT @@have_ssl")).unwrap_or_default();
    let mut url = test.url.clone();
    url.ssl_mode = Some(alembic::url::MysqlSslMode::Required);
    match BlockingMysql::connect(&url) {
        Ok(mut tls) => {
            assert_eq!(have_ssl, ["YES"]);
            let cipher = rows(&mut tls, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
            assert!(cipher[0][1].as_deref().is_some_and(|c| !c.is_empty()), "{cipher:?}");
        }
        Err(e) => {
            // A server without TLS (this test server's `have_ssl = DISABLED`).
            assert_ne!(have_ssl, ["YES"], "{e}");
            assert_eq!(e.kind(), DbErrorKind::Connect, "{e}");
            assert!(e.to_string().contains("server does not have this capability"), "{e}");
        }
    }
    // PREFERRED (the default) falls back to plain text on such a server, and
    // DISABLED never tries.
    url.ssl_mode = Some(alembic::url::MysqlSslMode::Disabled);
    let mut plain = BlockingMysql::connect(&url).unwrap();
    assert_eq!(rows(&mut plain, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")[0][1].as_deref(), Some(""));
}
