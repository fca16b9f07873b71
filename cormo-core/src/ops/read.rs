//! Reading shapes beyond whole records: `find` within a query, ids in
//! order (`find_preserve`), one column (`pluck`), lean JSON rows,
//! distinct values, and the plan (`explain`).

use std::collections::HashMap;

use crate::cond::{Col, Cond};
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::group::GroupKey;
use crate::id::RecordId;
use crate::model::{IdArg, Model};
use crate::query::Query;
use crate::schema::{ColumnType, Fold, ModelSchema};
use crate::stats::Op;
use crate::stmt::{Aggregate, GroupOrder, Having};
use crate::value::{FieldType, RowReader, Value};

impl<M: Model> Query<M> {
    /// Applies `f` to the query when `cond` holds, else leaves it as it is
    /// (CORMO's `if(…)` … `endif()`):
    ///
    /// ```ignore
    /// let q = User::query()
    ///     .when(params.adults_only, |q| q.filter(User::AGE.gte(18)))
    ///     .when(params.newest_first, |q| q.order_by(User::ID.desc()));
    /// ```
    pub fn when(self, cond: bool, f: impl FnOnce(Self) -> Self) -> Self {
        if cond {
            f(self)
        } else {
            self
        }
    }

    /// The record with this id, if it also matches the query's conditions
    /// (CORMO's `find(id).where(…)`); [`Error::NotFound`] otherwise.
    pub async fn find(&self, db: &impl Executor, id: impl IdArg) -> Result<M> {
        let not_found = || Error::NotFound {
            model: M::schema().name,
        };
        let Some(id) = id.into_record_id()? else {
            return Err(not_found());
        };
        self.clone()
            .filter(Cond::eq("id", Value::Id(id)))
            .first(db)
            .await?
            .ok_or_else(not_found)
    }

    /// One column of every matching record (CORMO's `selectSingle`),
    /// decoded as the column's field type.
    pub async fn pluck<T: FieldType>(&self, db: &impl Executor, col: Col<M, T>) -> Result<Vec<T>> {
        let schema = M::schema();
        let name = col.name();
        // The id is column 0 of every row; `Model::ID` reads no other.
        if name == "id" {
            let q = self.statement(self.condition(), &[]);
            return self
                .decoded(&q, db.session(), move |row| T::decode(row, 0, name))
                .await;
        }
        let pos = schema
            .columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| Error::UnknownColumn {
                model: schema.name,
                column: name.to_owned(),
            })?;
        let cols = [pos];
        let q = self.statement(self.condition(), &cols);
        self.decoded(&q, db.session(), move |row| T::decode(row, 1, name))
            .await
    }

    /// Every matching record as a JSON object keyed by field name, without
    /// building models (CORMO's `lean()`): ids as numbers (SQL) or hex
    /// strings (MongoDB), dates as RFC 3339 text, binary data as arrays of
    /// bytes, NULL as `null`.
    pub async fn lean(&self, db: &impl Executor) -> Result<Vec<serde_json::Value>> {
        let schema = M::schema();
        self.decoded(&self.select_stmt(), db.session(), |row| {
            lean_row(schema, row)
        })
        .await
    }

    /// The distinct values of one column or a tuple of columns among the
    /// matching records (SQL's `SELECT DISTINCT`, MongoDB's `$group`).
    /// The query's order (on those columns), `limit` and `skip` apply to
    /// the distinct values.
    pub async fn distinct<G: GroupKey<M>>(
        &self,
        db: &impl Executor,
        cols: G,
    ) -> Result<Vec<G::Row>> {
        let parts = self.parts();
        let group_by = cols.columns();
        let order: Vec<GroupOrder> = self.order().iter().map(|o| GroupOrder::from(*o)).collect();
        let stmt = Aggregate {
            schema: M::schema(),
            filter: parts.cond,
            group_by: &group_by,
            outputs: &[],
            having: &Having::True,
            order: &order,
            limit: self.paging().0,
            skip: self.paging().1,
            timeout: parts.timeout,
        };
        let mut out = Vec::new();
        let mut sink = |row: &mut dyn RowReader| -> Result<()> {
            out.push(cols.decode(row, 0)?);
            Ok(())
        };
        db.session().aggregate(&stmt, &mut sink).await?;
        Ok(out)
    }

    /// The database's plan for this query, as it prints it: `EXPLAIN` on
    /// PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN FORMAT=JSON`
    /// on MySQL, the `explain` command's query planner on MongoDB. The
    /// text is the database's own and differs between backends.
    pub async fn explain(&self, db: &impl Executor) -> Result<String> {
        let s = db.session().with_timeout(self.timeout_limit());
        let q = self.select_stmt();
        crate::validate::cond(q.schema, q.cond)?;
        let folded = crate::fold::Folded::new(&q, s.object_ids());
        let q = folded.apply(&q);
        let slot = s.slot().await?;
        let r = s.bounded(Op::Read, s.adapter().explain(slot, &q)).await;
        s.noted(r)
    }
}

/// One row as a lean JSON object.
fn lean_row(schema: &'static ModelSchema, row: &mut dyn RowReader) -> Result<serde_json::Value> {
    use serde_json::Value as J;
    let mut map = serde_json::Map::with_capacity(schema.columns.len() + 1);
    let id = row.get_id(0)?;
    map.insert("id".into(), serde_json::to_value(id).unwrap_or(J::Null));
    for (i, c) in schema.columns.iter().enumerate() {
        if matches!(c.fold, Fold::ShadowOf { .. }) {
            continue;
        }
        let v = lean_value(row, i + 1, c.ty)?;
        map.insert(c.field.to_owned(), v.unwrap_or(J::Null));
    }
    Ok(J::Object(map))
}

/// Column `idx` of a row as JSON, read as a value of type `ty`.
pub(crate) fn lean_value(
    row: &mut dyn RowReader,
    idx: usize,
    ty: ColumnType,
) -> Result<Option<serde_json::Value>> {
    use serde_json::Value as J;
    Ok(match ty {
        ColumnType::String | ColumnType::Text => row.get_string(idx)?.map(J::String),
        ColumnType::Integer | ColumnType::BigInteger => row.get_i64(idx)?.map(J::from),
        ColumnType::Number => row.get_f64(idx)?.map(J::from),
        ColumnType::Boolean => row.get_bool(idx)?.map(J::Bool),
        ColumnType::Date => row
            .get_datetime(idx)?
            .map(|t| J::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
        ColumnType::Object => row.get_json(idx)?,
        ColumnType::Blob => row.get_bytes(idx)?.map(J::from),
        ColumnType::RecordId => row
            .get_id(idx)?
            .map(|id| serde_json::to_value(id).unwrap_or(J::Null)),
    })
}

/// See [`Model::find_preserve`].
pub(crate) async fn find_preserve<M: Model + Clone, I: IdArg>(
    db: &impl Executor,
    ids: impl IntoIterator<Item = I>,
) -> Result<Vec<M>> {
    let not_found = || Error::NotFound {
        model: M::schema().name,
    };
    let ids = ids
        .into_iter()
        .map(|id| id.into_record_id()?.ok_or_else(not_found))
        .collect::<Result<Vec<RecordId>>>()?;
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    let values = unique.iter().map(|id| Value::Id(*id)).collect();
    let rows = Query::<M>::new()
        .filter(Cond::is_in("id", values))
        .all(db)
        .await?;
    if rows.len() != unique.len() {
        return Err(not_found());
    }
    let mut by_id: HashMap<RecordId, M> = rows
        .into_iter()
        .filter_map(|r| r.cormo_id().get().map(|id| (id, r)))
        .collect();
    // Each id takes its record; a repeated id takes a copy.
    let mut left: HashMap<RecordId, usize> = HashMap::new();
    for id in &ids {
        *left.entry(*id).or_default() += 1;
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let n = left.get_mut(&id).ok_or_else(not_found)?;
        *n -= 1;
        let record = if *n == 0 {
            by_id.remove(&id)
        } else {
            by_id.get(&id).cloned()
        };
        out.push(record.ok_or_else(not_found)?);
    }
    Ok(out)
}
