//! Parsing the attribute's arguments: `METHOD "template", key = value, …`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Path, Token, Type};

use crate::errors::Errors;
use crate::suggest::closest;

/// The option keys the attribute understands.
pub const OPTION_KEYS: [&str; 2] = ["response", "validate"];

/// What the attribute says, as far as it could be read.
pub struct Args {
    /// The method name as written, with its span.
    pub method: Option<Ident>,
    /// The path template literal.
    pub template: Option<LitStr>,
    /// `response = Type`.
    pub response: Option<Type>,
    /// `validate = path::to::function`.
    pub validate: Option<Path>,
}

/// Reads the arguments, recording every problem in `errors`.
pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args {
        method: None,
        template: None,
        response: None,
        validate: None,
    };
    let parser = |input: ParseStream| parse_into(input, &mut args, errors);
    if let Err(e) = parser.parse2(tokens) {
        errors.push(e);
    }
    args
}

fn parse_into(input: ParseStream, args: &mut Args, errors: &mut Errors) -> syn::Result<()> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "expected a method and a path template, like `#[graph_endpoint(GET \"/me/drive\")]`",
        ));
    }
    let method: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected an HTTP method first, like `GET` in `#[graph_endpoint(GET \"/me/drive\")]`",
        )
    })?;
    args.method = Some(method);
    let template: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the path template as a string after the method, like `GET \"/me/drive\"`",
        )
    })?;
    args.template = Some(template);

    let mut seen: Vec<String> = Vec::new();
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let name = key.to_string();
        if seen.contains(&name) {
            errors.spanning(&key, format!("the option `{name}` is given twice"));
        }
        seen.push(name.clone());
        match name.as_str() {
            // A malformed value is reported and skipped, so later options are still checked.
            "response" => match input.parse() {
                Ok(ty) => args.response = Some(ty),
                Err(e) => {
                    errors.push(syn::Error::new(
                        e.span(),
                        "`response` takes a type, like `response = InviteResponse`",
                    ));
                    skip_value(input)?;
                }
            },
            "validate" => match input.parse() {
                Ok(path) => args.validate = Some(path),
                Err(e) => {
                    errors.push(syn::Error::new(
                        e.span(),
                        "`validate` takes a function path, like `validate = check_invite`",
                    ));
                    skip_value(input)?;
                }
            },
            _ => {
                let hint = match closest(&name, OPTION_KEYS) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => format!(
                        "; the options are {}",
                        OPTION_KEYS.map(|k| format!("`{k}`")).join(", ")
                    ),
                };
                errors.spanning(&key, format!("unknown option `{name}`{hint}"));
                skip_value(input)?;
            }
        }
    }
    Ok(())
}

/// Skips an unknown option's value, up to the next top-level comma.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}
