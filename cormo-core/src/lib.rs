#![warn(missing_docs)]
//! Core of cormo: the schema model, values, conditions and queries, the
//! adapter trait with capability flags, the association cache and the
//! integrity rules. No SQL and no BSON live here; backends render these.
//!
//! Users depend on the `cormo` crate, which re-exports what they need.

#[macro_use]
mod atomic;
mod adapter;
mod assign_json;
pub mod assoc;
mod cache;
mod cond;
mod cond_deep;
mod cond_json;
mod connection;
mod error;
mod expr_check;
pub mod fold;
mod group;
mod group_json;
mod id;
mod id_index;
mod include;
mod increment;
pub mod integrity;
mod model;
mod ops;
mod partial;
mod query;
mod regex;
mod rows;
mod save;
mod schema;
mod serialize;
mod session;
mod stats;
pub mod stmt;
mod transaction;
mod validate;
mod value;

pub use adapter::{
    Adapter, Capabilities, IsolationLevel, RawOutcome, RowCursor, RowSink, Rows, Select, TxIntent,
    TxSlot,
};
pub use cond::{Assign, CmpOp, Col, Cond, Dir, LikeKind, Order};
pub use cond_deep::MAX_COND_DEPTH;
pub use connection::{ConnectOptions, Connection, Executor, MAX_STATEMENT_TIMEOUT};
pub use error::{BoxError, Error, Result, MAX_ECHO_CHARS};
pub use group::{
    avg, count, max, min, sum, Agg, AggItem, AggOf, Aggregated, Aggregates, ComparesWith, Count,
    GroupKey, Grouped, Ordered, Summable,
};
pub use id::{Id, RecordId, MAX_CHOSEN_ID};
pub use include::{Include, Level, Rel, SelectedLevel, MAX_IDS_PER_STATEMENT};
pub use model::{BoxFuture, IdArg, Model};
pub use ops::raw::{raw_command, raw_sql, RawQuery};
pub use ops::upsert::UpsertOptions;
pub use partial::{positions as partial_positions, Partial};
pub use query::{Query, Selected};
pub use regex::{MAX_PATTERN_BYTES, MAX_PATTERN_SIZE};
pub use schema::{
    AssocDef, AssocKind, ColumnDef, ColumnType, DefaultValue, Fold, IndexDef, IndexSpec, Integrity,
    ModelSchema, MAX_STRING_CHARS,
};
pub use serialize::{FieldSink, Loaded, LoadedFields};
pub use session::Session;
#[doc(hidden)]
pub mod __serialize {
    pub use crate::serialize::{write_many, write_one};
}
pub use stats::Stats;

/// The serde generated code serializes with (one version for everyone).
#[doc(hidden)]
pub use serde as __serde;
pub use transaction::Transaction;
pub use validate::{max_date, min_date, MAX_COND_TERMS};
pub use value::{FieldType, IntoField, NumericField, RowReader, Value};
