//! CORMO's condition language as JSON, for filters that arrive at run time
//! (query strings, API bodies). Everything is checked against the schema:
//! keys must be columns or known `$` operators, values must fit the column.
//! Column names in the result come from the schema, never from the input,
//! and every value is data: `{"name": "$gt"}` compares with the string "$gt".

use chrono::{DateTime, Utc};
use serde_json::Value as Json;

use crate::cond::{CmpOp, Cond, LikeKind};
use crate::error::{clip, Error, Result};
use crate::id::RecordId;
use crate::schema::{ColumnType, ModelSchema};
use crate::value::Value;

/// Deepest nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

impl Cond {
    /// Parses a JSON condition for `schema`:
    ///
    /// - `{"age": 27}` equality, `{"age": null}` IS NULL, `{"age": [1, 2]}` IN;
    /// - `{"age": {"$gt": 20, "$lte": 30}}` with `$eq $ne $gt $gte $lt $lte
    ///   $in $contains $startswith $endswith $not`;
    /// - `{"$and": [...]}`, `{"$or": [...]}`, `{"$not": {...}}`; several keys
    ///   in one object are ANDed.
    ///
    /// Unknown columns are [`Error::UnknownColumn`], unknown operators
    /// [`Error::UnknownOperator`], ill-typed values [`Error::Validation`].
    pub fn from_json(schema: &'static ModelSchema, json: &Json) -> Result<Cond> {
        parse_object(schema, json, 0)
    }
}

fn not_object(json: &Json) -> Error {
    Error::Validation {
        column: "condition".into(),
        message: format!("must be a JSON object, not {}", clip(&json.to_string())),
    }
}

fn parse_object(schema: &'static ModelSchema, json: &Json, depth: usize) -> Result<Cond> {
    if depth > MAX_DEPTH {
        return Err(Error::Validation {
            column: "condition".into(),
            message: format!("is nested deeper than {MAX_DEPTH} levels"),
        });
    }
    let Json::Object(map) = json else {
        return Err(not_object(json));
    };
    let mut out = Cond::True;
    for (key, value) in map {
        let part = match key.as_str() {
            "$and" | "$or" => {
                let Json::Array(items) = value else {
                    return Err(Error::Validation {
                        column: key.clone(),
                        message: "takes an array of conditions".into(),
                    });
                };
                let parts = items
                    .iter()
                    .map(|i| parse_object(schema, i, depth + 1))
                    .collect::<Result<Vec<Cond>>>()?;
                if key == "$and" {
                    parts.into_iter().fold(Cond::True, Cond::and)
                } else if parts.is_empty() {
                    Cond::False
                } else {
                    Cond::Or(parts)
                }
            }
            "$not" => !parse_object(schema, value, depth + 1)?,
            op if op.starts_with('$') => return Err(Error::UnknownOperator { op: clip(op) }),
            column => parse_column(schema, column, value, depth + 1)?,
        };
        out = out.and(part);
    }
    Ok(out)
}

/// The column's static name and type; `id` is the primary key.
fn column(schema: &'static ModelSchema, name: &str) -> Result<(&'static str, ColumnType)> {
    if name == "id" {
        return Ok(("id", ColumnType::RecordId));
    }
    schema
        .field_column(name)
        .map(|c| (c.name, c.ty))
        .ok_or_else(|| Error::UnknownColumn {
            model: schema.name,
            column: clip(name),
        })
}

fn parse_column(
    schema: &'static ModelSchema,
    name: &str,
    value: &Json,
    depth: usize,
) -> Result<Cond> {
    let (col, ty) = column(schema, name)?;
    if matches!(ty, ColumnType::Object | ColumnType::Blob) && !value.is_null() {
        return Err(Error::validation(col, "cannot be used in a condition"));
    }
    match value {
        Json::Null => Ok(Cond::IsNull { column: col }),
        Json::Array(items) => in_list(col, ty, items),
        // `{"name": {}}` says nothing; matching every row would be a guess.
        Json::Object(ops) if ops.is_empty() => Err(Error::validation(
            col,
            "has an empty operator object; write an operator such as {\"$eq\": ...}",
        )),
        Json::Object(ops) => {
            let mut out = Cond::True;
            for (op, arg) in ops {
                let part = match op.as_str() {
                    "$eq" if arg.is_null() => Cond::IsNull { column: col },
                    "$ne" if arg.is_null() => !Cond::IsNull { column: col },
                    "$eq" => cmp(col, ty, CmpOp::Eq, arg)?,
                    "$ne" => cmp(col, ty, CmpOp::Ne, arg)?,
                    "$gt" => cmp(col, ty, CmpOp::Gt, arg)?,
                    "$gte" => cmp(col, ty, CmpOp::Gte, arg)?,
                    "$lt" => cmp(col, ty, CmpOp::Lt, arg)?,
                    "$lte" => cmp(col, ty, CmpOp::Lte, arg)?,
                    "$in" => match arg {
                        Json::Array(items) => in_list(col, ty, items)?,
                        _ => return Err(Error::validation(col, "$in takes an array of values")),
                    },
                    "$contains" => like(col, ty, LikeKind::Contains, arg)?,
                    "$startswith" => like(col, ty, LikeKind::StartsWith, arg)?,
                    "$endswith" => like(col, ty, LikeKind::EndsWith, arg)?,
                    "$not" => {
                        if depth > MAX_DEPTH {
                            return Err(Error::Validation {
                                column: clip(name),
                                message: format!("is nested deeper than {MAX_DEPTH} levels"),
                            });
                        }
                        !parse_column(schema, name, arg, depth + 1)?
                    }
                    other => return Err(Error::UnknownOperator { op: clip(other) }),
                };
                out = out.and(part);
            }
            Ok(out)
        }
        scalar => cmp(col, ty, CmpOp::Eq, scalar),
    }
}

fn cmp(column: &'static str, ty: ColumnType, op: CmpOp, arg: &Json) -> Result<Cond> {
    Ok(Cond::Cmp {
        column,
        op,
        value: typed(column, ty, arg)?,
    })
}

fn in_list(column: &'static str, ty: ColumnType, items: &[Json]) -> Result<Cond> {
    let values = items
        .iter()
        .map(|i| typed(column, ty, i))
        .collect::<Result<Vec<Value>>>()?;
    Ok(Cond::is_in(column, values))
}

fn like(column: &'static str, ty: ColumnType, kind: LikeKind, arg: &Json) -> Result<Cond> {
    match (ty, arg) {
        (ColumnType::String | ColumnType::Text, Json::String(text)) => Ok(Cond::Like {
            column,
            kind,
            text: text.clone(),
        }),
        _ => Err(Error::validation(
            column,
            "takes a string pattern on a string column",
        )),
    }
}

/// A JSON scalar as a value of the column's type.
fn typed(column: &'static str, ty: ColumnType, v: &Json) -> Result<Value> {
    let wrong =
        |what: &str| Error::validation(column, format!("is not {what}: {}", clip(&v.to_string())));
    Ok(match ty {
        ColumnType::String | ColumnType::Text => {
            Value::Text(v.as_str().ok_or_else(|| wrong("a string"))?.to_owned())
        }
        ColumnType::Integer => {
            let i = v.as_i64().ok_or_else(|| wrong("an integer"))?;
            i32::try_from(i).map_err(|_| wrong("a 32-bit integer"))?;
            Value::Int(i)
        }
        ColumnType::BigInteger => Value::Int(v.as_i64().ok_or_else(|| wrong("an integer"))?),
        ColumnType::Number => Value::Float(v.as_f64().ok_or_else(|| wrong("a number"))?),
        ColumnType::Boolean => Value::Bool(v.as_bool().ok_or_else(|| wrong("a boolean"))?),
        ColumnType::Date => {
            let s = v.as_str().ok_or_else(|| wrong("an RFC 3339 date string"))?;
            let t = DateTime::parse_from_rfc3339(s).map_err(|_| wrong("an RFC 3339 date"))?;
            Value::DateTime(t.with_timezone(&Utc))
        }
        ColumnType::RecordId => match v {
            Json::String(s) => Value::Id(s.parse::<RecordId>()?),
            Json::Number(n) if n.is_f64() => return Err(wrong("an id")),
            Json::Number(n) => Value::Id(RecordId::Int(n.as_i64().ok_or_else(|| wrong("an id"))?)),
            _ => return Err(wrong("an id")),
        },
        ColumnType::Object | ColumnType::Blob => {
            return Err(Error::validation(column, "cannot be used in a condition"))
        }
    })
}
