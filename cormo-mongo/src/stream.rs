//! Row streams over a `find` cursor, read as the caller takes them.

use std::sync::Arc;

use cormo_core::{Error, ModelSchema, OwnedRow, Result, RowReader, RowStream, TxSlot};
use futures_util::{stream, StreamExt};
use mongodb::bson::{Document, RawDocumentBuf};
use mongodb::options::FindOptions;
use mongodb::Collection;
use tokio::sync::mpsc;

use crate::convert::DocReader;
use crate::{errors, session};

/// Documents read ahead of the caller inside a transaction.
const BUFFER: usize = 256;

/// A document read through [`DocReader`].
struct Owned {
    doc: RawDocumentBuf,
    schema: &'static ModelSchema,
    columns: Option<Arc<[usize]>>,
}

macro_rules! delegate {
    ($($name:ident -> $t:ty),* $(,)?) => {
        $(fn $name(&mut self, idx: usize) -> Result<Option<$t>> {
            DocReader {
                doc: &self.doc,
                schema: self.schema,
                columns: self.columns.as_deref(),
                named: None,
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

/// The stream of a `find`. Outside a transaction the cursor is the stream
/// (the driver fetches batches as it is read, and kills the cursor when it
/// is dropped); inside one, a task holds the transaction's session.
pub async fn open(
    coll: Collection<Document>,
    tx: Option<Arc<TxSlot>>,
    filter: Document,
    opts: FindOptions,
    schema: &'static ModelSchema,
    columns: Option<Arc<[usize]>>,
) -> Result<RowStream> {
    let coll = coll.clone_with_type::<RawDocumentBuf>();
    let map = move |e| errors::map(e, Some(schema));
    let Some(slot) = tx else {
        let cursor = coll.find(filter).with_options(opts).await.map_err(map)?;
        return Ok(Box::pin(cursor.map(move |r| {
            r.map_err(map).map(|doc| {
                Box::new(Owned {
                    doc,
                    schema,
                    columns: columns.clone(),
                }) as OwnedRow
            })
        })));
    };
    let (out, rows) = mpsc::channel::<Result<OwnedRow>>(BUFFER);
    tokio::spawn(async move {
        let mut guard = slot.lock_owned().await;
        let Some(raw) = guard.as_mut() else {
            let _ = out.send(Err(Error::TransactionFinished)).await;
            return;
        };
        let s = match session(raw.as_mut()) {
            Ok(s) => s,
            Err(e) => {
                let _ = out.send(Err(e)).await;
                return;
            }
        };
        let mut cursor = match coll.find(filter).with_options(opts).session(&mut *s).await {
            Ok(c) => c,
            Err(e) => {
                let _ = out.send(Err(map(e))).await;
                return;
            }
        };
        loop {
            match cursor.advance(s).await {
                Ok(true) => {
                    let row = Owned {
                        doc: cursor.current().to_raw_document_buf(),
                        schema,
                        columns: columns.clone(),
                    };
                    if out.send(Ok(Box::new(row))).await.is_err() {
                        return;
                    }
                }
                Ok(false) => return,
                Err(e) => {
                    let _ = out.send(Err(map(e))).await;
                    return;
                }
            }
        }
    });
    Ok(Box::pin(stream::unfold(rows, |mut rows| async move {
        rows.recv().await.map(|row| (row, rows))
    })))
}
