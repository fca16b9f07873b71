//! Arbitrary JSON through CORMO's condition parser and the SQL renderer:
//! never a panic, and no value from the input ever appears in SQL text
//! (every value is a bound parameter).

use cormo_core::{ColumnDef, ColumnType, Cond, ModelSchema, Select};
use proptest::prelude::*;
use serde_json::Value as Json;

use crate::enabled::dialect::Dialect;
use crate::enabled::render;

fn col(name: &'static str, ty: ColumnType) -> ColumnDef {
    ColumnDef {
        field: name,
        name,
        ty,
        nullable: true,
        unique: false,
        index: false,
        default: None,
    }
}

static COLUMNS: std::sync::LazyLock<Vec<ColumnDef>> = std::sync::LazyLock::new(|| {
    vec![
        col("name", ColumnType::String),
        col("age", ColumnType::Integer),
        col("score", ColumnType::Number),
        col("at", ColumnType::Date),
        col("flag", ColumnType::Boolean),
    ]
});

fn schema() -> &'static ModelSchema {
    static S: std::sync::LazyLock<ModelSchema> = std::sync::LazyLock::new(|| ModelSchema {
        name: "User",
        table: "users",
        columns: COLUMNS.as_slice(),
        associations: &[],
        indexes: &[],
    });
    &S
}

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

/// Every string in the input, for looking for it in the SQL.
fn strings(j: &Json, out: &mut Vec<String>) {
    match j {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Json::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsed_conditions_render_with_every_value_bound(j in json()) {
        let Ok(cond) = Cond::from_json(schema(), &j) else { return Ok(()); };
        let mut values = Vec::new();
        strings(&j, &mut values);
        for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
            let Ok(sql) = render::select(d, &Select::filter(schema(), &cond)) else { continue };
            // Plain lowercase words may be identifiers or keywords; what an
            // injection needs (quotes, semicolons, `$`, …) must never show.
            let hostile = values
                .iter()
                .filter(|v| v.len() >= 3 && v.chars().any(|c| !c.is_ascii_lowercase()));
            for v in hostile {
                prop_assert!(!sql.text.contains(v.as_str()), "{v:?} in {}", sql.text);
            }
        }
    }

    #[test]
    fn the_parser_never_panics_on_top_level_values(j in json()) {
        let _ = Cond::from_json(schema(), &j);
        let _ = Cond::from_json(schema(), &Json::Array(vec![j]));
    }
}
