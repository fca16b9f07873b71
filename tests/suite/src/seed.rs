//! Every line of the seed (CORMO's association docs), in Rust.

use cormo::prelude::*;

use super::models::{Computer, Post, User};

async fn setup(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
}

async fn john(db: &Connection) -> User {
    User::create(
        db,
        User {
            name: "John".into(),
            age: 27,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

pub async fn seed_user_posts_and_post_user(db: &Connection) {
    setup(db).await;
    let user = john(db).await;
    // Post.create title: ..., user_id: user.id
    let post = Post::create(
        db,
        Post {
            title: "first post".into(),
            body: "This is the 1st post.".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(post.id.is_persisted());

    // user.posts
    let posts = user.posts(db).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].title, "first post");
    assert_eq!(posts[0].id, post.id);

    // post.user
    let owner = post.user(db).await.unwrap().expect("post has a user");
    assert_eq!(owner.id, user.id);
    assert_eq!(owner.name, "John");
}

pub async fn seed_comments_and_parent_post(db: &Connection) {
    setup(db).await;
    let post = Post::create(
        db,
        Post {
            title: "parent".into(),
            body: "b".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for i in 0..2 {
        Post::create(
            db,
            Post {
                title: format!("comment {i}"),
                body: "c".into(),
                parent_post_id: post.id.get(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // post.comments
    let comments = post.comments(db).await.unwrap();
    let mut titles: Vec<&str> = comments.iter().map(|c| c.title.as_str()).collect();
    titles.sort();
    assert_eq!(titles, ["comment 0", "comment 1"]);
    // post.parent_post, on a comment; the parent itself has none.
    let parent = comments[0].parent_post(db).await.unwrap().unwrap();
    assert_eq!(parent.id, post.id);
    assert!(post.parent_post(db).await.unwrap().is_none());
}

pub async fn seed_cache_and_reload(db: &Connection) {
    setup(db).await;
    let mut user = john(db).await;
    let make = |title: &str| Post {
        title: title.into(),
        body: "b".into(),
        user_id: user.id.get(),
        ..Default::default()
    };
    Post::create(db, make("one")).await.unwrap();
    assert_eq!(user.posts(db).await.unwrap().len(), 1);

    // Returned objects are cached: a post created behind the cache's back
    // does not show until reload.
    Post::create(db, make("two")).await.unwrap();
    assert_eq!(user.posts(db).await.unwrap().len(), 1);
    // user.posts true
    assert_eq!(user.reload_posts(db).await.unwrap().len(), 2);
    assert_eq!(user.posts(db).await.unwrap().len(), 2);
}

pub async fn seed_build_then_save(db: &Connection) {
    setup(db).await;
    let mut user = john(db).await;
    let user_id = user.id.get();
    assert!(user.posts(db).await.unwrap().is_empty());

    // post = user.posts.build title: ..., body: ...
    let post = user
        .build_post(Post {
            title: "first post".into(),
            body: "This is the 1st post.".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(post.user_id, user_id, "build sets the foreign key");
    assert!(!post.id.is_persisted());
    // post.save
    post.save(db).await.unwrap();
    let saved_id = post.id.get();
    assert!(saved_id.is_some());

    // The built record is in the parent's cache, saved.
    let cached = user.posts(db).await.unwrap();
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].id.get(), saved_id);
    // And in the database.
    let stored = Post::find(db, saved_id).await.unwrap();
    assert_eq!(stored.title, "first post");
    assert_eq!(stored.user_id, user.id.get());
}

pub async fn seed_build_before_load_does_not_hide_stored_children(db: &Connection) {
    setup(db).await;
    let mut user = john(db).await;
    Post::create(
        db,
        Post {
            title: "stored".into(),
            body: "b".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let built = user
        .build_post(Post {
            title: "built".into(),
            body: "b".into(),
            ..Default::default()
        })
        .unwrap();
    built.save(db).await.unwrap();
    let mut titles: Vec<String> = user
        .posts(db)
        .await
        .unwrap()
        .iter()
        .map(|p| p.title.clone())
        .collect();
    titles.sort();
    assert_eq!(titles, ["built", "stored"]);
}

pub async fn belongs_to_null_and_dangling(db: &Connection) {
    setup(db).await;
    let orphan = Post::create(
        db,
        Post {
            title: "no user".into(),
            body: "b".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(orphan.user(db).await.unwrap().is_none());

    // User has_many Post without integrity: no foreign key, so the key can dangle.
    let mut user = john(db).await;
    let post = Post::create(
        db,
        Post {
            title: "t".into(),
            body: "b".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    user.destroy(db).await.unwrap();
    let post = Post::find(db, &post.id).await.unwrap();
    // A dangling key is no parent, not an error: the same answer eager
    // loading gives.
    assert!(post.user(db).await.unwrap().is_none());
}

pub async fn has_one_returns_option_and_rejects_two(db: &Connection) {
    setup(db).await;
    let mut user = john(db).await;
    assert!(user.computer(db).await.unwrap().is_none());

    Computer::create(
        db,
        Computer {
            brand: "Maple".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Cached None until reload.
    assert!(user.computer(db).await.unwrap().is_none());
    let c = user.reload_computer(db).await.unwrap().unwrap();
    assert_eq!(c.brand, "Maple");

    Computer::create(
        db,
        Computer {
            brand: "Pear".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = user.reload_computer(db).await.unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }), "{err:?}");
}

pub async fn unsaved_parent_has_no_children(db: &Connection) {
    setup(db).await;
    let user = User {
        name: "new".into(),
        ..Default::default()
    };
    assert!(user.posts(db).await.unwrap().is_empty());
}

pub async fn foreign_keys_compare_with_record_ids(db: &Connection) {
    setup(db).await;
    let user = john(db).await;
    Post::create(
        db,
        Post {
            title: "t".into(),
            body: "b".into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Post::create(
        db,
        Post {
            title: "none".into(),
            body: "b".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mine = Post::query()
        .filter(Post::USER_ID.eq(&user.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].title, "t");
    // An unsaved record's id matches nothing (not the posts without a user).
    let unsaved = User::default();
    assert_eq!(
        Post::query()
            .filter(Post::USER_ID.eq(&unsaved.id))
            .count(db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        Post::query()
            .filter(Post::USER_ID.is_in([&unsaved.id, &user.id]))
            .count(db)
            .await
            .unwrap(),
        1
    );
}
