//! What a read gives back: its rows, one at a time, as the database sends
//! them. Adapters return [`Rows`] from `select` and `aggregate`; core
//! decodes each row in place while it is current, so a row is never
//! copied or boxed on its way to a model's fields.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::{Error, Result};
use crate::value::RowReader;

/// What core hands each row of a read to (a model's or a partial's
/// decoder, an eager-loading level's collector).
pub type RowSink<'a> = dyn FnMut(&mut dyn RowReader) -> Result<()> + Send + 'a;

/// A read's result as a lending cursor: [`poll_advance`] moves to the next
/// row, [`current`] reads it until the next move. It owns what it reads
/// from (a pooled connection, or the caller's transaction, locked) until
/// it ends or is dropped; dropping it early releases the connection.
///
/// Adapters usually build one with [`Rows::from_stream`] rather than by
/// hand.
///
/// [`poll_advance`]: RowCursor::poll_advance
/// [`current`]: RowCursor::current
pub trait RowCursor: Send {
    /// Moves to the next row: `Ok(true)` when there is one, `Ok(false)`
    /// once the rows are done.
    fn poll_advance(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool>>;

    /// The row the last successful [`poll_advance`](Self::poll_advance)
    /// moved to; `None` before the first or after the last.
    fn current(&mut self) -> Option<&mut (dyn RowReader + Send)>;
}

/// The rows of one read: column 0 is the id, then the columns read (see
/// [`Select::column_at`](crate::stmt::Select::column_at)); for a grouped
/// read, the grouped columns and then one value per output.
pub struct Rows<'a>(Box<dyn RowCursor + 'a>);

impl<'a> Rows<'a> {
    /// Rows over a custom cursor.
    pub fn new(cursor: impl RowCursor + 'a) -> Self {
        Rows(Box::new(cursor))
    }

    /// Rows over a stream of owned row readers (one per database row, as
    /// the driver hands them over). The stream is polled only as rows are
    /// asked for, so memory stays bounded whatever the row count.
    pub fn from_stream<S, R>(rows: S) -> Self
    where
        S: Stream<Item = Result<R>> + Send + 'a,
        R: RowReader + Send + 'a,
    {
        Rows::new(StreamRows {
            rows: Box::pin(rows),
            current: None,
        })
    }

    /// No rows (a read that cannot match, such as `limit(0)`).
    pub fn empty() -> Self {
        Rows::new(Empty)
    }

    /// The next row, or `None` when there are no more. The reader is valid
    /// until the next call.
    pub async fn next(&mut self) -> Result<Option<&mut (dyn RowReader + Send)>> {
        let cursor = &mut self.0;
        if !poll_fn(|cx| cursor.poll_advance(cx)).await? {
            return Ok(None);
        }
        match cursor.current() {
            Some(row) => Ok(Some(row)),
            None => Err(Error::Driver {
                message: "the backend moved to a row it did not hand over".to_owned(),
                source: None,
            }),
        }
    }

    /// Calls `each` on every remaining row, in order.
    pub async fn for_each(
        mut self,
        mut each: impl FnMut(&mut dyn RowReader) -> Result<()>,
    ) -> Result<()> {
        while let Some(row) = self.next().await? {
            each(row as &mut dyn RowReader)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rows")
    }
}

/// A stream of owned row readers as a cursor: the stream is boxed and
/// pinned once per read (adapters' streams are often generators that
/// borrow their own connection), the current row is kept in place.
struct StreamRows<S, R> {
    rows: Pin<Box<S>>,
    current: Option<R>,
}

impl<S, R> RowCursor for StreamRows<S, R>
where
    S: Stream<Item = Result<R>> + Send,
    R: RowReader + Send,
{
    fn poll_advance(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool>> {
        // The caller is done with the current row: let it go before the
        // next is read, so the driver can reuse what it held.
        self.current = None;
        let next = match self.rows.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(next) => next,
        };
        Poll::Ready(match next {
            Some(Ok(row)) => {
                self.current = Some(row);
                Ok(true)
            }
            Some(Err(e)) => Err(e),
            None => Ok(false),
        })
    }

    fn current(&mut self) -> Option<&mut (dyn RowReader + Send)> {
        self.current
            .as_mut()
            .map(|r| r as &mut (dyn RowReader + Send))
    }
}

struct Empty;

impl RowCursor for Empty {
    fn poll_advance(&mut self, _: &mut Context<'_>) -> Poll<Result<bool>> {
        Poll::Ready(Ok(false))
    }

    fn current(&mut self) -> Option<&mut (dyn RowReader + Send)> {
        None
    }
}
