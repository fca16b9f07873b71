//! The invariant of CORMO's JSON condition parser and the MongoDB filter
//! builder, shared by the property test and the `cargo fuzz` target in
//! `fuzz/`: every `$` key in a filter is one cormo wrote, never one from
//! the input (values that look like operators stay data).

use cormo_core::{ColumnDef, ColumnType, Cond, ModelSchema};
use mongodb::bson::{Bson, Document};
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
        fold: cormo_core::Fold::Exact,
    },
    ColumnDef {
        field: "age",
        name: "age",
        ty: ColumnType::Integer,
        nullable: true,
        unique: false,
        index: false,
        default: None,
        fold: cormo_core::Fold::Exact,
    },
    ColumnDef {
        field: "flag",
        name: "flag",
        ty: ColumnType::Boolean,
        nullable: true,
        unique: false,
        index: false,
        default: None,
        fold: cormo_core::Fold::Exact,
    },
];

/// A model with a string, an integer and a boolean column.
pub static SCHEMA: ModelSchema = ModelSchema {
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

/// Parses `j` as a filter on [`SCHEMA`] and builds the MongoDB filter;
/// `Err` names a key that came from the input. Panics are bugs too.
pub fn check_json_filter(j: &Json) -> Result<(), String> {
    let Ok(cond) = Cond::from_json(&SCHEMA, j) else {
        return Ok(());
    };
    match filter(&SCHEMA, &cond) {
        Ok(doc) => keys_ok(&doc).map_err(|e| format!("{e} from {j}")),
        Err(_) => Ok(()),
    }
}
