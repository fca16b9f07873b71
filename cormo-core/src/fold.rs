//! Case-insensitive columns (`#[cormo(case_insensitive)]`).
//!
//! Each such column has a hidden shadow column holding its text folded to
//! lowercase by cormo, in Rust, on every write. Conditions (`=`, `<`, `IN`,
//! text matching), ordering and indexes on the column are moved to the
//! shadow with their values folded the same way. No database collation or
//! `LOWER()` is involved, so every backend gives the same answer, for all
//! of Unicode (SQLite's `LOWER()` folds ASCII only, MariaDB's collations
//! also ignore accents, MongoDB's need a collation on every query). The
//! column itself keeps the text as written.

use std::borrow::Cow;

use crate::adapter::Select;
use crate::cond::{Assign, Cond, Order};
use crate::schema::{Fold, ModelSchema};
use crate::value::Value;

/// Text as a case-insensitive column compares it: each character
/// lowercased to one character (Unicode's lowercase mapping; the rare
/// characters that lowercase to several keep the first), so the folded
/// text has as many characters as the original and fits the same column.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

fn fold_value(v: &Value) -> Value {
    match v {
        Value::Text(t) => Value::Text(fold(t)),
        other => other.clone(),
    }
}

fn shadow_of(schema: &ModelSchema, column: &str) -> Option<&'static str> {
    match schema.column(column)?.fold {
        Fold::CaseInsensitive { shadow } => Some(shadow),
        _ => None,
    }
}

/// A row's values with its shadow columns' values appended (`values`
/// follow the model's fields; the shadows follow them in the schema).
pub(crate) fn values<'v>(schema: &ModelSchema, values: &'v [Value]) -> Cow<'v, [Value]> {
    if !schema.has_folded_columns() || values.len() >= schema.columns.len() {
        return Cow::Borrowed(values);
    }
    let mut out = values.to_vec();
    for c in &schema.columns[values.len()..] {
        let Fold::ShadowOf { column } = c.fold else {
            continue;
        };
        let pos = schema.columns.iter().position(|o| o.name == column);
        out.push(
            pos.and_then(|p| values.get(p))
                .map_or(Value::Null, fold_value),
        );
    }
    Cow::Owned(out)
}

/// A duplicate on a shadow's unique index, as the column it shadows.
pub(crate) fn unshadowed<T>(schema: &ModelSchema, r: crate::Result<T>) -> crate::Result<T> {
    match r {
        Err(crate::Error::Duplicated { key }) => {
            let key = match schema.column(&key).map(|c| c.fold) {
                Some(Fold::ShadowOf { column }) => column.to_owned(),
                _ => key,
            };
            Err(crate::Error::Duplicated { key })
        }
        other => other,
    }
}

/// Assignments with each case-insensitive column's shadow assigned too.
pub(crate) fn assigns<'a>(schema: &ModelSchema, assigns: &'a [Assign]) -> Cow<'a, [Assign]> {
    if !schema.has_folded_columns() {
        return Cow::Borrowed(assigns);
    }
    let mut out = assigns.to_vec();
    for a in assigns {
        if let (Assign::Set { value, .. }, Some(shadow)) = (a, shadow_of(schema, a.column())) {
            out.push(Assign::Set {
                column: shadow,
                value: fold_value(value),
            });
        }
    }
    Cow::Owned(out)
}

/// Moves every leaf on a case-insensitive column to its shadow. Conditions
/// reach here validated, so at most `MAX_COND_DEPTH` deep.
fn fold_cond(schema: &ModelSchema, c: &mut Cond) {
    match c {
        Cond::Cmp { column, value, .. } => {
            if let Some(shadow) = shadow_of(schema, column) {
                *column = shadow;
                *value = fold_value(value);
            }
        }
        Cond::In { column, values } => {
            if let Some(shadow) = shadow_of(schema, column) {
                *column = shadow;
                for v in values.iter_mut() {
                    *v = fold_value(v);
                }
            }
        }
        Cond::Like { column, text, .. } => {
            if let Some(shadow) = shadow_of(schema, column) {
                *column = shadow;
                *text = fold(text);
            }
        }
        Cond::And(items) | Cond::Or(items) => {
            for i in items.iter_mut() {
                fold_cond(schema, i);
            }
        }
        Cond::Not(inner) => fold_cond(schema, inner),
        // Compared as written: a column-to-column comparison or a regular
        // expression says itself how it treats case.
        Cond::True
        | Cond::False
        | Cond::IsNull { .. }
        | Cond::Compare { .. }
        | Cond::Regex { .. } => {}
    }
}

fn mentions_folded(schema: &ModelSchema, c: &Cond) -> bool {
    let mut found = false;
    let _ = c.for_each_leaf(|leaf: &Cond| -> Result<(), ()> {
        let column = match leaf {
            Cond::Cmp { column, .. } | Cond::In { column, .. } | Cond::Like { column, .. } => {
                column
            }
            _ => return Ok(()),
        };
        found |= shadow_of(schema, column).is_some();
        Ok(())
    });
    found
}

/// Whether an id value is of the kind the backend stores (integers on SQL,
/// ObjectIds on MongoDB).
fn right_kind(v: &Value, object_ids: bool) -> bool {
    match v {
        Value::Id(id) => id.as_object_bytes().is_some() == object_ids,
        _ => true,
    }
}

fn mentions_foreign_ids(c: &Cond, object_ids: bool) -> bool {
    let mut found = false;
    let _ = c.for_each_leaf(|leaf: &Cond| -> Result<(), ()> {
        found |= match leaf {
            Cond::Cmp { value, .. } => !right_kind(value, object_ids),
            Cond::In { values, .. } => values.iter().any(|v| !right_kind(v, object_ids)),
            _ => false,
        };
        Ok(())
    });
    found
}

/// Comparisons with an id the backend cannot store (an integer on MongoDB,
/// an ObjectId on SQL) are decided here: no record has such an id, so
/// `= id` matches nothing and `<> id` every record with a value.
fn settle_foreign_ids(c: &mut Cond, object_ids: bool) {
    match c {
        Cond::Cmp { column, op, value } if !right_kind(value, object_ids) => {
            *c = match op {
                crate::cond::CmpOp::Ne => !Cond::IsNull { column },
                _ => Cond::False,
            };
        }
        Cond::In { column, values } if values.iter().any(|v| !right_kind(v, object_ids)) => {
            let kept: Vec<Value> = values
                .drain(..)
                .filter(|v| right_kind(v, object_ids))
                .collect();
            *c = Cond::is_in(column, kept);
        }
        Cond::And(items) | Cond::Or(items) => {
            for i in items.iter_mut() {
                settle_foreign_ids(i, object_ids);
            }
        }
        Cond::Not(inner) => settle_foreign_ids(inner, object_ids),
        _ => {}
    }
}

/// A query's condition and order as the backend takes them: ids of the
/// wrong kind settled, case-insensitive columns moved to their shadows.
/// Holds them so the rewritten [`Select`] can borrow them.
pub(crate) struct Folded {
    cond: Option<Cond>,
    order: Option<Vec<Order>>,
}

impl Folded {
    /// Nothing is allocated unless the query needs a change. `object_ids`
    /// says the backend's ids are ObjectIds.
    pub(crate) fn new(q: &Select<'_>, object_ids: bool) -> Folded {
        let schema = q.schema;
        let foreign = mentions_foreign_ids(q.cond, object_ids);
        if !schema.has_folded_columns() && !foreign {
            return Folded {
                cond: None,
                order: None,
            };
        }
        let fold = schema.has_folded_columns() && mentions_folded(schema, q.cond);
        let cond = (fold || foreign).then(|| {
            let mut c = q.cond.clone();
            if foreign {
                settle_foreign_ids(&mut c, object_ids);
            }
            if fold {
                fold_cond(schema, &mut c);
            }
            c
        });
        let order = q
            .order
            .iter()
            .any(|o| shadow_of(schema, o.column).is_some())
            .then(|| {
                // Folded text first; the text as written breaks ties, so
                // the order is the same on every backend.
                let mut out = Vec::with_capacity(q.order.len() + 1);
                for o in q.order {
                    if let Some(shadow) = shadow_of(schema, o.column) {
                        out.push(Order {
                            column: shadow,
                            dir: o.dir,
                        });
                    }
                    out.push(*o);
                }
                out
            });
        Folded { cond, order }
    }

    /// The folded condition, when the query's mentions a folded column.
    pub(crate) fn cond(&self) -> Option<&Cond> {
        self.cond.as_ref()
    }

    /// `q` with the folded condition and order.
    pub(crate) fn apply<'s>(&'s self, q: &Select<'s>) -> Select<'s> {
        Select {
            cond: self.cond.as_ref().unwrap_or(q.cond),
            order: self.order.as_deref().unwrap_or(q.order),
            ..*q
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_keeps_the_character_count() {
        assert_eq!(fold("Ann@X.org"), "ann@x.org");
        assert_eq!(fold("ÉCOLE Straße"), "école straße");
        // U+0130 lowercases to two characters; the first is kept.
        assert_eq!(fold("İstanbul").chars().count(), "İstanbul".chars().count());
        assert_eq!(fold(&fold("ΣΑΣ")), fold("ΣΑΣ"));
    }
}
