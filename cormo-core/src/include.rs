//! Eager loading: [`Query::include`] and [`Model::fetch_associated`].
//!
//! One query per association level, whatever the number of records: the
//! level's rows are read with the parents' ids as one list (one bound array
//! on every SQL backend, `$in` on MongoDB), grouped in memory and put into
//! each record's association cache. Nested levels run on all the children
//! of the level above at once, so users → posts → comments is three
//! queries for any number of users.

use std::collections::HashMap as StdHashMap;

/// The id-keyed maps of a level: keys are record ids the database made.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::RandomState>;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use once_cell::sync::OnceCell;

use crate::assoc::{List, Many, One};
use crate::cond::{Cond, Order};
use crate::error::{Error, Result};
use crate::id::RecordId;
use crate::id_index::IdIndex;
use crate::model::Model;
use crate::partial::Partial;
use crate::query::Query;
use crate::schema::AssocKind;
use crate::session::Session;
use crate::value::Value;

/// Most ids one eager-loading statement carries. The list is one bound
/// value on every backend, so no bind-parameter limit applies; this keeps
/// each statement (and a MongoDB filter document, capped at 16 MiB) a few
/// megabytes at most. More parents than this take one more statement per
/// chunk.
pub const MAX_IDS_PER_STATEMENT: usize = 100_000;

/// An association of model `P` to model `C`, as a value: what
/// `#[derive(Model)]` generates as an upper-case constant for each
/// association (`User::POSTS`, `Post::USER`), for
/// [`Query::include`] and [`Model::fetch_associated`].
///
/// ```ignore
/// let users = User::query()
///     .include(User::POSTS.order_by(Post::TITLE.asc()).include(Post::COMMENTS))
///     .all(&db)
///     .await?;
/// ```
pub struct Rel<P, C> {
    idx: usize,
    _m: std::marker::PhantomData<fn(&P) -> &C>,
}

impl<P, C> Clone for Rel<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C> Copy for Rel<P, C> {}

impl<P: Model, C: Model> fmt::Debug for Rel<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = P::schema()
            .associations
            .get(self.idx)
            .map_or("?", |a| a.name);
        write!(f, "{}::{}", P::schema().name, name)
    }
}

impl<P, C> Rel<P, C> {
    /// Association `idx` of `P` (generated code names the right one).
    #[doc(hidden)]
    pub const fn __new(idx: usize) -> Self {
        Rel {
            idx,
            _m: std::marker::PhantomData,
        }
    }
}

impl<P: Model, C: Model> Rel<P, C> {
    fn level(self) -> Level<P, C> {
        Level {
            rel: self,
            query: Query::new(),
        }
    }

    /// Loads only the associated records matching `cond` (ANDed with the
    /// link to the parent).
    pub fn filter(self, cond: Cond) -> Level<P, C> {
        self.level().filter(cond)
    }

    /// Orders each parent's associated records.
    pub fn order_by(self, order: Order) -> Level<P, C> {
        self.level().order_by(order)
    }

    /// Loads an association of the associated records too (the next level).
    pub fn include(self, inc: impl Into<Include<C>>) -> Level<P, C> {
        self.level().include(inc)
    }

    /// Loads only the columns of the partial type `T`; see [`Level::select`].
    pub fn select<T: Partial<Model = C>>(self) -> SelectedLevel<P, C, T> {
        self.level().select()
    }
}

/// One association level with its own conditions, order and nested levels;
/// built from a [`Rel`] (`User::POSTS.filter(...)`).
pub struct Level<P, C> {
    rel: Rel<P, C>,
    query: Query<C>,
}

impl<P: Model, C: Model> fmt::Debug for Level<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Level")
            .field("rel", &self.rel)
            .field("query", &self.query)
            .finish()
    }
}

impl<P: Model, C: Model> Level<P, C> {
    /// Adds a condition on the associated records; repeated calls are ANDed.
    pub fn filter(mut self, cond: Cond) -> Self {
        self.query = self.query.filter(cond);
        self
    }

    /// Adds an ordering term for each parent's associated records.
    pub fn order_by(mut self, order: Order) -> Self {
        self.query = self.query.order_by(order);
        self
    }

    /// Loads an association of the associated records too.
    pub fn include(mut self, inc: impl Into<Include<C>>) -> Self {
        self.query = self.query.include(inc);
        self
    }

    /// Loads only the columns of the partial type `T` (see
    /// [`Partial`]), plus the key that links each row to its record.
    /// The records then answer `loaded_<name>_as::<T>()`; a partial level
    /// ends the path (partial records hold no associations), so includes
    /// set on this level are dropped, and [`Loaded`](crate::Loaded) does
    /// not write it.
    pub fn select<T: Partial<Model = C>>(mut self) -> SelectedLevel<P, C, T> {
        self.query = self.query.clone().select::<T>().into_query();
        SelectedLevel {
            rel: self.rel,
            query: self.query,
            _t: std::marker::PhantomData,
        }
    }
}

/// A level that reads only the columns of a partial type `T`; built by
/// [`Level::select`].
pub struct SelectedLevel<P, C, T> {
    rel: Rel<P, C>,
    query: Query<C>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<P: Model, C: Model, T: Partial<Model = C>> From<SelectedLevel<P, C, T>> for Include<P> {
    fn from(level: SelectedLevel<P, C, T>) -> Self {
        Include {
            loader: Arc::new(level),
        }
    }
}

impl<P: Model, C: Model, T: Partial<Model = C>> Load<P> for SelectedLevel<P, C, T> {
    fn load<'a>(&'a self, records: &'a mut [P], s: Session<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let a = decl::<P>(self.rel.idx)?;
            let own_key = match a.kind {
                AssocKind::BelongsTo => Some(KeyOf::Column(column_pos::<P>(a.foreign_key)?)),
                AssocKind::HasMany | AssocKind::HasOne => None,
            };
            // The row's link to its record: the child's foreign key, read
            // after the partial's columns, or the target's own id.
            let mut columns = T::columns().to_vec();
            let link_at = match own_key {
                Some(_) => 0,
                None => {
                    columns.push(column_pos::<C>(a.foreign_key)?);
                    columns.len()
                }
            };
            let (link_column, ids): (&'static str, Vec<RecordId>) = match &own_key {
                Some(k) => ("id", records.iter().filter_map(|r| k.get(r)).collect()),
                None => (
                    a.foreign_key,
                    records.iter().filter_map(stored_id).collect(),
                ),
            };
            let mut rows: Vec<(RecordId, T)> = Vec::new();
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            let ids_len = ids.len();
            for chunk in ids.chunks(MAX_IDS_PER_STATEMENT) {
                let cond = self.query.and_filter(Cond::is_in(
                    link_column,
                    chunk.iter().copied().map(Value::Id).collect(),
                ));
                let q = self.query.statement(&cond, &columns);
                let mut part = self
                    .query
                    .decoded(&q, s, |row| {
                        let link = row.get_id(link_at)?;
                        Ok(link.map(|l| T::from_row(row).map(|t| (l, t))))
                    })
                    .await?
                    .into_iter()
                    .flatten()
                    .collect::<Result<Vec<_>>>()?;
                rows.append(&mut part);
            }
            let linked = Linked {
                rows,
                link: |r: &(RecordId, T)| Some(r.0),
                take: |r: (RecordId, T)| r.1,
            };
            distribute::<P, C, _, T>(a, self.rel.idx, records, linked, own_key.as_ref(), ids_len)
        })
    }

    fn idx(&self) -> usize {
        self.rel.idx
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn merge(&self, later: &Include<P>) -> Include<P> {
        later.clone()
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectedLevel")
            .field("rel", &self.rel)
            .field("query", &self.query)
            .field("partial", &std::any::type_name::<T>())
            .finish()
    }
}

fn more_than_one<P: Model, C: Model>(a: &crate::schema::AssocDef, key: RecordId) -> Error {
    Error::Integrity {
        message: format!(
            "{} {key} has more than one {} ({})",
            P::schema().name,
            a.name,
            C::schema().name
        ),
    }
}

/// What [`Query::include`] and [`Model::fetch_associated`] take: a
/// [`Rel`] or a [`Level`], type-checked against the model it loads for.
pub struct Include<P> {
    loader: Arc<dyn Load<P>>,
}

impl<P> Clone for Include<P> {
    fn clone(&self) -> Self {
        Include {
            loader: self.loader.clone(),
        }
    }
}

impl<P> fmt::Debug for Include<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.loader.describe(f)
    }
}

impl<P: Model, C: Model> From<Rel<P, C>> for Include<P> {
    fn from(rel: Rel<P, C>) -> Self {
        rel.level().into()
    }
}

impl<P: Model, C: Model> From<Level<P, C>> for Include<P> {
    fn from(level: Level<P, C>) -> Self {
        Include {
            loader: Arc::new(level),
        }
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A level, with its child type erased so a query can hold several.
trait Load<P>: Send + Sync {
    fn load<'a>(&'a self, records: &'a mut [P], s: Session<'a>) -> BoxFuture<'a, Result<()>>;
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// The association this level loads.
    fn idx(&self) -> usize;
    fn as_any(&self) -> &dyn std::any::Any;
    /// This level and a later include of the same association, as one
    /// level: their nested levels together when both read whole records
    /// with the same conditions, else the later one.
    fn merge(&self, later: &Include<P>) -> Include<P>;
}

impl<P: Model, C: Model> Load<P> for Level<P, C> {
    fn load<'a>(&'a self, records: &'a mut [P], s: Session<'a>) -> BoxFuture<'a, Result<()>> {
        Box::pin(load_level(self, records, s))
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }

    fn idx(&self) -> usize {
        self.rel.idx
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn merge(&self, later: &Include<P>) -> Include<P> {
        match later.loader.as_any().downcast_ref::<Level<P, C>>() {
            Some(l) if self.query.same_shape(&l.query) => {
                let mut query = self.query.clone();
                for inc in l.query.includes() {
                    query = query.include(inc.clone());
                }
                Include::from(Level {
                    rel: self.rel,
                    query,
                })
            }
            _ => later.clone(),
        }
    }
}

impl<P: Model> Include<P> {
    /// Adds `inc` to `list`: a second include of one association is merged
    /// into the first, so each association is still one query.
    pub(crate) fn add_to(list: &mut Vec<Include<P>>, inc: Include<P>) {
        match list.iter().position(|i| i.loader.idx() == inc.loader.idx()) {
            Some(pos) => list[pos] = list[pos].loader.merge(&inc),
            None => list.push(inc),
        }
    }

    /// Loads this level (and the levels nested in it) for `records`.
    pub(crate) async fn load(&self, records: &mut [P], s: Session<'_>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        self.loader.load(records, s).await
    }
}

/// Reads the level's rows whose `column` is in `ids`, in chunks of
/// [`MAX_IDS_PER_STATEMENT`], then loads the nested levels on all of them.
/// Also returns how many distinct ids there were.
async fn rows_keyed_by<C: Model>(
    query: &Query<C>,
    column: &'static str,
    mut ids: Vec<RecordId>,
    s: Session<'_>,
) -> Result<(Vec<C>, usize)> {
    ids.sort_unstable();
    ids.dedup();
    let mut rows = Vec::new();
    for chunk in ids.chunks(MAX_IDS_PER_STATEMENT) {
        let cond = Cond::is_in(column, chunk.iter().copied().map(Value::Id).collect());
        let mut part = query.rows_where(cond, s).await?;
        if rows.is_empty() {
            rows = part;
        } else {
            rows.append(&mut part);
        }
    }
    query.load_includes(&mut rows, s).await?;
    Ok((rows, ids.len()))
}

/// The association's declaration, for its foreign key and kind.
fn decl<P: Model>(idx: usize) -> Result<&'static crate::schema::AssocDef> {
    P::schema()
        .associations
        .get(idx)
        .ok_or_else(|| Error::Integrity {
            message: format!("association #{idx} is not declared on {}", P::schema().name),
        })
}

/// Where a row's link to its record is: a foreign-key column (found once
/// per level, as a position in the schema), or the record's own id.
enum KeyOf {
    Column(usize),
    Id,
}

/// The position of a foreign-key column in `M`'s schema.
fn column_pos<M: Model>(column: &'static str) -> Result<usize> {
    M::schema()
        .columns
        .iter()
        .position(|c| c.name == column)
        .ok_or(Error::UnknownColumn {
            model: M::schema().name,
            column: column.to_owned(),
        })
}

impl KeyOf {
    fn get<M: Model>(&self, record: &M) -> Option<RecordId> {
        let pos = match self {
            KeyOf::Id => return record.cormo_id().get(),
            KeyOf::Column(pos) => *pos,
        };
        match record.cormo_value(pos) {
            Value::Id(id) => Some(id),
            _ => None,
        }
    }
}

/// Reads a level of whole records: children whose foreign key is one of
/// the records' ids (has_many / has_one), or the records the foreign keys
/// name (belongs_to); nested levels load on them before they are handed
/// out.
async fn load_level<P: Model, C: Model>(
    level: &Level<P, C>,
    records: &mut [P],
    s: Session<'_>,
) -> Result<()> {
    let a = decl::<P>(level.rel.idx)?;
    let own_key = match a.kind {
        AssocKind::BelongsTo => Some(KeyOf::Column(column_pos::<P>(a.foreign_key)?)),
        AssocKind::HasMany | AssocKind::HasOne => None,
    };
    let (column, ids): (&'static str, Vec<RecordId>) = match &own_key {
        Some(k) => ("id", records.iter().filter_map(|r| k.get(r)).collect()),
        None => (
            a.foreign_key,
            records.iter().filter_map(stored_id).collect(),
        ),
    };
    let (rows, distinct) = if ids.is_empty() {
        (Vec::new(), 0)
    } else {
        rows_keyed_by(&level.query, column, ids, s).await?
    };
    // Each row's link to its record: its foreign key, or its own id.
    let link = match own_key {
        Some(_) => KeyOf::Id,
        None => KeyOf::Column(column_pos::<C>(a.foreign_key)?),
    };
    let linked = Linked {
        rows,
        link: |c: &C| link.get(c),
        take: |c: C| c,
    };
    distribute::<P, C, C, C>(
        a,
        level.rel.idx,
        records,
        linked,
        own_key.as_ref(),
        distinct,
    )
}

/// Puts a level's rows, each with its link, into the records' caches:
/// grouped per record for has_many, one per record for has_one (two is
/// an [`Error::Integrity`]), by the record's key for belongs_to (`None`
/// for a null or dangling key).
fn distribute<P: Model, C: Model, R, X: Send + Sync + 'static>(
    a: &'static crate::schema::AssocDef,
    idx: usize,
    records: &mut [P],
    linked: Linked<R, impl Fn(&R) -> Option<RecordId>, impl Fn(R) -> X>,
    own_key: Option<&KeyOf>,
    distinct: usize,
) -> Result<()> {
    let n = P::schema().associations.len();
    let one = |target: Option<Arc<X>>| One::<X> {
        loaded: OnceCell::from(target),
    };
    // Sized from the distinct ids asked for: at most one row each for
    // belongs_to and has_one, one group each for has_many (the rows come
    // through a filter, so their iterator cannot say how many there are).
    fn sized<V>(distinct: usize) -> HashMap<RecordId, V> {
        HashMap::with_capacity_and_hasher(distinct, Default::default())
    }
    match (a.kind, own_key) {
        (AssocKind::BelongsTo, Some(key)) => {
            let mut by_id: HashMap<RecordId, Arc<X>> = sized(distinct);
            by_id.extend(linked.pairs().map(|(id, x)| (id, Arc::new(x))));
            for r in records.iter_mut() {
                let target = key.get(r).and_then(|k| by_id.get(&k).cloned());
                r.cormo_id_mut().cache.put(idx, n, one(target))?;
            }
        }
        (AssocKind::HasOne, _) => {
            let mut by_parent: HashMap<RecordId, Arc<X>> = sized(distinct);
            for (link, x) in linked.pairs() {
                if by_parent.insert(link, Arc::new(x)).is_some() {
                    return Err(more_than_one::<P, C>(a, link));
                }
            }
            for r in records.iter_mut() {
                let Some(id) = stored_id(r) else { continue };
                r.cormo_id_mut()
                    .cache
                    .put(idx, n, one(by_parent.get(&id).cloned()))?;
            }
        }
        _ => give_lists(records, idx, n, linked)?,
    }
    Ok(())
}

/// A level's rows with how to find each one's link to its record and how
/// to take what the record keeps (the row itself, or a partial row without
/// its link).
struct Linked<R, L, T> {
    rows: Vec<R>,
    link: L,
    take: T,
}

impl<R, X, L: Fn(&R) -> Option<RecordId>, T: Fn(R) -> X> Linked<R, L, T> {
    /// Each row that has a link, with it, in the rows' order.
    fn pairs(self) -> impl Iterator<Item = (RecordId, X)> {
        let Linked { rows, link, take } = self;
        rows.into_iter()
            .filter_map(move |r| Some((link(&r)?, take(r))))
    }
}

/// Puts a has_many's loaded records in the cache, in one allocation,
/// keeping what was built on the record before and not saved yet.
fn put_many<P: Model, C: Send + Sync + 'static>(
    r: &mut P,
    idx: usize,
    n: usize,
    list: List<C>,
) -> Result<()> {
    let cache = &mut r.cormo_id_mut().cache;
    let built = cache
        .peek_mut::<Many<C>>(idx)
        .map(|e| std::mem::take(&mut e.built))
        .unwrap_or_default();
    cache.put(
        idx,
        n,
        Many {
            loaded: OnceCell::from(list),
            built,
        },
    )
}

/// Gives each stored record its group of rows (empty when it has none),
/// in the rows' order. Each distinct parent id gets a group number once
/// ([`IdIndex`]) and each row its group's number; the groups are counted
/// first, so every list is allocated once at its size (no regrowth, however
/// many children a record has), and each record takes its list by number.
/// Records from a query are distinct and take their list as their own;
/// when a slice holds one record twice, the copies share it.
fn give_lists<P: Model, R, C: Send + Sync + 'static>(
    records: &mut [P],
    idx: usize,
    n: usize,
    linked: Linked<R, impl Fn(&R) -> Option<RecordId>, impl Fn(R) -> C>,
) -> Result<()> {
    let Linked { rows, link, take } = linked;
    let ids: Vec<Option<RecordId>> = records.iter().map(stored_id).collect();
    let (group_of, record_group) = IdIndex::number(&ids);
    let row_group: Vec<Option<usize>> = rows
        .iter()
        .map(|r| link(r).and_then(|l| group_of.get(l)))
        .collect();
    let mut sizes = vec![0usize; group_of.len()];
    for &g in row_group.iter().flatten() {
        if let Some(size) = sizes.get_mut(g) {
            *size += 1;
        }
    }
    let mut groups: Vec<Vec<C>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (r, g) in rows.into_iter().zip(row_group) {
        if let Some(list) = g.and_then(|g| groups.get_mut(g)) {
            list.push(take(r));
        }
    }
    let stored = record_group.iter().flatten().count();
    if stored == group_of.len() {
        for (r, g) in records.iter_mut().zip(record_group) {
            let Some(list) = g.and_then(|g| groups.get_mut(g)) else {
                continue;
            };
            put_many::<P, C>(r, idx, n, List::Own(std::mem::take(list)))?;
        }
        return Ok(());
    }
    let shared: Vec<Arc<Vec<C>>> = groups.into_iter().map(Arc::new).collect();
    for (r, g) in records.iter_mut().zip(record_group) {
        let Some(list) = g.and_then(|g| shared.get(g)) else {
            continue;
        };
        put_many::<P, C>(r, idx, n, List::Shared(list.clone()))?;
    }
    Ok(())
}

fn stored_id<P: Model>(r: &P) -> Option<RecordId> {
    let id = r.cormo_id();
    if id.is_persisted() {
        id.get()
    } else {
        None
    }
}
