//! The shares API: `GET /shares/{shareIdOrEncodedSharingUrl}`, `…/driveItem`,
//! `…/permission`, and `POST …/permission/grant`.
//!
//! Sources: the docs pages "Accessing shared DriveItems" (share ids, `u!`
//! encoded sharing URLs, the `Prefer` values) and "permission: grant".

use serde_json::{Value, json};

use super::drive_item::item_body;
use super::grantees;
use super::parameters::refuse_undeclared_parameters;
use super::{etag, json_object};
use crate::errors::ApiError;
use crate::pipeline::{Answer, Ctx, UnitRequest};
use crate::state::{Principal, Store};
use crate::tenant::Tenant;
use crate::util::percent_decode;

/// `/shares/{token}` and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShareRoute {
    /// The share id or encoded sharing URL, percent-decoded.
    pub token: String,
    pub action: ShareAction,
}

/// What is asked of the share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShareAction {
    /// `/shares/{token}`: the sharedDriveItem.
    Get,
    /// `/shares/{token}/driveItem`
    DriveItem,
    /// `/shares/{token}/permission`
    Permission,
    /// `/shares/{token}/permission/grant`
    Grant,
}

/// Parses what follows `/shares/`.
pub(crate) fn parse(rest: &str) -> Result<ShareRoute, ApiError> {
    let mut segments = rest.trim_end_matches('/').split('/');
    let token = segments.next().unwrap_or_default();
    let token = percent_decode(token, false).ok_or_else(|| {
        ApiError::bad_request("The share token is not valid percent-encoded UTF-8.")
    })?;
    if token.is_empty() {
        return Err(ApiError::bad_request(
            "Resource not found for the segment 'shares'.",
        ));
    }
    let tail: Vec<String> = segments.map(str::to_ascii_lowercase).collect();
    let action = match tail
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => ShareAction::Get,
        ["driveitem"] => ShareAction::DriveItem,
        ["permission"] => ShareAction::Permission,
        ["permission", "grant" | "microsoft.graph.grant"] => ShareAction::Grant,
        [other, ..] => {
            return Err(ApiError::bad_request(format!(
                "Resource not found for the segment '{other}'. The emulator serves the share, its driveItem, its permission and grant."
            )));
        }
    };
    Ok(ShareRoute { token, action })
}

/// What a token names: an item, and the sharing permission on it if the
/// token came from one.
struct Found {
    drive_id: String,
    item_id: String,
    /// Index of the link permission in the item's permissions.
    permission: Option<usize>,
}

/// Decodes canonical unpadded base64url (RFC 4648 §5); `None` otherwise.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let full = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = chunk.len() - 1;
        // Bits below the last whole byte must be zero (canonical form).
        if keep < 3 && n & ((1 << (8 * (3 - keep))) - 1) != 0 {
            return None;
        }
        out.extend_from_slice(&full[..keep]);
    }
    Some(out)
}

fn not_found() -> ApiError {
    ApiError::not_found("The sharing link or share id does not name an item in this tenant.")
}

/// Resolves a share id (a permission's `shareId`) or an encoded sharing URL
/// (`u!` + unpadded base64url of a link's or an item's `webUrl`).
fn resolve(tenant: &Tenant, token: &str) -> Result<Found, ApiError> {
    let url = match token.strip_prefix("u!") {
        Some(encoded) => {
            let bytes = base64url_decode(encoded).ok_or_else(|| {
                ApiError::invalid_request(
                    "The encoded sharing URL is not u! followed by unpadded base64url.",
                )
            })?;
            Some(String::from_utf8(bytes).map_err(|_| {
                ApiError::invalid_request("The encoded sharing URL does not decode to a URL.")
            })?)
        }
        None => None,
    };
    // SharePoint appends `?e=…` to the links it shows people; the link is
    // the same without it.
    let url = url.map(|u| match u.split_once('?') {
        Some((bare, query)) if query.starts_with("e=") && !query.contains('&') => bare.to_string(),
        _ => u,
    });
    // No index serves tokens: the scan is linear in the tenant's items and
    // permissions, and counted in `Tenant::lookup_cost` as such.
    for drive in &tenant.drives {
        for item in &drive.items {
            drive.count_scan(1 + item.permissions.len());
            // An inherited copy carries its source's link and share id: the
            // share names the item the link was made on.
            let index = item.permissions.iter().position(|p| {
                !super::is_inherited(p)
                    && match &url {
                        Some(url) => p["link"]["webUrl"] == url.as_str(),
                        None => p["shareId"] == token,
                    }
            });
            if index.is_some() {
                return Ok(Found {
                    drive_id: drive.id.clone(),
                    item_id: item.id.clone(),
                    permission: index,
                });
            }
            let is_item_url = url
                .as_deref()
                .is_some_and(|u| tenant.item_web_url(&drive.id, &item.id).as_deref() == Some(u));
            if is_item_url {
                return Ok(Found {
                    drive_id: drive.id.clone(),
                    item_id: item.id.clone(),
                    permission: None,
                });
            }
        }
    }
    Err(not_found())
}

/// Which `Prefer` redemption the request asks for.
#[derive(PartialEq)]
enum Redeem {
    None,
    Durably,
    IfNecessary,
}

fn redeem_of(req: &UnitRequest) -> Redeem {
    let mut redeem = Redeem::None;
    for value in req.header("prefer").unwrap_or_default().split(',') {
        match value.trim() {
            v if v.eq_ignore_ascii_case("redeemSharingLink") => return Redeem::Durably,
            v if v.eq_ignore_ascii_case("redeemSharingLinkIfNecessary") => {
                redeem = Redeem::IfNecessary;
            }
            _ => {}
        }
    }
    redeem
}

/// Runs a shares request.
pub(crate) fn handle(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &UnitRequest,
    route: ShareRoute,
) -> Result<Answer, ApiError> {
    let method = req.method.as_str();
    let allowed = match route.action {
        ShareAction::Grant => method == "POST",
        _ => method == "GET",
    };
    if !allowed {
        return Err(ApiError::new(
            405,
            "BadRequest",
            format!("Specified HTTP method ({method}) is not allowed for the request target."),
        ));
    }
    let tenant = &mut store.tenant;
    let found = resolve(tenant, &route.token)?;
    // Before anything changes (a redemption, a grant): see `scopes::Reach`.
    if let Some((needs, super::scopes::Reach::SignedInUsersFiles)) = ctx.needs {
        super::own_files_only(tenant, ctx.principal, &found.drive_id, needs)?;
    }
    if route.action != ShareAction::Grant && redeem_of(req) == Redeem::Durably {
        redeem(tenant, ctx.principal, &found);
    }
    match route.action {
        ShareAction::Get => shared_drive_item(tenant, &route.token, &found),
        ShareAction::DriveItem => drive_item(tenant, &found, req),
        ShareAction::Permission => Ok(Answer::json(200, etag::served(permission(tenant, &found)?))),
        ShareAction::Grant => grant(tenant, &found, &req.body),
    }
}

/// "redeemSharingLink: If the shareIdOrEncodedSharingUrl is a sharing link,
/// grant the caller durable access to the item": the caller joins the
/// link's `grantedToIdentitiesV2`. The drive's owner, and an app (no user),
/// gain nothing.
fn redeem(tenant: &mut Tenant, principal: &Principal, found: &Found) {
    let Some(index) = found.permission else {
        return;
    };
    if let Principal::Delegated { user_id } = principal
        && tenant.drive_owner_user(&found.drive_id) == Some(user_id.as_str())
    {
        return;
    }
    let business = tenant
        .drive(&found.drive_id)
        .is_some_and(|d| !d.is_personal());
    let Some(me) = grantees::caller_identity(tenant, principal, business) else {
        return;
    };
    let Some(drive) = tenant.drive_mut(&found.drive_id) else {
        return;
    };
    if let Some(item) = drive.item_position(&found.item_id) {
        drive.edit_permission(item, index, |permission| {
            if permission.get("link").is_some() {
                let before = permission.clone();
                grantees::add_to(permission, [me]);
                // A change gets a new tag; redeeming again changes nothing.
                if *permission != before {
                    etag::bump(permission);
                }
            }
        });
    }
}

fn shared_drive_item(tenant: &Tenant, token: &str, found: &Found) -> Result<Answer, ApiError> {
    let item = tenant
        .drive(&found.drive_id)
        .and_then(|d| d.item(&found.item_id))
        .ok_or_else(not_found)?;
    Ok(Answer::json(
        200,
        json!({
            "id": token,
            "name": item.name,
            "webUrl": tenant.item_web_url(&found.drive_id, &found.item_id),
            "owner": tenant.drive_owner(&found.drive_id),
        }),
    ))
}

/// The navigation properties `$expand` may name on `GET /shares/{id}/driveItem`
/// that the emulator serves: `children` ("Accessing shared DriveItems",
/// example "Access the contents of a shared folder": `?$expand=children`)
/// and `permissions` (CSDL: both are navigation properties of `driveItem`).
const EXPANDABLE: [&str; 2] = ["children", "permissions"];

/// The `$expand` list of the request (names trimmed, case kept).
fn expand_of(req: &UnitRequest) -> Result<Vec<String>, ApiError> {
    let pairs = crate::util::parse_pairs(&req.query, false).ok_or_else(|| {
        ApiError::bad_request("The query string is not valid percent-encoded UTF-8.")
    })?;
    let mut names = Vec::new();
    for (_, value) in pairs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("$expand"))
    {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !EXPANDABLE.contains(&name) {
                // Graph names other navigation properties (thumbnails,
                // versions, …) the emulator does not model (README).
                return Err(ApiError::bad_request(format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.driveItem'."
                )));
            }
            names.push(name.to_string());
        }
    }
    Ok(names)
}

fn drive_item(tenant: &Tenant, found: &Found, req: &UnitRequest) -> Result<Answer, ApiError> {
    let expand = expand_of(req)?;
    let drive = tenant.drive(&found.drive_id).ok_or_else(not_found)?;
    let item = drive.item(&found.item_id).ok_or_else(not_found)?;
    let mut body = item_body(tenant, drive, item);
    for name in expand {
        body[name.as_str()] = match name.as_str() {
            "children" => drive
                .children(&item.id)
                .map(|child| item_body(tenant, drive, child))
                .collect(),
            _ => item.permissions.iter().map(etag::served).collect(),
        };
    }
    Ok(Answer::json(200, body))
}

fn permission<'a>(tenant: &'a Tenant, found: &Found) -> Result<&'a Value, ApiError> {
    let index = found.permission.ok_or_else(|| {
        ApiError::not_found("The item is addressed by its own URL, not by a sharing link: it has no sharing permission.")
    })?;
    tenant
        .drive(&found.drive_id)
        .and_then(|d| d.item(&found.item_id))
        .and_then(|i| i.permissions.get(index))
        .ok_or_else(not_found)
}

/// `permission: grant`: adds the recipients to the link's grantees and
/// answers `200 OK` with a collection holding the updated link. "roles: If
/// the link is an existing access link, specifies roles to be granted to
/// the users. Otherwise must match the role of the link."
fn grant(tenant: &mut Tenant, found: &Found, body: &[u8]) -> Result<Answer, ApiError> {
    let body = json_object(body)?;
    // The v1.0 CSDL's `Action Name="grant"` bound to `permission` declares
    // `roles` and `recipients` only.
    refuse_undeclared_parameters(&body, &["roles", "recipients"], "grant")?;
    let link = permission(tenant, found)?;
    if link.get("link").is_none() {
        return Err(ApiError::invalid_request(
            "grant applies to sharing links; this share is not a link.",
        ));
    }
    let existing_access = link["link"]["scope"] == "existingAccess";
    let roles: Option<Vec<&str>> = match body.get("roles") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|r| {
                    r.as_str().ok_or_else(|| {
                        ApiError::invalid_request(format!("roles: {r} is not a role name."))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "roles: expected an array of role names, got {other}."
            )));
        }
    };
    if let Some(roles) = roles.as_ref().filter(|r| !r.is_empty())
        && !existing_access
    {
        let mut asked: Vec<&str> = roles.clone();
        asked.sort_unstable();
        asked.dedup();
        let mut has: Vec<&str> = link["roles"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        has.sort_unstable();
        if asked != has {
            return Err(ApiError::invalid_request(format!(
                "roles: must match the role of the link ({}).",
                has.join(", ")
            )));
        }
    }
    let business = tenant
        .drive(&found.drive_id)
        .is_some_and(|d| !d.is_personal());
    let recipients = grantees::resolve_all(tenant, body.get("recipients"), business)?;
    let index = found.permission.ok_or_else(not_found)?;
    let drive = tenant.drive_mut(&found.drive_id).ok_or_else(not_found)?;
    let item = drive.item_position(&found.item_id).ok_or_else(not_found)?;
    let link = drive
        .edit_permission(item, index, |link| {
            let before = link.clone();
            grantees::add_to(link, recipients);
            if *link != before {
                etag::bump(link);
            }
            etag::served(link)
        })
        .ok_or_else(not_found)?;
    Ok(Answer::json(200, json!({ "value": [link] })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolving a token scans the tenant (no index serves tokens); the
    /// scan is counted, so its cost shows in `Tenant::lookup_cost`.
    #[test]
    fn resolving_a_token_counts_what_it_scans() {
        let mut tenant = Tenant::default_tenant();
        tenant.prepare().unwrap();
        let entries: usize = tenant
            .drives
            .iter()
            .flat_map(|d| d.items.iter())
            .map(|i| 1 + i.permissions.len())
            .sum();
        let before = tenant.lookup_cost();
        assert!(resolve(&tenant, "s!no-such-share").is_err());
        let cost = tenant.lookup_cost() - before;
        assert!(cost >= entries as u64, "{cost} < {entries}");
    }

    #[test]
    fn parses_each_share_path() {
        let route = parse("u%21aGk/permission/Grant").unwrap();
        assert_eq!(
            (route.token.as_str(), route.action),
            ("u!aGk", ShareAction::Grant)
        );
        assert_eq!(parse("s!x").unwrap().action, ShareAction::Get);
        assert_eq!(
            parse("s!x/driveItem").unwrap().action,
            ShareAction::DriveItem
        );
        assert_eq!(
            parse("s!x/permission/").unwrap().action,
            ShareAction::Permission
        );
        assert_eq!(parse("").unwrap_err().status, 400);
        assert_eq!(parse("s!x/children").unwrap_err().status, 400);
    }

    #[test]
    fn decodes_only_canonical_base64url() {
        assert_eq!(base64url_decode("aGk").unwrap(), b"hi");
        assert_eq!(base64url_decode("").unwrap(), b"");
        assert_eq!(base64url_decode("Pj8_").unwrap(), b">??");
        for bad in ["aGl", "aGk=", "a", "a+k", "a/k"] {
            assert!(base64url_decode(bad).is_none(), "{bad}");
        }
        let text = "https://contoso.sharepoint.com/:w:/g/x?e=1";
        assert_eq!(
            base64url_decode(&crate::util::base64url(text.as_bytes())).unwrap(),
            text.as_bytes()
        );
    }
}
