//! Arbitrary JSON through CORMO's condition parser and the MongoDB filter
//! builder: never a panic, and every `$` key in a filter is one cormo wrote,
//! never one from the input (values that look like operators stay data).

use cormo_core::{ColumnDef, ColumnType, Cond, ModelSchema};
use mongodb::bson::{Bson, Document};
use proptest::prelude::*;
use serde_json::Value as Json;

use crate::filter::filter;

static COLUMNS: [ColumnDef; 3] = [
    ColumnDef {
        field: "name",
        name: "name",
        ty: ColumnType::String,
        nullable: true,
        unique: false,
        index: false,
        default: None,
    },
    ColumnDef {
        field: "age",
        name: "age",
        ty: ColumnType::Integer,
        nullable: true,
        unique: false,
        index: false,
        default: None,
    },
    ColumnDef {
        field: "flag",
        name: "flag",
        ty: ColumnType::Boolean,
        nullable: true,
        unique: false,
        index: false,
        default: None,
    },
];

static SCHEMA: ModelSchema = ModelSchema {
    name: "User",
    table: "users",
    columns: &COLUMNS,
    associations: &[],
    indexes: &[],
};

/// The operators cormo's filter builder writes.
const OURS: &[&str] = &[
    "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$regex", "$options", "$and", "$or", "$nor",
    "$exists",
];

fn check<'a>(d: &'a Document, stack: &mut Vec<&'a Bson>) -> Result<(), String> {
    for (k, v) in d {
        let ours = OURS.contains(&k.as_str());
        let field = k == "_id" || SCHEMA.column(k).is_some();
        if !ours && !field {
            return Err(format!("key {k:?} in a filter"));
        }
        stack.push(v);
    }
    Ok(())
}

/// Walks the whole filter; cormo compares scalars only, so every nested
/// document is part of the filter and its keys must be cormo's.
fn keys_ok(d: &Document) -> Result<(), String> {
    let mut stack: Vec<&Bson> = Vec::new();
    check(d, &mut stack)?;
    while let Some(b) = stack.pop() {
        match b {
            Bson::Document(d) => check(d, &mut stack)?,
            Bson::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    Ok(())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_owned()),
        Just("age".to_owned()),
        Just("flag".to_owned()),
        Just("id".to_owned()),
        Just("$and".to_owned()),
        Just("$or".to_owned()),
        Just("$not".to_owned()),
        Just("$in".to_owned()),
        Just("$gt".to_owned()),
        Just("$where".to_owned()),
        Just("$expr".to_owned()),
        "[$a-z]{0,6}",
    ]
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i32>().prop_map(Json::from),
        "(\\$gt|\\$where|\\{\\}|[a-z$]{0,5})".prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_user_operator_reaches_mongodb(j in json()) {
        let Ok(cond) = Cond::from_json(&SCHEMA, &j) else { return Ok(()); };
        if let Ok(doc) = filter(&SCHEMA, &cond) {
            prop_assert!(keys_ok(&doc).is_ok(), "{:?} from {j}", keys_ok(&doc));
        }
    }
}
