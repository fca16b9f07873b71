//! Renders a grouped read ([`Aggregate`]) to one `SELECT … GROUP BY`.

use cormo_core::stmt::{Aggregate, GroupOrder, Having};
use cormo_core::{Dir, Result};

use crate::enabled::dialect::Dialect;
use crate::enabled::render::{comparison, Sql};

/// `SELECT g…, agg… FROM t WHERE … GROUP BY g… HAVING … ORDER BY … LIMIT …`
pub fn render(d: Dialect, q: &Aggregate<'_>) -> Result<Sql> {
    let mut s = Sql::new(d);
    s.push("SELECT ");
    let mut first = true;
    for g in q.group_by {
        if !first {
            s.push(", ");
        }
        first = false;
        s.ident(g);
    }
    for e in q.outputs {
        if !first {
            s.push(", ");
        }
        first = false;
        s.agg(q.schema, e);
    }
    s.push(" FROM ").ident(q.schema.table);
    s.where_clause(q.schema, q.filter)?;
    if !q.group_by.is_empty() {
        s.push(" GROUP BY ");
        for (i, g) in q.group_by.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.ident(g);
        }
    }
    if !matches!(q.having, Having::True) {
        s.push(" HAVING ");
        having(&mut s, q, q.having, false)?;
    }
    if !q.order.is_empty() {
        s.push(" ORDER BY ");
        for (i, o) in q.order.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            let (dir, nullable) = match o {
                GroupOrder::Column { column, dir } => {
                    s.ident(column);
                    (*dir, q.schema.column(column).is_some_and(|c| c.nullable))
                }
                GroupOrder::Agg { expr: e, dir } => {
                    s.agg(q.schema, e);
                    (*dir, e.nullable())
                }
            };
            s.push(if dir == Dir::Desc { " DESC" } else { " ASC" });
            // NULL is the smallest value on every backend (see `order_and_paging`).
            if d == Dialect::Postgres && nullable {
                s.push(if dir == Dir::Desc {
                    " NULLS LAST"
                } else {
                    " NULLS FIRST"
                });
            }
        }
    }
    d.paging(&mut s.text, q.limit, q.skip);
    s.check_size()?;
    Ok(s)
}

/// Renders a group condition; as in WHERE, comparisons inside a NOT count
/// NULL as "not matching", so the negation includes them.
fn having(s: &mut Sql, q: &Aggregate<'_>, h: &Having, in_not: bool) -> Result<()> {
    match h {
        Having::True => {
            s.push("1 = 1");
        }
        Having::Compare { lhs, op, rhs } => {
            Sql::check_expr(q.schema, lhs)?;
            Sql::check_expr(q.schema, rhs)?;
            s.leaf(in_not, |s| {
                s.expr(q.schema, lhs).push(comparison(*op));
                s.expr(q.schema, rhs);
            });
        }
        Having::Group(c) => s.cond(q.schema, c, in_not)?,
        Having::And(list) | Having::Or(list) => {
            let and = matches!(h, Having::And(_));
            if list.is_empty() {
                s.push(if and { "1 = 1" } else { "1 = 0" });
                return Ok(());
            }
            s.push("(");
            for (i, x) in list.iter().enumerate() {
                if i > 0 {
                    s.push(if and { " AND " } else { " OR " });
                }
                having(s, q, x, in_not)?;
            }
            s.push(")");
        }
        Having::Not(inner) => {
            s.push("NOT (");
            having(s, q, inner, true)?;
            s.push(")");
        }
    }
    Ok(())
}
