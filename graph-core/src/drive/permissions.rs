//! The sharing lifecycle after an invitation: list, read, change and revoke
//! the permissions on a drive item, on every way of addressing it.

use crate::drive::ItemLocator;
use crate::drive::model::{Collection, Permission, PermissionUpdate};
use crate::graph_endpoint;

/// `GET …/permissions`: the permissions on an item, a page at a time.
///
/// Usually built with [`ItemLocator::list_permissions`]; follow
/// `@odata.nextLink` with [`Client::next_page`](crate::Client::next_page).
#[graph_endpoint(GET match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions",
}, response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct ListPermissions {
    /// The item whose permissions to list.
    item: ItemLocator,
    /// How many permissions per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
}

/// `GET …/permissions/{permission-id}`: one permission on an item.
///
/// Usually built with [`ItemLocator::permission`].
#[graph_endpoint(GET match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct GetPermission {
    /// The item the permission is on.
    item: ItemLocator,
    /// The permission's id.
    permission_id: String,
}

/// `PATCH …/permissions/{permission-id}`: change the roles of a permission.
///
/// Usually built with [`ItemLocator::update_permission`].
#[graph_endpoint(PATCH match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct UpdatePermission {
    /// The item the permission is on.
    item: ItemLocator,
    /// The permission's id.
    permission_id: String,
    /// The new roles.
    #[body]
    update: PermissionUpdate,
}

/// `DELETE …/permissions/{permission-id}`: revoke a permission (`204 No Content`).
///
/// Usually built with [`ItemLocator::delete_permission`].
#[graph_endpoint(DELETE match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
})]
#[derive(Debug, Clone)]
pub struct DeletePermission {
    /// The item the permission is on.
    item: ItemLocator,
    /// The permission's id.
    permission_id: String,
}
