//! [`Upsert`] as one `findOneAndUpdate` with `upsert: true`.

use std::time::Duration;

use cormo_core::stmt::Upsert;
use cormo_core::{Error, RecordId, Result, TxSlot};
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::{FindOneAndUpdateOptions, ReturnDocument};
use mongodb::Collection;

use crate::convert::{record_id, to_bson};
use crate::{errors, session};

/// The filter on the key, and the update: `$set` / `$unset` for the
/// updated columns, `$setOnInsert` for the rest (what an update leaves
/// alone is written only by the insert).
fn parts(q: &Upsert<'_>) -> Result<(Document, Document)> {
    let columns = q.schema.columns;
    if q.key.is_empty()
        || q.values.len() != columns.len()
        || q.key.iter().chain(q.update).any(|&p| p >= columns.len())
    {
        return Err(Error::validation(
            "upsert",
            "needs a unique key and a value for every column",
        ));
    }
    let mut filter = Document::new();
    for &k in q.key {
        filter.insert(columns[k].name, doc! { "$eq": to_bson(&q.values[k])? });
    }
    let mut set = Document::new();
    let mut unset = Document::new();
    let mut on_insert = Document::new();
    for (p, (c, v)) in columns.iter().zip(q.values).enumerate() {
        if q.key.contains(&p) {
            continue;
        }
        let updated = q.update.contains(&p);
        match (v.is_null(), updated) {
            // NULL is a missing field, as on insert.
            (true, true) => {
                unset.insert(c.name, "");
            }
            (true, false) => {}
            (false, true) => {
                set.insert(c.name, to_bson(v)?);
            }
            (false, false) => {
                on_insert.insert(c.name, to_bson(v)?);
            }
        }
    }
    let mut update = Document::new();
    if !set.is_empty() {
        update.insert("$set", set);
    }
    if !unset.is_empty() {
        update.insert("$unset", unset);
    }
    if !on_insert.is_empty() {
        update.insert("$setOnInsert", on_insert);
    }
    if update.is_empty() {
        // An update must change something: setting the key to itself does
        // nothing to an existing document and writes it on insert.
        let k = q.key[0];
        update.insert("$set", doc! { columns[k].name: to_bson(&q.values[k])? });
    }
    Ok((filter, update))
}

/// Runs the upsert. Two upserts of one new key at once can both try the
/// insert; the unique index refuses the second, which MongoDB's docs say
/// to retry: the retry finds the first one's document and updates it.
pub async fn run(
    coll: Collection<Document>,
    tx: Option<&TxSlot>,
    q: &Upsert<'_>,
    limit: Option<Duration>,
) -> Result<RecordId> {
    let (filter, update) = parts(q)?;
    let mut opts = FindOneAndUpdateOptions::default();
    opts.upsert = Some(true);
    opts.return_document = Some(ReturnDocument::After);
    opts.projection = Some(doc! { "_id": 1 });
    opts.max_time = limit;
    let map = |e| errors::timed(errors::map(e, Some(q.schema)), limit);
    let mut attempt = 0;
    loop {
        let found = match tx {
            None => coll
                .find_one_and_update(filter.clone(), update.clone())
                .with_options(opts.clone())
                .await
                .map_err(map),
            Some(slot) => {
                let mut guard = slot.lock().await;
                let raw = guard.as_mut().ok_or(Error::TransactionFinished)?;
                let s = session(raw.as_mut())?;
                coll.find_one_and_update(filter.clone(), update.clone())
                    .with_options(opts.clone())
                    .session(&mut *s)
                    .await
                    .map_err(map)
            }
        };
        match found {
            // Inside a transaction the failed write has aborted it; only
            // a write of its own may be retried.
            Err(Error::Duplicated { .. }) if tx.is_none() && attempt == 0 => attempt += 1,
            Err(e) => return Err(e),
            Ok(doc) => {
                return match doc.as_ref().and_then(|d| d.get("_id")) {
                    Some(Bson::ObjectId(oid)) => Ok(record_id(*oid)),
                    _ => Err(Error::Driver {
                        message: format!("upsert into {} returned no id", q.schema.table),
                        source: None,
                    }),
                }
            }
        }
    }
}
