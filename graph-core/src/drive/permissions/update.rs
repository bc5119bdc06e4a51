//! Changing the roles of a permission, on every way of addressing a drive item.

use crate::drive::model::{Permission, PermissionUpdate};
use crate::graph_endpoint;

/// Changes the roles of a permission on an item in the signed-in user's drive, by item id.
#[graph_endpoint(PATCH "/me/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct MeUpdateItemPermission {
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in the default drive (`/drive`) of the signed-in user, by item id.
#[graph_endpoint(PATCH "/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DefaultDriveUpdateItemPermission {
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in any drive, by drive id and item id.
#[graph_endpoint(PATCH "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DriveUpdateItemPermission {
    drive_id: String,
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in a Microsoft 365 group's document library, by item id.
#[graph_endpoint(PATCH "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct GroupUpdateItemPermission {
    group_id: String,
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in a user's OneDrive (id or userPrincipalName), by item id.
#[graph_endpoint(PATCH "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct UserUpdateItemPermission {
    user_id: String,
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in a SharePoint site's default document library, by item id.
#[graph_endpoint(PATCH "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct SiteUpdateItemPermission {
    site_id: String,
    item_id: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in the signed-in user's drive, by path from the root.
#[graph_endpoint(PATCH "/me/drive/root:/<item_path..>:/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct MePathUpdateItemPermission {
    item_path: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// Changes the roles of a permission on an item in any drive, by drive id and path from the root.
#[graph_endpoint(PATCH "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DrivePathUpdateItemPermission {
    drive_id: String,
    item_path: String,
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}
