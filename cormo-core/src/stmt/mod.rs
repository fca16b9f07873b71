//! Statements as plain data: what a backend is asked to run, with every
//! identifier taken from the schema and every value a [`Value`](crate::Value)
//! to bind. Core builds and checks them; adapters serialize them (cormo-sql
//! to SQL text, cormo-mongo to aggregation pipelines) and never see user
//! input any other way.

mod aggregate;
mod expr;
mod insert;
mod raw;
mod select;
mod upsert;
mod write;

pub use aggregate::{AggExpr, AggFunc, Aggregate, GroupOrder, Having};
pub use expr::{Assignment, Expr};
pub use insert::{Insert, Rows, UpdateRow};
pub use raw::Raw;
pub use select::Select;
pub use upsert::Upsert;
pub use write::{Delete, Update};
