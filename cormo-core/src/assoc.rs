//! Association loading, used by the methods `#[derive(Model)]` generates.
//!
//! Each load is one query (`WHERE fk = id`, or `WHERE id = fk`), runs in the
//! caller's session, and fills the record's cache.

use std::sync::Arc;

use once_cell::sync::OnceCell;

use crate::cond::Cond;
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::id::{Id, RecordId};
use crate::model::Model;
use crate::query::Query;
use crate::session::Session;
use crate::value::Value;

/// Cache entry of a has_many: what was loaded, plus records built before it
/// was loaded (they live here so `build` can hand out `&mut`).
///
pub(crate) struct Many<C> {
    pub(crate) loaded: OnceCell<List<C>>,
    pub(crate) built: Vec<C>,
}

/// A has_many's loaded records: the record's own, or shared with another
/// copy of the same record in one eager-loaded slice (models need not be
/// `Clone`, so the children cannot be copied).
pub(crate) enum List<C> {
    Own(Vec<C>),
    Shared(Arc<Vec<C>>),
}

impl<C> List<C> {
    pub(crate) fn as_slice(&self) -> &[C] {
        match self {
            List::Own(v) => v,
            List::Shared(v) => v,
        }
    }

    /// The list to add a built record to, unless it is shared.
    fn get_mut(&mut self) -> Option<&mut Vec<C>> {
        match self {
            List::Own(v) => Some(v),
            List::Shared(v) => Arc::get_mut(v),
        }
    }
}

impl<C> Default for Many<C> {
    fn default() -> Self {
        Many {
            loaded: OnceCell::new(),
            built: Vec::new(),
        }
    }
}

/// Cache entry of a has_one / belongs_to. Shared through an `Arc`, since
/// many children loaded together often belong to one parent.
pub(crate) struct One<C> {
    pub(crate) loaded: OnceCell<Option<Arc<C>>>,
}

impl<C> Default for One<C> {
    fn default() -> Self {
        One {
            loaded: OnceCell::new(),
        }
    }
}

/// A foreign-key field: `RecordId` (required) or `Option<RecordId>`.
#[diagnostic::on_unimplemented(
    message = "foreign key field must be `RecordId` or `Option<RecordId>`, found `{Self}`"
)]
pub trait ForeignKey {
    /// The key, if set.
    fn get(&self) -> Option<RecordId>;
    /// Sets the key.
    fn set(&mut self, id: RecordId);
}

impl ForeignKey for RecordId {
    fn get(&self) -> Option<RecordId> {
        Some(*self)
    }
    fn set(&mut self, id: RecordId) {
        *self = id;
    }
}

impl ForeignKey for Option<RecordId> {
    fn get(&self) -> Option<RecordId> {
        *self
    }
    fn set(&mut self, id: RecordId) {
        *self = Some(id);
    }
}

fn assoc<P: Model>(idx: usize) -> Result<&'static crate::schema::AssocDef> {
    P::schema()
        .associations
        .get(idx)
        .ok_or_else(|| Error::Integrity {
            message: format!("association #{idx} is not declared on {}", P::schema().name),
        })
}

async fn fetch_children<P: Model, C: Model>(
    parent: &P,
    idx: usize,
    db: &impl Executor,
    limit: Option<u64>,
) -> Result<Vec<C>> {
    let a = assoc::<P>(idx)?;
    match parent.cormo_id().get() {
        // An unsaved parent has no children in the database.
        None => Ok(Vec::new()),
        Some(id) => {
            let mut q = Query::<C>::new().filter(Cond::eq(a.foreign_key, Value::Id(id)));
            if let Some(n) = limit {
                q = q.limit(n);
            }
            q.all(db).await
        }
    }
}

/// `parent.<has_many>(db)`: cached children.
pub async fn has_many<'p, P: Model, C: Model>(
    parent: &'p P,
    idx: usize,
    db: &impl Executor,
) -> Result<&'p [C]> {
    let n = P::schema().associations.len();
    let name = assoc::<P>(idx)?.name;
    let entry: &Many<C> = parent.cormo_id().cache.entry(idx, n, name)?;
    if let Some(v) = entry.loaded.get() {
        return Ok(v.as_slice());
    }
    // A new record has nothing stored under it: its children are what was
    // built on it, which its first save stores.
    if !parent.cormo_id().is_persisted() {
        return Ok(&entry.built);
    }
    let rows = fetch_children::<P, C>(parent, idx, db, None).await?;
    Ok(entry.loaded.get_or_init(|| List::Own(rows)).as_slice())
}

/// `parent.reload_<has_many>(db)`: queries again and replaces the cache.
pub async fn reload_has_many<'p, P: Model, C: Model>(
    parent: &'p mut P,
    idx: usize,
    db: &impl Executor,
) -> Result<&'p [C]> {
    parent.cormo_id_mut().cache.reset(idx);
    has_many::<P, C>(parent, idx, db).await
}

/// `parent.build_<child>(data)`: sets the foreign key, adds the record to the
/// cache and returns it for `save`.
pub fn build_has_many<P: Model, C: Model>(
    parent: &mut P,
    idx: usize,
    mut child: C,
    fk: fn(&mut C) -> &mut dyn ForeignKey,
) -> Result<&mut C> {
    if let Some(id) = parent.cormo_id().get() {
        fk(&mut child).set(id);
    }
    let n = P::schema().associations.len();
    let entry: &mut Many<C> = parent.cormo_id_mut().cache.entry_mut(idx, n)?;
    // Children shared with another copy of this parent (eager loading of
    // a slice holding it twice) stay shared; the new one waits in `built`.
    let list = match entry.loaded.get_mut().and_then(List::get_mut) {
        Some(loaded) => loaded,
        None => &mut entry.built,
    };
    list.push(child);
    let last = list.len() - 1;
    list.get_mut(last).ok_or_else(|| Error::Integrity {
        message: "built record vanished from the cache".into(),
    })
}

/// `parent.<has_one>(db)`: the child or `None`; two or more is an
/// [`Error::Integrity`].
pub async fn has_one<'p, P: Model, C: Model>(
    parent: &'p P,
    idx: usize,
    db: &impl Executor,
) -> Result<Option<&'p C>> {
    let n = P::schema().associations.len();
    let entry: &One<C> = parent
        .cormo_id()
        .cache
        .entry(idx, n, assoc::<P>(idx)?.name)?;
    if let Some(v) = entry.loaded.get() {
        return Ok(v.as_deref());
    }
    let mut rows = fetch_children::<P, C>(parent, idx, db, Some(2)).await?;
    if rows.len() > 1 {
        let a = assoc::<P>(idx)?;
        return Err(Error::Integrity {
            message: format!(
                "{} {} has more than one {} ({})",
                P::schema().name,
                parent.cormo_id(),
                a.name,
                C::schema().name
            ),
        });
    }
    Ok(entry
        .loaded
        .get_or_init(|| rows.pop().map(Arc::new))
        .as_deref())
}

/// `child.<belongs_to>(db)`: the parent; `None` for a null foreign key or a
/// dangling one.
pub async fn belongs_to<'c, C: Model, P: Model>(
    child: &'c C,
    idx: usize,
    fk: Option<RecordId>,
    db: &impl Executor,
) -> Result<Option<&'c P>> {
    let n = C::schema().associations.len();
    let entry: &One<P> = child
        .cormo_id()
        .cache
        .entry(idx, n, assoc::<C>(idx)?.name)?;
    if let Some(v) = entry.loaded.get() {
        return Ok(v.as_deref());
    }
    // A dangling key is `None`, as in eager loading: one answer whichever
    // way the parent was loaded.
    let parent = match fk {
        None => None,
        Some(id) => Query::<P>::new()
            .filter(Cond::eq("id", Value::Id(id)))
            .first(db)
            .await?
            .map(Arc::new),
    };
    Ok(entry.loaded.get_or_init(|| parent).as_deref())
}

/// Forgets a cached has_one / belongs_to so the next call queries again.
pub fn reset<M: Model>(record: &mut M, idx: usize) {
    record.cormo_id_mut().cache.reset(idx);
}

/// `parent.loaded_<has_many>()`: the children if they are loaded (by the
/// accessor, `include` or `fetch_associated`), without a query.
/// For a new record, what was built on it.
pub fn loaded_many<P: Model, C: Send + Sync + 'static>(parent: &P, idx: usize) -> Option<&[C]> {
    let entry: &Many<C> = parent.cormo_id().cache.peek(idx)?;
    match entry.loaded.get() {
        Some(v) => Some(v.as_slice()),
        None if !parent.cormo_id().is_persisted() => Some(&entry.built),
        None => None,
    }
}

/// `record.loaded_<has_one / belongs_to>()`: `Some(None)` when it is loaded
/// and there is none, `None` when it is not loaded.
pub fn loaded_one<M: Model, C: Send + Sync + 'static>(
    record: &M,
    idx: usize,
) -> Option<Option<&C>> {
    let entry: &One<C> = record.cormo_id().cache.peek(idx)?;
    entry.loaded.get().map(|v| v.as_deref())
}

/// The children of a has_many that a save may have to store: those built
/// before it was loaded, then the loaded ones (built after loading, or
/// read from the database, which are stored already).
fn children_mut<P: Model, C: Model>(parent: &mut P, idx: usize) -> impl Iterator<Item = &mut C> {
    let entry: Option<&mut Many<C>> = parent.cormo_id_mut().cache.peek_mut(idx);
    entry.into_iter().flat_map(|e| {
        let loaded = e.loaded.get_mut().and_then(List::get_mut);
        e.built.iter_mut().chain(loaded.into_iter().flatten())
    })
}

/// Whether a has_many holds a built record not yet saved.
pub fn has_built<P: Model, C: Model>(parent: &P, idx: usize) -> bool {
    let Some(entry) = parent.cormo_id().cache.peek::<Many<C>>(idx) else {
        return false;
    };
    let loaded = entry.loaded.get().map(|v| v.as_slice()).unwrap_or_default();
    entry
        .built
        .iter()
        .chain(loaded)
        .any(|c| !c.cormo_id().is_persisted())
}

/// Saves a has_many's unsaved built records with the parent's id as their
/// foreign key, in the parent's session (its transaction).
pub async fn save_built<P: Model, C: Model>(
    parent: &mut P,
    idx: usize,
    fk: fn(&mut C) -> &mut dyn ForeignKey,
    s: Session<'_>,
) -> Result<()> {
    let Some(id) = parent.cormo_id().get() else {
        return Err(Error::Integrity {
            message: format!("{} has no id to give its children", P::schema().name),
        });
    };
    for child in children_mut::<P, C>(parent, idx) {
        if !child.cormo_id().is_persisted() {
            fk(child).set(id);
            child.save(&s).await?;
        }
    }
    Ok(())
}

/// Calls `f` on the ids of a has_many's cached records and the records
/// built on them, depth first.
pub fn visit_built<P: Model, C: Model>(parent: &mut P, idx: usize, f: &mut dyn FnMut(&mut Id)) {
    for child in children_mut::<P, C>(parent, idx) {
        child.cormo_visit_ids(f);
    }
}
