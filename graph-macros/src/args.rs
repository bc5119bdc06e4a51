//! Parsing the attribute's arguments: `METHOD "template", key = value, …`, or
//! `METHOD match field { Enum::Variant => "template", … }, key = value, …`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Path, Token, Type, braced};

use crate::errors::Errors;
use crate::suggest::closest;

/// The option keys the attribute understands.
pub const OPTION_KEYS: [&str; 2] = ["response", "validate"];

/// What the attribute says, as far as it could be read.
pub struct Args {
    /// The method name as written, with its span.
    pub method: Option<Ident>,
    /// The path template(s), as far as they could be read.
    pub templates: Option<Templates>,
    /// `response = Type`.
    pub response: Option<Type>,
    /// `validate = path::to::function`.
    pub validate: Option<Path>,
}

/// The path template of a declaration, or one per address form.
pub enum Templates {
    /// `GET "/me/drive"`.
    One(LitStr),
    /// `GET match item { ItemLocator::Me => "/me/drive/items/<item_id>", … }`:
    /// the value of `field` (an enum) chooses the template.
    Choice {
        /// The `match` keyword, for errors about the whole choice.
        match_span: Span,
        /// The field matched on.
        field: Ident,
        /// One arm per variant, in declaration order.
        arms: Vec<Arm>,
    },
}

/// One `Enum::Variant => "template"` of a choice.
pub struct Arm {
    /// The variant's path, as written.
    pub variant: Path,
    /// Its template.
    pub template: LitStr,
}

impl Templates {
    /// Every template literal, in declaration order.
    pub fn literals(&self) -> Vec<&LitStr> {
        match self {
            Templates::One(template) => vec![template],
            Templates::Choice { arms, .. } => arms.iter().map(|a| &a.template).collect(),
        }
    }

    /// The field that chooses the template, for a choice.
    pub fn chooser(&self) -> Option<&Ident> {
        match self {
            Templates::One(_) => None,
            Templates::Choice { field, .. } => Some(field),
        }
    }
}

/// Reads the arguments, recording every problem in `errors`.
pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args {
        method: None,
        templates: None,
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
    args.templates = Some(if input.peek(Token![match]) {
        parse_choice(input)?
    } else {
        let template: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the path template as a string after the method, like `GET \"/me/drive\"`, \
                 or `match field { Enum::Variant => \"/path\", … }` for one template per address form",
            )
        })?;
        Templates::One(template)
    });

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

/// `match item { ItemLocator::Me => "/me/drive/items/<item_id>", … }`.
fn parse_choice(input: ParseStream) -> syn::Result<Templates> {
    let match_token: Token![match] = input.parse()?;
    let field: Ident = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the field that chooses the template after `match`, like `match item { … }`",
        )
    })?;
    let content;
    braced!(content in input);
    let mut arms = Vec::new();
    while !content.is_empty() {
        let variant: Path = content.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected an enum variant, like `ItemLocator::Me => \"/me/drive/items/<item_id>\"`",
            )
        })?;
        content.parse::<Token![=>]>()?;
        let template: LitStr = content.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the path template as a string after `=>`",
            )
        })?;
        arms.push(Arm { variant, template });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Templates::Choice {
        match_span: match_token.span,
        field,
        arms,
    })
}

/// Skips an unknown option's value, up to the next top-level comma.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}
