//! Typed queries over one model.

use std::marker::PhantomData;

use crate::adapter::Select;
use crate::cond::{Assign, Cond, Order};
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::id::RecordId;
use crate::include::Include;
use crate::model::Model;
use crate::partial::Partial;

/// A query on model `M`, built by chaining and run by a terminal method
/// (`all`, `first`, `count`, `update`, `delete`, `ids`).
///
/// ```ignore
/// let adults = User::query()
///     .filter(User::AGE.gte(18) & User::NAME.starts_with("J"))
///     .order_by(User::AGE.desc())
///     .limit(10)
///     .all(&db)
///     .await?;
/// ```
pub struct Query<M> {
    cond: Cond,
    order: Vec<Order>,
    limit: Option<u64>,
    skip: Option<u64>,
    timeout: Option<std::time::Duration>,
    includes: Vec<Include<M>>,
    _m: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            cond: self.cond.clone(),
            order: self.order.clone(),
            limit: self.limit,
            skip: self.skip,
            timeout: self.timeout,
            includes: self.includes.clone(),
            _m: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("cond", &self.cond)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("skip", &self.skip)
            .field("timeout", &self.timeout)
            .field("includes", &self.includes)
            .finish()
    }
}

/// See [`Query::parts`].
pub(crate) struct QueryParts<'q> {
    pub(crate) cond: &'q Cond,
    pub(crate) timeout: Option<std::time::Duration>,
    pub(crate) has_record_paging: bool,
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Query<M> {
    /// All records.
    pub fn new() -> Self {
        Query {
            cond: Cond::True,
            order: Vec::new(),
            limit: None,
            skip: None,
            timeout: None,
            includes: Vec::new(),
            _m: PhantomData,
        }
    }

    /// Adds a condition; repeated calls are ANDed.
    pub fn filter(mut self, cond: Cond) -> Self {
        self.cond = std::mem::replace(&mut self.cond, Cond::True).and(cond);
        self
    }

    /// Adds a condition given as JSON in CORMO's condition language (see
    /// [`Cond::from_json`]), for filters that come from users. Bad input is
    /// an error, never an operator: `{"name": "$gt"}` matches the string.
    pub fn filter_json(self, json: &serde_json::Value) -> Result<Self> {
        let cond = Cond::from_json(M::schema(), json)?;
        Ok(self.filter(cond))
    }

    /// Adds an ordering term (`User::AGE.desc()`). A column already in the
    /// order keeps its first direction: a later term on it could change
    /// nothing in SQL, and MongoDB's sort document holds each field once.
    pub fn order_by(mut self, order: Order) -> Self {
        if !self.order.iter().any(|o| o.column == order.column) {
            self.order.push(order);
        }
        self
    }

    /// At most `n` records.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` records.
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = Some(n);
        self
    }

    /// A time limit for each statement this query runs, instead of the
    /// connection's [`statement_timeout`](crate::ConnectOptions::statement_timeout)
    /// (longer or shorter). Past it the database stops the statement and
    /// the query fails with [`Error::Timeout`](crate::Error::Timeout).
    /// At most [`MAX_STATEMENT_TIMEOUT`](crate::MAX_STATEMENT_TIMEOUT);
    /// a longer one means that.
    pub fn timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(crate::connection::clamp_timeout(limit));
        self
    }

    /// Loads an association of every record found, in one more query per
    /// association level whatever the number of records (eager loading).
    /// The records' accessors then answer from what was loaded, and
    /// `loaded_<name>()` returns it without `db`:
    ///
    /// ```ignore
    /// let users = User::query()
    ///     .include(User::POSTS.include(Post::COMMENTS))
    ///     .all(&db)
    ///     .await?; // three queries
    /// let posts: &[Post] = users[0].loaded_posts().unwrap_or_default();
    /// ```
    ///
    /// `all`, `first` and `one` load includes; `count`, `ids`, `update`
    /// and `delete` ignore them. See [`Model::fetch_associated`] for
    /// records already in hand.
    ///
    /// Including one association twice loads it once: the nested levels of
    /// both are loaded when both have the same conditions and order
    /// (`.include(User::POSTS.include(Post::COMMENTS)).include(User::POSTS.include(Post::USER))`),
    /// otherwise the later include replaces the earlier one.
    pub fn include(mut self, inc: impl Into<Include<M>>) -> Self {
        Include::add_to(&mut self.includes, inc.into());
        self
    }

    /// The includes, for merging two levels of one association.
    pub(crate) fn includes(&self) -> &[Include<M>] {
        &self.includes
    }

    /// Same rows in the same order (includes aside).
    pub(crate) fn same_shape(&self, other: &Query<M>) -> bool {
        self.cond == other.cond
            && self.order == other.order
            && self.limit == other.limit
            && self.skip == other.skip
    }

    /// What a grouped read takes from the query it was built on.
    pub(crate) fn parts(&self) -> QueryParts<'_> {
        QueryParts {
            cond: &self.cond,
            timeout: self.timeout,
            has_record_paging: !self.order.is_empty()
                || self.limit.is_some()
                || self.skip.is_some()
                || !self.includes.is_empty(),
        }
    }

    /// The condition built so far.
    pub fn condition(&self) -> &Cond {
        &self.cond
    }

    /// The order terms.
    pub(crate) fn order(&self) -> &[Order] {
        &self.order
    }

    /// `limit` and `skip`.
    pub(crate) fn paging(&self) -> (Option<u64>, Option<u64>) {
        (self.limit, self.skip)
    }

    /// The query's own time limit.
    pub(crate) fn timeout_limit(&self) -> Option<std::time::Duration> {
        self.timeout
    }

    /// The statement `all` runs.
    pub(crate) fn select_stmt(&self) -> Select<'_> {
        self.stmt()
    }

    fn stmt(&self) -> Select<'_> {
        Select {
            schema: M::schema(),
            cond: &self.cond,
            order: &self.order,
            limit: self.limit,
            skip: self.skip,
            timeout: self.timeout,
            columns: None,
        }
    }

    /// Runs the query and decodes every row into `M`, then loads the
    /// [`include`](Self::include)d associations.
    pub async fn all(&self, db: &impl Executor) -> Result<Vec<M>> {
        let s = db.session();
        let mut rows = self.rows(&self.stmt(), s).await?;
        self.load_includes(&mut rows, s).await?;
        Ok(rows)
    }

    /// The rows `q` selects, decoded, without includes.
    async fn rows(&self, q: &Select<'_>, s: crate::session::Session<'_>) -> Result<Vec<M>> {
        self.decoded(q, s, M::from_row).await
    }

    /// The rows `q` selects, each decoded by `decode`.
    pub(crate) async fn decoded<T: Send>(
        &self,
        q: &Select<'_>,
        s: crate::session::Session<'_>,
        mut decode: impl FnMut(&mut dyn crate::value::RowReader) -> Result<T> + Send,
    ) -> Result<Vec<T>> {
        // A page is usually full: room for it up front (up to a bound, so
        // a large limit on a small result wastes little), instead of
        // growing through every size below it.
        let mut out = Vec::with_capacity(q.limit.unwrap_or(0).min(1024) as usize);
        let mut sink = |row: &mut dyn crate::value::RowReader| -> Result<()> {
            out.push(decode(row)?);
            Ok(())
        };
        s.with_timeout(self.timeout).select(q, &mut sink).await?;
        Ok(out)
    }

    /// This query with the link to an eager-loading level's parents added.
    pub(crate) fn and_filter(&self, extra: Cond) -> Cond {
        self.cond.clone().and(extra)
    }

    /// The statement this query runs, over another condition and columns.
    pub(crate) fn statement<'q>(&'q self, cond: &'q Cond, columns: &'q [usize]) -> Select<'q> {
        Select {
            schema: M::schema(),
            cond,
            order: &self.order,
            limit: self.limit,
            skip: self.skip,
            timeout: self.timeout,
            columns: Some(columns),
        }
    }

    /// Reads only the columns of the partial type `T` (see [`Partial`]):
    ///
    /// ```ignore
    /// let names: Vec<UserName> = User::query()
    ///     .filter(User::AGE.gte(18))
    ///     .select::<UserName>()
    ///     .all(&db)
    ///     .await?;
    /// ```
    ///
    /// Partial records have no association cache, so includes do not apply
    /// to them (they are dropped).
    pub fn select<T: Partial<Model = M>>(mut self) -> Selected<M, T> {
        self.includes.clear();
        Selected {
            query: self,
            _t: PhantomData,
        }
    }

    /// This query's rows that also match `extra` (an eager-loading level:
    /// the link to the parents), without includes.
    pub(crate) async fn rows_where(
        &self,
        extra: Cond,
        s: crate::session::Session<'_>,
    ) -> Result<Vec<M>> {
        let cond = self.cond.clone().and(extra);
        let q = Select {
            cond: &cond,
            ..self.stmt()
        };
        self.rows(&q, s).await
    }

    /// Loads this query's includes for `rows`, one level after another.
    pub(crate) async fn load_includes(
        &self,
        rows: &mut [M],
        s: crate::session::Session<'_>,
    ) -> Result<()> {
        let s = s.with_timeout(self.timeout);
        for inc in &self.includes {
            inc.load(rows, s).await?;
        }
        Ok(())
    }

    /// The first record, or `None`.
    pub async fn first(&self, db: &impl Executor) -> Result<Option<M>> {
        let mut q = self.clone();
        // A smaller limit the caller set (`limit(0)`) still holds.
        q.limit = Some(self.limit.map_or(1, |l| l.min(1)));
        Ok(q.all(db).await?.pop())
    }

    /// Exactly one record: `None` for none, [`Error::Integrity`] for more
    /// than one. CORMO's `one()` returns the first match instead: that is
    /// [`first`](Self::first) here; `one` is for lookups that must be unique.
    pub async fn one(&self, db: &impl Executor) -> Result<Option<M>> {
        let mut q = self.clone();
        q.limit = Some(self.limit.map_or(2, |l| l.min(2)));
        let mut rows = q.all(db).await?;
        if rows.len() > 1 {
            return Err(Error::Integrity {
                message: format!("more than one {} matched one()", M::schema().name),
            });
        }
        Ok(rows.pop())
    }

    /// Ids of the matching records.
    pub async fn ids(&self, db: &impl Executor) -> Result<Vec<RecordId>> {
        db.session()
            .with_timeout(self.timeout)
            .select_ids(&self.stmt())
            .await
    }

    /// Number of matching records (limit and skip apply).
    pub async fn count(&self, db: &impl Executor) -> Result<u64> {
        db.session()
            .with_timeout(self.timeout)
            .count(&self.stmt())
            .await
    }

    /// Applies the assignments to every matching record; returns how many matched.
    pub async fn update(
        &self,
        db: &impl Executor,
        assigns: impl IntoIterator<Item = Assign>,
    ) -> Result<u64> {
        let assigns: Vec<Assign> = assigns.into_iter().collect();
        if assigns.is_empty() {
            return Ok(0);
        }
        let schema = M::schema();
        for a in &assigns {
            if let (Assign::Set { value, .. }, Some(c)) = (a, schema.column(a.column())) {
                schema.check_value(c, value)?;
            }
        }
        let s = db.session().with_timeout(self.timeout);
        let by_ids = self.unpaged(s).await?;
        let q = by_ids
            .as_ref()
            .map_or_else(|| self.stmt(), |c| Select::filter(M::schema(), c));
        s.update(&q, &assigns).await
    }

    /// [`update`](Self::update) with updates given as JSON (see
    /// [`Assign::from_json`]): `{"age": {"$inc": 1}, "name": "x"}`. Bad
    /// input is an error and nothing is written.
    pub async fn update_json(&self, db: &impl Executor, json: &serde_json::Value) -> Result<u64> {
        let assigns = Assign::from_json(M::schema(), json)?;
        self.update(db, assigns).await
    }

    /// UPDATE and DELETE take no ORDER / LIMIT portably: a paged query is
    /// first resolved to the ids it selects, so adapters never see paging
    /// there.
    async fn unpaged(&self, s: crate::session::Session<'_>) -> Result<Option<Cond>> {
        if self.limit.is_none() && self.skip.is_none() {
            return Ok(None);
        }
        let ids = s.for_write().select_ids(&self.stmt()).await?;
        Ok(Some(Cond::is_in(
            "id",
            ids.into_iter().map(crate::value::Value::Id).collect(),
        )))
    }

    /// Deletes every matching record, applying integrity rules; returns how
    /// many records of `M` were deleted. A restrict violation is
    /// [`Error::Rejected`] and deletes nothing.
    pub async fn delete(&self, db: &impl Executor) -> Result<u64> {
        let s = db.session().with_timeout(self.timeout);
        let by_ids = self.unpaged(s).await?;
        let q = by_ids
            .as_ref()
            .map_or_else(|| self.stmt(), |c| Select::filter(M::schema(), c));
        s.delete(&q).await
    }
}

/// A query that reads only the columns of the partial type `T`, built by
/// [`Query::select`].
pub struct Selected<M, T> {
    query: Query<M>,
    _t: PhantomData<fn() -> T>,
}

impl<M, T> Clone for Selected<M, T> {
    fn clone(&self) -> Self {
        Selected {
            query: self.query.clone(),
            _t: PhantomData,
        }
    }
}

impl<M, T> std::fmt::Debug for Selected<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selected")
            .field("query", &self.query)
            .field("partial", &std::any::type_name::<T>())
            .finish()
    }
}

impl<M, T> Selected<M, T> {
    pub(crate) fn into_query(self) -> Query<M> {
        self.query
    }
}

impl<M: Model, T: Partial<Model = M>> Selected<M, T> {
    /// Runs the query and decodes every row into `T`.
    pub async fn all(&self, db: &impl Executor) -> Result<Vec<T>> {
        let q = Select {
            columns: Some(T::columns()),
            ..self.query.stmt()
        };
        self.query.decoded(&q, db.session(), T::from_row).await
    }

    /// The first row, or `None`.
    pub async fn first(&self, db: &impl Executor) -> Result<Option<T>> {
        let mut q = self.clone();
        q.query.limit = Some(self.query.limit.map_or(1, |l| l.min(1)));
        Ok(q.all(db).await?.pop())
    }
}
