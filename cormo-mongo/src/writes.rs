//! Writes under a time limit. The driver's `insert_*` / `update_*` /
//! `delete_*` helpers take no `maxTimeMS`, but the server's write commands
//! do, so a write with a limit is sent as the command itself: the server
//! stops it at the limit, and a write cormo reported as timed out is never
//! applied later (a write blocked behind another transaction would be).

use std::time::Duration;

use cormo_core::{Error, ModelSchema, Result, TxSlot};
use mongodb::bson::{doc, Bson, Document};

use crate::errors;

/// One write command's body (without the collection and the limit).
pub(crate) enum Write {
    Insert(Vec<Document>),
    Update {
        filter: Document,
        update: Document,
        multi: bool,
    },
    Delete(Document),
}

/// What a write command reports: documents matched (update) or written.
pub(crate) struct Written {
    pub n: u64,
}

fn command(coll: &str, write: Write, limit: Duration) -> Document {
    let ms = i64::try_from(limit.as_millis().max(1)).unwrap_or(i64::MAX);
    let mut cmd = match write {
        Write::Insert(docs) => doc! { "insert": coll, "documents": docs },
        Write::Update {
            filter,
            update,
            multi,
        } => doc! {
            "update": coll,
            "updates": [{ "q": filter, "u": update, "multi": multi }],
        },
        Write::Delete(filter) => doc! {
            "delete": coll,
            "deletes": [{ "q": filter, "limit": 0 }],
        },
    };
    cmd.insert("maxTimeMS", ms);
    cmd
}

/// Runs `write` on `schema`'s collection, in the caller's transaction if
/// any, stopped by the server after `limit`.
pub(crate) async fn run(
    db: &mongodb::Database,
    tx: Option<&TxSlot>,
    schema: &'static ModelSchema,
    write: Write,
    limit: Duration,
) -> Result<Written> {
    let cmd = command(schema.table, write, limit);
    let map = |e| errors::timed(errors::map(e, Some(schema)), Some(limit));
    let reply = match tx {
        None => db.run_command(cmd).await.map_err(map)?,
        Some(slot) => {
            let mut guard = slot.lock().await;
            let raw = guard.as_mut().ok_or(Error::TransactionFinished)?;
            let s = crate::session(raw.as_mut())?;
            db.run_command(cmd).session(&mut *s).await.map_err(map)?
        }
    };
    if let Ok(errs) = reply.get_array("writeErrors") {
        if let Some(Bson::Document(first)) = errs.first() {
            let code = first.get_i32("code").unwrap_or_default();
            let message = first.get_str("errmsg").unwrap_or_default();
            return Err(errors::write_error(code, message, Some(schema), limit));
        }
    }
    let n = match reply.get("n") {
        Some(Bson::Int32(n)) => u64::try_from(*n).unwrap_or(0),
        Some(Bson::Int64(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    Ok(Written { n })
}
