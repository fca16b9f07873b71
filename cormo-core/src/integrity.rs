//! Referential integrity: the rules the associations declare, and the planner
//! that carries them out for backends without native foreign keys.
//!
//! SQL backends turn the rules into `FOREIGN KEY ... ON DELETE` clauses and
//! the database does the rest. For a backend that declares
//! `native_foreign_keys: false` (MongoDB), `delete` runs the same semantics
//! in two phases: first every `restrict` in the whole cascade tree is checked,
//! then nullify / delete are applied children-first. Callers run it inside a
//! transaction when the backend has them, so it is all-or-nothing.

use crate::adapter::Select;
use crate::cond::{Assign, Cond};
use crate::error::{Error, Result};
use crate::id::RecordId;
use crate::schema::{AssocKind, Integrity, ModelSchema};
use crate::session::Session;
use crate::value::Value;

/// One rule: rows of `child` reference `parent` through `column`.
#[derive(Debug, Clone, Copy)]
pub struct IntegrityRule {
    /// The model whose records are referenced.
    pub parent: &'static ModelSchema,
    /// The model holding the foreign key.
    pub child: &'static ModelSchema,
    /// The foreign-key column of the child.
    pub column: &'static str,
    /// What deleting a parent does to its children.
    pub action: Integrity,
}

impl IntegrityRule {
    /// The name of the database constraint that carries this rule
    /// (`<child table>_<column>_fkey`).
    pub fn constraint_name(&self) -> String {
        format!("{}_{}_fkey", self.child.table, self.column)
    }

    /// `table.column` of the referencing side, as errors name it.
    pub fn child_column(&self) -> String {
        format!("{}.{}", self.child.table, self.column)
    }
}

/// A database's restrict violation names a constraint (or nothing, on
/// SQLite); report it as the `table.column` that still references the
/// parent, the same on every backend.
pub(crate) fn name_rejecting_child(
    e: crate::error::Error,
    parent: &'static ModelSchema,
    rules: &[IntegrityRule],
) -> crate::error::Error {
    let Error::Rejected { model, child } = e else {
        return e;
    };
    // The constraint the database names may sit deep in a cascade: match it
    // against every rule.
    let named = child.as_ref().and_then(|c| {
        rules
            .iter()
            .find(|r| c.contains(&r.constraint_name()))
            .map(|r| r.child_column())
    });
    // No name at all (SQLite): only a parent with one restrict and no
    // cascade below it can be sure which rule refused.
    let mine = || rules.iter().filter(|r| r.parent.same(parent));
    let sole = || {
        let restricts: Vec<&IntegrityRule> =
            mine().filter(|r| r.action == Integrity::Restrict).collect();
        let cascades = mine().any(|r| r.action == Integrity::Delete);
        match (restricts.as_slice(), cascades) {
            ([only], false) => Some(only.child_column()),
            _ => None,
        }
    };
    let child = match (named, child) {
        (Some(n), _) => Some(n),
        (None, None) => sole(),
        (None, raw) => raw,
    };
    Error::Rejected { model, child }
}

/// The rules a parent declares through its has_many / has_one associations
/// (`ignore` included, so callers can see every reference).
pub fn parent_rules(parent: &'static ModelSchema) -> impl Iterator<Item = IntegrityRule> {
    parent
        .associations
        .iter()
        .filter(|a| matches!(a.kind, AssocKind::HasMany | AssocKind::HasOne))
        .map(move |a| IntegrityRule {
            parent,
            child: (a.target)(),
            column: a.foreign_key,
            action: a.integrity,
        })
}

/// All enforced rules among `models` (ignore rules left out), deduplicated by
/// (child, column): a has_many and a has_one on the same key are one rule.
pub fn rules(models: &[&'static ModelSchema]) -> Vec<IntegrityRule> {
    collect_rules(models, false)
}

fn collect_rules(models: &[&'static ModelSchema], with_ignore: bool) -> Vec<IntegrityRule> {
    let mut out: Vec<IntegrityRule> = Vec::new();
    for &m in models {
        for r in parent_rules(m) {
            if r.action == Integrity::Ignore && !with_ignore {
                continue;
            }
            if !out
                .iter()
                .any(|o| o.child.same(r.child) && o.column == r.column)
            {
                out.push(r);
            }
        }
    }
    out
}

/// Checks that every rule can be carried out, before any schema change:
/// the foreign key is a record-id column of the child, and `nullify` needs
/// it to be nullable.
pub fn check_rules(rules: &[IntegrityRule]) -> Result<()> {
    for r in rules {
        let Some(col) = r.child.column(r.column) else {
            return Err(Error::Integrity {
                message: format!(
                    "{} declares {} children through `{}`, but {} has no such column",
                    r.parent.name, r.child.name, r.column, r.child.name
                ),
            });
        };
        if col.ty != crate::schema::ColumnType::RecordId {
            return Err(Error::Integrity {
                message: format!(
                    "{} is a foreign key and must be a RecordId",
                    r.child_column()
                ),
            });
        }
        if r.action == Integrity::Nullify && !col.nullable {
            return Err(Error::Integrity {
                message: format!(
                    "{} uses integrity = \"nullify\" but {} is required (not an Option); use \"delete\" or \"restrict\", or make it Option<RecordId>",
                    r.parent.name,
                    r.child_column()
                ),
            });
        }
    }
    Ok(())
}

/// The rules whose child is `child`: the parents a new row must point at.
pub fn child_rules<'a>(
    rules: &'a [IntegrityRule],
    child: &'static ModelSchema,
) -> impl Iterator<Item = &'a IntegrityRule> {
    rules.iter().filter(move |r| r.child.same(child))
}

fn ids_cond(column: &'static str, ids: &[RecordId]) -> Cond {
    Cond::is_in(column, ids.iter().map(|id| Value::Id(*id)).collect())
}

/// Deletes the rows `q` selects, applying every rule below them.
/// Returns the number of rows of `q`'s model deleted.
pub(crate) async fn delete(s: Session<'_>, q: &Select<'_>) -> Result<u64> {
    let ids = s.select_ids(q).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    check_restricts(s, q.schema, &ids).await?;
    apply(s, q.schema, &ids).await
}

/// Phase one: walk the cascade tree and reject if any restrict would fire.
/// Nothing is written.
async fn check_restricts(
    s: Session<'_>,
    schema: &'static ModelSchema,
    ids: &[RecordId],
) -> Result<()> {
    // An explicit stack instead of async recursion; each frame is one model's
    // rows about to be deleted.
    let mut stack = vec![(schema, ids.to_vec())];
    while let Some((parent, ids)) = stack.pop() {
        for rule in parent_rules(parent) {
            let cond = ids_cond(rule.column, &ids);
            let sel = Select::filter(rule.child, &cond);
            match rule.action {
                Integrity::Restrict => {
                    if s.count(&sel).await? > 0 {
                        return Err(Error::Rejected {
                            // The model the caller deleted, as a database's
                            // refusal reports it; `child` names the rule.
                            model: schema.name,
                            child: Some(rule.child_column()),
                        });
                    }
                }
                Integrity::Delete => {
                    let child_ids = s.select_ids(&sel).await?;
                    if !child_ids.is_empty() {
                        stack.push((rule.child, child_ids));
                    }
                }
                Integrity::Nullify | Integrity::Ignore => {}
            }
        }
    }
    Ok(())
}

/// Phase two: nullify and delete children, deepest first, then the rows.
async fn apply(s: Session<'_>, schema: &'static ModelSchema, ids: &[RecordId]) -> Result<u64> {
    // Collect the whole delete tree first, then act on it in reverse so
    // children go before their parents.
    let mut levels: Vec<(&'static ModelSchema, Vec<RecordId>)> = vec![(schema, ids.to_vec())];
    let mut i = 0;
    while i < levels.len() {
        let (parent, ids) = (levels[i].0, levels[i].1.clone());
        for rule in parent_rules(parent) {
            if rule.action != Integrity::Delete {
                continue;
            }
            let cond = ids_cond(rule.column, &ids);
            let child_ids = s.select_ids(&Select::filter(rule.child, &cond)).await?;
            if !child_ids.is_empty() {
                levels.push((rule.child, child_ids));
            }
        }
        i += 1;
    }
    let mut deleted_top = 0;
    for (depth, (model, ids)) in levels.iter().enumerate().rev() {
        for rule in parent_rules(model) {
            if rule.action == Integrity::Nullify {
                let cond = ids_cond(rule.column, ids);
                let set = [Assign::Set {
                    column: rule.column,
                    value: Value::Null,
                }];
                s.update(&Select::filter(rule.child, &cond), &set).await?;
            }
        }
        let cond = ids_cond("id", ids);
        let n = s.delete_rows(&Select::filter(model, &cond)).await?;
        if depth == 0 {
            deleted_top = n;
        }
    }
    Ok(deleted_top)
}

/// For backends without native foreign keys: fails with
/// [`Error::ForeignKey`] if a foreign key in `values` names a missing parent.
pub(crate) async fn check_parents(
    s: Session<'_>,
    rules: &[IntegrityRule],
    child: &'static ModelSchema,
    values: &[Value],
) -> Result<()> {
    for rule in child_rules(rules, child) {
        let Some(pos) = child.columns.iter().position(|c| c.name == rule.column) else {
            continue;
        };
        let Some(Value::Id(id)) = values.get(pos) else {
            continue;
        };
        if !s.reference_parent(rule.parent, *id).await? {
            return Err(Error::ForeignKey {
                message: format!(
                    "{}.{} = {id} references a missing {}",
                    child.table, rule.column, rule.parent.name
                ),
            });
        }
    }
    Ok(())
}

/// CORMO's orphan finder: for every has_many / has_one (`ignore` included),
/// ids of children whose foreign key names a missing parent (NULL keys are
/// not orphans).
pub(crate) async fn inconsistencies(
    s: Session<'_>,
    models: &[&'static ModelSchema],
) -> Result<Vec<(&'static str, Vec<RecordId>)>> {
    let mut out: Vec<(&'static str, Vec<RecordId>)> = Vec::new();
    for rule in collect_rules(models, true) {
        let parent_ids = s
            .select_ids(&Select::filter(rule.parent, &Cond::True))
            .await?;
        let cond = Cond::IsNull {
            column: rule.column,
        }
        .or(ids_cond(rule.column, &parent_ids));
        let cond = !cond;
        let orphans = s.select_ids(&Select::filter(rule.child, &cond)).await?;
        if orphans.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(n, _)| *n == rule.child.name) {
            Some((_, ids)) => ids.extend(orphans),
            None => out.push((rule.child.name, orphans)),
        }
    }
    for (_, ids) in &mut out {
        ids.sort();
        ids.dedup();
    }
    Ok(out)
}

/// Every index `schema` wants: its declared ones plus one on each foreign key
/// that references it or that it holds, so integrity checks and association
/// loads never scan. Names are `<table>_<cols>`.
pub fn wanted_indexes(
    schema: &'static ModelSchema,
    rules: &[IntegrityRule],
) -> Vec<crate::schema::IndexSpec> {
    let mut out = schema.all_indexes();
    let fk_columns = schema
        .associations
        .iter()
        .filter(|a| a.kind == AssocKind::BelongsTo)
        .map(|a| a.foreign_key)
        .chain(child_rules(rules, schema).map(|r| r.column));
    for col in fk_columns {
        if schema.column(col).is_none() || out.iter().any(|i| i.columns.first() == Some(&col)) {
            continue;
        }
        out.push(crate::schema::IndexSpec {
            name: format!("{}_{}", schema.table, col),
            columns: vec![col],
            unique: false,
        });
    }
    out
}
