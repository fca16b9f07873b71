//! Reading records as a stream (`Query::stream`), with bounded memory.

use futures_core::Stream;
use futures_util::{stream, StreamExt, TryStreamExt};

use crate::adapter::{RowStream, Select};
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::fold::Folded;
use crate::model::Model;
use crate::query::Query;
use crate::session::Session;
use crate::stats::Op;
use crate::validate;

impl Session<'_> {
    /// Opens a row stream for `q`, inside the caller's transaction if any.
    pub(crate) async fn stream(&self, q: &Select<'_>) -> Result<RowStream> {
        validate::cond(q.schema, q.cond)?;
        let folded = Folded::new(q, self.object_ids());
        let q = folded.apply(q);
        let Some(q) = crate::session::paged(&q) else {
            return Ok(Box::pin(stream::empty()));
        };
        let (slot, mark) = match self.tx {
            None => (None, None),
            Some(t) => {
                let (slot, mark) = t.enter_stream(self.adapter()).await?;
                (Some(slot), Some(mark))
            }
        };
        let r = self
            .bounded(Op::Read, self.adapter().stream(slot, &q))
            .await;
        let rows = self.noted(r)?;
        let Some(mark) = mark else {
            return Ok(rows);
        };
        // The mark lives as long as the stream yields: `unfold` drops it
        // with the rows when they end, or when the stream is dropped.
        Ok(Box::pin(stream::unfold(
            (rows, mark),
            |(mut rows, mark)| async move { rows.next().await.map(|row| (row, (rows, mark))) },
        )))
    }
}

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
    /// The stream holds a connection (or, inside a transaction, the
    /// transaction: other operations on it wait) until it ends or is
    /// dropped. Includes are not loaded on streamed records (that would
    /// hold every record to batch their children): a query with includes
    /// yields one [`Error::Validation`]. Time limits do not apply.
    ///
    /// The stream takes the query, so it can be returned from where the
    /// query was built (clone the query to run it again).
    pub fn stream<'a>(self, db: &'a impl Executor) -> impl Stream<Item = Result<M>> + Send + 'a {
        let s = db.session();
        let open = async move {
            let query = self;
            if !query.includes().is_empty() {
                return Err(Error::validation(
                    "include",
                    "does not apply to stream(): load associations with fetch_associated on a batch",
                ));
            }
            let rows = s.stream(&query.select_stmt()).await?;
            Ok(rows.and_then(|mut row| async move { M::from_row(&mut *row) }))
        };
        let tx = s.tx;
        stream::once(open).try_flatten().inspect(move |r| {
            // A failed read aborts the caller's transaction, as any
            // failed statement does.
            if let (Err(_), Some(t)) = (r, tx) {
                t.note(r);
            }
        })
    }
}
