//! The rest of CORMO's condition language: column against column, regular
//! expressions, `$contains` lists, top-level lists, exact numbers, and ids
//! that cannot be ids, in the typed API and in JSON alike.

use cormo::prelude::*;
use serde_json::json;

use super::models::{Post, Span, User};

async fn spans(db: &Connection) {
    db.register::<Span>();
    db.apply_schemas().await.unwrap();
    let rows = [
        ("alpha", Some("ALPHA"), 1, Some(5), 0.5),
        ("Beta", Some("beta"), 7, Some(3), 7.0),
        ("gamma", None, 4, Some(4), 2.0),
        ("delta\nline", Some("x"), 2, None, 3.5),
    ];
    for (label, alt, lo, hi, ratio) in rows {
        Span::create(
            db,
            Span {
                label: label.into(),
                alt: alt.map(Into::into),
                lo,
                hi,
                ratio,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

async fn labels(db: &Connection, q: cormo::Query<Span>) -> Vec<String> {
    let mut v: Vec<String> = q
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.label)
        .collect();
    v.sort();
    v
}

async fn json_labels(db: &Connection, filter: serde_json::Value) -> Result<Vec<String>> {
    let q = Span::query().filter_json(&filter)?;
    Ok(labels(db, q).await)
}

pub async fn columns_compare_with_columns(db: &Connection) {
    spans(db).await;
    assert_eq!(
        labels(db, Span::query().filter(Span::LO.lt_col(Span::HI))).await,
        ["alpha"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::LO.eq_col(Span::HI))).await,
        ["gamma"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::LO.gte_col(Span::HI))).await,
        ["Beta", "gamma"]
    );
    // NULL on either side matches no comparison; `!` of one includes it.
    assert_eq!(
        labels(db, Span::query().filter(Span::LO.ne_col(Span::HI))).await,
        ["Beta", "alpha"]
    );
    assert_eq!(
        labels(db, Span::query().filter(!Span::LO.lt_col(Span::HI))).await,
        ["Beta", "delta\nline", "gamma"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::LABEL.eq_col(Span::ALT))).await,
        Vec::<String>::new()
    );
    // JSON says the same with `$c…` and the other column as "$name".
    assert_eq!(
        json_labels(db, json!({"lo": {"$clt": "$hi"}}))
            .await
            .unwrap(),
        ["alpha"]
    );
    assert_eq!(
        json_labels(db, json!({"lo": {"$cgt": "$hi"}}))
            .await
            .unwrap(),
        ["Beta"]
    );
    assert_eq!(
        json_labels(db, json!({"hi": {"$clte": "$lo"}}))
            .await
            .unwrap(),
        ["Beta", "gamma"]
    );
    let err = json_labels(db, json!({"lo": {"$ceq": "hi"}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = json_labels(db, json!({"lo": {"$ceq": "$nope"}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}");
    // Refused by filter_json itself, before any query.
    let err = Span::query()
        .filter_json(&json!({"lo": {"$ceq": "$label"}}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "lo"),
        "a number against text: {err:?}"
    );
}

pub async fn regular_expressions_match_the_same_everywhere(db: &Connection) {
    spans(db).await;
    assert_eq!(
        labels(db, Span::query().filter(Span::LABEL.matches("^[a-g]a"))).await,
        ["gamma"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::LABEL.matches("ta$"))).await,
        ["Beta"]
    );
    assert_eq!(
        labels(
            db,
            Span::query().filter(Span::LABEL.matches_ignore_case("^(?:b|G)"))
        )
        .await,
        ["Beta", "gamma"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::LABEL.matches(r"\d|\s"))).await,
        ["delta\nline"]
    );
    assert_eq!(
        labels(db, Span::query().filter(Span::ALT.matches("^[A-Z]+$"))).await,
        ["alpha"]
    );
    // A NULL column matches no expression; `!` of one includes it.
    assert_eq!(
        labels(db, Span::query().filter(!Span::ALT.matches("^[A-Z]+$"))).await,
        ["Beta", "delta\nline", "gamma"]
    );
    assert_eq!(
        json_labels(db, json!({"alt": {"$regex": "^b", "$options": "i"}}))
            .await
            .unwrap(),
        ["Beta"]
    );
    assert_eq!(
        json_labels(db, json!({"alt": {"$regex": "^b"}}))
            .await
            .unwrap(),
        ["Beta"]
    );
    assert_eq!(
        json_labels(db, json!({"alt": {"$regex": "^B"}}))
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    // What the databases read differently is refused before it runs.
    let before = db.stats();
    for bad in [
        r"\bword",
        "(?i)a",
        "(?=a)",
        r"(\w)\1",
        r"\p{L}",
        "(unclosed",
    ] {
        let r = Span::query().filter(Span::LABEL.matches(bad)).all(db).await;
        assert!(
            matches!(&r, Err(Error::Validation { column, .. }) if column == "label"),
            "{bad}: {r:?}"
        );
    }
    let err = json_labels(db, json!({"label": {"$regex": "a", "$options": "x"}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = json_labels(db, json!({"lo": {"$regex": "1"}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert_eq!(db.stats().reads, before.reads);
}

pub async fn contains_lists_and_top_level_lists(db: &Connection) {
    spans(db).await;
    assert_eq!(
        labels(
            db,
            Span::query().filter(Span::LABEL.contains_any(["ALP", "mm"]))
        )
        .await,
        ["alpha", "gamma"]
    );
    assert!(labels(
        db,
        Span::query().filter(Span::LABEL.contains_any(Vec::<&str>::new()))
    )
    .await
    .is_empty());
    assert_eq!(
        json_labels(db, json!({"label": {"$contains": ["ALP", "mm"]}}))
            .await
            .unwrap(),
        ["alpha", "gamma"]
    );
    assert!(json_labels(db, json!({"label": {"$contains": []}}))
        .await
        .unwrap()
        .is_empty());
    // A top-level list is an AND of its conditions.
    assert_eq!(
        json_labels(
            db,
            json!([{"lo": {"$gte": 2}}, {"label": {"$contains": "a"}}])
        )
        .await
        .unwrap(),
        ["Beta", "delta\nline", "gamma"]
    );
    assert_eq!(
        json_labels(db, json!([{"lo": 7}, {"ratio": 7.0}]))
            .await
            .unwrap(),
        ["Beta"]
    );
    assert_eq!(json_labels(db, json!([])).await.unwrap().len(), 4);
    let err = json_labels(db, json!([{"lo": 1}, 3])).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
}

pub async fn numbers_compare_exactly(db: &Connection) {
    spans(db).await;
    let j = |f| json_labels(db, f);
    // An integer column against a fraction: the integers that satisfy it.
    assert_eq!(
        j(json!({"lo": {"$gt": 1.5}})).await.unwrap(),
        ["Beta", "delta\nline", "gamma"]
    );
    assert_eq!(j(json!({"lo": {"$lte": 1.5}})).await.unwrap(), ["alpha"]);
    assert_eq!(j(json!({"lo": {"$lt": 2.0}})).await.unwrap(), ["alpha"]);
    assert!(j(json!({"lo": 2.5})).await.unwrap().is_empty());
    assert_eq!(
        j(json!({"hi": {"$ne": 2.5}})).await.unwrap(),
        ["Beta", "alpha", "gamma"]
    );
    // Past the column's range (i32 here).
    assert_eq!(
        j(json!({"lo": {"$lt": 3_000_000_000i64}}))
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(j(json!({"lo": {"$gt": 3_000_000_000i64}}))
        .await
        .unwrap()
        .is_empty());
    assert!(j(json!({"lo": 3_000_000_000i64})).await.unwrap().is_empty());
    // Numeric strings are numbers; other strings match nothing.
    assert_eq!(j(json!({"lo": "7"})).await.unwrap(), ["Beta"]);
    assert_eq!(
        j(json!({"ratio": {"$gte": "3.5"}})).await.unwrap(),
        ["Beta", "delta\nline"]
    );
    assert!(j(json!({"lo": "7a"})).await.unwrap().is_empty());
    assert!(j(json!({"lo": {"$lt": "abc"}})).await.unwrap().is_empty());
    // No stored value equals one that is no number: `$ne` matches every
    // non-null value (not the NULL `hi`), `$not` of `$eq` every row.
    assert_eq!(
        j(json!({"hi": {"$ne": "7a"}})).await.unwrap(),
        ["Beta", "alpha", "gamma"]
    );
    assert_eq!(j(json!({"$not": {"hi": "7a"}})).await.unwrap().len(), 4);
    assert_eq!(
        j(json!({"lo": {"$not": {"$lt": "abc"}}}))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        j(json!({"lo": {"$in": [7, 2.5, "x", "4"]}})).await.unwrap(),
        ["Beta", "gamma"]
    );
    let err = j(json!({"lo": {"$gt": [1]}})).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
}

pub async fn ids_of_the_other_kind_match_nothing(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    let u = User::create(
        db,
        User {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for i in 0..2 {
        Post::create(
            db,
            Post {
                title: format!("p{i}"),
                user_id: if i == 0 { u.id.get() } else { None },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    // An id this backend cannot store: an ObjectId on SQL, an integer on MongoDB.
    let other: RecordId = if db.capabilities().object_ids {
        RecordId::Int(1)
    } else {
        "507f1f77bcf86cd799439011".parse().unwrap()
    };
    assert!(matches!(
        User::find(db, other).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        User::find(db, other.to_string().as_str()).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        User::find_many(db, [other]).await,
        Err(Error::NotFound { .. })
    ));
    let q = |c| Post::query().filter(c);
    assert_eq!(q(Post::USER_ID.eq(other)).count(db).await.unwrap(), 0);
    assert_eq!(
        q(Post::USER_ID.ne(other)).count(db).await.unwrap(),
        1,
        "every post with a user"
    );
    assert_eq!(
        q(Post::USER_ID.is_in([other, u.id.get().unwrap()]))
            .count(db)
            .await
            .unwrap(),
        1
    );
    let json = json!({"user_id": other.to_string()});
    assert_eq!(
        Post::query()
            .filter_json(&json)
            .unwrap()
            .count(db)
            .await
            .unwrap(),
        0
    );
}
