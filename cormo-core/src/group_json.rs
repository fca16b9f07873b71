//! CORMO's `group(group_by, fields)` with fields as JSON, for grouped reads
//! whose shape arrives at run time. Rows come back as JSON objects.

use serde_json::Value as Json;

use crate::connection::Executor;
use crate::error::{clip, Error, Result};
use crate::model::Model;
use crate::ops::read::lean_value;
use crate::query::Query;
use crate::schema::{Fold, ModelSchema};
use crate::stmt::{AggExpr, AggFunc, Aggregate, GroupOrder, Having};
use crate::value::RowReader;

impl<M: Model> Query<M> {
    /// A grouped read in CORMO's form: `group_by` names fields (none for
    /// one group of everything), `fields` maps each output name to one
    /// aggregate: `{"$sum": 1}` (a count), `{"$sum": "$col"}`,
    /// `{"$avg": "$col"}`, `{"$min": "$col"}`, `{"$max": "$col"}`. Each
    /// group is a JSON object holding its grouped fields and the outputs:
    ///
    /// ```ignore
    /// let rows = Sale::query()
    ///     .order_by(Sale::REGION.asc())
    ///     .group_json(&db, &["region"], &json!({"n": {"$sum": 1}, "total": {"$sum": "$qty"}}))
    ///     .await?;
    /// // [{"region": "north", "n": 3, "total": 6}, …]
    /// ```
    ///
    /// The query's filter, order (on grouped fields) and paging apply. The
    /// same checks as the typed form hold: a `$sum` or `$avg` of a column
    /// that is not numeric, an unknown field or operator, an output named
    /// like a grouped field, are errors and nothing runs.
    pub async fn group_json(
        &self,
        db: &impl Executor,
        group_by: &[&str],
        fields: &Json,
    ) -> Result<Vec<serde_json::Map<String, Json>>> {
        let schema = M::schema();
        let mut columns = Vec::with_capacity(group_by.len());
        let mut names = Vec::with_capacity(group_by.len());
        for g in group_by {
            let c = column(schema, g)?;
            columns.push(c.name);
            names.push(c.field);
        }
        let Json::Object(map) = fields else {
            return Err(Error::validation(
                "fields",
                format!(
                    "must be a JSON object of aggregates, not {}",
                    clip(&fields.to_string())
                ),
            ));
        };
        let mut outputs = Vec::with_capacity(map.len());
        let mut out_names = Vec::with_capacity(map.len());
        for (name, spec) in map {
            if names.contains(&name.as_str()) {
                return Err(Error::validation(
                    clip(name),
                    "is a grouped field; name the aggregate otherwise",
                ));
            }
            outputs.push(aggregate(schema, name, spec)?);
            out_names.push(name.clone());
        }
        let parts = self.parts();
        let order: Vec<GroupOrder> = self.order().iter().map(|o| GroupOrder::from(*o)).collect();
        let (limit, skip) = self.paging();
        let stmt = Aggregate {
            schema,
            filter: parts.cond,
            group_by: &columns,
            outputs: &outputs,
            having: &Having::True,
            order: &order,
            limit,
            skip,
            timeout: parts.timeout,
        };
        let g = columns.len();
        let mut rows = Vec::new();
        let mut sink = |row: &mut dyn RowReader| -> Result<()> {
            let mut obj = serde_json::Map::with_capacity(g + outputs.len());
            for (i, c) in columns.iter().enumerate() {
                let ty = schema
                    .column(c)
                    .map(|c| c.ty)
                    .unwrap_or(crate::schema::ColumnType::Text);
                obj.insert(
                    names[i].to_owned(),
                    lean_value(row, i, ty)?.unwrap_or(Json::Null),
                );
            }
            for (j, e) in outputs.iter().enumerate() {
                let ty = e.output_type(stmt.input_type(e));
                obj.insert(
                    out_names[j].clone(),
                    lean_value(row, g + j, ty)?.unwrap_or(Json::Null),
                );
            }
            rows.push(obj);
            Ok(())
        };
        db.session().aggregate(&stmt, &mut sink).await?;
        Ok(rows)
    }
}

fn column(schema: &'static ModelSchema, name: &str) -> Result<&'static crate::schema::ColumnDef> {
    schema
        .field_column(name)
        .filter(|c| !matches!(c.fold, Fold::ShadowOf { .. }))
        .ok_or_else(|| Error::UnknownColumn {
            model: schema.name,
            column: clip(name),
        })
}

/// One output: `{"$op": 1 | "$col"}`.
fn aggregate(schema: &'static ModelSchema, name: &str, spec: &Json) -> Result<AggExpr> {
    let bad = || {
        Error::validation(
            clip(name),
            "takes one aggregate such as {\"$sum\": 1} or {\"$max\": \"$column\"}",
        )
    };
    let Json::Object(ops) = spec else {
        return Err(bad());
    };
    let (op, arg) = match ops.iter().next() {
        Some(pair) if ops.len() == 1 => pair,
        _ => return Err(bad()),
    };
    let func = match op.as_str() {
        "$sum" => AggFunc::Sum,
        "$avg" => AggFunc::Avg,
        "$min" => AggFunc::Min,
        "$max" => AggFunc::Max,
        other => return Err(Error::UnknownOperator { op: clip(other) }),
    };
    match arg {
        Json::Number(n) if func == AggFunc::Sum && n.as_i64() == Some(1) => Ok(AggExpr {
            func: AggFunc::Count,
            column: None,
        }),
        Json::String(s) if s.starts_with('$') => Ok(AggExpr {
            func,
            column: Some(column(schema, &s[1..])?.name),
        }),
        _ => Err(bad()),
    }
}
