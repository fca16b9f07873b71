//! Statement time limits, enforced by the database so that a stopped
//! statement is rolled back rather than left running: PostgreSQL's
//! `statement_timeout`, MariaDB's `max_statement_time`, SQLite's busy
//! timeout. Each dialect says in [`Backend::bound`] how it applies one
//! statement's limit; this file runs the statement inside that.

use std::time::{Duration, Instant};

use cormo_core::{Error, Result};
use sqlx::{Database, IntoArguments};

use crate::enabled::backend::{self, Backend, Done, MapErr};
use crate::enabled::dialect::Dialect;
use crate::enabled::errors;
use crate::enabled::render::Sql;

/// One statement's time limit, and what the connection has by default.
// MariaDB needs only `limit`; the other dialects restore the default.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The limit for this statement.
    pub limit: Duration,
    /// The connection's own limit (set when it was opened), if any.
    pub default: Option<Duration>,
    /// The statement runs inside a transaction.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub in_tx: bool,
}

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
impl Limit {
    /// The limit in whole milliseconds, at least 1 (0 means "none" to
    /// PostgreSQL and SQLite).
    pub fn millis(d: Duration) -> u128 {
        d.as_millis().max(1)
    }

    /// True when the connection already enforces this very limit.
    pub fn is_default(&self) -> bool {
        self.default == Some(self.limit)
    }
}

/// What a dialect runs around a statement to give it its limit. The texts
/// hold only numbers cormo formats, never user input.
#[derive(Default)]
pub struct Around {
    /// Runs first, on the same connection.
    pub before: Option<Sql>,
    /// Runs after, whatever the outcome, to restore the connection.
    pub after: Option<Sql>,
}

/// The limit `op` resolves to on an adapter whose connections default to
/// `default`; `None` when neither sets one.
pub fn resolve(this: Option<Duration>, default: Option<Duration>, in_tx: bool) -> Option<Limit> {
    this.or(default).map(|limit| Limit {
        limit,
        default,
        in_tx,
    })
}

/// Maps a statement's error, as `Timeout` when the database stopped it at
/// its limit. SQLite says "busy" both when the busy timeout ran out and
/// when it refused to wait at all (a deferred transaction upgrading its
/// lock); only the first is a timeout, the second stays a `Conflict`.
pub fn timed_out(
    d: Dialect,
    limit: Duration,
    started: Instant,
    map: MapErr<'_>,
) -> impl Fn(sqlx::Error) -> Error + Send + Sync + '_ {
    move |e| {
        let waited = started.elapsed() >= limit.mul_f32(0.9);
        if errors::is_timeout(d, &e) && (d != Dialect::Sqlite || waited) {
            Error::Timeout { after: limit }
        } else {
            map(e)
        }
    }
}

/// [`backend::execute`] under `limit`.
pub async fn execute<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    mut sql: Sql,
    map: MapErr<'_>,
    limit: Option<Limit>,
) -> Result<Done>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let Some(limit) = limit else {
        return backend::execute::<B>(conn, sql, map).await;
    };
    let around = B::bound(&mut sql, &limit)?;
    let map = timed_out(B::DIALECT, limit.limit, Instant::now(), map);
    if let Some(before) = around.before {
        backend::execute::<B>(conn, before, &map).await?;
    }
    let r = backend::execute::<B>(conn, sql, &map).await;
    restore::<B, _>(conn, around.after, &map, r).await
}

/// [`backend::fetch`] under `limit`.
pub async fn fetch<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    mut sql: Sql,
    sink: backend::EachRow<'_>,
    map: MapErr<'_>,
    limit: Option<Limit>,
) -> Result<()>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let Some(limit) = limit else {
        return backend::fetch::<B>(conn, sql, sink, map).await;
    };
    let around = B::bound(&mut sql, &limit)?;
    let map = timed_out(B::DIALECT, limit.limit, Instant::now(), map);
    if let Some(before) = around.before {
        backend::execute::<B>(conn, before, &map).await?;
    }
    let r = backend::fetch::<B>(conn, sql, sink, &map).await;
    restore::<B, _>(conn, around.after, &map, r).await
}

/// Every row of `sql`, owned (raw statements, whose columns are read by
/// name afterwards), under `limit`.
pub async fn fetch_rows<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    mut sql: Sql,
    map: MapErr<'_>,
    limit: Option<Limit>,
) -> Result<Vec<<B::DB as Database>::Row>>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let Some(limit) = limit else {
        return backend::fetch_all::<B>(conn, sql, map).await;
    };
    let around = B::bound(&mut sql, &limit)?;
    let map = timed_out(B::DIALECT, limit.limit, Instant::now(), map);
    if let Some(before) = around.before {
        backend::execute::<B>(conn, before, &map).await?;
    }
    let r = backend::fetch_all::<B>(conn, sql, &map).await;
    restore::<B, _>(conn, around.after, &map, r).await
}

/// Starts a transaction (`statement`, else `BEGIN`) under `limit`: what
/// waits there is SQLite's `BEGIN IMMEDIATE`, for the write lock.
pub async fn begin<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    statement: Option<&'static str>,
    map: MapErr<'_>,
    limit: Option<Limit>,
) -> Result<()>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    use sqlx_core::transaction::TransactionManager;
    let start = |conn| {
        <<B::DB as Database>::TransactionManager as TransactionManager>::begin(
            conn,
            statement.map(sqlx::SqlSafeStr::into_sql_str),
        )
    };
    let Some(limit) = limit else {
        return start(conn).await.map_err(map);
    };
    // Only what runs around the statement applies; its text is the driver's.
    let mut unused = Sql::new(B::DIALECT);
    let around = B::bound(&mut unused, &limit)?;
    let map = timed_out(B::DIALECT, limit.limit, Instant::now(), map);
    if let Some(before) = around.before {
        backend::execute::<B>(conn, before, &map).await?;
    }
    let r = start(&mut *conn).await.map_err(&map);
    restore::<B, _>(conn, around.after, &map, r).await
}

/// Runs the restoring statement; its failure matters only when the
/// statement itself succeeded (an aborted PostgreSQL transaction refuses
/// it, and rolling back restores the setting anyway).
pub async fn restore<B: Backend, T>(
    conn: &mut <B::DB as Database>::Connection,
    after: Option<Sql>,
    map: MapErr<'_>,
    r: Result<T>,
) -> Result<T>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let Some(after) = after else { return r };
    let undone = backend::execute::<B>(conn, after, map).await;
    let v = r?;
    undone?;
    Ok(v)
}
