#![warn(missing_docs)]
//! `#[derive(Model)]` for cormo.
//!
//! A thin entry point: parse the attributes into a raw model, check it into
//! the typed intermediate model (`ir`), then expand. Every user mistake is a
//! compile error at the attribute or field that caused it.

mod attr;
mod check;
mod expand;
mod ir;
mod naming;
mod parse;
mod partial;

use proc_macro::TokenStream;

/// Derives `cormo::Model`. See the `cormo` crate docs for the attributes.
#[proc_macro_derive(Model, attributes(cormo, has_many, has_one, belongs_to, index))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    let mut errors = parse::Errors::default();
    let Some(raw) = parse::parse(&input, &mut errors) else {
        return to_compile_errors(errors);
    };
    let generic = !raw.generics.params.is_empty();
    let model = check::check(raw, &mut errors);
    if let Err(e) = errors.finish() {
        let mut out = e.to_compile_error();
        if !generic {
            out.extend(expand::stub(&model.ident));
        }
        return out.into();
    }
    expand::expand(&model).into()
}

fn to_compile_errors(errors: parse::Errors) -> TokenStream {
    match errors.finish() {
        Err(e) => e.to_compile_error().into(),
        Ok(()) => TokenStream::new(),
    }
}

/// Derives `cormo::Partial`: a struct holding some of a model's fields
/// (`#[cormo(model = User)]`), for queries and eager-loading levels that
/// read only those columns.
#[proc_macro_derive(Partial, attributes(cormo))]
pub fn derive_partial(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match partial::derive(&input) {
        Ok(out) => out.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
