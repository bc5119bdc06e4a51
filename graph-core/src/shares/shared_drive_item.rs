//! The `sharedDriveItem` resource: what `GET /shares/{id}` returns.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::drive::model::shown::{MapShape, TokenShape, UrlShape, opt};
use crate::drive::model::{DriveItem, IdentitySet, Permission};

/// A shared item as the shares API sees it (Graph's `sharedDriveItem`,
/// `BaseType="graph.baseItem"` in the v1.0 CSDL).
///
/// `id` is the share token; `owner` is who shared it. The navigation
/// properties (`driveItem`, `permission`, …) appear only when expanded.
/// Every property not modelled here is kept in [`additional`](Self::additional).
///
/// ```
/// use graph_core::shares::SharedDriveItem;
///
/// let shared: SharedDriveItem = serde_json::from_str(r#"{
///     "id": "B643", "name": "contoso project.docx",
///     "owner": {"user": {"id": "98E8", "displayName": "Ryan Gregg"}},
///     "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#shares/$entity"
/// }"#).unwrap();
/// let owner = shared.owner.as_ref().and_then(|o| o.user.as_ref()).unwrap();
/// assert_eq!(owner.display_name.as_deref(), Some("Ryan Gregg"));
/// assert!(shared.additional.contains_key("@odata.context"));
/// ```
///
/// `Debug` shows the share token (`id`) as its length and `webUrl` as its
/// host and length.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedDriveItem {
    /// The share token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The shared item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who owns the shared item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<IdentitySet>,
    /// URL of the shared item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// The shared item, when expanded (`$expand=driveItem`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_item: Option<DriveItem>,
    /// The sharing permission, when expanded (`$expand=permission`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<Permission>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl fmt::Debug for SharedDriveItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedDriveItem")
            .field("id", &opt(&self.id, TokenShape))
            .field("name", &self.name)
            .field("owner", &self.owner)
            .field("web_url", &opt(&self.web_url, UrlShape))
            .field("drive_item", &self.drive_item)
            .field("permission", &self.permission)
            .field("additional", &MapShape(&self.additional))
            .finish()
    }
}
