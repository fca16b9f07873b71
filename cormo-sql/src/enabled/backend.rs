//! The few things each sqlx driver does its own way. The generic adapter
//! (`adapter.rs`) does everything else once.

use std::future::Future;

use cormo_core::{Capabilities, IsolationLevel, Result, RowSink, Value};
use sqlx::Database;

use crate::enabled::dialect::Dialect;
use crate::enabled::render::Sql;

/// Maps a driver error to a cormo error in the context of one operation.
pub type MapErr<'a> = &'a (dyn Fn(sqlx::Error) -> cormo_core::Error + Send + Sync);

/// What an INSERT / UPDATE / DELETE reports.
pub struct Done {
    pub rows: u64,
    pub last_id: Option<i64>,
}

pub trait Backend: Send + Sync + Sized + 'static {
    type DB: Database;
    const DIALECT: Dialect;

    fn capabilities() -> Capabilities;

    /// Runs a statement that returns no rows.
    fn execute<'a>(
        conn: &'a mut <Self::DB as Database>::Connection,
        sql: Sql,
        map: MapErr<'a>,
    ) -> impl Future<Output = Result<Done>> + Send + 'a;

    /// Runs a query and hands each row to `sink`, decoded in place.
    fn fetch<'a, 's: 'a>(
        conn: &'a mut <Self::DB as Database>::Connection,
        sql: Sql,
        sink: &'a mut RowSink<'s>,
        map: MapErr<'a>,
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    /// The statement that starts a transaction at `level`, run before
    /// `BEGIN` (MySQL) or as the begin statement itself (others).
    fn begin_statement(level: Option<IsolationLevel>) -> Option<BeginWith>;

    /// SQL for introspection: table names in the current database.
    fn tables_sql() -> Sql;
    /// Column names of `table`.
    fn columns_sql(table: &str) -> Sql;
    /// Index names of `table`.
    fn indexes_sql(table: &str) -> Sql;
    /// Foreign-key columns of `table` (empty where it cannot tell).
    fn foreign_keys_sql(table: &str) -> Option<Sql>;
}

/// How a transaction with an isolation level starts.
pub enum BeginWith {
    /// Use this statement instead of `BEGIN`.
    Replace(&'static str),
    /// Run this first, then `BEGIN`.
    Before(&'static str),
}

/// A param list as plain text, for introspection queries.
pub fn text_param(sql: &mut Sql, s: &str) {
    sql.param(Value::Text(s.to_owned()));
}
