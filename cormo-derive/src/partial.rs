//! `#[derive(Partial)]`: some fields of a model, read on their own.
//!
//! The derive cannot see the model's fields, so it names each field's
//! column through the model's column constant (`<User>::NAME`) with the
//! field's type: a field the model lacks, or of another type, is one
//! compile error at that field.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Path};

use crate::attr;
use crate::naming;

pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a partial model cannot be generic",
        ));
    }
    let model = model_path(input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(Partial)] needs a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(Partial)] needs a struct with named fields",
        ));
    };
    let ident = &input.ident;
    let mut names = Vec::new();
    let mut checks = Vec::new();
    let mut decode = Vec::new();
    let mut column = 0usize;
    for f in &fields.named {
        let Some(fi) = &f.ident else { continue };
        if let Some(a) = f.attrs.iter().find(|a| a.path().is_ident(attr::CORMO)) {
            return Err(syn::Error::new(
                a.span(),
                "a partial model's fields take no #[cormo(...)] options; the model's field decides the column",
            ));
        }
        let ty = &f.ty;
        if fi == attr::ID_FIELD {
            decode.push(quote_spanned!(ty.span()=> #fi: __c::read_id(row)?));
            continue;
        }
        column += 1;
        let konst = format_ident!("{}", naming::constant(&fi.to_string()), span = fi.span());
        names.push(quote_spanned!(fi.span()=> <#model>::#konst.name()));
        checks.push(quote_spanned! {ty.span()=>
            let _: __c::Col<#model, #ty> = <#model>::#konst;
        });
        let col_name = fi.to_string();
        decode.push(quote_spanned!(ty.span()=> #fi: <#ty as __c::FieldType>::decode(row, #column, #col_name)?));
    }
    Ok(quote! {
        const _: () = {
            use ::cormo::__private as __c;

            #[automatically_derived]
            impl __c::Partial for #ident {
                type Model = #model;
                fn columns() -> &'static [usize] {
                    static POSITIONS: ::std::sync::OnceLock<::std::vec::Vec<usize>> = ::std::sync::OnceLock::new();
                    const NAMES: &[&str] = &[#(#names),*];
                    __c::partial_positions(&POSITIONS, <#model as __c::Model>::schema(), NAMES)
                }
                fn from_row(row: &mut dyn __c::RowReader) -> __c::Result<Self> {
                    ::std::result::Result::Ok(#ident {
                        #(#decode,)*
                    })
                }
            }

            #[allow(dead_code)]
            fn __cormo_partial_checks() {
                #(#checks)*
            }
        };
    })
}

/// `#[cormo(model = User)]`, given once.
fn model_path(input: &DeriveInput) -> syn::Result<Path> {
    let mut model: Option<Path> = None;
    for a in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(attr::CORMO))
    {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident(attr::MODEL) {
                if model.is_some() {
                    return Err(meta.error("`model` is given twice"));
                }
                model = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error("unknown option; a partial model takes `model = Model`"))
            }
        })?;
    }
    model.ok_or_else(|| {
        syn::Error::new(
            input.ident.span(),
            "a partial model needs #[cormo(model = Model)]: the model whose fields it holds",
        )
    })
}
