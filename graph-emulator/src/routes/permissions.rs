//! `GET …/permissions` (paged, `$select`), `GET …/permissions/$count`,
//! `POST …/permissions`, and `GET`/`PATCH`/`DELETE …/permissions/{id}`
//! (`$select` on GET, `If-Match` on PATCH and DELETE).

use serde_json::{Value, json};

use super::parameters::refuse_undeclared_properties;
use super::{Target, etag, inheritance, is_inherited, json_object, parse_roles, select};
use crate::errors::ApiError;
use crate::pipeline::{Answer, Ctx, UnitRequest};
use crate::tenant::{Drive, Item, Tenant};
use crate::util::{looks_like_datetime, parse_pairs};

const SKIPTOKEN_PREFIX: &str = "RW11bGF0b3JQYWdl";

fn item<'a>(tenant: &'a Tenant, target: &Target) -> Result<&'a Item, ApiError> {
    tenant
        .drive(&target.drive_id)
        .and_then(|d| d.item(&target.item_id))
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))
}

fn item_mut<'a>(tenant: &'a mut Tenant, target: &Target) -> Result<&'a mut Item, ApiError> {
    tenant
        .drive_mut(&target.drive_id)
        .and_then(|d| d.item_mut(&target.item_id))
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))
}

/// The addressed drive and the position of the item in it.
fn located<'a>(tenant: &'a Tenant, target: &Target) -> Result<(&'a Drive, usize), ApiError> {
    tenant
        .drive(&target.drive_id)
        .and_then(|d| Some((d, d.item_position(&target.item_id)?)))
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))
}

/// The same, to change the item's permissions through the drive's
/// index-keeping methods.
fn located_mut<'a>(
    tenant: &'a mut Tenant,
    target: &Target,
) -> Result<(&'a mut Drive, usize), ApiError> {
    let drive = tenant
        .drive_mut(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let item = drive
        .item_position(&target.item_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    Ok((drive, item))
}

fn permission_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Permission '{id}' was not found on this item."))
}

fn refuse_on_personal_root(tenant: &Tenant, target: &Target) -> Result<(), ApiError> {
    let drive = tenant.drive(&target.drive_id);
    let personal_root = drive.is_some_and(|d| {
        d.is_personal()
            && d.item(&target.item_id)
                .is_some_and(|i| i.parent_id.is_none())
    });
    if personal_root {
        return Err(ApiError::invalid_request(
            "Permissions can't be created or modified on the root item of a personal drive.",
        ));
    }
    Ok(())
}

/// Lists the item's permissions; `$top` pages with an absolute
/// `@odata.nextLink` carrying a `$skiptoken`.
pub(super) fn list(
    tenant: &Tenant,
    target: &Target,
    ctx: &Ctx<'_>,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    let pairs = parse_pairs(&req.query, false).ok_or_else(|| {
        ApiError::bad_request("The query string is not valid percent-encoded UTF-8.")
    })?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let top = match param("$top") {
        None => None,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(ApiError::invalid_request(format!(
                    "Invalid $top value '{raw}': expected a positive integer."
                )));
            }
        },
    };
    let skip = match param("$skiptoken") {
        None => 0,
        Some(token) => token
            .strip_prefix(SKIPTOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_request(format!("Invalid $skiptoken '{token}'.")))?,
    };
    let chosen = select::parse(param("$select"))?;
    let all = &item(tenant, target)?.permissions;
    let start = skip.min(all.len());
    let end = top.map_or(all.len(), |t| start.saturating_add(t).min(all.len()));
    let page: Vec<Value> = all[start..end]
        .iter()
        .map(|p| select::project(etag::served(p), chosen.as_deref()))
        .collect();
    let mut body = json!({ "value": page });
    if let (Some(top), true) = (top, end < all.len()) {
        let select = chosen
            .as_ref()
            .map(|names| format!("&$select={}", names.join(",")))
            .unwrap_or_default();
        body["@odata.nextLink"] = json!(format!(
            "{}/{}{}?$top={top}{select}&$skiptoken={SKIPTOKEN_PREFIX}{end}",
            ctx.root_url, req.version, req.path
        ));
    }
    Ok(Answer::json(200, body))
}

/// The query parameter `name` (case-insensitive), decoded.
pub(super) fn query_param(req: &UnitRequest, name: &str) -> Result<Option<String>, ApiError> {
    let pairs = parse_pairs(&req.query, false).ok_or_else(|| {
        ApiError::bad_request("The query string is not valid percent-encoded UTF-8.")
    })?;
    Ok(pairs
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v))
}

/// One permission by id, `$select` applied.
pub(super) fn get(
    tenant: &Tenant,
    target: &Target,
    id: &str,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    let chosen = select::parse(query_param(req, "$select")?.as_deref())?;
    let (drive, item) = located(tenant, target)?;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    let permission = etag::served(&drive.items[item].permissions[position]);
    Ok(Answer::json(
        200,
        select::project(permission, chosen.as_deref()),
    ))
}

/// How many permissions the item has: the bare number, `text/plain`
/// (OData's `$count` segment, "Use query parameters", `$count`).
pub(super) fn count(tenant: &Tenant, target: &Target) -> Result<Answer, ApiError> {
    Ok(Answer::plain_count(item(tenant, target)?.permissions.len()))
}

/// The properties of `permission` a create body may carry (CSDL
/// `EntityType Name="permission"`; `id` is assigned by the service).
const PERMISSION_PROPERTIES: &[&str] = &[
    "expirationDateTime",
    "grantedTo",
    "grantedToIdentities",
    "grantedToIdentitiesV2",
    "grantedToV2",
    "hasPassword",
    "inheritedFrom",
    "invitation",
    "link",
    "roles",
    "shareId",
];

/// `POST …/permissions` ("Create permission on a driveItem"): 201 and the
/// new permission. Follows the page's restrictions: "This API only accepts
/// grantedToV2 as input for the permission object. Other properties such as
/// grantedToIdentitiesV2 or the deprecated grantedTo and grantedToIdentities
/// aren't accepted", and in OneDrive for work or school and SharePoint
/// Online only an application may be named ("If you want to create a new
/// user permission in a driveItem, see invite"). Graph's wording for a
/// refused request is not documented; the emulator answers 400
/// `invalidRequest` naming the rule.
pub(super) fn create(
    tenant: &mut Tenant,
    target: &Target,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    refuse_on_personal_root(tenant, target)?;
    let body = json_object(&req.body)?;
    refuse_undeclared_properties(&body, PERMISSION_PROPERTIES, "microsoft.graph.permission")?;
    if let Some(name) = ["grantedTo", "grantedToIdentities", "grantedToIdentitiesV2"]
        .into_iter()
        .find(|k| body.get(*k).is_some_and(|v| !v.is_null()))
    {
        return Err(ApiError::invalid_request(format!(
            "{name}: only grantedToV2 is accepted when creating a permission."
        )));
    }
    let roles = parse_roles(body.get("roles"))?;
    let Some(Value::Object(granted)) = body.get("grantedToV2") else {
        return Err(ApiError::invalid_request(
            "grantedToV2: the application (or SharePoint group) to grant is required.",
        ));
    };
    let drive = tenant
        .drive(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("Drive not found."))?;
    let app = granted.get("application").and_then(Value::as_object);
    let group = granted
        .get("sharePointGroup")
        .or_else(|| granted.get("siteGroup"))
        .and_then(Value::as_object);
    // SharePoint groups are the documented case of SharePoint Embedded
    // containers (Examples 2 and 3), which the emulator does not model: it
    // accepts them on every library so those examples can be served.
    let (kind, who) = match (app, group) {
        (Some(app), _) => ("application", app),
        (None, Some(group)) if !drive.is_personal() => ("group", group),
        _ => {
            return Err(ApiError::invalid_request(
                "grantedToV2: only an application permission can be created here; share with people through invite.",
            ));
        }
    };
    let Some(principal) = who
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
    else {
        return Err(ApiError::invalid_request(format!(
            "grantedToV2.{kind}.id: the id of the {kind} is required."
        )));
    };
    let display_name = match kind {
        "application" => tenant
            .clients
            .iter()
            .find(|c| c.client_id.eq_ignore_ascii_case(principal))
            .map(|c| c.display_name.clone())
            .or_else(|| {
                who.get("displayName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
        _ => who
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    let mut identity = serde_json::Map::new();
    for (key, value) in who {
        identity.insert(key.clone(), value.clone());
    }
    if let Some(name) = display_name {
        identity.insert("displayName".into(), json!(name));
    }
    let facet = if kind == "application" {
        "application"
    } else {
        "siteGroup"
    };
    let id = crate::util::base64url(format!("i:0i.t|ms.sp.ext|{principal}").as_bytes());
    let item = item_mut(tenant, target)?;
    // Not documented: what Graph answers for a principal that already has a
    // permission here. The emulator assumes a conflict (README, Permissions).
    if item.permissions.iter().any(|p| p["id"] == id.as_str()) {
        return Err(ApiError::new(
            409,
            "nameAlreadyExists",
            "A permission for this principal already exists on the item; change it with PATCH.",
        ));
    }
    let identity = Value::Object(identity);
    let permission = etag::fresh(&json!({
        "id": id,
        "roles": roles,
        "grantedTo": { facet: identity },
        "grantedToV2": { facet: identity },
    }));
    item.permissions.push(permission.clone());
    let folder = item.folder;
    if folder && let Some(drive) = tenant.drive_mut(&target.drive_id) {
        inheritance::propagate(drive, &target.item_id, &permission);
    }
    Ok(Answer::json(201, permission))
}

/// The properties "Update sharing permission" lets a PATCH change
/// (Supported properties: `roles`; `expirationDateTime` on anonymous links).
const UPDATABLE_PROPERTIES: &[&str] = &["roles", "expirationDateTime"];

/// Changes the roles of a (non-inherited) permission, and the expiry of an
/// anonymous link: body `{"roles":[…]}` and/or `{"expirationDateTime":…}`;
/// `If-Match` with a stale eTag is answered 412 and changes nothing.
///
/// "Update sharing permission": supported properties are `roles` and
/// `expirationDateTime` ("Supported only for anonymous sharing links");
/// "Unsupported permission modifications include: Organizational sharing
/// links, People sharing links". Graph's wording for those refusals is not
/// documented; the emulator answers 400 `invalidRequest` naming the rule.
pub(super) fn update(
    tenant: &mut Tenant,
    target: &Target,
    id: &str,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    refuse_on_personal_root(tenant, target)?;
    let body = json_object(&req.body)?;
    refuse_undeclared_properties(&body, PERMISSION_PROPERTIES, "microsoft.graph.permission")?;
    if let Some(name) = body
        .keys()
        .find(|k| !k.contains('@') && !UPDATABLE_PROPERTIES.contains(&k.as_str()))
    {
        return Err(ApiError::invalid_request(format!(
            "{name}: only roles (and expirationDateTime of anonymous links) can be changed."
        )));
    }
    // An expiry alone is a whole update; otherwise roles are required, a
    // non-empty list: assumed, the page does not say (README, Permissions).
    let expiration = match body.get("expirationDateTime") {
        None => None,
        Some(Value::Null) => Some(Value::Null),
        Some(Value::String(exp)) if looks_like_datetime(exp) => Some(json!(exp)),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "expirationDateTime: {other} is not a date and time (yyyy-MM-ddTHH:mm:ssZ)."
            )));
        }
    };
    let roles = match (body.get("roles"), &expiration) {
        (None, Some(_)) => None,
        (roles, _) => Some(parse_roles(roles)?),
    };
    let (drive, item) = located_mut(tenant, target)?;
    let folder = drive.items[item].folder;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    let perm = &drive.items[item].permissions[position];
    etag::check_if_match(req.header("if-match"), &target.item_id, perm)?;
    if is_inherited(perm) {
        return Err(ApiError::invalid_request(
            "Inherited permissions can't be modified on this item; change the permission where it is defined (see inheritedFrom).",
        ));
    }
    let scope = perm["link"]["scope"].as_str();
    if let Some(scope @ ("organization" | "users")) = scope {
        return Err(ApiError::invalid_request(format!(
            "Unsupported permission modification: {scope} sharing links can't be updated (Organizational and People sharing links)."
        )));
    }
    if expiration.is_some() && scope != Some("anonymous") {
        return Err(ApiError::invalid_request(
            "expirationDateTime: supported only for anonymous sharing links.",
        ));
    }
    let changed = drive
        .edit_permission(item, position, |perm| {
            if let Some(roles) = &roles {
                perm["roles"] = json!(roles);
            }
            match &expiration {
                Some(Value::Null) => {
                    if let Some(map) = perm.as_object_mut() {
                        map.remove("expirationDateTime");
                    }
                }
                Some(exp) => perm["expirationDateTime"] = exp.clone(),
                None => {}
            }
            etag::bump(perm);
            perm.clone()
        })
        .ok_or_else(|| permission_not_found(id))?;
    if folder {
        inheritance::propagate(drive, &target.item_id, &changed);
    }
    Ok(Answer::json(200, changed))
}

/// `POST …/permissions/{id}/revokeGrants` ("permission: revokeGrants"):
/// removes the listed recipients (`grantees`, driveRecipients by `email`
/// or `objectId`) from a sharing link "scoped to specific users", the only
/// links the action supports; 200 with the link as it now is. Graph's
/// wording for a refusal is not documented: the emulator answers 400
/// `invalidRequest` quoting the page's rule.
pub(super) fn revoke_grants(
    tenant: &mut Tenant,
    target: &Target,
    id: &str,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    let body = json_object(&req.body)?;
    refuse_undeclared_properties(&body, &["grantees"], "microsoft.graph.revokeGrants")?;
    let grantees = body
        .get("grantees")
        .and_then(Value::as_array)
        .filter(|list| !list.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_request("grantees: at least one driveRecipient is required.")
        })?;
    let mut emails = Vec::new();
    let mut ids = Vec::new();
    for grantee in grantees {
        match (grantee["email"].as_str(), grantee["objectId"].as_str()) {
            (Some(email), _) => emails.push(email.to_ascii_lowercase()),
            (None, Some(object_id)) => ids.push(object_id.to_ascii_lowercase()),
            _ => {
                return Err(ApiError::invalid_request(
                    "grantees: each driveRecipient needs an email or an objectId.",
                ));
            }
        }
    }
    let (drive, item) = located_mut(tenant, target)?;
    let folder = drive.items[item].folder;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    let perm = &drive.items[item].permissions[position];
    if is_inherited(perm) {
        return Err(ApiError::invalid_request(
            "Inherited permissions can't be modified on this item; change the permission where it is defined (see inheritedFrom).",
        ));
    }
    if perm["link"]["scope"].as_str() != Some("users") {
        return Err(ApiError::invalid_request(
            "revokeGrants is only supported on sharing links that are scoped to specific users.",
        ));
    }
    let revoked = |identity: &Value| {
        ["user", "siteUser"].iter().any(|kind| {
            let who = &identity[*kind];
            who["email"]
                .as_str()
                .is_some_and(|e| emails.contains(&e.to_ascii_lowercase()))
                || who["id"]
                    .as_str()
                    .is_some_and(|i| ids.contains(&i.to_ascii_lowercase()))
        })
    };
    let changed = drive
        .edit_permission(item, position, |perm| {
            for list in ["grantedToIdentitiesV2", "grantedToIdentities"] {
                if let Some(identities) = perm[list].as_array_mut() {
                    identities.retain(|identity| !revoked(identity));
                }
            }
            etag::bump(perm);
            perm.clone()
        })
        .ok_or_else(|| permission_not_found(id))?;
    if folder {
        inheritance::propagate(drive, &target.item_id, &changed);
    }
    Ok(Answer::json(200, changed))
}

/// Removes a (non-inherited) permission: 204. "Only sharing permissions
/// that are not inherited can be deleted. The inheritedFrom property must be
/// null." ("Delete a sharing permission from a file or folder"); Graph's
/// wording for the refusal is not documented, the emulator answers 400
/// `invalidRequest` quoting that rule. `If-Match` with a stale eTag is
/// answered 412 and deletes nothing.
pub(super) fn delete(
    tenant: &mut Tenant,
    target: &Target,
    id: &str,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    refuse_on_personal_root(tenant, target)?;
    let (drive, item) = located_mut(tenant, target)?;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    let perm = &drive.items[item].permissions[position];
    etag::check_if_match(req.header("if-match"), &target.item_id, perm)?;
    if is_inherited(perm) {
        return Err(ApiError::invalid_request(
            "Only sharing permissions that are not inherited can be deleted (inheritedFrom must be null).",
        ));
    }
    let removed = drive.remove_permission(item, position);
    inheritance::withdraw(drive, &target.item_id, &removed);
    Ok(Answer::no_content())
}
