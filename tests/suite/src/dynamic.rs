//! Filters from user input (JSON in CORMO's condition language): values are
//! data, unknown keys and operators are typed errors, on every backend.

use cormo::prelude::*;
use serde_json::json;

use super::models::User;

async fn setup(db: &Connection) {
    db.register::<User>();
    db.apply_schemas().await.unwrap();
    for (name, age) in [("$gt", 1), ("Bob", 25), ("Ann", 35), ("{\"$ne\": null}", 2)] {
        User::create(
            db,
            User {
                name: name.into(),
                age,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
}

async fn names(db: &Connection, filter: serde_json::Value) -> Result<Vec<String>> {
    let mut v: Vec<String> = User::query()
        .filter_json(&filter)?
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect();
    v.sort();
    Ok(v)
}

pub async fn dynamic_filters_follow_cormo_language(db: &Connection) {
    setup(db).await;
    assert_eq!(
        names(db, json!({"age": {"$gte": 25}})).await.unwrap(),
        ["Ann", "Bob"]
    );
    assert_eq!(
        names(db, json!({"age": [1, 25]})).await.unwrap(),
        ["$gt", "Bob"]
    );
    assert_eq!(
        names(
            db,
            json!({"$or": [{"name": "Bob"}, {"age": {"$gt": 30, "$lt": 40}}]})
        )
        .await
        .unwrap(),
        ["Ann", "Bob"]
    );
    assert_eq!(
        names(db, json!({"name": {"$startswith": "b"}}))
            .await
            .unwrap(),
        ["Bob"]
    );
    assert_eq!(
        names(db, json!({"age": {"$not": {"$gte": 25}}}))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        names(db, json!({"$not": {"name": "Bob"}}))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(names(db, json!({})).await.unwrap().len(), 4);
}

pub async fn dynamic_filters_treat_operators_in_values_as_data(db: &Connection) {
    setup(db).await;
    // A value that looks like an operator is compared as a string.
    assert_eq!(names(db, json!({"name": "$gt"})).await.unwrap(), ["$gt"]);
    assert_eq!(
        names(db, json!({"name": {"$eq": "$gt"}})).await.unwrap(),
        ["$gt"]
    );
    assert_eq!(
        names(db, json!({"name": {"$in": ["$gt", "nobody"]}}))
            .await
            .unwrap(),
        ["$gt"]
    );
    assert_eq!(
        names(db, json!({"name": "{\"$ne\": null}"})).await.unwrap(),
        ["{\"$ne\": null}"]
    );
    assert_eq!(
        names(db, json!({"name": {"$contains": ".*"}}))
            .await
            .unwrap(),
        Vec::<String>::new()
    );
}

pub async fn dynamic_filters_reject_bad_input(db: &Connection) {
    setup(db).await;
    let err = names(db, json!({"$where": "sleep(1000)"}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperator { op } if op == "$where"),
        "{err:?}"
    );
    let err = names(db, json!({"name": {"$regexp": ".*"}}))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownOperator { op } if op == "$regexp"),
        "{err:?}"
    );
    let err = names(db, json!({"name": {"$ne": {"$gt": ""}}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let err = names(db, json!({"password": "x"})).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnknownColumn { column, .. } if column == "password"),
        "{err:?}"
    );
    // A value of another kind is an error; a string that is no number or
    // no id matches nothing (CORMO's rule).
    let err = names(db, json!({"age": true})).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    assert!(names(db, json!({"age": "27a"})).await.unwrap().is_empty());
    assert!(names(db, json!({"id": "not an id"}))
        .await
        .unwrap()
        .is_empty());
    let err = names(db, json!(["age", 1])).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    let mut deep = json!({"name": "x"});
    for _ in 0..100 {
        deep = json!({"$not": deep});
    }
    let err = names(db, deep).await.unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err:?}");
    // Nothing was changed by any of it.
    assert_eq!(User::query().count(db).await.unwrap(), 4);
}

/// A column comparison is checked when the JSON is read, as every other
/// mistake is; a mistyped column name gets the spelling it needs; and a
/// value no row can hold is unequal to every stored value.
pub async fn dynamic_filters_check_comparisons_when_read(db: &Connection) {
    setup(db).await;
    // Two columns of kinds that do not compare: refused by filter_json
    // itself, before any query.
    let err = User::query()
        .filter_json(&json!({"age": {"$cgt": "$name"}}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { column, .. } if column == "age"),
        "{err:?}"
    );
    // The other column without its `$`: the message spells it with one.
    let err = User::query()
        .filter_json(&json!({"age": {"$cgt": "name"}}))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { message, .. } if message.contains("\"$name\"")),
        "{err:?}"
    );
    assert_eq!(
        names(db, json!({"age": {"$ceq": "$age"}}))
            .await
            .unwrap()
            .len(),
        4
    );
    // "27a" is no number and "abc" no id: nothing equals them, so `$eq`
    // matches no row and `$ne` every row (as `$not` of `$eq` does here,
    // where no age is NULL).
    assert!(names(db, json!({"age": "27a"})).await.unwrap().is_empty());
    assert_eq!(
        names(db, json!({"age": {"$ne": "27a"}}))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        names(db, json!({"$not": {"age": "27a"}}))
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        names(db, json!({"id": {"$ne": "abc"}}))
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(names(db, json!({"id": {"$gt": "abc"}}))
        .await
        .unwrap()
        .is_empty());
}
