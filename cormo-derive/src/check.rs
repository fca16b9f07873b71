//! Raw attributes → the checked model: defaults from CORMO's naming rules,
//! and every mistake the macro can see reported at the attribute.

use std::collections::HashSet;

use syn::spanned::Spanned;

use crate::attr;
use crate::ir::{Association, Kind, Model};
use crate::naming;
use crate::parse::{Errors, RawModel};

pub fn check(raw: RawModel, errors: &mut Errors) -> Model {
    let model_name = raw.ident.to_string();
    if !raw.generics.params.is_empty() {
        errors.at(raw.generics.span(), "a model cannot be generic");
    }
    match raw.fields.iter().find(|f| f.ident == attr::ID_FIELD) {
        None => errors.at(
            raw.span,
            format!(
                "a model needs a field `{}: cormo::Id` (its identity)",
                attr::ID_FIELD
            ),
        ),
        Some(f)
            if f.unique
                || f.index
                || f.text
                || f.default.is_some()
                || f.column != attr::ID_FIELD =>
        {
            errors.at(
                f.ident.span(),
                "the `id` field takes no #[cormo(...)] options",
            )
        }
        Some(f) if !is_id_type(&f.ty) => errors.at(
            syn::spanned::Spanned::span(&f.ty),
            "the `id` field must have type `cormo::Id` (it holds the record id and its state)",
        ),
        Some(_) => {}
    }
    let mut columns = HashSet::new();
    for f in raw.fields.iter().filter(|f| f.ident != attr::ID_FIELD) {
        if !columns.insert(f.column.clone()) || f.column == attr::ID_FIELD {
            errors.at(
                f.ident.span(),
                format!("column name `{}` is used twice", f.column),
            );
        }
    }
    // Shadow columns of case-insensitive fields must not collide either.
    for f in raw.fields.iter() {
        if let (Some(span), Some(shadow)) = (f.case_insensitive, f.shadow()) {
            if !columns.insert(shadow.clone()) {
                errors.at(
                    span,
                    format!("`case_insensitive` stores `{shadow}`, which is already a column"),
                );
            }
        }
    }

    let mut names = HashSet::new();
    let mut associations = Vec::new();
    for a in raw.associations {
        let Some(last) = a.target.segments.last() else {
            continue;
        };
        let target_name = last.ident.to_string();
        let name = match &a.as_ {
            Some(lit) => lit.value(),
            None if a.kind == Kind::HasMany => naming::plural_accessor(&target_name),
            None => naming::snake(&target_name),
        };
        let foreign_key = match (&a.foreign_key, &a.as_) {
            (Some(fk), _) => fk.value(),
            (None, Some(as_)) => format!("{}_id", as_.value()),
            (None, None) if a.kind == Kind::BelongsTo => {
                format!("{}_id", naming::snake(&target_name))
            }
            (None, None) => format!("{}_id", naming::snake(&model_name)),
        };
        let integrity = match &a.integrity {
            None => "ignore".to_owned(),
            Some(lit) if attr::INTEGRITY_VALUES.contains(&lit.value().as_str()) => lit.value(),
            Some(lit) => {
                errors.at(
                    lit.span(),
                    format!(
                        "integrity must be one of \"ignore\", \"nullify\", \"restrict\", \"delete\"; found \"{}\"",
                        lit.value()
                    ),
                );
                "ignore".to_owned()
            }
        };
        if !names.insert(name.clone()) {
            let at = a.as_.as_ref().map_or(a.span, |l| l.span());
            errors.at(
                at,
                format!("two associations are named `{name}`; give one of them `as = \"...\"`"),
            );
        }
        // Each association is also a constant (`User::POSTS`), next to the
        // column constants.
        let konst = naming::constant(&name);
        if let Some(f) = raw
            .fields
            .iter()
            .find(|f| naming::constant(&f.ident.to_string()) == konst)
        {
            let at = a.as_.as_ref().map_or(a.span, |l| l.span());
            errors.at(
                at,
                format!(
                    "association `{name}` and field `{}` would both be the constant `{konst}`; give the association `as = \"...\"`",
                    f.ident
                ),
            );
        }
        if a.kind == Kind::BelongsTo {
            let fk_field = raw
                .fields
                .iter()
                .find(|f| f.column == foreign_key || f.ident == foreign_key);
            match fk_field {
                None => errors.at(
                    a.span,
                    format!(
                        "belongs_to({target_name}) needs a foreign-key field `{foreign_key}: Option<RecordId>` (or `RecordId`) on {model_name}"
                    ),
                ),
                Some(f) if f.ident != f.column => errors.at(
                    f.ident.span(),
                    format!(
                        "a foreign-key field keeps its column name: the parent's has_many finds `{foreign_key}` by name; remove #[cormo(name = ...)]"
                    ),
                ),
                Some(f) if a.required.is_some() && is_option(&f.ty) => errors.at(
                    a.required.as_ref().map_or(a.span, |r| r.span()),
                    format!("`required` belongs_to needs `{foreign_key}: RecordId`, not an Option"),
                ),
                Some(_) => {}
            }
        }
        associations.push(Association {
            kind: a.kind,
            target: a.target,
            name,
            foreign_key,
            integrity,
            span: a.span,
            foreign_key_lit: a.foreign_key,
            serialize: a.serialize.map(|k| k.span()),
        });
    }

    let table_name = raw
        .table
        .as_ref()
        .map(|t| t.value())
        .unwrap_or_else(|| naming::table_name(&model_name));
    let mut indexes = Vec::new();
    for index in raw.indexes {
        let mut columns = Vec::new();
        for ident in &index.columns {
            match raw.fields.iter().find(|f| &f.ident == ident) {
                Some(f) if f.ident != attr::ID_FIELD => columns.push(f.column.clone()),
                Some(_) => errors.at(ident.span(), "`id` is already unique; index other fields"),
                None => errors.at(ident.span(), format!("no field `{ident}` on {model_name}")),
            }
        }
        let name = index
            .name
            .map(|n| n.value())
            .unwrap_or_else(|| format!("{table_name}_{}", columns.join("_")));
        indexes.push(crate::ir::CheckedIndex {
            name,
            columns,
            unique: index.unique,
        });
    }

    Model {
        indexes,
        table: raw
            .table
            .map(|t| t.value())
            .unwrap_or_else(|| naming::table_name(&model_name)),
        ident: raw.ident,
        fields: raw.fields,
        associations,
    }
}

fn is_id_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Id"))
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}
