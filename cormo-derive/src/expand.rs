//! The checked model → generated code. Generated code only names items in
//! `::cormo::__private`, so the facade is free to reorganise.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::attr;
use crate::ir::{Association, Field, Kind, Model};
use crate::naming;

pub fn expand(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let name = ident.to_string();
    let table = &m.table;
    let cols: Vec<&Field> = m.fields.iter().filter(|f| f.ident != attr::ID_FIELD).collect();

    let column_defs = cols.iter().map(|f| column_def(f));
    let assoc_defs = m.associations.iter().map(assoc_def);
    let to_values = cols.iter().map(|f| {
        let fi = &f.ident;
        quote!(__c::FieldType::to_value(&self.#fi))
    });
    let decode = cols.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        let ty = &f.ty;
        let idx = i + 1;
        let col = &f.column;
        quote!(#fi: <#ty as __c::FieldType>::decode(row, #idx, #col)?)
    });
    let col_consts = cols.iter().map(|f| {
        let konst = format_ident!("{}", f.ident.to_string().trim_start_matches("r#").to_uppercase(), span = f.ident.span());
        let ty = &f.ty;
        let col = &f.column;
        let doc = format!("The `{col}` column, for conditions, ordering and updates.");
        quote! {
            #[doc = #doc]
            pub const #konst: ::cormo::__private::Col<#ident, #ty> = ::cormo::__private::Col::new(#col);
        }
    });
    let methods = m
        .associations
        .iter()
        .enumerate()
        .map(|(i, a)| assoc_methods(m, i, a));
    let checks = m.associations.iter().map(|a| assoc_check(m, a));

    quote! {
        const _: () = {
            use ::cormo::__private as __c;

            static __CORMO_SCHEMA: __c::ModelSchema = __c::ModelSchema {
                name: #name,
                table: #table,
                columns: &[#(#column_defs),*],
                associations: &[#(#assoc_defs),*],
                indexes: &[],
            };

            #[automatically_derived]
            impl __c::Model for #ident {
                fn schema() -> &'static __c::ModelSchema {
                    &__CORMO_SCHEMA
                }
                fn cormo_id(&self) -> &__c::Id {
                    &self.id
                }
                fn cormo_id_mut(&mut self) -> &mut __c::Id {
                    &mut self.id
                }
                fn to_values(&self) -> ::std::vec::Vec<__c::Value> {
                    ::std::vec![#(#to_values),*]
                }
                fn from_row(row: &mut dyn __c::RowReader) -> __c::Result<Self> {
                    ::std::result::Result::Ok(#ident {
                        id: __c::read_id(row)?,
                        #(#decode,)*
                    })
                }
            }

            #[allow(dead_code)]
            fn __cormo_checks() {
                #(#checks)*
            }
        };

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            /// The `id` column.
            pub const ID: ::cormo::__private::Col<#ident, ::cormo::RecordId> = ::cormo::__private::Col::new("id");
            #(#col_consts)*
            #(#methods)*
        }
    }
}

fn column_def(f: &Field) -> TokenStream {
    let field = f.ident.to_string();
    let field = field.trim_start_matches("r#");
    let name = &f.column;
    let ty = &f.ty;
    let unique = f.unique;
    let index = f.index;
    let default = match &f.default {
        None => quote!(::std::option::Option::None),
        Some(syn::Lit::Str(s)) => quote!(::std::option::Option::Some(__c::DefaultValue::Str(#s))),
        Some(syn::Lit::Int(i)) => quote!(::std::option::Option::Some(__c::DefaultValue::Int(#i))),
        Some(syn::Lit::Float(x)) => quote!(::std::option::Option::Some(__c::DefaultValue::Float(#x))),
        Some(syn::Lit::Bool(b)) => quote!(::std::option::Option::Some(__c::DefaultValue::Bool(#b))),
        Some(_) => quote!(::std::option::Option::None),
    };
    quote! {
        __c::ColumnDef {
            field: #field,
            name: #name,
            ty: <#ty as __c::FieldType>::TYPE,
            nullable: <#ty as __c::FieldType>::NULLABLE,
            unique: #unique,
            index: #index,
            default: #default,
        }
    }
}

fn assoc_def(a: &Association) -> TokenStream {
    let kind = match a.kind {
        Kind::HasMany => quote!(__c::AssocKind::HasMany),
        Kind::HasOne => quote!(__c::AssocKind::HasOne),
        Kind::BelongsTo => quote!(__c::AssocKind::BelongsTo),
    };
    let integrity = match a.integrity.as_str() {
        "nullify" => quote!(__c::Integrity::Nullify),
        "restrict" => quote!(__c::Integrity::Restrict),
        "delete" => quote!(__c::Integrity::Delete),
        _ => quote!(__c::Integrity::Ignore),
    };
    let name = &a.name;
    let fk = &a.foreign_key;
    let target = &a.target;
    quote_spanned! {a.span=>
        __c::AssocDef {
            kind: #kind,
            name: #name,
            target: <#target as __c::Model>::schema,
            foreign_key: #fk,
            integrity: #integrity,
        }
    }
}

/// Type checks that must see the other model: they fail at the attribute.
fn assoc_check(m: &Model, a: &Association) -> TokenStream {
    let target = &a.target;
    let span = a
        .foreign_key_lit
        .as_ref()
        .map(|l| l.span())
        .unwrap_or(a.span);
    let fk = syn::Ident::new(&a.foreign_key, span);
    match a.kind {
        Kind::HasMany | Kind::HasOne => quote_spanned! {span=>
            let _ = |child: &#target| __c::assert_foreign_key(&child.#fk);
        },
        Kind::BelongsTo => {
            let ident = &m.ident;
            let field_span = m
                .fields
                .iter()
                .find(|f| f.column == a.foreign_key)
                .map(|f| syn::spanned::Spanned::span(&f.ty))
                .unwrap_or(a.span);
            let fk = syn::Ident::new(&a.foreign_key, field_span);
            quote_spanned! {field_span=>
                let _ = |this: &#ident| __c::assert_foreign_key(&this.#fk);
                __c::assert_model::<#target>();
            }
        }
    }
}

fn assoc_methods(m: &Model, idx: usize, a: &Association) -> TokenStream {
    let target = &a.target;
    let acc = syn::Ident::new(&a.name, Span::call_site());
    let reload = format_ident!("reload_{}", a.name);
    let model = m.ident.to_string();
    match a.kind {
        Kind::HasMany => {
            let build = format_ident!("build_{}", naming::singular(&a.name));
            let fk_field = m_field_ident(&a.foreign_key);
            let doc = format!("The `{}` of this {model}, loaded once and cached (one query).", a.name);
            let doc_reload = format!("Queries `{}` again and replaces the cache.", a.name);
            let doc_build = format!(
                "A new unsaved record with `{}` set to this {model}'s id, added to the `{}` cache; call `save` on it.",
                a.foreign_key, a.name
            );
            quote! {
                #[doc = #doc]
                pub async fn #acc(&self, db: &impl ::cormo::Executor) -> ::cormo::Result<&[#target]> {
                    ::cormo::__private::assoc::has_many::<Self, #target>(self, #idx, db).await
                }
                #[doc = #doc_reload]
                pub async fn #reload(&mut self, db: &impl ::cormo::Executor) -> ::cormo::Result<&[#target]> {
                    ::cormo::__private::assoc::reload_has_many::<Self, #target>(self, #idx, db).await
                }
                #[doc = #doc_build]
                pub fn #build(&mut self, data: #target) -> ::cormo::Result<&mut #target> {
                    ::cormo::__private::assoc::build_has_many::<Self, #target, _>(self, #idx, data, |c| &mut c.#fk_field)
                }
            }
        }
        Kind::HasOne => {
            let doc = format!("The `{}` of this {model} (or `None`), loaded once and cached.", a.name);
            quote! {
                #[doc = #doc]
                pub async fn #acc(&self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                    ::cormo::__private::assoc::has_one::<Self, #target>(self, #idx, db).await
                }
                /// Queries the association again and replaces the cache.
                pub async fn #reload(&mut self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                    ::cormo::__private::assoc::reset(self, #idx);
                    ::cormo::__private::assoc::has_one::<Self, #target>(self, #idx, db).await
                }
            }
        }
        Kind::BelongsTo => {
            let fk_field = m_field_ident(&a.foreign_key);
            let doc = format!(
                "The `{}` this {model} belongs to: `None` when `{}` is null, `Error::NotFound` when it dangles. Cached.",
                a.name, a.foreign_key
            );
            quote! {
                #[doc = #doc]
                pub async fn #acc(&self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                    let fk = ::cormo::__private::ForeignKey::get(&self.#fk_field);
                    ::cormo::__private::assoc::belongs_to::<Self, #target>(self, #idx, fk, db).await
                }
                /// Queries the association again and replaces the cache.
                pub async fn #reload(&mut self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                    ::cormo::__private::assoc::reset(self, #idx);
                    let fk = ::cormo::__private::ForeignKey::get(&self.#fk_field);
                    ::cormo::__private::assoc::belongs_to::<Self, #target>(self, #idx, fk, db).await
                }
            }
        }
    }
}

fn m_field_ident(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::call_site())
}
