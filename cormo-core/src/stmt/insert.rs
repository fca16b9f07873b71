//! New rows, and the whole-row write of a stored record.

use crate::id::RecordId;
use crate::schema::ModelSchema;
use crate::value::Value;

/// The rows of an [`Insert`], each following `schema.columns` (defaults
/// applied, case-insensitive shadows filled).
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// One row, which may carry a caller-chosen id.
    One {
        /// Its values.
        values: &'a [Value],
        /// The id it gets, else the database's.
        id: Option<RecordId>,
    },
    /// Many rows with generated ids, in as few statements as the backend
    /// allows (core knows how many values one statement takes atomically:
    /// `Capabilities::atomic_insert_values`).
    Many(&'a [Vec<Value>]),
}

/// `INSERT INTO schema (columns…) VALUES rows…`; an adapter returns the
/// rows' ids in order.
#[derive(Debug, Clone, Copy)]
pub struct Insert<'a> {
    /// The model written.
    pub schema: &'static ModelSchema,
    /// What is inserted.
    pub rows: Rows<'a>,
}

/// `UPDATE schema SET every column WHERE id = id`: `save` of a stored
/// record. An adapter returns the rows matched (0 when it was deleted).
#[derive(Debug, Clone, Copy)]
pub struct UpdateRow<'a> {
    /// The model written.
    pub schema: &'static ModelSchema,
    /// The record's id.
    pub id: RecordId,
    /// Every column's value, in `schema.columns` order.
    pub values: &'a [Value],
}
