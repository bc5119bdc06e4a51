//! Listing the permissions on an item, on every way of addressing a drive item.

use crate::drive::model::Permission;
use crate::graph_endpoint;
use crate::odata::Collection;

/// Lists the permissions on an item in the signed-in user's drive, by item id, a page at a time.
#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct MeListItemPermissions {
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in the default drive (`/drive`) of the signed-in user, by item id, a page at a time.
#[graph_endpoint(GET "/drive/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct DefaultDriveListItemPermissions {
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in any drive, by drive id and item id, a page at a time.
#[graph_endpoint(GET "/drives/<drive_id>/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct DriveListItemPermissions {
    drive_id: String,
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in a Microsoft 365 group's document library, by item id, a page at a time.
#[graph_endpoint(GET "/groups/<group_id>/drive/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct GroupListItemPermissions {
    group_id: String,
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in a user's OneDrive (id or userPrincipalName), by item id, a page at a time.
#[graph_endpoint(GET "/users/<user_id>/drive/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct UserListItemPermissions {
    user_id: String,
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in a SharePoint site's default document library, by item id, a page at a time.
#[graph_endpoint(GET "/sites/<site_id>/drive/items/<item_id>/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct SiteListItemPermissions {
    site_id: String,
    item_id: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in the signed-in user's drive, by path from the root, a page at a time.
#[graph_endpoint(GET "/me/drive/root:/<item_path..>:/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct MePathListItemPermissions {
    item_path: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// Lists the permissions on an item in any drive, by drive id and path from the root, a page at a time.
#[graph_endpoint(GET "/drives/<drive_id>/root:/<item_path..>:/permissions", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct DrivePathListItemPermissions {
    drive_id: String,
    item_path: String,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}
