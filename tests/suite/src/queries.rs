//! The query builder: conditions, order, paging, count, update, delete.

use cormo::prelude::*;

use super::models::{Sample, User};

async fn people(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    for (name, age) in [
        ("Alice", 30),
        ("Bob", 25),
        ("carol", 35),
        ("Dave", 25),
        ("50%_off", 40),
    ] {
        User::create(
            db,
            User {
                name: name.into(),
                age,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

async fn names(db: &Connection, q: cormo::Query<User>) -> Vec<String> {
    let mut v: Vec<String> = q
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    v.sort();
    v
}

pub async fn query_comparisons(db: &Connection) {
    people(db).await;
    assert_eq!(
        names(db, User::query().filter(User::AGE.eq(25))).await,
        ["Bob", "Dave"]
    );
    assert_eq!(
        names(db, User::query().filter(User::AGE.gt(30))).await,
        ["50%_off", "carol"]
    );
    assert_eq!(
        names(db, User::query().filter(User::AGE.gte(35))).await,
        ["50%_off", "carol"]
    );
    assert_eq!(
        names(db, User::query().filter(User::AGE.lt(30))).await,
        ["Bob", "Dave"]
    );
    assert_eq!(
        names(db, User::query().filter(User::AGE.lte(25))).await,
        ["Bob", "Dave"]
    );
    assert_eq!(
        names(db, User::query().filter(User::AGE.ne(25)))
            .await
            .len(),
        3
    );
    assert_eq!(
        names(
            db,
            User::query().filter(User::NAME.is_in(["Bob", "carol", "nobody"]))
        )
        .await,
        ["Bob", "carol"]
    );
    let none: [&str; 0] = [];
    assert!(names(db, User::query().filter(User::NAME.is_in(none)))
        .await
        .is_empty());
}

pub async fn query_and_or_not(db: &Connection) {
    people(db).await;
    let q = User::query().filter(User::AGE.eq(25) & User::NAME.eq("Bob"));
    assert_eq!(names(db, q).await, ["Bob"]);
    let q = User::query().filter(User::NAME.eq("Bob") | User::AGE.eq(35));
    assert_eq!(names(db, q).await, ["Bob", "carol"]);
    let q = User::query().filter(!(User::AGE.eq(25) | User::AGE.eq(30)));
    assert_eq!(names(db, q).await, ["50%_off", "carol"]);
    // Chained filters are ANDed.
    let q = User::query()
        .filter(User::AGE.eq(25))
        .filter(User::NAME.starts_with("d"));
    assert_eq!(names(db, q).await, ["Dave"]);
}

pub async fn query_like_is_escaped_and_case_insensitive(db: &Connection) {
    people(db).await;
    assert_eq!(
        names(db, User::query().filter(User::NAME.contains("A"))).await,
        ["Alice", "Dave", "carol"]
    );
    assert_eq!(
        names(db, User::query().filter(User::NAME.starts_with("C"))).await,
        ["carol"]
    );
    assert_eq!(
        names(db, User::query().filter(User::NAME.ends_with("E"))).await,
        ["Alice", "Dave"]
    );
    // Wildcards are literal.
    assert_eq!(
        names(db, User::query().filter(User::NAME.contains("%_"))).await,
        ["50%_off"]
    );
    assert!(names(db, User::query().filter(User::NAME.contains("_b")))
        .await
        .is_empty());
    assert!(
        names(db, User::query().filter(User::NAME.contains("%")))
            .await
            .len()
            == 1
    );
}

pub async fn query_null_semantics(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    for t in [Some("a"), Some("b"), None] {
        Sample::create(
            db,
            Sample {
                maybe_text: t.map(str::to_owned),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let count = |c: cormo::Cond| async move { Sample::query().filter(c).count(db).await.unwrap() };
    assert_eq!(count(Sample::MAYBE_TEXT.is_null()).await, 1);
    assert_eq!(count(Sample::MAYBE_TEXT.is_not_null()).await, 2);
    assert_eq!(count(Sample::MAYBE_TEXT.eq("a")).await, 1);
    // CORMO's $not: rows where the column is NULL match the negation.
    assert_eq!(count(!Sample::MAYBE_TEXT.eq("a")).await, 2);
    assert_eq!(count(!Sample::MAYBE_TEXT.contains("a")).await, 2);
    assert_eq!(count(!Sample::MAYBE_TEXT.is_in(["a", "b"])).await, 1);
}

pub async fn query_order_limit_skip(db: &Connection) {
    people(db).await;
    let q = User::query()
        .order_by(User::AGE.desc())
        .order_by(User::NAME.asc());
    let all: Vec<String> = q
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(all, ["50%_off", "carol", "Alice", "Bob", "Dave"]);
    let page: Vec<String> = q
        .clone()
        .skip(1)
        .limit(2)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(page, ["carol", "Alice"]);
    // skip without limit
    let rest: Vec<String> = q
        .clone()
        .skip(3)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(rest, ["Bob", "Dave"]);
    assert_eq!(q.clone().skip(3).count(db).await.unwrap(), 2);
    assert_eq!(User::query().count(db).await.unwrap(), 5);
    let first = q.first(db).await.unwrap().unwrap();
    assert_eq!(first.name, "50%_off");
    let err = User::query()
        .filter(User::AGE.eq(25))
        .one(db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }));
    assert!(User::query()
        .filter(User::AGE.eq(99))
        .one(db)
        .await
        .unwrap()
        .is_none());
}

pub async fn query_update_set_and_inc(db: &Connection) {
    people(db).await;
    let n = User::query()
        .filter(User::AGE.eq(25))
        .update(db, [User::AGE.inc(10), User::NAME.set("renamed")])
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        User::query()
            .filter(User::AGE.eq(35))
            .count(db)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        User::query()
            .filter(User::NAME.eq("renamed"))
            .count(db)
            .await
            .unwrap(),
        2
    );
    // An update with a limit touches only that many rows.
    let n = User::query()
        .filter(User::NAME.eq("renamed"))
        .limit(1)
        .update(db, [User::NAME.set("once")])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        User::query()
            .filter(User::NAME.eq("once"))
            .count(db)
            .await
            .unwrap(),
        1
    );
}

pub async fn query_update_to_null(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    Sample::create(
        db,
        Sample {
            maybe_int: Some(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Sample::query()
        .update(db, [Sample::MAYBE_INT.set_null()])
        .await
        .unwrap();
    assert_eq!(
        Sample::query()
            .filter(Sample::MAYBE_INT.is_null())
            .count(db)
            .await
            .unwrap(),
        1
    );
}

pub async fn query_delete(db: &Connection) {
    people(db).await;
    assert_eq!(
        User::query()
            .filter(User::AGE.eq(25))
            .delete(db)
            .await
            .unwrap(),
        2
    );
    assert_eq!(User::query().count(db).await.unwrap(), 3);
    assert_eq!(
        User::query()
            .order_by(User::AGE.asc())
            .limit(1)
            .delete(db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(names(db, User::query()).await, ["50%_off", "carol"]);
    assert_eq!(User::query().delete(db).await.unwrap(), 2);
}

pub async fn query_ids_and_dates(db: &Connection) {
    use chrono::{TimeZone, Utc};
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let base = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    for days in [1, 2, 3] {
        Sample::create(
            db,
            Sample {
                at: Some(
                    base + chrono::Duration::days(days) + chrono::Duration::milliseconds(days * 7),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let q = Sample::query().filter(Sample::AT.gt(base + chrono::Duration::days(2)));
    assert_eq!(q.count(db).await.unwrap(), 2);
    assert_eq!(q.ids(db).await.unwrap().len(), 2);
}

/// Updates as JSON (`$inc` included) and `dec`, checked like conditions.
pub async fn query_update_json_and_dec(db: &Connection) {
    use serde_json::json;
    people(db).await;
    let bob = User::query().filter(User::NAME.eq("Bob"));
    let n = bob
        .update_json(db, &json!({"age": {"$inc": 5}, "name": "Bobby"}))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let bobby = User::query().filter(User::NAME.eq("Bobby"));
    assert_eq!(bobby.first(db).await.unwrap().unwrap().age, 30);
    bobby.update(db, [User::AGE.dec(10)]).await.unwrap();
    bobby
        .update_json(db, &json!({"age": {"$inc": -1}}))
        .await
        .unwrap();
    assert_eq!(bobby.first(db).await.unwrap().unwrap().age, 19);
    // A whole number written as a float is that integer, as in filter_json.
    bobby.update_json(db, &json!({"age": 20.0})).await.unwrap();
    bobby
        .update_json(db, &json!({"age": {"$inc": -1.0}}))
        .await
        .unwrap();
    assert_eq!(bobby.first(db).await.unwrap().unwrap().age, 19);

    let before = db.stats().writes;
    for (bad, want) in [
        (json!({"name": {"$inc": 1}}), "validation"),
        (json!({"age": {"$inc": 1.5}}), "validation"),
        (json!({"age": {"$mul": 2}}), "operator"),
        (json!({"password": 1}), "column"),
        (json!({"age": "x"}), "validation"),
        (json!({"name": null}), "validation"),
        (json!([1]), "validation"),
        (json!({"age": 30.5}), "validation"),
        // A whole float past the i32 column's range: refused, never cut down.
        (json!({"age": 3.0e9}), "validation"),
        (json!({"age": {"$inc": 3.0e9}}), "validation"),
        (json!({"id": 5}), "validation"),
    ] {
        let err = User::query().update_json(db, &bad).await.unwrap_err();
        if bad.get("id").is_some() {
            assert!(
                matches!(&err, Error::Validation { column, message } if column == "id" && message.contains("cannot be updated")),
                "{err:?}"
            );
        }
        let kind = match err {
            Error::Validation { .. } => "validation",
            Error::UnknownOperator { .. } => "operator",
            Error::UnknownColumn { .. } => "column",
            _ => "other",
        };
        assert_eq!(kind, want, "{bad}: {err:?}");
    }
    assert_eq!(db.stats().writes, before, "nothing was written");
    // An increment past the column's range is refused, as with `inc`.
    let err = bobby
        .update_json(db, &json!({"age": {"$inc": i64::from(i32::MAX)}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(bobby.first(db).await.unwrap().unwrap().age, 19);
}

/// Reads cormo makes for a write are marked as such (the intent a read
/// replica must honour), and counted apart.
pub async fn reads_that_feed_writes_are_marked(db: &Connection) {
    people(db).await;
    let s0 = db.stats();
    User::query().filter(User::AGE.gt(1)).all(db).await.unwrap();
    let s1 = db.stats();
    assert_eq!(
        (
            s1.reads - s0.reads,
            s1.reads_for_writes - s0.reads_for_writes
        ),
        (1, 0)
    );
    // A paged update first reads the ids of its page.
    User::query()
        .order_by(User::AGE.asc())
        .limit(2)
        .update(db, [User::AGE.inc(1)])
        .await
        .unwrap();
    let s2 = db.stats();
    assert!(
        s2.reads_for_writes - s1.reads_for_writes >= 1,
        "{s1:?} → {s2:?}"
    );
    assert_eq!(
        s2.reads_for_writes - s1.reads_for_writes,
        s2.reads - s1.reads,
        "every read of it fed the write"
    );
    // A child written where foreign keys are emulated checks its parent.
    use super::models::{NPost, NUser};
    db.register::<NUser>();
    db.apply_schemas().await.unwrap();
    let parent = NUser::create(
        db,
        NUser {
            name: "p".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s2 = db.stats();
    NPost::create(
        db,
        NPost {
            title: "t".into(),
            n_user_id: parent.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s3 = db.stats();
    let checks = s3.reads_for_writes - s2.reads_for_writes;
    if db.capabilities().native_foreign_keys {
        assert_eq!(checks, 0);
    } else {
        assert_eq!(checks, 1, "the parent check");
    }
}
