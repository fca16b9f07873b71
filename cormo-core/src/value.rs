//! Values as they cross the adapter boundary, and the Rust field types that map to them.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::id::RecordId;
use crate::schema::ColumnType;

/// A column value, owned, independent of any backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A UTC date and time.
    DateTime(DateTime<Utc>),
    /// A JSON document.
    Json(serde_json::Value),
    /// A record id.
    Id(RecordId),
}

impl Value {
    /// True for `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl std::fmt::Display for Value {
    /// The value as messages show it: `1`, `2.5`, `"text"` (clipped to
    /// `MAX_ECHO_CHARS`), `true`, `null`, an RFC 3339 date, `<3 bytes>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Text(t) => write!(f, "{:?}", crate::error::clip(t)),
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
            Value::DateTime(d) => write!(f, "{}", d.to_rfc3339()),
            // Not written out: a document built by code can be any size
            // and depth.
            Value::Json(_) => f.write_str("a JSON document"),
            Value::Id(id) => write!(f, "{id}"),
        }
    }
}

/// Reads one row's columns by position, typed. Adapters implement it over
/// their native row so models decode straight into their fields.
pub trait RowReader {
    /// Column `idx` as a boolean (`None` for NULL).
    fn get_bool(&mut self, idx: usize) -> Result<Option<bool>>;
    /// Column `idx` as an integer.
    fn get_i64(&mut self, idx: usize) -> Result<Option<i64>>;
    /// Column `idx` as a float.
    fn get_f64(&mut self, idx: usize) -> Result<Option<f64>>;
    /// Column `idx` as text.
    fn get_string(&mut self, idx: usize) -> Result<Option<String>>;
    /// Column `idx` as binary data.
    fn get_bytes(&mut self, idx: usize) -> Result<Option<Vec<u8>>>;
    /// Column `idx` as a UTC date and time.
    fn get_datetime(&mut self, idx: usize) -> Result<Option<DateTime<Utc>>>;
    /// Column `idx` as JSON.
    fn get_json(&mut self, idx: usize) -> Result<Option<serde_json::Value>>;
    /// Column `idx` as a record id.
    fn get_id(&mut self, idx: usize) -> Result<Option<RecordId>>;
}

/// A Rust type that can be a model field.
///
/// Implemented for `String`, `i32`, `i64`, `f64`, `bool`,
/// `chrono::DateTime<Utc>`, `serde_json::Value`, `Vec<u8>`, `RecordId`, and
/// `Option<T>` of each (a nullable column).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a cormo column",
    note = "columns are String, i32, i64, f64, bool, chrono::DateTime<Utc>, serde_json::Value, Vec<u8>, RecordId, or Option of one of them"
)]
pub trait FieldType: Sized + Send + Sync + 'static {
    /// The non-null type this field stores (`T` for both `T` and `Option<T>`).
    type Inner: FieldType;
    /// The column type in the schema.
    const TYPE: ColumnType;
    /// Whether the column accepts NULL.
    const NULLABLE: bool;
    /// Reads the field from column `idx`; `column` names it in errors.
    fn decode(row: &mut dyn RowReader, idx: usize, column: &'static str) -> Result<Self>;
    /// The value to write.
    fn to_value(&self) -> Value;
}

/// Marker for numeric fields, the ones `inc` and `dec` accept.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number column",
    note = "`inc` and `dec` take i32, i64 and f64 columns, or Option of one"
)]
pub trait NumericField: FieldType {}

#[inline]
fn required<T>(v: Option<T>, column: &'static str) -> Result<T> {
    v.ok_or_else(|| {
        Error::validation(
            column,
            "is null in the database but the field is not an Option",
        )
    })
}

// One macro writes both `T` and `Option<T>`: NULL is an error for the first and
// `None` for the second, read with the same typed getter.
macro_rules! field_type {
    ($t:ty, $ct:expr, $get:ident, |$v:ident| $to:expr, |$d:ident, $col:ident| $from:expr) => {
        impl FieldType for $t {
            type Inner = $t;
            const TYPE: ColumnType = $ct;
            const NULLABLE: bool = false;
            #[inline]
            fn decode(row: &mut dyn RowReader, idx: usize, $col: &'static str) -> Result<Self> {
                let $d = required(row.$get(idx)?, $col)?;
                $from
            }
            fn to_value(&self) -> Value {
                let $v = self;
                $to
            }
        }

        impl FieldType for Option<$t> {
            type Inner = $t;
            const TYPE: ColumnType = $ct;
            const NULLABLE: bool = true;
            #[inline]
            fn decode(row: &mut dyn RowReader, idx: usize, $col: &'static str) -> Result<Self> {
                match row.$get(idx)? {
                    Some($d) => $from.map(Some),
                    None => Ok(None),
                }
            }
            fn to_value(&self) -> Value {
                match self {
                    Some($v) => $to,
                    None => Value::Null,
                }
            }
        }
    };
}

field_type!(
    String,
    ColumnType::String,
    get_string,
    |v| Value::Text(v.clone()),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    i64,
    ColumnType::BigInteger,
    get_i64,
    |v| Value::Int(*v),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    i32,
    ColumnType::Integer,
    get_i64,
    |v| Value::Int(i64::from(*v)),
    |d, c| {
        i32::try_from(d).map_err(|_| Error::validation(c, format!("value {d} does not fit in i32")))
    }
);
field_type!(
    f64,
    ColumnType::Number,
    get_f64,
    |v| Value::Float(*v),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    bool,
    ColumnType::Boolean,
    get_bool,
    |v| Value::Bool(*v),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    DateTime<Utc>,
    ColumnType::Date,
    get_datetime,
    |v| Value::DateTime(*v),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    serde_json::Value,
    ColumnType::Object,
    get_json,
    |v| Value::Json(v.clone()),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    Vec<u8>,
    ColumnType::Blob,
    get_bytes,
    |v| Value::Bytes(v.clone()),
    |d, _c| Ok::<_, Error>(d)
);
field_type!(
    RecordId,
    ColumnType::RecordId,
    get_id,
    |v| Value::Id(*v),
    |d, _c| Ok::<_, Error>(d)
);

impl NumericField for i32 {}
impl NumericField for i64 {}
impl NumericField for f64 {}
impl NumericField for Option<i32> {}
impl NumericField for Option<i64> {}
impl NumericField for Option<f64> {}

/// Conversions from what a caller writes in a condition to a field's value.
///
/// `Col<M, String>::eq("x")` accepts `&str` because `&str: IntoField<String>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a column of type `{T}`",
    label = "expected a value of the column's type, `{T}`",
    note = "a value converts only where nothing is lost: &str for a String column, i32 for an f64 one, &Id for a RecordId one"
)]
pub trait IntoField<T> {
    /// The value to bind.
    fn into_value(self) -> Value;
}

impl<T: FieldType<Inner = T>> IntoField<T> for T {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl IntoField<String> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl IntoField<String> for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}

/// A record's id, to compare a foreign key with it (`Post::USER_ID.eq(&user.id)`).
/// An unsaved record's id matches nothing.
impl IntoField<RecordId> for &crate::id::Id {
    fn into_value(self) -> Value {
        self.get().map_or(Value::Null, Value::Id)
    }
}

impl IntoField<f64> for i32 {
    fn into_value(self) -> Value {
        Value::Float(f64::from(self))
    }
}

impl IntoField<Vec<u8>> for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Value {
                $e
            }
        })*
    };
}

value_from!(
    bool => |v| Value::Bool(v),
    i32 => |v| Value::Int(i64::from(v)),
    i64 => |v| Value::Int(v),
    f64 => |v| Value::Float(v),
    String => |v| Value::Text(v),
    &str => |v| Value::Text(v.to_owned()),
    Vec<u8> => |v| Value::Bytes(v),
    DateTime<Utc> => |v| Value::DateTime(v),
    serde_json::Value => |v| Value::Json(v),
    RecordId => |v| Value::Id(v),
);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
