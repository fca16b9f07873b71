//! Core of cormo: the schema model, values, conditions and queries, the
//! adapter trait with capability flags, the association cache and the
//! integrity rules. No SQL and no BSON live here; backends render these.
//!
//! Users depend on the `cormo` crate, which re-exports what they need.

mod adapter;
pub mod assoc;
mod cache;
mod cond;
mod cond_json;
mod connection;
mod error;
mod id;
pub mod integrity;
mod model;
mod query;
mod schema;
mod transaction;
mod value;

pub use adapter::{Adapter, Capabilities, IsolationLevel, RowSink, Select, TxSlot};
pub use cond::{Assign, CmpOp, Col, Cond, Dir, LikeKind, Order};
pub use connection::{ConnectOptions, Connection, Executor, Session};
pub use error::{BoxError, Error, Result};
pub use id::{Id, RecordId};
pub use model::{IdArg, Model};
pub use query::Query;
pub use schema::{
    AssocDef, AssocKind, ColumnDef, ColumnType, DefaultValue, IndexDef, IndexSpec, Integrity,
    ModelSchema, MAX_STRING_CHARS,
};
pub use transaction::Transaction;
pub use value::{FieldType, IntoField, NumericField, RowReader, Value};
