//! Conditions, orderings and updates, as data. Adapters render them.

use std::marker::PhantomData;
use std::ops;

use crate::stmt::Expr;
use crate::value::{FieldType, IntoField, NumericField, Value};

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

/// The three LIKE-style string matches. All are case-insensitive, as in CORMO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeKind {
    /// The text appears anywhere.
    Contains,
    /// The column starts with the text.
    StartsWith,
    /// The column ends with the text.
    EndsWith,
}

/// A condition tree. Column names are database names taken from the schema,
/// never from user input.
///
/// `Clone`, `PartialEq`, `Debug` and `Drop` walk the tree without recursion
/// (see `cond_deep.rs`), so a condition built by code to any depth never
/// overflows the stack; running one nested deeper than
/// [`MAX_COND_DEPTH`](crate::MAX_COND_DEPTH) is an [`Error::Validation`](crate::Error::Validation).
pub enum Cond {
    /// Matches every row.
    True,
    /// Matches no row (e.g. `IN ()` with an empty list).
    False,
    /// `column op value`; NULL matches no comparison.
    Cmp {
        /// The column.
        column: &'static str,
        /// The comparison.
        op: CmpOp,
        /// The value compared with.
        value: Value,
    },
    /// `column IN values` (never empty: see [`Cond::is_in`]).
    In {
        /// The column.
        column: &'static str,
        /// The values.
        values: Vec<Value>,
    },
    /// `column IS NULL` (a missing field on MongoDB too).
    IsNull {
        /// The column.
        column: &'static str,
    },
    /// A case-insensitive text match.
    Like {
        /// The column.
        column: &'static str,
        /// Where the text must appear.
        kind: LikeKind,
        /// The literal text to find; adapters escape wildcards.
        text: String,
    },
    /// `lhs op rhs`: two expressions over one row compared; the typed API
    /// and CORMO's `$ceq`, `$cgt`, … compare two columns. A NULL on either
    /// side matches no comparison. (A column against a value is
    /// [`Cond::Cmp`]; see [`Expr`] for the shapes allowed.)
    Compare {
        /// The left side.
        lhs: Expr,
        /// The comparison.
        op: CmpOp,
        /// The right side.
        rhs: Expr,
    },
    /// The column's text matches a regular expression (the syntax every
    /// backend shares: what Rust's `regex` crate accepts, without
    /// look-around or back-references, which it refuses).
    Regex {
        /// The column.
        column: &'static str,
        /// The expression.
        pattern: String,
        /// Letters match either case (`/re/i`).
        case_insensitive: bool,
    },
    /// All of them (an empty list matches every row).
    And(Vec<Cond>),
    /// Any of them (an empty list matches no row).
    Or(Vec<Cond>),
    /// Two-valued negation: rows where the inner condition is not true,
    /// including rows where it is unknown because a column is NULL (CORMO's
    /// `$not` semantics).
    Not(Box<Cond>),
}

impl Cond {
    /// Both conditions.
    pub fn and(mut self, mut other: Cond) -> Cond {
        // `Cond` implements `Drop`, so parts are moved out with `take`.
        match (&mut self, &mut other) {
            (Cond::True, _) => other.take(),
            (_, Cond::True) => self.take(),
            (Cond::And(a), Cond::And(b)) => {
                a.append(b);
                self.take()
            }
            (Cond::And(a), _) => {
                a.push(other.take());
                self.take()
            }
            _ => Cond::And(vec![self.take(), other.take()]),
        }
    }

    /// Either condition.
    pub fn or(mut self, mut other: Cond) -> Cond {
        match (&mut self, &mut other) {
            (Cond::Or(a), Cond::Or(b)) => {
                a.append(b);
                self.take()
            }
            (Cond::Or(a), _) => {
                a.push(other.take());
                self.take()
            }
            _ => Cond::Or(vec![self.take(), other.take()]),
        }
    }

    /// Moves the condition out, leaving `True` (which owns nothing).
    pub(crate) fn take(&mut self) -> Cond {
        std::mem::replace(self, Cond::True)
    }

    /// Equality on a column, for code that works from the schema.
    pub fn eq(column: &'static str, value: Value) -> Cond {
        if value.is_null() {
            return Cond::IsNull { column };
        }
        Cond::Cmp {
            column,
            op: CmpOp::Eq,
            value,
        }
    }

    /// The column a leaf names (`None` for `True`, `False`, `And`, `Or`, `Not`).
    pub(crate) fn leaf_column(&self) -> Option<&'static str> {
        match self {
            Cond::Cmp { column, .. }
            | Cond::In { column, .. }
            | Cond::IsNull { column }
            | Cond::Like { column, .. }
            | Cond::Regex { column, .. } => Some(column),
            _ => None,
        }
    }

    /// `column IN values`; an empty list matches nothing.
    pub fn is_in(column: &'static str, values: Vec<Value>) -> Cond {
        if values.is_empty() {
            Cond::False
        } else {
            Cond::In { column, values }
        }
    }
}

impl ops::BitAnd for Cond {
    type Output = Cond;
    fn bitand(self, rhs: Cond) -> Cond {
        self.and(rhs)
    }
}

impl ops::BitOr for Cond {
    type Output = Cond;
    fn bitor(self, rhs: Cond) -> Cond {
        self.or(rhs)
    }
}

impl ops::Not for Cond {
    type Output = Cond;
    fn not(mut self) -> Cond {
        match &mut self {
            Cond::Not(inner) => inner.take(),
            _ => Cond::Not(Box::new(self)),
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Smallest first (NULL first).
    Asc,
    /// Largest first (NULL last).
    Desc,
}

/// One ordering term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The column.
    pub column: &'static str,
    /// The direction.
    pub dir: Dir,
}

/// One assignment in an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Assign {
    /// `column = value`.
    Set {
        /// The column.
        column: &'static str,
        /// Its new value (NULL allowed on nullable columns).
        value: Value,
    },
    /// `column = column + by` (CORMO's `$inc`; a negative `by` decrements).
    Inc {
        /// The column.
        column: &'static str,
        /// What is added.
        by: Value,
    },
}

impl Assign {
    /// The column assigned.
    pub fn column(&self) -> &'static str {
        match self {
            Assign::Set { column, .. } | Assign::Inc { column, .. } => column,
        }
    }
}

/// A typed handle on one column of model `M` holding a `T`.
///
/// The derive generates one per field as an associated constant
/// (`User::AGE`), so a misspelled column does not compile and values must
/// have the field's type.
pub struct Col<M, T> {
    name: &'static str,
    _m: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Col<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Col<M, T> {}

impl<M, T> std::fmt::Debug for Col<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Col({})", self.name)
    }
}

impl<M, T: FieldType> Col<M, T> {
    /// Used by generated code.
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Col {
            name,
            _m: PhantomData,
        }
    }

    /// The database column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn cmp(self, op: CmpOp, v: impl IntoField<T::Inner>) -> Cond {
        let value = v.into_value();
        // Only an unsaved record's id converts to nothing; comparing with
        // nothing matches nothing (use `is_null` for NULL).
        if value.is_null() {
            return Cond::False;
        }
        Cond::Cmp {
            column: self.name,
            op,
            value,
        }
    }

    /// `= v`
    pub fn eq(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Eq, v)
    }
    /// `<> v` (rows where the column is NULL do not match; use `!col.eq(v)` for CORMO's `$not`)
    pub fn ne(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Ne, v)
    }
    /// `> v`
    pub fn gt(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Gt, v)
    }
    /// `>= v`
    pub fn gte(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Gte, v)
    }
    /// `< v`
    pub fn lt(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Lt, v)
    }
    /// `<= v`
    pub fn lte(self, v: impl IntoField<T::Inner>) -> Cond {
        self.cmp(CmpOp::Lte, v)
    }

    fn col_cmp<U: FieldType<Inner = T::Inner>>(self, op: CmpOp, other: Col<M, U>) -> Cond {
        Cond::Compare {
            lhs: Expr::Column(self.name),
            op,
            rhs: Expr::Column(other.name),
        }
    }
    /// `= other`, another column of the same row (CORMO's `$ceq`); NULL
    /// on either side does not match.
    pub fn eq_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Eq, other)
    }
    /// `<> other` (`$cne`)
    pub fn ne_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Ne, other)
    }
    /// `> other` (`$cgt`)
    pub fn gt_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Gt, other)
    }
    /// `>= other` (`$cgte`)
    pub fn gte_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Gte, other)
    }
    /// `< other` (`$clt`)
    pub fn lt_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Lt, other)
    }
    /// `<= other` (`$clte`)
    pub fn lte_col<U: FieldType<Inner = T::Inner>>(self, other: Col<M, U>) -> Cond {
        self.col_cmp(CmpOp::Lte, other)
    }

    /// `IN (...)`; an empty list matches nothing.
    pub fn is_in<V: IntoField<T::Inner>>(self, vs: impl IntoIterator<Item = V>) -> Cond {
        let values = vs
            .into_iter()
            .map(|v| v.into_value())
            .filter(|v| !v.is_null());
        Cond::is_in(self.name, values.collect())
    }

    /// `IS NULL`
    pub fn is_null(self) -> Cond {
        Cond::IsNull { column: self.name }
    }

    /// `IS NOT NULL`
    pub fn is_not_null(self) -> Cond {
        !self.is_null()
    }

    /// Ascending order.
    pub fn asc(self) -> Order {
        Order {
            column: self.name,
            dir: Dir::Asc,
        }
    }

    /// Descending order.
    pub fn desc(self) -> Order {
        Order {
            column: self.name,
            dir: Dir::Desc,
        }
    }

    /// Assigns `v` in an update.
    pub fn set(self, v: impl IntoField<T::Inner>) -> Assign {
        Assign::Set {
            column: self.name,
            value: v.into_value(),
        }
    }
}

impl<M, T> Col<M, Option<T>>
where
    Option<T>: FieldType,
{
    /// Sets the nullable column to NULL in an update.
    pub fn set_null(self) -> Assign {
        Assign::Set {
            column: self.name,
            value: Value::Null,
        }
    }
}

impl<M, T: FieldType<Inner = String>> Col<M, T> {
    fn like(self, kind: LikeKind, text: &str) -> Cond {
        Cond::Like {
            column: self.name,
            kind,
            text: text.to_owned(),
        }
    }
    /// Contains `text`, case-insensitively; `%` and `_` are literal.
    pub fn contains(self, text: &str) -> Cond {
        self.like(LikeKind::Contains, text)
    }
    /// Starts with `text`, case-insensitively.
    pub fn starts_with(self, text: &str) -> Cond {
        self.like(LikeKind::StartsWith, text)
    }
    /// Ends with `text`, case-insensitively.
    pub fn ends_with(self, text: &str) -> Cond {
        self.like(LikeKind::EndsWith, text)
    }
    /// Contains any of `texts`, case-insensitively (CORMO's `$contains`
    /// with a list); an empty list matches nothing.
    pub fn contains_any<S: AsRef<str>>(self, texts: impl IntoIterator<Item = S>) -> Cond {
        let parts: Vec<Cond> = texts
            .into_iter()
            .map(|t| self.like(LikeKind::Contains, t.as_ref()))
            .collect();
        match parts.len() {
            0 => Cond::False,
            1 => parts.into_iter().next().unwrap_or(Cond::False),
            _ => Cond::Or(parts),
        }
    }
    /// Matches the regular expression `pattern`, case-sensitively. The
    /// pattern is checked when the query runs: one no backend would read
    /// the same way is an [`Error::Validation`](crate::Error::Validation).
    pub fn matches(self, pattern: &str) -> Cond {
        Cond::Regex {
            column: self.name,
            pattern: pattern.to_owned(),
            case_insensitive: false,
        }
    }
    /// Matches `pattern` with letters of either case (`/re/i`).
    pub fn matches_ignore_case(self, pattern: &str) -> Cond {
        Cond::Regex {
            column: self.name,
            pattern: pattern.to_owned(),
            case_insensitive: true,
        }
    }
}

// `inc` and `dec` bound `T` per method rather than on the impl, so using
// them on a text column is the trait's own error ("`String` is not a
// number column"), not rustc's generic "method exists but its trait
// bounds were not satisfied".
impl<M, T: FieldType> Col<M, T> {
    /// Adds `by` to the column in an update (CORMO's `$inc`).
    pub fn inc(self, by: impl IntoField<T::Inner>) -> Assign
    where
        T: NumericField,
    {
        Assign::Inc {
            column: self.name,
            by: by.into_value(),
        }
    }

    /// Subtracts `by` from the column in an update (`inc` of `-by`),
    /// checked for overflow like `inc`.
    pub fn dec(self, by: impl IntoField<T::Inner>) -> Assign
    where
        T: NumericField,
    {
        let by = match by.into_value() {
            Value::Int(i) => match i.checked_neg() {
                Some(n) => Value::Int(n),
                // -i64::MIN is no i64: the update is refused as an
                // increment by something that is not an integer.
                None => Value::Text(format!("-({i})")),
            },
            Value::Float(f) => Value::Float(-f),
            other => other,
        };
        Assign::Inc {
            column: self.name,
            by,
        }
    }
}
