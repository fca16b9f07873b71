//! The checked model → generated code. Generated code only names items in
//! `::cormo::__private`, so the facade is free to reorganise.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr;
use crate::ir::{Association, Field, Kind, Model};
use crate::naming;

pub fn expand(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let name = ident.to_string();
    let table = &m.table;
    let cols: Vec<&Field> = m
        .fields
        .iter()
        .filter(|f| f.ident != attr::ID_FIELD)
        .collect();

    let column_defs = cols.iter().map(|f| column_def(f));
    // Shadow columns come after every field's column, so a model's values
    // and decoded row keep field order.
    let shadow_defs = cols.iter().filter_map(|f| shadow_def(f));
    let text_checks = cols.iter().filter_map(|f| {
        let span = f.case_insensitive?;
        let ty = &f.ty;
        Some(quote_spanned!(span=> __c::assert_text::<#ty>();))
    });
    let assoc_defs = m.associations.iter().map(assoc_def);
    // Column code carries the field type's span, so a type that cannot be a
    // column is reported at the field.
    let to_values = cols.iter().map(|f| {
        let fi = &f.ident;
        let ty = &f.ty;
        quote_spanned!(ty.span()=> <#ty as __c::FieldType>::to_value(&self.#fi))
    });
    let value_arms = cols.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        let ty = &f.ty;
        quote_spanned!(ty.span()=> #i => <#ty as __c::FieldType>::to_value(&self.#fi))
    });
    let decode = cols.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        let ty = &f.ty;
        let idx = i + 1;
        let col = &f.column;
        quote_spanned!(ty.span()=> #fi: <#ty as __c::FieldType>::decode(row, #idx, #col)?)
    });
    let col_consts = cols.iter().map(|f| {
        let konst = format_ident!("{}", naming::constant(&f.ident.to_string()), span = f.ident.span());
        let ty = &f.ty;
        let col = &f.column;
        let doc = format!("The `{col}` column, for conditions, ordering and updates.");
        quote_spanned! {ty.span()=>
            #[doc = #doc]
            pub const #konst: ::cormo::__private::Col<#ident, #ty> = ::cormo::__private::Col::new(#col);
        }
    });
    let methods = m
        .associations
        .iter()
        .enumerate()
        .map(|(i, a)| assoc_methods(m, i, a));
    let checks = m.associations.iter().map(assoc_check);
    let built = built_methods(m);
    let loaded_fields = loaded_fields(m);
    let default_checks = cols.iter().filter_map(|f| {
        let ty = &f.ty;
        let (lit, kind) = match &f.default {
            Some(l @ syn::Lit::Str(_)) => (l, quote!(__c::StrLit)),
            Some(l @ syn::Lit::Int(_)) => (l, quote!(__c::IntLit)),
            Some(l @ syn::Lit::Float(_)) => (l, quote!(__c::FloatLit)),
            Some(l @ syn::Lit::Bool(_)) => (l, quote!(__c::BoolLit)),
            _ => return None,
        };
        Some(quote_spanned!(lit.span()=> __c::assert_default::<#ty, #kind>();))
    });
    let index_defs = m.indexes.iter().map(|i| {
        let name = &i.name;
        let cols = &i.columns;
        let unique = i.unique;
        quote!(__c::IndexDef { name: #name, columns: &[#(#cols),*], unique: #unique })
    });

    quote! {
        const _: () = {
            use ::cormo::__private as __c;

            static __CORMO_SCHEMA: __c::ModelSchema = __c::ModelSchema {
                name: #name,
                table: #table,
                columns: &[#(#column_defs,)* #(#shadow_defs),*],
                associations: &[#(#assoc_defs),*],
                indexes: &[#(#index_defs),*],
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
                fn cormo_value(&self, column: usize) -> __c::Value {
                    match column {
                        #(#value_arms,)*
                        _ => __c::Value::Null,
                    }
                }
                fn from_row(row: &mut dyn __c::RowReader) -> __c::Result<Self> {
                    ::std::result::Result::Ok(#ident {
                        id: __c::read_id(row)?,
                        #(#decode,)*
                    })
                }
                #built
            }

            #loaded_fields

            #[allow(dead_code)]
            fn __cormo_checks() {
                #(#checks)*
                #(#default_checks)*
                #(#text_checks)*
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

fn column_type(f: &Field) -> TokenStream {
    let ty = &f.ty;
    if f.text {
        quote_spanned!(ty.span()=> __c::text_column::<#ty>())
    } else {
        quote_spanned!(ty.span()=> <#ty as __c::FieldType>::TYPE)
    }
}

/// The hidden column a case-insensitive field's folded text lives in. It
/// carries the field's unique / index flags, so those are case-insensitive.
fn shadow_def(f: &Field) -> Option<TokenStream> {
    let shadow = f.shadow()?;
    let name = &f.column;
    let ty = &f.ty;
    let unique = f.unique;
    let index = f.index;
    let column_type = column_type(f);
    Some(quote_spanned! {ty.span()=>
        __c::ColumnDef {
            field: "",
            name: #shadow,
            ty: #column_type,
            // Nullable, so a shadow added to a table that has rows starts
            // out NULL and `apply_schemas` can find the rows to fill.
            nullable: true,
            unique: #unique,
            index: #index,
            default: ::std::option::Option::None,
            fold: __c::Fold::ShadowOf { column: #name },
        }
    })
}

fn column_def(f: &Field) -> TokenStream {
    let field = f.ident.to_string();
    let field = field.trim_start_matches("r#");
    let name = &f.column;
    let ty = &f.ty;
    // A case-insensitive column's indexes are on its shadow.
    let shadow = f.shadow();
    let unique = f.unique && shadow.is_none();
    let index = f.index && shadow.is_none();
    let fold = match &shadow {
        Some(s) => quote!(__c::Fold::CaseInsensitive { shadow: #s }),
        None => quote!(__c::Fold::Exact),
    };
    let column_type = column_type(f);
    let default = match &f.default {
        None => quote!(::std::option::Option::None),
        Some(syn::Lit::Str(s)) => quote!(::std::option::Option::Some(__c::DefaultValue::Str(#s))),
        Some(syn::Lit::Int(i)) => quote!(::std::option::Option::Some(__c::DefaultValue::Int(#i))),
        Some(syn::Lit::Float(x)) => {
            quote!(::std::option::Option::Some(__c::DefaultValue::Float(#x)))
        }
        Some(syn::Lit::Bool(b)) => quote!(::std::option::Option::Some(__c::DefaultValue::Bool(#b))),
        Some(_) => quote!(::std::option::Option::None),
    };
    quote_spanned! {ty.span()=>
        __c::ColumnDef {
            field: #field,
            name: #name,
            ty: #column_type,
            nullable: <#ty as __c::FieldType>::NULLABLE,
            unique: #unique,
            index: #index,
            default: #default,
            fold: #fold,
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

/// The one place that touches the foreign-key field, so a missing or
/// mistyped field is one error, at the attribute (has_many / has_one) or
/// the field (belongs_to). Methods go through these helpers.
fn fk_helper(m: &Model, a: &Association) -> TokenStream {
    let target = &a.target;
    let helper = format_ident!("__cormo_fk_{}", a.name);
    match a.kind {
        Kind::HasMany | Kind::HasOne => {
            let span = a.foreign_key_lit.as_ref().map_or(a.span, |l| l.span());
            let fk = syn::Ident::new(&a.foreign_key, span);
            quote_spanned! {span=>
                // A trait object, not `impl Trait`: an opaque return type
                // captures the borrow's lifetime in edition 2024 and would
                // no longer coerce to one `fn` pointer type.
                #[doc(hidden)]
                fn #helper(child: &mut #target) -> &mut dyn ::cormo::__private::ForeignKey {
                    &mut child.#fk
                }
            }
        }
        Kind::BelongsTo => {
            // check.rs guarantees the field exists; it may be renamed.
            let field = m.fields.iter().find(|f| f.column == a.foreign_key);
            let span = field.map_or(a.span, |f| f.ty.span());
            let fk = field.map_or_else(
                || syn::Ident::new(&a.foreign_key, span),
                |f| syn::Ident::new(&f.ident.to_string(), span),
            );
            quote_spanned! {span=>
                #[doc(hidden)]
                fn #helper(&self) -> ::std::option::Option<::cormo::RecordId> {
                    ::cormo::__private::ForeignKey::get(&self.#fk)
                }
            }
        }
    }
}

/// The target must be a model; checked once, at the target.
fn assoc_check(a: &Association) -> TokenStream {
    let target = &a.target;
    quote_spanned! {a.span=>
        __c::assert_model::<#target>();
    }
}

fn assoc_methods(m: &Model, idx: usize, a: &Association) -> TokenStream {
    let target = &a.target;
    let acc = syn::Ident::new(&a.name, Span::call_site());
    let reload = format_ident!("reload_{}", a.name);
    let helper = format_ident!("__cormo_fk_{}", a.name);
    let model = m.ident.to_string();
    let fk_helper = fk_helper(m, a);
    let konst = format_ident!("{}", naming::constant(&a.name));
    let loaded = format_ident!("loaded_{}", a.name);
    let loaded_as = format_ident!("loaded_{}_as", a.name);
    let doc_loaded_as = format!(
        "The `{}` if they were loaded as the partial type `T` (an `include` level with `select::<T>()`), without a query.",
        a.name
    );
    let doc_const = format!(
        "The `{}` association, for `include` and `fetch_associated`.",
        a.name
    );
    // Bodies carry the target's span: if it is not a model, that is where
    // the compiler says so.
    let span = a.span;
    match a.kind {
        Kind::HasMany => {
            let build = format_ident!("build_{}", naming::singular(&a.name));
            let doc = format!(
                "The `{}` of this {model}, loaded once and cached (one query).",
                a.name
            );
            let doc_reload = format!("Queries `{}` again and replaces the cache.", a.name);
            let doc_build = format!(
                "A new unsaved record with `{}` set to this {model}'s id, added to the `{}` cache; call `save` on it.",
                a.foreign_key, a.name
            );
            let load = quote_spanned!(span=> ::cormo::__private::assoc::has_many::<Self, #target>(self, #idx, db).await);
            let reload_body = quote_spanned!(span=> ::cormo::__private::assoc::reload_has_many::<Self, #target>(self, #idx, db).await);
            let build_body = quote_spanned!(span=> ::cormo::__private::assoc::build_has_many::<Self, #target>(self, #idx, data, Self::#helper));
            let doc_loaded = format!(
                "The `{}` if they are loaded (by `{}`, `include` or `fetch_associated`), without a query.",
                a.name, a.name
            );
            let loaded_body = quote_spanned!(span=> ::cormo::__private::assoc::loaded_many::<Self, #target>(self, #idx));
            quote! {
                #fk_helper
                #[doc = #doc_const]
                pub const #konst: ::cormo::__private::Rel<Self, #target> =
                    ::cormo::__private::Rel::__new(#idx);
                #[doc = #doc_loaded]
                pub fn #loaded(&self) -> ::std::option::Option<&[#target]> {
                    #loaded_body
                }
                #[doc = #doc_loaded_as]
                pub fn #loaded_as<T: ::cormo::Partial<Model = #target>>(&self) -> ::std::option::Option<&[T]> {
                    ::cormo::__private::assoc::loaded_many::<Self, T>(self, #idx)
                }
                #[doc = #doc]
                pub async fn #acc(&self, db: &impl ::cormo::Executor) -> ::cormo::Result<&[#target]> {
                    #load
                }
                #[doc = #doc_reload]
                pub async fn #reload(&mut self, db: &impl ::cormo::Executor) -> ::cormo::Result<&[#target]> {
                    #reload_body
                }
                #[doc = #doc_build]
                pub fn #build(&mut self, data: #target) -> ::cormo::Result<&mut #target> {
                    #build_body
                }
            }
        }
        Kind::HasOne | Kind::BelongsTo => {
            let (doc, load) = if a.kind == Kind::HasOne {
                (
                    format!(
                        "The `{}` of this {model} (or `None`), loaded once and cached.",
                        a.name
                    ),
                    quote_spanned!(span=> ::cormo::__private::assoc::has_one::<Self, #target>(self, #idx, db).await),
                )
            } else {
                (
                    format!(
                        "The `{}` this {model} belongs to: `None` when `{}` is null or names no record. Cached.",
                        a.name, a.foreign_key
                    ),
                    quote_spanned!(span=> ::cormo::__private::assoc::belongs_to::<Self, #target>(self, #idx, self.#helper(), db).await),
                )
            };
            let one = One {
                idx,
                target,
                span,
                acc: &acc,
                reload: &reload,
                konst: &konst,
                loaded: &loaded,
                loaded_as: &loaded_as,
                doc_const: &doc_const,
                doc_loaded_as: &doc_loaded_as,
            };
            one.methods(&a.name, &doc, load, fk_helper)
        }
    }
}

/// What a has_one and a belongs_to generate alike (an optional record);
/// only how the accessor loads differs.
struct One<'a> {
    idx: usize,
    target: &'a syn::Path,
    span: Span,
    acc: &'a syn::Ident,
    reload: &'a syn::Ident,
    konst: &'a syn::Ident,
    loaded: &'a syn::Ident,
    loaded_as: &'a syn::Ident,
    doc_const: &'a str,
    doc_loaded_as: &'a str,
}

impl One<'_> {
    fn methods(
        &self,
        name: &str,
        doc: &str,
        load: TokenStream,
        fk_helper: TokenStream,
    ) -> TokenStream {
        let One {
            idx,
            target,
            span,
            acc,
            reload,
            konst,
            loaded,
            loaded_as,
            doc_const,
            doc_loaded_as,
        } = self;
        let loaded_body = quote_spanned!(*span=> ::cormo::__private::assoc::loaded_one::<Self, #target>(self, #idx));
        let doc_loaded = loaded_one_doc(name);
        quote! {
            #fk_helper
            #[doc = #doc_const]
            pub const #konst: ::cormo::__private::Rel<Self, #target> =
                ::cormo::__private::Rel::__new(#idx);
            #[doc = #doc_loaded]
            pub fn #loaded(&self) -> ::std::option::Option<::std::option::Option<&#target>> {
                #loaded_body
            }
            #[doc = #doc_loaded_as]
            pub fn #loaded_as<T: ::cormo::Partial<Model = #target>>(&self) -> ::std::option::Option<::std::option::Option<&T>> {
                ::cormo::__private::assoc::loaded_one::<Self, T>(self, #idx)
            }
            #[doc = #doc]
            pub async fn #acc(&self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                #load
            }
            /// Queries the association again and replaces the cache.
            pub async fn #reload(&mut self, db: &impl ::cormo::Executor) -> ::cormo::Result<::std::option::Option<&#target>> {
                ::cormo::__private::assoc::reset(self, #idx);
                #load
            }
        }
    }
}

/// The hooks `save` uses to store what was built on a new record: one
/// line per has_many (the only kind with `build_<child>`).
fn built_methods(m: &Model) -> TokenStream {
    let many: Vec<(usize, &Association)> = m
        .associations
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == Kind::HasMany)
        .collect();
    if many.is_empty() {
        return TokenStream::new();
    }
    let has = many.iter().map(|(i, a)| {
        let target = &a.target;
        quote_spanned!(a.span=> __c::assoc::has_built::<Self, #target>(self, #i))
    });
    let save = many.iter().map(|(i, a)| {
        let target = &a.target;
        let helper = format_ident!("__cormo_fk_{}", a.name);
        quote_spanned!(a.span=> __c::assoc::save_built::<Self, #target>(self, #i, Self::#helper, s).await?;)
    });
    let visit = many.iter().map(|(i, a)| {
        let target = &a.target;
        quote_spanned!(a.span=> __c::assoc::visit_built::<Self, #target>(self, #i, f);)
    });
    quote! {
        fn cormo_has_built(&self) -> bool {
            #(#has)||*
        }
        fn cormo_save_built<'a>(&'a mut self, s: __c::Session<'a>) -> __c::BoxFuture<'a, __c::Result<()>> {
            ::std::boxed::Box::pin(async move {
                #(#save)*
                ::std::result::Result::Ok(())
            })
        }
        fn cormo_visit_ids(&mut self, f: &mut dyn ::std::ops::FnMut(&mut __c::Id)) {
            f(&mut self.id);
            #(#visit)*
        }
    }
}

/// What `cormo::Loaded` adds to the model's own serialization: each
/// loaded association declared with `serialize`. The bounds carry the
/// `serialize` keyword's span, so a target that is not `Serialize` is
/// reported there.
fn loaded_fields(m: &Model) -> TokenStream {
    let ident = &m.ident;
    let mut counts = Vec::new();
    let mut writes = Vec::new();
    for (i, a) in m.associations.iter().enumerate() {
        let Some(span) = a.serialize else { continue };
        let target = &a.target;
        let name = &a.name;
        let (loaded, write) = match a.kind {
            Kind::HasMany => (quote!(loaded_many), quote!(write_many)),
            Kind::HasOne | Kind::BelongsTo => (quote!(loaded_one), quote!(write_one)),
        };
        counts.push(quote_spanned! {span=>
            usize::from(__c::assoc::#loaded::<Self, #target>(self, #i).is_some())
        });
        writes.push(quote_spanned! {span=>
            __c::#write::<Self, #target, F>(self, #i, #name, f)?;
        });
    }
    quote! {
        #[automatically_derived]
        impl __c::LoadedFields for #ident {
            fn cormo_loaded_count(&self) -> usize {
                0 #(+ #counts)*
            }
            fn cormo_loaded_fields<F: __c::FieldSink>(&self, f: &mut F) -> ::std::result::Result<(), F::Error> {
                #(#writes)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

fn loaded_one_doc(name: &str) -> String {
    format!(
        "The `{name}` if it is loaded (by `{name}`, `include` or `fetch_associated`), without a query: `Some(None)` when it is loaded and there is none, `None` when it is not loaded."
    )
}

/// When the derive reports errors, an `impl Model` whose bodies never run
/// keeps other models that name this one from piling up follow-on errors.
pub fn stub(ident: &syn::Ident) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl ::cormo::__private::Model for #ident {
            fn schema() -> &'static ::cormo::__private::ModelSchema { ::std::unreachable!() }
            fn cormo_id(&self) -> &::cormo::__private::Id { ::std::unreachable!() }
            fn cormo_id_mut(&mut self) -> &mut ::cormo::__private::Id { ::std::unreachable!() }
            fn to_values(&self) -> ::std::vec::Vec<::cormo::__private::Value> { ::std::unreachable!() }
            fn cormo_value(&self, _: usize) -> ::cormo::__private::Value { ::std::unreachable!() }
            fn from_row(_: &mut dyn ::cormo::__private::RowReader) -> ::cormo::__private::Result<Self> { ::std::unreachable!() }
        }
    }
}
