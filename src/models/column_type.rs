//! [`ColumnType`]: the column type of a Rust field type, and its implementations for the
//! standard types and, behind features, `chrono`, `time`, `jiff` and `rust_decimal`
//! (`uuid` and `serde_json` always).

use crate::schema::types::SqlType;

/// The column type a Rust type is stored as; what `#[derive(alembic::Table)]` asks of
/// every field's type (unless the field gives `sql_type`, `length` or `json`).
///
/// | Rust | column type |
/// |---|---|
/// | `i8`, `i16`, `u8` | `smallint` |
/// | `i32`, `u16` | `integer` |
/// | `i64`, `u32` | `bigint` |
/// | `bool` | `boolean` |
/// | `f32` / `f64` | `real` / `double` |
/// | `String` | `text` (`#[alembic(length = n)]`: `varchar(n)`) |
/// | `Vec<u8>` | `blob` (PostgreSQL `bytea`) |
/// | `Option<T>` | the type of `T`, nullable |
/// | `uuid::Uuid` | `uuid` |
/// | `serde_json::Value` | `json` |
/// | `rust_decimal::Decimal` (feature `rust_decimal`) | `numeric` |
/// | `chrono::NaiveDate` / `NaiveTime` / `NaiveDateTime` / `DateTime<Tz>` (feature `chrono`) | `date` / `time` / `timestamp` / `timestamptz` |
/// | `time::Date` / `Time` / `PrimitiveDateTime` / `OffsetDateTime` (feature `time`) | `date` / `time` / `timestamp` / `timestamptz` |
/// | `jiff::civil::Date` / `civil::Time` / `civil::DateTime` / `Timestamp` / `Zoned` (feature `jiff`) | `date` / `time` / `timestamp` / `timestamptz` / `timestamptz` |
/// | an enum with `#[derive(alembic::Enum)]` | `enum(name: 'A','B')` |
///
/// Implement it for a newtype of your own to use it as a field type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no column type for #[derive(alembic::Table)]",
    label = "this field's type has no column type",
    note = "give the field #[alembic(sql_type = \"…\")] with its SQL type, or #[alembic(skip)] if it is not a column",
    note = "an enum can #[derive(alembic::Enum)]; a type of your own can implement alembic::models::ColumnType"
)]
pub trait ColumnType {
    /// The column type.
    fn sql_type() -> SqlType;
    /// Whether the column allows NULL (`Option<T>` does; every other type is NOT NULL).
    const NULLABLE: bool = false;
}

impl<T: ColumnType> ColumnType for Option<T> {
    fn sql_type() -> SqlType {
        T::sql_type()
    }
    const NULLABLE: bool = true;
}

/// `impl ColumnType for $ty { $sql_type }` for each pair.
macro_rules! column_types {
    ($($(#[$attr:meta])* $ty:ty => $sql:expr),* $(,)?) => {
        $(
            $(#[$attr])*
            impl ColumnType for $ty {
                fn sql_type() -> SqlType {
                    $sql
                }
            }
        )*
    };
}

column_types! {
    i8 => SqlType::SmallInt,
    i16 => SqlType::SmallInt,
    u8 => SqlType::SmallInt,
    i32 => SqlType::Integer,
    u16 => SqlType::Integer,
    i64 => SqlType::BigInt,
    u32 => SqlType::BigInt,
    bool => SqlType::Boolean,
    f32 => SqlType::Real,
    f64 => SqlType::Double,
    String => SqlType::Text,
    Vec<u8> => SqlType::Blob,
    uuid::Uuid => SqlType::Uuid,
    serde_json::Value => SqlType::Json,
    #[cfg(feature = "rust_decimal")]
    rust_decimal::Decimal => SqlType::Numeric { precision: None, scale: None },
    #[cfg(feature = "chrono")]
    chrono::NaiveDate => SqlType::Date,
    #[cfg(feature = "chrono")]
    chrono::NaiveTime => SqlType::Time,
    #[cfg(feature = "chrono")]
    chrono::NaiveDateTime => SqlType::Timestamp,
    #[cfg(feature = "time")]
    time::Date => SqlType::Date,
    #[cfg(feature = "time")]
    time::Time => SqlType::Time,
    #[cfg(feature = "time")]
    time::PrimitiveDateTime => SqlType::Timestamp,
    #[cfg(feature = "time")]
    time::OffsetDateTime => SqlType::TimestampTz,
    #[cfg(feature = "jiff")]
    jiff::civil::Date => SqlType::Date,
    #[cfg(feature = "jiff")]
    jiff::civil::Time => SqlType::Time,
    #[cfg(feature = "jiff")]
    jiff::civil::DateTime => SqlType::Timestamp,
    #[cfg(feature = "jiff")]
    jiff::Timestamp => SqlType::TimestampTz,
    #[cfg(feature = "jiff")]
    jiff::Zoned => SqlType::TimestampTz,
}

#[cfg(feature = "chrono")]
impl<Tz: chrono::TimeZone> ColumnType for chrono::DateTime<Tz> {
    fn sql_type() -> SqlType {
        SqlType::TimestampTz
    }
}
