//! Core's conditions → MongoDB filter documents.
//!
//! Every comparison is written with an explicit operator (`{f: {$eq: v}}`),
//! so a value is always data: a string like `"$gt"` or a JSON value with
//! `$`-keys is compared, never interpreted.

use cormo_core::{CmpOp, Cond, Error, LikeKind, ModelSchema, Result};
use mongodb::bson::{doc, Bson, Document};

use crate::convert::{field, to_bson};

fn check(schema: &'static ModelSchema, column: &str) -> Result<()> {
    if column == "id" || schema.column(column).is_some() {
        Ok(())
    } else {
        Err(Error::UnknownColumn {
            model: schema.name,
            column: column.to_owned(),
        })
    }
}

/// A filter for `cond`; `{}` matches everything.
pub fn filter(schema: &'static ModelSchema, cond: &Cond) -> Result<Document> {
    Ok(match cond {
        Cond::True => Document::new(),
        // No document lacks an _id.
        Cond::False => doc! { "_id": { "$exists": false } },
        Cond::Cmp { column, op, value } => {
            check(schema, column)?;
            let v = to_bson(value)?;
            let f = field(column);
            match op {
                CmpOp::Eq => doc! { f: { "$eq": v } },
                // SQL's `<>` does not match NULL; neither does this.
                CmpOp::Ne => doc! { "$and": [ { f: { "$ne": v } }, { f: { "$ne": Bson::Null } } ] },
                CmpOp::Gt => doc! { f: { "$gt": v } },
                CmpOp::Gte => doc! { f: { "$gte": v } },
                CmpOp::Lt => doc! { f: { "$lt": v } },
                CmpOp::Lte => doc! { f: { "$lte": v } },
            }
        }
        Cond::In { column, values } => {
            check(schema, column)?;
            let vs = values.iter().map(to_bson).collect::<Result<Vec<Bson>>>()?;
            doc! { field(column): { "$in": vs } }
        }
        // Matches null and missing fields alike.
        Cond::IsNull { column } => {
            check(schema, column)?;
            doc! { field(column): { "$eq": Bson::Null } }
        }
        Cond::Like { column, kind, text } => {
            check(schema, column)?;
            let escaped = regex_syntax::escape(text);
            let pattern = match kind {
                LikeKind::Contains => escaped,
                LikeKind::StartsWith => format!("^{escaped}"),
                LikeKind::EndsWith => format!("{escaped}$"),
            };
            doc! { field(column): { "$regex": pattern, "$options": "i" } }
        }
        Cond::Compare { lhs, op, rhs } => {
            lhs.check_columns(schema)?;
            rhs.check_columns(schema)?;
            crate::expr::compare(lhs, *op, rhs, &|_| None)?
        }
        Cond::Regex {
            column,
            pattern,
            case_insensitive,
        } => {
            check(schema, column)?;
            let options = if *case_insensitive { "i" } else { "" };
            doc! { field(column): { "$regex": pattern.as_str(), "$options": options } }
        }
        Cond::And(list) if list.is_empty() => Document::new(),
        Cond::And(list) => {
            let parts = list.iter().map(|c| filter(schema, c).map(Bson::Document));
            doc! { "$and": parts.collect::<Result<Vec<Bson>>>()? }
        }
        Cond::Or(list) if list.is_empty() => filter(schema, &Cond::False)?,
        Cond::Or(list) => {
            let parts = list.iter().map(|c| filter(schema, c).map(Bson::Document));
            doc! { "$or": parts.collect::<Result<Vec<Bson>>>()? }
        }
        // $nor is two-valued: documents where the inner filter is not true,
        // including those missing the field (CORMO's `$not`).
        Cond::Not(inner) => doc! { "$nor": [ filter(schema, inner)? ] },
    })
}
