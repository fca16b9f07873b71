//! Reading a row and binding parameters, written once for every sqlx
//! driver. Booleans, integers, floats, text and bytes travel the same way
//! on all of them and are handled here; what a dialect stores its own way
//! (dates, JSON, the type of a NULL, lists, integer widths) is a hook on
//! [`Backend`].

use std::borrow::Borrow;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use cormo_core::{Error, RecordId, Result, RowReader, Value};
use sqlx::error::BoxDynError;
use sqlx::{Arguments, ColumnIndex, Database, Decode, Encode, Row, Type};

use crate::enabled::adapter::int_id;
use crate::enabled::backend::Backend;
use crate::enabled::render::Param;

/// The values every sqlx driver reads and binds alike. A bound on
/// [`Backend::DB`], so generic code states the driver's type rules once,
/// here, instead of at every use.
pub trait Shared: Database {
    /// Column `idx` as a boolean.
    fn bool_at(row: &Self::Row, idx: usize) -> Result<Option<bool>>;
    /// Column `idx` as a 64-bit integer, where the column is one.
    fn i64_at(row: &Self::Row, idx: usize) -> Result<Option<i64>>;
    /// Column `idx` as a float.
    fn f64_at(row: &Self::Row, idx: usize) -> Result<Option<f64>>;
    /// Column `idx` as text.
    fn string_at(row: &Self::Row, idx: usize) -> Result<Option<String>>;
    /// Column `idx` as bytes.
    fn bytes_at(row: &Self::Row, idx: usize) -> Result<Option<Vec<u8>>>;
    /// Binds `v` if every driver binds it the same way; gives it back if
    /// not, for the dialect to bind.
    fn bind_shared(args: &mut Self::Arguments, v: Value) -> Result<Option<Own>>;
}

/// A value each dialect binds its own way.
pub enum Own {
    /// NULL: drivers differ on the type it is sent as.
    Null,
    /// A date: an instant, a zone-less DATETIME, or epoch microseconds.
    DateTime(DateTime<Utc>),
    /// JSON: a native type or text.
    Json(serde_json::Value),
}

impl<DB: Database> Shared for DB
where
    usize: ColumnIndex<DB::Row>,
    bool: for<'r> Decode<'r, DB> + for<'t> Encode<'t, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + for<'t> Encode<'t, DB> + Type<DB>,
    f64: for<'r> Decode<'r, DB> + for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'r> Decode<'r, DB> + for<'t> Encode<'t, DB> + Type<DB>,
    Vec<u8>: for<'r> Decode<'r, DB> + for<'t> Encode<'t, DB> + Type<DB>,
{
    fn bool_at(row: &DB::Row, idx: usize) -> Result<Option<bool>> {
        row.try_get(idx).map_err(decode_err)
    }
    fn i64_at(row: &DB::Row, idx: usize) -> Result<Option<i64>> {
        row.try_get(idx).map_err(decode_err)
    }
    fn f64_at(row: &DB::Row, idx: usize) -> Result<Option<f64>> {
        row.try_get(idx).map_err(decode_err)
    }
    fn string_at(row: &DB::Row, idx: usize) -> Result<Option<String>> {
        row.try_get(idx).map_err(decode_err)
    }
    fn bytes_at(row: &DB::Row, idx: usize) -> Result<Option<Vec<u8>>> {
        row.try_get(idx).map_err(decode_err)
    }
    fn bind_shared(args: &mut DB::Arguments, v: Value) -> Result<Option<Own>> {
        let r = match v {
            Value::Bool(b) => args.add(b),
            Value::Int(i) => args.add(i),
            Value::Float(f) => args.add(f),
            Value::Text(s) => args.add(s),
            Value::Bytes(b) => args.add(b),
            Value::Id(id) => args.add(int_id(id)?),
            Value::Null => return Ok(Some(Own::Null)),
            Value::DateTime(t) => return Ok(Some(Own::DateTime(t))),
            Value::Json(j) => return Ok(Some(Own::Json(j))),
        };
        bound(r).map(|()| None)
    }
}

/// A driver's refusal to bind a value, as a cormo error.
pub fn bound(r: std::result::Result<(), BoxDynError>) -> Result<()> {
    r.map_err(|e| Error::Driver {
        message: format!("cannot bind a parameter: {e}"),
        source: Some(e),
    })
}

/// A driver's refusal to decode a column, as a cormo error.
pub fn decode_err(e: sqlx::Error) -> Error {
    Error::driver(format!("cannot decode a column: {e}"), e)
}

/// The arguments of a statement, bound with the driver's own types.
pub fn bind<B: Backend>(params: Vec<Param>) -> Result<<B::DB as Database>::Arguments> {
    let mut args = <B::DB as Database>::Arguments::default();
    args.reserve(params.len(), 0);
    for p in params {
        match p {
            Param::One(v) => {
                if let Some(own) = B::DB::bind_shared(&mut args, v)? {
                    B::bind_own(&mut args, own)?;
                }
            }
            Param::List(values) => B::bind_list(&mut args, values)?,
        }
    }
    Ok(args)
}

/// Reads a row in place, with the driver's type rules: over a borrowed
/// row (`&Row`, for rows read as they arrive) or an owned one (for rows
/// handed across a stream).
pub struct Reader<B, R>(R, PhantomData<fn() -> B>);

impl<B: Backend, R: Borrow<<B::DB as Database>::Row>> Reader<B, R> {
    /// Reads `row`.
    pub fn new(row: R) -> Self {
        Reader(row, PhantomData)
    }
}

impl<B: Backend, R: Borrow<<B::DB as Database>::Row>> RowReader for Reader<B, R> {
    fn get_bool(&mut self, idx: usize) -> Result<Option<bool>> {
        B::DB::bool_at(self.0.borrow(), idx)
    }
    fn get_i64(&mut self, idx: usize) -> Result<Option<i64>> {
        B::read_i64(self.0.borrow(), idx)
    }
    fn get_f64(&mut self, idx: usize) -> Result<Option<f64>> {
        B::DB::f64_at(self.0.borrow(), idx)
    }
    fn get_string(&mut self, idx: usize) -> Result<Option<String>> {
        B::read_string(self.0.borrow(), idx)
    }
    fn get_bytes(&mut self, idx: usize) -> Result<Option<Vec<u8>>> {
        B::DB::bytes_at(self.0.borrow(), idx)
    }
    fn get_datetime(&mut self, idx: usize) -> Result<Option<DateTime<Utc>>> {
        B::read_datetime(self.0.borrow(), idx)
    }
    fn get_json(&mut self, idx: usize) -> Result<Option<serde_json::Value>> {
        B::read_json(self.0.borrow(), idx)
    }
    fn get_id(&mut self, idx: usize) -> Result<Option<RecordId>> {
        // Ids on SQL backends are integers, whatever their width.
        Ok(self.get_i64(idx)?.map(RecordId::Int))
    }
}
