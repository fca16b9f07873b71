//! The `Model` trait: what `#[derive(Model)]` implements, and the record
//! operations every model gets.

use std::future::Future;

use crate::adapter::Select;
use crate::cond::Cond;
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::id::{Id, RecordId};
use crate::query::Query;
use crate::schema::ModelSchema;
use crate::session::Session;
use crate::value::{RowReader, Value};

/// A boxed future, for the hidden methods generated code implements.
#[doc(hidden)]
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A database model. Derive it with `#[derive(Model)]`; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a cormo model",
    label = "add #[derive(Model)] to `{Self}`"
)]
pub trait Model: Sized + Send + Sync + 'static {
    /// The model's static schema.
    fn schema() -> &'static ModelSchema;

    #[doc(hidden)]
    fn cormo_id(&self) -> &Id;
    #[doc(hidden)]
    fn cormo_id_mut(&mut self) -> &mut Id;
    /// Column values in `schema().columns` order.
    #[doc(hidden)]
    fn to_values(&self) -> Vec<Value>;
    /// The value of column `i` of `schema().columns` (what `to_values()[i]`
    /// is), without building the others; `Value::Null` past the end.
    #[doc(hidden)]
    fn cormo_value(&self, column: usize) -> Value;
    /// Decodes a row: column 0 is the id, column `i + 1` is `schema().columns[i]`.
    #[doc(hidden)]
    fn from_row(row: &mut dyn RowReader) -> Result<Self>;

    /// A query over all records of this model.
    fn query() -> Query<Self> {
        Query::new()
    }

    /// The record with this id, or [`Error::NotFound`].
    fn find(db: &impl Executor, id: impl IdArg) -> impl Future<Output = Result<Self>> + Send {
        let id = id.into_record_id();
        async move {
            let Some(id) = id? else {
                return Err(Error::NotFound {
                    model: Self::schema().name,
                });
            };
            Query::<Self>::new()
                .filter(Cond::eq("id", Value::Id(id)))
                .first(db)
                .await?
                .ok_or(Error::NotFound {
                    model: Self::schema().name,
                })
        }
    }

    /// The records with these ids (duplicates ignored), in no particular
    /// order; [`Error::NotFound`] unless every id exists.
    fn find_many<I: IdArg>(
        db: &impl Executor,
        ids: impl IntoIterator<Item = I>,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        let ids: Result<Vec<RecordId>> = ids
            .into_iter()
            .map(|id| {
                id.into_record_id()?.ok_or(Error::NotFound {
                    model: Self::schema().name,
                })
            })
            .collect();
        async move {
            let mut ids = ids?;
            ids.sort();
            ids.dedup();
            let values = ids.iter().map(|id| Value::Id(*id)).collect();
            let rows = Query::<Self>::new()
                .filter(Cond::is_in("id", values))
                .all(db)
                .await?;
            if rows.len() != ids.len() {
                return Err(Error::NotFound {
                    model: Self::schema().name,
                });
            }
            Ok(rows)
        }
    }

    /// The records with these ids in the order given, a repeated id
    /// repeated (CORMO's `findPreserve`); [`Error::NotFound`] unless every
    /// id exists. One query, whatever the number of ids.
    fn find_preserve<I: IdArg>(
        db: &impl Executor,
        ids: impl IntoIterator<Item = I>,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send
    where
        Self: Clone,
    {
        let ids: Vec<Result<Option<RecordId>>> =
            ids.into_iter().map(IdArg::into_record_id).collect();
        async move {
            let ids = ids.into_iter().collect::<Result<Vec<Option<RecordId>>>>()?;
            crate::ops::read::find_preserve::<Self, Option<RecordId>>(db, ids).await
        }
    }

    /// Loads an association for records already in hand, in one query per
    /// association level whatever the number of records (as
    /// [`Query::include`] does), and replaces what their caches held:
    ///
    /// ```ignore
    /// User::fetch_associated(&db, &mut users, User::POSTS.include(Post::COMMENTS)).await?;
    /// ```
    ///
    /// A belongs_to whose key is null or names no record loads as `None`.
    /// Records not yet saved are skipped (nothing is stored under them).
    fn fetch_associated(
        db: &impl Executor,
        records: &mut [Self],
        inc: impl Into<crate::include::Include<Self>>,
    ) -> impl Future<Output = Result<()>> + Send {
        let inc = inc.into();
        async move { inc.load(records, db.session()).await }
    }

    /// Inserts `data` and returns it saved, with its id.
    fn create(db: &impl Executor, mut data: Self) -> impl Future<Output = Result<Self>> + Send {
        async move {
            data.save(db).await?;
            Ok(data)
        }
    }

    /// Inserts `data`, or, when a stored record has the same value of the
    /// model's unique key, updates that record with `data`'s columns
    /// (CORMO's `upsert`). Returns `data` saved, with the id of the record
    /// inserted or updated. `data` must be new (no id).
    ///
    /// A `None` field with a `#[cormo(default = ...)]` is written as the
    /// default on insert and left alone on update. A model with no unique
    /// column or index is [`Error::Validation`]; one with several needs
    /// [`UpsertOptions::on`](crate::UpsertOptions::on) (see [`Model::upsert_with`]).
    fn upsert(db: &impl Executor, data: Self) -> impl Future<Output = Result<Self>> + Send {
        async move { crate::ops::upsert::run(db, data, &crate::ops::upsert::UpsertOptions::new()).await }
    }

    /// [`upsert`](Model::upsert) with options: the key, and columns an
    /// update leaves alone.
    fn upsert_with(
        db: &impl Executor,
        data: Self,
        opts: crate::ops::upsert::UpsertOptions<Self>,
    ) -> impl Future<Output = Result<Self>> + Send {
        async move { crate::ops::upsert::run(db, data, &opts).await }
    }

    /// Inserts many new records in few statements (one per chunk of rows),
    /// all or nothing, and returns them saved. Records already stored are
    /// [`Error::Validation`] (use `save`). Records may carry caller-chosen
    /// ids (`Id::new(..)`): a batch with any is inserted one row at a time,
    /// still all or nothing, the chosen ids first so the generated ones of
    /// the others come after them and never collide with them.
    fn create_many(
        db: &impl Executor,
        mut records: Vec<Self>,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        async move {
            if let Some(r) = records.iter().find(|r| r.cormo_id().is_persisted()) {
                return Err(Error::validation(
                    "id",
                    format!(
                        "{} is already stored; create_many inserts new records only",
                        r.cormo_id()
                    ),
                ));
            }
            let rows: Vec<Vec<Value>> = records
                .iter()
                .map(|r| {
                    let mut values = r.to_values();
                    Self::schema().apply_defaults(&mut values);
                    values
                })
                .collect();
            for values in &rows {
                Self::schema().check_values(values)?;
            }
            let chosen: Vec<Option<RecordId>> =
                records.iter().map(|r| r.cormo_id().get()).collect();
            let ids = if chosen.iter().any(Option::is_some) {
                crate::save::insert_each(db.session(), Self::schema(), &chosen, &rows).await?
            } else {
                db.session().insert_many(Self::schema(), &rows).await?
            };
            if ids.len() != records.len() {
                return Err(Error::Driver {
                    message: format!("inserted {} rows but got {} ids", records.len(), ids.len()),
                    source: None,
                });
            }
            for (r, id) in records.iter_mut().zip(ids) {
                r.cormo_id_mut().mark_persisted(id);
            }
            Ok(records)
        }
    }

    /// Inserts the record if it is new, updates every column if it is stored.
    /// A new record's `None` fields with a `#[cormo(default = ...)]` are
    /// stored with the default (the struct keeps `None` until reloaded).
    ///
    /// A new record's first save also saves the records built on it with
    /// `build_<child>` (their foreign key set to the new id), all in one
    /// transaction: if any of them fails, nothing is stored and every
    /// record stays new.
    fn save(&mut self, db: &impl Executor) -> impl Future<Output = Result<()>> + Send {
        async move {
            let s = db.session();
            if !self.cormo_id().is_persisted() && self.cormo_has_built() {
                crate::save::tree(self, s).await
            } else {
                crate::save::row(self, s).await
            }
        }
    }

    /// Whether records built on this one wait to be saved with it.
    #[doc(hidden)]
    fn cormo_has_built(&self) -> bool {
        false
    }

    /// Saves the records built on this one (after it was inserted).
    #[doc(hidden)]
    fn cormo_save_built<'a>(&'a mut self, s: Session<'a>) -> BoxFuture<'a, Result<()>> {
        let _ = s;
        Box::pin(async { Ok(()) })
    }

    /// Calls `f` on this record's id, then on the ids of the records built
    /// on it, depth first, in a fixed order.
    #[doc(hidden)]
    fn cormo_visit_ids(&mut self, f: &mut dyn FnMut(&mut Id)) {
        f(self.cormo_id_mut())
    }

    /// Deletes the record, applying the integrity rules below it. A
    /// restricted record is [`Error::Rejected`] and stays.
    fn destroy(&mut self, db: &impl Executor) -> impl Future<Output = Result<()>> + Send {
        async move {
            let id = self.cormo_id();
            let (true, Some(rid)) = (id.is_persisted(), id.get()) else {
                return Err(Error::NotFound {
                    model: Self::schema().name,
                });
            };
            let cond = Cond::eq("id", Value::Id(rid));
            let n = db
                .session()
                .delete(&Select::filter(Self::schema(), &cond))
                .await?;
            if n == 0 {
                return Err(Error::NotFound {
                    model: Self::schema().name,
                });
            }
            self.cormo_id_mut().mark_deleted();
            Ok(())
        }
    }
}

/// What `find` accepts as an id: a `RecordId`, an `i64`, a `&str` from a URL
/// (a string that is no id finds nothing: [`Error::NotFound`], as in
/// CORMO), or a record's `&Id`.
pub trait IdArg {
    /// `Ok(None)` means "no id", which finds nothing.
    fn into_record_id(self) -> Result<Option<RecordId>>;
}

impl IdArg for RecordId {
    fn into_record_id(self) -> Result<Option<RecordId>> {
        Ok(Some(self))
    }
}

impl IdArg for Option<RecordId> {
    fn into_record_id(self) -> Result<Option<RecordId>> {
        Ok(self)
    }
}

impl IdArg for i64 {
    fn into_record_id(self) -> Result<Option<RecordId>> {
        Ok(Some(RecordId::Int(self)))
    }
}

impl IdArg for &str {
    fn into_record_id(self) -> Result<Option<RecordId>> {
        Ok(self.parse().ok())
    }
}

impl IdArg for &Id {
    fn into_record_id(self) -> Result<Option<RecordId>> {
        Ok(self.get())
    }
}
