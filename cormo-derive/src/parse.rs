//! Attributes → raw values, with spans. No defaults or cross-checks here.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Path, Token};

use crate::attr;
use crate::ir::{Field, Index, Kind};

pub struct RawModel {
    pub ident: Ident,
    pub generics: syn::Generics,
    pub table: Option<LitStr>,
    pub fields: Vec<Field>,
    pub associations: Vec<RawAssociation>,
    pub indexes: Vec<Index>,
    /// Span of the struct name, for errors about the model as a whole.
    pub span: Span,
}

pub struct RawAssociation {
    pub kind: Kind,
    pub target: Path,
    pub as_: Option<LitStr>,
    pub foreign_key: Option<LitStr>,
    pub integrity: Option<LitStr>,
    pub required: Option<Ident>,
    pub serialize: Option<Ident>,
    pub span: Span,
}

/// Collects errors so the user sees all of them at once.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    pub fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }
    pub fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

pub fn parse(input: &DeriveInput, errors: &mut Errors) -> Option<RawModel> {
    let Data::Struct(data) = &input.data else {
        errors.at(
            input.ident.span(),
            "#[derive(Model)] works on structs with named fields",
        );
        return None;
    };
    let Fields::Named(named) = &data.fields else {
        errors.at(
            input.ident.span(),
            "#[derive(Model)] works on structs with named fields",
        );
        return None;
    };
    let mut model = RawModel {
        ident: input.ident.clone(),
        generics: input.generics.clone(),
        table: None,
        fields: Vec::new(),
        associations: Vec::new(),
        indexes: Vec::new(),
        span: input.ident.span(),
    };
    for a in &input.attrs {
        let kind = if a.path().is_ident(attr::HAS_MANY) {
            Kind::HasMany
        } else if a.path().is_ident(attr::HAS_ONE) {
            Kind::HasOne
        } else if a.path().is_ident(attr::BELONGS_TO) {
            Kind::BelongsTo
        } else if a.path().is_ident(attr::CORMO) {
            if let Err(e) = parse_model_attr(a, &mut model) {
                errors.push(e);
            }
            continue;
        } else if a.path().is_ident(attr::INDEX_ATTR) {
            match parse_index(a) {
                Ok(index) => model.indexes.push(index),
                Err(e) => errors.push(e),
            }
            continue;
        } else {
            continue;
        };
        match parse_association(a, kind) {
            Ok(assoc) => model.associations.push(assoc),
            Err(e) => errors.push(e),
        }
    }
    for f in &named.named {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut field = Field {
            column: ident.unraw().to_string(),
            ident,
            ty: f.ty.clone(),
            unique: false,
            index: false,
            text: false,
            default: None,
            case_insensitive: None,
        };
        for a in f.attrs.iter().filter(|a| a.path().is_ident(attr::CORMO)) {
            if let Err(e) = parse_field_attr(a, &mut field) {
                errors.push(e);
            }
        }
        model.fields.push(field);
    }
    Some(model)
}

fn parse_model_attr(a: &Attribute, model: &mut RawModel) -> syn::Result<()> {
    a.parse_nested_meta(|meta| {
        if meta.path.is_ident(attr::TABLE) {
            model.table = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown model option `{}`; expected `{}`",
                path_name(&meta.path),
                attr::TABLE
            )))
        }
    })
}

fn parse_field_attr(a: &Attribute, field: &mut Field) -> syn::Result<()> {
    a.parse_nested_meta(|meta| {
        if meta.path.is_ident(attr::NAME) {
            let lit: LitStr = meta.value()?.parse()?;
            field.column = lit.value();
        } else if meta.path.is_ident(attr::UNIQUE) {
            field.unique = true;
        } else if meta.path.is_ident(attr::INDEX) {
            field.index = true;
        } else if meta.path.is_ident(attr::TEXT) {
            field.text = true;
        } else if meta.path.is_ident(attr::CASE_INSENSITIVE) {
            if field.case_insensitive.is_some() {
                return Err(meta.error("`case_insensitive` is given twice"));
            }
            field.case_insensitive = Some(meta.path.span());
        } else if meta.path.is_ident(attr::DEFAULT) {
            let lit: syn::Lit = meta.value()?.parse()?;
            match lit {
                syn::Lit::Str(_) | syn::Lit::Int(_) | syn::Lit::Float(_) | syn::Lit::Bool(_) => {
                    field.default = Some(lit)
                }
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "default must be a string, integer, float or bool literal",
                    ))
                }
            }
        } else {
            return Err(meta.error(format!(
                "unknown field option `{}`; expected one of `{}`, `{}`, `{}`, `{}`, `{}`, `{}`",
                path_name(&meta.path),
                attr::NAME,
                attr::UNIQUE,
                attr::INDEX,
                attr::TEXT,
                attr::CASE_INSENSITIVE,
                attr::DEFAULT
            )));
        }
        Ok(())
    })
}

/// `#[index(fields = "a, b", unique, name = "...")]`. Field names are one
/// string so that two indexes sharing a field are not "duplicated
/// attributes" to clippy.
fn parse_index(a: &Attribute) -> syn::Result<Index> {
    let mut index = Index {
        columns: Vec::new(),
        unique: false,
        name: None,
    };
    a.parse_nested_meta(|meta| {
        if meta.path.is_ident(attr::UNIQUE) {
            index.unique = true;
        } else if meta.path.is_ident(attr::NAME) {
            index.name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident(attr::FIELDS) {
            let lit: LitStr = meta.value()?.parse()?;
            for name in lit.value().split(',').map(str::trim) {
                let ident = syn::parse_str::<Ident>(name).map_err(|_| {
                    syn::Error::new(lit.span(), format!("`{name}` is not a field name"))
                })?;
                index
                    .columns
                    .push(Ident::new(&ident.to_string(), lit.span()));
            }
        } else {
            return Err(meta.error(format!(
                "unknown index option `{}`; expected `{}`, `{}`, `{}`",
                path_name(&meta.path),
                attr::FIELDS,
                attr::UNIQUE,
                attr::NAME
            )));
        }
        Ok(())
    })?;
    if index.columns.is_empty() {
        return Err(syn::Error::new(
            a.path().span(),
            "an index needs fields: #[index(fields = \"a, b\", unique)]",
        ));
    }
    Ok(index)
}

fn parse_association(a: &Attribute, kind: Kind) -> syn::Result<RawAssociation> {
    a.parse_args_with(|input: ParseStream| {
        let target_first = || {
            format!("expected the target model first: #[{}(Target, ...)]", kind.attr_name())
        };
        let target: Path = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), target_first()))?;
        // `#[has_many(integrity = "delete")]`: an option where the target goes.
        if input.peek(Token![=]) {
            return Err(syn::Error::new(target.span(), target_first()));
        }
        let span = target.span();
        let mut out = RawAssociation {
            kind,
            target,
            as_: None,
            foreign_key: None,
            integrity: None,
            required: None,
            serialize: None,
            span,
        };
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            // `as` is a keyword, so read any identifier.
            let key = input.call(Ident::parse_any)?;
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(key.span(), format!("`{name}` is given twice")));
            }
            seen.push(name.clone());
            let string_value = |input: ParseStream| -> syn::Result<LitStr> {
                input.parse::<Token![=]>()?;
                input.parse()
            };
            match name.as_str() {
                attr::AS => out.as_ = Some(string_value(input)?),
                attr::FOREIGN_KEY => out.foreign_key = Some(string_value(input)?),
                attr::INTEGRITY if kind != Kind::BelongsTo => {
                    out.integrity = Some(string_value(input)?)
                }
                attr::INTEGRITY => {
                    return Err(syn::Error::new(
                        key.span(),
                        "belongs_to has no integrity option; declare it on the parent's has_many or has_one",
                    ))
                }
                attr::REQUIRED if kind == Kind::BelongsTo => out.required = Some(key),
                attr::SERIALIZE => out.serialize = Some(key),
                attr::REQUIRED => {
                    return Err(syn::Error::new(
                        key.span(),
                        "`required` belongs on belongs_to (the side that holds the foreign key)",
                    ))
                }
                _ => {
                    let expected = if kind == Kind::BelongsTo {
                        "`as`, `foreign_key`, `required`, `serialize`"
                    } else {
                        "`as`, `foreign_key`, `integrity`, `serialize`"
                    };
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown {} option `{name}`; expected {expected}", kind.attr_name()),
                    ));
                }
            }
        }
        Ok(out)
    })
}

fn path_name(p: &Path) -> String {
    quote::ToTokens::to_token_stream(p)
        .to_string()
        .replace(' ', "")
}
