//! Arbitrary bytes that parse as JSON go through CORMO's condition parser,
//! the three SQL renderers and the MongoDB filter builder: never a panic,
//! never a value from the input in SQL text, never a `$` key from the input
//! in a MongoDB filter.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Err(e) = cormo_sql::fuzzing::check_json_filter(&json) {
        panic!("SQL: {e}");
    }
    if let Err(e) = cormo_mongo::fuzzing::check_json_filter(&json) {
        panic!("MongoDB: {e}");
    }
});
