//! `save`: one record's row, or, on a record's first save, the record and
//! everything built on it (`build_<child>`) in one transaction.

use crate::error::{Error, Result};
use crate::id::Id;
use crate::model::Model;
use crate::session::{finish, Session};

/// Inserts the record if it is new, updates every column if it is stored.
pub(crate) async fn row<M: Model>(record: &mut M, s: Session<'_>) -> Result<()> {
    let mut values = record.to_values();
    let id = record.cormo_id();
    if !id.is_persisted() {
        M::schema().apply_defaults(&mut values);
    }
    M::schema().check_values(&values)?;
    if id.is_persisted() {
        let Some(rid) = id.get() else {
            return Err(Error::NotFound {
                model: M::schema().name,
            });
        };
        let n = s.update_by_id(M::schema(), rid, &values).await?;
        if n == 0 {
            return Err(Error::NotFound {
                model: M::schema().name,
            });
        }
    } else {
        let rid = s.insert(M::schema(), id.get(), &values).await?;
        record.cormo_id_mut().mark_persisted(rid);
    }
    Ok(())
}

/// A new record with children built on it: the record, then each built
/// child (with the new id as its foreign key, and its own built children),
/// all or nothing. On failure every record of the tree is as it was before
/// (new, with the id it had), except that built children keep the
/// foreign key they were given, which the next `save` sets again.
///
/// All or nothing needs a transaction: cormo's own, or the caller's, which
/// a failure after the first row was written aborts (so it cannot commit
/// half a tree, even when the error was one that leaves a transaction
/// usable, such as a child's `Validation`). Without one (a backend with no
/// transactions) the rows written before the failure stay, and so does
/// their records' saved state: restoring it would make the next `save`
/// insert them twice.
pub(crate) async fn tree<M: Model>(record: &mut M, s: Session<'_>) -> Result<()> {
    let mut before = Vec::new();
    record.cormo_visit_ids(&mut |id: &mut Id| before.push(id.state()));
    let own = s.own_tx().await?;
    let atomic = own.is_some() || s.tx.is_some();
    let inner = own.as_ref().map_or(s, |t| {
        crate::connection::Executor::session(t).with_timeout(s.timeout)
    });
    let mut wrote = false;
    let out = async {
        row(record, inner).await?;
        wrote = true;
        record.cormo_save_built(inner).await
    }
    .await;
    if let (Err(e), None, Some(caller), true) = (&out, &own, s.tx, wrote) {
        caller.abort(e);
    }
    let out = finish(own, out).await;
    if out.is_err() && atomic {
        let mut saved = before.into_iter();
        record.cormo_visit_ids(&mut |id: &mut Id| {
            if let Some(state) = saved.next() {
                id.restore(state);
            }
        });
    }
    out
}

/// Inserts rows one at a time, each with its chosen id or a generated one,
/// all or nothing (a `create_many` batch with caller-chosen ids).
pub(crate) async fn insert_each(
    s: Session<'_>,
    schema: &'static crate::schema::ModelSchema,
    ids: &[Option<crate::id::RecordId>],
    rows: &[Vec<crate::value::Value>],
) -> Result<Vec<crate::id::RecordId>> {
    let session = &s;
    atomically!(session, |t| {
        // Chosen ids first: the database then generates ids past them, so
        // a generated id never takes one chosen later in the batch.
        let mut out: Vec<Option<crate::id::RecordId>> = vec![None; rows.len()];
        for chosen in [true, false] {
            for (i, (id, values)) in ids.iter().zip(rows).enumerate() {
                if id.is_some() == chosen {
                    out[i] = Some(t.insert(schema, *id, values).await?);
                }
            }
        }
        Ok(out.into_iter().flatten().collect())
    })
}
