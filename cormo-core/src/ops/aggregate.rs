//! Grouped reads: checked against the schema, then run by the adapter.

use crate::cond::Cond;
use crate::error::{Error, Result};
use crate::rows::RowSink;
use crate::schema::{ColumnType, Fold, ModelSchema};
use crate::session::Session;
use crate::stats::Op;
use crate::stmt::{AggExpr, AggFunc, Aggregate, GroupOrder, Having};
use crate::validate;

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

pub(crate) fn grouped(q: &Aggregate<'_>, column: &str) -> Result<()> {
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
    if column == "id" {
        // Integers on SQL, ObjectIds on MongoDB: no aggregate of them
        // means the same everywhere.
        return Err(Error::validation(
            "id",
            format!(
                "cannot be aggregated ({} of ids differs between backends); count the records",
                e.func.name()
            ),
        ));
    }
    let ty = validate::column_type(schema, column)?;
    let ok = match e.func {
        // SQL's COUNT(column) would count non-null values and MongoDB's
        // `$sum: 1` every record: one meaning, so no column.
        AggFunc::Count => {
            return Err(Error::validation(
                column,
                "is given to count, which takes no column: it counts a group's records (filter on `column IS NOT NULL` first to count its values)",
            ))
        }
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
        format!(
            "is {} column; {} needs {what}",
            ty.describe(),
            e.func.name()
        ),
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
        Having::Compare { lhs, rhs, .. } => {
            crate::expr_check::compare(&crate::expr_check::Scope::Group(q), lhs, rhs)
        }
        Having::Group(c) => {
            validate::cond(q.schema, c)?;
            let mut columns = Vec::new();
            let _ = c.for_each_leaf(|leaf: &Cond| -> Result<()> {
                match leaf {
                    Cond::Compare { lhs, rhs, .. } => {
                        lhs.for_each_column(&mut |c| columns.push(c));
                        rhs.for_each_column(&mut |c| columns.push(c));
                    }
                    _ => columns.extend(leaf.leaf_column()),
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
