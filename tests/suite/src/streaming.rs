//! `Query::stream`: records read as they arrive, connections released when
//! a stream ends or is dropped, transactions honoured.

use cormo::prelude::*;
use futures_util::{StreamExt, TryStreamExt};

use super::models::User;

const N: usize = 1_500;

async fn users(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let records = (0..N)
        .map(|i| User {
            name: format!("u{i:05}"),
            age: (i % 90) as i32,
            ..Default::default()
        })
        .collect();
    User::create_many(db, records).await.unwrap();
}

pub async fn stream_reads_every_record_in_order(db: &Connection) {
    users(db).await;
    let q = User::query()
        .filter(User::AGE.lt(45))
        .order_by(User::NAME.desc());
    let streamed: Vec<String> = q
        .clone()
        .stream(db)
        .map_ok(|u| u.name)
        .try_collect()
        .await
        .unwrap();
    let all: Vec<String> = q
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(streamed.len(), (0..N).filter(|i| i % 90 < 45).count());
    assert_eq!(streamed, all);
    // Paging applies; limit(0) streams nothing.
    let page: Vec<User> = User::query()
        .order_by(User::NAME.asc())
        .skip(10)
        .limit(3)
        .stream(db)
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = page.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["u00010", "u00011", "u00012"]);
    assert_eq!(User::query().limit(0).stream(db).count().await, 0);
}

pub async fn a_dropped_stream_releases_its_connection(db: &Connection) {
    users(db).await;
    // More abandoned streams than the pool has connections: each must give
    // its connection back (or close it) when dropped.
    for _ in 0..25 {
        let mut s = Box::pin(User::query().stream(db));
        let first = s.next().await.unwrap().unwrap();
        assert!(first.id.is_persisted());
        drop(s);
    }
    assert_eq!(User::query().count(db).await.unwrap(), N as u64);
}

pub async fn a_stream_reads_only_when_polled(db: &Connection) {
    users(db).await;
    let before = db.stats();
    // Built and dropped without a poll: no statement, no connection held.
    let idle = User::query().stream(db);
    drop(idle);
    assert_eq!(db.stats(), before);
    // Polled once and dropped: one read, and the connection is free again
    // (the count below would wait for it on a single-connection pool).
    let mut s = Box::pin(User::query().order_by(User::ID.asc()).stream(db));
    let first = s.next().await.unwrap().unwrap();
    assert_eq!(first.name, "u00000");
    assert_eq!(db.stats().reads, before.reads + 1);
    drop(s);
    assert_eq!(User::query().count(db).await.unwrap(), N as u64);
    assert_eq!(db.stats().reads, before.reads + 2);
}

pub async fn stream_inside_a_transaction_sees_its_writes(db: &Connection) {
    users(db).await;
    let tx = db.begin().await.unwrap();
    User::create(
        &tx,
        User {
            name: "inside".into(),
            age: 200,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let found: Vec<User> = User::query()
        .filter(User::AGE.gte(100))
        .stream(&tx)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    // While a stream holds the transaction, other operations on it are
    // refused (from this task they could only wait for ever).
    let mut s = Box::pin(User::query().stream(&tx));
    s.next().await.unwrap().unwrap();
    let busy = User::query().count(&tx).await;
    assert!(
        matches!(&busy, Err(Error::Validation { column, .. }) if column == "transaction"),
        "{busy:?}"
    );
    // A stream dropped half-way leaves the transaction usable.
    drop(s);
    // So does one read to its end, even while it is still in scope.
    let mut to_end = Box::pin(User::query().limit(3).stream(&tx));
    while to_end.next().await.is_some() {}
    assert_eq!(User::query().limit(3).count(&tx).await.unwrap(), 3);
    drop(to_end);
    assert_eq!(User::query().count(&tx).await.unwrap(), N as u64 + 1);
    tx.rollback().await.unwrap();
    assert_eq!(User::query().count(db).await.unwrap(), N as u64);
}

pub async fn stream_refuses_what_it_cannot_do(db: &Connection) {
    users(db).await;
    let with_include: Vec<Result<User>> = User::query()
        .include(User::POSTS)
        .stream(db)
        .collect()
        .await;
    assert!(
        matches!(with_include.as_slice(), [Err(Error::Validation { column, .. })] if column == "include"),
        "{with_include:?}"
    );
    let bad = User::query().filter(User::NAME.matches(r"\b"));
    let r: Vec<Result<User>> = bad.stream(db).collect().await;
    assert!(
        matches!(r.as_slice(), [Err(Error::Validation { .. })]),
        "{r:?}"
    );
}
