//! A read's documents as a lending cursor ([`Rows`]): a generator over the
//! driver's cursor, which fetches batches as it is read and is killed on
//! the server when dropped. Inside a transaction the generator holds the
//! transaction's session (locked) until it ends or is dropped.

use std::sync::Arc;

use cormo_core::{ModelSchema, Result, RowReader};
use mongodb::bson::RawDocumentBuf;

use crate::convert::{DocReader, Named};

/// One document of a read, owned by the cursor while it is current, and
/// read through [`DocReader`].
pub struct Owned {
    pub doc: RawDocumentBuf,
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
                doc: &self.doc,
                schema: self.schema,
                columns: self.columns.as_deref(),
                named: self.named.as_deref(),
            }
            .$name(idx)
        })*
    };
}

impl RowReader for Owned {
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

/// The rows of a `find` or `aggregate` (`$action`, not yet awaited) run in
/// `$tx` if set, each document made a row by `$row`. Everything the
/// action and `$row` use must be owned: the rows outlive the call.
macro_rules! cursor_rows {
    ($tx:expr, $action:expr, $map:expr, |$doc:ident| $row:expr) => {
        cormo_core::Rows::from_stream(async_stream::try_stream! {
            match $tx {
                None => {
                    let mut cursor = $action.await.map_err($map)?;
                    while cursor.advance().await.map_err($map)? {
                        let $doc = cursor.current().to_raw_document_buf();
                        yield $row;
                    }
                }
                Some(slot) => {
                    let mut guard = slot.lock().await;
                    let raw = guard
                        .as_mut()
                        .ok_or(cormo_core::Error::TransactionFinished)?;
                    let s = $crate::session(raw.as_mut())?;
                    let mut cursor = $action.session(&mut *s).await.map_err($map)?;
                    while cursor.advance(s).await.map_err($map)? {
                        let $doc = cursor.current().to_raw_document_buf();
                        yield $row;
                    }
                }
            }
        })
    };
}
pub(crate) use cursor_rows;
