//! Grouped reads: checked against the schema, then run by the adapter.

use crate::cond::Cond;
use crate::error::{Error, Result};
use crate::rows::RowSink;
use crate::schema::{ColumnType, Fold, ModelSchema};
use crate::session::Session;
use crate::stats::Op;
use crate::stmt::{AggExpr, AggFunc, Aggregate, GroupOrder, Having};
use crate::validate::{self, Use};
use crate::value::Value;

impl Session<'_> {
    /// Runs a grouped read: every column, aggregate and value is checked
    /// before the backend sees it, so all backends refuse the same input.
    pub(crate) async fn aggregate(&self, q: &Aggregate<'_>, sink: &mut RowSink<'_>) -> Result<()> {
        check(q)?;
        let folded = crate::fold::Folded::new(
            &crate::adapter::Select::filter(q.schema, q.filter),
            self.object_ids(),
        );
        let filter = folded.cond().unwrap_or(q.filter);
        const MAX: u64 = i64::MAX as u64;
        if q.limit == Some(0) || q.skip.is_some_and(|s| s > MAX) {
            return Ok(());
        }
        let q = Aggregate {
            filter,
            limit: q.limit.filter(|l| *l <= MAX),
            skip: q.skip.filter(|s| *s > 0),
            timeout: q.timeout.or(self.timeout),
            ..*q
        };
        let slot = self.slot().await?;
        let read = async {
            let rows = self.adapter().aggregate(slot, &q).await?;
            rows.for_each(sink).await
        };
        let r = self.bounded(Op::Read, read).await;
        self.noted(r)
    }
}

/// Refuses what no backend could run the same way.
pub(crate) fn check(q: &Aggregate<'_>) -> Result<()> {
    let schema = q.schema;
    validate::cond(schema, q.filter)?;
    if q.group_by.is_empty() && q.outputs.is_empty() {
        return Err(Error::validation("distinct", "needs at least one column"));
    }
    for (i, g) in q.group_by.iter().enumerate() {
        if *g == "id" {
            return Err(Error::validation(
                "id",
                "cannot be grouped by or be distinct on: every record has its own (query the records, or pluck the ids)",
            ));
        }
        let col = schema.column(g).ok_or_else(|| Error::UnknownColumn {
            model: schema.name,
            column: (*g).to_owned(),
        })?;
        if matches!(col.fold, Fold::CaseInsensitive { .. }) {
            return Err(Error::validation(
                *g,
                "is case-insensitive; grouping by it would split text that compares equal, so cormo refuses it",
            ));
        }
        if q.group_by[..i].contains(g) {
            return Err(Error::validation(*g, "is grouped by twice"));
        }
    }
    for e in q.all_aggregates() {
        check_agg(schema, &e)?;
    }
    check_having(q, q.having, 0)?;
    for o in q.order {
        if let GroupOrder::Column { column, .. } = o {
            grouped(q, column)?;
        }
    }
    Ok(())
}

fn grouped(q: &Aggregate<'_>, column: &str) -> Result<()> {
    if q.group_by.contains(&column) {
        return Ok(());
    }
    validate::column_type(q.schema, column)?;
    Err(Error::validation(
        column,
        "is not one of the grouped (or distinct) columns, so a group has no single value of it: add it to them, or filter on it first",
    ))
}

fn check_agg(schema: &ModelSchema, e: &AggExpr) -> Result<()> {
    let Some(column) = e.column else {
        return match e.func {
            AggFunc::Count => Ok(()),
            f => Err(Error::validation(f.name(), "needs a column")),
        };
    };
    let ty = validate::column_type(schema, column)?;
    let ok = match e.func {
        AggFunc::Count => true,
        AggFunc::Sum | AggFunc::Avg => matches!(
            ty,
            ColumnType::Integer | ColumnType::BigInteger | ColumnType::Number
        ),
        AggFunc::Min | AggFunc::Max => !matches!(
            ty,
            ColumnType::Boolean | ColumnType::Object | ColumnType::Blob
        ),
    };
    if ok {
        return Ok(());
    }
    let what = match e.func {
        AggFunc::Sum | AggFunc::Avg => "a numeric column",
        _ => "a column with an order (not a boolean, JSON or binary one)",
    };
    Err(Error::validation(
        column,
        format!("is a {ty:?} column; {} needs {what}", e.func.name()),
    ))
}

fn check_having(q: &Aggregate<'_>, h: &Having, depth: usize) -> Result<()> {
    if depth > crate::cond_deep::MAX_COND_DEPTH {
        return Err(Error::validation(
            "having",
            format!(
                "is nested more than {} levels deep",
                crate::cond_deep::MAX_COND_DEPTH
            ),
        ));
    }
    match h {
        Having::True => Ok(()),
        Having::Agg { expr, value, .. } => {
            let ty = expr.output_type(q.input_type(expr));
            let name = expr.column.unwrap_or("count");
            if value.is_null() {
                return Err(Error::validation(
                    name,
                    "is compared with null in having; NULL compares with nothing",
                ));
            }
            if !comparable(ty, value) {
                return Err(Error::validation(
                    name,
                    format!(
                        "{} is a {ty:?} value; it cannot be compared with {value:?}",
                        expr.func.name()
                    ),
                ));
            }
            validate::value(name, ty, value, Use::Compare)
        }
        Having::Group(c) => {
            validate::cond(q.schema, c)?;
            let mut columns = Vec::new();
            let _ = c.for_each_leaf(|leaf: &Cond| -> Result<()> {
                if let Some(col) = leaf.leaf_column() {
                    columns.push(col);
                }
                Ok(())
            });
            columns.into_iter().try_for_each(|col| grouped(q, col))
        }
        Having::And(list) | Having::Or(list) => {
            list.iter().try_for_each(|x| check_having(q, x, depth + 1))
        }
        Having::Not(inner) => check_having(q, inner, depth + 1),
    }
}

/// Whether `v` can be compared with an aggregate of type `ty`.
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
