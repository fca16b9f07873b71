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
use crate::stmt::Expr;
use crate::value::Value;

/// Deepest nesting accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

impl Cond {
    /// Parses a JSON condition for `schema`:
    ///
    /// - `{"age": 27}` equality, `{"age": null}` IS NULL, `{"age": [1, 2]}` IN;
    /// - `{"age": {"$gt": 20, "$lte": 30}}` with `$eq $ne $gt $gte $lt $lte
    ///   $in $contains $startswith $endswith $not`; `$contains` also takes
    ///   a list (any of them);
    /// - `{"age": {"$cgt": "$min_age"}}`: column against column, with
    ///   `$ceq $cne $cgt $cgte $clt $clte` and the other column as `"$name"`;
    /// - `{"name": {"$regex": "^a", "$options": "i"}}`: a regular
    ///   expression (see [`Col::matches`](crate::Col::matches));
    /// - `{"$and": [...]}`, `{"$or": [...]}`, `{"$not": {...}}`; several keys
    ///   in one object are ANDed, and so is a top-level array of objects.
    ///
    /// Numbers compare exactly: `{"age": {"$gt": 1.5}}` on an integer
    /// column means `age >= 2`, a number no row of the column can hold
    /// matches nothing (`{"age": 2.5}`, or past the column's range), and a
    /// numeric string counts as its number (`"27"`). As in CORMO, a string
    /// that is no number, or no id, matches nothing (`{"age": "27a"}`).
    ///
    /// Unknown columns are [`Error::UnknownColumn`], unknown operators
    /// [`Error::UnknownOperator`], values of another kind (an object for a
    /// number, a number for a string) [`Error::Validation`].
    pub fn from_json(schema: &'static ModelSchema, json: &Json) -> Result<Cond> {
        match json {
            Json::Array(items) => {
                items.iter().try_fold(
                    Cond::True,
                    |acc, i| Ok(acc.and(parse_object(schema, i, 1)?)),
                )
            }
            _ => parse_object(schema, json, 0),
        }
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
            let options = match ops.get("$options") {
                None => None,
                Some(Json::String(o)) if ops.contains_key("$regex") => Some(o.as_str()),
                Some(_) => {
                    return Err(Error::validation(
                        col,
                        "$options goes with $regex and is a string of flags such as \"i\"",
                    ))
                }
            };
            for (op, arg) in ops {
                let part = match op.as_str() {
                    "$options" => continue,
                    "$regex" => regex(col, ty, arg, options)?,
                    "$ceq" => col_cmp(schema, col, CmpOp::Eq, arg)?,
                    "$cne" => col_cmp(schema, col, CmpOp::Ne, arg)?,
                    "$cgt" => col_cmp(schema, col, CmpOp::Gt, arg)?,
                    "$cgte" => col_cmp(schema, col, CmpOp::Gte, arg)?,
                    "$clt" => col_cmp(schema, col, CmpOp::Lt, arg)?,
                    "$clte" => col_cmp(schema, col, CmpOp::Lte, arg)?,
                    "$contains" if arg.is_array() => contains_any(col, ty, arg)?,
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
    Ok(match typed(column, ty, arg)? {
        Operand::Value(value) => Cond::Cmp { column, op, value },
        // Nothing stored equals it, so every value differs from it (as
        // `<> 2.5` on an integer column, and an id of the other kind).
        Operand::Nothing if op == CmpOp::Ne => !Cond::IsNull { column },
        Operand::Nothing => Cond::False,
        Operand::OffGrid(f) => off_grid(column, ty, op, f),
    })
}

fn in_list(column: &'static str, ty: ColumnType, items: &[Json]) -> Result<Cond> {
    let mut values = Vec::with_capacity(items.len());
    for i in items {
        // A value no row can hold is simply not in the list.
        if let Operand::Value(v) = typed(column, ty, i)? {
            values.push(v);
        }
    }
    Ok(Cond::is_in(column, values))
}

/// `$ceq` and friends: the argument names the other column as `"$name"`.
fn col_cmp(
    schema: &'static ModelSchema,
    column: &'static str,
    op: CmpOp,
    arg: &Json,
) -> Result<Cond> {
    let Some(other) = arg.as_str().and_then(|a| a.strip_prefix('$')) else {
        // Name the fix: the same text with a `$` when it is a string.
        let message = match arg.as_str() {
            Some(text) => format!(
                "compares with another column, named with a leading $: {}, not {}",
                clip(&Json::from(format!("${text}")).to_string()),
                clip(&arg.to_string())
            ),
            None => format!(
                "compares with another column, named as a string with a leading $ (\"$min_age\"), not {}",
                clip(&arg.to_string())
            ),
        };
        return Err(Error::validation(column, message));
    };
    let (other, _) = self::column(schema, other)?;
    let (lhs, rhs) = (Expr::Column(column), Expr::Column(other));
    // Checked here, as every other filter_json mistake is, not first when
    // the query runs.
    crate::expr_check::compare(&crate::expr_check::Scope::Row(schema), &lhs, &rhs)?;
    Ok(Cond::Compare { lhs, op, rhs })
}

fn regex(column: &'static str, ty: ColumnType, arg: &Json, options: Option<&str>) -> Result<Cond> {
    let (ColumnType::String | ColumnType::Text, Json::String(pattern)) = (ty, arg) else {
        return Err(Error::validation(
            column,
            "$regex takes a string pattern on a string column",
        ));
    };
    let case_insensitive = match options.unwrap_or("") {
        "" => false,
        "i" => true,
        other => {
            return Err(Error::validation(
                column,
                format!("$options {} is not supported: the one flag every database has is \"i\" (letters match either case)", clip(other)),
            ))
        }
    };
    Ok(Cond::Regex {
        column,
        pattern: pattern.clone(),
        case_insensitive,
    })
}

fn contains_any(column: &'static str, ty: ColumnType, arg: &Json) -> Result<Cond> {
    let items = arg.as_array().map(Vec::as_slice).unwrap_or_default();
    let parts = items
        .iter()
        .map(|i| like(column, ty, LikeKind::Contains, i))
        .collect::<Result<Vec<Cond>>>()?;
    Ok(match parts.len() {
        0 => Cond::False,
        _ => parts.into_iter().fold(Cond::Or(Vec::new()), Cond::or),
    })
}

/// A JSON value as an operand for a column.
enum Operand {
    Value(Value),
    /// No row can hold it (a string that is no number or no id).
    Nothing,
    /// A number an integer column cannot hold exactly (fractional, or out
    /// of the column's range); compared exactly by [`off_grid`].
    OffGrid(f64),
}

/// A comparison of an integer column with a number it cannot hold,
/// rewritten to the integers that satisfy it: `> 1.5` is `>= 2`,
/// `= 2.5` nothing, `<> 2.5` every non-null value.
fn off_grid(column: &'static str, ty: ColumnType, op: CmpOp, f: f64) -> Cond {
    let (lo, hi) = if ty == ColumnType::Integer {
        (f64::from(i32::MIN), f64::from(i32::MAX))
    } else {
        (i64::MIN as f64, i64::MAX as f64)
    };
    let all = || !Cond::IsNull { column };
    let at_least = |b: f64| {
        if b > hi {
            Cond::False
        } else if b <= lo {
            all()
        } else {
            Cond::Cmp {
                column,
                op: CmpOp::Gte,
                value: Value::Int(b as i64),
            }
        }
    };
    let at_most = |b: f64| {
        if b < lo {
            Cond::False
        } else if b >= hi {
            all()
        } else {
            Cond::Cmp {
                column,
                op: CmpOp::Lte,
                value: Value::Int(b as i64),
            }
        }
    };
    match op {
        CmpOp::Eq => Cond::False,
        CmpOp::Ne => all(),
        CmpOp::Gt => at_least(f.floor() + 1.0),
        CmpOp::Gte => at_least(f.ceil()),
        CmpOp::Lt => at_most(f.ceil() - 1.0),
        CmpOp::Lte => at_most(f.floor()),
    }
}

/// A number given as JSON, or as a numeric string (CORMO converts with
/// `Number()`); `None` for a string that is no finite number.
fn number(v: &Json) -> Option<Option<f64>> {
    match v {
        Json::Number(n) => Some(n.as_f64()),
        Json::String(s) => Some(
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && !s.trim().is_empty()),
        ),
        _ => None,
    }
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

/// A JSON scalar as an operand for a column of type `ty`.
fn typed(column: &'static str, ty: ColumnType, v: &Json) -> Result<Operand> {
    let wrong =
        |what: &str| Error::validation(column, format!("is not {what}: {}", clip(&v.to_string())));
    Ok(Operand::Value(match ty {
        ColumnType::String | ColumnType::Text => {
            Value::Text(v.as_str().ok_or_else(|| wrong("a string"))?.to_owned())
        }
        ColumnType::Integer | ColumnType::BigInteger => {
            // An exact integer first: i64 past 2^53 must not go through f64.
            if let Some(i) = v.as_i64() {
                if ty == ColumnType::BigInteger || i32::try_from(i).is_ok() {
                    return Ok(Operand::Value(Value::Int(i)));
                }
                return Ok(Operand::OffGrid(i as f64));
            }
            if let Json::String(s) = v {
                if let Ok(i) = s.trim().parse::<i64>() {
                    return typed(column, ty, &Json::from(i));
                }
            }
            match number(v).ok_or_else(|| wrong("a number"))? {
                None => return Ok(Operand::Nothing),
                // An integral float (25.0, "2.5e1") is that integer.
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    return typed(column, ty, &Json::from(f as i64));
                }
                Some(f) => return Ok(Operand::OffGrid(f)),
            }
        }
        ColumnType::Number => match number(v).ok_or_else(|| wrong("a number"))? {
            Some(f) => Value::Float(f),
            None => return Ok(Operand::Nothing),
        },
        ColumnType::Boolean => Value::Bool(v.as_bool().ok_or_else(|| wrong("a boolean"))?),
        ColumnType::Date => {
            let s = v.as_str().ok_or_else(|| wrong("an RFC 3339 date string"))?;
            let t = DateTime::parse_from_rfc3339(s).map_err(|_| wrong("an RFC 3339 date"))?;
            Value::DateTime(t.with_timezone(&Utc))
        }
        // An id that cannot be one matches no record, as `find` by it
        // finds none.
        ColumnType::RecordId => match v {
            Json::String(s) => match s.parse::<RecordId>() {
                Ok(id) => Value::Id(id),
                Err(_) => return Ok(Operand::Nothing),
            },
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Id(RecordId::Int(i)),
                None => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                        Value::Id(RecordId::Int(f as i64))
                    }
                    _ => return Ok(Operand::Nothing),
                },
            },
            _ => return Err(wrong("an id")),
        },
        ColumnType::Object | ColumnType::Blob => {
            return Err(Error::validation(column, "cannot be used in a condition"))
        }
    }))
}
