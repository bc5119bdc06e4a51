//! The `impl ::graph_core::Endpoint` for a declaration that passed every check.
//!
//! Emitted inside the expansion's `const _` block, so it uses the short `__`
//! names of `graph_core::__private::names`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{DeriveInput, Path};

use super::never_validated::never_validated;
use super::{inherent_template, method_variant};
use crate::args::Templates;
use crate::case::camel_case;
use crate::model::{Field, Model, Role};
use crate::template::Piece;

/// What the attribute declared, checked.
pub struct Declared<'a> {
    pub method: &'a str,
    pub templates: &'a Templates,
    /// The template texts, in declaration order.
    pub literals: &'a [String],
    /// Each template's pieces, in the same order.
    pub pieces: &'a [Vec<Piece>],
    pub response: &'a TokenStream,
    pub validate: Option<&'a Path>,
}

/// The trait impl: constants, then one small writer method per request part.
/// The work itself lives in graph-core's writers, so each expansion stays short.
///
/// The methods are `#[inline]`: like generic code, they are then compiled
/// only in the crates that send the endpoint, not in the crate declaring it.
/// An SDK declares hundreds of endpoints and an application calls a few, and
/// compiling these bodies was 12% of building a crate of 200 endpoints.
pub fn expand(item: &DeriveInput, model: &Model, declared: &Declared) -> TokenStream {
    let name = &item.ident;
    let method = method_variant(declared.method);
    let literals = declared.literals;
    let response = declared.response;
    let (template, write_path) = match declared.templates {
        Templates::One(_) => (None, write_path(model, &declared.pieces[0])),
        Templates::Choice { field, arms, .. } => {
            let arms: Vec<ChoiceArm> = arms
                .iter()
                .zip(declared.pieces)
                .map(|(arm, pieces)| ChoiceArm {
                    variant: &arm.variant,
                    span: arm.template.span(),
                    text: arm.template.value(),
                    pieces,
                })
                .collect();
            // The attribute's own ident: a variant without an arm is then
            // reported at `match item`, where the arms are written.
            choice(model, field, &arms)
        }
    };
    let inherent = inherent_template(item, declared.templates);
    let write_query = write_pairs(model, Kind::Query);
    let write_headers = write_pairs(model, Kind::Header);
    let write_body = write_body(model);
    let validate = validate(model, declared.validate);
    quote! {
        #inherent
        impl __Endpoint for #name {
            const METHOD: __Method = #method;
            const TEMPLATES: &'static [&'static str] = &[#(#literals),*];
            type Response = #response;
            #template
            #write_path
            #write_query
            #write_headers
            #write_body
            #validate
        }
    }
}

fn field_named<'m>(model: &'m Model, name: &str) -> Option<&'m Field> {
    model.fields.iter().find(|f| f.name == name)
}

fn write_path(model: &Model, pieces: &[Piece]) -> TokenStream {
    let steps = path_steps(model, pieces, |_| None);
    quote! {
        #[inline]
        fn write_path(&self, __path: &mut __PathWriter) {
            #(#steps)*
        }
    }
}

/// The writer calls for one template. A placeholder named after a field reads
/// that field; any other reads what `binding` gives for its name (a variant's field).
fn path_steps<'p>(
    model: &'p Model,
    pieces: &'p [Piece],
    binding: impl Fn(&str) -> Option<Ident> + 'p,
) -> impl Iterator<Item = TokenStream> + 'p {
    pieces.iter().filter_map(move |piece| match piece {
        Piece::Literal(text) => Some(quote!(__path.literal(#text);)),
        Piece::Placeholder { name, catch_all } => {
            let value = match field_named(model, name) {
                Some(field) => {
                    let ident = &field.ident;
                    quote!(&self.#ident)
                }
                None => {
                    let bound = binding(name)?;
                    quote!(#bound)
                }
            };
            Some(if *catch_all {
                quote!(__path.catch_all(#name, #value);)
            } else {
                quote!(__path.segment(#name, #value);)
            })
        }
    })
}

/// One `Enum::Variant => "template"` arm, checked.
struct ChoiceArm<'a> {
    variant: &'a Path,
    span: Span,
    text: String,
    pieces: &'a [Piece],
}

/// `template()` and `write_path()` for a declaration whose `field` chooses the
/// template: both match on the field. Placeholders that name no struct field
/// bind the variant's field of that name; the field names are spanned at the
/// template, so a variant without such a field is an error there.
fn choice(model: &Model, field: &Ident, arms: &[ChoiceArm]) -> (Option<TokenStream>, TokenStream) {
    let template_arms = arms.iter().map(|arm| {
        let variant = arm.variant;
        let text = &arm.text;
        let rest = quote_spanned!(arm.span=> { .. });
        quote!(#variant #rest => #text,)
    });
    let path_arms = arms.iter().map(|arm| {
        let variant = arm.variant;
        let from_variant: Vec<&str> = arm
            .pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Placeholder { name, .. } if field_named(model, name).is_none() => {
                    Some(name.as_str())
                }
                _ => None,
            })
            .collect();
        // `name: __vN`, not the shorthand: a constant named like the field
        // would otherwise turn the binding into a constant pattern.
        let local = |i: usize| Ident::new(&format!("__v{i}"), Span::call_site());
        let fields = from_variant.iter().enumerate().map(|(i, name)| {
            let name = field_ident(name, arm.span);
            let local = local(i);
            quote!(#name: #local,)
        });
        let steps = path_steps(model, arm.pieces, |name| {
            from_variant.iter().position(|n| *n == name).map(local)
        });
        // No `..`: every field of the variant must fill a placeholder of its
        // template, or rustc reports the one left out (at the template).
        let pattern_fields = quote_spanned!(arm.span=> { #(#fields)* });
        quote! {
            #variant #pattern_fields => { #(#steps)* }
        }
    });
    // Spanned at `match field` in the attribute, so that a variant without an
    // arm (non-exhaustive patterns) is reported where the arms are written.
    let scrutinee = quote_spanned!(field.span()=> &self.#field);
    let template = quote! {
        #[inline]
        fn template(&self) -> &'static str {
            match #scrutinee { #(#template_arms)* }
        }
    };
    let write_path = quote! {
        #[inline]
        fn write_path(&self, __path: &mut __PathWriter) {
            match #scrutinee { #(#path_arms)* }
        }
    };
    (Some(template), write_path)
}

#[derive(Clone, Copy)]
enum Kind {
    Query,
    Header,
}

fn write_pairs(model: &Model, kind: Kind) -> Option<TokenStream> {
    let steps: Vec<TokenStream> = model
        .fields
        .iter()
        .filter_map(|field| {
            let ((Role::Query(key), Kind::Query) | (Role::Header(key), Kind::Header)) =
                (&field.role, kind)
            else {
                return None;
            };
            let ident = &field.ident;
            let name = &field.name;
            let write = |value: TokenStream| match kind {
                Kind::Query => quote!(__out.pair(#key, #value);),
                Kind::Header => quote!(__out.header(#name, #key, #value);),
            };
            Some(match field.optional {
                Some(_) => {
                    let write = write(quote!(__value));
                    quote! {
                        if let __Some(__value) = &self.#ident { #write }
                    }
                }
                None => write(quote!(&self.#ident)),
            })
        })
        .collect();
    if steps.is_empty() {
        return None;
    }
    Some(match kind {
        Kind::Query => quote! {
            #[inline]
            fn write_query(&self, __out: &mut __QueryWriter<'_>) { #(#steps)* }
        },
        Kind::Header => quote! {
            #[inline]
            fn write_headers(&self, __out: &mut __HeaderWriter) { #(#steps)* }
        },
    })
}

fn write_body(model: &Model) -> Option<TokenStream> {
    let mut steps = Vec::new();
    for field in &model.fields {
        let ident = &field.ident;
        match (&field.role, &field.optional) {
            (Role::WholeBody(_), None) => steps.push(quote!(__body.whole(&self.#ident)?;)),
            (Role::WholeBody(_), Some(_)) => steps.push(quote! {
                if let __Some(__value) = &self.#ident { __body.whole(__value)?; }
            }),
            (Role::Body, None) => {
                let key = camel_case(&field.name);
                steps.push(quote!(__body.field(#key, &self.#ident)?;));
            }
            (Role::Body, Some(_)) => {
                let key = camel_case(&field.name);
                steps.push(quote! {
                    if let __Some(__value) = &self.#ident { __body.field(#key, __value)?; }
                });
            }
            _ => {}
        }
    }
    if steps.is_empty() {
        return None;
    }
    let has_properties = model.fields.iter().any(|f| matches!(f.role, Role::Body));
    let open = has_properties.then(|| quote!(__body.open_object();));
    Some(quote! {
        #[inline]
        fn write_body(
            &self,
            __body: &mut __BodyWriter,
        ) -> __Result<(), __BodyError> {
            #open
            #(#steps)*
            __Ok(())
        }
    })
}

/// One step of `validate()`.
enum Check {
    /// An expression giving a `Result`: `?` on it, or it is the result when last.
    Result(TokenStream),
    /// A statement that returns early on an error (an optional value's probe).
    Statement(TokenStream),
}

/// `validate()`: each body value whose type implements `graph_core::Validate`
/// (found by autoref method resolution), then the declared `validate = path`.
/// Types known never to implement it are not probed (see `never_validated`).
fn validate(model: &Model, declared: Option<&Path>) -> Option<TokenStream> {
    let mut checks: Vec<Check> = model
        .fields
        .iter()
        .filter(|f| matches!(f.role, Role::Body | Role::WholeBody(_)))
        .filter(|f| !never_validated(f.optional.as_ref().unwrap_or(&f.ty)))
        .map(|field| {
            let ident = &field.ident;
            match field.optional {
                Some(_) => Check::Statement(quote! {
                    if let __Some(__value) = &self.#ident {
                        (&&__Probe(__value)).validate_if_possible()?;
                    }
                }),
                None => Check::Result(quote!((&&__Probe(&self.#ident)).validate_if_possible())),
            }
        })
        .collect();
    if let Some(path) = declared {
        checks.push(Check::Result(quote!(#path(self))));
    }
    // Every check but the last returns early on an error; the last gives the result.
    let last = match checks.pop()? {
        Check::Result(result) => result,
        Check::Statement(statement) => quote!(#statement __Ok(())),
    };
    let early = checks.into_iter().map(|check| match check {
        Check::Result(result) => quote!(#result?;),
        Check::Statement(statement) => statement,
    });
    Some(quote! {
        #[inline]
        fn validate(&self) -> __Result<(), __ValidationError> {
            #(#early)*
            #last
        }
    })
}

/// The variant field a placeholder names, as an identifier: always raw, since
/// `r#item_id` is `item_id` and `<type>` must be the field `r#type` (syn's
/// keyword list does not know the edition's, such as `gen`). Names that no
/// identifier can have (`self`, `_`, …) are refused by the template check.
fn field_ident(name: &str, span: Span) -> Ident {
    Ident::new_raw(name, span)
}
