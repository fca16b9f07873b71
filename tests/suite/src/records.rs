//! Creating, reading, saving and destroying records; column types.

use chrono::{TimeZone, Utc};
use cormo::prelude::*;
use serde_json::json;

use super::models::{Order, Person, Post, Sample, User};

pub async fn create_find_save_destroy(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let mut user = User::create(
        db,
        User {
            name: "Ann".into(),
            age: 30,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = user.id.get().unwrap();

    let found = User::find(db, id).await.unwrap();
    assert_eq!((found.name.as_str(), found.age), ("Ann", 30));
    assert!(found.id.is_persisted());

    // save on a stored record updates it in place.
    user.age = 31;
    user.save(db).await.unwrap();
    assert_eq!(User::find(db, id).await.unwrap().age, 31);
    assert_eq!(User::query().count(db).await.unwrap(), 1);

    user.destroy(db).await.unwrap();
    assert!(!user.id.is_persisted());
    let err = User::find(db, id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { model: "User" }), "{err:?}");
    // Destroying again is not found, not a silent success.
    assert!(matches!(
        user.destroy(db).await,
        Err(Error::NotFound { .. })
    ));
}

pub async fn build_then_save_inserts_once(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let mut user = User {
        name: "Bo".into(),
        ..Default::default()
    };
    user.save(db).await.unwrap();
    user.save(db).await.unwrap();
    assert_eq!(User::query().count(db).await.unwrap(), 1);
}

pub async fn caller_chosen_id_is_inserted(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    // An id of the kind this backend uses: an integer, or an ObjectId.
    let given = match User::create(db, User::default())
        .await
        .unwrap()
        .id
        .get()
        .unwrap()
    {
        RecordId::Int(_) => RecordId::Int(4242),
        RecordId::Object(_) => "5f0000000000000000004242".parse().unwrap(),
    };
    let user = User::create(
        db,
        User {
            id: Id::new(given),
            name: "Given".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(user.id.get(), Some(given));
    assert_eq!(User::find(db, given).await.unwrap().name, "Given");
    // The same id again is a duplicate, not an overwrite.
    let err = User::create(
        db,
        User {
            id: Id::new(given),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "id"),
        "{err:?}"
    );
    assert_eq!(User::find(db, given).await.unwrap().name, "Given");
    // An id so large the table would have none left for later inserts is
    // refused before anything is written, on every backend.
    let err = User::create(
        db,
        User {
            id: Id::new(i64::MAX),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "id"),
        "{err:?}"
    );
    User::create(db, User::default()).await.unwrap();
    // Later inserts still get fresh ids.
    for _ in 0..3 {
        User::create(db, User::default()).await.unwrap();
    }
}

pub async fn find_many_requires_every_id(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let a = User::create(db, User::default()).await.unwrap();
    let b = User::create(db, User::default()).await.unwrap();
    let ids = [
        a.id.get().unwrap(),
        b.id.get().unwrap(),
        a.id.get().unwrap(),
    ];
    assert_eq!(User::find_many(db, ids).await.unwrap().len(), 2);

    let missing = match b.id.get().unwrap() {
        RecordId::Int(i) => RecordId::Int(i + 1000),
        RecordId::Object(mut bytes) => {
            bytes[11] ^= 0xff;
            RecordId::Object(bytes)
        }
    };
    let err = User::find_many(db, [a.id.get().unwrap(), missing])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

pub async fn find_by_string_id(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let u = User::create(
        db,
        User {
            name: "S".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let text = u.id.get().unwrap().to_string();
    assert_eq!(User::find(db, text.as_str()).await.unwrap().name, "S");
    // A string that is no id finds nothing, as in CORMO.
    let err = User::find(db, "not-an-id").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

pub async fn column_types_round_trip(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let at = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap()
        + chrono::Duration::microseconds(123_456);
    // Dates keep the backend's precision: microseconds on SQL, milliseconds
    // on MongoDB (BSON dates).
    let unit = 10i64.pow(6 - db.capabilities().datetime_precision);
    let stored_at = at - chrono::Duration::microseconds(at.timestamp_subsec_micros() as i64 % unit);
    let full = Sample {
        text: "héllo ✓ 'quoted' \"double\"".into(),
        small: -2_147_483_648,
        big: 9_007_199_254_740_993,
        ratio: 0.1 + 0.2,
        flag: true,
        at: Some(at),
        doc: Some(json!({"a": [1, 2, {"b": null}], "c": "d"})),
        data: Some(vec![0, 1, 2, 255, 0]),
        maybe_text: Some(String::new()),
        maybe_int: Some(7),
        code: Some("X".into()),
        ..Default::default()
    };
    let saved = Sample::create(db, full.clone()).await.unwrap();
    let back = Sample::find(db, &saved.id).await.unwrap();
    assert_eq!(back.text, full.text);
    assert_eq!(back.small, full.small);
    assert_eq!(back.big, full.big);
    assert_eq!(back.ratio, full.ratio);
    assert!(back.flag);
    assert_eq!(back.at, Some(stored_at));
    assert_eq!(back.doc, full.doc);
    assert_eq!(back.data, full.data);
    assert_eq!(back.maybe_text.as_deref(), Some(""));
    assert_eq!(back.maybe_int, Some(7));

    let empty = Sample::create(db, Sample::default()).await.unwrap();
    let back = Sample::find(db, &empty.id).await.unwrap();
    assert_eq!(back.at, None);
    assert_eq!(back.doc, None);
    assert_eq!(back.data, None);
    assert_eq!(back.maybe_text, None);
    assert_eq!(back.maybe_int, None);
    assert!(!back.flag);
}

pub async fn reserved_words_and_naming(db: &Connection) {
    db.register::<Order>().register::<Person>();
    db.apply_schemas().await.unwrap();
    assert_eq!(<Order as Model>::schema().table, "order");
    assert_eq!(<Person as Model>::schema().table, "people");
    assert_eq!(<Post as Model>::schema().table, "posts");
    let o = Order::create(
        db,
        Order {
            group_name: "g".into(),
            select: 3,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let found = Order::query()
        .filter(Order::GROUP_NAME.eq("g") & Order::SELECT.gt(2))
        .order_by(Order::SELECT.desc())
        .all(db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, o.id);
    Person::create(
        db,
        Person {
            name: "p".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(Person::query().count(db).await.unwrap(), 1);
}

pub async fn unique_violation_is_duplicated(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let s = Sample {
        code: Some("dup".into()),
        ..Default::default()
    };
    Sample::create(db, s.clone()).await.unwrap();
    let err = Sample::create(db, s).await.unwrap_err();
    match err {
        Error::Duplicated { key } => assert_eq!(key, "code"),
        other => panic!("expected Duplicated, got {other:?}"),
    }
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);
    // NULLs do not collide.
    Sample::create(db, Sample::default()).await.unwrap();
    Sample::create(db, Sample::default()).await.unwrap();
}

pub async fn apply_schemas_is_idempotent(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    User::create(
        db,
        User {
            name: "kept".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    db.apply_schemas().await.unwrap();
    assert_eq!(User::query().count(db).await.unwrap(), 1);
    db.drop_all_models().await.unwrap();
    let after = User::query().count(db).await;
    if db.capabilities().backend == "mongodb" {
        // A collection that does not exist is empty in MongoDB.
        assert_eq!(after.unwrap(), 0);
    } else {
        let err = after.unwrap_err();
        assert!(matches!(err, Error::TableMissing { .. }), "{err:?}");
    }
}

pub async fn create_many_returns_ids_in_order(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let users: Vec<User> = (0..5)
        .map(|i| User {
            name: format!("u{i}"),
            age: i,
            ..Default::default()
        })
        .collect();
    let saved = User::create_many(db, users).await.unwrap();
    assert_eq!(saved.len(), 5);
    for u in &saved {
        assert!(u.id.is_persisted());
        let stored = User::find(db, &u.id).await.unwrap();
        assert_eq!((stored.name.as_str(), stored.age), (u.name.as_str(), u.age));
    }
    let mut ids: Vec<RecordId> = saved.iter().filter_map(|u| u.id.get()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert!(User::create_many(db, Vec::new()).await.unwrap().is_empty());

    // A stored record is refused: create_many inserts new records only.
    let stored = User::find(db, ids[0]).await.unwrap();
    let err = User::create_many(db, vec![stored]).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(User::query().count(db).await.unwrap(), 5);
}

/// `create_many` takes caller-chosen ids, mixed with generated ones, all
/// or nothing.
pub async fn create_many_takes_chosen_ids(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let object_ids = db.capabilities().object_ids;
    let id = |n: u32| -> RecordId {
        if object_ids {
            format!("5f00000000000000{n:08x}").parse().unwrap()
        } else {
            RecordId::Int(i64::from(n))
        }
    };
    let user = |chosen: Option<u32>, name: &str| User {
        id: chosen.map_or_else(Id::default, |n| Id::new(id(n))),
        name: name.into(),
        ..Default::default()
    };
    let saved = User::create_many(
        db,
        vec![user(Some(500), "a"), user(None, "b"), user(Some(501), "c")],
    )
    .await
    .unwrap();
    assert_eq!(saved[0].id.get(), Some(id(500)));
    assert_eq!(saved[2].id.get(), Some(id(501)));
    let generated = saved[1].id.get().unwrap();
    assert!(generated != id(500) && generated != id(501));
    assert_eq!(User::find(db, id(501)).await.unwrap().name, "c");
    // A chosen id that exists fails the whole batch.
    let err = User::create_many(db, vec![user(Some(600), "d"), user(Some(500), "again")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Duplicated { .. }), "{err:?}");
    assert_eq!(User::query().count(db).await.unwrap(), 3);
    assert!(matches!(
        User::find(db, id(600)).await,
        Err(Error::NotFound { .. })
    ));
}

pub async fn apply_schemas_evolves_deployed_tables(db: &Connection) {
    use super::models::{EvoChildV1, EvoChildV2, EvoParentV1, EvoParentV2};
    db.register::<EvoParentV1>();
    db.apply_schemas().await.unwrap();
    let parent = EvoParentV1::create(
        db,
        EvoParentV1 {
            name: "p".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    EvoChildV1::create(
        db,
        EvoChildV1 {
            evo_parent_id: parent.id.get(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // The deployed model gains a restrict rule and a column.
    db.register::<EvoParentV2>();
    db.apply_schemas().await.unwrap();
    // Existing rows are kept, the new column is there...
    if db.capabilities().backend == "mongodb" {
        // A document has no columns to add: old documents lack the new
        // non-Option field and reading them says so, until backfilled.
        let err = EvoChildV2::query().all(db).await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { column, .. } if column == "score"),
            "{err:?}"
        );
        EvoChildV2::query()
            .filter(EvoChildV2::SCORE.is_null())
            .update(db, [EvoChildV2::SCORE.set(0)])
            .await
            .unwrap();
    }
    // On SQL the new NOT NULL column got its zero value in existing rows.
    let children = EvoChildV2::query().all(db).await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].note, None);
    assert_eq!(children[0].score, 0);
    EvoChildV2::create(
        db,
        EvoChildV2 {
            evo_parent_id: parent.id.get(),
            note: Some("n".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // ...and the new rule is enforced (the new code reads through V2).
    let mut parent = EvoParentV2::find(db, &parent.id).await.unwrap();
    let err = parent.destroy(db).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { .. }), "{err:?}");
    assert_eq!(EvoParentV2::query().count(db).await.unwrap(), 1);
    // Applying again changes nothing.
    db.apply_schemas().await.unwrap();
    assert_eq!(EvoChildV2::query().count(db).await.unwrap(), 2);
}

pub async fn strings_text_and_defaults(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    // `String` holds 255 characters everywhere; longer is a typed error
    // before anything is written. `#[cormo(text)]` has no limit.
    let at_limit = "é".repeat(255);
    let s = Sample::create(
        db,
        Sample {
            text: at_limit.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(Sample::find(db, &s.id).await.unwrap().text, at_limit);
    let err = Sample::create(
        db,
        Sample {
            text: "x".repeat(256),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "text"),
        "{err:?}"
    );
    let err = Sample::query()
        .update(db, [Sample::TEXT.set("y".repeat(300))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);

    let long = "long text ".repeat(10_000);
    let s = Sample::create(
        db,
        Sample {
            long: Some(long.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let back = Sample::find(db, &s.id).await.unwrap();
    assert_eq!(back.long.as_deref(), Some(long.as_str()));

    // Defaults fill fields left None on a new record, not explicit values.
    assert_eq!(back.status.as_deref(), Some("fresh"));
    assert_eq!(back.rank, Some(5));
    let s = Sample::create(
        db,
        Sample {
            status: Some("set".into()),
            rank: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let back = Sample::find(db, &s.id).await.unwrap();
    assert_eq!((back.status.as_deref(), back.rank), (Some("set"), Some(1)));
    // An update may set the column to NULL; defaults are for inserts.
    Sample::query()
        .update(db, [Sample::STATUS.set_null()])
        .await
        .unwrap();
    assert_eq!(
        Sample::query()
            .filter(Sample::STATUS.is_null())
            .count(db)
            .await
            .unwrap(),
        3
    );
}

pub async fn multi_column_unique_index(db: &Connection) {
    use super::models::Slot;
    db.register::<Slot>();
    db.apply_schemas().await.unwrap();
    let slot = |owner: &str, slug: &str| Slot {
        owner: owner.into(),
        slug: slug.into(),
        ..Default::default()
    };
    Slot::create(db, slot("a", "x")).await.unwrap();
    Slot::create(db, slot("a", "y")).await.unwrap();
    Slot::create(db, slot("b", "x")).await.unwrap();
    let err = Slot::create(db, slot("a", "x")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "owner_slug"),
        "{err:?}"
    );
    assert_eq!(Slot::query().count(db).await.unwrap(), 3);
    let schema = <Slot as Model>::schema();
    assert_eq!(schema.indexes.len(), 2);
    assert_eq!(schema.indexes[0].name, "slots_owner_slug");
    assert_eq!(schema.indexes[0].columns, ["owner", "slug"]);
    assert!(schema.indexes[0].unique && !schema.indexes[1].unique);
    // Applying again finds the indexes by name and creates nothing.
    db.apply_schemas().await.unwrap();
}

/// `create_many` is all or nothing, whether it is one statement (a
/// multi-row INSERT, atomic by itself) or several (a batch larger than one
/// statement takes, and MongoDB's `insertMany`, run in a transaction).
pub async fn create_many_is_all_or_nothing(db: &Connection) {
    db.register::<Sample>();
    db.apply_schemas().await.unwrap();
    let code = |c: String| Sample {
        code: Some(c),
        ..Default::default()
    };
    Sample::create(db, code("taken".into())).await.unwrap();
    let small: Vec<Sample> = ["a", "b", "taken", "c"]
        .into_iter()
        .map(|c| code(c.into()))
        .collect();
    let err = Sample::create_many(db, small).await.unwrap_err();
    assert!(
        matches!(&err, Error::Duplicated { key } if key == "code"),
        "{err:?}"
    );
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);

    // More values than one INSERT binds: the duplicate is in the last
    // statement, after the first has run. (The MongoDB test server is slow;
    // the small batch above already spans its documents.)
    let rows = if db.capabilities().backend == "mongodb" {
        50
    } else {
        30_000 / Sample::schema().columns.len() + 50
    };
    let mut big: Vec<Sample> = (0..rows).map(|i| code(format!("c{i}"))).collect();
    big.push(code("taken".into()));
    let err = Sample::create_many(db, big).await.unwrap_err();
    assert!(matches!(&err, Error::Duplicated { .. }), "{err:?}");
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);

    // Inside a caller's transaction it aborts that transaction.
    if db.capabilities().transactions {
        let tx = db.begin().await.unwrap();
        let batch = vec![code("x".into()), code("taken".into())];
        let err = Sample::create_many(&tx, batch).await.unwrap_err();
        assert!(matches!(&err, Error::Duplicated { .. }), "{err:?}");
        tx.rollback().await.unwrap();
    }
    assert_eq!(Sample::query().count(db).await.unwrap(), 1);
}
