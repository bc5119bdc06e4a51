//! A driveItem as Graph shows it ("driveItem resource type"), for the
//! shares API and for folder listings alike.

use serde_json::{Value, json};

use super::etag;
use crate::tenant::{Drive, Item, Tenant};

/// The properties of Graph's `driveItem` (CSDL `EntityType
/// Name="driveItem"` with those of its base types `baseItem` and `entity`),
/// which `$select` may name.
pub(crate) const DRIVE_ITEM_PROPERTIES: &[&str] = &[
    "id",
    "createdBy",
    "createdDateTime",
    "description",
    "eTag",
    "lastModifiedBy",
    "lastModifiedDateTime",
    "name",
    "parentReference",
    "webUrl",
    "audio",
    "bundle",
    "content",
    "cTag",
    "deleted",
    "file",
    "fileSystemInfo",
    "folder",
    "image",
    "location",
    "malware",
    "package",
    "pendingOperations",
    "photo",
    "publication",
    "remoteItem",
    "root",
    "searchResult",
    "shared",
    "sharepointIds",
    "size",
    "specialFolder",
    "video",
    "webDavUrl",
    "analytics",
    "children",
    "listItem",
    "permissions",
    "subscriptions",
    "thumbnails",
    "versions",
    "workbook",
];

/// One driveItem without navigation properties: `parentReference` with
/// the drive, the parent's id and path; `folder` with its `childCount`
/// (from the drive's index), or an empty `file` facet.
pub(crate) fn item_body(tenant: &Tenant, drive: &Drive, item: &Item) -> Value {
    let mut body = json!({
        "id": item.id,
        "name": item.name,
        "eTag": etag::item_tag(&item.id),
        "webUrl": tenant.item_web_url(&drive.id, &item.id),
        "parentReference": {"driveId": drive.id, "driveType": drive.drive_type},
    });
    if let Some(parent) = &item.parent_id {
        body["parentReference"]["id"] = json!(parent);
        let parent_path = drive.path_of(parent).unwrap_or_default();
        body["parentReference"]["path"] =
            json!(format!("/drives/{}/root:/{parent_path}", drive.id).trim_end_matches('/'));
    }
    if item.folder {
        body["folder"] = json!({"childCount": drive.child_page(&item.id, 0, 0).1});
    } else {
        body["file"] = json!({});
    }
    body
}
