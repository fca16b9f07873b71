//! Updates given as JSON (CORMO's update values), for updates that arrive
//! at run time: `{"name": "x", "age": {"$inc": 1}, "nickname": null}`.
//! Checked against the schema like conditions: keys must be columns,
//! values must fit them.

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::cond::Assign;
use crate::error::{clip, Error, Result};
use crate::id::RecordId;
use crate::schema::{ColumnDef, ColumnType, Fold, ModelSchema};
use crate::value::Value;

impl Assign {
    /// Parses a JSON object of updates for `schema`:
    ///
    /// - `{"col": value}` sets the column; `null` sets NULL (a nullable
    ///   column only);
    /// - `{"col": {"$inc": n}}` adds `n` (a negative `n` subtracts), on
    ///   integer and float columns only, checked for overflow when it runs.
    ///
    /// Keys are field names (or column names). An unknown column is
    /// [`Error::UnknownColumn`], an operator other than `$inc`
    /// [`Error::UnknownOperator`], a value that does not fit the column
    /// (`{"age": "x"}`, `{"name": {"$inc": 1}}`) [`Error::Validation`].
    pub fn from_json(schema: &'static ModelSchema, json: &Json) -> Result<Vec<Assign>> {
        let Json::Object(map) = json else {
            return Err(Error::validation(
                "update",
                format!("must be a JSON object, not {}", clip(&json.to_string())),
            ));
        };
        map.iter()
            .map(|(key, value)| {
                if key == "id" {
                    return Err(Error::validation(
                        "id",
                        "cannot be updated: a record keeps the id it was stored under",
                    ));
                }
                let col = schema
                    .field_column(key)
                    .filter(|c| !matches!(c.fold, Fold::ShadowOf { .. }))
                    .ok_or_else(|| Error::UnknownColumn {
                        model: schema.name,
                        column: clip(key),
                    })?;
                assign(col, value)
            })
            .collect()
    }
}

fn assign(col: &'static ColumnDef, value: &Json) -> Result<Assign> {
    let column = col.name;
    if let Json::Object(ops) = value {
        if col.ty != ColumnType::Object || ops.keys().any(|k| k.starts_with('$')) {
            return inc(col, ops);
        }
    }
    if value.is_null() {
        if !col.nullable {
            return Err(Error::validation(
                column,
                "is required and cannot be set to null",
            ));
        }
        return Ok(Assign::Set {
            column,
            value: Value::Null,
        });
    }
    let value = typed(col, value)?;
    Ok(Assign::Set { column, value })
}

fn inc(col: &'static ColumnDef, ops: &serde_json::Map<String, Json>) -> Result<Assign> {
    let column = col.name;
    let (op, by) = match ops.iter().next() {
        Some(pair) if ops.len() == 1 => pair,
        _ => {
            return Err(Error::validation(
                column,
                "takes one operator object such as {\"$inc\": 1}",
            ))
        }
    };
    if op != "$inc" {
        return Err(Error::UnknownOperator { op: clip(op) });
    }
    let by = match (col.ty, by) {
        (ColumnType::Integer | ColumnType::BigInteger, Json::Number(n)) if integer(n).is_some() => {
            Value::Int(integer(n).unwrap_or_default())
        }
        (ColumnType::Number, Json::Number(n)) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        (ColumnType::Integer | ColumnType::BigInteger | ColumnType::Number, _) => {
            return Err(Error::validation(
                column,
                format!(
                    "$inc takes a number of the column's type, not {}",
                    clip(&by.to_string())
                ),
            ))
        }
        _ => {
            return Err(Error::validation(
                column,
                "is not a number type; $inc needs one",
            ))
        }
    };
    Ok(Assign::Inc { column, by })
}

/// A JSON number as an integer: an integer, or a float with no fraction
/// (`30.0`, which many JSON writers emit for 30; `filter_json` reads it so
/// too) small enough to be exact.
fn integer(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// A JSON value for a write to `col`: the column's own type, no conversion
/// from strings (a write says exactly what it stores).
fn typed(col: &'static ColumnDef, v: &Json) -> Result<Value> {
    let wrong = |what: &str| {
        Error::validation(
            col.name,
            format!("takes {what}, not {}", clip(&v.to_string())),
        )
    };
    Ok(match col.ty {
        ColumnType::String | ColumnType::Text => {
            Value::Text(v.as_str().ok_or_else(|| wrong("a string"))?.to_owned())
        }
        ColumnType::Integer | ColumnType::BigInteger => Value::Int(
            match v {
                Json::Number(n) => integer(n),
                _ => None,
            }
            .ok_or_else(|| wrong("an integer"))?,
        ),
        ColumnType::Number => Value::Float(v.as_f64().ok_or_else(|| wrong("a number"))?),
        ColumnType::Boolean => Value::Bool(v.as_bool().ok_or_else(|| wrong("a boolean"))?),
        ColumnType::Date => {
            let s = v.as_str().ok_or_else(|| wrong("an RFC 3339 date string"))?;
            let t = DateTime::parse_from_rfc3339(s).map_err(|_| wrong("an RFC 3339 date"))?;
            Value::DateTime(t.with_timezone(&Utc))
        }
        ColumnType::Object => Value::Json(v.clone()),
        ColumnType::Blob => {
            let bytes = v
                .as_array()
                .and_then(|items| {
                    items
                        .iter()
                        .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                        .collect::<Option<Vec<u8>>>()
                })
                .ok_or_else(|| wrong("an array of bytes"))?;
            Value::Bytes(bytes)
        }
        ColumnType::RecordId => match v {
            Json::String(s) => Value::Id(s.parse::<RecordId>()?),
            Json::Number(n) => Value::Id(RecordId::Int(integer(n).ok_or_else(|| wrong("an id"))?)),
            _ => return Err(wrong("an id")),
        },
    })
}
