//! Reflection: every object kind read back from SQLite and PostgreSQL, the version
//! table and excluded tables left out, and PostgreSQL's catalog query count fixed
//! whatever the number of tables.

mod support;

use alembic::ops::ReferentialAction;
use alembic::reflect::{ReflectOptions, SQLITE_CATALOG_QUERIES, load_schema_sql, reflect, reflect_counted};
use alembic::runtime::connection::{Backend, SqliteBackend, block_on};
use alembic::schema::model::{CheckConstraint, ForeignKey, Index, PrimaryKey, Schema, UniqueConstraint};
use alembic::schema::types::SqlType;
use alembic::url::DatabaseUrl;

const SQLITE_SCHEMA: &str = r#"
CREATE TABLE artist (
    id INTEGER PRIMARY KEY,
    name VARCHAR(120) NOT NULL DEFAULT 'unknown',
    "Sort Name" NVARCHAR(120),
    born DATETIME DEFAULT (datetime('now')),
    rating NUMERIC(4, 2) CHECK (rating >= 0),
    CONSTRAINT uq_artist_name UNIQUE (name)
);
CREATE TABLE album (
    id INTEGER NOT NULL,
    artist_id INTEGER NOT NULL REFERENCES artist (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    code CHAR(32) UNIQUE,
    price DOUBLE,
    CONSTRAINT pk_album PRIMARY KEY (id),
    CONSTRAINT ck_album_price CHECK (price > 0)
);
CREATE TABLE track_tag (
    album_id INTEGER NOT NULL,
    tag VARCHAR(20) NOT NULL,
    PRIMARY KEY (album_id, tag),
    CONSTRAINT fk_tag_album FOREIGN KEY (album_id) REFERENCES album
);
CREATE INDEX ix_album_title ON album (title);
CREATE UNIQUE INDEX ix_album_lower ON album (lower(title), price DESC) WHERE price IS NOT NULL;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE tmp_scratch (x INTEGER);
"#;

fn options() -> ReflectOptions {
    ReflectOptions { exclude_tables: vec!["tmp_*".to_string()], ..ReflectOptions::default() }
}

fn sqlite_schema(sql: &str) -> (Schema, usize) {
    let mut db = SqliteBackend::open(None).expect("open");
    block_on(db.execute_script(sql)).expect("schema");
    let r = block_on(reflect_counted(&mut db, &options())).expect("reflect");
    (r.schema, r.queries)
}

#[test]
fn sqlite_reflects_every_object_kind() {
    let (schema, queries) = sqlite_schema(SQLITE_SCHEMA);
    assert_eq!(queries, SQLITE_CATALOG_QUERIES);
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["album", "artist", "track_tag"], "version table and tmp_* left out");

    let artist = schema.table(None, "artist").unwrap();
    let id = artist.column("id").unwrap();
    assert_eq!((id.ty.clone(), id.nullable, id.autoincrement), (SqlType::Integer, false, Some(true)));
    let name = artist.column("name").unwrap();
    assert_eq!(name.ty, SqlType::Varchar(Some(120)));
    assert!(!name.nullable);
    assert_eq!(name.server_default.as_deref(), Some("'unknown'"));
    assert_eq!(artist.column("Sort Name").unwrap().ty, SqlType::Other("NVARCHAR(120)".into()));
    let born = artist.column("born").unwrap();
    assert_eq!(born.ty, SqlType::Timestamp);
    assert_eq!(born.server_default.as_deref(), Some("datetime('now')"));
    assert_eq!(artist.column("rating").unwrap().ty, SqlType::Numeric { precision: Some(4), scale: Some(2) });
    assert_eq!(artist.primary_key, Some(PrimaryKey { name: None, columns: vec!["id".into()] }));
    assert_eq!(
        artist.uniques,
        vec![UniqueConstraint {
            name: Some("uq_artist_name".into()),
            columns: vec!["name".into()],
            ..Default::default()
        }]
    );
    assert_eq!(artist.checks, vec![CheckConstraint { name: None, sql: "rating >= 0".into() }]);

    let album = schema.table(None, "album").unwrap();
    assert_eq!(
        album.primary_key,
        Some(PrimaryKey { name: Some("pk_album".into()), columns: vec!["id".into()] })
    );
    assert_eq!(album.column("id").unwrap().autoincrement, Some(true));
    assert_eq!(album.column("code").unwrap().ty, SqlType::Other("CHAR(32)".into()));
    assert_eq!(album.column("price").unwrap().ty, SqlType::Double);
    assert_eq!(
        album.uniques,
        vec![UniqueConstraint { name: None, columns: vec!["code".into()], ..Default::default() }]
    );
    assert_eq!(
        album.foreign_keys,
        vec![ForeignKey {
            name: None,
            columns: vec!["artist_id".into()],
            ref_schema: None,
            ref_table: "artist".into(),
            ref_columns: vec!["id".into()],
            on_delete: Some(ReferentialAction::Cascade),
            on_update: None,
            ..Default::default()
        }]
    );
    assert_eq!(
        album.checks,
        vec![CheckConstraint { name: Some("ck_album_price".into()), sql: "price > 0".into() }]
    );
    assert_eq!(
        album.indexes,
        vec![
            Index {
                name: "ix_album_lower".into(),
                columns: vec!["lower(title)".into(), "price DESC".into()],
                unique: true,
                where_: Some("price IS NOT NULL".into()),
                ..Default::default()
            },
            Index {
                name: "ix_album_title".into(),
                columns: vec!["title".into()],
                unique: false,
                where_: None,
                ..Default::default()
            },
        ]
    );

    let tag = schema.table(None, "track_tag").unwrap();
    assert_eq!(tag.primary_key.as_ref().unwrap().columns, ["album_id", "tag"]);
    assert_eq!(tag.column("album_id").unwrap().autoincrement, None);
    let fk = &tag.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("fk_tag_album"));
    assert_eq!(fk.ref_columns, ["id"], "an implicit reference is the referenced primary key");
}

#[test]
fn sqlite_query_count_does_not_grow_with_tables() {
    let many: String =
        (0..30).map(|i| format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT);\n")).collect();
    let (schema, queries) = sqlite_schema(&many);
    assert_eq!(schema.tables.len(), 30);
    assert_eq!(queries, SQLITE_CATALOG_QUERIES);
}

#[test]
fn sqlite_load_schema_sql() {
    let url = DatabaseUrl::Sqlite { path: None };
    let schema = load_schema_sql(&url, SQLITE_SCHEMA, &options()).expect("load");
    assert_eq!(schema.tables.len(), 3);
    let err = load_schema_sql(&url, "CREATE TABLE (", &options()).unwrap_err();
    assert!(err.to_string().contains("syntax error"), "{err}");
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;
    use alembic::reflect::POSTGRES_CATALOG_QUERIES;

    const PG_SCHEMA: &str = r#"
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TABLE artist (
    id SERIAL PRIMARY KEY,
    name VARCHAR(120) NOT NULL DEFAULT 'unknown',
    "Sort Name" TEXT DEFAULT 'x'::text,
    born TIMESTAMP DEFAULT now(),
    seen TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    rating NUMERIC(4, 2) CONSTRAINT ck_rating CHECK (rating >= 0),
    feeling mood DEFAULT 'happy',
    active BOOLEAN NOT NULL DEFAULT true,
    tags TEXT[],
    code CHAR(3),
    score INTEGER DEFAULT -1,
    CONSTRAINT uq_artist_name UNIQUE (name)
);
COMMENT ON TABLE artist IS 'People who make music';
COMMENT ON COLUMN artist.name IS 'Display name';
CREATE TABLE album (
    id INTEGER GENERATED BY DEFAULT AS IDENTITY,
    artist_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    uid UUID,
    data JSON,
    raw BYTEA,
    length INTERVAL,
    released DATE,
    at TIME,
    big BIGINT,
    small SMALLINT,
    r REAL,
    d DOUBLE PRECISION,
    CONSTRAINT pk_album PRIMARY KEY (id),
    CONSTRAINT fk_album_artist FOREIGN KEY (artist_id) REFERENCES artist (id) ON DELETE CASCADE ON UPDATE SET NULL
);
CREATE TABLE plain (code INTEGER PRIMARY KEY, note VARCHAR);
CREATE INDEX ix_album_title ON album (title);
CREATE UNIQUE INDEX ix_album_lower ON album (lower(title), released DESC) WHERE released IS NOT NULL;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE tmp_scratch (x INTEGER);
"#;

    #[test]
    fn postgres_reflects_every_object_kind() {
        let Some(pg) = support::pg_test_db() else { return };
        let mut db = pg.connect();
        block_on(db.execute_script(PG_SCHEMA)).expect("schema");
        let r = block_on(reflect_counted(&mut db, &options())).expect("reflect");
        assert_eq!(r.queries, POSTGRES_CATALOG_QUERIES);
        let schema = r.schema;
        let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["album", "artist", "plain"]);

        let artist = schema.table(None, "artist").unwrap();
        assert_eq!(artist.comment.as_deref(), Some("People who make music"));
        let col = |n: &str| artist.column(n).unwrap();
        assert_eq!(
            (col("id").ty.clone(), col("id").autoincrement, col("id").server_default.clone()),
            (SqlType::Integer, Some(true), None)
        );
        assert_eq!(col("name").ty, SqlType::Varchar(Some(120)));
        assert_eq!(col("name").server_default.as_deref(), Some("'unknown'"));
        assert_eq!(col("name").comment.as_deref(), Some("Display name"));
        assert_eq!(col("Sort Name").server_default.as_deref(), Some("'x'"));
        assert_eq!(
            (col("born").ty.clone(), col("born").server_default.as_deref()),
            (SqlType::Timestamp, Some("now()"))
        );
        assert_eq!(
            (col("seen").ty.clone(), col("seen").server_default.as_deref()),
            (SqlType::TimestampTz, Some("CURRENT_TIMESTAMP"))
        );
        assert_eq!(col("rating").ty, SqlType::Numeric { precision: Some(4), scale: Some(2) });
        assert_eq!(
            col("feeling").ty,
            SqlType::Enum { name: "mood".into(), values: vec!["happy".into(), "sad".into(), "meh".into()] }
        );
        assert_eq!(col("feeling").server_default.as_deref(), Some("'happy'"));
        assert_eq!(
            (col("active").ty.clone(), col("active").nullable, col("active").server_default.as_deref()),
            (SqlType::Boolean, false, Some("true"))
        );
        assert_eq!(col("tags").ty, SqlType::Other("text[]".into()));
        assert_eq!(col("code").ty, SqlType::Other("character(3)".into()));
        assert_eq!(col("score").server_default.as_deref(), Some("-1"));
        assert_eq!(
            artist.primary_key,
            Some(PrimaryKey { name: Some("artist_pkey".into()), columns: vec!["id".into()] })
        );
        assert_eq!(
            artist.uniques,
            vec![UniqueConstraint {
                name: Some("uq_artist_name".into()),
                columns: vec!["name".into()],
                ..Default::default()
            }]
        );
        assert_eq!(
            artist.checks,
            vec![CheckConstraint { name: Some("ck_rating".into()), sql: "rating >= 0::numeric".into() }]
        );
        assert!(artist.indexes.is_empty(), "constraint indexes are not listed: {:?}", artist.indexes);

        let album = schema.table(None, "album").unwrap();
        let acol = |n: &str| album.column(n).unwrap().ty.clone();
        let id = album.column("id").unwrap();
        assert!(id.identity.is_some() && id.server_default.is_none(), "identity: {id:?}");
        assert_eq!(
            [
                acol("uid"),
                acol("data"),
                acol("raw"),
                acol("length"),
                acol("released"),
                acol("at"),
                acol("big"),
                acol("small"),
                acol("r"),
                acol("d")
            ],
            [
                SqlType::Uuid,
                SqlType::Json,
                SqlType::Blob,
                SqlType::Interval,
                SqlType::Date,
                SqlType::Time,
                SqlType::BigInt,
                SqlType::SmallInt,
                SqlType::Real,
                SqlType::Double
            ]
        );
        assert_eq!(album.primary_key.as_ref().unwrap().name.as_deref(), Some("pk_album"));
        assert_eq!(
            album.foreign_keys,
            vec![ForeignKey {
                name: Some("fk_album_artist".into()),
                columns: vec!["artist_id".into()],
                ref_schema: None,
                ref_table: "artist".into(),
                ref_columns: vec!["id".into()],
                on_delete: Some(ReferentialAction::Cascade),
                on_update: Some(ReferentialAction::SetNull),
                ..Default::default()
            }]
        );
        assert_eq!(
            album.indexes,
            vec![
                Index {
                    name: "ix_album_lower".into(),
                    columns: vec!["lower(title)".into(), "released DESC".into()],
                    unique: true,
                    where_: Some("released IS NOT NULL".into()),
                    ..Default::default()
                },
                Index {
                    name: "ix_album_title".into(),
                    columns: vec!["title".into()],
                    unique: false,
                    where_: None,
                    ..Default::default()
                },
            ]
        );
        let plain = schema.table(None, "plain").unwrap();
        assert_eq!(plain.column("code").unwrap().autoincrement, Some(false));
        assert_eq!(plain.column("note").unwrap().ty, SqlType::Varchar(None));
    }

    #[test]
    fn postgres_query_count_is_fixed() {
        let Some(pg) = support::pg_test_db() else { return };
        let mut db = pg.connect();
        block_on(db.execute_script("CREATE TABLE one (id SERIAL PRIMARY KEY)")).unwrap();
        let few = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap();
        let many: String = (0..40)
            .map(|i| format!("CREATE TABLE t{i} (id SERIAL PRIMARY KEY, v TEXT UNIQUE, o INTEGER REFERENCES one (id) CHECK (o > 0)); CREATE INDEX ix_t{i} ON t{i} (v);\n"))
            .collect();
        block_on(db.execute_script(&many)).unwrap();
        let lots = block_on(reflect_counted(&mut db, &ReflectOptions::default())).unwrap();
        assert_eq!(lots.schema.tables.len(), 41);
        assert_eq!(few.queries, POSTGRES_CATALOG_QUERIES);
        assert_eq!(lots.queries, POSTGRES_CATALOG_QUERIES);
    }

    #[test]
    fn postgres_named_schema() {
        let Some(pg) = support::pg_test_db() else { return };
        let mut db = pg.connect();
        block_on(db.execute_script(
            "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE SCHEMA app; CREATE TABLE app.a (id SERIAL PRIMARY KEY); \
             CREATE TABLE app.b (id SERIAL PRIMARY KEY, a_id INTEGER REFERENCES app.a (id), p_id INTEGER REFERENCES public.p (id));",
        )).unwrap();
        let opts = ReflectOptions { schema: Some("app".into()), ..ReflectOptions::default() };
        let schema = block_on(reflect(&mut db, &opts)).unwrap();
        let b = schema.table(Some("app"), "b").unwrap();
        assert_eq!(b.foreign_keys[0].ref_schema, None, "same schema");
        assert_eq!(b.foreign_keys[1].ref_schema.as_deref(), Some("public"));
        let public = block_on(reflect(&mut db, &ReflectOptions::default())).unwrap();
        assert_eq!(public.tables.len(), 1);
    }

    #[test]
    fn postgres_load_schema_sql_drops_its_scratch_database() {
        let Some(pg) = support::pg_test_db() else { return };
        let url = pg.database_url();
        let schema = load_schema_sql(&url, PG_SCHEMA, &options()).expect("load");
        assert_eq!(schema.tables.len(), 3);
        let err = load_schema_sql(&url, "CREATE TABLE broken (", &options()).unwrap_err();
        assert!(err.to_string().contains("syntax error"), "{err}");
        let mut db = pg.connect();
        let left = block_on(db.query_column(&format!(
            "SELECT datname FROM pg_database WHERE datname LIKE 'alembic\\_scratch\\_{}\\_%'",
            std::process::id()
        )))
        .unwrap();
        assert!(left.is_empty(), "scratch databases left behind: {left:?}");
    }
}
