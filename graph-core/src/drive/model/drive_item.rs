//! The `driveItem` resource, as far as sharing needs it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ItemReference;
use super::shown::{MapShape, UrlShape, opt};

/// A file or folder (Graph's `driveItem`), as `GET /shares/{id}/driveItem`
/// returns it.
///
/// The properties sharing code reads are typed; every other one (dates,
/// `createdBy`, `file` hashes, `@microsoft.graph.downloadUrl`, …) is kept
/// as sent in [`additional`](Self::additional), so nothing is lost on a
/// read and a write. Facets such as `file` and `folder` are raw JSON: their
/// presence says what the item is.
///
/// ```
/// use graph_core::drive::model::DriveItem;
///
/// let item: DriveItem = serde_json::from_str(r#"{
///     "id": "9FFF", "name": "contoso project.docx", "file": {}, "size": 109112,
///     "lastModifiedDateTime": "2017-09-10T12:00:00Z"
/// }"#).unwrap();
/// assert!(item.is_file() && !item.is_folder());
/// assert_eq!(item.size, Some(109112));
/// assert_eq!(item.additional["lastModifiedDateTime"], "2017-09-10T12:00:00Z");
/// ```
///
/// `Debug` shows `webUrl` as its host and length and replaces credential
/// URLs in `additional` (`@microsoft.graph.downloadUrl` opens the content
/// without sign-in).
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveItem {
    /// The item's id in its drive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The item's eTag (metadata and content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// URL that shows the item in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// Size in bytes (for a folder, of everything in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// The `file` facet, present on files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Value>,
    /// The `folder` facet, present on folders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<Value>,
    /// Where the item is: its drive and parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_reference: Option<ItemReference>,
    /// The folder's children, when asked for with `$expand=children`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<DriveItem>>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl fmt::Debug for DriveItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriveItem")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("e_tag", &self.e_tag)
            .field("web_url", &opt(&self.web_url, UrlShape))
            .field("size", &self.size)
            .field("file", &self.file)
            .field("folder", &self.folder)
            .field("parent_reference", &self.parent_reference)
            .field("children", &self.children)
            .field("additional", &MapShape(&self.additional))
            .finish()
    }
}

impl DriveItem {
    /// Whether the item carries a `file` facet.
    pub fn is_file(&self) -> bool {
        self.file.is_some()
    }

    /// Whether the item carries a `folder` facet.
    pub fn is_folder(&self) -> bool {
        self.folder.is_some()
    }

    /// The `folder` facet's `childCount`: how many items the folder holds
    /// ("folder resource type"); `None` on a file or when not sent.
    pub fn child_count(&self) -> Option<u64> {
        self.folder.as_ref()?.get("childCount")?.as_u64()
    }
}
