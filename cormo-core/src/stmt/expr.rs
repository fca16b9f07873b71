//! Scalar expressions: what a comparison compares and an assignment writes.

use std::fmt;

use crate::cond::Col;
use crate::stmt::AggExpr;
use crate::value::FieldType;
use crate::value::Value;

/// A scalar expression over one row, or (in a grouped read) over one group.
///
/// Statements use it where a value is computed rather than bound as is:
/// the two sides of [`Cond::Compare`](crate::Cond::Compare) and
/// [`Having::Compare`](crate::stmt::Having::Compare), and what an
/// [`Assignment`] writes. Every backend can run each shape core lets
/// through (`validate` checks them before an adapter sees one):
///
/// | Where | Allowed |
/// |---|---|
/// | a row condition | a column compared with a column |
/// | a group condition | a grouped column, an aggregate or a value, compared with another of them (not two values) |
/// | an assignment | a value, or the column itself plus a value (`$inc`) |
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column of the row; in a grouped read, a grouped column.
    Column(&'static str),
    /// A value, always bound as a parameter.
    Value(Value),
    /// An aggregate over the group (grouped reads only).
    Agg(AggExpr),
    /// `lhs + rhs` on numbers; a NULL column counts as 0, as CORMO's
    /// `$inc` (and MongoDB's on a missing field) treats it.
    Add(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// A column, by its name in the schema.
    pub fn column(name: &'static str) -> Expr {
        Expr::Column(name)
    }

    /// A value.
    pub fn value(v: impl Into<Value>) -> Expr {
        Expr::Value(v.into())
    }

    /// Calls `f` on each column the expression reads.
    pub fn for_each_column(&self, f: &mut impl FnMut(&'static str)) {
        match self {
            Expr::Column(c) => f(c),
            Expr::Agg(AggExpr {
                column: Some(c), ..
            }) => f(c),
            Expr::Add(a, b) => {
                a.for_each_column(f);
                b.for_each_column(f);
            }
            Expr::Value(_) | Expr::Agg(_) => {}
        }
    }

    /// Calls `f` on each aggregate in the expression.
    pub fn for_each_agg(&self, f: &mut impl FnMut(&AggExpr)) {
        match self {
            Expr::Agg(e) => f(e),
            Expr::Add(a, b) => {
                a.for_each_agg(f);
                b.for_each_agg(f);
            }
            Expr::Column(_) | Expr::Value(_) => {}
        }
    }

    /// How deeply sums nest (1 for a leaf).
    pub fn depth(&self) -> usize {
        match self {
            Expr::Add(a, b) => 1 + a.depth().max(b.depth()),
            _ => 1,
        }
    }

    /// The value an increment of `column` adds, when this expression is
    /// `column + value` (the shape of [`Assign::Inc`](crate::Assign::Inc)).
    pub fn increment_of(&self, column: &str) -> Option<&Value> {
        match self {
            Expr::Add(a, b) => match (&**a, &**b) {
                (Expr::Column(c), Expr::Value(v)) if *c == column => Some(v),
                _ => None,
            },
            _ => None,
        }
    }
}

impl std::ops::Add for Expr {
    type Output = Expr;
    fn add(self, rhs: Expr) -> Expr {
        Expr::Add(Box::new(self), Box::new(rhs))
    }
}

impl From<AggExpr> for Expr {
    fn from(e: AggExpr) -> Self {
        Expr::Agg(e)
    }
}

impl<M, T: FieldType> From<Col<M, T>> for Expr {
    fn from(c: Col<M, T>) -> Self {
        Expr::Column(c.name())
    }
}

impl fmt::Display for Expr {
    /// The expression as messages show it: `age`, `sum(price)`, `count`,
    /// `age + 1`, `"text"` (values as [`Value`]'s `Display` writes them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(c) => f.write_str(c),
            Expr::Value(v) => write!(f, "{v}"),
            Expr::Agg(AggExpr {
                func,
                column: Some(c),
            }) => write!(f, "{}({c})", func.name()),
            Expr::Agg(AggExpr { func, column: None }) => f.write_str(func.name()),
            Expr::Add(a, b) => write!(f, "{a} + {b}"),
        }
    }
}

/// One assignment of an [`Update`](crate::stmt::Update): `column = value`.
/// Core lowers each [`Assign`](crate::Assign) to one: `Set` to a value,
/// `Inc` to `column + by`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The column written.
    pub column: &'static str,
    /// What it gets.
    pub value: Expr,
}

impl From<&crate::cond::Assign> for Assignment {
    fn from(a: &crate::cond::Assign) -> Self {
        use crate::cond::Assign;
        match a {
            Assign::Set { column, value } => Assignment {
                column,
                value: Expr::Value(value.clone()),
            },
            Assign::Inc { column, by } => Assignment {
                column,
                value: Expr::Column(column) + Expr::Value(by.clone()),
            },
        }
    }
}
