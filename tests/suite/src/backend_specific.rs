//! Checks of documented backend differences, generated only for the
//! backend they concern.

use cormo::prelude::*;

use super::models::{RPost, RUser, Sample};

/// The test server answers as a one-member replica set, so the emulated
/// integrity runs in transactions; a standalone mongod would report false.
pub async fn mongodb_reports_transactions_and_emulated_integrity(db: &Connection) {
    let caps = db.capabilities();
    assert!(!caps.native_foreign_keys);
    assert!(caps.transactions);
    assert!(!caps.savepoints);
}

/// Deleting a restricted parent while a child is created for it: one of
/// the two must lose, and no child may end up pointing at nothing.
pub async fn mongodb_concurrent_delete_parent_and_create_child(db: &Connection) {
    db.register::<RUser>();
    db.apply_schemas().await.unwrap();
    let mut pairs = Vec::new();
    for i in 0..20 {
        let mut parent = RUser::create(
            db,
            RUser {
                name: format!("p{i}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let pid = parent.id.get();
        let (db1, db2) = (db.clone(), db.clone());
        let create = tokio::spawn(async move {
            RPost::create(
                &db1,
                RPost {
                    title: "c".into(),
                    r_user_id: pid,
                    ..Default::default()
                },
            )
            .await
        });
        let delete = tokio::spawn(async move { parent.destroy(&db2).await });
        pairs.push((create, delete));
    }
    for (create, delete) in pairs {
        let (created, deleted) = (create.await.unwrap(), delete.await.unwrap());
        match (&created, &deleted) {
            // The child won: the parent is restricted.
            (Ok(_), Err(Error::Rejected { .. })) => {}
            // The parent went first: the child has nothing to point at.
            (Err(Error::ForeignKey { .. }), Ok(())) => {}
            other => panic!("inconsistent outcome: {other:?}"),
        }
    }
    assert!(db.get_inconsistencies().await.unwrap().is_empty());
}

/// JSON that looks like MongoDB operators or extended JSON is stored and
/// returned as the same data.
pub async fn mongodb_json_values_are_data(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let doc = serde_json::json!({
        "oid": {"$oid": "5f0000000000000000004242"},
        "long": {"$numberLong": "5"},
        "nested": [{"$date": "2020-01-01T00:00:00Z"}],
    });
    let s = Sample::create(
        db,
        Sample {
            doc: Some(doc.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(Sample::find(db, &s.id).await.unwrap().doc, Some(doc));
}

/// The server stops a read at its `maxTimeMS` and cormo types it. (A
/// blocked write is the shared suite's `blocked_statement_times_out`, which
/// SecantusDB cannot run: see `Requires::BlockedWritesStopAtTheLimit`.)
pub async fn mongodb_slow_read_stops_at_max_time(db: &Connection) {
    use super::models::User;
    use std::time::Duration;
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let users: Vec<User> = (0..400)
        .map(|i| User {
            name: format!("user {i}"),
            ..Default::default()
        })
        .collect();
    User::create_many(db, users).await.unwrap();
    let limit = Duration::from_millis(1);
    let err = User::query()
        .filter(User::NAME.contains("zz"))
        .timeout(limit)
        .all(db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    let err = User::query()
        .filter(User::NAME.contains("zz"))
        .timeout(limit)
        .count(db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let n = User::query()
        .filter(User::NAME.contains("user 1"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(n, 111);
}

/// SQLite has one writer at a time. cormo's own writing transactions (a
/// checked increment here) wait for the write lock; a caller's transaction
/// that reads and then writes while another connection writes gets a
/// typed, retryable `Conflict` at once (SQLite refuses to wait there),
/// not a `Timeout`, whatever its time limit.
pub async fn sqlite_single_writer(db: &Connection) {
    use super::models::User;
    use std::time::{Duration, Instant};
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let user = |name: &str| User {
        name: name.into(),
        ..Default::default()
    };
    User::create(db, user("a")).await.unwrap();

    // A checked increment waits for the other writer to commit.
    let holder = db.begin().await.unwrap();
    User::create(&holder, user("held")).await.unwrap();
    let commit = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        holder.commit().await
    });
    let started = Instant::now();
    let n = User::query()
        .filter(User::NAME.eq("a"))
        .timeout(Duration::from_secs(10))
        .update(db, [User::AGE.inc(1)])
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    commit.await.unwrap().unwrap();
    assert_eq!(User::query().count(db).await.unwrap(), 2);

    // Its wait for the lock is bounded by the query's time limit.
    let holder = db.begin().await.unwrap();
    User::create(&holder, user("held a while")).await.unwrap();
    let limit = Duration::from_millis(300);
    let started = Instant::now();
    let err = User::query()
        .filter(User::NAME.eq("a"))
        .timeout(limit)
        .update(db, [User::AGE.inc(1)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == limit),
        "{err:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    holder.rollback().await.unwrap();

    // Read, then write, while another connection writes: a conflict now.
    let holder = db.begin().await.unwrap();
    User::create(&holder, user("held again")).await.unwrap();
    let tx = db.begin().await.unwrap();
    assert_eq!(User::query().count(&tx).await.unwrap(), 2);
    let started = Instant::now();
    let err = User::query()
        .filter(User::NAME.eq("a"))
        .timeout(Duration::from_secs(10))
        .update(&tx, [User::AGE.set(5)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    tx.rollback().await.unwrap();
    holder.rollback().await.unwrap();
    let a = User::query()
        .filter(User::NAME.eq("a"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(a[0].age, 1);
}

/// A table cormo did not create: SMALLINT, INTEGER and BIGINT columns all
/// read into `i64` fields (PostgreSQL's integer types do not decode as one
/// another), and a text column read as an integer is a typed error.
pub async fn postgres_integer_widths_of_a_foreign_table(db: &Connection) {
    #[derive(Model, Debug, Default, Clone)]
    #[cormo(table = "pg_widths")]
    struct Widths {
        id: Id,
        small: i64,
        normal: i64,
        big: Option<i64>,
    }
    #[derive(Model, Debug, Default, Clone)]
    #[cormo(table = "pg_widths")]
    struct LabelAsNumber {
        id: Id,
        label: i64,
    }
    cormo::raw_sql(
        "CREATE TABLE pg_widths (id SERIAL PRIMARY KEY, small SMALLINT NOT NULL, \
         normal INTEGER NOT NULL, big BIGINT, label TEXT NOT NULL)",
    )
    .execute(db)
    .await
    .unwrap();
    cormo::raw_sql(
        "INSERT INTO pg_widths (small, normal, big, label) \
         VALUES (-32768, 2147483647, 9007199254740993, 'x'), (7, -8, NULL, 'y')",
    )
    .execute(db)
    .await
    .unwrap();
    db.register::<Widths>();
    db.register::<LabelAsNumber>();
    let rows = Widths::query()
        .order_by(Widths::ID.asc())
        .all(db)
        .await
        .unwrap();
    let got: Vec<_> = rows.iter().map(|w| (w.small, w.normal, w.big)).collect();
    assert_eq!(
        got,
        vec![(-32768, 2147483647, Some(9007199254740993)), (7, -8, None)]
    );
    assert!(rows.iter().all(|w| w.id.get().is_some()));
    let err = LabelAsNumber::query().all(db).await.unwrap_err();
    assert!(
        matches!(&err, Error::Driver { message, .. } if message.contains("TEXT") && message.contains("integer")),
        "{err:?}"
    );
}

/// In-memory SQLite has one connection, which a `transaction(..)` closure
/// holds until it returns: an operation on the `Connection` from inside
/// the closure fails at once with a typed error that says what to do,
/// rather than waiting out the acquire timeout for itself.
pub async fn sqlite_in_memory_transaction_closure_refuses_the_connection(_: &Connection) {
    use super::models::User;
    use std::time::{Duration, Instant};
    let mem = cormo::connect("sqlite::memory:").await.unwrap();
    mem.register::<User>();
    mem.apply_schemas().await.unwrap();
    let inner = mem.clone();
    let started = Instant::now();
    let r: cormo::Result<u64> = mem
        .transaction(|tx| async move {
            User::create(
                &tx,
                User {
                    name: "in".into(),
                    ..Default::default()
                },
            )
            .await?;
            User::query().count(&inner).await
        })
        .await;
    let err = r.unwrap_err();
    assert!(
        matches!(&err, Error::Connection { message, .. } if message.contains("closure's Transaction")),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The failed closure rolled its transaction back; the connection is free.
    assert_eq!(User::query().count(&mem).await.unwrap(), 0);
    // Through the closure's transaction, the same read works.
    let n: cormo::Result<u64> = mem
        .transaction(|tx| async move {
            User::create(
                &tx,
                User {
                    name: "in".into(),
                    ..Default::default()
                },
            )
            .await?;
            User::query().count(&tx).await
        })
        .await;
    assert_eq!(n.unwrap(), 1);
    assert_eq!(User::query().count(&mem).await.unwrap(), 1);
}

/// A read with its own time limit sets SQLite's busy timeout around the
/// statement and puts the connection's back after it, also when a row
/// fails to decode half-way: in-memory SQLite keeps its one connection, so
/// a limit left behind would govern every later statement.
pub async fn sqlite_time_limit_is_restored_after_a_failed_read(_: &Connection) {
    use std::time::Duration;
    #[derive(Model, Debug, Default)]
    #[cormo(table = "restore_widths")]
    struct Wide {
        id: Id,
        n: i64,
    }
    #[derive(Model, Debug, Default)]
    #[cormo(table = "restore_widths")]
    struct Narrow {
        id: Id,
        n: i32,
    }
    let mem = cormo::connect("sqlite::memory:").await.unwrap();
    mem.register::<Wide>();
    mem.apply_schemas().await.unwrap();
    let rows = [1, i64::from(i32::MAX) + 1, 3].map(|n| Wide {
        n,
        ..Default::default()
    });
    Wide::create_many(&mem, rows.into()).await.unwrap();
    mem.register::<Narrow>();
    let busy_timeout = || async {
        let rows = cormo::raw_sql("PRAGMA busy_timeout")
            .fetch(&mem)
            .await
            .unwrap();
        rows[0]["timeout"].as_i64()
    };
    assert_eq!(busy_timeout().await, Some(5_000));
    let err = Narrow::query()
        .order_by(Narrow::ID.asc())
        .timeout(Duration::from_millis(250))
        .all(&mem)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "n"),
        "{err:?}"
    );
    assert_eq!(busy_timeout().await, Some(5_000));
}
