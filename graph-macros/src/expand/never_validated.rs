//! Body field types that can never implement `graph_core::Validate`.
//!
//! The generated `validate()` probes each body value by autoref method
//! resolution, which costs the compiler noticeably per probe. For standard
//! library types the answer is known without asking: the orphan rule forbids
//! a user crate to implement a foreign trait for `String`, a primitive or
//! `Vec<_>`, and graph-core implements `Validate` for none of them (its test
//! `validate::tests::std_types_do_not_validate` keeps that true). So their probes
//! are left out. Only bare or `std`/`core`/`alloc`-qualified names are
//! recognised; anything else is probed. A bare name is taken to be the std
//! one: a user type or alias named `String`, `Vec` or like a primitive would be
//! skipped too (documented on the macro).

use syn::{PathArguments, Type};

/// Primitive and std names that take no generic arguments.
const SCALARS: [&str; 17] = [
    "String", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
    "i64", "i128", "isize", "f32", "f64",
];

/// Path prefixes under which these names are the standard ones.
const STD_ROOTS: [&str; 3] = ["std", "core", "alloc"];

/// Whether a value of type `ty` is known not to implement `Validate`.
pub fn never_validated(ty: &Type) -> bool {
    match ty {
        // `&str`, `&'a str`.
        Type::Reference(reference) => {
            matches!(&*reference.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
        }
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let Some(last) = segments.last() else {
                return false;
            };
            let qualified_by_std = segments.len() == 1
                || segments
                    .first()
                    .is_some_and(|first| STD_ROOTS.iter().any(|root| first.ident == root));
            if !qualified_by_std {
                return false;
            }
            let name = last.ident.to_string();
            match &last.arguments {
                PathArguments::None => SCALARS.contains(&name.as_str()),
                // `Vec<T>` for any `T`: `Vec` is not a fundamental type, so no
                // crate but graph-core may implement the trait for it.
                PathArguments::AngleBracketed(_) => name == "Vec",
                PathArguments::Parenthesized(_) => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::never_validated;

    fn ty(text: &str) -> syn::Type {
        syn::parse_str(text).expect("a type")
    }

    #[test]
    fn std_types_are_known() {
        for text in [
            "String",
            "std::string::String",
            "::std::string::String",
            "u32",
            "bool",
            "&str",
            "&'static str",
            "Vec<String>",
            "Vec<MyType>",
            "alloc::vec::Vec<u8>",
        ] {
            assert!(never_validated(&ty(text)), "{text}");
        }
    }

    #[test]
    fn anything_else_is_probed() {
        for text in [
            "InviteBody",
            "my::String",
            "Box<MyType>",
            "&MyType",
            "Option<String>",
            "[u8; 4]",
            "(String, u32)",
            "<T as Trait>::Out",
            "Vec",
        ] {
            assert!(!never_validated(&ty(text)), "{text}");
        }
    }
}
