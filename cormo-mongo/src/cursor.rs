//! A read's documents as a lending cursor ([`Rows`]) over the driver's
//! cursor, which fetches batches as it is read and is killed on the server
//! when dropped. Each row is read in place, in the driver's batch buffer:
//! no document is copied. Inside a transaction the cursor holds the
//! transaction's session (locked) until it ends or is dropped.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use cormo_core::{Error, ModelSchema, Result, RowCursor, RowReader};
use mongodb::bson::{Document, RawDocument};
use mongodb::{Cursor, SessionCursor};
use tokio::sync::MutexGuard;

use crate::convert::{DocReader, Named};

/// What a read's documents come from: the driver's cursor, and inside a
/// transaction the locked session it advances with.
pub trait DocSource: Send {
    /// The document the last successful advance moved to.
    fn current(&self) -> &RawDocument;

    /// Moves to the next document (`Ok(Ok(false))` past the last; the
    /// outer error is a transaction that has finished meanwhile).
    fn advance(&mut self) -> impl Future<Output = Result<mongodb::error::Result<bool>>> + Send;
}

impl DocSource for Cursor<Document> {
    fn current(&self) -> &RawDocument {
        Cursor::current(self)
    }

    async fn advance(&mut self) -> Result<mongodb::error::Result<bool>> {
        Ok(Cursor::advance(self).await)
    }
}

/// A cursor inside a transaction, with the transaction's lock.
pub struct InTx<'a> {
    pub cursor: SessionCursor<Document>,
    pub guard: MutexGuard<'a, Option<Box<dyn Any + Send>>>,
}

impl DocSource for InTx<'_> {
    fn current(&self) -> &RawDocument {
        self.cursor.current()
    }

    async fn advance(&mut self) -> Result<mongodb::error::Result<bool>> {
        let raw = self.guard.as_mut().ok_or(Error::TransactionFinished)?;
        let s = crate::session(raw.as_mut())?;
        Ok(self.cursor.advance(s).await)
    }
}

/// The source and how its documents read as rows (see [`DocReader`]).
pub struct Current<S> {
    pub src: S,
    pub schema: &'static ModelSchema,
    /// The columns read (see [`DocReader::columns`]).
    pub columns: Option<Arc<[usize]>>,
    /// A computed row's fields (see [`DocReader::named`]).
    pub named: Option<Arc<[Named]>>,
}

macro_rules! delegate {
    ($($name:ident -> $t:ty),* $(,)?) => {
        $(fn $name(&mut self, idx: usize) -> Result<Option<$t>> {
            DocReader {
                doc: self.src.current(),
                schema: self.schema,
                columns: self.columns.as_deref(),
                named: self.named.as_deref(),
            }
            .$name(idx)
        })*
    };
}

impl<S: DocSource> RowReader for Current<S> {
    delegate!(
        get_bool -> bool,
        get_i64 -> i64,
        get_f64 -> f64,
        get_string -> String,
        get_bytes -> Vec<u8>,
        get_datetime -> chrono::DateTime<chrono::Utc>,
        get_json -> serde_json::Value,
        get_id -> cormo_core::RecordId,
    );
}

/// One advance: the source moves into the future and comes back with it.
type Step<S> = (Current<S>, Result<mongodb::error::Result<bool>>);

async fn step<S: DocSource>(mut cur: Current<S>) -> Step<S> {
    let r = cur.src.advance().await;
    (cur, r)
}

/// [`Current`] as a [`RowCursor`]. Advancing moves the source into a
/// future kept in one allocation for the whole read (replaced in place
/// each row), so reading a row allocates nothing.
pub struct DocRows<S, F, M> {
    idle: Option<Current<S>>,
    stepping: Pin<Box<Option<F>>>,
    make: fn(Current<S>) -> F,
    map: M,
    positioned: bool,
}

/// The rows of `cur`'s source; `map` turns a driver error into cormo's.
pub fn rows<'a, S, M>(cur: Current<S>, map: M) -> cormo_core::Rows<'a>
where
    S: DocSource + 'a,
    M: Fn(mongodb::error::Error) -> Error + Send + 'a,
{
    cormo_core::Rows::new(DocRows {
        idle: Some(cur),
        stepping: Box::pin(None),
        make: step::<S>,
        map,
        positioned: false,
    })
}

impl<S, F, M> RowCursor for DocRows<S, F, M>
where
    S: DocSource,
    F: Future<Output = Step<S>> + Send,
    M: Fn(mongodb::error::Error) -> Error + Send,
{
    fn poll_advance(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool>> {
        self.positioned = false;
        if self.stepping.is_none() {
            // Ended, or failed: nothing more to read.
            let Some(cur) = self.idle.take() else {
                return Poll::Ready(Ok(false));
            };
            let next = (self.make)(cur);
            self.stepping.set(Some(next));
        }
        let Some(fut) = self.stepping.as_mut().as_pin_mut() else {
            return Poll::Ready(Ok(false));
        };
        let (cur, r) = match fut.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(done) => done,
        };
        self.stepping.set(None);
        Poll::Ready(match r {
            Ok(Ok(true)) => {
                self.idle = Some(cur);
                self.positioned = true;
                Ok(true)
            }
            Ok(Ok(false)) => Ok(false),
            Ok(Err(e)) => Err((self.map)(e)),
            Err(e) => Err(e),
        })
    }

    fn current(&mut self) -> Option<&mut (dyn RowReader + Send)> {
        if !self.positioned {
            return None;
        }
        self.idle.as_mut().map(|c| c as &mut (dyn RowReader + Send))
    }
}

/// The rows of a `find` or `aggregate` (`$action`, not yet awaited) run in
/// `$tx` if set, read through `Current { schema, columns, named }`.
macro_rules! open_rows {
    ($tx:expr, $action:expr, $map:expr, $schema:expr, $columns:expr, $named:expr) => {
        match $tx {
            None => {
                let cursor = $action.await.map_err(&$map)?;
                let cur = $crate::cursor::Current {
                    src: cursor,
                    schema: $schema,
                    columns: $columns,
                    named: $named,
                };
                $crate::cursor::rows(cur, $map)
            }
            Some(slot) => {
                let mut guard = slot.lock().await;
                let raw = guard
                    .as_mut()
                    .ok_or(cormo_core::Error::TransactionFinished)?;
                let s = $crate::session(raw.as_mut())?;
                let cursor = $action.session(&mut *s).await.map_err(&$map)?;
                let cur = $crate::cursor::Current {
                    src: $crate::cursor::InTx { cursor, guard },
                    schema: $schema,
                    columns: $columns,
                    named: $named,
                };
                $crate::cursor::rows(cur, $map)
            }
        }
    };
}
pub(crate) use open_rows;
