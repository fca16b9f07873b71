//! MongoDB checks that need more than the suite's one connection per test.
#![cfg(feature = "mongodb")]

use cormo::prelude::*;
use cormo_suite::models::{RPost, RUser};

/// `check_foreign_keys(false)` skips the parent-existence check (for bulk
/// imports); the orphan finder still reports what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_foreign_key_check_can_be_turned_off() {
    let url = cormo_suite::harness::mongodb_url("mongodb_fk_opt_out");
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
