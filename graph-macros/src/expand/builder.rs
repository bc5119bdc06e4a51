//! The builder: typestate for required fields, plain `Option`s for optional ones.
//!
//! Only required fields get a type parameter (`Unset` until their setter runs),
//! so `build()` compiles only when each is set. Optional fields are stored as
//! `Option<T>` and their setters return `Self`. Every setter replaces an
//! earlier value. Every item the compiler has to check per field costs build
//! time in crates of many endpoints, so each field gets one setter and, when
//! required, one marker trait; `graph_core::__graph_builder!` writes them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, Ident, Type};

use crate::model::{Field, Model};

/// The parts of a builder: the struct itself, which user code may name, and
/// the impls and marker traits, which go inside the expansion's `const _`
/// block where the short `__` names of `graph_core::__private::names` apply.
pub struct Builder {
    pub item: TokenStream,
    pub impls: TokenStream,
}

/// A required field: its type parameter and marker trait names.
struct Required<'a> {
    field: &'a Field,
    param: Ident,
    marker: Ident,
}

/// `Name::builder()`, the `NameBuilder` struct, its setters and `build()`, and
/// one marker trait per required field whose message names what is missing:
/// two invocations of `graph_core::__graph_builder!` carrying the names and
/// messages, one for the struct (which user code may name) and one for the
/// impls (which go in the `const _` block).
pub fn expand(item: &DeriveInput, model: &Model) -> Builder {
    let name = &item.ident;
    let vis = &item.vis;
    let builder = format_ident!("{}Builder", name);
    let required = required_fields(name, model);
    let optional: Vec<(&Field, &Type)> = model
        .fields
        .iter()
        .filter_map(|f| Some((f, f.optional.as_ref()?)))
        .collect();

    let fields_and_params = required.iter().map(|r| {
        let (field, param) = (&r.field.ident, &r.param);
        quote!(#field #param)
    });
    let opt_types = optional.iter().map(|(_, ty)| ty);
    let required_args = required.iter().map(|r| required_arg(name, r, &required));
    let optional_args = optional
        .iter()
        .enumerate()
        .map(|(i, (field, ty))| optional_arg(field, ty, syn::Index::from(i)));
    let item = quote! {
        ::graph_core::__graph_builder! {
            struct #builder (#vis) [#(#fields_and_params)*] [#((#opt_types))*]
        }
    };
    let impls = quote! {
        ::graph_core::__graph_builder! {
            impls #name #builder (#vis)
            required [#(#required_args)*]
            optional [#(#optional_args)*]
        }
    };
    Builder { item, impls }
}

/// The required fields with their type parameter (named after the field, for
/// readable errors; numbered where two names meet, as `item_id` and `itemId`)
/// and marker trait.
fn required_fields<'a>(endpoint: &Ident, model: &'a Model) -> Vec<Required<'a>> {
    let mut required: Vec<Required<'a>> = Vec::new();
    for (i, field) in model.fields.iter().enumerate() {
        if field.optional.is_some() {
            continue;
        }
        let base = format!("__{}", upper_camel(&field.name));
        let taken =
            |name: &str| GLOB_NAMES.contains(&name) || required.iter().any(|r| r.param == name);
        // `item_id` and `itemId` meet, and a field `set` would hide `__Set`.
        let mut number = i;
        let mut name = base.clone();
        while taken(&name) {
            name = format!("{base}{number}");
            number += 1;
        }
        let param = format_ident!("{}", name);
        // Named like the parameter, which is already unique and UpperCamel.
        let marker = format_ident!(
            "__{}Requires{}",
            endpoint,
            param.to_string().trim_start_matches('_')
        );
        required.push(Required {
            field,
            param,
            marker,
        });
    }
    required
}

/// The names `graph_core::__private::names` brings into the `const _` block;
/// a type parameter of that name would hide one of them.
const GLOB_NAMES: [&str; 18] = [
    "__Set",
    "__Take",
    "__Unset",
    "__BodyError",
    "__BodyWriter",
    "__HeaderWriter",
    "__PathWriter",
    "__QueryWriter",
    "__Probe",
    "__Endpoint",
    "__Method",
    "__ValidationError",
    "__Into",
    "__Option",
    "__None",
    "__Some",
    "__Result",
    "__Ok",
];

/// `item_id` → `ItemId`, for the field's type parameter.
fn upper_camel(field: &str) -> String {
    let camel = crate::case::camel_case(field);
    let mut chars = camel.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One required field for `__graph_builder!`: its setter (which moves the
/// builder to the type where this field's parameter is `Set<T>`) and its
/// marker trait, whose `on_unimplemented` message names the field and the
/// endpoint; only `Set<T>` implements it.
fn required_arg(endpoint: &Ident, this: &Required, required: &[Required]) -> TokenStream {
    let Required {
        field,
        param,
        marker,
    } = this;
    let (ident, ty, docs, name) = (&field.ident, &field.ty, &field.docs, &field.name);
    let message = format!("cannot build `{endpoint}`: the required field `{name}` is not set");
    let label = format!("`{name}` is missing here");
    let note = format!("call `.{name}(…)` on the builder before `.build()`");
    let next = required.iter().map(|r| {
        if r.param == *param {
            quote!(__Set<#ty>)
        } else {
            let other = &r.param;
            quote!(#other)
        }
    });
    let others = required
        .iter()
        .filter(|r| r.param != *param)
        .map(|r| &r.field.ident);
    let setter = setter_name(field);
    quote! {
        #ident #setter #param #marker (#ty) (#message #label #note) [#(#docs)*] [#(#next),*] [#(#others)*]
    }
}

/// One optional field for `__graph_builder!`: its setter returns `Self`, so a
/// later call replaces an earlier value.
fn optional_arg(field: &Field, inner: &Type, index: syn::Index) -> TokenStream {
    let (ident, docs) = (&field.ident, &field.docs);
    let setter = setter_name(field);
    quote!(#ident #setter #index (#inner) [#(#docs)*])
}

/// The setter's name: the field's, except for a field named `build`, which
/// the checks reject; its setter is renamed so that the builder's own
/// `build()` does not add a second error.
fn setter_name(field: &Field) -> Ident {
    if field.name == "build" {
        format_ident!("__set_build")
    } else {
        field.ident.clone()
    }
}
