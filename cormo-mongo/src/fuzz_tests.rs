//! Arbitrary JSON through CORMO's condition parser and the MongoDB filter
//! builder: never a panic, and every `$` key in a filter is one cormo wrote,
//! never one from the input (values that look like operators stay data).

use proptest::prelude::*;
use serde_json::Value as Json;

use crate::fuzzing::check_json_filter;

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
        let checked = check_json_filter(&j);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }
}
