//! Core's expressions ([`Expr`]) → aggregation expressions, and a
//! comparison of two of them → a `$expr` filter.

use cormo_core::stmt::{AggExpr, Expr};
use cormo_core::{CmpOp, Result};
use mongodb::bson::{doc, Bson, Document};

use crate::convert::{field, to_bson};

/// Where an aggregate's value is in the documents a comparison filters
/// (`None` outside a grouped read).
pub type AggPath<'a> = &'a dyn Fn(&AggExpr) -> Option<String>;

/// `e` as an aggregation expression. A value is a `$literal`, so text
/// such as `"$gt"` or `"$other"` is compared, never read as a field path.
pub fn expr(e: &Expr, agg: AggPath<'_>) -> Result<Bson> {
    Ok(match e {
        Expr::Column(c) => Bson::String(format!("${}", field(c))),
        Expr::Value(v) => Bson::Document(doc! { "$literal": to_bson(v)? }),
        Expr::Agg(a) => match agg(a) {
            Some(path) => Bson::String(format!("${path}")),
            None => return Err(e.aggregate_in_row_condition()),
        },
        // Core lets sums through only as increments, which are `$inc`.
        Expr::Add(..) => return Err(e.arithmetic_in_condition()),
    })
}

/// `lhs op rhs` as a filter. In `$expr` a missing field sorts below null
/// and null below every value, so `$gt: [x, null]` is "x has a value": as
/// in SQL, a NULL column or aggregate on either side matches nothing.
pub fn compare(lhs: &Expr, op: CmpOp, rhs: &Expr, agg: AggPath<'_>) -> Result<Document> {
    let (a, b) = (expr(lhs, agg)?, expr(rhs, agg)?);
    let mut all = Vec::with_capacity(3);
    for (e, v) in [(lhs, &a), (rhs, &b)] {
        if matches!(e, Expr::Column(_) | Expr::Agg(_)) {
            all.push(Bson::Document(doc! { "$gt": [v.clone(), Bson::Null] }));
        }
    }
    let op = match op {
        CmpOp::Eq => "$eq",
        CmpOp::Ne => "$ne",
        CmpOp::Gt => "$gt",
        CmpOp::Gte => "$gte",
        CmpOp::Lt => "$lt",
        CmpOp::Lte => "$lte",
    };
    all.push(Bson::Document(doc! { op: [a, b] }));
    Ok(doc! { "$expr": { "$and": all } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cormo_core::stmt::AggFunc;
    use cormo_core::Value;

    #[test]
    fn values_are_literals_and_null_sides_match_nothing() {
        let count = AggExpr {
            func: AggFunc::Count,
            column: None,
        };
        let path = |e: &AggExpr| (*e == count).then(|| "_id.a0".to_owned());
        let f = compare(&Expr::Agg(count), CmpOp::Gt, &Expr::value("$qty"), &path).unwrap();
        assert_eq!(
            f,
            doc! { "$expr": { "$and": [
                { "$gt": ["$_id.a0", Bson::Null] },
                { "$gt": ["$_id.a0", { "$literal": "$qty" }] },
            ] } }
        );
        let sum = Expr::column("qty") + Expr::Value(Value::Int(1));
        assert!(expr(&sum, &|_| None).is_err());
        assert!(expr(&Expr::Agg(count), &|_| None).is_err());
    }
}
