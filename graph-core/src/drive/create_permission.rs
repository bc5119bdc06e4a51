//! `POST …/permissions`: create a permission, on every address form of an
//! item.
//!
//! "Create permission on a driveItem" lists five forms in its HTTP request
//! section, but says nothing refusing the others; in the v1.0 CSDL,
//! `permissions` is a contained collection navigation property of
//! `driveItem` (`ContainsTarget="true"`) and no
//! `Org.OData.Capabilities.V1.InsertRestrictions` annotation targets it, so
//! it is insertable wherever a driveItem is addressed, as the same CSDL
//! binding makes `createLink` callable on every form. The client refuses
//! none of them.

use crate::drive::ItemLocator;
use crate::drive::model::{NewPermission, Permission};
use crate::graph_endpoint;

/// `POST …/permissions`: create a permission (`201 Created`, the new
/// [`Permission`]).
///
/// Usually built with [`ItemLocator::create_permission`].
///
/// ```
/// use graph_core::drive::{CreatePermission, ItemLocator, Role};
/// use graph_core::drive::model::NewPermission;
/// use graph_core::Endpoint;
///
/// let create = ItemLocator::drive("b!x", "01A")
///     .create_permission(NewPermission::application("app-1", [Role::Read]));
/// assert_eq!(create.path(), "/drives/b!x/items/01A/permissions");
/// let by_path = ItemLocator::me_path("Docs/a.txt")
///     .create_permission(NewPermission::application("app-1", [Role::Read]));
/// assert_eq!(by_path.path(), "/me/drive/root:/Docs/a.txt:/permissions");
/// ```
#[graph_endpoint(POST match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct CreatePermission {
    /// The item to add the permission to.
    item: ItemLocator,
    /// Who gets which roles.
    #[body]
    permission: NewPermission,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::Role;
    use crate::{Endpoint, Method};

    #[test]
    fn every_address_form_renders() {
        let body = || NewPermission::application("app", [Role::Write]);
        for (item, path) in [
            (ItemLocator::me("01A"), "/me/drive/items/01A/permissions"),
            (
                ItemLocator::default_drive("01A"),
                "/drive/items/01A/permissions",
            ),
            (
                ItemLocator::drive("b!d", "01A"),
                "/drives/b!d/items/01A/permissions",
            ),
            (
                ItemLocator::group("g", "01A"),
                "/groups/g/drive/items/01A/permissions",
            ),
            (
                ItemLocator::user("u", "01A"),
                "/users/u/drive/items/01A/permissions",
            ),
            (
                ItemLocator::site("s", "01A"),
                "/sites/s/drive/items/01A/permissions",
            ),
            (
                ItemLocator::me_path("a b.txt"),
                "/me/drive/root:/a%20b.txt:/permissions",
            ),
            (
                ItemLocator::drive_path("b!d", "a.txt"),
                "/drives/b!d/root:/a.txt:/permissions",
            ),
        ] {
            let request = Endpoint::to_request(&item.create_permission(body())).unwrap();
            assert_eq!(request.method(), Method::Post);
            assert_eq!(request.path_and_query(), path);
            assert_eq!(
                request.body().unwrap(),
                br#"{"grantedToV2":{"application":{"id":"app"}},"roles":["write"]}"#
            );
        }
        assert_eq!(CreatePermission::TEMPLATES.len(), 8);
    }
}
