//! One value for "an item somewhere", reaching the endpoint declared for its address form.

use std::fmt;

use super::invite::*;
use super::model::{InviteBody, InviteResponse, Permission, PermissionUpdate};
use super::permissions::*;
use crate::odata::Collection;
use crate::{Error, Request, ToRequest};

/// Where a drive item lives, in any of the forms Graph accepts.
///
/// Each operation returns a [`Located`] request built from the endpoint
/// declared for that form, so a caller holding "an item somewhere" never
/// picks among struct names.
///
/// ```
/// use graph_core::drive::ItemLocator;
/// use graph_core::drive::model::{DriveRecipient, InviteBody, Role};
/// use graph_core::ToRequest;
///
/// let body = InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_roles([Role::Read]);
/// for (item, path) in [
///     (ItemLocator::me("01A"), "/me/drive/items/01A/invite"),
///     (ItemLocator::group("g1", "01A"), "/groups/g1/drive/items/01A/invite"),
///     (ItemLocator::drive_path("b!x", "Docs/Q3 plan.docx"), "/drives/b!x/root:/Docs/Q3%20plan.docx:/invite"),
/// ] {
///     assert_eq!(item.invite(body.clone()).to_request()?.path_and_query(), path);
/// }
/// # Ok::<(), graph_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemLocator {
    /// `/me/drive/items/{item_id}`.
    Me {
        /// The item id.
        item_id: String,
    },
    /// `/drive/items/{item_id}`.
    DefaultDrive {
        /// The item id.
        item_id: String,
    },
    /// `/drives/{drive_id}/items/{item_id}`.
    Drive {
        /// The drive id (`b!…` for business drives).
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
    /// `/me/drive/root:/{path}:`.
    MePath {
        /// The path from the drive root, `/`-separated, without a leading `/`.
        path: String,
    },
    /// `/drives/{drive_id}/root:/{path}:`.
    DrivePath {
        /// The drive id.
        drive_id: String,
        /// The path from the drive root, `/`-separated, without a leading `/`.
        path: String,
    },
}

impl ItemLocator {
    /// An item in the signed-in user's drive.
    pub fn me(item_id: impl Into<String>) -> Self {
        Self::Me {
            item_id: item_id.into(),
        }
    }

    /// An item in the default drive (`/drive`).
    pub fn default_drive(item_id: impl Into<String>) -> Self {
        Self::DefaultDrive {
            item_id: item_id.into(),
        }
    }

    /// An item in a drive known by id.
    pub fn drive(drive_id: impl Into<String>, item_id: impl Into<String>) -> Self {
        Self::Drive {
            drive_id: drive_id.into(),
            item_id: item_id.into(),
        }
    }

    /// An item in a group's drive.
    pub fn group(group_id: impl Into<String>, item_id: impl Into<String>) -> Self {
        Self::Group {
            group_id: group_id.into(),
            item_id: item_id.into(),
        }
    }

    /// An item in a user's drive.
    pub fn user(user_id: impl Into<String>, item_id: impl Into<String>) -> Self {
        Self::User {
            user_id: user_id.into(),
            item_id: item_id.into(),
        }
    }

    /// An item in a site's default drive.
    pub fn site(site_id: impl Into<String>, item_id: impl Into<String>) -> Self {
        Self::Site {
            site_id: site_id.into(),
            item_id: item_id.into(),
        }
    }

    /// An item in the signed-in user's drive, by path (`Documents/Q3.xlsx`).
    pub fn me_path(path: impl Into<String>) -> Self {
        Self::MePath { path: path.into() }
    }

    /// An item in a drive known by id, by path.
    pub fn drive_path(drive_id: impl Into<String>, path: impl Into<String>) -> Self {
        Self::DrivePath {
            drive_id: drive_id.into(),
            path: path.into(),
        }
    }

    /// `POST …/invite`: share the item with the recipients in `body`.
    pub fn invite(&self, body: InviteBody) -> Located<InviteResponse> {
        per_form!(
            self,
            |b| b.invite(body).build(),
            MeItemInvite,
            DefaultDriveItemInvite,
            DriveItemInvite,
            GroupItemInvite,
            UserItemInvite,
            SiteItemInvite,
            MePathItemInvite,
            DrivePathItemInvite
        )
    }

    /// `GET …/permissions`: the first page of the item's permissions, `top` per page.
    pub fn list_permissions(&self, top: Option<u32>) -> Located<Collection<Permission>> {
        per_form!(
            self,
            |b| match top {
                Some(top) => b.top(top).build(),
                None => b.build(),
            },
            MeListItemPermissions,
            DefaultDriveListItemPermissions,
            DriveListItemPermissions,
            GroupListItemPermissions,
            UserListItemPermissions,
            SiteListItemPermissions,
            MePathListItemPermissions,
            DrivePathListItemPermissions
        )
    }

    /// `GET …/permissions/{id}`: one permission.
    pub fn get_permission(&self, permission_id: impl Into<String>) -> Located<Permission> {
        let permission_id = permission_id.into();
        per_form!(
            self,
            |b| b.permission_id(permission_id).build(),
            MeGetItemPermission,
            DefaultDriveGetItemPermission,
            DriveGetItemPermission,
            GroupGetItemPermission,
            UserGetItemPermission,
            SiteGetItemPermission,
            MePathGetItemPermission,
            DrivePathGetItemPermission
        )
    }

    /// `PATCH …/permissions/{id}`: change a permission's roles.
    pub fn update_permission(
        &self,
        permission_id: impl Into<String>,
        update: PermissionUpdate,
    ) -> Located<Permission> {
        let permission_id = permission_id.into();
        per_form!(
            self,
            |b| b.permission_id(permission_id).update(update).build(),
            MeUpdateItemPermission,
            DefaultDriveUpdateItemPermission,
            DriveUpdateItemPermission,
            GroupUpdateItemPermission,
            UserUpdateItemPermission,
            SiteUpdateItemPermission,
            MePathUpdateItemPermission,
            DrivePathUpdateItemPermission
        )
    }

    /// `DELETE …/permissions/{id}`: revoke a permission.
    pub fn delete_permission(&self, permission_id: impl Into<String>) -> Located<()> {
        let permission_id = permission_id.into();
        per_form!(
            self,
            |b| b.permission_id(permission_id).build(),
            MeDeleteItemPermission,
            DefaultDriveDeleteItemPermission,
            DriveDeleteItemPermission,
            GroupDeleteItemPermission,
            UserDeleteItemPermission,
            SiteDeleteItemPermission,
            MePathDeleteItemPermission,
            DrivePathDeleteItemPermission
        )
    }
}

/// Starts the builder of the struct declared for the locator's form, fills the
/// address fields, then lets `$finish` set the operation's own fields.
macro_rules! per_form {
    ($locator:expr, |$b:ident| $finish:expr,
     $me:ident, $default:ident, $drive:ident, $group:ident,
     $user:ident, $site:ident, $me_path:ident, $drive_path:ident) => {
        match $locator {
            ItemLocator::Me { item_id } => {
                let $b = $me::builder().item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::DefaultDrive { item_id } => {
                let $b = $default::builder().item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::Drive { drive_id, item_id } => {
                let $b = $drive::builder()
                    .drive_id(drive_id.clone())
                    .item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::Group { group_id, item_id } => {
                let $b = $group::builder()
                    .group_id(group_id.clone())
                    .item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::User { user_id, item_id } => {
                let $b = $user::builder()
                    .user_id(user_id.clone())
                    .item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::Site { site_id, item_id } => {
                let $b = $site::builder()
                    .site_id(site_id.clone())
                    .item_id(item_id.clone());
                Located::new($finish)
            }
            ItemLocator::MePath { path } => {
                let $b = $me_path::builder().item_path(path.clone());
                Located::new($finish)
            }
            ItemLocator::DrivePath { drive_id, path } => {
                let $b = $drive_path::builder()
                    .drive_id(drive_id.clone())
                    .item_path(path.clone());
                Located::new($finish)
            }
        }
    };
}
use per_form;

/// A declared endpoint chosen at run time, sendable with [`Client::send`](crate::Client::send).
pub struct Located<R> {
    endpoint: Box<dyn LocatedEndpoint<Response = R>>,
}

/// What [`Located`] keeps of an endpoint.
trait LocatedEndpoint: ToRequest + fmt::Debug + Send + Sync {}

impl<E: ToRequest + fmt::Debug + Send + Sync> LocatedEndpoint for E {}

impl<R> Located<R> {
    fn new<E>(endpoint: E) -> Self
    where
        E: ToRequest<Response = R> + fmt::Debug + Send + Sync + 'static,
    {
        Self {
            endpoint: Box::new(endpoint),
        }
    }
}

impl<R: serde::de::DeserializeOwned> ToRequest for Located<R> {
    type Response = R;

    fn to_request(&self) -> Result<Request, Error> {
        self.endpoint.to_request()
    }
}

impl<R> fmt::Debug for Located<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.endpoint.fmt(f)
    }
}
