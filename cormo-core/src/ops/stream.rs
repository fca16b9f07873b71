//! Reading records as a stream (`Query::stream`), with bounded memory.

use futures_core::Stream;
use futures_util::StreamExt;

use crate::adapter::Select;
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::fold::Folded;
use crate::model::Model;
use crate::query::Query;
use crate::session::Session;
use crate::stats::Op;
use crate::validate;

impl<M: Model> Query<M> {
    /// The records as a stream, decoded one at a time as the database
    /// sends them, so memory stays flat whatever the number of rows:
    ///
    /// ```ignore
    /// use futures::TryStreamExt;
    /// let mut users = User::query().order_by(User::ID.asc()).stream(&db);
    /// while let Some(user) = users.try_next().await? {
    ///     // …
    /// }
    /// ```
    ///
    /// Nothing runs until the stream is first polled. It then holds a
    /// connection (or, inside a transaction, the transaction: other
    /// operations on it are refused) until it ends or is dropped; dropped
    /// early, it releases the connection at once. Includes are not loaded
    /// on streamed records (that would hold every record to batch their
    /// children): a query with includes yields one [`Error::Validation`].
    /// The query's own time limit does not apply (a stream lasts as long
    /// as its reader); a statement timeout set on the connection does,
    /// where the database applies it to reads.
    ///
    /// The stream takes the query, so it can be returned from where the
    /// query was built (clone the query to run it again).
    pub fn stream<'a>(self, db: &'a impl Executor) -> impl Stream<Item = Result<M>> + Send + 'a {
        let s = db.session();
        let tx = s.tx;
        records(s, self).inspect(move |r| {
            // A failed read aborts the caller's transaction, as any
            // failed statement does.
            if let (Err(_), Some(t)) = (r, tx) {
                t.note(r);
            }
        })
    }
}

/// The generator behind [`Query::stream`]: checks the query, opens the
/// adapter's cursor, decodes each row in place.
fn records<'a, M: Model>(
    s: Session<'a>,
    query: Query<M>,
) -> impl Stream<Item = Result<M>> + Send + 'a {
    async_stream::try_stream! {
        if !query.includes().is_empty() {
            Err(Error::validation(
                "include",
                "does not apply to stream(): load associations with fetch_associated on a batch",
            ))?;
        }
        let stmt = Select {
            timeout: None,
            ..query.select_stmt()
        };
        validate::cond(stmt.schema, stmt.cond)?;
        let folded = Folded::new(&stmt, s.object_ids());
        let folded = folded.apply(&stmt);
        if let Some(q) = crate::session::paged(&folded) {
            // The mark counts the stream as open in the transaction until
            // the generator ends or is dropped.
            let (slot, _mark) = match s.tx {
                None => (s.slot().await?, None),
                Some(t) => {
                    let (slot, mark) = t.enter_stream(s.adapter()).await?;
                    (Some(slot), Some(mark))
                }
            };
            s.conn.note_statement(Op::Read, s.feeds_write);
            let mut rows = s.adapter().select(slot, &q).await?;
            loop {
                // Decoded before the yield: the row is the cursor's, and
                // valid only until it moves.
                let record = match rows.next().await? {
                    Some(row) => M::from_row(row)?,
                    None => break,
                };
                yield record;
            }
        }
    }
}
