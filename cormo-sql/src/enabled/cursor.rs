//! A read's rows as a lending cursor ([`Rows`]): a generator that owns the
//! statement's connection (a pooled lease, or the caller's transaction,
//! locked) and hands each row over as the driver decodes it. Nothing runs
//! on a task of its own and no row waits in a channel: the database is
//! read only as fast as the caller takes rows, so memory stays bounded.
//!
//! A cursor dropped before its last row leaves its lease busy, so a
//! pooled connection with rows still unread is closed rather than reused
//! (inside a transaction the driver drains them before the next
//! statement).

use std::time::Instant;

use cormo_core::{ModelSchema, Result, Rows};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Database, IntoArguments};

use crate::enabled::adapter::Conn;
use crate::enabled::backend::{self, Backend};
use crate::enabled::errors::{self, Op};
use crate::enabled::render::Sql;
use crate::enabled::row::{bind, Reader};
use crate::enabled::timeout::{self, Around, Limit};

/// The rows of `sql` run on `c` under `limit`. Fails before any row when
/// the statement cannot be sent (too large, or a value the driver cannot
/// bind); the database's errors come as the cursor's items.
pub fn rows<'a, B: Backend>(
    mut c: Conn<'a, B::DB>,
    mut sql: Sql,
    schema: Option<&'static ModelSchema>,
    op: Op,
    limit: Option<Limit>,
) -> Result<Rows<'a>>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    sql.check_size()?;
    let around = match &limit {
        Some(l) => B::bound(&mut sql, l)?,
        None => Around::default(),
    };
    let cached = sql.cached;
    let text = sql.text;
    let args = bind::<B>(sql.params)?;
    Ok(Rows::from_stream(async_stream::stream! {
        let started = Instant::now();
        let base = move |e| errors::map(B::DIALECT, schema, op, e);
        let timed = limit.map(|l| timeout::timed_out(B::DIALECT, l.limit, started, &base));
        let map = |e: sqlx::Error| match &timed {
            Some(t) => t(e),
            None => base(e),
        };
        let conn = match c.get() {
            Ok(conn) => conn,
            Err(e) => {
                yield Err(e);
                return;
            }
        };
        let mut outcome = Ok(());
        if let Some(before) = around.before {
            outcome = backend::execute::<B>(conn, before, &map).await.map(drop);
        }
        if outcome.is_ok() {
            let mut fetched = sqlx::query_with(AssertSqlSafe(text), args)
                .persistent(cached)
                .fetch(&mut *conn);
            loop {
                match fetched.try_next().await {
                    Ok(Some(row)) => yield Ok(Reader::<B, _>::new(row)),
                    Ok(None) => break,
                    Err(e) => {
                        outcome = Err(map(e));
                        break;
                    }
                }
            }
        }
        let outcome = timeout::restore::<B, _>(conn, around.after, &map, outcome).await;
        c.done(&outcome);
        if let Err(e) = outcome {
            yield Err(e);
        }
    }))
}
