//! Permission inheritance: a folder's permissions reach the items below it.
//!
//! "Effective sharing permissions of a DriveItem can come from two sources:
//! sharing permissions applied directly on the DriveItem itself [and]
//! sharing permissions inherited from the DriveItem's ancestors", told apart
//! by `inheritedFrom`, "an itemReference resource referencing the ancestor
//! that the permission is inherited from" ("List sharing permissions on a
//! driveItem", Response). The emulator stores each inherited permission on
//! the item that sees it, as a copy of the ancestor's with `inheritedFrom`
//! set, and keeps the copies in step when the ancestor's permission changes
//! or goes. An item whose inheritance is broken (invite with
//! `retainInheritedPermissions: false`, "driveItem: invite") and the items
//! below it receive nothing from above it.

use serde_json::{Value, json};

use super::{etag, is_inherited};
use crate::tenant::Drive;
use crate::util::base64url;

/// Ids of the items below `item_id`; with `inheriting`, an item whose
/// inheritance is broken is left out together with everything below it.
fn descendants(drive: &Drive, item_id: &str, inheriting: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![item_id.to_string()];
    while let Some(parent) = stack.pop() {
        for child in drive.children(&parent) {
            if inheriting && child.inheritance_broken {
                continue;
            }
            out.push(child.id.clone());
            stack.push(child.id.clone());
        }
    }
    out
}

/// The `itemReference` of an item, in the shape the seed uses.
fn reference(drive: &Drive, item_id: &str) -> Value {
    json!({
        "driveId": drive.id,
        "id": item_id,
        "path": format!("/drives/{}/root:/{}", drive.id, drive.path_of(item_id).unwrap_or_default()),
    })
}

fn inherited_from(permission: &Value, ancestor: &str) -> bool {
    permission["inheritedFrom"]["id"]
        .as_str()
        .is_some_and(|id| id.eq_ignore_ascii_case(ancestor))
}

/// Whether two permissions grant the same principal or link.
fn same_grantee(a: &Value, b: &Value) -> bool {
    for key in ["grantedToV2", "link"] {
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) if !x.is_null() && !y.is_null() => {
                return if key == "link" {
                    x.get("webUrl") == y.get("webUrl")
                } else {
                    x == y
                };
            }
            _ => {}
        }
    }
    let email = |p: &Value| {
        p["invitation"]["email"]
            .as_str()
            .map(str::to_ascii_lowercase)
    };
    email(a).is_some() && email(a) == email(b)
}

/// After `source` (a direct permission of `folder_id`) was created or
/// changed: every item inheriting from the folder sees it, updated.
pub(crate) fn propagate(drive: &mut Drive, folder_id: &str, source: &Value) {
    let from = reference(drive, folder_id);
    let below = descendants(drive, folder_id, true);
    let source_id = source["id"].as_str().unwrap_or_default();
    for id in below {
        let Some(item) = drive.item_mut(&id) else {
            continue;
        };
        let existing = item
            .permissions
            .iter_mut()
            .find(|p| is_inherited(p) && inherited_from(p, folder_id) && same_grantee(p, source));
        match existing {
            Some(copy) => {
                copy["roles"] = source["roles"].clone();
                match source.get("expirationDateTime") {
                    Some(exp) => copy["expirationDateTime"] = exp.clone(),
                    None => {
                        if let Some(map) = copy.as_object_mut() {
                            map.remove("expirationDateTime");
                        }
                    }
                }
                etag::bump(copy);
            }
            None => {
                let mut copy = source.clone();
                if let Some(map) = copy.as_object_mut() {
                    map.remove("error");
                    map.remove("@odata.etag");
                }
                let base = base64url(format!("{source_id}#inherited").as_bytes());
                let mut copy_id = base.clone();
                let mut n = 1;
                while item.permissions.iter().any(|p| p["id"] == copy_id.as_str()) {
                    n += 1;
                    copy_id = format!("{base}{n}");
                }
                copy["id"] = json!(copy_id);
                copy["inheritedFrom"] = from.clone();
                etag::bump(&mut copy);
                item.permissions.push(copy);
            }
        }
    }
}

/// After `source` was removed from `folder_id`: no item below still sees it.
pub(crate) fn withdraw(drive: &mut Drive, folder_id: &str, source: &Value) {
    for id in descendants(drive, folder_id, false) {
        if let Some(item) = drive.item_mut(&id) {
            item.permissions.retain(|p| {
                !(is_inherited(p) && inherited_from(p, folder_id) && same_grantee(p, source))
            });
        }
    }
}

/// Breaks inheritance at `item_id`: it and the items below it lose what
/// they inherit from above it, and receive nothing from there any more.
pub(crate) fn break_inheritance(drive: &mut Drive, item_id: &str) {
    let below = descendants(drive, item_id, false);
    let within = |ancestor: &str| {
        ancestor.eq_ignore_ascii_case(item_id)
            || below.iter().any(|b| b.eq_ignore_ascii_case(ancestor))
    };
    let from_above =
        |p: &Value| is_inherited(p) && !p["inheritedFrom"]["id"].as_str().is_some_and(within);
    if let Some(item) = drive.item_mut(item_id) {
        item.inheritance_broken = true;
        item.permissions.retain(|p| !from_above(p));
    }
    for id in &below {
        if let Some(item) = drive.item_mut(id) {
            item.permissions.retain(|p| !from_above(p));
        }
    }
}
