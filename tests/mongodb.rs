//! The suite on MongoDB: `CORMO_TEST_MONGODB_URL`
//! (default `mongodb://127.0.0.1:27017/?directConnection=true`); each test
//! gets its own database.
#![cfg(feature = "mongodb")]

mod suite;

suite::suite!(suite::harness::mongodb);

use cormo::prelude::*;
use suite::models::{RPost, RUser, Sample};

/// The test server answers as a one-member replica set, so the emulated
/// integrity runs in transactions; a standalone mongod would report false.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_reports_transactions_and_emulated_integrity() {
    let db = suite::harness::mongodb("mongodb_capabilities").await;
    let caps = db.capabilities();
    assert!(!caps.native_foreign_keys);
    assert!(caps.transactions);
    assert!(!caps.savepoints);
    db.close().await;
}

/// Deleting a restricted parent while a child is created for it: one of
/// the two must lose, and no child may end up pointing at nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_concurrent_delete_parent_and_create_child() {
    let db = suite::harness::mongodb("mongodb_concurrent").await;
    db.register::<RUser>();
    db.apply_schemas().await.unwrap();
    let mut pairs = Vec::new();
    for i in 0..20 {
        let mut parent = RUser::create(
            &db,
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
    db.close().await;
}

/// JSON that looks like MongoDB operators or extended JSON is stored and
/// returned as the same data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_json_values_are_data() {
    let db = suite::harness::mongodb("mongodb_json_values").await;
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let doc = serde_json::json!({
        "oid": {"$oid": "5f0000000000000000004242"},
        "long": {"$numberLong": "5"},
        "nested": [{"$date": "2020-01-01T00:00:00Z"}],
    });
    let s = Sample::create(
        &db,
        Sample {
            doc: Some(doc.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(Sample::find(&db, &s.id).await.unwrap().doc, Some(doc));
    db.close().await;
}

/// `check_foreign_keys(false)` skips the parent-existence check (for bulk
/// imports); the orphan finder still reports what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_foreign_key_check_can_be_turned_off() {
    let url = suite::harness::mongodb_url("mongodb_fk_opt_out");
    let checked = cormo::connect(&url).await.unwrap();
    checked.register::<RUser>();
    checked.apply_schemas().await.unwrap();
    let missing: RecordId = "5f0000000000000000000001".parse().unwrap();
    let post = || RPost {
        title: "orphan".into(),
        r_user_id: Some(missing),
        ..Default::default()
    };
    let err = RPost::create(&checked, post()).await.unwrap_err();
    assert!(matches!(err, Error::ForeignKey { .. }), "{err:?}");

    // Same database, check off.
    let unchecked = cormo::connect_with(cormo::ConnectOptions::new(url).check_foreign_keys(false))
        .await
        .unwrap();
    unchecked.register::<RUser>();
    let orphan = RPost::create(&unchecked, post()).await.unwrap();
    let found = unchecked.get_inconsistencies().await.unwrap();
    assert_eq!(found, vec![("RPost", vec![orphan.id.get().unwrap()])]);
    checked.close().await;
    unchecked.close().await;
}
