//! `alembic::models`: the schema declared by `#[derive(alembic::Table)]` structs, by
//! sea-orm entities and by diesel's `schema.rs` is the schema the builder declares for
//! the same tables, a real
//! diesel application's `schema.rs` reads as the database its migrations make, and the
//! derive's mistakes are compile errors that say what to do (tests/derive_errors/).

mod support;

use std::path::Path;

use alembic::schema::metadata::{MetaData, SqlType};

#[allow(dead_code)] // The structs declare tables; no row is read here.
mod derived {
    #[derive(alembic::Table)]
    pub struct User {
        #[alembic(primary_key)]
        pub id: i64,
        #[alembic(length = 100)]
        pub name: String,
        pub email: String,
        pub bio: Option<String>,
    }

    #[derive(alembic::Table)]
    pub struct Post {
        #[alembic(primary_key)]
        pub id: i64,
        #[alembic(references = "users.id", index)]
        pub user_id: i64,
        pub title: Option<String>,
        pub published: bool,
        pub created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(alembic::Table)]
    pub struct Tag {
        #[alembic(primary_key)]
        pub id: i32,
        #[alembic(length = 40)]
        pub label: String,
    }

    #[derive(alembic::Table)]
    #[alembic(table = "post_tags")]
    pub struct PostTag {
        #[alembic(primary_key, references = "posts.id")]
        pub post_id: i64,
        #[alembic(primary_key, references = "tags.id")]
        pub tag_id: i32,
    }
}

/// The same four tables as sea-orm entities, written as sea-orm's docs write them.
mod entities {
    pub mod user {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "users")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(column_type = "String(StringLen::N(100))")]
            pub name: String,
            #[sea_orm(column_type = "Text")]
            pub email: String,
            #[sea_orm(column_type = "Text", nullable)]
            pub bio: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(has_many = "super::post::Entity")]
            Post,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod post {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "posts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(indexed)]
            pub user_id: i64,
            #[sea_orm(column_type = "Text", nullable)]
            pub title: Option<String>,
            pub published: bool,
            pub created_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::user::Entity",
                from = "Column::UserId",
                to = "super::user::Column::Id"
            )]
            User,
        }

        impl Related<super::user::Entity> for Entity {
            fn to() -> RelationDef {
                Relation::User.def()
            }
        }

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod tag {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "tags")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
            #[sea_orm(column_type = "String(StringLen::N(40))")]
            pub label: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub mod post_tag {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "post_tags")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub post_id: i64,
            #[sea_orm(primary_key, auto_increment = false)]
            pub tag_id: i32,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::post::Entity",
                from = "Column::PostId",
                to = "super::post::Column::Id"
            )]
            Post,
            #[sea_orm(
                belongs_to = "super::tag::Entity",
                from = "Column::TagId",
                to = "super::tag::Column::Id"
            )]
            Tag,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}

const DIESEL_SCHEMA: &str = r#"
// @generated automatically by Diesel CLI.

diesel::table! {
    post_tags (post_id, tag_id) {
        post_id -> Int8,
        tag_id -> Int4,
    }
}

diesel::table! {
    posts (id) {
        id -> Int8,
        user_id -> Int8,
        title -> Nullable<Text>,
        published -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tags (id) {
        id -> Int4,
        #[max_length = 40]
        label -> Varchar,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    /// People who sign in.
    users {
        id -> Int8,
        #[max_length = 100]
        name -> Varchar,
        email -> Text,
        bio -> Nullable<Text>,
    }
}

diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::joinable!(posts -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(post_tags, posts, tags, users,);
"#;

fn by_builder() -> MetaData {
    let mut md = MetaData::new();
    md.table("users", |t| {
        t.column("id", SqlType::BigInt).primary_key();
        t.column("name", SqlType::Varchar(Some(100))).not_null();
        t.column("email", SqlType::Text).not_null();
        t.column("bio", SqlType::Text);
    });
    md.table("posts", |t| {
        t.column("id", SqlType::BigInt).primary_key();
        t.column("user_id", SqlType::BigInt).not_null().references("users.id").index();
        t.column("title", SqlType::Text);
        t.column("published", SqlType::Boolean).not_null();
        t.column("created_at", SqlType::TimestampTz).not_null();
    });
    md.table("tags", |t| {
        t.column("id", SqlType::Integer).primary_key();
        t.column("label", SqlType::Varchar(Some(40))).not_null();
    });
    md.table("post_tags", |t| {
        t.column("post_id", SqlType::BigInt).references("posts.id");
        t.column("tag_id", SqlType::Integer).references("tags.id");
        t.primary_key(["post_id", "tag_id"]);
    });
    md
}

#[test]
fn derive_sea_orm_diesel_and_builder_declare_the_same_schema() {
    let builder = by_builder().to_schema().expect("the builder's declaration is valid");
    let derived = alembic::models![derived::User, derived::Post, derived::Tag, derived::PostTag];
    assert_eq!(derived.to_schema().expect("the derived declaration is valid"), builder);

    let mut diesel = alembic::models::diesel::metadata(DIESEL_SCHEMA).expect("schema.rs reads");
    // schema.rs has no indexes: the application adds its own.
    assert!(diesel.extend_table("posts", |t| {
        t.index("ix_posts_user_id", ["user_id"]);
    }));
    assert_eq!(diesel.to_schema().expect("the diesel declaration is valid"), builder);
    let sea_orm = alembic::entities![
        entities::user::Entity,
        entities::post::Entity,
        entities::tag::Entity,
        entities::post_tag::Entity
    ];
    assert_eq!(sea_orm.to_schema().expect("the sea-orm declaration is valid"), builder);
    // In the same order, the ops that create them are the same too.
    let ops = |md: &MetaData| {
        let schema = md.to_schema().unwrap();
        alembic::autogen::compare(&schema, &alembic::schema::Schema::default(), &compare_options())
    };
    assert_eq!(ops(&derived), ops(&by_builder()));
    assert_eq!(ops(&sea_orm), ops(&by_builder()));
}

fn compare_options() -> alembic::autogen::CompareOptions {
    alembic::autogen::CompareOptions::new(alembic::dialect::Dialect::Postgresql)
}

#[test]
fn derive_maps_types_attributes_and_sqlx_names() {
    #[derive(alembic::Enum)]
    #[sqlx(type_name = "mood_kind", rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Mood {
        Happy,
        #[alembic(rename = "so-so")]
        SoSo,
    }

    #[derive(alembic::Table)]
    #[alembic(
        schema = "app",
        comment = "everything at once",
        index(columns("the_score", "mood")),
        index(name = "ix_things_lower_code", columns("lower(code)"), unique, partial = "deleted_at IS NULL"),
        unique(name = "uq_things_code", columns("code")),
        check(name = "ck_things_score", sql = "score >= 0")
    )]
    #[sqlx(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Thing {
        #[alembic(primary_key, autoincrement = false)]
        thing_id: i32,
        #[alembic(sql_type = "varchar(12)")]
        code: String,
        #[sqlx(rename = "the_score")]
        #[alembic(default = "0", comment = "points")]
        score: i16,
        mood: Option<Mood>,
        #[sqlx(json)]
        extra: Vec<String>,
        price: Option<f64>,
        payload: Vec<u8>,
        id_token: uuid::Uuid,
        doc: serde_json::Value,
        deleted_at: Option<jiff::Timestamp>,
        born: chrono::NaiveDate,
        #[alembic(rename = "r#type")]
        r#type: String,
        #[sqlx(skip)]
        cache: std::collections::HashMap<String, String>,
    }

    let schema = alembic::models![Thing].to_schema().expect("valid");
    let table = schema.table(Some("app"), "things").expect("plural, in schema app");
    let columns: Vec<String> =
        table.columns.iter().map(|c| format!("{} {} {}", c.name, c.ty, c.nullable)).collect();
    assert_eq!(
        columns,
        [
            "thingId integer false",
            "code varchar(12) false",
            "the_score smallint false",
            "mood enum(mood_kind: 'happy','so-so') true",
            "extra json false",
            "price double true",
            "payload blob false",
            "idToken uuid false",
            "doc json false",
            "deletedAt timestamptz true",
            "born date false",
            "r#type text false",
        ]
    );
    assert_eq!(table.comment.as_deref(), Some("everything at once"));
    let score = table.column("the_score").unwrap();
    assert_eq!((score.server_default.as_deref(), score.comment.as_deref()), (Some("0"), Some("points")));
    assert_eq!(table.column("thingId").unwrap().autoincrement, Some(false), "autoincrement = false is kept");
    let index = table.index("ix_things_the_score_mood").expect("default index name from its columns");
    assert_eq!(index.columns, ["the_score", "mood"]);
    let lower = table.index("ix_things_lower_code").unwrap();
    assert!(lower.unique && lower.where_.as_deref() == Some("deleted_at IS NULL"));
    assert_eq!(table.uniques[0].name.as_deref(), Some("uq_things_code"));
    assert_eq!(table.checks[0].sql, "score >= 0");
}

#[test]
fn table_names_follow_the_documented_plural() {
    macro_rules! named {
        ($($ty:ident => $name:literal),*) => {$(
            #[derive(alembic::Table)]
            #[allow(dead_code)]
            struct $ty { #[alembic(primary_key)] id: i32 }
            assert_eq!(<$ty as alembic::Table>::TABLE_NAME, $name);
        )*};
    }
    named!(User => "users", Category => "categories", Address => "addresses", BlogPost => "blog_posts",
        Day => "days", Box_ => "boxes", Match => "matches", Wish => "wishes", Tax => "taxes");
}

#[test]
fn a_bad_sql_type_is_an_error_naming_the_column() {
    #[derive(alembic::Table)]
    #[allow(dead_code)]
    struct Reading {
        #[alembic(primary_key)]
        id: i32,
        #[alembic(sql_type = "numeric(4,")]
        value: String,
    }
    let err = alembic::models![Reading].to_schema().unwrap_err().to_string();
    assert!(err.starts_with("table readings: column value: invalid type `numeric(4,`"), "{err}");
}

#[test]
fn derive_errors_are_compile_errors_that_say_what_to_do() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/derive_errors/*.rs");
}

/// realworld-rust-rocket's schema.rs, kept (with its licence) as the diesel example's.
fn published_schema_rs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models-diesel/src/schema.rs")
}

#[cfg(feature = "postgres")]
fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diesel-realworld").join(name)
}

#[test]
fn a_published_diesel_schema_rs_reads_completely() {
    let text = std::fs::read_to_string(published_schema_rs()).unwrap();
    let schema = alembic::models::diesel::metadata(&text).unwrap().to_schema().unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["articles", "comments", "favorites", "follows", "users"]);
    let favorites = schema.table(None, "favorites").unwrap();
    assert_eq!(favorites.primary_key.as_ref().unwrap().columns, ["user", "article"]);
    assert_eq!(favorites.foreign_keys.len(), 2);
    let articles = schema.table(None, "articles").unwrap();
    assert_eq!(articles.column("tag_list").unwrap().ty.to_string(), "text[]");
    assert_eq!(
        articles.column("id").unwrap().autoincrement,
        None,
        "a lone integer key is SERIAL, as the migrations say"
    );
    let users = schema.table(None, "users").unwrap();
    let nullable: Vec<&str> = users.columns.iter().filter(|c| c.nullable).map(|c| c.name.as_str()).collect();
    assert_eq!(nullable, ["bio", "image"]);
    let fks: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 5, "one per joinable!");
}

#[test]
fn diesel_schema_errors_name_the_line() {
    let err = alembic::models::diesel::metadata(
        "diesel::table! {\n    users (id) {\n        id -> Int4,\n        geo -> Geometry,\n    }\n}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("schema.rs line 4: column users.geo has SQL type `Geometry`"), "{err}");
    assert!(err.contains("metadata_with_types"), "{err}");
    let err =
        alembic::models::diesel::metadata("diesel::table! {\n    users (id) {\n        id -> ,\n    }\n}\n")
            .unwrap_err()
            .to_string();
    assert!(err.starts_with("schema.rs line 3: "), "{err}");
    let err = alembic::models::diesel::metadata(
        "diesel::table! { users (id) { id -> Int4, } }\ndiesel::joinable!(posts -> users (user_id));\n",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "schema.rs line 2: joinable! names table posts, which no table! declares");
}

/// The real database: the application's own diesel migrations on PostgreSQL, compared
/// with its schema.rs by autogenerate. Only what schema.rs cannot say differs.
#[cfg(feature = "postgres")]
#[test]
fn a_published_diesel_schema_rs_matches_the_database_its_migrations_make() {
    use alembic::runtime::connection::block_on;

    let Some(db) = support::pg_test_db() else { return };
    let mut files: Vec<_> =
        std::fs::read_dir(fixture("migrations")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        support::psql(&db.url, &std::fs::read_to_string(&file).unwrap());
    }
    let text = std::fs::read_to_string(published_schema_rs()).unwrap();
    let target = alembic::models::diesel::metadata(&text).unwrap().to_schema().unwrap();
    let mut conn = db.connect();
    let current = block_on(alembic::reflect::reflect(&mut conn, &Default::default())).unwrap();
    let ops = alembic::autogen::compare(&target, &current, &compare_options());
    let mut described: Vec<String> = ops.iter().map(describe).collect();
    described.sort();
    assert_eq!(
        described,
        [
            // Defaults, ON DELETE CASCADE, unique and check constraints, the follows
            // foreign keys (two to one table: joinable! cannot say them) and diesel's
            // helper functions are not in schema.rs.
            "alter_column articles.created_at",
            "alter_column articles.favorites_count",
            "alter_column articles.updated_at",
            "alter_column comments.created_at",
            "alter_column comments.updated_at",
            "create_foreign_key articles",
            "create_foreign_key comments",
            "create_foreign_key comments",
            "create_foreign_key favorites",
            "create_foreign_key favorites",
            "drop_constraint articles",
            "drop_constraint articles",
            "drop_constraint comments",
            "drop_constraint comments",
            "drop_constraint favorites",
            "drop_constraint favorites",
            "drop_constraint follows",
            "drop_constraint follows",
            "drop_constraint follows",
            "drop_constraint users",
            "drop_constraint users",
            "drop_object function",
            "drop_object function",
        ],
        "{ops:#?}"
    );
    for op in &ops {
        if let alembic::ops::Op::AlterColumn(alter) = op {
            assert!(alter.nullable.is_none() && alter.ty.is_none(), "only defaults differ: {alter:?}");
        }
    }
}

#[cfg(feature = "postgres")]
fn describe(op: &alembic::ops::Op) -> String {
    let json = serde_json::to_value(op).unwrap();
    let field = |key: &str| json.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let kind = field("op");
    match kind.as_str() {
        "alter_column" => format!("{kind} {}.{}", field("table"), field("column")),
        "drop_object" | "create_object" => format!("{kind} {}", field("kind")),
        _ => format!("{kind} {}", field("table")),
    }
}
