//! The rules a declaration must follow, each reported at the token that breaks it.

use std::collections::HashSet;

use syn::{Ident, LitStr};

use crate::args::Templates;
use crate::errors::Errors;
use crate::model::{Field, Model, Role};
use crate::suggest::closest;
use crate::template::{self, Piece};

/// Headers the client sets itself; an endpoint field must not override them.
const RESERVED_HEADERS: [&str; 8] = [
    "Authorization",
    "Accept",
    "Content-Type",
    "Content-Length",
    "Host",
    "User-Agent",
    "client-request-id",
    "Retry-Attempt",
];

/// The methods Graph endpoints use.
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The method's canonical name, or an error at the method token.
pub fn method(method: &Ident, errors: &mut Errors) -> Option<&'static str> {
    let written = method.to_string();
    if let Some(known) = METHODS.iter().find(|m| **m == written) {
        return Some(known);
    }
    let hint = match METHODS.iter().find(|m| m.eq_ignore_ascii_case(&written)) {
        Some(upper) => format!("; write it in capitals: `{upper}`"),
        None => match closest(&written, METHODS) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => String::new(),
        },
    };
    errors.spanning(
        method,
        format!(
            "unknown HTTP method `{written}`; expected one of {}{hint}",
            METHODS.join(", ")
        ),
    );
    None
}

/// The template's pieces, or errors at the template literal.
fn template(template: &LitStr, errors: &mut Errors) -> Option<Vec<Piece>> {
    match template::parse(&template.value()) {
        Ok(pieces) => Some(pieces),
        Err(problems) => {
            for problem in problems {
                errors.spanning(template, problem);
            }
            None
        }
    }
}

/// Every template's pieces, in declaration order, or `None` when any is broken
/// (each problem reported at its literal). For a choice, also checks the arms.
pub fn templates(templates: &Templates, errors: &mut Errors) -> Option<Vec<Vec<Piece>>> {
    if let Templates::Choice {
        match_span, arms, ..
    } = templates
    {
        if arms.is_empty() {
            errors.at(
                *match_span,
                "`match` needs at least one arm, like `ItemLocator::Me => \"/me/drive/items/<item_id>\"`",
            );
        }
        let mut seen: Vec<String> = Vec::new();
        for arm in arms {
            if arm
                .variant
                .segments
                .first()
                .is_some_and(|s| s.ident == "Self")
            {
                errors.spanning(
                    &arm.variant,
                    "name the enum of the field, not `Self`, like `ItemLocator::Me`",
                );
            }
            // Every arm matches the one field, so arms are variants of one
            // enum: the last segment names the variant however it is reached.
            let variant = arm
                .variant
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if seen.contains(&variant) {
                let written = arm
                    .variant
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect::<Vec<_>>()
                    .join("::");
                errors.spanning(
                    &arm.variant,
                    format!("`{written}` already has a template; give each variant one"),
                );
            }
            seen.push(variant);
        }
    }
    let parsed: Vec<Option<Vec<Piece>>> = templates
        .literals()
        .into_iter()
        .map(|literal| template(literal, errors))
        .collect();
    parsed.into_iter().collect()
}

/// Checks the fields against the template(s) and the method.
pub fn fields(
    model: &Model,
    templates: Option<(&Templates, &[Vec<Piece>])>,
    method: Option<&str>,
    errors: &mut Errors,
) {
    // Where a template is broken or a placeholder unbound, a field meant for
    // the path would look like a body field: say nothing about bodies then.
    let path_is_known = match templates {
        Some((Templates::One(literal), [pieces])) => {
            placeholders_have_fields(model, literal, pieces, errors)
        }
        Some((templates @ Templates::Choice { field, .. }, pieces)) => {
            let chooser = chooser_is_sound(model, field, errors);
            let every = path_fields_in_every_template(model, templates, pieces, errors);
            chooser && every
        }
        _ => false,
    };
    let bound: HashSet<&str> = templates
        .map(|(_, pieces)| {
            pieces
                .iter()
                .flat_map(|p| template::placeholder_names(p))
                .collect()
        })
        .unwrap_or_default();
    let mut whole_body: Option<&Field> = None;
    let mut names = HashSet::new();
    let chooser = templates
        .and_then(|(t, _)| t.chooser())
        .map(|c| c.to_string().trim_start_matches("r#").to_owned());
    for field in &model.fields {
        // A placeholder naming the chooser is reported on its own.
        if bound.contains(field.name.as_str()) && chooser.as_deref() != Some(&field.name) {
            marked_but_bound(field, errors);
        }
        match &field.role {
            Role::Path { explicit } => {
                if let (Some(attr), true) = (explicit, templates.is_some())
                    && !bound.contains(field.name.as_str())
                {
                    errors.spanning(
                        attr,
                        format!(
                            "`{0}` is marked #[path] but the template has no `<{0}>` placeholder",
                            field.ident
                        ),
                    );
                }
                if field.optional.is_some() {
                    errors.spanning(
                        &field.ty,
                        format!(
                            "`{}` fills a path placeholder, so it is required and cannot be an `Option`",
                            field.ident
                        ),
                    );
                }
            }
            Role::Query(name) | Role::Header(name) => {
                let kind = if matches!(field.role, Role::Query(_)) {
                    "query parameter"
                } else {
                    "header"
                };
                sendable_name(name, kind, errors);
                let key = (kind, name.value().to_ascii_lowercase());
                if !names.insert(key) {
                    errors.spanning(
                        name,
                        format!("the {kind} `{}` is set by two fields", name.value()),
                    );
                }
            }
            Role::Invalid | Role::Address => {}
            Role::Body | Role::WholeBody(_) => {
                if let (true, Some(m @ ("GET" | "DELETE"))) = (path_is_known, method) {
                    errors.spanning(
                        &field.ident,
                        format!(
                            "{m} requests have no body, so `{}` has nowhere to go; \
                             bind it to a `<{}>` placeholder, or mark it #[query(\"…\")] or #[header(\"…\")]",
                            field.ident, field.ident
                        ),
                    );
                }
                if let Role::WholeBody(attr) = &field.role {
                    if let Some(first) = whole_body {
                        errors.spanning(
                            attr,
                            format!(
                                "only one field can be the whole body, and `{}` already is",
                                first.ident
                            ),
                        );
                    } else {
                        whole_body = Some(field);
                    }
                }
            }
        }
    }
    clashing_names(model, errors);
    if let Some(whole) = whole_body {
        for field in model.fields.iter().filter(|f| matches!(f.role, Role::Body)) {
            errors.spanning(
                &field.ident,
                format!(
                    "`{}` would be a body property, but `{}` is already the whole body; \
                     move it into that type or mark it #[query]/#[header]",
                    field.ident, whole.ident
                ),
            );
        }
    }
}

/// A field named by a placeholder but marked as something else.
fn marked_but_bound(field: &Field, errors: &mut Errors) {
    let what = match field.role {
        Role::Query(_) => "#[query]",
        Role::Header(_) => "#[header]",
        Role::WholeBody(_) => "#[body]",
        _ => return,
    };
    let ident = &field.ident;
    errors.spanning(
        ident,
        format!(
            "`{ident}` fills the placeholder `<{ident}>` and cannot also be marked {what}; rename the field or the placeholder"
        ),
    );
}

/// A query parameter or header name that can be sent, and that the client does not own.
fn sendable_name(name: &LitStr, kind: &str, errors: &mut Errors) {
    let value = name.value();
    let header = kind == "header";
    let valid = !value.is_empty()
        && value.bytes().all(|b| {
            if header {
                // RFC 9110 §5.6.2: a field name is a token.
                b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
            } else {
                b.is_ascii_graphic() && !b"&=#?+%".contains(&b)
            }
        });
    if !valid {
        let kind = if header { "header" } else { "query" };
        errors.at(name.span(), format!("`{value}` is not a valid {kind} name"));
    } else if header
        && RESERVED_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&value))
    {
        errors.at(
            name.span(),
            format!(
                "`{value}` is set by the client on every request and cannot be an endpoint field"
            ),
        );
    }
}

/// The field named by `match` exists, is unmarked and required; true when so.
fn chooser_is_sound(model: &Model, chooser: &Ident, errors: &mut Errors) -> bool {
    let name = chooser.to_string();
    let name = name.trim_start_matches("r#");
    let Some(field) = model.fields.iter().find(|f| f.name == name) else {
        let hint = match closest(name, model.fields.iter().map(|f| f.name.as_str())) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => format!("; add a field `{name}` whose type is the enum the arms name"),
        };
        errors.spanning(
            chooser,
            format!("there is no field `{name}` to choose the template by{hint}"),
        );
        return false;
    };
    let mut sound = true;
    if !matches!(field.role, Role::Address | Role::Invalid) {
        errors.spanning(
            &field.ident,
            format!(
                "`{}` chooses the template (`match {name}`), so it is not sent itself and cannot be marked",
                field.ident
            ),
        );
        sound = false;
    }
    if field.optional.is_some() {
        errors.spanning(
            &field.ty,
            format!(
                "`{}` chooses the template, so it is required and cannot be an `Option`",
                field.ident
            ),
        );
        sound = false;
    }
    sound
}

/// In a choice, placeholders not named after a field are filled from the
/// variant's fields; a field that fills a placeholder must fill one in every
/// template, or some forms would drop it. True when nothing is wrong.
fn path_fields_in_every_template(
    model: &Model,
    templates: &Templates,
    pieces: &[Vec<Piece>],
    errors: &mut Errors,
) -> bool {
    let mut sound = true;
    let pieces_all = pieces;
    let chooser = templates
        .chooser()
        .map(|c| c.to_string().trim_start_matches("r#").to_owned());
    for (literal, pieces) in templates.literals().into_iter().zip(pieces) {
        let names: Vec<&str> = template::placeholder_names(pieces).collect();
        if let Some(chooser) = chooser.as_deref().filter(|c| names.contains(c)) {
            errors.spanning(
                literal,
                format!(
                    "the placeholder `<{chooser}>` names the field the template is chosen by; \
                     a placeholder names a field of the variant, or another field of the struct"
                ),
            );
            sound = false;
        }
        for field in &model.fields {
            // Only fields some template names: a `#[path]` field named by none
            // is reported once, by `fields`.
            let named_elsewhere = pieces_all
                .iter()
                .any(|p| template::placeholder_names(p).any(|n| n == field.name));
            if matches!(field.role, Role::Path { .. })
                && named_elsewhere
                && chooser.as_deref() != Some(field.name.as_str())
                && !names.contains(&field.name.as_str())
            {
                errors.spanning(
                    literal,
                    format!(
                        "`{0}` fills a placeholder in another template but this one has no `<{0}>`; \
                         each field must fill a placeholder in every template",
                        field.name
                    ),
                );
                sound = false;
            }
        }
    }
    sound
}

/// Reports each placeholder without a field; true when every one has its field.
fn placeholders_have_fields(
    model: &Model,
    literal: &LitStr,
    pieces: &[Piece],
    errors: &mut Errors,
) -> bool {
    let mut all_bound = true;
    for name in template::placeholder_names(pieces) {
        if model.fields.iter().any(|f| f.name == name) {
            continue;
        }
        all_bound = false;
        let hint = match closest(name, model.fields.iter().map(|f| f.name.as_str())) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => format!("; add a field `{name}: String`"),
        };
        errors.spanning(
            literal,
            format!("the placeholder `<{name}>` has no field named `{name}`{hint}"),
        );
    }
    all_bound
}

/// Two fields that would be sent under one JSON name, or a field whose name
/// the generated builder needs for itself (`build`, and names starting `__`).
/// Type parameters named after fields (`set` → `__Set`) are renumbered by the
/// builder instead, so those names are free.
fn clashing_names(model: &Model, errors: &mut Errors) {
    let mut wire: Vec<(String, &Field)> = Vec::new();
    for field in model.fields.iter().filter(|f| matches!(f.role, Role::Body)) {
        let key = crate::case::camel_case(&field.name);
        if let Some((_, first)) = wire.iter().find(|(k, _)| *k == key) {
            errors.spanning(
                &field.ident,
                format!(
                    "`{}` and `{}` would both be sent as the body property `{key}`",
                    first.name, field.name
                ),
            );
        } else {
            wire.push((key, field));
        }
    }
    for field in &model.fields {
        if field.name == "build" {
            errors.spanning(
                &field.ident,
                "a field named `build` would clash with the builder's `build()`; rename it",
            );
        } else if field.name.starts_with("__") {
            errors.spanning(
                &field.ident,
                format!(
                    "`{}`: field names starting with `__` are reserved for the generated builder; rename it",
                    field.name
                ),
            );
        }
    }
}
