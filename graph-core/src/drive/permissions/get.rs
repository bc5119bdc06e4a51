//! Reading one permission on an item, on every way of addressing a drive item.

use crate::drive::model::Permission;
use crate::graph_endpoint;

/// Gets one permission on an item in the signed-in user's drive, by item id.
#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct MeGetItemPermission {
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in the default drive (`/drive`) of the signed-in user, by item id.
#[graph_endpoint(GET "/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DefaultDriveGetItemPermission {
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in any drive, by drive id and item id.
#[graph_endpoint(GET "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DriveGetItemPermission {
    drive_id: String,
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in a Microsoft 365 group's document library, by item id.
#[graph_endpoint(GET "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct GroupGetItemPermission {
    group_id: String,
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in a user's OneDrive (id or userPrincipalName), by item id.
#[graph_endpoint(GET "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct UserGetItemPermission {
    user_id: String,
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in a SharePoint site's default document library, by item id.
#[graph_endpoint(GET "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct SiteGetItemPermission {
    site_id: String,
    item_id: String,
    permission_id: String,
}

/// Gets one permission on an item in the signed-in user's drive, by path from the root.
#[graph_endpoint(GET "/me/drive/root:/<item_path..>:/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct MePathGetItemPermission {
    item_path: String,
    permission_id: String,
}

/// Gets one permission on an item in any drive, by drive id and path from the root.
#[graph_endpoint(GET "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>", response = Permission)]
#[derive(Debug, Clone)]
pub struct DrivePathGetItemPermission {
    drive_id: String,
    item_path: String,
    permission_id: String,
}
