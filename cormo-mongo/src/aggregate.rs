//! Grouped reads ([`Aggregate`]) as aggregation pipelines:
//! `$match` → `$group` → `$project` → `$match` (having) → `$sort` →
//! `$skip` → `$limit` → `$project` (the row).

use std::sync::Arc;
use std::time::Duration;

use cormo_core::stmt::{AggExpr, AggFunc, Aggregate, GroupOrder, Having};
use cormo_core::{Dir, Result, Rows, TxSlot};
use mongodb::bson::{doc, Bson, Document};
use mongodb::Collection;

use crate::convert::{field, Named};
use crate::cursor::open_rows;
use crate::{errors, filter};

/// The accumulator of one aggregate.
fn accumulator(e: &AggExpr) -> Document {
    let path = |c: &str| Bson::String(format!("${}", field(c)));
    match (e.func, e.column) {
        (AggFunc::Count, _) | (_, None) => doc! { "$sum": 1 },
        (AggFunc::Sum, Some(c)) => doc! { "$sum": path(c) },
        (AggFunc::Avg, Some(c)) => doc! { "$avg": path(c) },
        (AggFunc::Min, Some(c)) => doc! { "$min": path(c) },
        (AggFunc::Max, Some(c)) => doc! { "$max": path(c) },
    }
}

/// The pipeline, and the fields of its result rows.
pub fn pipeline(q: &Aggregate<'_>) -> Result<(Vec<Document>, Vec<Named>)> {
    let aggs = q.all_aggregates();
    let position = |e: &AggExpr| aggs.iter().position(|x| x == e).unwrap_or(0);
    let mut stages = Vec::new();
    let f = filter::filter(q.schema, q.filter)?;
    if !f.is_empty() {
        stages.push(doc! { "$match": f });
    }
    let mut group = Document::new();
    if q.group_by.is_empty() {
        group.insert("_id", Bson::Null);
    } else {
        let mut key = Document::new();
        for (i, g) in q.group_by.iter().enumerate() {
            // A missing field and a null one are one group, as NULL is in SQL.
            key.insert(
                format!("g{i}"),
                doc! { "$ifNull": [format!("${}", field(g)), Bson::Null] },
            );
        }
        group.insert("_id", key);
    }
    for (j, e) in aggs.iter().enumerate() {
        group.insert(format!("a{j}"), accumulator(e));
        if let (AggFunc::Sum, Some(c)) = (e.func, e.column) {
            // `$sum` of no values is 0; SQL's SUM is NULL. Count the values
            // so the sum can be NULL too.
            let present = doc! { "$gt": [format!("${}", field(c)), Bson::Null] };
            group.insert(
                format!("n{j}"),
                doc! { "$sum": { "$cond": [present, 1, 0] } },
            );
        }
    }
    if q.group_by.is_empty() {
        // `$group` over no documents gives no group; SQL gives the one
        // group of an empty table. `$facet` always yields one document.
        let mut empty = doc! { "_id": Bson::Null };
        for (j, e) in aggs.iter().enumerate() {
            let zero = if e.func == AggFunc::Count {
                Bson::Int32(0)
            } else {
                Bson::Null
            };
            empty.insert(format!("a{j}"), zero);
            empty.insert(format!("n{j}"), 0);
        }
        stages.push(doc! { "$facet": { "g": [ { "$group": group } ] } });
        stages.push(doc! {
            "$replaceWith": { "$ifNull": [ { "$arrayElemAt": ["$g", 0] }, empty ] }
        });
    } else {
        stages.push(doc! { "$group": group });
    }
    // Grouped columns go back under their own names, so a `Having::Group`
    // condition is an ordinary filter; aggregates go under `_id`, a name no
    // grouped column has.
    let mut project = Document::new();
    for (i, g) in q.group_by.iter().enumerate() {
        project.insert(field(g), format!("$_id.g{i}"));
    }
    let mut values = Document::new();
    for (j, e) in aggs.iter().enumerate() {
        let a = format!("$a{j}");
        let v = if e.func == AggFunc::Sum && e.column.is_some() {
            Bson::Document(doc! { "$cond": [ { "$gt": [format!("$n{j}"), 0] }, a, Bson::Null ] })
        } else {
            Bson::String(a)
        };
        values.insert(format!("a{j}"), v);
    }
    if values.is_empty() {
        // Distinct values: no aggregates, and `$project` takes no empty
        // sub-document.
        project.insert("_id", 0);
    } else {
        project.insert("_id", values);
    }
    stages.push(doc! { "$project": project });
    if !matches!(q.having, Having::True) {
        stages.push(doc! { "$match": having(q, q.having, &position)? });
    }
    let mut sort = Document::new();
    for o in q.order {
        let (key, dir) = match o {
            GroupOrder::Column { column, dir } => (field(column).to_owned(), *dir),
            GroupOrder::Agg { expr, dir } => (format!("_id.a{}", position(expr)), *dir),
        };
        if !sort.contains_key(&key) {
            sort.insert(key, if dir == Dir::Desc { -1 } else { 1 });
        }
    }
    if !sort.is_empty() {
        stages.push(doc! { "$sort": sort });
    }
    if let Some(skip) = q.skip {
        stages.push(doc! { "$skip": i64::try_from(skip).unwrap_or(i64::MAX) });
    }
    if let Some(limit) = q.limit {
        stages.push(doc! { "$limit": i64::try_from(limit).unwrap_or(i64::MAX) });
    }
    let mut row = doc! { "_id": 0 };
    let mut named = Vec::new();
    for g in q.group_by {
        let k = named.len();
        row.insert(format!("r{k}"), format!("${}", field(g)));
        named.push(Named {
            field: format!("r{k}"),
            label: (*g).to_owned(),
        });
    }
    for (j, e) in q.outputs.iter().enumerate() {
        let k = named.len();
        row.insert(format!("r{k}"), format!("$_id.a{j}"));
        named.push(Named {
            field: format!("r{k}"),
            label: match e.column {
                Some(c) => format!("{}({c})", e.func.name()),
                None => "count".to_owned(),
            },
        });
    }
    stages.push(doc! { "$project": row });
    Ok((stages, named))
}

fn having(q: &Aggregate<'_>, h: &Having, position: &dyn Fn(&AggExpr) -> usize) -> Result<Document> {
    Ok(match h {
        Having::True => Document::new(),
        Having::Compare { lhs, op, rhs } => {
            lhs.check_columns(q.schema)?;
            rhs.check_columns(q.schema)?;
            // Grouped columns are under their own names by now, aggregates
            // under `_id` (see `pipeline`).
            let path = |e: &AggExpr| Some(format!("_id.a{}", position(e)));
            crate::expr::compare(lhs, *op, rhs, &path)?
        }
        Having::Group(c) => filter::filter(q.schema, c)?,
        Having::And(list) if list.is_empty() => Document::new(),
        Having::Or(list) if list.is_empty() => doc! { "_id": { "$exists": false } },
        Having::And(list) | Having::Or(list) => {
            let op = if matches!(h, Having::And(_)) {
                "$and"
            } else {
                "$or"
            };
            let parts = list
                .iter()
                .map(|x| having(q, x, position).map(Bson::Document))
                .collect::<Result<Vec<Bson>>>()?;
            doc! { op: parts }
        }
        Having::Not(inner) => doc! { "$nor": [ having(q, inner, position)? ] },
    })
}

/// The pipeline's rows.
pub async fn run<'a>(
    coll: Collection<Document>,
    tx: Option<&'a TxSlot>,
    q: &Aggregate<'_>,
    limit: Option<Duration>,
) -> Result<Rows<'a>> {
    let (stages, named) = pipeline(q)?;
    let schema = q.schema;
    let named: Arc<[Named]> = Arc::from(named);
    let map = move |e| errors::timed(errors::map(e, Some(schema)), limit);
    let mut opts = mongodb::options::AggregateOptions::default();
    opts.max_time = limit;
    Ok(open_rows!(
        tx,
        coll.aggregate(stages).with_options(opts),
        map,
        schema,
        None,
        Some(named)
    ))
}
