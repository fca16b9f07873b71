//! Writes to the rows a condition selects.

use crate::cond::Cond;
use crate::schema::ModelSchema;
use crate::stmt::Assignment;

/// `UPDATE schema SET assignments WHERE filter`. Core has resolved any
/// order and paging to ids, checked increments and foreign keys, moved
/// case-insensitive columns to their shadows, and lowered each
/// [`Assign`](crate::Assign) to an [`Assignment`].
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    /// The model written.
    pub schema: &'static ModelSchema,
    /// Which rows.
    pub filter: &'a Cond,
    /// What is written: a value, or `column + by` for an increment.
    pub assignments: &'a [Assignment],
    /// The statement's own time limit.
    pub timeout: Option<std::time::Duration>,
}

/// `DELETE FROM schema WHERE filter`: exactly those rows. Integrity is
/// core's business unless the database enforces it natively; order and
/// paging were resolved to ids.
#[derive(Debug, Clone, Copy)]
pub struct Delete<'a> {
    /// The model deleted from.
    pub schema: &'static ModelSchema,
    /// Which rows.
    pub filter: &'a Cond,
    /// The statement's own time limit.
    pub timeout: Option<std::time::Duration>,
}
