//! `POST …/items/{item-id}/invite`: send a sharing invitation.

use serde_json::{Map, Value, json};

use super::parameters::refuse_undeclared_parameters;
use super::{Target, etag, inheritance, json_object, parse_roles};
use crate::errors::ApiError;
use crate::mailbox::Mailbox;
use crate::pipeline::Answer;
use crate::tenant::Tenant;
use crate::util::{base64url, looks_like_datetime};

const MAX_MESSAGE_CHARS: usize = 2000;

/// The parameters of the bound action `invite` on `graph.driveItem` (CSDL
/// `<Action Name="invite" IsBound="true">`, binding parameter left out).
const INVITE_PARAMETERS: &[&str] = &[
    "requireSignIn",
    "roles",
    "sendInvitation",
    "message",
    "recipients",
    "retainInheritedPermissions",
    "expirationDateTime",
    "password",
];

/// The role granted when an invite names none. The CSDL marks `roles`
/// optional and Microsoft's docs do not say what Graph grants then; the
/// emulator grants the least, `read` (an assumption, listed in its README).
const DEFAULT_INVITE_ROLE: &str = "read";

/// Roles of an invite: optional (CSDL: `roles` is not `Nullable="false"`);
/// `owner` is refused as Graph refuses it, 400 `invalidRequest` "Invalid
/// value for role" (reported on Microsoft's Q&A threads for driveItem:
/// invite; the invite page lists only `read` and `write`).
fn invite_roles(value: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let roles = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.is_empty() => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| match r.as_str() {
                Some(role @ ("read" | "write")) => Ok(role.to_string()),
                Some("owner") => Err(ApiError::invalid_request("Invalid value for role")),
                _ => Err(ApiError::invalid_request(format!(
                    "roles: {r} is not a valid role; use read or write."
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => parse_roles(Some(other))?,
    };
    if roles.is_empty() {
        return Ok(vec![DEFAULT_INVITE_ROLE.to_string()]);
    }
    Ok(roles)
}
const DEPRECATED_GRANTED_TO: &str = "GrantedTo has been deprecated. Refer to GrantedToV2";

/// A recipient resolved against the directory.
#[derive(Debug, Clone)]
enum Recipient {
    User {
        id: String,
        display_name: String,
        email: String,
        site_user_id: usize,
    },
    Group {
        id: String,
        display_name: String,
        email: String,
    },
    External {
        email: String,
    },
}

impl Recipient {
    fn email(&self) -> &str {
        match self {
            Recipient::User { email, .. }
            | Recipient::Group { email, .. }
            | Recipient::External { email } => email,
        }
    }

    fn object_id(&self) -> Option<&str> {
        match self {
            Recipient::User { id, .. } | Recipient::Group { id, .. } => Some(id),
            Recipient::External { .. } => None,
        }
    }

    fn claim(&self) -> String {
        match self {
            Recipient::User { email, .. } => format!("i:0#.f|membership|{}", email.to_lowercase()),
            Recipient::Group { id, .. } => format!("c:0o.c|federateddirectoryclaimprovider|{id}"),
            Recipient::External { email } => {
                format!("i:0#.f|membership|urn:spo:guest#{}", email.to_lowercase())
            }
        }
    }
}

/// The validated request body.
struct Invitation {
    recipients: Vec<Recipient>,
    roles: Vec<String>,
    require_sign_in: bool,
    send_invitation: bool,
    expiration: Option<String>,
    password: bool,
    retain_inherited: bool,
}

/// Whether a permission on an item reaches the items below it.
fn is_folder(tenant: &Tenant, target: &Target) -> bool {
    tenant
        .drive(&target.drive_id)
        .and_then(|d| d.item(&target.item_id))
        .is_some_and(|i| i.folder)
}

fn optional_bool(body: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(ApiError::invalid_request(format!(
            "{name}: expected a boolean, got {other}."
        ))),
    }
}

fn optional_string<'a>(
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

fn resolve_recipient(tenant: &Tenant, index: usize, value: &Value) -> Result<Recipient, ApiError> {
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
    let given = [email, alias, object_id]
        .iter()
        .filter(|f| f.is_some())
        .count();
    if given != 1 {
        return Err(ApiError::invalid_request(format!(
            "recipients[{index}]: a driveRecipient must have exactly one of email, alias or objectId (got {given})."
        )));
    }
    let site_user_id = |id: &str| tenant.user_position(id).map_or(100, |p| p * 2 + 7);
    let user = |u: &crate::tenant::User| Recipient::User {
        id: u.id.clone(),
        display_name: u.display_name.clone(),
        email: u.mail.clone(),
        site_user_id: site_user_id(&u.id),
    };
    if let Some(email) = email {
        if !email.contains('@') {
            return Err(ApiError::invalid_request(format!(
                "recipients[{index}].email: '{email}' is not a valid email address."
            )));
        }
        if let Some(u) = tenant.find_user_by_email(email) {
            return Ok(user(u));
        }
        if let Some(g) = tenant.find_group_by_mail(email) {
            return Ok(Recipient::Group {
                id: g.id.clone(),
                display_name: g.display_name.clone(),
                email: g.mail.clone(),
            });
        }
        return Ok(Recipient::External {
            email: email.to_string(),
        });
    }
    if let Some(alias) = alias {
        return tenant.find_user_by_alias(alias).map(user).ok_or_else(|| {
            ApiError::invalid_request(format!(
                "recipients[{index}].alias: no user with alias '{alias}' exists in the directory."
            ))
        });
    }
    let object_id = object_id.unwrap_or_default();
    if let Some(u) = tenant.find_user(object_id) {
        return Ok(user(u));
    }
    if let Some(g) = tenant.find_group(object_id) {
        return Ok(Recipient::Group {
            id: g.id.clone(),
            display_name: g.display_name.clone(),
            email: g.mail.clone(),
        });
    }
    Err(ApiError::invalid_request(format!(
        "recipients[{index}].objectId: no user or group with id '{object_id}' exists in the directory."
    )))
}

fn parse_invitation(tenant: &Tenant, personal: bool, body: &[u8]) -> Result<Invitation, ApiError> {
    let body = json_object(body)?;
    refuse_undeclared_parameters(&body, INVITE_PARAMETERS, "invite")?;
    let recipients = match body.get("recipients") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => {
            return Err(ApiError::invalid_request(
                "recipients: at least one recipient is required.",
            ));
        }
        _ => {
            return Err(ApiError::invalid_request(
                "recipients: a non-empty array of driveRecipient objects is required.",
            ));
        }
    };
    let recipients = recipients
        .iter()
        .enumerate()
        .map(|(i, r)| resolve_recipient(tenant, i, r))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(message) = optional_string(&body, "message")? {
        let chars = message.chars().count();
        if chars > MAX_MESSAGE_CHARS {
            return Err(ApiError::invalid_request(format!(
                "message: the maximum length is {MAX_MESSAGE_CHARS} characters (got {chars})."
            )));
        }
    }
    let roles = invite_roles(body.get("roles"))?;
    // Both false is valid: the invite page's own request-body template shows
    // `"requireSignIn": false, "sendInvitation": false`.
    let require_sign_in = optional_bool(&body, "requireSignIn")?;
    let send_invitation = optional_bool(&body, "sendInvitation")?;
    let expiration = optional_string(&body, "expirationDateTime")?;
    if let Some(exp) = expiration
        && !looks_like_datetime(exp)
    {
        return Err(ApiError::invalid_request(format!(
            "expirationDateTime: '{exp}' is not an ISO 8601 date and time (e.g. 2018-07-15T14:00:00.000Z)."
        )));
    }
    // "password: The password set on the invite by the creator. Optional and
    // OneDrive Personal only." (driveItem: invite); any string, empty included.
    let password = optional_string(&body, "password")?;
    if password.is_some() && !personal {
        return Err(ApiError::invalid_request(
            "password: a password can only be set on items in a OneDrive personal drive.",
        ));
    }
    let retain_inherited = optional_bool(&body, "retainInheritedPermissions")?.unwrap_or(true);
    Ok(Invitation {
        recipients,
        roles,
        require_sign_in: require_sign_in.unwrap_or(true),
        send_invitation: send_invitation.unwrap_or(false),
        expiration: expiration.map(str::to_string),
        password: password.is_some_and(|p| !p.is_empty()),
        retain_inherited,
    })
}

fn identity(recipient: &Recipient) -> Value {
    match recipient {
        Recipient::User {
            id,
            display_name,
            email,
            ..
        } => json!({ "id": id, "displayName": display_name, "email": email }),
        Recipient::Group {
            id,
            display_name,
            email,
        } => json!({ "id": id, "displayName": display_name, "email": email }),
        Recipient::External { email } => json!({ "displayName": email, "email": email }),
    }
}

fn new_permission(id: String, recipient: &Recipient, inv: &Invitation, personal: bool) -> Value {
    let mut perm = json!({
        "id": id,
        "roles": inv.roles,
        "invitation": {
            "email": recipient.email(),
            "signInRequired": inv.require_sign_in,
        },
    });
    let who = identity(recipient);
    let mut v2 = Map::new();
    match recipient {
        Recipient::Group { .. } => {
            v2.insert("group".into(), who);
        }
        _ => {
            v2.insert("user".into(), who.clone());
            perm["grantedTo"] = json!({ "user": who });
            perm["@deprecated.GrantedTo"] = json!(DEPRECATED_GRANTED_TO);
        }
    }
    if !personal {
        let (site_id, name) = match recipient {
            Recipient::User {
                site_user_id,
                display_name,
                ..
            } => (site_user_id.to_string(), display_name.clone()),
            Recipient::Group { display_name, .. } => ("4".to_string(), display_name.clone()),
            Recipient::External { email } => ("100".to_string(), email.clone()),
        };
        v2.insert(
            "siteUser".into(),
            json!({ "id": site_id, "displayName": name, "loginName": recipient.claim() }),
        );
    }
    perm["grantedToV2"] = Value::Object(v2);
    if let Some(exp) = &inv.expiration {
        perm["expirationDateTime"] = json!(exp);
    }
    if personal {
        perm["hasPassword"] = json!(inv.password);
    }
    perm
}

fn undeliverable_error() -> Value {
    json!({
        "code": "notAllowed",
        "message": "Account verification needed to unblock sending emails.",
        "localizedMessage": "Account verification needed to unblock sending emails.",
        "fixItUrl": "https://go.microsoft.com/fwlink/?linkid=2206395",
        "innererror": { "code": "accountVerificationRequired" }
    })
}

/// Validates everything first, then grants: a rejected request changes nothing.
pub(super) fn invite(
    tenant: &mut Tenant,
    mailbox: &mut Mailbox,
    target: &Target,
    body: &[u8],
) -> Result<Answer, ApiError> {
    let drive = tenant
        .drive(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("Drive not found."))?;
    let personal = drive.is_personal();
    let is_root = drive
        .item(&target.item_id)
        .is_some_and(|i| i.parent_id.is_none());
    let inv = parse_invitation(tenant, personal, body)?;
    let folder = is_folder(tenant, target);
    if personal && is_root {
        return Err(ApiError::invalid_request(
            "Permissions can't be created or modified on the root item of a personal drive.",
        ));
    }
    let undeliverable: Vec<bool> = inv
        .recipients
        .iter()
        .map(|r| inv.send_invitation && tenant.bounces(r.email()))
        .collect();
    let drive = tenant
        .drive_mut(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("Drive not found."))?;
    let item = drive
        .item_position(&target.item_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;

    // Each recipient is one indexed lookup, so the store's lock is held for
    // time linear in this request's recipients, not in the item's permissions.
    let first_share = !drive.has_own_permissions(item);
    let mut value = Vec::with_capacity(inv.recipients.len());
    for (recipient, bounced) in inv.recipients.iter().zip(undeliverable) {
        let existing = drive.grantee_position(item, recipient.object_id(), recipient.email());
        let mut perm = match existing {
            Some(position) => {
                drive.set_permission_property(item, position, "roles", json!(inv.roles));
                if let Some(exp) = &inv.expiration {
                    drive.set_permission_property(item, position, "expirationDateTime", json!(exp));
                }
                drive
                    .edit_permission(item, position, |perm| {
                        etag::bump(perm);
                        perm.clone()
                    })
                    .unwrap_or_default()
            }
            None => {
                let base = base64url(recipient.claim().as_bytes());
                let mut id = base.clone();
                let mut n = 1;
                while drive.has_permission_id(item, &id) {
                    n += 1;
                    id = format!("{base}{n}");
                }
                let perm = etag::fresh(&new_permission(id, recipient, &inv, personal));
                drive.push_permission(item, perm.clone());
                perm
            }
        };
        perm = etag::served(&perm);
        if bounced {
            perm["error"] = undeliverable_error();
        } else if inv.send_invitation {
            // "sendInvitation: … an email or post is generated" (driveItem:
            // invite); a recipient whose mail bounces gets none.
            mailbox.invitation(&target.drive_id, &target.item_id, recipient.email());
        }
        value.push(perm);
    }
    if let Some(drive) = tenant.drive_mut(&target.drive_id) {
        // "If false, all existing permissions are removed when sharing for
        // the first time" (driveItem: invite, retainInheritedPermissions):
        // the inherited ones go, and the item stops inheriting.
        if first_share && !inv.retain_inherited {
            inheritance::break_inheritance(drive, &target.item_id);
        }
        if folder {
            for granted in &value {
                inheritance::propagate(drive, &target.item_id, granted);
            }
        }
    }
    let status = if value.iter().any(|p| p.get("error").is_some()) {
        207
    } else {
        200
    };
    Ok(Answer::json(status, json!({ "value": value })))
}
