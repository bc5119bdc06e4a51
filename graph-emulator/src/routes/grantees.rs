//! People a sharing link is for: `driveRecipient` objects resolved against
//! the directory into the `sharePointIdentitySet`s of a link permission's
//! `grantedToIdentitiesV2` (createLink with `users` scope, grant, redeem).

use serde_json::{Map, Value, json};

use crate::errors::ApiError;
use crate::state::Principal;
use crate::tenant::{Tenant, User};

/// A `sharePointIdentitySet` for a directory user.
pub(super) fn user_identity(user: &User, business: bool) -> Value {
    let mut set = json!({
        "user": {"id": user.id, "displayName": user.display_name, "email": user.mail}
    });
    if business {
        set["siteUser"] = json!({
            "displayName": user.display_name,
            "email": user.mail,
            "loginName": format!("i:0#.f|membership|{}", user.mail.to_lowercase()),
        });
    }
    set
}

/// The identity set of the caller, when the caller is a user.
pub(super) fn caller_identity(
    tenant: &Tenant,
    principal: &Principal,
    business: bool,
) -> Option<Value> {
    match principal {
        Principal::Delegated { user_id } => {
            tenant.user(user_id).map(|u| user_identity(u, business))
        }
        Principal::App { .. } => None,
    }
}

/// Resolves `recipients` (absent or `null` reads as none). A `driveRecipient`
/// names exactly one of `email`, `alias` or `objectId` (docs: "driveRecipient
/// resource type": "only one of these values is required; multiple values
/// are not accepted").
pub(super) fn resolve_all(
    tenant: &Tenant,
    recipients: Option<&Value>,
    business: bool,
) -> Result<Vec<Value>, ApiError> {
    let list = match recipients {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "recipients: expected an array of driveRecipient objects, got {other}."
            )));
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, r)| resolve(tenant, i, r, business))
        .collect()
}

fn resolve(
    tenant: &Tenant,
    index: usize,
    value: &Value,
    business: bool,
) -> Result<Value, ApiError> {
    let Value::Object(r) = value else {
        return Err(ApiError::invalid_request(format!(
            "recipients[{index}]: expected a driveRecipient object."
        )));
    };
    let field = |name: &str| -> Result<Option<&str>, ApiError> {
        match r.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim())),
            Some(_) => Err(ApiError::invalid_request(format!(
                "recipients[{index}].{name}: expected a non-empty string."
            ))),
        }
    };
    let (email, alias, object_id) = (field("email")?, field("alias")?, field("objectId")?);
    let given = [email, alias, object_id].iter().flatten().count();
    if given != 1 {
        return Err(ApiError::invalid_request(format!(
            "recipients[{index}]: a driveRecipient must have exactly one of email, alias or objectId (got {given})."
        )));
    }
    if let Some(email) = email {
        if let Some(user) = tenant.user_by_email(email) {
            return Ok(user_identity(user, business));
        }
        if let Some(group) = tenant
            .groups
            .iter()
            .find(|g| g.mail.eq_ignore_ascii_case(email))
        {
            return Ok(
                json!({"group": {"id": group.id, "displayName": group.display_name, "email": group.mail}}),
            );
        }
        // Someone outside the directory: known by address only.
        return Ok(json!({"user": {"displayName": email, "email": email}}));
    }
    if let Some(alias) = alias {
        let local = |addr: &str| addr.split('@').next().unwrap_or_default().to_string();
        return tenant
            .users
            .iter()
            .find(|u| local(&u.mail).eq_ignore_ascii_case(alias))
            .map(|u| user_identity(u, business))
            .ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "recipients[{index}].alias: no user with alias '{alias}' exists in the directory."
                ))
            });
    }
    let id = object_id.unwrap_or_default();
    if let Some(user) = tenant.user(id) {
        return Ok(user_identity(user, business));
    }
    if let Some(group) = tenant.groups.iter().find(|g| g.id.eq_ignore_ascii_case(id)) {
        return Ok(
            json!({"group": {"id": group.id, "displayName": group.display_name, "email": group.mail}}),
        );
    }
    Err(ApiError::invalid_request(format!(
        "recipients[{index}].objectId: no user or group with id '{id}' exists in the directory."
    )))
}

/// What identifies a grantee: its user or group id, else its email address.
fn key(set: &Value) -> Option<String> {
    let who = set.get("user").or_else(|| set.get("group"))?;
    who.get("id")
        .or_else(|| who.get("email"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// The grantee keys of a link permission, sorted (to compare links).
pub(super) fn keys_of(sets: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = sets.iter().filter_map(key).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Adds `sets` to the permission's `grantedToIdentitiesV2`, skipping those
/// already there; returns how many were added.
pub(super) fn add_to(permission: &mut Value, sets: impl IntoIterator<Item = Value>) -> usize {
    let Some(object) = permission.as_object_mut() else {
        return 0;
    };
    let list = object
        .entry("grantedToIdentitiesV2")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    let Value::Array(list) = list else { return 0 };
    let mut added = 0;
    for set in sets {
        let new_key = key(&set);
        if new_key.is_some() && list.iter().any(|s| key(s) == new_key) {
            continue;
        }
        list.push(set);
        added += 1;
    }
    added
}

/// An optional boolean property of an action body.
pub(super) fn optional_bool(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ApiError::invalid_request(format!(
            "{name}: expected a boolean, got {other}."
        ))),
    }
}

/// An optional string property.
pub(super) fn optional_string<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::invalid_request(format!(
            "{name}: expected a string, got {other}."
        ))),
    }
}
