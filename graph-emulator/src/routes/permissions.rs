//! `GET …/permissions` (paged), and `GET`/`PATCH`/`DELETE …/permissions/{id}`.

use serde_json::json;

use super::{Target, json_object, parse_roles};
use crate::errors::ApiError;
use crate::pipeline::{Answer, Ctx, UnitRequest};
use crate::tenant::{Drive, Item, Tenant, is_inherited};
use crate::util::parse_pairs;

const SKIPTOKEN_PREFIX: &str = "RW11bGF0b3JQYWdl";

fn item<'a>(tenant: &'a Tenant, target: &Target) -> Result<&'a Item, ApiError> {
    tenant
        .drive(&target.drive_id)
        .and_then(|d| d.item(&target.item_id))
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))
}

/// The addressed drive and the position of the item in it.
fn item_mut<'a>(
    tenant: &'a mut Tenant,
    target: &Target,
) -> Result<(&'a mut Drive, usize), ApiError> {
    tenant
        .drive_mut(&target.drive_id)
        .and_then(|d| Some((d.item_position(&target.item_id)?, d)))
        .map(|(p, d)| (d, p))
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))
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
    let all = &item(tenant, target)?.permissions;
    let start = skip.min(all.len());
    let end = top.map_or(all.len(), |t| start.saturating_add(t).min(all.len()));
    let mut body = json!({ "value": all[start..end] });
    if let (Some(top), true) = (top, end < all.len()) {
        body["@odata.nextLink"] = json!(format!(
            "{}/{}{}?$top={top}&$skiptoken={SKIPTOKEN_PREFIX}{end}",
            ctx.root_url, req.version, req.path
        ));
    }
    Ok(Answer::json(200, body))
}

/// One permission by id.
pub(super) fn get(tenant: &Tenant, target: &Target, id: &str) -> Result<Answer, ApiError> {
    let drive = tenant
        .drive(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let item = drive
        .item_position(&target.item_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    Ok(Answer::json(
        200,
        drive.items[item].permissions[position].clone(),
    ))
}

/// Changes the roles of a (non-inherited) permission: body `{"roles":[…]}`.
pub(super) fn update(
    tenant: &mut Tenant,
    target: &Target,
    id: &str,
    body: &[u8],
) -> Result<Answer, ApiError> {
    refuse_on_personal_root(tenant, target)?;
    let body = json_object(body)?;
    let roles = parse_roles(body.get("roles"))?;
    let (drive, item) = item_mut(tenant, target)?;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    if is_inherited(&drive.items[item].permissions[position]) {
        return Err(ApiError::invalid_request(
            "Inherited permissions can't be modified on this item; change the permission where it is defined (see inheritedFrom).",
        ));
    }
    let perm = drive.set_permission_property(item, position, "roles", json!(roles));
    Ok(Answer::json(200, perm.clone()))
}

/// Removes a (non-inherited) permission: 204.
pub(super) fn delete(tenant: &mut Tenant, target: &Target, id: &str) -> Result<Answer, ApiError> {
    refuse_on_personal_root(tenant, target)?;
    let (drive, item) = item_mut(tenant, target)?;
    let position = drive
        .permission_position(item, id)
        .ok_or_else(|| permission_not_found(id))?;
    if is_inherited(&drive.items[item].permissions[position]) {
        return Err(ApiError::invalid_request(
            "Only sharing permissions that are not inherited can be deleted (inheritedFrom must be null).",
        ));
    }
    drive.remove_permission(item, position);
    Ok(Answer::no_content())
}
