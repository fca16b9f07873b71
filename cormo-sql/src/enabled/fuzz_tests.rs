//! Arbitrary JSON through CORMO's condition parser and the SQL renderer:
//! never a panic, and no value from the input ever appears in SQL text
//! (every value is a bound parameter).

use cormo_core::Cond;
use proptest::prelude::*;
use serde_json::Value as Json;

use crate::enabled::fuzzing::{check_json_filter, schema};

/// Keys that are sometimes columns or operators, sometimes hostile text.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_owned()),
        Just("age".to_owned()),
        Just("score".to_owned()),
        Just("at".to_owned()),
        Just("flag".to_owned()),
        Just("id".to_owned()),
        Just("$and".to_owned()),
        Just("$or".to_owned()),
        Just("$not".to_owned()),
        Just("$in".to_owned()),
        Just("$gt".to_owned()),
        Just("$contains".to_owned()),
        Just("$where".to_owned()),
        "[$a-z' ;\"]{0,8}",
    ]
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        // Hostile strings: quotes, comments, operators, NUL.
        "(x'|; DROP TABLE users;--|\\$gt|\\$where|[a-z%_\\x00]{0,6}|2020-01-01T00:00:00Z)"
            .prop_map(Json::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Json::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsed_conditions_render_with_every_value_bound(j in json()) {
        let checked = check_json_filter(&j);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }

    #[test]
    fn the_parser_never_panics_on_top_level_values(j in json()) {
        let _ = Cond::from_json(schema(), &j);
        let _ = Cond::from_json(schema(), &Json::Array(vec![j]));
    }
}
