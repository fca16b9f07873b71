//! A grouped read: `GROUP BY` with aggregate outputs, `HAVING`, order and
//! paging.

use crate::cond::{CmpOp, Cond, Dir};
use crate::schema::{ColumnType, ModelSchema};
use crate::stmt::Expr;

/// The aggregate functions every backend computes the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggFunc {
    /// Rows in the group (`COUNT(*)`, `{$sum: 1}`).
    Count,
    /// The sum of the column's non-null values; NULL when there are none.
    Sum,
    /// The smallest non-null value; NULL when there are none.
    Min,
    /// The largest non-null value; NULL when there are none.
    Max,
    /// The mean of the non-null values, as a float; NULL when there are none.
    Avg,
}

impl AggFunc {
    /// The name in messages and in CORMO's JSON form (`$sum`, …).
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Avg => "avg",
        }
    }
}

/// One aggregate: a function over a column; `Count` takes none (a column
/// given to it is [`Error::Validation`](crate::Error::Validation)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AggExpr {
    /// The function.
    pub func: AggFunc,
    /// The column it reads; `None` for `Count` of rows.
    pub column: Option<&'static str>,
}

impl AggExpr {
    /// The type of the value this aggregate produces over a column of type
    /// `input`: counts are big integers, sums keep integer or float, means
    /// are floats, min and max keep the column's type.
    pub fn output_type(&self, input: Option<ColumnType>) -> ColumnType {
        match (self.func, input) {
            (AggFunc::Count, _) => ColumnType::BigInteger,
            (AggFunc::Avg, _) => ColumnType::Number,
            (AggFunc::Sum, Some(ColumnType::Number)) => ColumnType::Number,
            (AggFunc::Sum, _) => ColumnType::BigInteger,
            (AggFunc::Min | AggFunc::Max, Some(t)) => t,
            (AggFunc::Min | AggFunc::Max, None) => ColumnType::BigInteger,
        }
    }

    /// The type of the column the aggregate reads in `schema` (`None` for
    /// a count).
    pub fn input_type(&self, schema: &ModelSchema) -> Option<ColumnType> {
        self.column.and_then(|c| schema.column(c)).map(|c| c.ty)
    }

    /// Whether the output can be NULL (every aggregate but `Count`).
    pub fn nullable(&self) -> bool {
        self.func != AggFunc::Count
    }
}

/// A condition on groups: on aggregates, or (as [`Having::Group`]) on the
/// grouped columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Having {
    /// Every group.
    True,
    /// `lhs op rhs` over aggregates (they need not be among the outputs),
    /// grouped columns and values: `count > 2`, `max(a) > min(b)`. A NULL on
    /// either side matches no comparison.
    Compare {
        /// The left side.
        lhs: Expr,
        /// The comparison.
        op: CmpOp,
        /// The right side.
        rhs: Expr,
    },
    /// A condition that names grouped columns only.
    Group(Cond),
    /// All of them.
    And(Vec<Having>),
    /// Any of them.
    Or(Vec<Having>),
    /// Groups where the inner condition is not true (two-valued, as `Cond::Not`).
    Not(Box<Having>),
}

impl Having {
    /// Calls `f` on every aggregate leaf and every group condition.
    pub fn for_each_leaf<'h>(&'h self, f: &mut impl FnMut(&'h Having)) {
        match self {
            Having::And(list) | Having::Or(list) => {
                list.iter().for_each(|h| h.for_each_leaf(f));
            }
            Having::Not(inner) => inner.for_each_leaf(f),
            leaf => f(leaf),
        }
    }

    fn join(self, other: Having, and: bool) -> Having {
        match (self, other, and) {
            (Having::True, o, true) | (o, Having::True, true) => o,
            (Having::And(mut a), o, true) => {
                a.push(o);
                Having::And(a)
            }
            (Having::Or(mut a), o, false) => {
                a.push(o);
                Having::Or(a)
            }
            (a, b, true) => Having::And(vec![a, b]),
            (a, b, false) => Having::Or(vec![a, b]),
        }
    }
}

impl From<Cond> for Having {
    fn from(c: Cond) -> Self {
        Having::Group(c)
    }
}

impl std::ops::BitAnd for Having {
    type Output = Having;
    fn bitand(self, rhs: Having) -> Having {
        self.join(rhs, true)
    }
}

impl std::ops::BitOr for Having {
    type Output = Having;
    fn bitor(self, rhs: Having) -> Having {
        self.join(rhs, false)
    }
}

impl std::ops::BitAnd<Cond> for Having {
    type Output = Having;
    fn bitand(self, rhs: Cond) -> Having {
        self.join(Having::Group(rhs), true)
    }
}

impl std::ops::BitOr<Cond> for Having {
    type Output = Having;
    fn bitor(self, rhs: Cond) -> Having {
        self.join(Having::Group(rhs), false)
    }
}

impl std::ops::BitAnd<Having> for Cond {
    type Output = Having;
    fn bitand(self, rhs: Having) -> Having {
        Having::Group(self).join(rhs, true)
    }
}

impl std::ops::BitOr<Having> for Cond {
    type Output = Having;
    fn bitor(self, rhs: Having) -> Having {
        Having::Group(self).join(rhs, false)
    }
}

impl std::ops::Not for Having {
    type Output = Having;
    fn not(self) -> Having {
        match self {
            Having::Not(inner) => *inner,
            other => Having::Not(Box::new(other)),
        }
    }
}

/// One ordering term of a grouped read: a grouped column or an aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrder {
    /// A grouped column.
    Column {
        /// Its name.
        column: &'static str,
        /// The direction.
        dir: Dir,
    },
    /// An aggregate (it need not be one of the outputs).
    Agg {
        /// The aggregate.
        expr: AggExpr,
        /// The direction; NULL sorts as the smallest value.
        dir: Dir,
    },
}

impl From<crate::cond::Order> for GroupOrder {
    fn from(o: crate::cond::Order) -> Self {
        GroupOrder::Column {
            column: o.column,
            dir: o.dir,
        }
    }
}

/// `SELECT group…, aggregate… FROM schema WHERE filter GROUP BY group…
/// HAVING having ORDER BY order LIMIT limit OFFSET skip`.
///
/// A result row holds the grouped columns first, in `group_by` order, then
/// one value per `outputs` entry. With no `group_by` there is exactly one
/// group, the whole (filtered) table, even when it is empty: its count is
/// 0 and its other aggregates NULL.
#[derive(Debug, Clone, Copy)]
pub struct Aggregate<'a> {
    /// The model read.
    pub schema: &'static ModelSchema,
    /// Which rows take part.
    pub filter: &'a Cond,
    /// The grouped columns (never `id`).
    pub group_by: &'a [&'static str],
    /// The aggregates returned.
    pub outputs: &'a [AggExpr],
    /// Which groups are returned.
    pub having: &'a Having,
    /// The order of groups.
    pub order: &'a [GroupOrder],
    /// At most this many groups.
    pub limit: Option<u64>,
    /// Skips this many groups.
    pub skip: Option<u64>,
    /// The statement's own time limit.
    pub timeout: Option<std::time::Duration>,
}

impl Aggregate<'_> {
    /// Every aggregate the statement computes: the outputs first, then
    /// those only `having` and `order` name, each once. A backend that
    /// computes aggregates in a separate stage (MongoDB's `$group`) names
    /// them by their position here.
    pub fn all_aggregates(&self) -> Vec<AggExpr> {
        let mut out: Vec<AggExpr> = self.outputs.to_vec();
        let mut add = |e: AggExpr| {
            if !out.contains(&e) {
                out.push(e);
            }
        };
        self.having.for_each_leaf(&mut |h| {
            if let Having::Compare { lhs, rhs, .. } = h {
                lhs.for_each_agg(&mut |e| add(*e));
                rhs.for_each_agg(&mut |e| add(*e));
            }
        });
        for o in self.order {
            if let GroupOrder::Agg { expr, .. } = o {
                add(*expr);
            }
        }
        out
    }

    /// The type of the column an aggregate reads (`None` for a count).
    pub fn input_type(&self, expr: &AggExpr) -> Option<ColumnType> {
        expr.input_type(self.schema)
    }
}
