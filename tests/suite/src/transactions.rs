//! Transactions: closure and explicit forms, rollback on drop, nesting, and
//! every operation (association loads included) inside one.

use cormo::prelude::*;

use super::models::*;

/// Registers the models the transaction tests use.
async fn setup(db: &Connection) {
    db.register::<User>().register::<DUser>();
    db.apply_schemas().await.unwrap();
}

/// A backend without transactions says so with the typed error.
pub async fn transactions_unsupported_is_typed(db: &Connection) {
    setup(db).await;
    let err = db.begin().await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    let err = db
        .transaction(|_tx| async move { Ok::<_, Error>(()) })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
}

/// A backend without savepoints refuses a nested transaction with the typed
/// error and the outer one goes on.
pub async fn nesting_without_savepoints_is_unsupported(db: &Connection) {
    setup(db).await;
    let outer = db.begin().await.unwrap();
    User::create(&outer, user("outer")).await.unwrap();
    let err = outer.begin().await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    User::create(&outer, user("outer again")).await.unwrap();
    outer.commit().await.unwrap();
    assert_eq!(User::query().count(db).await.unwrap(), 2);
}

fn user(name: &str) -> User {
    User {
        name: name.into(),
        ..Default::default()
    }
}

pub async fn transaction_closure_commits(db: &Connection) {
    setup(db).await;
    let id = db
        .transaction(|tx| async move {
            let u = User::create(&tx, user("a")).await?;
            Post::create(
                &tx,
                Post {
                    title: "t".into(),
                    body: "b".into(),
                    user_id: u.id.get(),
                    ..Default::default()
                },
            )
            .await?;
            // Association loads run inside the transaction and see its writes.
            assert_eq!(u.posts(&tx).await?.len(), 1);
            Ok::<_, Error>(u.id.get())
        })
        .await
        .unwrap();
    assert_eq!(User::find(db, id).await.unwrap().name, "a");
    assert_eq!(Post::query().count(db).await.unwrap(), 1);
}

pub async fn transaction_closure_rolls_back_on_err(db: &Connection) {
    setup(db).await;
    let err = db
        .transaction(|tx| async move {
            User::create(&tx, user("a")).await?;
            // The closure fails after writing: the whole transaction goes.
            Err::<(), _>(Error::validation("name", "forced failure"))
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
    assert_eq!(User::query().count(db).await.unwrap(), 0);
}

pub async fn transaction_explicit_and_drop(db: &Connection) {
    setup(db).await;
    let tx = db.begin().await.unwrap();
    User::create(&tx, user("kept")).await.unwrap();
    tx.commit().await.unwrap();
    // Finished: further use is a typed error, not a hang or a panic.
    let err = User::create(&tx, user("late")).await.unwrap_err();
    assert!(matches!(err, Error::TransactionFinished), "{err:?}");
    assert!(matches!(tx.commit().await, Err(Error::TransactionFinished)));

    {
        let tx = db.begin().await.unwrap();
        User::create(&tx, user("dropped")).await.unwrap();
        // dropped without commit
    }
    let tx = db.begin().await.unwrap();
    User::create(&tx, user("rolled back")).await.unwrap();
    tx.rollback().await.unwrap();

    let names: Vec<String> = User::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["kept"]);
}

pub async fn transaction_cascade_inside(db: &Connection) {
    setup(db).await;
    let mut u = DUser::create(
        db,
        DUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    DPost::create(
        db,
        DPost {
            id: Id::default(),
            title: "p".into(),
            d_user_id: u.id.get().unwrap(),
        },
    )
    .await
    .unwrap();
    let tx = db.begin().await.unwrap();
    u.destroy(&tx).await.unwrap();
    assert_eq!(DPost::query().count(&tx).await.unwrap(), 0);
    tx.rollback().await.unwrap();
    assert_eq!(DPost::query().count(db).await.unwrap(), 1);
    assert_eq!(DUser::query().count(db).await.unwrap(), 1);
}

pub async fn transaction_nested_savepoints(db: &Connection) {
    setup(db).await;
    let outer = db.begin().await.unwrap();
    User::create(&outer, user("outer")).await.unwrap();

    let inner = outer.begin().await.unwrap();
    User::create(&inner, user("inner rolled back"))
        .await
        .unwrap();
    inner.rollback().await.unwrap();

    let inner = outer.begin().await.unwrap();
    User::create(&inner, user("inner kept")).await.unwrap();
    inner.commit().await.unwrap();

    {
        let inner = outer.begin().await.unwrap();
        User::create(&inner, user("inner dropped")).await.unwrap();
    }
    outer.commit().await.unwrap();

    let mut names: Vec<String> = User::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    names.sort();
    assert_eq!(names, ["inner kept", "outer"]);
}

pub async fn transaction_isolation_levels(db: &Connection) {
    use cormo::IsolationLevel as L;
    setup(db).await;
    let supported = db.capabilities().isolation_levels;
    assert!(
        !supported.is_empty(),
        "a backend with transactions names its isolation levels"
    );
    let mut committed = 0;
    for level in [
        L::ReadUncommitted,
        L::ReadCommitted,
        L::RepeatableRead,
        L::Serializable,
    ] {
        if supported.contains(&level) {
            let tx = db.begin_with(level).await.unwrap();
            User::create(&tx, user(&format!("{level:?}")))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            committed += 1;
        } else {
            let err = db.begin_with(level).await.unwrap_err();
            // The message names the level refused.
            let name = format!("{level:?}").to_uppercase();
            assert!(
                matches!(&err, Error::Unsupported { feature, .. } if feature.replace(' ', "").contains(&name)),
                "{level:?}: {err:?}"
            );
        }
    }
    assert_eq!(User::query().count(db).await.unwrap(), committed);
}

pub async fn transaction_closure_may_finish_itself(db: &Connection) {
    setup(db).await;
    db.transaction(|tx| async move {
        User::create(&tx, user("committed inside")).await?;
        tx.commit().await
    })
    .await
    .unwrap();
    db.transaction(|tx| async move {
        User::create(&tx, user("rolled back inside")).await?;
        tx.rollback().await
    })
    .await
    .unwrap();
    let names: Vec<String> = User::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["committed inside"]);
}
