//! Invariants of CORMO's JSON condition parser and the SQL renderer,
//! shared by the property tests and the `cargo fuzz` target in `fuzz/`:
//! any JSON either is refused with an error or renders to SQL in which no
//! value from the input appears (every value is a bound parameter).

use cormo_core::{ColumnDef, ColumnType, Cond, ModelSchema, Select};
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
        fold: cormo_core::Fold::Exact,
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

/// A model with one column of each scalar type.
pub fn schema() -> &'static ModelSchema {
    static S: std::sync::LazyLock<ModelSchema> = std::sync::LazyLock::new(|| ModelSchema {
        name: "User",
        table: "users",
        columns: COLUMNS.as_slice(),
        associations: &[],
        indexes: &[],
    });
    &S
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

/// Parses `j` as a filter on [`schema`] and renders it for every dialect;
/// `Err` names a value that reached the SQL text. Panics are bugs too.
pub fn check_json_filter(j: &Json) -> Result<(), String> {
    let _ = Cond::from_json(schema(), &Json::Array(vec![j.clone()]));
    let Ok(cond) = Cond::from_json(schema(), j) else {
        return Ok(());
    };
    let mut values = Vec::new();
    strings(j, &mut values);
    for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let Ok(sql) = render::select(d, &Select::filter(schema(), &cond)) else {
            continue;
        };
        // Plain lowercase words may be identifiers or keywords; what an
        // injection needs (quotes, semicolons, `$`, …) must never show.
        let hostile = values
            .iter()
            .filter(|v| v.len() >= 3 && v.chars().any(|c| !c.is_ascii_lowercase()));
        for v in hostile {
            if sql.text.contains(v.as_str()) {
                return Err(format!("{v:?} in {}", sql.text));
            }
        }
        let _ = render::count(d, &Select::filter(schema(), &cond));
        let _ = render::delete(d, schema(), &cond);
    }
    Ok(())
}
