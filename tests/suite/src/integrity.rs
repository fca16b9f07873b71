//! The seed's "keep data consistent": ignore, nullify, restrict, delete —
//! multi-level and mixed — and foreign-key violations on write.

use cormo::prelude::*;

use super::models::*;

pub async fn integrity_nullify(db: &Connection) {
    db.register::<NUser>();
    db.apply_schemas().await.unwrap();
    let mut u = NUser::create(
        db,
        NUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let p = NPost::create(
        db,
        NPost {
            title: "p".into(),
            n_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    u.destroy(db).await.unwrap();
    let p = NPost::find(db, &p.id).await.unwrap();
    assert_eq!(p.n_user_id, None);
}

pub async fn integrity_restrict(db: &Connection) {
    db.register::<RUser>();
    db.apply_schemas().await.unwrap();
    let mut u = RUser::create(
        db,
        RUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut p = RPost::create(
        db,
        RPost {
            title: "p".into(),
            r_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = u.destroy(db).await.unwrap_err();
    assert!(
        matches!(err, Error::Rejected { model: "RUser", .. }),
        "{err:?}"
    );
    // The parent stays, and so does the record's persisted state.
    assert!(u.id.is_persisted());
    assert_eq!(RUser::query().count(db).await.unwrap(), 1);
    // Query-level delete is rejected the same way.
    let err = RUser::query().delete(db).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");

    p.destroy(db).await.unwrap();
    u.destroy(db).await.unwrap();
    assert_eq!(RUser::query().count(db).await.unwrap(), 0);
}

pub async fn integrity_restrict_has_one(db: &Connection) {
    db.register::<RUser>();
    db.apply_schemas().await.unwrap();
    let mut u = RUser::create(
        db,
        RUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    RProfile::create(
        db,
        RProfile {
            bio: "b".into(),
            r_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(u.r_profile(db).await.unwrap().unwrap().bio, "b");
    let err = u.destroy(db).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert!(err.to_string().contains("RUser"), "{err}");
}

pub async fn integrity_delete_cascades_two_levels(db: &Connection) {
    db.register::<DUser>();
    db.apply_schemas().await.unwrap();
    let mut keep = DUser::create(
        db,
        DUser {
            name: "keep".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut gone = DUser::create(
        db,
        DUser {
            name: "gone".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for owner in [&mut keep, &mut gone] {
        let owner_id = owner.id.get().unwrap();
        for i in 0..2 {
            let post = owner
                .build_d_post(DPost {
                    id: Id::default(),
                    title: format!("p{i}"),
                    d_user_id: owner_id,
                })
                .unwrap();
            post.save(db).await.unwrap();
            let c = DComment {
                body: "c".into(),
                d_post_id: post.id.get(),
                ..Default::default()
            };
            DComment::create(db, c).await.unwrap();
        }
    }
    assert_eq!(DComment::query().count(db).await.unwrap(), 4);
    gone.destroy(db).await.unwrap();
    assert_eq!(DUser::query().count(db).await.unwrap(), 1);
    assert_eq!(DPost::query().count(db).await.unwrap(), 2);
    assert_eq!(DComment::query().count(db).await.unwrap(), 2);
    // What is left belongs to `keep`.
    let posts = keep.reload_d_posts(db).await.unwrap();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].d_comments(db).await.unwrap().len(), 1);
}

pub async fn integrity_mixed_delete_then_nullify(db: &Connection) {
    db.register::<MUser>();
    db.apply_schemas().await.unwrap();
    let mut u = MUser::create(
        db,
        MUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let p = MPost::create(
        db,
        MPost {
            title: "p".into(),
            m_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let c = MComment::create(
        db,
        MComment {
            body: "c".into(),
            m_post_id: p.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    u.destroy(db).await.unwrap();
    assert_eq!(MPost::query().count(db).await.unwrap(), 0);
    let c = MComment::find(db, &c.id).await.unwrap();
    assert_eq!(
        c.m_post_id, None,
        "the comment survives with its key cleared"
    );
}

pub async fn integrity_deep_restrict_rejects_whole_delete(db: &Connection) {
    db.register::<XUser>();
    db.apply_schemas().await.unwrap();
    let mut u = XUser::create(
        db,
        XUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let free = XPost::create(
        db,
        XPost {
            title: "free".into(),
            x_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let held = XPost::create(
        db,
        XPost {
            title: "held".into(),
            x_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    XComment::create(
        db,
        XComment {
            body: "c".into(),
            x_post_id: held.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = u.destroy(db).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    // Nothing was deleted: not the user, not even the unrestricted post.
    assert_eq!(XUser::query().count(db).await.unwrap(), 1);
    assert!(XPost::find(db, &free.id).await.is_ok());
    assert_eq!(XPost::query().count(db).await.unwrap(), 2);
}

pub async fn integrity_ignore_leaves_children(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let mut u = User::create(
        db,
        User {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let p = Post::create(
        db,
        Post {
            title: "p".into(),
            body: "b".into(),
            user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    u.destroy(db).await.unwrap();
    assert_eq!(Post::find(db, &p.id).await.unwrap().user_id, u.id.get());
    // The orphan finder reports it.
    let found = db.get_inconsistencies().await.unwrap();
    let posts = found
        .iter()
        .find(|(m, _)| *m == "Post")
        .map(|(_, ids)| ids.clone());
    assert_eq!(posts, Some(vec![p.id.get().unwrap()]));
}

pub async fn foreign_key_violation_on_write(db: &Connection) {
    db.register::<NUser>();
    db.apply_schemas().await.unwrap();
    let u = NUser::create(
        db,
        NUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let missing = match u.id.get().unwrap() {
        RecordId::Int(i) => RecordId::Int(i + 1000),
        RecordId::Object(mut b) => {
            b[11] ^= 0xff;
            RecordId::Object(b)
        }
    };
    let err = NPost::create(
        db,
        NPost {
            title: "p".into(),
            n_user_id: Some(missing),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::ForeignKey { .. }), "{err:?}");
    assert_eq!(NPost::query().count(db).await.unwrap(), 0);

    // Updating a foreign key to a missing parent fails the same way and
    // leaves the row as it was.
    let mut p = NPost::create(
        db,
        NPost {
            title: "p".into(),
            n_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    p.n_user_id = Some(missing);
    let err = p.save(db).await.unwrap_err();
    assert!(matches!(err, Error::ForeignKey { .. }), "{err:?}");
    let err = NPost::query()
        .update(db, [NPost::N_USER_ID.set(missing)])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKey { .. }), "{err:?}");
    assert_eq!(NPost::find(db, &p.id).await.unwrap().n_user_id, u.id.get());
}

pub async fn required_belongs_to_is_not_null(db: &Connection) {
    db.register::<DUser>();
    db.apply_schemas().await.unwrap();
    let schema = <DPost as Model>::schema();
    let fk = schema.column("d_user_id").unwrap();
    assert!(!fk.nullable);
    let nullable = <DComment as Model>::schema().column("d_post_id").unwrap();
    assert!(nullable.nullable);
}

pub async fn impossible_rule_is_refused_before_any_change(db: &Connection) {
    db.register::<BadBag>();
    let err = db.apply_schemas().await.unwrap_err();
    assert!(
        matches!(&err, Error::Integrity { message } if message.contains("bad_items.bad_bag_id")),
        "{err:?}"
    );
    // Nothing was created.
    let after = BadBag::query().count(db).await;
    if db.capabilities().backend == "mongodb" {
        assert_eq!(after.unwrap(), 0);
    } else {
        assert!(
            matches!(after, Err(Error::TableMissing { .. })),
            "{after:?}"
        );
    }
}

pub async fn deep_restrict_names_the_refusing_column(db: &Connection) {
    db.register::<XUser>();
    db.apply_schemas().await.unwrap();
    let mut u = XUser::create(
        db,
        XUser {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let post = XPost::create(
        db,
        XPost {
            title: "p".into(),
            x_user_id: u.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    XComment::create(
        db,
        XComment {
            body: "c".into(),
            x_post_id: post.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = u.destroy(db).await.unwrap_err();
    let Error::Rejected { model, child } = &err else {
        panic!("expected Rejected, got {err:?}");
    };
    // The model the caller deleted, on every backend.
    assert_eq!(*model, "XUser");
    // Never a wrong column: the refusing one, or nothing where the database
    // does not say (SQLite).
    match child.as_deref() {
        Some(c) => assert_eq!(c, "x_comments.x_post_id"),
        None => assert_eq!(db.capabilities().backend, "sqlite"),
    }
}
