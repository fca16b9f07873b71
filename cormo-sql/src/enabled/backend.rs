//! The few things each sqlx driver does its own way. The generic adapter
//! (`adapter.rs`) does everything else once.

use chrono::{DateTime, Utc};
use cormo_core::{Capabilities, IsolationLevel, Result, TxIntent, Value};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Database, IntoArguments};

use crate::enabled::dialect::Dialect;
use crate::enabled::render::Sql;
use crate::enabled::row::{self, Own, Reader, Shared};
use crate::enabled::timeout::{Around, Limit};

/// What reads one row of an internal statement (see [`fetch`]).
pub type EachRow<'a> = &'a mut (dyn FnMut(&mut dyn cormo_core::RowReader) -> Result<()> + Send);

/// Maps a driver error to a cormo error in the context of one operation.
pub type MapErr<'a> = &'a (dyn Fn(sqlx::Error) -> cormo_core::Error + Send + Sync);

/// What an INSERT / UPDATE / DELETE reports.
pub struct Done {
    pub rows: u64,
    pub last_id: Option<i64>,
}

pub trait Backend: Send + Sync + Sized + 'static {
    /// The sqlx driver; its statement cache lets a large statement opt out
    /// of it (`Sql::cached`).
    type DB: Database + Shared + sqlx::database::HasStatementCache;
    const DIALECT: Dialect;

    fn capabilities() -> Capabilities;

    /// Binds a value the dialect stores its own way: NULL (its type),
    /// a date, JSON. [`row::bind`] binds the rest.
    fn bind_own(args: &mut <Self::DB as Database>::Arguments, v: Own) -> Result<()>;

    /// Binds a list, for `IN` with many values: an array, or JSON text.
    fn bind_list(args: &mut <Self::DB as Database>::Arguments, values: Vec<Value>) -> Result<()>;

    /// Column `idx` as an integer. PostgreSQL overrides it: its integer
    /// types do not widen on decode.
    fn read_i64(row: &<Self::DB as Database>::Row, idx: usize) -> Result<Option<i64>> {
        Self::DB::i64_at(row, idx)
    }

    /// Column `idx` as text. PostgreSQL overrides it: the driver's own
    /// type check builds and compares six type descriptions per value.
    fn read_string(row: &<Self::DB as Database>::Row, idx: usize) -> Result<Option<String>> {
        Self::DB::string_at(row, idx)
    }

    /// Column `idx` as a date, stored the dialect's way.
    fn read_datetime(
        row: &<Self::DB as Database>::Row,
        idx: usize,
    ) -> Result<Option<DateTime<Utc>>>;

    /// Column `idx` as JSON, stored the dialect's way.
    fn read_json(
        row: &<Self::DB as Database>::Row,
        idx: usize,
    ) -> Result<Option<serde_json::Value>>;

    /// A row of a raw statement as JSON, by column name, each value read
    /// by the type the driver reports.
    fn lean(
        row: &<Self::DB as Database>::Row,
    ) -> Result<serde_json::Map<String, serde_json::Value>>;

    /// Rows affected and the generated id, from a statement's result.
    fn done(result: <Self::DB as Database>::QueryResult) -> Done;

    /// The statement that starts a transaction at `level`, run before
    /// `BEGIN` (MySQL) or as the begin statement itself (others).
    fn begin_statement(level: Option<IsolationLevel>, intent: TxIntent) -> Option<BeginWith>;

    /// How this dialect gives one statement its time limit: a prefix on
    /// its text, or statements to run before and after it.
    fn bound(sql: &mut Sql, limit: &Limit) -> Result<Around>;

    /// SQL for introspection: table names in the current database.
    fn tables_sql() -> Sql;
    /// Column names of `table`.
    fn columns_sql(table: &str) -> Sql;
    /// Index names of `table`.
    fn indexes_sql(table: &str) -> Sql;
    /// Foreign-key columns of `table` (empty where it cannot tell).
    fn foreign_keys_sql(table: &str) -> Option<Sql>;
}

/// Every isolation level, for backends that honour all four.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub const ALL_ISOLATION_LEVELS: &[IsolationLevel] = &[
    IsolationLevel::ReadUncommitted,
    IsolationLevel::ReadCommitted,
    IsolationLevel::RepeatableRead,
    IsolationLevel::Serializable,
];

/// How a transaction with an isolation level starts.
// PostgreSQL and SQLite replace `BEGIN`, MySQL runs a statement first.
#[cfg_attr(
    not(all(feature = "mysql", any(feature = "postgres", feature = "sqlite"))),
    allow(dead_code)
)]
pub enum BeginWith {
    /// Use this statement instead of `BEGIN`.
    Replace(&'static str),
    /// Run this first, then `BEGIN`.
    Before(&'static str),
}

/// A list parameter as a JSON array (SQLite's `json_each`, MySQL's
/// `JSON_TABLE`); `date` writes a date the way the dialect stores it.
#[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
pub fn json_list(
    values: Vec<Value>,
    date: impl Fn(chrono::DateTime<chrono::Utc>) -> serde_json::Value,
) -> Result<String> {
    let items = values
        .into_iter()
        .map(|v| {
            Ok(match v {
                Value::Int(i) => serde_json::Value::from(i),
                Value::Id(id) => serde_json::Value::from(crate::enabled::adapter::int_id(id)?),
                Value::Float(f) => serde_json::Value::from(f),
                Value::Text(t) => serde_json::Value::String(t),
                Value::Bool(b) => serde_json::Value::from(i64::from(b)),
                Value::DateTime(t) => date(t),
                other => {
                    return Err(cormo_core::Error::validation(
                        "condition",
                        format!("a list of {other:?} values longer than 64 cannot be matched"),
                    ))
                }
            })
        })
        .collect::<Result<Vec<serde_json::Value>>>()?;
    Ok(serde_json::Value::Array(items).to_string())
}

/// A param list as plain text, for introspection queries.
pub fn text_param(sql: &mut Sql, s: &str) {
    sql.param(Value::Text(s.to_owned()));
}

/// Runs a statement that returns no rows.
pub async fn execute<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    sql: Sql,
    map: MapErr<'_>,
) -> Result<Done>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    sql.check_size()?;
    let cached = sql.cached;
    let args = row::bind::<B>(sql.params)?;
    let r = sqlx::query_with(AssertSqlSafe(sql.text), args)
        .persistent(cached)
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(B::done(r))
}

/// Every row of `sql`, owned.
pub async fn fetch_all<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    sql: Sql,
    map: MapErr<'_>,
) -> Result<Vec<<B::DB as Database>::Row>>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    sql.check_size()?;
    let cached = sql.cached;
    let args = row::bind::<B>(sql.params)?;
    sqlx::query_with(AssertSqlSafe(sql.text), args)
        .persistent(cached)
        .fetch_all(conn)
        .await
        .map_err(map)
}

/// Runs a statement whose few rows an operation reads as they come (a
/// write's `RETURNING`, a check), each through `sink`.
pub async fn fetch<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    sql: Sql,
    sink: EachRow<'_>,
    map: MapErr<'_>,
) -> Result<()>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    sql.check_size()?;
    let cached = sql.cached;
    let args = row::bind::<B>(sql.params)?;
    let mut rows = sqlx::query_with(AssertSqlSafe(sql.text), args)
        .persistent(cached)
        .fetch(conn);
    while let Some(row) = rows.try_next().await.map_err(map)? {
        sink(&mut Reader::<B, _>::new(&row))?;
    }
    Ok(())
}

/// A raw row's column of a type cormo cannot read as JSON.
pub fn unreadable(column: &str, ty: &str) -> cormo_core::Error {
    cormo_core::Error::validation(
        column,
        format!("has the database type {ty}, which raw rows do not read; cast it in the SQL (to text, say)"),
    )
}

/// A date as raw rows give it (SQLite stores dates as integers).
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
pub fn lean_date(t: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    serde_json::Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}
