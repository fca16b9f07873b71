//! Regression tests for data-loss and wrong-result bugs found by attacking
//! cormo. Each runs on every backend and asserts one answer everywhere.

use chrono::{DateTime, TimeZone, Utc};
use cormo::prelude::*;
use serde_json::json;

use super::models::{Sample, User};

async fn samples(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
}

async fn people(db: &Connection, n: usize) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let users: Vec<User> = (0..n)
        .map(|i| User {
            name: format!("u{i}"),
            age: i as i32,
            ..Default::default()
        })
        .collect();
    for chunk in users.chunks(2_000) {
        let chunk: Vec<User> = chunk
            .iter()
            .map(|u| User {
                name: u.name.clone(),
                age: u.age,
                ..Default::default()
            })
            .collect();
        User::create_many(db, chunk).await.unwrap();
    }
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::Duration::milliseconds(ms.into())
}

/// Bug: MariaDB stored dates outside 1970 ..= 2038 as NULL and said Ok.
pub async fn dates_round_trip_over_years_1_to_9999(db: &Connection) {
    samples(db).await;
    let dates = [
        at(1, 1, 1, 0, 0, 0, 0),
        at(1000, 3, 4, 5, 6, 7, 8),
        at(1969, 12, 31, 23, 59, 59, 999),
        at(2039, 1, 1, 0, 0, 0, 1),
        at(2100, 2, 28, 12, 0, 0, 0),
        at(9999, 12, 31, 23, 59, 59, 999),
    ];
    for t in dates {
        let mut s = Sample::create(
            db,
            Sample {
                at: Some(t),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let id = s.id.get().unwrap();
        assert_eq!(
            Sample::find(db, id).await.unwrap().at,
            Some(t),
            "create {t}"
        );
        // update(set) and save take the same path to the database.
        let n = Sample::query()
            .filter(Sample::ID.eq(id))
            .update(db, [Sample::AT.set(t)])
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            Sample::find(db, id).await.unwrap().at,
            Some(t),
            "update {t}"
        );
        s.at = Some(t);
        s.save(db).await.unwrap();
        assert_eq!(
            Sample::query()
                .filter(Sample::AT.eq(t))
                .count(db)
                .await
                .unwrap(),
            1,
            "compare {t}"
        );
    }
    // Outside the range every backend stores: refused, nothing written.
    let before = Sample::query().count(db).await.unwrap();
    for t in [
        cormo::min_date() - chrono::Duration::seconds(1),
        cormo::max_date() + chrono::Duration::seconds(1),
    ] {
        let err = Sample::create(
            db,
            Sample {
                at: Some(t),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, Error::Validation { column, .. } if column == "at"),
            "{err:?}"
        );
    }
    assert_eq!(Sample::query().count(db).await.unwrap(), before);
}

/// Bug: on PostgreSQL a failed statement silently voided the transaction
/// and `commit` said Ok; SQLite and MariaDB kept the earlier writes. Now a
/// failed statement aborts the transaction on every backend.
pub async fn failed_statement_aborts_the_transaction(db: &Connection) {
    samples(db).await;
    let code = |c: &str| Sample {
        code: Some(c.into()),
        ..Default::default()
    };
    Sample::create(db, code("taken")).await.unwrap();

    let tx = db.begin().await.unwrap();
    Sample::create(&tx, code("first")).await.unwrap();
    let err = Sample::create(&tx, code("taken")).await.unwrap_err();
    assert!(matches!(err, Error::Duplicated { .. }), "{err:?}");
    // Input errors are found before anything is sent: not a failed statement.
    let err = Sample::query()
        .filter_json(&json!({"nope": 1}))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }));
    let err = Sample::create(&tx, code("second")).await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    let err = Sample::query().count(&tx).await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    assert!(matches!(
        tx.commit().await.unwrap_err(),
        Error::TransactionFinished
    ));
    // Nothing of it is stored: not "first", on any backend.
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);

    // The closure form reports it too, even when the closure caught the error.
    let err = db
        .transaction(|tx| async move {
            Sample::create(&tx, code("third")).await?;
            let caught = Sample::create(&tx, code("taken")).await;
            assert!(caught.is_err());
            Ok::<_, Error>(())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);

    // A rollback after the failure is fine.
    let tx = db.begin().await.unwrap();
    let _ = Sample::create(&tx, code("taken")).await.unwrap_err();
    tx.rollback().await.unwrap();
}

/// With savepoints, a nested transaction contains a failed statement: the
/// outer transaction goes on and commits.
pub async fn savepoint_contains_a_failed_statement(db: &Connection) {
    samples(db).await;
    let code = |c: &str| Sample {
        code: Some(c.into()),
        ..Default::default()
    };
    Sample::create(db, code("taken")).await.unwrap();
    let tx = db.begin().await.unwrap();
    Sample::create(&tx, code("kept")).await.unwrap();
    let sp = tx.begin().await.unwrap();
    let err = Sample::create(&sp, code("taken")).await.unwrap_err();
    assert!(matches!(err, Error::Duplicated { .. }), "{err:?}");
    let err = sp.commit().await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    Sample::create(&tx, code("after")).await.unwrap();
    tx.commit().await.unwrap();
    let mut codes: Vec<String> = Sample::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.code)
        .collect();
    codes.sort();
    assert_eq!(codes, ["after", "kept", "taken"]);
}

fn user(name: &str) -> User {
    User {
        name: name.into(),
        ..Default::default()
    }
}

async fn user_names(db: &Connection) -> Vec<String> {
    let mut v: Vec<String> = User::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    v.sort();
    v
}

/// Bug: nested transactions lost work (a child dropped before its own
/// child; siblings undoing each other; PostgreSQL committing nothing).
pub async fn nested_transactions_are_a_stack(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    // A child dropped before its own child: both are undone, the outer
    // transaction keeps its work and commits.
    let outer = db.begin().await.unwrap();
    User::create(&outer, user("outer")).await.unwrap();
    let child = outer.begin().await.unwrap();
    User::create(&child, user("child")).await.unwrap();
    let grandchild = child.begin().await.unwrap();
    User::create(&grandchild, user("grandchild")).await.unwrap();
    drop(child);
    User::create(&outer, user("outer again")).await.unwrap();
    assert!(matches!(
        User::create(&grandchild, user("late")).await.unwrap_err(),
        Error::TransactionFinished
    ));
    drop(grandchild);
    outer.commit().await.unwrap();
    assert_eq!(user_names(db).await, ["outer", "outer again"]);
    User::query().delete(db).await.unwrap();

    // Siblings cannot interleave, and the outer level waits for its child.
    let outer = db.begin().await.unwrap();
    let first = outer.begin().await.unwrap();
    User::create(&first, user("first")).await.unwrap();
    assert!(matches!(
        outer.begin().await.unwrap_err(),
        Error::TransactionNesting { .. }
    ));
    assert!(matches!(
        User::create(&outer, user("outer")).await.unwrap_err(),
        Error::TransactionNesting { .. }
    ));
    assert!(matches!(
        outer.commit().await.unwrap_err(),
        Error::TransactionNesting { .. }
    ));
    first.commit().await.unwrap();
    let second = outer.begin().await.unwrap();
    User::create(&second, user("second")).await.unwrap();
    second.rollback().await.unwrap();
    outer.commit().await.unwrap();
    assert_eq!(user_names(db).await, ["first"]);

    // Rolling back an outer level ends its children.
    let outer = db.begin().await.unwrap();
    let child = outer.begin().await.unwrap();
    User::create(&child, user("gone")).await.unwrap();
    outer.rollback().await.unwrap();
    assert!(matches!(
        child.commit().await.unwrap_err(),
        Error::TransactionFinished
    ));
    assert_eq!(user_names(db).await, ["first"]);
}

/// Bug: MongoDB read `limit(0)` as "no limit", so `limit(0).delete()`
/// deleted everything. Paging at the edges now means the same everywhere.
pub async fn paging_edges_are_the_same_everywhere(db: &Connection) {
    people(db, 5).await;
    let q = User::query().limit(0);
    assert!(q.all(db).await.unwrap().is_empty());
    assert!(q.ids(db).await.unwrap().is_empty());
    assert_eq!(q.count(db).await.unwrap(), 0);
    assert!(q.first(db).await.unwrap().is_none());
    assert_eq!(q.update(db, [User::AGE.set(1)]).await.unwrap(), 0);
    assert_eq!(q.delete(db).await.unwrap(), 0);
    assert_eq!(User::query().count(db).await.unwrap(), 5);
    assert_eq!(
        User::query()
            .filter(User::AGE.eq(1))
            .count(db)
            .await
            .unwrap(),
        1
    );

    let all = User::query().limit(u64::MAX);
    assert_eq!(all.all(db).await.unwrap().len(), 5);
    assert_eq!(all.count(db).await.unwrap(), 5);
    let past = User::query().skip(u64::MAX);
    assert!(past.all(db).await.unwrap().is_empty());
    assert_eq!(past.count(db).await.unwrap(), 0);
    assert_eq!(past.delete(db).await.unwrap(), 0);
    let far = User::query()
        .order_by(User::AGE.asc())
        .skip(i64::MAX as u64);
    assert!(far.all(db).await.unwrap().is_empty());
    assert_eq!(User::query().skip(0).count(db).await.unwrap(), 5);
}

/// Bug: on SQLite a NUL in a LIKE pattern cut the pattern, so it matched
/// (and deleted) every row. NUL is refused in every text value.
pub async fn nul_characters_are_refused(db: &Connection) {
    people(db, 3).await;
    for cond in [
        User::NAME.contains("\0"),
        User::NAME.starts_with("u\0"),
        User::NAME.ends_with("\0"),
        User::NAME.eq("u0\0"),
        User::NAME.is_in(["u1", "\0"]),
    ] {
        let err = User::query()
            .filter(cond.clone())
            .delete(db)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Validation { column, .. } if column == "name"),
            "{err:?}"
        );
        let err = User::query().filter(cond).count(db).await.unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    }
    let err = User::query()
        .filter_json(&json!({"name": {"$contains": "\u{0}"}}))
        .unwrap()
        .delete(db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = User::create(db, user("a\0b")).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(User::query().count(db).await.unwrap(), 3);
}

/// Bug: `inc` skipped validation: NaN and infinity were stored, an `i32`
/// column overflowed into values no read could decode, SQLite turned
/// `i64::MAX + 1` into a REAL.
pub async fn increments_are_checked(db: &Connection) {
    samples(db).await;
    let s = Sample::create(
        db,
        Sample {
            small: i32::MAX - 1,
            big: i64::MAX,
            ratio: 1.5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = s.id.get().unwrap();
    let q = Sample::query().filter(Sample::ID.eq(id));
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = q.update(db, [Sample::RATIO.inc(bad)]).await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { column, .. } if column == "ratio"),
            "{err:?}"
        );
    }
    let err = q.update(db, [Sample::SMALL.inc(5)]).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "small"),
        "{err:?}"
    );
    let err = q.update(db, [Sample::BIG.inc(1)]).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "big"),
        "{err:?}"
    );
    // Nothing was written by a refused update, and the row still reads.
    let after = Sample::find(db, id).await.unwrap();
    assert_eq!(after.small, i32::MAX - 1);
    assert_eq!(after.big, i64::MAX);
    assert_eq!(after.ratio, 1.5);
    q.update(db, [Sample::SMALL.inc(1)]).await.unwrap();
    assert_eq!(Sample::find(db, id).await.unwrap().small, i32::MAX);
    // In range works, downwards too, and below the minimum is refused.
    q.update(db, [Sample::BIG.inc(-5)]).await.unwrap();
    assert_eq!(Sample::find(db, id).await.unwrap().big, i64::MAX - 5);
    q.update(db, [Sample::SMALL.set(i32::MIN + 1)])
        .await
        .unwrap();
    let err = q.update(db, [Sample::SMALL.inc(-2)]).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    q.update(db, [Sample::SMALL.inc(-1)]).await.unwrap();
    assert_eq!(Sample::find(db, id).await.unwrap().small, i32::MIN);
    // NULL counts as 0 on every backend (MongoDB's `$inc` on a missing field).
    assert_eq!(Sample::find(db, id).await.unwrap().maybe_int, None);
    q.update(db, [Sample::MAYBE_INT.inc(3)]).await.unwrap();
    assert_eq!(Sample::find(db, id).await.unwrap().maybe_int, Some(3));
}

/// Bug: a condition built 10 000 levels deep overflowed the stack.
pub async fn deep_conditions_are_an_error_not_a_crash(db: &Connection) {
    people(db, 2).await;
    let mut c = User::AGE.eq(0);
    for i in 0..10_000 {
        c = if i % 2 == 0 {
            !(c | User::AGE.eq(1))
        } else {
            c & User::NAME.ne("x")
        };
    }
    let q = User::query().filter(c);
    let err = q.first(db).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "condition"),
        "{err:?}"
    );
    let err = q.delete(db).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(User::query().count(db).await.unwrap(), 2);
    drop(q);
    // Right at the limit it runs.
    let mut c = User::AGE.eq(0);
    while c.depth() + 2 <= cormo::MAX_COND_DEPTH {
        c = !(c | User::AGE.eq(1));
    }
    if c.depth() < cormo::MAX_COND_DEPTH {
        c = c | User::AGE.eq(2);
    }
    assert_eq!(c.depth(), cormo::MAX_COND_DEPTH);
    User::query().filter(c.clone()).count(db).await.unwrap();
    let err = User::query()
        .filter(!(c | User::AGE.eq(1)))
        .count(db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
}

/// Bug: lists were never chunked, so `is_in`, `find_many` and paged
/// update / delete failed past each driver's bind limit, and SQLite refused
/// an OR of 1 000 branches.
pub async fn lists_of_any_length_work(db: &Connection) {
    // Above SQLite's 32 766 bind parameters, so resolving a page to ids
    // would have failed there. MongoDB has no bind limit and the test
    // server is slow, so it gets fewer rows; the lists stay as long.
    let mongo = db.capabilities().backend == "mongodb";
    let (n, long) = if mongo {
        (1_000, 5_000)
    } else {
        (33_000, 70_000)
    };
    people(db, n).await;
    // 70 000 values: above every SQL backend's bind-parameter limit.
    let ages: Vec<i32> = (0..long).collect();
    let q = User::query().filter(User::AGE.is_in(ages.iter().copied()));
    assert_eq!(q.count(db).await.unwrap(), n as u64);
    let names: Vec<String> = (0..long.min(40_000)).map(|i| format!("u{i}")).collect();
    assert!(n <= names.len());
    assert_eq!(
        User::query()
            .filter(!User::NAME.is_in(names.iter().map(String::as_str)))
            .count(db)
            .await
            .unwrap(),
        0
    );
    let ids = User::query().ids(db).await.unwrap();
    assert_eq!(ids.len(), n);
    assert_eq!(User::find_many(db, ids.clone()).await.unwrap().len(), n);
    // An OR of 1 000 branches.
    let wide = (0..1_000).fold(cormo::Cond::False, |c, i| c | User::AGE.eq(i));
    assert_eq!(User::query().filter(wide).count(db).await.unwrap(), 1_000);
    let wide_json = json!({"$or": (0..1_000).map(|i| json!({"age": i})).collect::<Vec<_>>()});
    assert_eq!(
        User::query()
            .filter_json(&wide_json)
            .unwrap()
            .count(db)
            .await
            .unwrap(),
        1_000
    );
    // Too many separate comparisons: the same typed error everywhere.
    let huge = (0..40_000).fold(cormo::Cond::False, |c, i| c | User::AGE.eq(i));
    let err = User::query().filter(huge).count(db).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "condition"),
        "{err:?}"
    );
    // Paged update and delete resolve to more ids than any bind limit.
    let changed = User::query()
        .order_by(User::AGE.asc())
        .limit(n as u64 - 10)
        .update(db, [User::NAME.set("paged")])
        .await
        .unwrap();
    assert_eq!(changed, n as u64 - 10);
    let deleted = User::query()
        .order_by(User::AGE.desc())
        .limit(n as u64 - 5)
        .delete(db)
        .await
        .unwrap();
    assert_eq!(deleted, n as u64 - 5);
    let left: Vec<i32> = User::query()
        .order_by(User::AGE.asc())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.age)
        .collect();
    assert_eq!(left, [0, 1, 2, 3, 4]);
}

/// Errors carry at most a short excerpt of what the user sent.
pub async fn errors_do_not_echo_huge_input(db: &Connection) {
    people(db, 1).await;
    let key = "k".repeat(1_000_000);
    let err = User::query()
        .filter_json(&json!({ key.clone(): 1 }))
        .unwrap_err();
    assert!(
        err.to_string().len() < 300,
        "{} bytes",
        err.to_string().len()
    );
    let op = format!("${key}");
    let err = User::query()
        .filter_json(&json!({"name": { op: 1 }}))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownOperator { .. }));
    assert!(err.to_string().len() < 300);
    let err = User::find(db, key.as_str()).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().len() < 300);
    let err = User::query()
        .filter_json(&json!({"age": {"$gt": {"k": key}}}))
        .unwrap_err();
    assert!(err.to_string().len() < 300);
}

/// User filters that say nothing, or say it wrongly, are refused.
pub async fn malformed_filters_are_refused(db: &Connection) {
    people(db, 2).await;
    for bad in [json!({"name": {}}), json!({"name": {"$in": "u0"}})] {
        let err = User::query().filter_json(&bad).unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{bad}: {err:?}");
    }
    // Ids that cannot be ids match no record.
    for no_id in [json!({"id": "+1"}), json!({"id": " 1"}), json!({"id": 1.5})] {
        let q = User::query().filter_json(&no_id).unwrap();
        assert_eq!(q.count(db).await.unwrap(), 0, "{no_id}");
    }
    assert!(matches!(
        User::find(db, "+1").await.unwrap_err(),
        Error::NotFound { .. }
    ));
    // `$in: []` is fine and matches nothing.
    let q = User::query()
        .filter_json(&json!({"name": {"$in": []}}))
        .unwrap();
    assert_eq!(q.count(db).await.unwrap(), 0);
}

/// Strings compare exactly (case and accents) on every backend, MariaDB
/// included; contains / starts_with / ends_with stay case-insensitive.
pub async fn strings_compare_exactly(db: &Connection) {
    samples(db).await;
    for c in ["ann@x", "ANN@x", "Ánn@x"] {
        Sample::create(
            db,
            Sample {
                code: Some(c.into()),
                text: c.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let count = |c: cormo::Cond| async move { Sample::query().filter(c).count(db).await.unwrap() };
    assert_eq!(count(Sample::TEXT.eq("ann@x")).await, 1);
    assert_eq!(count(Sample::TEXT.gt("ann@x")).await, 1);
    assert_eq!(count(Sample::CODE.is_in(["ann@x", "x"])).await, 1);
    let q = Sample::query()
        .filter_json(&json!({"text": "ANN@X"}))
        .unwrap();
    assert_eq!(q.count(db).await.unwrap(), 0);
    let err = Sample::create(
        db,
        Sample {
            code: Some("ANN@x".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Duplicated { .. }), "{err:?}");
    assert_eq!(count(Sample::TEXT.contains("NN@")).await, 3);
    assert_eq!(count(Sample::TEXT.starts_with("an")).await, 2);
}

/// A statement blocked behind another transaction's lock is stopped at the
/// query's time limit by the database, typed as `Timeout`, and never
/// applied afterwards; in a transaction it aborts the transaction.
pub async fn blocked_statement_times_out(db: &Connection) {
    use std::time::Duration;
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    User::create(db, user("a")).await.unwrap();
    let limit = Duration::from_millis(300);

    let holder = db.begin().await.unwrap();
    User::query()
        .filter(User::NAME.eq("a"))
        .update(&holder, [User::AGE.set(1)])
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = User::query()
        .filter(User::NAME.eq("a"))
        .timeout(limit)
        .update(db, [User::AGE.set(2)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());

    // Inside a transaction the timeout aborts it, like any failed statement.
    let waiter = db.begin().await.unwrap();
    let err = User::query()
        .filter(User::NAME.eq("a"))
        .timeout(limit)
        .update(&waiter, [User::AGE.set(3)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let err = User::create(&waiter, user("b")).await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    waiter.rollback().await.unwrap();

    holder.rollback().await.unwrap();
    // Once the lock is gone nothing the timed-out statements asked for shows up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all = User::query().all(db).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].age, 0);
    // The connection is fine afterwards, with or without a limit.
    let n = User::query()
        .timeout(Duration::from_secs(30))
        .update(db, [User::AGE.set(4)])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(User::query().count(db).await.unwrap(), 1);
}

/// `#[cormo(case_insensitive)]`: the same case-insensitive answer on every
/// backend, for all of Unicode, in conditions, ordering and the unique
/// index; the text is stored as written.
pub async fn case_insensitive_columns(db: &Connection) {
    use super::models::Account;
    db.register::<Account>();
    db.apply_schemas().await.unwrap();
    let account = |email: &str, nick: Option<&str>| Account {
        email: email.into(),
        nick: nick.map(str::to_owned),
        exact: nick.map(str::to_owned),
        ..Default::default()
    };
    let ann = Account::create(db, account("Ann@X.org", Some("Émile")))
        .await
        .unwrap();
    Account::create(db, account("bob@y.org", Some("beta")))
        .await
        .unwrap();
    Account::create(db, account("ÇA@z.org", None))
        .await
        .unwrap();

    // The unique index ignores case; the error names the column.
    let err = Account::create(db, account("ANN@x.ORG", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "email"),
        "{err:?}"
    );
    assert_eq!(Account::query().count(db).await.unwrap(), 3);

    let emails = |q: cormo::Query<Account>| async move {
        let mut v: Vec<String> = q
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.email)
            .collect();
        v.sort();
        v
    };
    // Stored as written, matched whatever the case, beyond ASCII too.
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.eq("aNN@x.org"))).await,
        ["Ann@X.org"]
    );
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.eq("ça@Z.ORG"))).await,
        ["ÇA@z.org"]
    );
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.is_in(["BOB@Y.ORG", "nobody"]))).await,
        ["bob@y.org"]
    );
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.ne("ANN@X.ORG"))).await,
        ["bob@y.org", "ÇA@z.org"]
    );
    assert_eq!(
        emails(Account::query().filter(Account::NICK.starts_with("éMI"))).await,
        ["Ann@X.org"]
    );
    assert_eq!(
        emails(Account::query().filter(Account::NICK.is_null())).await,
        ["ÇA@z.org"]
    );
    // An ordinary column next to it stays exact.
    assert!(emails(Account::query().filter(Account::EXACT.eq("émile")))
        .await
        .is_empty());
    // The dynamic filter says the same, and cannot name the hidden column.
    let q = Account::query()
        .filter_json(&json!({"email": {"$in": ["ANN@X.ORG"]}}))
        .unwrap();
    assert_eq!(emails(q).await, ["Ann@X.org"]);
    let err = Account::query()
        .filter_json(&json!({"email__ci": "ann@x.org"}))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}");

    // Ordering ignores case; the text as written breaks ties.
    let nicks: Vec<Option<String>> = Account::query()
        .filter(!Account::NICK.is_null())
        .order_by(Account::NICK.asc())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.nick)
        .collect();
    assert_eq!(nicks, [Some("beta".to_owned()), Some("Émile".to_owned())]);

    // Both update paths keep the folded copy in step.
    let mut ann = Account::find(db, &ann.id).await.unwrap();
    ann.email = "Anne@X.org".into();
    ann.save(db).await.unwrap();
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.eq("anne@x.org"))).await,
        ["Anne@X.org"]
    );
    assert!(
        emails(Account::query().filter(Account::EMAIL.eq("ann@x.org")))
            .await
            .is_empty()
    );
    Account::query()
        .filter(Account::EMAIL.eq("BOB@Y.ORG"))
        .update(db, [Account::EMAIL.set("Robert@Y.org")])
        .await
        .unwrap();
    assert_eq!(
        emails(Account::query().filter(Account::EMAIL.eq("robert@y.org"))).await,
        ["Robert@Y.org"]
    );
    let err = Account::query()
        .filter(Account::EMAIL.eq("robert@y.org"))
        .update(db, [Account::EMAIL.set("ANNE@x.org")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "email"),
        "{err:?}"
    );
    assert_eq!(
        Account::query()
            .filter(Account::EMAIL.eq("ROBERT@y.org"))
            .delete(db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(Account::query().count(db).await.unwrap(), 2);
}

/// A column made case-insensitive after rows were written: `apply_schemas`
/// fills the folded copies, so old rows match too.
pub async fn case_insensitive_column_added_to_a_deployed_table(db: &Connection) {
    use super::models::{CiEvoV1, CiEvoV2};
    db.register::<CiEvoV1>();
    db.apply_schemas().await.unwrap();
    for email in ["Old@Row.org", "other@row.org", "Old@Row.org"] {
        CiEvoV1::create(
            db,
            CiEvoV1 {
                email: email.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    db.register::<CiEvoV2>();
    db.apply_schemas().await.unwrap();
    let found = CiEvoV2::query()
        .filter(CiEvoV2::EMAIL.eq("old@ROW.org"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(found, 2);
    // Applying again finds nothing left to fill.
    db.apply_schemas().await.unwrap();
    assert_eq!(CiEvoV2::query().count(db).await.unwrap(), 3);
}

/// A row that cannot be decoded in the middle of a read (a stored value
/// past the field's range, written by another model of the same table)
/// fails the read with a typed error and leaves the rows after it
/// unread; the next reads work, outside a transaction and after rolling
/// back the one the failure aborted. (What the time limit set around such
/// a read is restored: `sqlite_time_limit_is_restored_after_a_failed_read`.)
pub async fn a_row_that_fails_to_decode_mid_read_leaves_the_connection_usable(db: &Connection) {
    #[derive(Model, Debug, Default)]
    #[cormo(table = "decode_widths")]
    struct Wide {
        id: Id,
        n: i64,
    }
    #[derive(Model, Debug, Default)]
    #[cormo(table = "decode_widths")]
    struct Narrow {
        id: Id,
        n: i32,
    }
    db.register::<Wide>();
    db.apply_schemas().await.unwrap();
    let rows: Vec<Wide> = (0..300)
        .map(|i| Wide {
            n: if i == 150 { i64::from(i32::MAX) + 1 } else { i },
            ..Default::default()
        })
        .collect();
    Wide::create_many(db, rows).await.unwrap();
    db.register::<Narrow>();
    let all = Narrow::query().order_by(Narrow::ID.asc());
    for _ in 0..3 {
        let err = all.all(db).await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { column, .. } if column == "n"),
            "{err:?}"
        );
        let small = Narrow::query().filter(Narrow::N.lt(1_000));
        assert_eq!(small.count(db).await.unwrap(), 299);
    }
    let tx = db.begin().await.unwrap();
    assert!(all.all(&tx).await.is_err());
    // A failed statement aborts the transaction, a decoding one too.
    let err = Narrow::query().count(&tx).await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    tx.rollback().await.unwrap();
    let below: Vec<Narrow> = Narrow::query()
        .filter(Narrow::N.lt(1_000))
        .order_by(Narrow::N.desc())
        .limit(2)
        .all(db)
        .await
        .unwrap();
    assert_eq!(below.iter().map(|r| r.n).collect::<Vec<_>>(), [299, 298]);
}
