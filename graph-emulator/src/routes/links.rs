//! `POST …/items/{item-id}/createLink`: a sharing link is a permission with a
//! `link` facet.
//!
//! Source for every rule: the docs page "driveItem: createLink" (v1.0; the
//! beta page for the beta-only link types), and the CSDL's `sharingLink`
//! (`type`, `scope`, `webUrl`, `webHtml`, `preventsDownload`, `application`).

use serde_json::{Value, json};

use super::grantees::{self, optional_bool, optional_string};
use super::parameters::refuse_undeclared_parameters;
use super::{Target, etag, inheritance, json_object};
use crate::errors::ApiError;
use crate::pipeline::{Answer, UnitRequest};
use crate::state::Principal;
use crate::tenant::Tenant;
use crate::tenant::{is_inherited, kind_letter};
use crate::util::{base64url, looks_like_datetime};

/// Link types of the v1.0 page ("Link types").
const V1_TYPES: [&str; 3] = ["view", "edit", "embed"];
/// Link types the beta page adds.
const BETA_TYPES: [&str; 5] = [
    "review",
    "blocksDownload",
    "createOnly",
    "addressBar",
    "adminDefault",
];
/// Scopes of the v1.0 page ("Scope types").
const SCOPES: [&str; 3] = ["anonymous", "organization", "users"];

/// The parameters of the `createLink` action (v1.0 CSDL, `Action
/// Name="createLink"` bound to `driveItem`: `type`, `scope`,
/// `expirationDateTime`, `password`, `message`, `recipients`,
/// `retainInheritedPermissions`, `sendNotification`); anything else is
/// refused as OData refuses an undeclared action parameter.
const CREATE_LINK_PARAMETERS: &[&str] = &[
    "type",
    "scope",
    "expirationDateTime",
    "password",
    "message",
    "recipients",
    "retainInheritedPermissions",
    "sendNotification",
];

/// The validated request.
struct LinkRequest {
    link_type: String,
    scope: String,
    password: bool,
    expiration: Option<String>,
    retain_inherited: bool,
    recipients: Vec<Value>,
}

fn parse(
    tenant: &Tenant,
    personal: bool,
    is_folder: bool,
    beta: bool,
    body: &[u8],
) -> Result<LinkRequest, ApiError> {
    let body = json_object(body)?;
    refuse_undeclared_parameters(&body, CREATE_LINK_PARAMETERS, "createLink")?;
    let link_type = optional_string(&body, "type")?;
    if let Some(t) = link_type {
        let known = V1_TYPES.contains(&t) || (beta && BETA_TYPES.contains(&t));
        if !known {
            return Err(ApiError::invalid_request(format!(
                "Invalid value for type: '{t}'. Use view, edit or embed."
            )));
        }
    }
    let scope = optional_string(&body, "scope")?;
    if let Some(s) = scope
        && !SCOPES.contains(&s)
    {
        return Err(ApiError::invalid_request(format!(
            "Invalid value for scope: '{s}'. Use anonymous, organization or users."
        )));
    }
    // "If the scope parameter is not specified, the default link type for
    // the organization is created": organization links where they exist.
    let scope = scope.unwrap_or(if personal {
        "anonymous"
    } else {
        "organization"
    });
    let link_type = link_type.unwrap_or("view");
    if scope == "organization" && personal {
        return Err(ApiError::invalid_request(
            "scope: organization links are only available in OneDrive for Business and SharePoint.",
        ));
    }
    if link_type == "embed" && (!personal || is_folder) {
        return Err(ApiError::invalid_request(
            "type: embed links are only available for files in OneDrive personal.",
        ));
    }
    // The beta page's "Link types": review and blocksDownload "only
    // available for files in OneDrive for Business and SharePoint",
    // createOnly "only available for folders in OneDrive for Business and
    // SharePoint", addressBar and adminDefault "Only available in OneDrive
    // for Business and SharePoint".
    let business_only = match link_type {
        "review" | "blocksDownload" => Some(if is_folder { Some("files") } else { None }),
        "createOnly" => Some(if is_folder { None } else { Some("folders") }),
        "addressBar" | "adminDefault" => Some(None),
        _ => None,
    };
    if let Some(wrong_kind) = business_only
        && (personal || wrong_kind.is_some())
    {
        let what = wrong_kind.map_or(String::new(), |kind| format!("{kind} "));
        return Err(ApiError::invalid_request(format!(
            "type: {link_type} links are only available for {what}in OneDrive for Business and SharePoint."
        )));
    }
    let password = optional_string(&body, "password")?;
    // v1.0: "Optional and OneDrive Personal only"; the beta page documents
    // `password` with no such limit.
    if password.is_some() && !personal && !beta {
        return Err(ApiError::invalid_request(
            "password: a link password can only be set in OneDrive personal.",
        ));
    }
    let expiration = optional_string(&body, "expirationDateTime")?;
    if let Some(exp) = expiration
        && !looks_like_datetime(exp)
    {
        return Err(ApiError::invalid_request(format!(
            "expirationDateTime: '{exp}' is not a date and time (yyyy-MM-ddTHH:mm:ssZ)."
        )));
    }
    let retain_inherited = optional_bool(&body, "retainInheritedPermissions")?.unwrap_or(true);
    optional_bool(&body, "sendNotification")?;
    optional_string(&body, "message")?;
    let recipients = grantees::resolve_all(tenant, body.get("recipients"), !personal)?;
    Ok(LinkRequest {
        link_type: link_type.to_string(),
        scope: scope.to_string(),
        password: password.is_some(),
        expiration: expiration.map(str::to_string),
        retain_inherited,
        recipients,
    })
}

/// The role a link of `link_type` grants.
fn role_of(link_type: &str) -> &'static str {
    match link_type {
        "edit" | "createOnly" => "write",
        _ => "read",
    }
}

/// The `application` of the link facet: the calling app, as every
/// documented createLink answer carries it (`{"id","displayName"}`). A
/// delegated token names no app in the emulator, so its links have none.
fn calling_app(tenant: &Tenant, principal: &Principal) -> Option<Value> {
    let Principal::App { client_id } = principal else {
        return None;
    };
    let name = tenant
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
        .map(|c| c.display_name.clone());
    Some(json!({"id": client_id, "displayName": name}))
}

/// Whether `existing` is the link the request asks for ("If a sharing link
/// of the specified type already exists for the app, the existing sharing
/// link is returned"): made by the same app, same type and scope, and for
/// the same people, with the same password presence and expiry.
fn is_equivalent(existing: &Value, req: &LinkRequest, app: Option<&Value>) -> bool {
    let link = &existing["link"];
    let same_people = req.scope != "users"
        || grantees::keys_of(
            existing["grantedToIdentitiesV2"]
                .as_array()
                .map_or(&[], Vec::as_slice),
        ) == grantees::keys_of(&req.recipients);
    let app_id = |app: Option<&Value>| app.and_then(|a| a["id"].as_str()).map(str::to_string);
    !is_inherited(existing)
        && app_id(link.get("application")) == app_id(app)
        && link["type"] == req.link_type.as_str()
        && link["scope"] == req.scope.as_str()
        && existing["hasPassword"].as_bool().unwrap_or(false) == req.password
        && existing["expirationDateTime"].as_str() == req.expiration.as_deref()
        && same_people
}

/// Creates the link (201) or returns the equivalent one (200); a rejected
/// request changes nothing.
pub(super) fn create_link(
    tenant: &mut Tenant,
    principal: &Principal,
    target: &Target,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    let app = calling_app(tenant, principal);
    let drive = tenant
        .drive(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let personal = drive.is_personal();
    let item = drive
        .item(&target.item_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let (is_folder, name) = (item.folder, item.name.clone());
    let link = parse(
        tenant,
        personal,
        is_folder,
        req.version == "beta",
        &req.body,
    )?;
    if let Some(existing) = item
        .permissions
        .iter()
        .find(|p| is_equivalent(p, &link, app.as_ref()))
    {
        return Ok(Answer::json(200, etag::served(existing)));
    }

    let id = uuid::Uuid::new_v4();
    let token = base64url(id.as_bytes());
    let web_url = if personal {
        format!(
            "https://1drv.ms/{}/s!{token}",
            kind_letter(&name, is_folder)
        )
    } else {
        format!(
            "https://{}.sharepoint.com/:{}:/g/{token}",
            tenant.sharepoint_prefix(),
            kind_letter(&name, is_folder)
        )
    };
    let mut facet = json!({
        "type": link.link_type,
        "scope": link.scope,
        "webUrl": web_url,
        "preventsDownload": link.link_type == "blocksDownload",
    });
    if let Some(app) = app {
        facet["application"] = app;
    }
    if link.link_type == "embed" {
        facet["webHtml"] = json!(format!(
            "<iframe src=\"{web_url}\" frameborder=\"0\"></iframe>"
        ));
    }
    let mut permission = json!({
        "id": id.to_string(),
        "roles": [role_of(&link.link_type)],
        "shareId": format!("s!{token}"),
        "hasPassword": link.password,
        "link": facet,
    });
    if let Some(exp) = &link.expiration {
        permission["expirationDateTime"] = json!(exp);
    }
    if link.scope == "users" && !link.recipients.is_empty() {
        permission["grantedToIdentitiesV2"] = Value::Array(link.recipients.clone());
    }

    let not_found = || ApiError::not_found("The resource could not be found.");
    let drive = tenant.drive_mut(&target.drive_id).ok_or_else(not_found)?;
    let item = drive.item_position(&target.item_id).ok_or_else(not_found)?;
    // "If false, all existing permissions are removed when sharing for the
    // first time" (createLink, retainInheritedPermissions): as for invite,
    // the inherited ones go and the item stops inheriting, so later shares
    // of its ancestors no longer reach it.
    if !drive.has_own_permissions(item) && !link.retain_inherited {
        inheritance::break_inheritance(drive, &target.item_id);
    }
    let permission = etag::fresh(&permission);
    drive.push_permission(item, permission.clone());
    // A folder's sharing reaches the items below it ("List sharing
    // permissions on a driveItem": permissions inherited from ancestors).
    if is_folder {
        inheritance::propagate(drive, &target.item_id, &permission);
    }
    Ok(Answer::json(201, permission))
}
