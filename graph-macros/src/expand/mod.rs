//! Turning a checked declaration into code, or into a fallback when it has errors.

mod builder;
mod endpoint_impl;
mod never_validated;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::args::Templates;
use crate::errors::Errors;
use crate::model;
use crate::template;
use crate::{args, check};

/// The whole macro: parse, check, expand.
pub fn graph_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        // Not even an item we can read: report and hand the tokens back untouched.
        Err(e) => return [e.to_compile_error(), item].into_iter().collect(),
    };
    let mut errors = Errors::default();
    let args = args::parse(args, &mut errors);
    let method = args
        .method
        .as_ref()
        .and_then(|m| check::method(m, &mut errors));
    let pieces = args
        .templates
        .as_ref()
        .and_then(|t| check::templates(t, &mut errors));
    let names: Vec<&str> = pieces
        .iter()
        .flatten()
        .flat_map(|p| template::placeholder_names(p))
        .collect();
    let chooser = args
        .templates
        .as_ref()
        .and_then(|t| t.chooser())
        .map(|c| c.to_string().trim_start_matches("r#").to_owned());
    let model = model::read(&input, &names, chooser.as_deref(), &mut errors);
    if let Some(model) = &model {
        let templates = args.templates.as_ref().zip(pieces.as_deref());
        check::fields(model, templates, method, &mut errors);
    }

    let item = strip_field_attrs(input);
    let Some(model) = model else {
        // Not a struct we can build: keep the item so the rest of the crate compiles.
        let errors = errors.to_compile_errors();
        return quote! { #errors #item };
    };
    let builder = builder::expand(&item, &model);
    let response = args
        .response
        .as_ref()
        .map_or_else(|| quote!(()), |ty| quote!(#ty));
    let literals: Vec<String> = args
        .templates
        .as_ref()
        .map(|t| t.literals().iter().map(|l| l.value()).collect())
        .unwrap_or_default();
    let endpoint = match (
        errors.is_empty(),
        method,
        &args.templates,
        pieces.as_deref(),
    ) {
        (true, Some(method), Some(templates), Some(pieces)) => endpoint_impl::expand(
            &item,
            &model,
            &endpoint_impl::Declared {
                method,
                templates,
                literals: &literals,
                pieces,
                response: &response,
                validate: args.validate.as_ref(),
            },
        ),
        _ => stub_impl(&item, method, args.templates.as_ref(), &literals, &response),
    };
    let errors = errors.to_compile_errors();
    let builder::Builder {
        item: builder_item,
        impls: builder_impls,
    } = builder;
    // The impls sit in an anonymous block so that one glob import can give
    // every path in them a one-token name; see `graph_core::__private::names`.
    quote! {
        #errors
        #item
        #builder_item
        const _: () = {
            use ::graph_core::__private::names::*;
            #endpoint
            #builder_impls
        };
    }
}

/// The struct as emitted: our field attributes (and refused `#[cfg]`s) removed,
/// everything else kept.
fn strip_field_attrs(mut input: DeriveInput) -> DeriveInput {
    if let Data::Struct(data) = &mut input.data
        && let Fields::Named(named) = &mut data.fields
    {
        for field in &mut named.named {
            field
                .attrs
                .retain(|a| !model::is_field_attr(a) && !model::is_cfg(a));
        }
    }
    input
}

/// An `Endpoint` impl with nothing in it, so uses of the struct elsewhere do not
/// add errors of their own on top of the ones reported.
fn stub_impl(
    item: &DeriveInput,
    method: Option<&str>,
    templates: Option<&Templates>,
    literals: &[String],
    response: &TokenStream,
) -> TokenStream {
    let name = &item.ident;
    let method = method_variant(method.unwrap_or("GET"));
    let inherent = templates.and_then(|t| inherent_template(item, t));
    quote! {
        #inherent
        impl __Endpoint for #name {
            const METHOD: __Method = #method;
            const TEMPLATES: &'static [&'static str] = &[#(#literals),*];
            type Response = #response;
            fn write_path(&self, _: &mut __PathWriter) {}
        }
    }
}

/// `__Method::Post` for `"POST"` (inside the expansion's `const _` block).
pub(crate) fn method_variant(method: &str) -> TokenStream {
    let variant = match method {
        "POST" => quote!(Post),
        "PUT" => quote!(Put),
        "PATCH" => quote!(Patch),
        "DELETE" => quote!(Delete),
        _ => quote!(Get),
    };
    quote!(__Method::#variant)
}

/// `X::TEMPLATE` for a declaration with one template, as an inherent constant
/// (a declaration with several has only `Endpoint::TEMPLATES` and `template()`).
pub(crate) fn inherent_template(item: &DeriveInput, templates: &Templates) -> Option<TokenStream> {
    let Templates::One(literal) = templates else {
        return None;
    };
    let name = &item.ident;
    Some(quote! {
        impl #name {
            /// The path template, exactly as written in the attribute.
            pub const TEMPLATE: &'static str = #literal;
        }
    })
}
