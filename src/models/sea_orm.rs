//! sea-orm entities as a [`MetaData`] (feature `sea-orm`): the `DeriveEntityModel`
//! entities an application has, read through sea-orm's own traits, so autogenerate
//! compares the database with them.
//!
//! ```text
//! let target_metadata = alembic::entities![user::Entity, post::Entity, tag::Entity];
//! ```
//!
//! Each entity gives its table (`table_name`, `schema_name`), its columns in field order
//! with sea-orm's column types, nullability (`Option<T>` or `nullable`), `unique`,
//! `indexed` (an index named by this library's convention, `ix_<table>_<column>`) and
//! `default_value`/`default_expr` (as SQL); its primary key (several fields make a
//! composite key; `auto_increment = false` turns off the autoincrement a single integer
//! key has by default, in sea-orm as here); its `belongs_to` relations as foreign keys with their
//! `on_delete`/`on_update` and `fk_name`; and sea-orm's enums as database enums.
//! What sea-orm does not say (checks, partial or expression indexes, comments) is
//! added with [`MetaData::extend_table`], as for diesel.

use sea_orm::sea_query::{
    ColumnType, ForeignKeyAction, PostgresQueryBuilder, Query, SimpleExpr, StringLen, TableRef,
};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, IdenStatic, Identity, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait,
    RelationTrait, Schema,
};

use crate::schema::metadata::{MetaData, ReferentialAction, SqlType};

/// Declares the table of `entity` in `md` (see the module docs for what is read).
pub fn declare<E: EntityTrait>(md: &mut MetaData, entity: E) {
    let table = entity.table_name().to_string();
    let schema = entity.schema_name().map(str::to_string);
    let primary: Vec<String> =
        E::PrimaryKey::iter().map(|pk| pk.into_column().as_str().to_string()).collect();
    let autoincrement = <E::PrimaryKey as PrimaryKeyTrait>::auto_increment();
    // `indexed` is private to sea-orm's column definition; its index statements say it.
    let indexed: Vec<String> = Schema::new(DbBackend::Postgres)
        .create_index_from_entity(entity)
        .iter()
        .flat_map(|index| index.get_index_spec().get_column_names())
        .collect();
    md.table(table, |t| {
        if let Some(schema) = &schema {
            t.schema(schema.clone());
        }
        for column in E::Column::iter() {
            let name = column.as_str();
            let def = column.def();
            let c = t.column(name, sql_type(def.get_column_type()));
            if primary.len() == 1 && primary[0] == name {
                c.primary_key();
                // sea-orm's `auto_increment` (its default) is the builder's default, which
                // makes a single integer key autoincrement; `false` says no.
                if !autoincrement {
                    c.autoincrement(false);
                }
            } else if !primary.iter().any(|p| p == name) {
                c.nullable(def.is_null());
            }
            if def.is_unique() {
                c.unique();
            }
            if indexed.iter().any(|i| i == name) {
                c.index();
            }
            if let Some(default) = def.get_column_default() {
                c.server_default(expr_sql(default));
            }
        }
        if primary.len() > 1 {
            t.primary_key(primary.clone());
        }
        for relation in E::Relation::iter() {
            let relation = relation.def();
            // Only the side that holds the key (`belongs_to`) has a foreign key.
            if relation.is_owner {
                continue;
            }
            let fk = t.foreign_key(
                identity(&relation.from_col),
                table_name(&relation.to_tbl),
                identity(&relation.to_col),
            );
            if let Some(name) = &relation.fk_name {
                fk.name(name.clone());
            }
            if let Some(action) = relation.on_delete {
                fk.on_delete(action_of(action));
            }
            if let Some(action) = relation.on_update {
                fk.on_update(action_of(action));
            }
        }
    });
}

/// The neutral type of a sea-orm column type; what has no neutral type is passed
/// through as the database type sea-orm would write.
fn sql_type(ty: &ColumnType) -> SqlType {
    match ty {
        ColumnType::Char(n) => SqlType::Other(n.map_or("char".to_string(), |n| format!("char({n})"))),
        ColumnType::String(StringLen::N(n)) => SqlType::Varchar(Some(*n)),
        ColumnType::String(_) => SqlType::Varchar(None),
        ColumnType::Text => SqlType::Text,
        ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::TinyUnsigned => SqlType::SmallInt,
        ColumnType::Integer | ColumnType::SmallUnsigned => SqlType::Integer,
        ColumnType::BigInteger | ColumnType::Unsigned | ColumnType::BigUnsigned => SqlType::BigInt,
        ColumnType::Float => SqlType::Real,
        ColumnType::Double => SqlType::Double,
        ColumnType::Decimal(ps) | ColumnType::Money(ps) => {
            SqlType::Numeric { precision: ps.map(|(p, _)| p), scale: ps.map(|(_, s)| s) }
        }
        ColumnType::DateTime | ColumnType::Timestamp => SqlType::Timestamp,
        ColumnType::TimestampWithTimeZone => SqlType::TimestampTz,
        ColumnType::Time => SqlType::Time,
        ColumnType::Date => SqlType::Date,
        ColumnType::Interval(..) => SqlType::Interval,
        ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_) => SqlType::Blob,
        ColumnType::Boolean => SqlType::Boolean,
        ColumnType::Json => SqlType::Json,
        ColumnType::JsonBinary => SqlType::Other("jsonb".into()),
        ColumnType::Uuid => SqlType::Uuid,
        ColumnType::Enum { name, variants } => {
            SqlType::Enum { name: name.to_string(), values: variants.iter().map(|v| v.to_string()).collect() }
        }
        ColumnType::Array(element) => SqlType::Other(format!("{}[]", sql_type(element))),
        ColumnType::Custom(name) => SqlType::Other(name.to_string()),
        ColumnType::Year => SqlType::Other("year".into()),
        ColumnType::Bit(n) => SqlType::Other(n.map_or("bit".to_string(), |n| format!("bit({n})"))),
        ColumnType::VarBit(n) => SqlType::Other(format!("varbit({n})")),
        ColumnType::Vector(n) => SqlType::Other(n.map_or("vector".to_string(), |n| format!("vector({n})"))),
        ColumnType::Cidr => SqlType::Other("cidr".into()),
        ColumnType::Inet => SqlType::Other("inet".into()),
        ColumnType::MacAddr => SqlType::Other("macaddr".into()),
        ColumnType::LTree => SqlType::Other("ltree".into()),
        #[allow(unreachable_patterns)] // sea-query's enum is non-exhaustive
        _ => SqlType::Other(format!("{ty:?}").to_lowercase()),
    }
}

/// A default as SQL text, as sea-query writes the expression (standard quoting).
fn expr_sql(expr: &SimpleExpr) -> String {
    let select = Query::select().expr(expr.clone()).to_string(PostgresQueryBuilder);
    select.strip_prefix("SELECT ").unwrap_or(&select).to_string()
}

fn identity(identity: &Identity) -> Vec<String> {
    identity.clone().into_iter().map(|iden| iden.to_string()).collect()
}

/// The referenced table's name (a schema-qualified reference keeps its name: the
/// builder's references name a table of the same schema).
fn table_name(table: &TableRef) -> String {
    match table {
        TableRef::Table(name)
        | TableRef::TableAlias(name, _)
        | TableRef::SchemaTable(_, name)
        | TableRef::SchemaTableAlias(_, name, _)
        | TableRef::DatabaseSchemaTable(_, _, name)
        | TableRef::DatabaseSchemaTableAlias(_, _, name, _) => name.to_string(),
        other => format!("{other:?}"),
    }
}

fn action_of(action: ForeignKeyAction) -> ReferentialAction {
    match action {
        ForeignKeyAction::Restrict => ReferentialAction::Restrict,
        ForeignKeyAction::Cascade => ReferentialAction::Cascade,
        ForeignKeyAction::SetNull => ReferentialAction::SetNull,
        ForeignKeyAction::NoAction => ReferentialAction::NoAction,
        ForeignKeyAction::SetDefault => ReferentialAction::SetDefault,
    }
}

/// The `MetaData` of sea-orm entities: `alembic::entities![user::Entity, post::Entity]`
/// (feature `sea-orm`; see [`crate::models::sea_orm`]).
#[macro_export]
macro_rules! entities {
    ($($entity:expr),* $(,)?) => {{
        let mut metadata = $crate::schema::metadata::MetaData::new();
        $( $crate::models::sea_orm::declare(&mut metadata, $entity); )*
        metadata
    }};
}
