//! Checks values and conditions before anything reaches a backend, so all
//! four backends refuse the same input the same way and nothing is written.
//!
//! The limits are the ones every backend can honour: a `String` holds 255
//! characters, no text holds a NUL character (PostgreSQL cannot store one,
//! SQLite's LIKE stops at it), floats are finite, dates lie in years
//! 1 ..= 9999 (MariaDB's DATETIME), conditions nest at most
//! [`MAX_COND_DEPTH`] levels.

use chrono::{DateTime, NaiveDate, Utc};

use crate::cond::Cond;
use crate::cond_deep::MAX_COND_DEPTH;
use crate::error::{clip, Error, Result};
use crate::schema::{ColumnType, ModelSchema, MAX_STRING_CHARS};
use crate::value::Value;

/// Earliest date every backend stores: 0001-01-01T00:00:00Z.
pub fn min_date() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// Latest date every backend stores: 9999-12-31T23:59:59.999999Z.
pub fn max_date() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// Whether a value is written (length limits apply) or compared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Write,
    Compare,
}

/// Checks one value of `column` (of type `ty`).
pub(crate) fn value(column: &str, ty: ColumnType, v: &Value, used: Use) -> Result<()> {
    match v {
        Value::Float(f) if !f.is_finite() => Err(Error::validation(
            column,
            format!("must be a finite number, not {f}"),
        )),
        Value::Text(s) => text(column, ty, s, used),
        Value::Json(j) => json(column, j),
        Value::DateTime(t) if *t < min_date() || *t > max_date() => Err(Error::validation(
            column,
            format!("{t} is outside the years 1 to 9999 that every backend stores"),
        )),
        Value::Int(i) if ty == ColumnType::Integer && i32::try_from(*i).is_err() => Err(
            Error::validation(column, format!("{i} does not fit a 32-bit integer column")),
        ),
        _ => Ok(()),
    }
}

fn text(column: &str, ty: ColumnType, s: &str, used: Use) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::validation(
            column,
            "contains a NUL character, which no text column can hold",
        ));
    }
    if used == Use::Write && ty == ColumnType::String {
        let n = s.chars().count();
        if n > MAX_STRING_CHARS {
            return Err(Error::validation(
                column,
                format!(
                    "is {n} characters long; a string column holds {MAX_STRING_CHARS} (use #[cormo(text)] for longer text)"
                ),
            ));
        }
    }
    Ok(())
}

/// JSON strings and keys may not hold NUL either (PostgreSQL's JSONB
/// refuses `\u0000`). Walked with a stack: a value built in code can be
/// deeper than any recursion allows.
fn json(column: &str, j: &serde_json::Value) -> Result<()> {
    let bad = || {
        Err(Error::validation(
            column,
            "holds a JSON string with a NUL character, which PostgreSQL cannot store",
        ))
    };
    let mut stack = vec![j];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => return bad(),
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            serde_json::Value::Object(map) => {
                if map.keys().any(|k| k.contains('\0')) {
                    return bad();
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
    Ok(())
}

/// The type of `column` in `schema` (`id` included).
pub(crate) fn column_type(schema: &ModelSchema, column: &str) -> Result<ColumnType> {
    if column == "id" {
        return Ok(ColumnType::RecordId);
    }
    schema
        .column(column)
        .map(|c| c.ty)
        .ok_or_else(|| Error::UnknownColumn {
            model: schema.name,
            column: clip(column),
        })
}

/// Whether two columns' values compare: the same kind of value, and one
/// every backend orders (not JSON or binary data).
pub(crate) fn comparable_columns(a: ColumnType, b: ColumnType) -> bool {
    use ColumnType as T;
    let kind = |t: ColumnType| match t {
        T::Integer | T::BigInteger | T::Number => Some(0),
        T::String | T::Text => Some(1),
        T::Boolean => Some(2),
        T::Date => Some(3),
        T::RecordId => Some(4),
        T::Object | T::Blob => None,
    };
    kind(a).is_some() && kind(a) == kind(b)
}

/// Most comparisons one condition may hold, on every backend: a statement
/// binds each as a parameter and SQLite takes 32 766. A list given to
/// `is_in` counts once, whatever its length.
pub const MAX_COND_TERMS: usize = 30_000;

/// Checks a condition for `schema`: its depth and size, every column it
/// names and every value it compares with.
pub(crate) fn cond(schema: &ModelSchema, cond: &Cond) -> Result<()> {
    let depth = cond.depth();
    if depth > MAX_COND_DEPTH {
        return Err(Error::validation(
            "condition",
            format!("is nested {depth} levels deep; cormo runs at most {MAX_COND_DEPTH}"),
        ));
    }
    let mut terms = 0usize;
    cond.for_each_leaf(|leaf| {
        terms += match leaf {
            // Short lists are written inline (see cormo-sql's renderer).
            Cond::In { values, .. } if values.len() <= 64 => values.len(),
            Cond::True | Cond::False | Cond::IsNull { .. } => 0,
            _ => 1,
        };
        if terms > MAX_COND_TERMS {
            return Err(Error::validation(
                "condition",
                format!(
                    "has more than {MAX_COND_TERMS} comparisons; use is_in / $in for long lists"
                ),
            ));
        }
        Ok(())
    })?;
    cond.for_each_leaf(|leaf| match leaf {
        Cond::Cmp {
            column, value: v, ..
        } => {
            let ty = column_type(schema, column)?;
            value(column, ty, v, Use::Compare)
        }
        Cond::In { column, values } => {
            let ty = column_type(schema, column)?;
            values
                .iter()
                .try_for_each(|v| value(column, ty, v, Use::Compare))
        }
        Cond::IsNull { column } => column_type(schema, column).map(|_| ()),
        Cond::Like {
            column, text: t, ..
        } => {
            let ty = column_type(schema, column)?;
            text(column, ty, t, Use::Compare)
        }
        Cond::Compare { lhs, rhs, .. } => {
            crate::expr_check::compare(&crate::expr_check::Scope::Row(schema), lhs, rhs)
        }
        Cond::Regex {
            column, pattern, ..
        } => {
            let ty = column_type(schema, column)?;
            if !matches!(ty, ColumnType::String | ColumnType::Text) {
                return Err(Error::validation(
                    *column,
                    format!(
                        "is {} column; regular expressions match text columns",
                        ty.describe()
                    ),
                ));
            }
            crate::regex::check(column, pattern)
        }
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_are_years_1_to_9999() {
        assert_eq!(min_date().to_rfc3339(), "0001-01-01T00:00:00+00:00");
        assert!(max_date()
            .to_rfc3339()
            .starts_with("9999-12-31T23:59:59.999999"));
        let too_late = max_date() + chrono::Duration::microseconds(1);
        assert!(value(
            "at",
            ColumnType::Date,
            &Value::DateTime(too_late),
            Use::Write
        )
        .is_err());
        assert!(value(
            "at",
            ColumnType::Date,
            &Value::DateTime(max_date()),
            Use::Write
        )
        .is_ok());
    }

    #[test]
    fn nul_is_refused_in_text_and_json() {
        let t = Value::Text("a\0b".into());
        assert!(value("n", ColumnType::Text, &t, Use::Compare).is_err());
        let j = Value::Json(serde_json::json!({"k": ["ok", "x\u{0}"]}));
        assert!(value("j", ColumnType::Object, &j, Use::Write).is_err());
    }
}
