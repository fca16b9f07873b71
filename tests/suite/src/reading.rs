//! Read shapes: `find` inside a query, `find_preserve`, `when`, `pluck`,
//! `lean`, `distinct`, `explain`.

use chrono::{TimeZone, Utc};
use cormo::prelude::*;
use serde_json::json;

use super::models::{Sale, Sample, Span, User};

async fn people(db: &Connection) -> Vec<User> {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let mut out = Vec::new();
    for (name, age) in [("Alice", 30), ("Bob", 25), ("carol", 35)] {
        out.push(
            User::create(
                db,
                User {
                    name: name.into(),
                    age,
                    ..Default::default()
                },
            )
            .await
            .unwrap(),
        );
    }
    out
}

pub async fn find_within_a_query_and_when(db: &Connection) {
    let users = people(db).await;
    let older = User::query().filter(User::AGE.gt(26));
    assert_eq!(older.find(db, &users[0].id).await.unwrap().name, "Alice");
    let bob = older.find(db, &users[1].id).await;
    assert!(matches!(bob, Err(Error::NotFound { .. })), "{bob:?}");
    assert!(matches!(
        older.find(db, "no id").await,
        Err(Error::NotFound { .. })
    ));

    let q = |adults: bool, oldest: bool| {
        User::query()
            .when(adults, |q| q.filter(User::AGE.gte(30)))
            .when(oldest, |q| q.order_by(User::AGE.desc()).limit(1))
    };
    assert_eq!(q(false, false).count(db).await.unwrap(), 3);
    assert_eq!(q(true, false).count(db).await.unwrap(), 2);
    let oldest = q(true, true).all(db).await.unwrap();
    assert_eq!(oldest.len(), 1);
    assert_eq!(oldest[0].name, "carol");
    // `Query::one` refuses two matches; `first` is CORMO's `one()`.
    assert!(matches!(
        q(true, false).one(db).await,
        Err(Error::Integrity { .. })
    ));
    assert!(q(true, false).first(db).await.unwrap().is_some());
}

pub async fn find_preserve_keeps_order_and_repeats(db: &Connection) {
    db.register::<Span>();
    db.apply_schemas().await.unwrap();
    let mut ids = Vec::new();
    for label in ["a", "b", "c"] {
        let s = Span::create(
            db,
            Span {
                label: label.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(s.id.get().unwrap());
    }
    let got = Span::find_preserve(db, [ids[2], ids[0], ids[2], ids[1]])
        .await
        .unwrap();
    let labels: Vec<&str> = got.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["c", "a", "c", "b"]);
    assert!(got.iter().all(|s| s.id.is_persisted()));
    let mut gone = Span::find(db, ids[1]).await.unwrap();
    gone.destroy(db).await.unwrap();
    let missing = Span::find_preserve(db, [ids[0], ids[1]]).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    assert!(Span::find_preserve(db, Vec::<RecordId>::new())
        .await
        .unwrap()
        .is_empty());
}

pub async fn pluck_and_lean_rows(db: &Connection) {
    let users = people(db).await;
    let names = User::query()
        .order_by(User::AGE.asc())
        .pluck(db, User::NAME)
        .await
        .unwrap();
    assert_eq!(names, ["Bob", "Alice", "carol"]);
    let ages = User::query()
        .filter(User::AGE.gte(30))
        .order_by(User::AGE.desc())
        .pluck(db, User::AGE)
        .await
        .unwrap();
    assert_eq!(ages, [35, 30]);
    let ids = User::query()
        .order_by(User::AGE.asc())
        .pluck(db, User::ID)
        .await
        .unwrap();
    assert_eq!(
        ids,
        [
            users[1].id.get().unwrap(),
            users[0].id.get().unwrap(),
            users[2].id.get().unwrap()
        ]
    );

    let lean = User::query()
        .filter(User::NAME.eq("Alice"))
        .lean(db)
        .await
        .unwrap();
    let id = serde_json::to_value(users[0].id.get().unwrap()).unwrap();
    assert_eq!(lean, [json!({"id": id, "name": "Alice", "age": 30})]);

    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).single();
    Sample::create(
        db,
        Sample {
            text: "t".into(),
            small: 1,
            big: 1 << 40,
            ratio: 0.25,
            flag: true,
            at,
            doc: Some(json!({"k": [1, "x"]})),
            data: Some(vec![0, 255]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let row = Sample::query().lean(db).await.unwrap().remove(0);
    assert_eq!(row["text"], "t");
    assert_eq!(row["big"], 1i64 << 40);
    assert_eq!(row["ratio"], 0.25);
    assert_eq!(row["flag"], true);
    assert_eq!(row["at"], "2026-03-04T05:06:07Z");
    assert_eq!(row["doc"], json!({"k": [1, "x"]}));
    assert_eq!(row["data"], json!([0, 255]));
    assert_eq!(row["maybe_text"], serde_json::Value::Null);
    // Defaults were stored.
    assert_eq!(row["status"], "fresh");
}

pub async fn distinct_values(db: &Connection) {
    db.register::<Sale>();
    db.apply_schemas().await.unwrap();
    for (region, paid) in [
        ("north", true),
        ("south", false),
        ("north", false),
        ("west", true),
        ("north", true),
    ] {
        Sale::create(
            db,
            Sale {
                region: region.into(),
                paid,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let regions = Sale::query()
        .order_by(Sale::REGION.asc())
        .distinct(db, Sale::REGION)
        .await
        .unwrap();
    assert_eq!(regions, ["north", "south", "west"]);
    let pairs = Sale::query()
        .filter(Sale::REGION.ne("west"))
        .order_by(Sale::REGION.desc())
        .order_by(Sale::PAID.asc())
        .distinct(db, (Sale::REGION, Sale::PAID))
        .await
        .unwrap();
    assert_eq!(
        pairs,
        [
            ("south".to_owned(), false),
            ("north".to_owned(), false),
            ("north".to_owned(), true)
        ]
    );
    let page = Sale::query()
        .order_by(Sale::REGION.asc())
        .skip(1)
        .limit(1)
        .distinct(db, Sale::REGION)
        .await
        .unwrap();
    assert_eq!(page, ["south"]);
    let bad = Sale::query()
        .order_by(Sale::QTY.asc())
        .distinct(db, Sale::REGION)
        .await;
    assert!(matches!(bad, Err(Error::Validation { .. })), "{bad:?}");
}

pub async fn explain_returns_the_plan(db: &Connection) {
    people(db).await;
    let plan = User::query()
        .filter(User::AGE.gt(20))
        .order_by(User::NAME.asc())
        .explain(db)
        .await
        .unwrap();
    assert!(!plan.trim().is_empty());
    // The plan names the table (or collection) it reads.
    assert!(plan.contains("users"), "{plan}");
    let bad = User::query()
        .filter(User::NAME.matches(r"\b"))
        .explain(db)
        .await;
    assert!(matches!(bad, Err(Error::Validation { .. })), "{bad:?}");
}

/// The escape hatch: SQL on the SQL backends, commands on MongoDB, each
/// refusing the other's with `Unsupported`.
pub async fn raw_statements_are_the_escape_hatch(db: &Connection) {
    let users = people(db).await;
    if db.capabilities().object_ids {
        let sql = cormo::raw_sql("SELECT 1").fetch(db).await;
        assert!(matches!(sql, Err(Error::Unsupported { .. })), "{sql:?}");
        let reply = cormo::raw_command(json!({"count": "users", "query": {"age": {"$gt": 26}}}));
        assert_eq!(reply.execute(db).await.unwrap(), 2);
        let rows = reply.fetch(db).await.unwrap();
        assert_eq!(rows[0]["n"], 2);
        let bad = cormo::raw_command(json!(["not", "a", "document"]))
            .fetch(db)
            .await;
        assert!(matches!(bad, Err(Error::Validation { .. })), "{bad:?}");
        return;
    }
    let ph = |n: usize| {
        if db.capabilities().backend == "postgres" {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    };
    let select = cormo::raw_sql(format!(
        "SELECT id, name, age FROM users WHERE age > {} ORDER BY age",
        ph(1)
    ))
    .bind(26);
    let rows = select.fetch(db).await.unwrap();
    let id = serde_json::to_value(users[0].id.get().unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        serde_json::Value::Object(rows[0].clone()),
        json!({"id": id, "name": "Alice", "age": 30})
    );
    let records: Vec<User> = select.fetch_as(db).await.unwrap();
    assert_eq!(records[1].name, "carol");
    assert!(records.iter().all(|u| u.id.is_persisted()));
    let n = cormo::raw_sql(format!(
        "UPDATE users SET age = age + 1 WHERE name = {}",
        ph(1)
    ))
    .bind("Bob")
    .execute(db)
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(User::find(db, &users[1].id).await.unwrap().age, 26);
    // The placeholders and the values bound must agree, and values are
    // checked as everywhere (no NaN, no NUL).
    let short = cormo::raw_sql(format!(
        "SELECT id FROM users WHERE age = {} AND name = {}",
        ph(1),
        ph(2)
    ))
    .bind(25)
    .fetch(db)
    .await;
    assert!(matches!(short, Err(Error::Validation { .. })), "{short:?}");
    let long = cormo::raw_sql(format!("SELECT id FROM users WHERE age = {}", ph(1)))
        .bind(25)
        .bind(3)
        .fetch(db)
        .await;
    assert!(matches!(long, Err(Error::Validation { .. })), "{long:?}");
    let nan = cormo::raw_sql(format!("SELECT {} AS a", ph(1)))
        .bind(f64::NAN)
        .fetch(db)
        .await;
    assert!(matches!(nan, Err(Error::Validation { .. })), "{nan:?}");
    let cmd = cormo::raw_command(json!({"ping": 1})).fetch(db).await;
    assert!(matches!(cmd, Err(Error::Unsupported { .. })), "{cmd:?}");
    // Rows missing a model column cannot be records.
    let partial: Result<Vec<User>> = cormo::raw_sql("SELECT id, name FROM users")
        .fetch_as(db)
        .await;
    assert!(
        matches!(&partial, Err(Error::Validation { column, message }) if column == "age" && message.contains("missing from the raw row")),
        "{partial:?}"
    );
    // A statement the database refuses is an error, as any other.
    assert!(cormo::raw_sql("SELEC nonsense").fetch(db).await.is_err());
}
