//! Revoking a permission, on every way of addressing a drive item.

use crate::graph_endpoint;

/// Revokes a permission on an item in the signed-in user's drive, by item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/me/drive/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct MeDeleteItemPermission {
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in the default drive (`/drive`) of the signed-in user, by item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/drive/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct DefaultDriveDeleteItemPermission {
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in any drive, by drive id and item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct DriveDeleteItemPermission {
    drive_id: String,
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in a Microsoft 365 group's document library, by item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct GroupDeleteItemPermission {
    group_id: String,
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in a user's OneDrive (id or userPrincipalName), by item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct UserDeleteItemPermission {
    user_id: String,
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in a SharePoint site's default document library, by item id; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct SiteDeleteItemPermission {
    site_id: String,
    item_id: String,
    permission_id: String,
}

/// Revokes a permission on an item in the signed-in user's drive, by path from the root; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/me/drive/root:/<item_path..>:/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct MePathDeleteItemPermission {
    item_path: String,
    permission_id: String,
}

/// Revokes a permission on an item in any drive, by drive id and path from the root; Graph answers `204 No Content`.
#[graph_endpoint(DELETE "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>")]
#[derive(Debug, Clone)]
pub struct DrivePathDeleteItemPermission {
    drive_id: String,
    item_path: String,
    permission_id: String,
}
