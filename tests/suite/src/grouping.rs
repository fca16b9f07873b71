//! Grouped reads: group by, aggregates, having, order and paging of groups.

use chrono::{DateTime, TimeZone, Utc};
use cormo::prelude::*;
use cormo::{avg, count, max, min, sum, CmpOp, Cond, Expr, Having, Value};

use super::models::{Account, Sale};

fn day(d: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).single()
}

async fn sales(db: &Connection) {
    db.register::<Sale>();
    db.apply_schemas().await.unwrap();
    let rows = [
        ("north", Some("ann"), 2, 1.5, Some(10), day(1), true),
        ("north", Some("ann"), 3, 2.5, None, day(3), false),
        ("north", None, 1, 4.0, None, day(2), true),
        ("south", Some("bob"), 5, 1.0, Some(-4), day(5), true),
        ("south", Some("cy"), 1, 3.0, Some(6), None, false),
        ("west", Some("dee"), 7, 0.5, None, None, true),
    ];
    let records: Vec<Sale> = rows
        .into_iter()
        .map(|(region, customer, qty, price, discount, at, paid)| Sale {
            region: region.into(),
            customer: customer.map(Into::into),
            qty,
            price,
            discount,
            at,
            paid,
            ..Default::default()
        })
        .collect();
    Sale::create_many(db, records).await.unwrap();
}

pub async fn group_by_one_column_with_every_aggregate(db: &Connection) {
    sales(db).await;
    let rows = Sale::query()
        .group_by(Sale::REGION)
        .aggregate((
            count(),
            sum(Sale::QTY),
            sum(Sale::PRICE),
            avg(Sale::QTY),
            min(Sale::PRICE),
            max(Sale::AT),
        ))
        .order_by(Sale::REGION.asc())
        .all(db)
        .await
        .unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|(r, (n, q, p, a, lo, hi))| (r.as_str(), *n, *q, *p, *a, *lo, *hi))
        .collect();
    assert_eq!(
        got,
        [
            ("north", 3, Some(6), Some(8.0), Some(2.0), Some(1.5), day(3)),
            ("south", 2, Some(6), Some(4.0), Some(3.0), Some(1.0), day(5)),
            // A group whose dates are all NULL has no max.
            ("west", 1, Some(7), Some(0.5), Some(7.0), Some(0.5), None),
        ]
    );
    // A sum over a group whose values are all NULL is None on every
    // backend (MongoDB's own `$sum` would say 0).
    let discounts = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(sum(Sale::DISCOUNT))
        .order_by(Sale::REGION.asc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        discounts,
        [
            ("north".to_owned(), Some(10)),
            ("south".to_owned(), Some(2)),
            ("west".to_owned(), None),
        ]
    );
}

pub async fn group_by_several_columns_keeps_a_null_group(db: &Connection) {
    sales(db).await;
    let rows = Sale::query()
        .filter(Sale::REGION.ne("west"))
        .group_by((Sale::REGION, Sale::CUSTOMER))
        .aggregate((count(), sum(Sale::QTY)))
        .order_by(Sale::REGION.asc())
        .order_by(Sale::CUSTOMER.asc())
        .all(db)
        .await
        .unwrap();
    let key = |r: &str, c: Option<&str>| (r.to_owned(), c.map(str::to_owned));
    assert_eq!(
        rows,
        [
            // NULL is the smallest value, so the NULL customer sorts first.
            (key("north", None), (1, Some(1))),
            (key("north", Some("ann")), (2, Some(5))),
            (key("south", Some("bob")), (1, Some(5))),
            (key("south", Some("cy")), (1, Some(1))),
        ]
    );
}

pub async fn having_and_ordering_by_aggregates(db: &Connection) {
    sales(db).await;
    let busiest = Sale::query()
        .group_by(Sale::REGION)
        .aggregate((count(), sum(Sale::QTY)))
        .having(count().gte(2))
        .order_by(sum(Sale::PRICE).desc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        busiest,
        [
            ("north".to_owned(), (3, Some(6))),
            ("south".to_owned(), (2, Some(6)))
        ]
    );
    // An aggregate only `having` or `order_by` names need not be returned;
    // conditions on grouped columns, `|` and `!` work inside having.
    let some = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .having(max(Sale::QTY).gt(6) | Sale::REGION.eq("north"))
        .having(!avg(Sale::PRICE).lt(1.0))
        .order_by(min(Sale::QTY).desc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(some, [("north".to_owned(), 3)]);
    // `!` of a comparison with a NULL aggregate keeps the group (CORMO's
    // two-valued `$not`): west has no discount at all.
    let no_big_discount = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .having(!sum(Sale::DISCOUNT).gt(5))
        .order_by(Sale::REGION.asc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        no_big_discount,
        [("south".to_owned(), 2), ("west".to_owned(), 1)]
    );
    // Paging applies to groups.
    let second = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .order_by(count().desc())
        .order_by(Sale::REGION.asc())
        .skip(1)
        .limit(1)
        .all(db)
        .await
        .unwrap();
    assert_eq!(second, [("south".to_owned(), 2)]);
    let none = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .limit(0)
        .all(db)
        .await
        .unwrap();
    assert!(none.is_empty());
}

/// Group conditions compare aggregates with aggregates and with grouped
/// columns, not only with values (`Having::Compare` over `Expr`).
pub async fn having_compares_aggregates_and_grouped_columns(db: &Connection) {
    sales(db).await;
    let regions = |having: Having| {
        Sale::query()
            .group_by(Sale::REGION)
            .aggregate(count())
            .having(having)
            .order_by(Sale::REGION.asc())
    };
    // west's one sale is its max and its min.
    let spread = regions(max(Sale::QTY).gt_agg(min(Sale::QTY)))
        .all(db)
        .await
        .unwrap();
    assert_eq!(spread, [("north".to_owned(), 3), ("south".to_owned(), 2)]);
    // Discount sums: north 10, south 2, west NULL (no discount at all).
    let covered = regions(count().gte_agg(sum(Sale::DISCOUNT)))
        .all(db)
        .await
        .unwrap();
    assert_eq!(covered, [("south".to_owned(), 2)]);
    // A NULL side matches no comparison, so `!` of one keeps west.
    let not_covered = regions(!count().gte_agg(sum(Sale::DISCOUNT)))
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        not_covered,
        [("north".to_owned(), 3), ("west".to_owned(), 1)]
    );
    assert_eq!(
        regions(sum(Sale::QTY).eq_agg(max(Sale::QTY)) & count().eq_agg(max(Sale::QTY)))
            .all(db)
            .await
            .unwrap(),
        Vec::<(String, i64)>::new()
    );
    assert_eq!(
        regions(sum(Sale::QTY).eq_agg(max(Sale::QTY)))
            .all(db)
            .await
            .unwrap(),
        [("west".to_owned(), 1)]
    );
    // `count()` on either side; a mean against a count: south's 2.0 >= 2.
    assert_eq!(
        regions(avg(Sale::PRICE).gte_agg(count()))
            .all(db)
            .await
            .unwrap(),
        [("south".to_owned(), 2)]
    );
    // An aggregate against a grouped column: quantities sold more often
    // than the quantity itself (qty 1 was sold twice).
    let often = Sale::query()
        .group_by(Sale::QTY)
        .aggregate(count())
        .having(Having::Compare {
            lhs: count().into(),
            op: CmpOp::Gt,
            rhs: Sale::QTY.into(),
        })
        .all(db)
        .await
        .unwrap();
    assert_eq!(often, [(1, 2)]);
    let lte = Sale::query()
        .group_by(Sale::QTY)
        .aggregate(count())
        .having(Having::Compare {
            lhs: Sale::QTY.into(),
            op: CmpOp::Lte,
            rhs: count().into(),
        })
        .all(db)
        .await
        .unwrap();
    assert_eq!(lte, [(1, 2)]);
}

fn refused<T: std::fmt::Debug>(r: Result<T>, column: &str, says: &str) {
    match r {
        Err(Error::Validation { column: c, message }) => {
            assert_eq!(c, column, "{message}");
            assert!(message.contains(says), "{message}");
        }
        other => panic!("expected a validation error about {column}, got {other:?}"),
    }
}

/// Hand-built comparisons get the same checks as the typed API's, on every
/// backend, before anything is read.
pub async fn expressions_out_of_place_are_refused(db: &Connection) {
    sales(db).await;
    let before = db.stats();
    let grouped = |h: Having| {
        Sale::query()
            .group_by(Sale::REGION)
            .aggregate(count())
            .having(h)
    };
    // A column the groups do not have one value of.
    let r = grouped(Having::Compare {
        lhs: count().into(),
        op: CmpOp::Gt,
        rhs: Sale::QTY.into(),
    })
    .all(db)
    .await;
    refused(r, "qty", "not one of the grouped");
    // Aggregates of kinds that do not compare.
    let r = grouped(Having::Compare {
        lhs: max(Sale::REGION).into(),
        op: CmpOp::Gt,
        rhs: sum(Sale::QTY).into(),
    })
    .all(db)
    .await;
    refused(r, "max(region)", "cannot be compared with sum(qty)");
    let r = grouped(Having::Compare {
        lhs: Expr::value(1),
        op: CmpOp::Lt,
        rhs: Expr::value(2),
    })
    .all(db)
    .await;
    refused(r, "1", "one side of a comparison must be a grouped column");
    let r = grouped(Having::Compare {
        lhs: count().into(),
        op: CmpOp::Gt,
        rhs: Expr::value(Value::Null),
    })
    .all(db)
    .await;
    refused(r, "count", "NULL compares with nothing");
    let r = grouped(Having::Compare {
        lhs: count().into(),
        op: CmpOp::Gt,
        rhs: Expr::value("two"),
    })
    .all(db)
    .await;
    refused(r, "count", "cannot be compared with \"two\"");
    let r = grouped(Having::Compare {
        lhs: sum(Sale::QTY).into(),
        op: CmpOp::Gt,
        rhs: Expr::value(8.5),
    })
    .all(db)
    .await;
    refused(r, "sum(qty)", "an integer compares with integers");
    // A grouped column against a value is a `Cond`, which having takes.
    let r = grouped(Having::Compare {
        lhs: Sale::REGION.into(),
        op: CmpOp::Eq,
        rhs: Expr::value("north"),
    })
    .all(db)
    .await;
    refused(r, "region", "write it as a value condition");
    // Ids are integers on SQL and ObjectIds on MongoDB.
    let r = grouped(Having::Compare {
        lhs: Expr::Agg(cormo::stmt::AggExpr {
            func: cormo::stmt::AggFunc::Max,
            column: Some("id"),
        }),
        op: CmpOp::Gt,
        rhs: count().into(),
    })
    .all(db)
    .await;
    refused(r, "id", "cannot be aggregated");
    // Count takes no column: SQL would count values, MongoDB records.
    let r = grouped(Having::Compare {
        lhs: Expr::Agg(cormo::stmt::AggExpr {
            func: cormo::stmt::AggFunc::Count,
            column: Some("discount"),
        }),
        op: CmpOp::Gt,
        rhs: Expr::value(1),
    })
    .all(db)
    .await;
    refused(r, "discount", "takes no column");
    let r = grouped(Having::Compare {
        lhs: Expr::from(count()) + Expr::value(1),
        op: CmpOp::Gt,
        rhs: Expr::value(2),
    })
    .all(db)
    .await;
    refused(r, "count + 1", "arithmetic is for increments");
    // Row conditions: no aggregates, no arithmetic, values as `Cond::Cmp`.
    let rows = |c: Cond| async move { Sale::query().filter(c).all(db).await.map(|v| v.len()) };
    let r = rows(Cond::Compare {
        lhs: count().into(),
        op: CmpOp::Gt,
        rhs: Expr::value(1),
    })
    .await;
    refused(r, "count", "go in `having`");
    let r = rows(Cond::Compare {
        lhs: Expr::from(Sale::QTY) + Expr::value(1),
        op: CmpOp::Gt,
        rhs: Sale::DISCOUNT.into(),
    })
    .await;
    refused(r, "qty + 1", "arithmetic is for increments");
    let r = rows(Cond::Compare {
        lhs: Sale::QTY.into(),
        op: CmpOp::Gt,
        rhs: Expr::value(1),
    })
    .await;
    refused(r, "qty", "Model::COLUMN.gt(v)");
    let r = rows(Cond::Compare {
        lhs: Sale::QTY.into(),
        op: CmpOp::Gt,
        rhs: Sale::REGION.into(),
    })
    .await;
    refused(r, "qty", "cannot be compared with region");
    let r = rows(Cond::Compare {
        lhs: Expr::column("nope"),
        op: CmpOp::Gt,
        rhs: Sale::QTY.into(),
    })
    .await;
    assert!(
        matches!(&r, Err(Error::UnknownColumn { column, .. }) if column == "nope"),
        "{r:?}"
    );
    assert_eq!(db.stats().reads, before.reads);
}

pub async fn aggregate_without_groups_is_one_group(db: &Connection) {
    db.register::<Sale>();
    db.apply_schemas().await.unwrap();
    // An empty table is still one group: a count of 0, the rest None.
    let empty = Sale::query()
        .aggregate((count(), sum(Sale::QTY), avg(Sale::PRICE), max(Sale::REGION)))
        .get(db)
        .await
        .unwrap();
    assert_eq!(empty, (0, None, None, None));
    sales(db).await;
    let paid = Sale::query()
        .filter(Sale::PAID.eq(true))
        .aggregate((count(), sum(Sale::QTY), min(Sale::REGION), max(Sale::AT)))
        .get(db)
        .await
        .unwrap();
    assert_eq!(paid, (4, Some(15), Some("north".to_owned()), day(5)));
    // The mean of integers is the same float everywhere (MySQL shows its
    // own AVG of integers to four places): (2 + 3 + 1 + 5 + 1 + 7) / 6.
    let mean = Sale::query()
        .aggregate(avg(Sale::QTY))
        .get(db)
        .await
        .unwrap();
    assert_eq!(mean, Some(19.0 / 6.0));
    let filtered_out = Sale::query()
        .aggregate(count())
        .having(count().gt(100))
        .get(db)
        .await;
    assert!(
        matches!(filtered_out, Err(Error::NotFound { .. })),
        "{filtered_out:?}"
    );
    // Having on the empty group sees its count of 0.
    let zero = Sale::query()
        .filter(Sale::QTY.gt(100))
        .aggregate(count())
        .having(count().lt(1))
        .get(db)
        .await
        .unwrap();
    assert_eq!(zero, 0);
}

pub async fn grouped_reads_refuse_bad_input(db: &Connection) {
    sales(db).await;
    db.register::<Account>();
    db.apply_schemas().await.unwrap();
    let before = db.stats();
    let by_id = Sale::query()
        .group_by(Sale::ID)
        .aggregate(count())
        .all(db)
        .await;
    assert!(
        matches!(&by_id, Err(Error::Validation { column, .. }) if column == "id"),
        "{by_id:?}"
    );
    let not_grouped = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .order_by(Sale::QTY.desc())
        .all(db)
        .await;
    assert!(
        matches!(&not_grouped, Err(Error::Validation { column, message }) if column == "qty" && message.contains("not one of the grouped")),
        "{not_grouped:?}"
    );
    let having_other = Sale::query()
        .group_by(Sale::REGION)
        .aggregate(count())
        .having(Sale::QTY.gt(1))
        .all(db)
        .await;
    assert!(
        matches!(&having_other, Err(Error::Validation { column, .. }) if column == "qty"),
        "{having_other:?}"
    );
    let paged_first = Sale::query()
        .limit(2)
        .group_by(Sale::REGION)
        .aggregate(count())
        .all(db)
        .await;
    assert!(
        matches!(&paged_first, Err(Error::Validation { column, .. }) if column == "query"),
        "{paged_first:?}"
    );
    let folded = Account::query()
        .group_by(Account::NICK)
        .aggregate(count())
        .all(db)
        .await;
    assert!(
        matches!(&folded, Err(Error::Validation { column, .. }) if column == "nick"),
        "{folded:?}"
    );
    let bad_value = Sale::query()
        .aggregate(count())
        .having(avg(Sale::PRICE).gt(f64::NAN))
        .get(db)
        .await;
    assert!(
        matches!(bad_value, Err(Error::Validation { .. })),
        "{bad_value:?}"
    );
    // Refused before anything reached the database.
    assert_eq!(db.stats().reads, before.reads);
}

pub async fn grouped_read_in_a_transaction_sees_its_writes(db: &Connection) {
    sales(db).await;
    let tx = db.begin().await.unwrap();
    Sale::create(
        &tx,
        Sale {
            region: "west".into(),
            qty: 3,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let inside = Sale::query()
        .filter(Sale::REGION.eq("west"))
        .aggregate((count(), sum(Sale::QTY)))
        .get(&tx)
        .await
        .unwrap();
    assert_eq!(inside, (2, Some(10)));
    tx.rollback().await.unwrap();
    let after = Sale::query()
        .filter(Sale::REGION.eq("west"))
        .aggregate((count(), sum(Sale::QTY)))
        .get(db)
        .await
        .unwrap();
    assert_eq!(after, (1, Some(7)));
}

/// CORMO's `group(by, fields)`, with fields as JSON and rows as objects.
pub async fn group_json_is_cormos_group(db: &Connection) {
    use serde_json::json;
    sales(db).await;
    let rows = Sale::query()
        .filter(Sale::REGION.ne("west"))
        .order_by(Sale::REGION.asc())
        .group_json(
            db,
            &["region"],
            &json!({"n": {"$sum": 1}, "qty": {"$sum": "$qty"}, "cheapest": {"$min": "$price"}, "last": {"$max": "$at"}}),
        )
        .await
        .unwrap();
    let rows: Vec<serde_json::Value> = rows.into_iter().map(serde_json::Value::Object).collect();
    assert_eq!(
        rows,
        [
            json!({"region": "north", "n": 3, "qty": 6, "cheapest": 1.5, "last": "2026-01-03T12:00:00Z"}),
            json!({"region": "south", "n": 2, "qty": 6, "cheapest": 1.0, "last": "2026-01-05T12:00:00Z"}),
        ]
    );
    let all = Sale::query()
        .group_json(db, &[], &json!({"mean": {"$avg": "$qty"}}))
        .await
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(all[0].clone()),
        json!({"mean": 19.0 / 6.0})
    );

    let before = db.stats().reads;
    let sum_text = Sale::query()
        .group_json(db, &["paid"], &json!({"t": {"$sum": "$region"}}))
        .await;
    assert!(
        matches!(&sum_text, Err(Error::Validation { column, message }) if column == "region" && message.contains("numeric")),
        "an aggregate on a non-numeric column: {sum_text:?}"
    );
    let any = Sale::query()
        .group_json(db, &["region"], &json!({"x": {"$any": "$qty"}}))
        .await;
    assert!(matches!(any, Err(Error::UnknownOperator { .. })), "{any:?}");
    let unknown = Sale::query()
        .group_json(db, &["nope"], &json!({"n": {"$sum": 1}}))
        .await;
    assert!(
        matches!(unknown, Err(Error::UnknownColumn { .. })),
        "{unknown:?}"
    );
    let clash = Sale::query()
        .group_json(db, &["region"], &json!({"region": {"$sum": 1}}))
        .await;
    assert!(matches!(clash, Err(Error::Validation { .. })), "{clash:?}");
    let two = Sale::query()
        .group_json(db, &["region"], &json!({"n": {"$sum": 2}}))
        .await;
    assert!(matches!(two, Err(Error::Validation { .. })), "{two:?}");
    assert_eq!(db.stats().reads, before, "refused before anything ran");
}
