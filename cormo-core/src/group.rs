//! Typed grouped reads: `Query::group_by(..).aggregate(..)` and
//! `Query::aggregate(..)`, with results decoded into tuples.
//!
//! ```ignore
//! use cormo::{count, sum};
//! // Per author: how many posts, and their votes in all; most posts first.
//! let rows: Vec<(Option<i64>, (i64, Option<i64>))> = Post::query()
//!     .group_by(Post::USER_ID)
//!     .aggregate((count(), sum(Post::VOTES)))
//!     .having(count().gte(2))
//!     .order_by(count().desc())
//!     .all(&db)
//!     .await?;
//! ```

use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use crate::cond::{CmpOp, Col, Dir};
use crate::connection::Executor;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::Query;
use crate::stmt::{AggExpr, AggFunc, Aggregate, Expr, GroupOrder, Having};
use crate::value::{FieldType, IntoField, NumericField, RowReader};

/// An aggregate over model `M` whose value decodes as `T` (see [`count`],
/// [`sum`], [`avg`], [`min`], [`max`]). Compare it to build a
/// [`Having`] condition, or order groups by it.
pub struct Agg<M, T> {
    expr: AggExpr,
    _m: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Agg<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Agg<M, T> {}

impl<M, T> std::fmt::Debug for Agg<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}

fn agg<M, T>(func: AggFunc, column: Option<&'static str>) -> Agg<M, T> {
    Agg {
        expr: AggExpr { func, column },
        _m: PhantomData,
    }
}

/// The number of records in a group. It belongs to no model, so it can
/// stand alone in `having(count().gt(1))`.
pub fn count() -> Count {
    Count
}

/// The number of records in a group (see [`count`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count;

impl Count {
    fn agg<M>(self) -> Agg<M, i64> {
        agg(AggFunc::Count, None)
    }
    /// `count = n`
    pub fn eq(self, n: i64) -> Having {
        self.agg::<()>().eq(n)
    }
    /// `count <> n`
    pub fn ne(self, n: i64) -> Having {
        self.agg::<()>().ne(n)
    }
    /// `count > n`
    pub fn gt(self, n: i64) -> Having {
        self.agg::<()>().gt(n)
    }
    /// `count >= n`
    pub fn gte(self, n: i64) -> Having {
        self.agg::<()>().gte(n)
    }
    /// `count < n`
    pub fn lt(self, n: i64) -> Having {
        self.agg::<()>().lt(n)
    }
    /// `count <= n`
    pub fn lte(self, n: i64) -> Having {
        self.agg::<()>().lte(n)
    }
    /// `count = other`, a numeric aggregate of the same group (a NULL
    /// `other` does not match).
    pub fn eq_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().eq_agg(other)
    }
    /// `count <> other`
    pub fn ne_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().ne_agg(other)
    }
    /// `count > other`: `count().gt_agg(sum(Post::VOTES))`
    pub fn gt_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().gt_agg(other)
    }
    /// `count >= other`
    pub fn gte_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().gte_agg(other)
    }
    /// `count < other`
    pub fn lt_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().lt_agg(other)
    }
    /// `count <= other`
    pub fn lte_agg<M, O: AggOf<M>>(self, other: O) -> Having
    where
        i64: ComparesWith<O::Value>,
    {
        self.agg::<M>().lte_agg(other)
    }
    /// Groups with the fewest records first.
    pub fn asc(self) -> GroupOrder {
        self.agg::<()>().asc()
    }
    /// Groups with the most records first.
    pub fn desc(self) -> GroupOrder {
        self.agg::<()>().desc()
    }
}

impl From<Count> for Expr {
    fn from(c: Count) -> Self {
        Expr::Agg(c.agg::<()>().expr)
    }
}

/// The sum of a numeric column over a group: `i64` for integer columns,
/// `f64` for float ones; `None` when the group holds no non-null value.
pub fn sum<M, T: Summable>(col: Col<M, T>) -> Agg<M, Option<T::Sum>>
where
    Option<T::Sum>: FieldType,
{
    agg(AggFunc::Sum, Some(col.name()))
}

/// The mean of a numeric column over a group, as a float; `None` when the
/// group holds no non-null value.
pub fn avg<M, T: NumericField>(col: Col<M, T>) -> Agg<M, Option<f64>> {
    agg(AggFunc::Avg, Some(col.name()))
}

/// The smallest non-null value of a column in a group.
pub fn min<M, T: Ordered>(col: Col<M, T>) -> Agg<M, Option<T::Inner>>
where
    Option<T::Inner>: FieldType,
{
    agg(AggFunc::Min, Some(col.name()))
}

/// The largest non-null value of a column in a group.
pub fn max<M, T: Ordered>(col: Col<M, T>) -> Agg<M, Option<T::Inner>>
where
    Option<T::Inner>: FieldType,
{
    agg(AggFunc::Max, Some(col.name()))
}

/// Numeric fields [`sum`] takes, and the type of their sum.
pub trait Summable: NumericField {
    /// `i64` for integers, `f64` for floats.
    type Sum: FieldType;
}
impl Summable for i32 {
    type Sum = i64;
}
impl Summable for i64 {
    type Sum = i64;
}
impl Summable for f64 {
    type Sum = f64;
}
impl Summable for Option<i32> {
    type Sum = i64;
}
impl Summable for Option<i64> {
    type Sum = i64;
}
impl Summable for Option<f64> {
    type Sum = f64;
}

/// An aggregate over the groups of model `M`: an [`Agg`], or [`count`],
/// which belongs to every model. The `_agg` comparisons take one.
pub trait AggOf<M> {
    /// The type its value decodes as.
    type Value: FieldType;
    /// The aggregate, as a statement holds it.
    fn agg_expr(&self) -> AggExpr;
}

impl<M, T: FieldType> AggOf<M> for Agg<M, T> {
    type Value = T;
    fn agg_expr(&self) -> AggExpr {
        self.expr
    }
}

impl<M> AggOf<M> for Count {
    type Value = i64;
    fn agg_expr(&self) -> AggExpr {
        AggExpr {
            func: AggFunc::Count,
            column: None,
        }
    }
}

/// Value types an aggregate of type `Self` compares with in `having`:
/// numbers with numbers (a count with a sum, an integer with a mean),
/// text with text, dates with dates.
#[diagnostic::on_unimplemented(
    message = "an aggregate of `{Self}` values cannot be compared with one of `{U}` values",
    label = "compares `{Self}` with `{U}`",
    note = "numbers compare with numbers, text with text, dates with dates"
)]
pub trait ComparesWith<U> {}

/// `impl ComparesWith<B> for A` for every pair of one kind. Written out
/// rather than as a blanket impl, so a mismatch is reported as this
/// trait's message, not as a bound of some other trait.
macro_rules! compares_within {
    ([$($a:ty),*]) => {
        compares_within!(@each [$($a),*] [$($a),*]);
    };
    (@each [$($a:ty),*] $all:tt) => {
        $(compares_within!(@one $a $all);)*
    };
    (@one $a:ty [$($b:ty),*]) => {
        $(impl ComparesWith<$b> for $a {})*
    };
}

compares_within!([i32, i64, f64, Option<i32>, Option<i64>, Option<f64>]);
compares_within!([String, Option<String>]);
compares_within!([DateTime<Utc>, Option<DateTime<Utc>>]);

/// Fields with an order, the ones [`min`] and [`max`] take.
pub trait Ordered: FieldType {}
impl Ordered for String {}
impl Ordered for i32 {}
impl Ordered for i64 {}
impl Ordered for f64 {}
impl Ordered for DateTime<Utc> {}
impl Ordered for Option<String> {}
impl Ordered for Option<i32> {}
impl Ordered for Option<i64> {}
impl Ordered for Option<f64> {}
impl Ordered for Option<DateTime<Utc>> {}

impl<M, T: FieldType> Agg<M, T> {
    fn cmp(self, op: CmpOp, v: impl IntoField<T::Inner>) -> Having {
        Having::Compare {
            lhs: Expr::Agg(self.expr),
            op,
            rhs: Expr::Value(v.into_value()),
        }
    }
    /// `aggregate = v`
    pub fn eq(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Eq, v)
    }
    /// `aggregate <> v` (a NULL aggregate does not match)
    pub fn ne(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Ne, v)
    }
    /// `aggregate > v`
    pub fn gt(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Gt, v)
    }
    /// `aggregate >= v`
    pub fn gte(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Gte, v)
    }
    /// `aggregate < v`
    pub fn lt(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Lt, v)
    }
    /// `aggregate <= v`
    pub fn lte(self, v: impl IntoField<T::Inner>) -> Having {
        self.cmp(CmpOp::Lte, v)
    }
    fn cmp_agg<O: AggOf<M>>(self, op: CmpOp, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        Having::Compare {
            lhs: Expr::Agg(self.expr),
            op,
            rhs: Expr::Agg(other.agg_expr()),
        }
    }
    /// `aggregate = other`, another aggregate of the same group (a NULL on
    /// either side does not match).
    pub fn eq_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Eq, other)
    }
    /// `aggregate <> other`
    pub fn ne_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Ne, other)
    }
    /// `aggregate > other`: `max(Post::VOTES).gt_agg(min(Post::VOTES))`
    pub fn gt_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Gt, other)
    }
    /// `aggregate >= other`
    pub fn gte_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Gte, other)
    }
    /// `aggregate < other`
    pub fn lt_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Lt, other)
    }
    /// `aggregate <= other`
    pub fn lte_agg<O: AggOf<M>>(self, other: O) -> Having
    where
        T: ComparesWith<O::Value>,
    {
        self.cmp_agg(CmpOp::Lte, other)
    }
    /// Groups in ascending order of the aggregate (NULL first).
    pub fn asc(self) -> GroupOrder {
        GroupOrder::Agg {
            expr: self.expr,
            dir: Dir::Asc,
        }
    }
    /// Groups in descending order of the aggregate (NULL last).
    pub fn desc(self) -> GroupOrder {
        GroupOrder::Agg {
            expr: self.expr,
            dir: Dir::Desc,
        }
    }
}

impl<M, T> From<Agg<M, T>> for Expr {
    fn from(a: Agg<M, T>) -> Self {
        Expr::Agg(a.expr)
    }
}

/// What a query groups by: one column (`Post::USER_ID`) or a tuple of up
/// to four. A group's key decodes as the columns' field types.
pub trait GroupKey<M>: Send + Sync {
    /// The decoded key.
    type Row: Send;
    /// The grouped columns.
    fn columns(&self) -> Vec<&'static str>;
    /// Reads the key from a result row, starting at column `start`.
    fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<Self::Row>;
}

impl<M> GroupKey<M> for () {
    type Row = ();
    fn columns(&self) -> Vec<&'static str> {
        Vec::new()
    }
    fn decode(&self, _: &mut dyn RowReader, _: usize) -> Result<()> {
        Ok(())
    }
}

impl<M, T: FieldType> GroupKey<M> for Col<M, T> {
    type Row = T;
    fn columns(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
    fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<T> {
        T::decode(row, start, self.name())
    }
}

/// What a grouped read returns per group: one aggregate or a tuple of up
/// to six, decoded as their types.
pub trait Aggregates<M>: Send + Sync {
    /// The decoded values.
    type Row: Send;
    /// The aggregates, in result order.
    fn exprs(&self) -> Vec<AggExpr>;
    /// Reads the values from a result row, starting at column `start`.
    fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<Self::Row>;
}

/// One aggregate of a model-`M` read: an [`Agg`] or [`Count`].
pub trait AggItem<M>: Send + Sync {
    /// Its decoded value.
    type Out: FieldType;
    /// The aggregate.
    fn expr(&self) -> AggExpr;
}

impl<M, T: FieldType> AggItem<M> for Agg<M, T> {
    type Out = T;
    fn expr(&self) -> AggExpr {
        self.expr
    }
}

impl<M> AggItem<M> for Count {
    type Out = i64;
    fn expr(&self) -> AggExpr {
        AggExpr {
            func: AggFunc::Count,
            column: None,
        }
    }
}

fn decode_item<M, X: AggItem<M>>(x: &X, row: &mut dyn RowReader, idx: usize) -> Result<X::Out> {
    X::Out::decode(row, idx, x.expr().column.unwrap_or("count"))
}

impl<M, T: FieldType> Aggregates<M> for Agg<M, T> {
    type Row = T;
    fn exprs(&self) -> Vec<AggExpr> {
        vec![self.expr]
    }
    fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<T> {
        decode_item::<M, _>(self, row, start)
    }
}

impl<M> Aggregates<M> for Count {
    type Row = i64;
    fn exprs(&self) -> Vec<AggExpr> {
        vec![AggItem::<M>::expr(self)]
    }
    fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<i64> {
        decode_item::<M, _>(self, row, start)
    }
}

macro_rules! group_tuple {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t: FieldType),+> GroupKey<M> for ($(Col<M, $t>,)+) {
            type Row = ($($t,)+);
            fn columns(&self) -> Vec<&'static str> {
                vec![$(self.$i.name()),+]
            }
            fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<Self::Row> {
                Ok(($($t::decode(row, start + $i, self.$i.name())?,)+))
            }
        }
    };
}

macro_rules! agg_tuple {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t: AggItem<M>),+> Aggregates<M> for ($($t,)+) {
            type Row = ($($t::Out,)+);
            fn exprs(&self) -> Vec<AggExpr> {
                vec![$(self.$i.expr()),+]
            }
            fn decode(&self, row: &mut dyn RowReader, start: usize) -> Result<Self::Row> {
                Ok(($(decode_item::<M, _>(&self.$i, row, start + $i)?,)+))
            }
        }
    };
}

group_tuple!(A 0);
group_tuple!(A 0, B 1);
group_tuple!(A 0, B 1, C 2);
group_tuple!(A 0, B 1, C 2, D 3);
agg_tuple!(A 0);
agg_tuple!(A 0, B 1);
agg_tuple!(A 0, B 1, C 2);
agg_tuple!(A 0, B 1, C 2, D 3);
agg_tuple!(A 0, B 1, C 2, D 3, E 4);
agg_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A query grouped by `G`, waiting for its aggregates
/// ([`Query::group_by`]).
pub struct Grouped<M, G> {
    query: Query<M>,
    group: G,
}

impl<M: Model, G: GroupKey<M>> Grouped<M, G> {
    /// The aggregates each group returns.
    pub fn aggregate<A: Aggregates<M>>(self, aggregates: A) -> Aggregated<M, G, A> {
        Aggregated::new(self.query, self.group, aggregates)
    }
}

impl<M: Model> Query<M> {
    /// Groups the records this query's filter selects by one column or a
    /// tuple of columns; `.aggregate(..)` then says what each group returns.
    /// Order and paging set on the query itself would apply to records,
    /// which a grouped read does not return: set them on the grouped read.
    pub fn group_by<G: GroupKey<M>>(self, group: G) -> Grouped<M, G> {
        Grouped { query: self, group }
    }

    /// Aggregates over every record the filter selects, as one group:
    /// `User::query().aggregate((count(), avg(User::AGE))).get(&db)`.
    pub fn aggregate<A: Aggregates<M>>(self, aggregates: A) -> Aggregated<M, (), A> {
        Aggregated::new(self, (), aggregates)
    }
}

/// A grouped read, run by [`all`](Self::all) (or, without groups,
/// [`get`](Aggregated::get)).
pub struct Aggregated<M, G, A> {
    query: Query<M>,
    group: G,
    aggregates: A,
    having: Having,
    order: Vec<GroupOrder>,
    limit: Option<u64>,
    skip: Option<u64>,
}

impl<M, G: Clone, A: Clone> Clone for Aggregated<M, G, A> {
    fn clone(&self) -> Self {
        Aggregated {
            query: self.query.clone(),
            group: self.group.clone(),
            aggregates: self.aggregates.clone(),
            having: self.having.clone(),
            order: self.order.clone(),
            limit: self.limit,
            skip: self.skip,
        }
    }
}

impl<M: Model, G: GroupKey<M>, A: Aggregates<M>> Aggregated<M, G, A> {
    fn new(query: Query<M>, group: G, aggregates: A) -> Self {
        Aggregated {
            query,
            group,
            aggregates,
            having: Having::True,
            order: Vec::new(),
            limit: None,
            skip: None,
        }
    }

    /// Keeps the groups matching `h` (SQL's `HAVING`): a comparison of an
    /// aggregate (`count().gt(1)`), a condition on grouped columns
    /// (`Post::USER_ID.eq(3)`), or `&`, `|`, `!` of them. Repeated calls
    /// are ANDed.
    pub fn having(mut self, h: impl Into<Having>) -> Self {
        self.having = std::mem::replace(&mut self.having, Having::True) & h.into();
        self
    }

    /// Orders groups by a grouped column (`Post::USER_ID.asc()`) or an
    /// aggregate (`count().desc()`); NULL sorts as the smallest value.
    pub fn order_by(mut self, o: impl Into<GroupOrder>) -> Self {
        self.order.push(o.into());
        self
    }

    /// At most `n` groups.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` groups.
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = Some(n);
        self
    }

    /// Every group: its key and its aggregates.
    pub async fn all(&self, db: &impl Executor) -> Result<Vec<(G::Row, A::Row)>> {
        let parts = self.query.parts();
        if parts.has_record_paging {
            return Err(Error::validation(
                "query",
                "has order, limit, skip or include set on its records, but a grouped read (group_by / aggregate) returns groups: set order and paging on the grouped read",
            ));
        }
        let group_by = self.group.columns();
        let outputs = self.aggregates.exprs();
        let stmt = Aggregate {
            schema: M::schema(),
            filter: parts.cond,
            group_by: &group_by,
            outputs: &outputs,
            having: &self.having,
            order: &self.order,
            limit: self.limit,
            skip: self.skip,
            timeout: parts.timeout,
        };
        let g = group_by.len();
        let mut out = Vec::new();
        let mut sink = |row: &mut dyn RowReader| -> Result<()> {
            let key = self.group.decode(row, 0)?;
            let values = self.aggregates.decode(row, g)?;
            out.push((key, values));
            Ok(())
        };
        db.session().aggregate(&stmt, &mut sink).await?;
        Ok(out)
    }
}

impl<M: Model, A: Aggregates<M>> Aggregated<M, (), A> {
    /// The aggregates over all selected records (one group, even when no
    /// record matches: a count of 0 and `None` for the rest). A `having`
    /// that rejects the group makes this [`Error::NotFound`].
    pub async fn get(&self, db: &impl Executor) -> Result<A::Row> {
        let mut rows = self.all(db).await?;
        match rows.pop() {
            Some(((), values)) => Ok(values),
            None => Err(Error::NotFound {
                model: M::schema().name,
            }),
        }
    }
}
