//! Statements the query language cannot say, passed through as written.

use crate::value::Value;

/// A statement in the backend's own language. Not portable: each database
/// reads it its own way, and core checks nothing in it but the values,
/// which are always bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// SQL text with placeholders (`$1, $2` on PostgreSQL, `?` on SQLite
    /// and MySQL) and the values they take, in order.
    Sql {
        /// The statement.
        text: String,
        /// The bound values.
        params: Vec<Value>,
    },
    /// A MongoDB database command (`{"count": "users", "query": {...}}`),
    /// as extended JSON.
    Command(serde_json::Value),
}
