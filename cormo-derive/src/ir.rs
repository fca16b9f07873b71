//! The checked model the expansion works from. Every piece keeps the span of
//! the attribute or field it came from, so errors point at the user's code.

use proc_macro2::Span;
use syn::{Ident, LitStr, Path, Type};

pub struct Model {
    pub ident: Ident,
    pub table: String,
    pub fields: Vec<Field>,
    pub associations: Vec<Association>,
    pub indexes: Vec<CheckedIndex>,
}

/// An index with its final name and column names.
pub struct CheckedIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A multi-column index from `#[index(...)]`.
pub struct Index {
    /// Field names, resolved to column names by check.
    pub columns: Vec<Ident>,
    pub unique: bool,
    pub name: Option<LitStr>,
}

pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    /// Database column name.
    pub column: String,
    pub unique: bool,
    pub index: bool,
    /// Unlimited length (`TEXT`) instead of `VARCHAR(255)`.
    pub text: bool,
    pub default: Option<syn::Lit>,
    /// `#[cormo(case_insensitive)]`, with where it was written.
    pub case_insensitive: Option<proc_macro2::Span>,
}

impl Field {
    /// The hidden column holding the folded text of a case-insensitive field.
    pub fn shadow(&self) -> Option<String> {
        self.case_insensitive
            .map(|_| format!("{}{}", self.column, crate::attr::SHADOW_SUFFIX))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HasMany,
    HasOne,
    BelongsTo,
}

impl Kind {
    pub fn attr_name(self) -> &'static str {
        match self {
            Kind::HasMany => crate::attr::HAS_MANY,
            Kind::HasOne => crate::attr::HAS_ONE,
            Kind::BelongsTo => crate::attr::BELONGS_TO,
        }
    }
}

pub struct Association {
    pub kind: Kind,
    pub target: Path,
    /// Accessor name (`posts`, `user`, or `as`).
    pub name: String,
    pub foreign_key: String,
    /// `ignore` | `nullify` | `restrict` | `delete`; `ignore` for belongs_to.
    pub integrity: String,
    /// The target path in the attribute: errors about the association
    /// point here (an attribute's own span is only its `#` on stable).
    pub span: Span,
    /// The `foreign_key = "..."` literal, when given.
    pub foreign_key_lit: Option<LitStr>,
    /// `serialize`, with where it was written: the association is part of
    /// `cormo::Loaded`'s output.
    pub serialize: Option<Span>,
}
