//! Checks the sides of a comparison ([`Expr`]) against the schema and the
//! place the comparison appears, so every backend is handed only shapes it
//! runs the same way (the table on [`Expr`] lists them).

use crate::error::{Error, Result};
use crate::schema::{ColumnType, ModelSchema};
use crate::stmt::{Aggregate, Expr};
use crate::validate::{self, Use};
use crate::value::Value;

/// Where a comparison appears.
pub(crate) enum Scope<'q, 'a> {
    /// A row condition (`WHERE`, a `find` filter).
    Row(&'q ModelSchema),
    /// A group condition of this grouped read (`HAVING`).
    Group(&'q Aggregate<'a>),
}

impl Scope<'_, '_> {
    fn schema(&self) -> &ModelSchema {
        match self {
            Scope::Row(schema) => schema,
            Scope::Group(q) => q.schema,
        }
    }
}

/// Checks `lhs op rhs` where `scope` says it appears.
pub(crate) fn compare(scope: &Scope<'_, '_>, lhs: &Expr, rhs: &Expr) -> Result<()> {
    let (ta, tb) = (side(scope, lhs)?, side(scope, rhs)?);
    match (lhs, rhs, ta, tb) {
        (Expr::Value(_), Expr::Value(_), ..) => Err(Error::validation(
            lhs.to_string(),
            match scope {
                Scope::Row(_) => "is compared with a value: one side of a comparison must be a column",
                Scope::Group(_) => "is compared with a value: one side of a comparison must be a grouped column or an aggregate",
            },
        )),
        // A column against a value is `Cond::Cmp`, where folding, id kinds
        // and value checks apply (`having` takes one too).
        (Expr::Value(_), Expr::Column(_), ..) | (Expr::Column(_), Expr::Value(_), ..) => {
            Err(Error::validation(
                name(lhs, rhs),
                "is compared with a value in a column comparison: write it as a value condition (`Model::COLUMN.gt(v)`, `{\"column\": {\"$gt\": v}}`)",
            ))
        }
        (Expr::Value(v), e, _, Some(t)) | (e, Expr::Value(v), Some(t), _) => with_value(e, t, v),
        (_, _, Some(a), Some(b)) => {
            if validate::comparable_columns(a, b) {
                Ok(())
            } else {
                Err(Error::validation(
                    lhs.to_string(),
                    format!(
                        "is {} {}; it cannot be compared with {rhs}, {} {}",
                        a.describe(),
                        kind(lhs),
                        b.describe(),
                        kind(rhs)
                    ),
                ))
            }
        }
        // `side` gives every column and aggregate a type, so only two
        // values lack both, and they were refused above.
        _ => Err(Error::validation(lhs.to_string(), "has no type to compare")),
    }
}

/// The name an error about `a op b` is filed under: the column or
/// aggregate side.
fn name(a: &Expr, b: &Expr) -> String {
    if matches!(a, Expr::Value(_)) {
        b.to_string()
    } else {
        a.to_string()
    }
}

fn kind(e: &Expr) -> &'static str {
    match e {
        Expr::Agg(_) => "value",
        _ => "column",
    }
}

/// Checks one side; its type, or `None` for a value (which takes the
/// other side's).
fn side(scope: &Scope<'_, '_>, e: &Expr) -> Result<Option<ColumnType>> {
    let schema = scope.schema();
    match (e, scope) {
        (Expr::Value(_), _) => Ok(None),
        (Expr::Column(c), Scope::Row(_)) => validate::column_type(schema, c).map(Some),
        (Expr::Column(c), Scope::Group(q)) => {
            crate::ops::aggregate::grouped(q, c)?;
            validate::column_type(schema, c).map(Some)
        }
        (Expr::Agg(a), Scope::Group(q)) => Ok(Some(a.output_type(q.input_type(a)))),
        (Expr::Agg(_), Scope::Row(_)) => Err(e.aggregate_in_row_condition()),
        (Expr::Add(..), _) => Err(e.arithmetic_in_condition()),
    }
}

/// Checks a column or aggregate `e` of type `ty` compared with `v`.
fn with_value(e: &Expr, ty: ColumnType, v: &Value) -> Result<()> {
    let name = e.to_string();
    if v.is_null() {
        return Err(Error::validation(
            name,
            "is compared with null; NULL compares with nothing (use is_null)",
        ));
    }
    if !comparable(ty, v) {
        return Err(Error::validation(
            name,
            format!(
                "is {} {}; it cannot be compared with {v}{}",
                ty.describe(),
                kind(e),
                if matches!(
                    (ty, v),
                    (
                        ColumnType::Integer | ColumnType::BigInteger,
                        Value::Float(_)
                    )
                ) {
                    " (an integer compares with integers)"
                } else {
                    ""
                }
            ),
        ));
    }
    validate::value(&name, ty, v, Use::Compare)
}

/// Whether `v` can be compared with a value of type `ty`.
fn comparable(ty: ColumnType, v: &Value) -> bool {
    use ColumnType as T;
    matches!(
        (ty, v),
        (T::Integer | T::BigInteger, Value::Int(_))
            | (T::Number, Value::Int(_) | Value::Float(_))
            | (T::String | T::Text, Value::Text(_))
            | (T::Date, Value::DateTime(_))
            | (T::RecordId, Value::Id(_))
    )
}
