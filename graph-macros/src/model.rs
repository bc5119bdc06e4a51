//! The struct under the attribute, read into fields with their roles.

use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
};

use crate::errors::Errors;

/// Where a field's value goes in the request.
pub enum Role {
    /// Bound to a placeholder by name, or marked `#[path]` (the attribute kept for spans).
    Path { explicit: Option<Attribute> },
    /// `#[query("name")]`.
    Query(LitStr),
    /// `#[header("Name")]`.
    Header(LitStr),
    /// A property of the JSON body (the default).
    Body,
    /// `#[body]`: the whole JSON body (the attribute kept for spans).
    WholeBody(Attribute),
    /// The field a `match field { … }` declaration chooses its template by.
    Address,
    /// Its attribute was malformed (already reported): checks skip it.
    Invalid,
}

/// One field of the endpoint struct.
pub struct Field {
    pub ident: Ident,
    /// The field name as text, without `r#`.
    pub name: String,
    pub ty: Type,
    /// `T` when the field is `Option<T>`, which makes it optional.
    pub optional: Option<Type>,
    pub role: Role,
    /// The field's `///` comments, reused on its setter.
    pub docs: Vec<Attribute>,
}

/// The struct as the expansion needs it.
pub struct Model {
    pub fields: Vec<Field>,
}

/// The attributes this macro reads on fields; they are removed from the emitted struct.
const FIELD_ATTRS: [&str; 4] = ["path", "query", "header", "body"];

/// Whether `attr` is one of ours.
pub fn is_field_attr(attr: &Attribute) -> bool {
    FIELD_ATTRS.iter().any(|name| attr.path().is_ident(name))
}

/// Whether `attr` is `#[cfg(…)]` or `#[cfg_attr(…)]`: refused on fields (the
/// generated code names every field), and removed so the refusal is the only error.
pub fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr")
}

/// Reads the struct; `None` when it is not a struct with named fields (or a unit struct).
///
/// A field without one of our attributes is the chooser when it is named by
/// `match`, fills a path placeholder when one of `placeholders` names it, and
/// is a body property otherwise. Whether the roles make sense is `check`'s job.
pub fn read(
    input: &DeriveInput,
    placeholders: &[&str],
    chooser: Option<&str>,
    errors: &mut Errors,
) -> Option<Model> {
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(unnamed) => {
                errors.spanning(
                    unnamed,
                    "#[graph_endpoint] needs named fields, like `struct GetItem { item_id: String }`; \
                     tuple structs cannot bind placeholders by name",
                );
                return None;
            }
        },
        Data::Enum(data) => {
            errors.at(
                data.enum_token.span,
                "#[graph_endpoint] goes on a struct, not an enum; declare one struct per endpoint",
            );
            return None;
        }
        Data::Union(data) => {
            errors.at(
                data.union_token.span,
                "#[graph_endpoint] goes on a struct, not a union",
            );
            return None;
        }
    };
    if !input.generics.params.is_empty() {
        errors.spanning(
            &input.generics,
            "#[graph_endpoint] structs cannot be generic; use concrete field types",
        );
        return None;
    }
    let fields = fields
        .into_iter()
        .filter_map(|f| {
            let ident = f.ident.clone()?;
            for attr in f.attrs.iter().filter(|a| is_cfg(a)) {
                errors.spanning(
                    attr,
                    "`#[cfg]` on an endpoint field is not supported: the request, the builder \
                     and the checks are generated for every field; declare one endpoint per \
                     configuration instead",
                );
            }
            let name = ident.to_string().trim_start_matches("r#").to_owned();
            let role = read_role(&f.attrs, &ident, errors).unwrap_or(if chooser == Some(&name) {
                Role::Address
            } else if placeholders.contains(&name.as_str()) {
                Role::Path { explicit: None }
            } else {
                Role::Body
            });
            Some(Field {
                optional: option_inner(&f.ty),
                ty: f.ty.clone(),
                role,
                docs: f
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("doc"))
                    .cloned()
                    .collect(),
                name,
                ident,
            })
        })
        .collect();
    Some(Model { fields })
}

/// The role our attributes give the field, if any.
fn read_role(attrs: &[Attribute], ident: &Ident, errors: &mut Errors) -> Option<Role> {
    let mut role: Option<Role> = None;
    for attr in attrs.iter().filter(|a| is_field_attr(a)) {
        let name = attr
            .path()
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default();
        let this = match name.as_str() {
            "path" => attr.meta.require_path_only().map(|_| Role::Path {
                explicit: Some(attr.clone()),
            }),
            "body" => attr
                .meta
                .require_path_only()
                .map(|_| Role::WholeBody(attr.clone())),
            _ => named_role(attr, &name),
        };
        match this {
            Err(e) => {
                errors.push(e);
                role = Some(Role::Invalid);
            }
            Ok(_) if role.is_some() => errors.spanning(
                attr,
                format!(
                    "`{ident}` already has a role; a field is one of path, query, header or body"
                ),
            ),
            Ok(this) => role = Some(this),
        }
    }
    role
}

/// `#[query("$select")]` or `#[header("Prefer")]`: the name is required.
/// Whether it can be sent is checked in `check`.
fn named_role(attr: &Attribute, kind: &str) -> syn::Result<Role> {
    let example = if kind == "query" {
        "#[query(\"$select\")]"
    } else {
        "#[header(\"Prefer\")]"
    };
    let missing = || {
        syn::Error::new_spanned(
            attr,
            format!("`#[{kind}]` needs the name it is sent under, like `{example}`"),
        )
    };
    let list = attr.meta.require_list().map_err(|_| missing())?;
    if list.tokens.is_empty() {
        return Err(missing());
    }
    let name: LitStr = list.parse_args().map_err(|_| missing())?;
    Ok(if kind == "query" {
        Role::Query(name)
    } else {
        Role::Header(name)
    })
}

/// `Some(T)` for a field written `Option<T>` (also `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}
