//! `POST …/permissions`: create a permission, on the address forms Microsoft
//! documents for it.

use crate::ValidationError;
use crate::drive::ItemLocator;
use crate::drive::model::{NewPermission, Permission};
use crate::graph_endpoint;

/// The address forms "Create permission on a driveItem" documents (HTTP
/// request): `/drives/{drive-id}/items/{item-id}`,
/// `/groups/{group-id}/drive/items/{item-id}`, `/me/drive/items/{item-id}`,
/// `/sites/{siteId}/drive/items/{itemId}` and `/users/{userId}/drive/items/{itemId}`.
///
/// `/drive/items/{id}` and the `root:/path:` forms are not documented for
/// this operation, so [`TryFrom<ItemLocator>`] refuses them before anything
/// is sent.
///
/// ```
/// use graph_core::drive::{CreatePermissionItem, ItemLocator};
///
/// assert!(CreatePermissionItem::try_from(ItemLocator::drive("b!x", "01A")).is_ok());
/// let err = CreatePermissionItem::try_from(ItemLocator::me_path("Docs/a.txt")).unwrap_err();
/// assert_eq!(err.field(), "item");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CreatePermissionItem {
    /// `/me/drive/items/{item_id}`.
    Me {
        /// The item id.
        item_id: String,
    },
    /// `/drives/{drive_id}/items/{item_id}`.
    Drive {
        /// The drive id.
        drive_id: String,
        /// The item id.
        item_id: String,
    },
    /// `/groups/{group_id}/drive/items/{item_id}`.
    Group {
        /// The group id.
        group_id: String,
        /// The item id.
        item_id: String,
    },
    /// `/users/{user_id}/drive/items/{item_id}`.
    User {
        /// The user id or userPrincipalName.
        user_id: String,
        /// The item id.
        item_id: String,
    },
    /// `/sites/{site_id}/drive/items/{item_id}`.
    Site {
        /// The site id.
        site_id: String,
        /// The item id.
        item_id: String,
    },
}

impl TryFrom<ItemLocator> for CreatePermissionItem {
    type Error = ValidationError;

    fn try_from(item: ItemLocator) -> Result<Self, Self::Error> {
        Ok(match item {
            ItemLocator::Me { item_id } => Self::Me { item_id },
            ItemLocator::Drive { drive_id, item_id } => Self::Drive { drive_id, item_id },
            ItemLocator::Group { group_id, item_id } => Self::Group { group_id, item_id },
            ItemLocator::User { user_id, item_id } => Self::User { user_id, item_id },
            ItemLocator::Site { site_id, item_id } => Self::Site { site_id, item_id },
            ItemLocator::DefaultDrive { .. }
            | ItemLocator::MePath { .. }
            | ItemLocator::DrivePath { .. } => {
                return Err(ValidationError::new(
                    "item",
                    "creating a permission is documented only for /me/drive/items/{id}, \
                     /drives/{id}/items/{id}, /groups/{id}/drive/items/{id}, \
                     /sites/{id}/drive/items/{id} and /users/{id}/drive/items/{id}",
                ));
            }
        })
    }
}

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
///     .create_permission(NewPermission::application("app-1", [Role::Read]))?;
/// assert_eq!(create.path(), "/drives/b!x/items/01A/permissions");
/// # Ok::<(), graph_core::ValidationError>(())
/// ```
#[graph_endpoint(POST match item {
    CreatePermissionItem::Me => "/me/drive/items/<item_id>/permissions",
    CreatePermissionItem::Drive => "/drives/<drive_id>/items/<item_id>/permissions",
    CreatePermissionItem::Group => "/groups/<group_id>/drive/items/<item_id>/permissions",
    CreatePermissionItem::User => "/users/<user_id>/drive/items/<item_id>/permissions",
    CreatePermissionItem::Site => "/sites/<site_id>/drive/items/<item_id>/permissions",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct CreatePermission {
    /// The item to add the permission to.
    item: CreatePermissionItem,
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
    fn the_documented_forms_render_and_the_others_are_refused() {
        let body = || NewPermission::application("app", [Role::Write]);
        for (item, path) in [
            (ItemLocator::me("01A"), "/me/drive/items/01A/permissions"),
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
        ] {
            let request = Endpoint::to_request(&item.create_permission(body()).unwrap()).unwrap();
            assert_eq!(request.method(), Method::Post);
            assert_eq!(request.path_and_query(), path);
            assert_eq!(
                request.body().unwrap(),
                br#"{"grantedToV2":{"application":{"id":"app"}},"roles":["write"]}"#
            );
        }
        assert_eq!(CreatePermission::TEMPLATES.len(), 5);
        for item in [
            ItemLocator::default_drive("01A"),
            ItemLocator::me_path("a.txt"),
            ItemLocator::drive_path("b!d", "a.txt"),
        ] {
            assert_eq!(item.create_permission(body()).unwrap_err().field(), "item");
        }
    }
}
