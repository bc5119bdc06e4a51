//! The `#[graph_endpoint]` attribute. Use it through `graph_core::graph_endpoint`,
//! whose documentation has the full guide; this crate is compile-time only.
//!
//! The work is split as in serde_derive: `args` and `model` parse the
//! attribute and the struct, `check` finds every mistake at once, and
//! `expand` writes the code (or a fallback that keeps the crate compiling).

mod args;
mod case;
mod check;
mod errors;
mod expand;
mod model;
mod suggest;
mod template;

use proc_macro::TokenStream;

/// Declares a Microsoft Graph endpoint on a struct. See `graph_core::graph_endpoint`.
#[proc_macro_attribute]
pub fn graph_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::graph_endpoint(args.into(), item.into()).into()
}
