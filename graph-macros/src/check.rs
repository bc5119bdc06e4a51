//! The rules a declaration must follow, each reported at the token that breaks it.

use std::collections::HashSet;

use syn::{Ident, LitStr};

use crate::errors::Errors;
use crate::model::{Field, Model, Role};
use crate::suggest::closest;
use crate::template::{self, Piece};

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
pub fn template(template: &LitStr, errors: &mut Errors) -> Option<Vec<Piece>> {
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

/// Checks the fields against the template and the method.
pub fn fields(
    model: &Model,
    template: Option<(&LitStr, &[Piece])>,
    method: Option<&str>,
    errors: &mut Errors,
) {
    // Where the template is broken or a placeholder unbound, a field meant for
    // the path would look like a body field: say nothing about bodies then.
    let path_is_known = match template {
        Some((literal, pieces)) => placeholders_have_fields(model, literal, pieces, errors),
        None => false,
    };
    let mut whole_body: Option<&Field> = None;
    let mut names = HashSet::new();
    for field in &model.fields {
        match &field.role {
            Role::Path { explicit } => {
                if let (Some(attr), Some((_, pieces))) = (explicit, template) {
                    let named = template::placeholder_names(pieces).any(|n| field.name == n);
                    if !named {
                        errors.spanning(
                            attr,
                            format!(
                                "`{0}` is marked #[path] but the template has no `<{0}>` placeholder",
                                field.ident
                            ),
                        );
                    }
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
                let key = (kind, name.value().to_ascii_lowercase());
                if !names.insert(key) {
                    errors.spanning(
                        name,
                        format!("the {kind} `{}` is set by two fields", name.value()),
                    );
                }
            }
            Role::Invalid => {}
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
