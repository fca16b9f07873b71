//! Checked increments (CORMO's `$inc`).
//!
//! Databases disagree on overflow: PostgreSQL and MySQL raise an error,
//! SQLite turns an integer into a REAL, MongoDB keeps counting past an
//! `i32` column's range, and a later read of the row fails. cormo checks
//! before it writes: an increment that would take any matching row past its
//! column's range is [`Error::Validation`] and nothing is written. The check
//! is one `count` with the update's own filter, in the same transaction.

use crate::cond::{Assign, CmpOp, Cond};
use crate::error::{Error, Result};
use crate::schema::{ColumnType, ModelSchema};
use crate::validate::{self, Use};
use crate::value::Value;

/// For each increment that could overflow, the condition matching the rows
/// it would push out of range (`filter AND column > MAX - by`).
pub(crate) fn guards(
    schema: &'static ModelSchema,
    filter: &Cond,
    assigns: &[Assign],
) -> Result<Vec<(&'static str, Cond)>> {
    let mut out = Vec::new();
    for a in assigns {
        let Assign::Inc { column, by } = a else {
            continue;
        };
        let ty = validate::column_type(schema, column)?;
        validate::value(column, ty, by, Use::Write)?;
        let past = match (ty, by) {
            (ColumnType::Integer | ColumnType::BigInteger, Value::Int(by)) => {
                let (min, max) = if ty == ColumnType::Integer {
                    (i64::from(i32::MIN), i64::from(i32::MAX))
                } else {
                    (i64::MIN, i64::MAX)
                };
                match by.signum() {
                    0 => continue,
                    // `max - by` and `min - by` cannot overflow for these signs.
                    1 => (CmpOp::Gt, Value::Int(max - by)),
                    _ => (CmpOp::Lt, Value::Int(min - by)),
                }
            }
            (ColumnType::Number, Value::Float(by)) => {
                if *by == 0.0 {
                    continue;
                }
                // The exact sum passes f64::MAX exactly when this holds.
                if *by > 0.0 {
                    (CmpOp::Gt, Value::Float(f64::MAX - by))
                } else {
                    (CmpOp::Lt, Value::Float(-f64::MAX - by))
                }
            }
            (ColumnType::Integer | ColumnType::BigInteger, Value::Text(_)) => {
                // `dec(i64::MIN)`: its negation is no i64.
                return Err(Error::validation(
                    *column,
                    "cannot be decremented by i64::MIN: the increment it means, 2^63, is no i64",
                ));
            }
            _ => {
                return Err(Error::validation(
                    *column,
                    "can only be incremented by a number of its own type",
                ))
            }
        };
        let (op, value) = past;
        let guard = filter.clone().and(Cond::Cmp { column, op, value });
        out.push((*column, guard));
    }
    Ok(out)
}

/// The error for an increment that would overflow `n` rows.
pub(crate) fn overflow(column: &str, n: u64) -> Error {
    Error::validation(
        column,
        format!("would go past the column's range in {n} row(s) with this increment; nothing was written"),
    )
}
