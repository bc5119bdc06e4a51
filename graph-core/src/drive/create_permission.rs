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
    ItemLocator::MeRoot => "/me/drive/root/permissions",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions",
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
    use crate::drive::test_forms::forms;
    use crate::{Endpoint, Method};

    #[test]
    fn every_address_form_renders() {
        let body = || NewPermission::application("app", [Role::Write]);
        for (item, prefix, _) in forms() {
            let path = format!("{prefix}/permissions");
            let request = Endpoint::to_request(&item.create_permission(body())).unwrap();
            assert_eq!(request.method(), Method::Post);
            assert_eq!(request.path_and_query(), path);
            assert_eq!(
                request.body().unwrap(),
                br#"{"grantedToV2":{"application":{"id":"app"}},"roles":["write"]}"#
            );
        }
        assert_eq!(CreatePermission::TEMPLATES.len(), forms().len());
    }
}
