//! Renders core's expressions ([`Expr`]): the sides of a comparison, what
//! an assignment writes, an aggregate in a grouped read.

use cormo_core::stmt::{AggExpr, Expr};
use cormo_core::{ModelSchema, Result};

use crate::enabled::render::Sql;

impl Sql {
    /// Fails on a column the schema does not have, before anything is
    /// written, so [`Sql::expr`] itself cannot fail inside a leaf.
    pub(crate) fn check_expr(schema: &'static ModelSchema, e: &Expr) -> Result<()> {
        e.check_columns(schema)
    }

    /// Writes `e`: a column as its identifier, a value as a parameter, an
    /// aggregate with the dialect's casts, a sum with NULL columns as 0.
    pub(crate) fn expr(&mut self, schema: &'static ModelSchema, e: &Expr) -> &mut Self {
        match e {
            Expr::Column(c) => self.ident(c),
            Expr::Value(v) => self.param(v.clone()),
            Expr::Agg(a) => self.agg(schema, a),
            Expr::Add(a, b) => {
                self.push("(");
                self.summand(schema, a).push(" + ");
                self.summand(schema, b).push(")")
            }
        }
    }

    fn summand(&mut self, schema: &'static ModelSchema, e: &Expr) -> &mut Self {
        match e {
            // NULL counts as 0, as MongoDB's `$inc` treats a missing field.
            Expr::Column(c) => self.push("COALESCE(").ident(c).push(", 0)"),
            other => self.expr(schema, other),
        }
    }

    /// `COUNT(*)`, `SUM("qty")`, … with the casts that make every dialect
    /// return the type `AggExpr::output_type` promises.
    pub(crate) fn agg(&mut self, schema: &'static ModelSchema, e: &AggExpr) -> &mut Self {
        let (before, after) = self.dialect.aggregate(e.func, e.input_type(schema));
        self.push(before);
        match e.column {
            Some(c) => self.ident(c),
            None => self.push("*"),
        };
        self.push(after)
    }
}
