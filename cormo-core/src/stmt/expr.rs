//! Scalar expressions: what a comparison compares and an assignment writes.

use std::fmt;

use crate::cond::Col;
use crate::error::{Error, Result};
use crate::schema::ModelSchema;
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
/// | a group condition | an aggregate compared with an aggregate, a grouped column or a value; a grouped column with a grouped column |
/// | an assignment | a value, or the column itself plus a value (`$inc`) |
///
/// A column against a value is [`Cond::Cmp`](crate::Cond::Cmp) in either
/// place (`having` takes a `Cond`), where case folding and id checks apply.
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

    /// Fails on the first column `schema` does not have (`id` it has).
    pub fn check_columns(&self, schema: &ModelSchema) -> Result<()> {
        let mut unknown = None;
        self.for_each_column(&mut |c| {
            if unknown.is_none() && c != "id" && schema.column(c).is_none() {
                unknown = Some(c);
            }
        });
        match unknown {
            Some(c) => Err(Error::UnknownColumn {
                model: schema.name,
                column: c.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// The error for this expression, a sum, as a side of a comparison:
    /// arithmetic is for increments.
    pub fn arithmetic_in_condition(&self) -> Error {
        Error::validation(
            self.to_string(),
            "adds in a condition: arithmetic is for increments (`inc`, `$inc`) only",
        )
    }

    /// The error for this expression, an aggregate, in a row condition.
    pub fn aggregate_in_row_condition(&self) -> Error {
        Error::validation(
            self.to_string(),
            "is an aggregate: conditions on aggregates go in `having`",
        )
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
    /// Sums nested past a few levels show as `…`, so a tree built by code
    /// to any depth prints in bounded time and stack.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

impl Expr {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        match self {
            Expr::Column(c) => f.write_str(c),
            Expr::Value(v) => write!(f, "{v}"),
            Expr::Agg(AggExpr {
                func,
                column: Some(c),
            }) => write!(f, "{}({c})", func.name()),
            Expr::Agg(AggExpr { func, column: None }) => f.write_str(func.name()),
            Expr::Add(..) if depth >= 4 => f.write_str("…"),
            Expr::Add(a, b) => {
                a.write(f, depth + 1)?;
                f.write_str(" + ")?;
                b.write(f, depth + 1)
            }
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
