//! A read of whole or partial records: condition, order, paging, columns.

use crate::cond::{Cond, Order};
use crate::schema::ModelSchema;

/// `SELECT id, columns… FROM schema WHERE cond ORDER BY order LIMIT limit
/// OFFSET skip`: the read every record query, eager-loading level and
/// stream runs.
#[derive(Debug, Clone, Copy)]
pub struct Select<'a> {
    /// The model read.
    pub schema: &'static ModelSchema,
    /// Which rows.
    pub cond: &'a Cond,
    /// Their order.
    pub order: &'a [Order],
    /// At most this many rows.
    pub limit: Option<u64>,
    /// Skips this many rows first.
    pub skip: Option<u64>,
    /// The query's own time limit; `None` means the connection's
    /// statement timeout (if any) applies.
    pub timeout: Option<std::time::Duration>,
    /// The columns `select` reads, as positions in `schema.columns`;
    /// `None` reads every column. Either way column 0 of a row is the id,
    /// and column `k + 1` the `k`-th column read.
    pub columns: Option<&'a [usize]>,
}

impl<'a> Select<'a> {
    /// All rows of `schema` matching `cond`.
    pub fn filter(schema: &'static ModelSchema, cond: &'a Cond) -> Self {
        Select {
            schema,
            cond,
            order: &[],
            limit: None,
            skip: None,
            timeout: None,
            columns: None,
        }
    }

    /// The schema column row column `idx` holds (`None` for the id, or
    /// past the end).
    pub fn column_at(&self, idx: usize) -> Option<&'static crate::schema::ColumnDef> {
        let k = idx.checked_sub(1)?;
        let pos = match self.columns {
            Some(cols) => *cols.get(k)?,
            None => k,
        };
        self.schema.columns.get(pos)
    }
}
