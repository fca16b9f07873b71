//! Row streams: a task reads the statement's rows on its own connection
//! (or the caller's transaction, locked for as long) and hands them over a
//! small channel, so at most [`BUFFER`] rows wait in memory.

use std::sync::Arc;

use cormo_core::{Error, OwnedRow, Result, RowStream, TxSlot};
use futures_util::{stream, TryStreamExt};
use sqlx::{AssertSqlSafe, Database, IntoArguments};
use tokio::sync::mpsc;

use crate::enabled::adapter::SqlTx;
use crate::enabled::backend::Backend;
use crate::enabled::errors::{self, Op};
use crate::enabled::pool::Lease;
use crate::enabled::render::Sql;
use crate::enabled::row::Reader;

/// Rows read ahead of the caller.
pub const BUFFER: usize = 256;

/// Why a pump stopped before the last row.
enum Stop {
    /// The reader dropped the stream.
    Abandoned,
    /// The database failed; the error went to the reader.
    Failed(Error),
}

/// Sends every row of `sql` run on `conn` to `out`.
async fn pump<B: Backend>(
    conn: &mut <B::DB as Database>::Connection,
    sql: Sql,
    schema: &'static cormo_core::ModelSchema,
    out: &mpsc::Sender<Result<OwnedRow>>,
) -> std::result::Result<(), Stop>
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let map = |e| errors::map(B::DIALECT, Some(schema), Op::Read, e);
    let cached = sql.cached;
    let args = crate::enabled::row::bind::<B>(sql.params).map_err(Stop::Failed)?;
    let mut rows = sqlx::query_with(AssertSqlSafe(sql.text), args)
        .persistent(cached)
        .fetch(conn);
    loop {
        match rows.try_next().await {
            Ok(Some(row)) => {
                let row: OwnedRow = Box::new(Reader::<B, _>::new(row));
                if out.send(Ok(row)).await.is_err() {
                    return Err(Stop::Abandoned);
                }
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(Stop::Failed(map(e))),
        }
    }
}

/// Runs the pump on a lease and reports how it ended. An abandoned
/// statement leaves the lease busy, so a pooled connection with rows still
/// unread is closed rather than reused.
async fn run<B: Backend>(
    lease: &mut Lease<B::DB>,
    sql: Sql,
    schema: &'static cormo_core::ModelSchema,
    out: &mpsc::Sender<Result<OwnedRow>>,
) where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let conn = match lease.start() {
        Ok(c) => c,
        Err(e) => {
            let _ = out.send(Err(e)).await;
            return;
        }
    };
    match pump::<B>(conn, sql, schema, out).await {
        Ok(()) => lease.done(&Ok(())),
        Err(Stop::Abandoned) => {}
        Err(Stop::Failed(e)) => {
            let r: Result<()> = Err(e);
            lease.done(&r);
            if let Err(e) = r {
                let _ = out.send(Err(e)).await;
            }
        }
    }
}

/// The stream of `sql`'s rows: on `lease` (a pooled connection), or in
/// the transaction behind `tx`.
pub fn open<B: Backend>(
    lease: Option<Lease<B::DB>>,
    tx: Option<Arc<TxSlot>>,
    sql: Sql,
    schema: &'static cormo_core::ModelSchema,
) -> RowStream
where
    for<'c> &'c mut <B::DB as Database>::Connection: sqlx::Executor<'c, Database = B::DB>,
    <B::DB as Database>::Arguments: IntoArguments<B::DB>,
{
    let (out, rows) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        if let Some(mut lease) = lease {
            run::<B>(&mut lease, sql, schema, &out).await;
            return;
        }
        let Some(slot) = tx else { return };
        let mut guard = slot.lock_owned().await;
        let tx = guard
            .as_mut()
            .and_then(|raw| raw.downcast_mut::<SqlTx<B::DB>>());
        match tx {
            Some(tx) => run::<B>(&mut tx.lease, sql, schema, &out).await,
            None => {
                let _ = out.send(Err(Error::TransactionFinished)).await;
            }
        }
    });
    Box::pin(stream::unfold(rows, |mut rows| async move {
        rows.recv().await.map(|row| (row, rows))
    }))
}
