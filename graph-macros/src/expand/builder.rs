//! The typestate builder: one type parameter per field, `Unset` until its setter runs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::model::{Field, Model, Role};

/// `Name::builder()`, the `NameBuilder` struct, its setters and `build()`, and
/// one marker trait per required field whose message names what is missing.
pub fn expand(item: &DeriveInput, model: &Model) -> TokenStream {
    let name = &item.ident;
    let vis = &item.vis;
    let builder = format_ident!("{}Builder", name);
    let fields = &model.fields;
    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    // Named after the fields, for readable errors; numbered where two names meet (`item_id`, `itemId`).
    let mut params: Vec<syn::Ident> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let named = format_ident!("__{}", upper_camel(&field.name));
        params.push(if params.contains(&named) {
            format_ident!("{}{}", named, i)
        } else {
            named
        });
    }
    let unset = quote!(::graph_core::builder::Unset);

    let setters = fields.iter().enumerate().map(|(i, field)| {
        // A field already named `maybe_x` is reported by the checks; leaving
        // out the clashing setter keeps that the only error.
        let maybe_taken = fields
            .iter()
            .any(|f| f.name == format!("maybe_{}", field.name));
        setter(&builder, field, &params, &idents, i, maybe_taken)
    });
    let required: Vec<_> = fields
        .iter()
        .zip(&params)
        .filter(|(f, _)| f.optional.is_none())
        .map(|(f, p)| (f, p, required_trait(name, f)))
        .collect();
    let required_traits = required.iter().map(|(field, _, trait_name)| {
        let message = format!(
            "cannot build `{name}`: the required field `{}` is not set",
            field.name
        );
        let label = format!("`{}` is missing here", field.name);
        let note = format!("call `.{}(…)` on the builder before `.build()`", field.name);
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #trait_name<T> {
                #[doc(hidden)]
                fn __take(self) -> T;
            }
            #[diagnostic::do_not_recommend]
            impl<T> #trait_name<T> for ::graph_core::builder::Set<T> {
                fn __take(self) -> T {
                    self.0
                }
            }
        }
    });
    let bounds = fields
        .iter()
        .zip(&params)
        .map(|(field, param)| match &field.optional {
            Some(inner) => quote!(#param: ::graph_core::builder::OptionalField<#inner>),
            None => {
                let trait_name = required_trait(name, field);
                let ty = &field.ty;
                quote!(#param: #trait_name<#ty>)
            }
        });
    let takes = fields.iter().zip(&params).map(|(field, param)| {
        let ident = &field.ident;
        match &field.optional {
            Some(inner) => {
                quote!(#ident: <#param as ::graph_core::builder::OptionalField<#inner>>::into_option(self.#ident))
            }
            None => {
                let trait_name = required_trait(name, field);
                let ty = &field.ty;
                quote!(#ident: <#param as #trait_name<#ty>>::__take(self.#ident))
            }
        }
    });

    let builder_doc = format!(
        "Builds a [`{name}`]; made by [`{name}::builder`]. Every field is set once; \
         `build()` compiles only when every required field is set."
    );
    let start_doc = format!("Starts building a `{name}`.");
    let build_doc =
        format!("Finishes the `{name}`; compiles only when every required field is set.");
    quote! {
        #[doc = #builder_doc]
        #[must_use = "a builder does nothing until `.build()` is called"]
        #vis struct #builder<#(#params = #unset),*> {
            #(#idents: #params,)*
        }

        impl #name {
            #[doc = #start_doc]
            #vis fn builder() -> #builder {
                #builder { #(#idents: #unset,)* }
            }
        }

        #(#required_traits)*

        impl<#(#params),*> #builder<#(#params),*> {
            #(#setters)*

            #[doc = #build_doc]
            #vis fn build(self) -> #name
            where
                #(#bounds,)*
            {
                #name { #(#takes,)* }
            }
        }
    }
}

/// The marker trait whose `on_unimplemented` message names a missing required field.
fn required_trait(endpoint: &syn::Ident, field: &Field) -> syn::Ident {
    format_ident!("__{}Requires_{}", endpoint, field.name)
}

/// `item_id` → `ItemId`, for the field's type parameter.
fn upper_camel(field: &str) -> String {
    let camel = crate::case::camel_case(field);
    let mut chars = camel.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `fn field(self, value: impl Into<T>)`, plus `maybe_field(Option<T>)` for optional fields.
fn setter(
    builder: &syn::Ident,
    field: &Field,
    params: &[syn::Ident],
    idents: &[&syn::Ident],
    index: usize,
    maybe_taken: bool,
) -> TokenStream {
    let ident = &field.ident;
    let param = &params[index];
    let docs = &field.docs;
    let role = match &field.role {
        Role::Path { .. } => format!("fills `<{}>` in the path", field.name),
        Role::Query(name) => format!("sent as the query parameter `{}`", name.value()),
        Role::Header(name) => format!("sent as the header `{}`", name.value()),
        Role::Body => "sent in the JSON body".to_owned(),
        Role::WholeBody(_) => "sent as the whole JSON body".to_owned(),
        Role::Invalid => "see the field's attribute".to_owned(),
    };
    let moved = idents.iter().enumerate().map(|(i, other)| {
        if i == index {
            quote!(#other: ::graph_core::builder::Set(__value))
        } else {
            quote!(#other: self.#other)
        }
    });
    let moved: Vec<_> = moved.collect();
    let next: Vec<TokenStream> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i != index {
                return quote!(#p);
            }
            match &field.optional {
                Some(inner) => quote!(::graph_core::builder::Set<::core::option::Option<#inner>>),
                None => {
                    let ty = &field.ty;
                    quote!(::graph_core::builder::Set<#ty>)
                }
            }
        })
        .collect();
    match &field.optional {
        None => {
            let ty = &field.ty;
            let doc = format!("Sets `{}` (required; {role}).", field.name);
            quote! {
                #[doc = #doc]
                #(#docs)*
                pub fn #ident(self, value: impl ::core::convert::Into<#ty>) -> #builder<#(#next),*>
                where
                    #param: ::graph_core::builder::IsUnset,
                {
                    let __value = value.into();
                    #builder { #(#moved,)* }
                }
            }
        }
        Some(inner) => {
            let maybe = format_ident!("maybe_{}", field.name);
            let doc = format!("Sets `{}` (optional; {role}).", field.name);
            let maybe_doc = format!(
                "Sets `{}` or leaves it out (`None`), in one call.",
                field.name
            );
            let maybe_setter = (!maybe_taken).then(|| {
                quote! {
                    #[doc = #maybe_doc]
                    pub fn #maybe(self, value: ::core::option::Option<#inner>) -> #builder<#(#next),*>
                    where
                        #param: ::graph_core::builder::IsUnset,
                    {
                        let __value = value;
                        #builder { #(#moved,)* }
                    }
                }
            });
            quote! {
                #[doc = #doc]
                #(#docs)*
                pub fn #ident(self, value: impl ::core::convert::Into<#inner>) -> #builder<#(#next),*>
                where
                    #param: ::graph_core::builder::IsUnset,
                {
                    let __value = ::core::option::Option::Some(value.into());
                    #builder { #(#moved,)* }
                }

                #maybe_setter
            }
        }
    }
}
