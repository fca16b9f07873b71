//! Insert-or-update on a unique key (CORMO's `upsert`).

use std::marker::PhantomData;

use crate::cond::Col;
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::fold;
use crate::integrity;
use crate::model::Model;
use crate::schema::{Fold, ModelSchema};
use crate::session::Session;
use crate::stats::Op;
use crate::stmt::Upsert;
use crate::value::FieldType;

/// How [`Model::upsert_with`] finds and updates an existing record.
///
/// ```ignore
/// let opts = UpsertOptions::new()
///     .on(Account::EMAIL)                // the unique key (needed only when the model has several)
///     .ignore_on_update(Account::JOINED); // written on insert, kept on update
/// let account = Account::upsert_with(&db, account, opts).await?;
/// ```
pub struct UpsertOptions<M> {
    key: Vec<&'static str>,
    ignore: Vec<&'static str>,
    _m: PhantomData<fn() -> M>,
}

impl<M> Default for UpsertOptions<M> {
    fn default() -> Self {
        UpsertOptions {
            key: Vec::new(),
            ignore: Vec::new(),
            _m: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for UpsertOptions<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpsertOptions")
            .field("key", &self.key)
            .field("ignore_on_update", &self.ignore)
            .finish()
    }
}

impl<M> UpsertOptions<M> {
    /// The model's only unique key, every column updated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a column to the unique key the existing record is found by;
    /// together the columns must be one unique index of the model.
    pub fn on<T: FieldType>(mut self, col: Col<M, T>) -> Self {
        self.key.push(col.name());
        self
    }

    /// A column the insert writes and an update leaves as it is (CORMO's
    /// `ignore_on_update`), such as a creation time.
    pub fn ignore_on_update<T: FieldType>(mut self, col: Col<M, T>) -> Self {
        self.ignore.push(col.name());
        self
    }
}

/// Inserts `data`, or updates the stored record with the same unique key.
pub(crate) async fn run<M: Model>(
    db: &impl Executor,
    mut data: M,
    opts: &UpsertOptions<M>,
) -> Result<M> {
    let schema = M::schema();
    if data.cormo_id().is_persisted() || data.cormo_id().get().is_some() {
        return Err(Error::validation(
            "id",
            format!(
                "is already set ({}); upsert finds the record by its unique key, so give it a record without an id (or use save for a record in hand)",
                data.cormo_id()
            ),
        ));
    }
    let s = db.session();
    let key = key(schema, opts, s)?;
    let mut values = data.to_values();
    // A column left to its default is "not given": the insert writes the
    // default, an update leaves the stored value.
    let defaulted: Vec<bool> = schema
        .columns
        .iter()
        .zip(&values)
        .map(|(c, v)| c.default.is_some() && v.is_null())
        .collect();
    schema.apply_defaults(&mut values);
    schema.check_values(&values)?;
    let values = fold::values(schema, &values).into_owned();
    let source = |pos: usize| -> usize {
        match schema.columns[pos].fold {
            Fold::ShadowOf { column } => schema
                .columns
                .iter()
                .position(|c| c.name == column)
                .unwrap_or(pos),
            _ => pos,
        }
    };
    for &k in &key {
        if values[k].is_null() {
            return Err(Error::validation(
                schema.columns[source(k)].name,
                "is null; upsert finds the record by its unique key, and NULL matches no record",
            ));
        }
    }
    let update: Vec<usize> = (0..schema.columns.len())
        .filter(|p| !key.contains(p))
        .filter(|&p| {
            let origin = source(p);
            !defaulted[origin] && !opts.ignore.contains(&schema.columns[origin].name)
        })
        .collect();
    let stmt = Upsert {
        schema,
        values: &values,
        key: &key,
        update: &update,
    };
    let id = s.upsert(&stmt).await?;
    data.cormo_id_mut().mark_persisted(id);
    Ok(data)
}

/// The unique key, as positions of database columns (a case-insensitive
/// column's key is its shadow).
fn key<M>(
    schema: &'static ModelSchema,
    opts: &UpsertOptions<M>,
    s: Session<'_>,
) -> Result<Vec<usize>> {
    let unique: Vec<Vec<&'static str>> = schema
        .all_indexes()
        .into_iter()
        .filter(|i| i.unique)
        .map(|i| i.columns)
        .collect();
    let caps = s.conn.capabilities();
    if unique.len() > 1 && !caps.upsert_picks_key {
        return Err(Error::Unsupported {
            backend: caps.backend,
            feature: "upsert on a table with several unique indexes (ON DUPLICATE KEY would update on a clash of any of them)",
        });
    }
    let chosen: Vec<&'static str> = if opts.key.is_empty() {
        match unique.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Error::validation(
                    "upsert",
                    format!("needs a unique column or index to tell which record to update, and {} has none", schema.name),
                ))
            }
            _ => {
                return Err(Error::validation(
                    "upsert",
                    format!("cannot choose between the {} unique indexes of {}: name the key with UpsertOptions::on", unique.len(), schema.name),
                ))
            }
        }
    } else {
        let wanted: Vec<&'static str> = opts.key.iter().map(|c| schema.indexed(c)).collect();
        let same = |cols: &&Vec<&'static str>| {
            cols.len() == wanted.len() && wanted.iter().all(|w| cols.contains(w))
        };
        match unique.iter().find(same) {
            Some(cols) => cols.clone(),
            None => {
                return Err(Error::validation(
                    "upsert",
                    format!(
                        "needs a unique index on its key, and {} has none on ({})",
                        schema.name,
                        opts.key.join(", ")
                    ),
                ))
            }
        }
    };
    chosen
        .iter()
        .map(|c| {
            schema
                .columns
                .iter()
                .position(|x| x.name == *c)
                .ok_or_else(|| Error::UnknownColumn {
                    model: schema.name,
                    column: (*c).to_owned(),
                })
        })
        .collect()
}

impl Session<'_> {
    /// Runs an upsert; where integrity is emulated, the parents its
    /// foreign keys name are checked in the same transaction.
    pub(crate) async fn upsert(&self, q: &Upsert<'_>) -> Result<crate::id::RecordId> {
        let schema = q.schema;
        let rules = self.conn.rules();
        let check =
            self.checks_parents() && integrity::child_rules(&rules, schema).next().is_some();
        if !check {
            let slot = self.slot().await?;
            let r = self
                .bounded(Op::Write, self.adapter().upsert(slot, q))
                .await;
            return self.noted(fold::unshadowed(schema, r));
        }
        let r = atomically!(self, |s| {
            integrity::check_parents(s, &rules, schema, q.values).await?;
            let slot = s.slot().await?;
            s.bounded(Op::Write, s.adapter().upsert(slot, q)).await
        });
        self.noted(fold::unshadowed(schema, r))
    }
}
