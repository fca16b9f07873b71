//! Eager loading (`include`, `fetch_associated`), the loaded accessors,
//! and saving what was built on a new record. Statement counts come from
//! `Connection::stats`, so a level that ran one query per record fails.

use cormo::prelude::*;
use cormo::Stats;

use super::models::{Computer, Post, User};

async fn setup(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
}

async fn user(db: &Connection, name: &str) -> User {
    User::create(
        db,
        User {
            name: name.into(),
            age: 30,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn post(db: &impl Executor, title: &str, user: Option<&User>, parent: Option<&Post>) -> Post {
    Post::create(
        db,
        Post {
            title: title.into(),
            body: "b".into(),
            user_id: user.and_then(|u| u.id.get()),
            parent_post_id: parent.and_then(|p| p.id.get()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn computer(db: &Connection, brand: &str, user: &User) -> Computer {
    Computer::create(
        db,
        Computer {
            brand: brand.into(),
            user_id: user.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Reads the code between two snapshots ran.
fn reads(before: Stats, db: &Connection) -> u64 {
    db.stats().reads - before.reads
}

fn titles(posts: &[Post]) -> Vec<&str> {
    let mut t: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    t.sort_unstable();
    t
}

/// John has two posts and a computer, Mary one post, Bob nothing.
async fn family(db: &Connection) -> (User, User, User) {
    let john = user(db, "John").await;
    let mary = user(db, "Mary").await;
    let bob = user(db, "Bob").await;
    post(db, "j1", Some(&john), None).await;
    post(db, "j2", Some(&john), None).await;
    post(db, "m1", Some(&mary), None).await;
    computer(db, "Maple", &john).await;
    (john, mary, bob)
}

pub async fn include_loads_every_kind_in_one_query_per_level(db: &Connection) {
    setup(db).await;
    family(db).await;
    post(db, "anonymous", None, None).await;

    let before = db.stats();
    let users = User::query()
        .include(User::POSTS)
        .include(User::COMPUTER)
        .order_by(User::NAME.asc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 3, "users, posts, computers");
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Bob", "John", "Mary"]);
    let (bob, john, mary) = (&users[0], &users[1], &users[2]);
    assert_eq!(titles(john.loaded_posts().unwrap()), ["j1", "j2"]);
    assert_eq!(titles(mary.loaded_posts().unwrap()), ["m1"]);
    assert!(
        bob.loaded_posts().is_some_and(|p| p.is_empty()),
        "loaded, and empty"
    );
    assert_eq!(
        john.loaded_computer().unwrap().map(|c| c.brand.as_str()),
        Some("Maple")
    );
    assert!(matches!(mary.loaded_computer(), Some(None)));

    // The accessors answer from what was loaded: no query.
    let before = db.stats();
    assert_eq!(john.posts(db).await.unwrap().len(), 2);
    assert!(bob.posts(db).await.unwrap().is_empty());
    assert_eq!(john.computer(db).await.unwrap().unwrap().brand, "Maple");
    assert_eq!(db.stats(), before);

    // belongs_to; a null key is loaded as `None`.
    let before = db.stats();
    let posts = Post::query()
        .include(Post::USER)
        .order_by(Post::TITLE.asc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 2);
    let owners: Vec<(&str, Option<&str>)> = posts
        .iter()
        .map(|p| {
            let owner = p.loaded_user().expect("loaded");
            (p.title.as_str(), owner.map(|u| u.name.as_str()))
        })
        .collect();
    assert_eq!(
        owners,
        [
            ("anonymous", None),
            ("j1", Some("John")),
            ("j2", Some("John")),
            ("m1", Some("Mary"))
        ]
    );
    assert!(posts[1].user(db).await.unwrap().is_some());
    // Not included: not loaded.
    assert!(posts[1].loaded_comments().is_none());
}

pub async fn include_nests_with_conditions_and_order(db: &Connection) {
    setup(db).await;
    let (john, mary, _) = family(db).await;
    let j1 = Post::query()
        .filter(Post::TITLE.eq("j1"))
        .first(db)
        .await
        .unwrap()
        .unwrap();
    // Self-reference: comments are posts whose parent is a post.
    let c1 = post(db, "c1 on j1", Some(&mary), Some(&j1)).await;
    post(db, "c2 on j1", None, Some(&j1)).await;
    post(db, "c3 on c1", Some(&john), Some(&c1)).await;

    let before = db.stats();
    let users = User::query()
        .filter(User::NAME.ne("Bob"))
        .order_by(User::NAME.asc())
        .include(
            User::POSTS
                .filter(Post::PARENT_POST_ID.is_null())
                .order_by(Post::TITLE.desc())
                .include(
                    Post::COMMENTS
                        .order_by(Post::TITLE.asc())
                        .include(Post::USER)
                        .include(Post::PARENT_POST),
                ),
        )
        .all(db)
        .await
        .unwrap();
    // users, posts, comments, comments' users, comments' parents.
    assert_eq!(reads(before, db), 5);
    let john = &users[0];
    let posts = john.loaded_posts().unwrap();
    let ordered: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(ordered, ["j2", "j1"], "the level's order");
    let comments = posts[1].loaded_comments().unwrap();
    let ordered: Vec<&str> = comments.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(ordered, ["c1 on j1", "c2 on j1"]);
    let by: Vec<Option<&str>> = comments
        .iter()
        .map(|c| c.loaded_user().unwrap().map(|u| u.name.as_str()))
        .collect();
    assert_eq!(by, [Some("Mary"), None]);
    for c in comments {
        let parent = c.loaded_parent_post().unwrap().unwrap();
        assert_eq!(parent.title, "j1", "two associations to one model");
    }
    assert!(posts[0].loaded_comments().unwrap().is_empty());
    // Mary's own post is a top-level post; the comment she wrote is not.
    assert_eq!(titles(users[1].loaded_posts().unwrap()), ["m1"]);
    // The third level was not included.
    assert!(comments[0].loaded_comments().is_none());
}

pub async fn include_on_no_records_runs_no_more_queries(db: &Connection) {
    setup(db).await;
    family(db).await;
    let before = db.stats();
    let none = User::query()
        .filter(User::NAME.eq("nobody"))
        .include(User::POSTS.include(Post::COMMENTS))
        .all(db)
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(reads(before, db), 1);

    // first / one load includes for the record they return.
    let first = User::query()
        .filter(User::NAME.eq("John"))
        .include(User::POSTS)
        .first(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.loaded_posts().unwrap().len(), 2);
    let one = User::query()
        .filter(User::NAME.eq("Mary"))
        .include(User::POSTS)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(titles(one.loaded_posts().unwrap()), ["m1"]);
    // Posts whose users have no posts of their own: nothing to nest into.
    let before = db.stats();
    let orphans = Post::query()
        .filter(Post::USER_ID.is_null())
        .include(Post::USER.include(User::POSTS))
        .all(db)
        .await
        .unwrap();
    assert!(orphans.is_empty());
    assert_eq!(reads(before, db), 1);
}

/// The statement count does not grow with the number of records.
pub async fn include_query_count_is_levels_plus_one(db: &Connection) {
    setup(db).await;
    let mut counts = Vec::new();
    for n in [2usize, 40] {
        let users: Vec<User> = (0..n)
            .map(|i| User {
                name: format!("u{n}-{i}"),
                age: 1,
                ..Default::default()
            })
            .collect();
        let users = User::create_many(db, users).await.unwrap();
        let posts: Vec<Post> = users
            .iter()
            .flat_map(|u| {
                (0..2).map(|k| Post {
                    title: format!("{}-{k}", u.name),
                    body: "b".into(),
                    user_id: u.id.get(),
                    ..Default::default()
                })
            })
            .collect();
        let posts = Post::create_many(db, posts).await.unwrap();
        let comments: Vec<Post> = posts
            .iter()
            .map(|p| Post {
                title: format!("re {}", p.title),
                body: "b".into(),
                parent_post_id: p.id.get(),
                ..Default::default()
            })
            .collect();
        Post::create_many(db, comments).await.unwrap();

        let prefix = format!("u{n}-");
        let before = db.stats();
        let loaded = User::query()
            .filter(User::NAME.starts_with(&prefix))
            .include(User::POSTS.include(Post::COMMENTS))
            .all(db)
            .await
            .unwrap();
        counts.push(reads(before, db));
        assert_eq!(loaded.len(), n);
        for u in &loaded {
            let posts = u.loaded_posts().unwrap();
            assert_eq!(posts.len(), 2);
            for p in posts {
                let c = p.loaded_comments().unwrap();
                assert_eq!(c.len(), 1);
                assert_eq!(c[0].title, format!("re {}", p.title));
            }
        }

        // fetch_associated: the same count for records in hand.
        let mut again = User::query()
            .filter(User::NAME.starts_with(&prefix))
            .all(db)
            .await
            .unwrap();
        let before = db.stats();
        User::fetch_associated(db, &mut again, User::POSTS.include(Post::COMMENTS))
            .await
            .unwrap();
        assert_eq!(reads(before, db), 2, "n = {n}");
    }
    assert_eq!(
        counts,
        [3, 3],
        "users + posts + comments, for 2 and 40 users"
    );
}

pub async fn fetch_associated_fills_records_in_hand(db: &Connection) {
    setup(db).await;
    let (mut john, mary, _) = family(db).await;
    post(db, "anonymous", None, None).await;
    // John goes; Post keeps user_id (no integrity rule): it dangles.
    let gone = john.id.get();
    john.destroy(db).await.unwrap();

    let mut posts = Post::query()
        .order_by(Post::TITLE.asc())
        .all(db)
        .await
        .unwrap();
    let before = db.stats();
    Post::fetch_associated(db, &mut posts, Post::USER)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 1);
    let owners: Vec<(&str, Option<&str>)> = posts
        .iter()
        .map(|p| {
            (
                p.title.as_str(),
                p.loaded_user().unwrap().map(|u| u.name.as_str()),
            )
        })
        .collect();
    assert_eq!(
        owners,
        [
            ("anonymous", None),
            ("j1", None),
            ("j2", None),
            ("m1", Some("Mary"))
        ],
        "dangling and null keys load as None"
    );
    assert_eq!(posts[1].user_id, gone);
    // The lazy accessor gives the same answer for the dangling key.
    let fresh = Post::find(db, &posts[1].id).await.unwrap();
    assert!(fresh.user(db).await.unwrap().is_none());

    // The same record twice in the slice: both get the children.
    let mary_again = User::find(db, &mary.id).await.unwrap();
    let mut twice = vec![mary, mary_again];
    User::fetch_associated(db, &mut twice, User::POSTS)
        .await
        .unwrap();
    for m in &twice {
        assert_eq!(titles(m.loaded_posts().unwrap()), ["m1"]);
    }

    // It replaces what was loaded before.
    let mut users = User::query().all(db).await.unwrap();
    assert!(users[0].posts(db).await.unwrap().len() == 1);
    post(db, "m2", Some(&users[0]), None).await;
    User::fetch_associated(db, &mut users, User::POSTS)
        .await
        .unwrap();
    assert_eq!(titles(users[0].loaded_posts().unwrap()), ["m1", "m2"]);

    // An unsaved record is skipped; an empty slice runs nothing.
    let mut new = vec![User {
        name: "new".into(),
        ..Default::default()
    }];
    let before = db.stats();
    User::fetch_associated(db, &mut new, User::POSTS)
        .await
        .unwrap();
    User::fetch_associated(db, &mut [], User::POSTS)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 0);
    assert!(new[0].loaded_posts().is_none());
}

pub async fn include_has_one_with_two_children_is_an_integrity_error(db: &Connection) {
    setup(db).await;
    let (john, _, _) = family(db).await;
    computer(db, "Pear", &john).await;
    let err = User::query()
        .include(User::COMPUTER)
        .all(db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Integrity { .. }), "{err:?}");
    assert!(err.to_string().contains("more than one computer"), "{err}");
}

pub async fn include_in_a_transaction_sees_its_writes(db: &Connection) {
    setup(db).await;
    let (john, _, _) = family(db).await;
    let tx = db.begin().await.unwrap();
    post(&tx, "uncommitted", Some(&john), None).await;
    let users = User::query()
        .filter(User::NAME.eq("John"))
        .include(User::POSTS)
        .all(&tx)
        .await
        .unwrap();
    assert_eq!(
        titles(users[0].loaded_posts().unwrap()),
        ["j1", "j2", "uncommitted"]
    );
    let mut again = User::query()
        .filter(User::NAME.eq("John"))
        .all(&tx)
        .await
        .unwrap();
    User::fetch_associated(&tx, &mut again, User::POSTS)
        .await
        .unwrap();
    assert_eq!(again[0].loaded_posts().unwrap().len(), 3);
    tx.rollback().await.unwrap();
    let users = User::query()
        .filter(User::NAME.eq("John"))
        .include(User::POSTS)
        .all(db)
        .await
        .unwrap();
    assert_eq!(titles(users[0].loaded_posts().unwrap()), ["j1", "j2"]);
}

/// More parents than one statement carries: the ids go in chunks.
pub async fn include_more_parents_than_one_statement_takes(db: &Connection) {
    setup(db).await;
    let n = cormo::MAX_IDS_PER_STATEMENT + 1;
    let users: Vec<User> = (0..n)
        .map(|i| User {
            name: format!("u{i}"),
            age: 1,
            ..Default::default()
        })
        .collect();
    let users = User::create_many(db, users).await.unwrap();
    let (first, last) = (&users[0], &users[n - 1]);
    post(db, "first", Some(first), None).await;
    post(db, "last", Some(last), None).await;
    drop(users);
    let before = db.stats();
    let loaded = User::query().include(User::POSTS).all(db).await.unwrap();
    assert_eq!(reads(before, db), 3, "users, then posts in two chunks");
    assert_eq!(loaded.len(), n);
    let with_posts: Vec<&str> = loaded
        .iter()
        .flat_map(|u| u.loaded_posts().unwrap())
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(with_posts.len(), 2);
    assert!(loaded.iter().all(|u| u.loaded_posts().is_some()));
}

pub async fn saving_a_new_record_saves_what_was_built_on_it(db: &Connection) {
    setup(db).await;
    let mut john = User {
        name: "John".into(),
        age: 27,
        ..Default::default()
    };
    let first = john
        .build_post(Post {
            title: "first".into(),
            body: "b".into(),
            ..Default::default()
        })
        .unwrap();
    first
        .build_comment(Post {
            title: "a comment".into(),
            body: "b".into(),
            ..Default::default()
        })
        .unwrap();
    john.build_post(Post {
        title: "second".into(),
        body: "b".into(),
        ..Default::default()
    })
    .unwrap();
    john.save(db).await.unwrap();
    assert!(john.id.is_persisted());

    let stored = User::query()
        .include(User::POSTS.include(Post::COMMENTS))
        .all(db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let posts = stored[0].loaded_posts().unwrap();
    assert_eq!(titles(posts), ["first", "second"]);
    let first = posts.iter().find(|p| p.title == "first").unwrap();
    assert_eq!(first.user_id, john.id.get());
    let comments = first.loaded_comments().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].title, "a comment");

    // A second save updates the user only: nothing is inserted twice.
    john.age = 28;
    john.save(db).await.unwrap();
    assert_eq!(Post::query().count(db).await.unwrap(), 3);
    assert_eq!(User::find(db, &john.id).await.unwrap().age, 28);
}

pub async fn a_failed_built_child_stores_nothing(db: &Connection) {
    setup(db).await;
    let taken = post(db, "taken", None, None).await;
    let mut mary = User {
        name: "Mary".into(),
        ..Default::default()
    };
    mary.build_post(Post {
        title: "fine".into(),
        body: "b".into(),
        ..Default::default()
    })
    .unwrap();
    // A chosen id that is already stored: the database refuses it.
    mary.build_post(Post {
        id: Id::new(taken.id.get().unwrap()),
        title: "clash".into(),
        body: "b".into(),
        ..Default::default()
    })
    .unwrap();
    let err = mary.save(db).await.unwrap_err();
    assert!(matches!(err, Error::Duplicated { .. }), "{err:?}");
    assert!(!mary.id.is_persisted(), "the parent is new again");
    assert_eq!(mary.id.get(), None);
    assert_eq!(User::query().count(db).await.unwrap(), 0, "nothing stored");
    assert_eq!(Post::query().count(db).await.unwrap(), 1);

    // Every record of the tree is new again: with the clash gone, the same
    // save inserts them all (a child wrongly left "stored" would be
    // updated instead, and fail as not found).
    Post::query()
        .filter(Post::TITLE.eq("taken"))
        .delete(db)
        .await
        .unwrap();
    mary.save(db).await.unwrap();
    assert!(mary.id.is_persisted());
    let stored = User::query().include(User::POSTS).all(db).await.unwrap();
    assert_eq!(titles(stored[0].loaded_posts().unwrap()), ["clash", "fine"]);
}

pub async fn loaded_associations_serialize_on_request(db: &Connection) {
    use super::models::{Article, Author, Draft, Profile};
    use serde_json::json;
    db.register::<Author>();
    db.apply_schemas().await.unwrap();
    let ann = Author::create(
        db,
        Author {
            display_name: "Ann".into(),
            secret: "hidden".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ben = Author::create(
        db,
        Author {
            display_name: "Ben".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for title in ["a1", "a2"] {
        Article::create(
            db,
            Article {
                title: title.into(),
                author_id: ann.id.get(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    Profile::create(
        db,
        Profile {
            bio: "writes".into(),
            author_id: ann.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Draft::create(
        db,
        Draft {
            author_id: ann.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let id = |a: &Author| serde_json::to_value(&a.id).unwrap();
    let authors = Author::query()
        .order_by(Author::DISPLAY_NAME.asc())
        .include(Author::ARTICLES.order_by(Article::TITLE.asc()))
        .include(Author::PROFILE)
        .include(Author::DRAFTS)
        .all(db)
        .await
        .unwrap();
    let value = serde_json::to_value(cormo::Loaded(&authors)).unwrap();
    let refs: Vec<&Author> = authors.iter().collect();
    assert_eq!(serde_json::to_value(cormo::Loaded(&refs)).unwrap(), value);
    let article_ids: Vec<serde_json::Value> = authors[0]
        .loaded_articles()
        .unwrap()
        .iter()
        .map(|a| serde_json::to_value(&a.id).unwrap())
        .collect();
    let profile = authors[0].loaded_profile().unwrap().unwrap();
    assert_eq!(
        value,
        json!([
            {
                "id": id(&ann),
                "displayName": "Ann",
                "articles": [
                    {"id": article_ids[0], "title": "a1", "author_id": id(&ann)},
                    {"id": article_ids[1], "title": "a2", "author_id": id(&ann)},
                ],
                "profile": {
                    "id": serde_json::to_value(&profile.id).unwrap(),
                    "bio": "writes",
                    "author_id": id(&ann),
                },
            },
            {"id": id(&ben), "displayName": "Ben", "articles": [], "profile": null},
        ]),
        "the model's serde attributes hold; drafts are not `serialize`"
    );
    // The model's own Serialize is unchanged.
    assert_eq!(
        serde_json::to_value(&authors[1]).unwrap(),
        json!({"id": id(&ben), "displayName": "Ben"})
    );
    // Not loaded: left out. Nested levels are written the same way.
    let articles = Article::query()
        .filter(Article::TITLE.eq("a1"))
        .include(Article::AUTHOR.include(Author::PROFILE))
        .all(db)
        .await
        .unwrap();
    let value = serde_json::to_value(cormo::Loaded(&articles[0])).unwrap();
    let first = articles.into_iter().next();
    assert_eq!(serde_json::to_value(cormo::Loaded(&first)).unwrap(), value);
    let none: Option<Article> = None;
    assert!(serde_json::to_value(cormo::Loaded(&none))
        .unwrap()
        .is_null());
    assert_eq!(value["author"]["displayName"], "Ann");
    assert_eq!(value["author"]["profile"]["bio"], "writes");
    assert!(value["author"].get("articles").is_none());
    // A model read back from that JSON is a new record with a chosen id.
    let back: Author = serde_json::from_value(value["author"].clone()).unwrap();
    assert_eq!(back.id.get(), ann.id.get());
    assert!(!back.id.is_persisted());
}

pub async fn select_reads_a_partial_type(db: &Connection) {
    use super::models::UserName;
    setup(db).await;
    family(db).await;
    let names: Vec<String> = User::query()
        .filter(User::NAME.ne("Bob"))
        .order_by(User::NAME.desc())
        .select::<UserName>()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Mary", "John"]);
    let first = User::query()
        .order_by(User::NAME.asc())
        .select::<UserName>()
        .first(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.name, "Bob");
    let none = User::query()
        .filter(User::NAME.eq("nobody"))
        .select::<UserName>()
        .first(db)
        .await
        .unwrap();
    assert!(none.is_none());
}

pub async fn include_levels_select_partial_types(db: &Connection) {
    use super::models::{ComputerBrand, PostTitle, UserName};
    setup(db).await;
    let (john, mary, _) = family(db).await;
    let j1 = Post::query()
        .filter(Post::TITLE.eq("j1"))
        .first(db)
        .await
        .unwrap()
        .unwrap();
    post(db, "c1", Some(&mary), Some(&j1)).await;
    post(db, "c2", Some(&john), Some(&j1)).await;

    let before = db.stats();
    let mut users = User::query()
        .filter(User::NAME.ne("Bob"))
        .order_by(User::NAME.asc())
        .include(
            User::POSTS
                .filter(Post::PARENT_POST_ID.is_null())
                .order_by(Post::TITLE.asc())
                .include(
                    Post::COMMENTS
                        .order_by(Post::TITLE.desc())
                        .select::<PostTitle>(),
                ),
        )
        .include(User::COMPUTER.select::<ComputerBrand>())
        .all(db)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 4);
    let posts = users[0].loaded_posts().unwrap();
    let titles: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["j1", "j2"]);
    let comments = posts[0].loaded_comments_as::<PostTitle>().unwrap();
    let titles: Vec<&str> = comments.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles, ["c2", "c1"], "the level's order, partial rows");
    assert!(comments.iter().all(|c| c.id.is_persisted()));
    assert!(posts[0].loaded_comments().is_none(), "not loaded as Post");
    assert!(posts[1]
        .loaded_comments_as::<PostTitle>()
        .unwrap()
        .is_empty());
    assert_eq!(
        users[0]
            .loaded_computer_as::<ComputerBrand>()
            .unwrap()
            .map(|c| c.brand.as_str()),
        Some("Maple")
    );
    assert!(matches!(
        users[1].loaded_computer_as::<ComputerBrand>(),
        Some(None)
    ));
    // The accessor does not pass partial rows off as whole records.
    let err = users[0].computer(db).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(err.to_string().contains("column selection"), "{err}");
    let john_id = users[0].id.get();
    let whole = users[0].reload_computer(db).await.unwrap().unwrap();
    assert_eq!(whole.brand, "Maple");
    assert_eq!(whole.user_id, john_id);
    users.clear();

    // belongs_to with a selection; null and dangling keys are None.
    let mut posts = Post::query()
        .order_by(Post::TITLE.asc())
        .all(db)
        .await
        .unwrap();
    let before = db.stats();
    Post::fetch_associated(db, &mut posts, Post::USER.select::<UserName>())
        .await
        .unwrap();
    assert_eq!(reads(before, db), 1);
    let owners: Vec<Option<&str>> = posts
        .iter()
        .map(|p| {
            p.loaded_user_as::<UserName>()
                .unwrap()
                .map(|u| u.name.as_str())
        })
        .collect();
    assert_eq!(
        owners,
        [
            Some("Mary"),
            Some("John"),
            Some("John"),
            Some("John"),
            Some("Mary")
        ]
    );
}

/// Loading again replaces what the cache held, whatever was loaded before
/// (whole records or a partial type).
pub async fn loading_again_replaces_a_partial_load(db: &Connection) {
    use super::models::PostTitle;
    setup(db).await;
    family(db).await;
    let mut users = User::query()
        .order_by(User::NAME.asc())
        .include(User::POSTS.select::<PostTitle>())
        .all(db)
        .await
        .unwrap();
    assert_eq!(users[1].loaded_posts_as::<PostTitle>().unwrap().len(), 2);
    User::fetch_associated(db, &mut users, User::POSTS)
        .await
        .unwrap();
    assert_eq!(titles(users[1].loaded_posts().unwrap()), ["j1", "j2"]);
    assert!(users[1].loaded_posts_as::<PostTitle>().is_none());
    User::fetch_associated(db, &mut users, User::POSTS.select::<PostTitle>())
        .await
        .unwrap();
    assert!(users[1].loaded_posts().is_none());
    // The accessor names the association it refuses.
    let err = users[1].posts(db).await.unwrap_err();
    assert!(err.to_string().contains("posts"), "{err}");
}

/// One association included twice is one query, with both nested levels.
pub async fn including_an_association_twice_merges_it(db: &Connection) {
    setup(db).await;
    let (john, mary, _) = family(db).await;
    let j1 = Post::query()
        .filter(Post::TITLE.eq("j1"))
        .first(db)
        .await
        .unwrap()
        .unwrap();
    post(db, "c1", Some(&mary), Some(&j1)).await;
    let before = db.stats();
    let users = User::query()
        .filter(User::ID.eq(&john.id))
        .include(User::POSTS.include(Post::COMMENTS))
        .include(User::POSTS.include(Post::USER))
        .all(db)
        .await
        .unwrap();
    assert_eq!(reads(before, db), 4, "users, posts, comments, posts' users");
    let posts = users[0].loaded_posts().unwrap();
    assert!(posts.iter().all(|p| p.loaded_comments().is_some()));
    assert!(posts.iter().all(|p| p.loaded_user().is_some()));
    // Different conditions: the later include replaces the earlier one.
    let users = User::query()
        .filter(User::ID.eq(&john.id))
        .include(User::POSTS.include(Post::COMMENTS))
        .include(User::POSTS.filter(Post::TITLE.eq("j2")))
        .all(db)
        .await
        .unwrap();
    assert_eq!(titles(users[0].loaded_posts().unwrap()), ["j2"]);
}

/// What was built on a new record is what its accessors show, and its
/// first save leaves no stale cache behind.
pub async fn a_new_record_shows_what_was_built_on_it(db: &Connection) {
    setup(db).await;
    let mut dan = User {
        name: "Dan".into(),
        ..Default::default()
    };
    assert!(dan.posts(db).await.unwrap().is_empty());
    dan.build_post(Post {
        title: "draft".into(),
        body: "b".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(titles(dan.posts(db).await.unwrap()), ["draft"]);
    assert_eq!(titles(dan.loaded_posts().unwrap()), ["draft"]);
    dan.save(db).await.unwrap();
    let stored = dan.posts(db).await.unwrap();
    assert_eq!(titles(stored), ["draft"]);
    assert!(stored[0].id.is_persisted());
    assert_eq!(Post::query().count(db).await.unwrap(), 1);
}

/// Inside the caller's transaction, a tree that fails after its first row
/// aborts that transaction, even for an error that leaves a transaction
/// usable (a child's `Validation`): it cannot commit half a tree.
pub async fn a_failed_tree_aborts_the_callers_transaction(db: &Connection) {
    setup(db).await;
    let tx = db.begin().await.unwrap();
    let mut eve = User {
        name: "Eve".into(),
        ..Default::default()
    };
    eve.build_post(Post {
        title: "x".repeat(300),
        body: "b".into(),
        ..Default::default()
    })
    .unwrap();
    let err = eve.save(&tx).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(!eve.id.is_persisted());
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
    assert_eq!(User::query().count(db).await.unwrap(), 0, "nothing stored");
    assert_eq!(Post::query().count(db).await.unwrap(), 0);
}
