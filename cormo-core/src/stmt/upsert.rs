//! Insert-or-update on a unique key.

use crate::schema::ModelSchema;
use crate::value::Value;

/// `INSERT row ON CONFLICT (key) DO UPDATE SET update…`: inserts `values`,
/// or, when a row with the same `key` values exists, writes the `update`
/// columns of `values` into it. Returns the id of the row inserted or
/// updated.
///
/// Core guarantees: `values` follows `schema.columns` (defaults applied,
/// case-insensitive shadows filled), `key` is the columns of one unique
/// index of the model and none of them is NULL, and `update` holds no key
/// column.
#[derive(Debug, Clone, Copy)]
pub struct Upsert<'a> {
    /// The model written.
    pub schema: &'static ModelSchema,
    /// Every column's value, in `schema.columns` order.
    pub values: &'a [Value],
    /// The unique key, as positions in `schema.columns`.
    pub key: &'a [usize],
    /// The columns an existing row takes from `values`, as positions.
    pub update: &'a [usize],
}
