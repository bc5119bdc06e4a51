//! One value for "an item somewhere": the address forms of a drive item.

use super::model::{DriveRecipient, InviteBody, NewPermission, PermissionUpdate};
use super::{
    CountPermissions, CreatePermission, DeletePermission, GetPermission, Invite, ListChildren,
    ListPermissions, RevokeGrants, RevokeGrantsBody, UpdatePermission,
};

/// Where a drive item lives, in any of the forms Graph accepts.
///
/// Each drive-item endpoint (such as [`Invite`]) holds one and declares a
/// template per variant, so the value chooses the path; the methods here
/// build those endpoints.
///
/// Every variant is matched by every endpoint declared on it, so the enum is
/// deliberately exhaustive: a new address form is a compile error in each
/// declaration until it is given its template.
///
/// ```
/// use graph_core::drive::ItemLocator;
/// use graph_core::Endpoint;
///
/// let item: ItemLocator = "/drives/b!x/root:/Docs/Q3 plan.docx:".parse()?;
/// assert_eq!(item, ItemLocator::drive_path("b!x", "Docs/Q3 plan.docx"));
/// let get = item.permission("perm-1");
/// assert_eq!(get.template(), "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>");
/// assert_eq!(get.path(), "/drives/b!x/root:/Docs/Q3%20plan.docx:/permissions/perm-1");
/// # Ok::<(), graph_core::drive::ParseLocatorError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// `/me/drive/root:/{item_path}:`.
    MePath {
        /// The path from the drive root, `/`-separated, without a leading `/`.
        item_path: String,
    },
    /// `/drives/{drive_id}/root:/{item_path}:`.
    DrivePath {
        /// The drive id.
        drive_id: String,
        /// The path from the drive root, `/`-separated, without a leading `/`.
        item_path: String,
    },
    /// `/me/drive/root`: the root folder of the signed-in user's drive
    /// (the drive resource's `root` relationship, "drive resource type").
    /// Braced, like every other form, so that declarations match it as they
    /// match the others (`ItemLocator::MeRoot { .. }`).
    MeRoot {},
    /// `/drives/{drive_id}/root`.
    DriveRoot {
        /// The drive id.
        drive_id: String,
    },
    /// `/groups/{group_id}/drive/root`.
    GroupRoot {
        /// The group id.
        group_id: String,
    },
    /// `/users/{user_id}/drive/root`.
    UserRoot {
        /// The user id or userPrincipalName.
        user_id: String,
    },
    /// `/sites/{site_id}/drive/root`.
    SiteRoot {
        /// The site id.
        site_id: String,
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
        Self::MePath {
            item_path: path.into(),
        }
    }

    /// An item in a drive known by id, by path.
    pub fn drive_path(drive_id: impl Into<String>, path: impl Into<String>) -> Self {
        Self::DrivePath {
            drive_id: drive_id.into(),
            item_path: path.into(),
        }
    }

    /// The root folder of the signed-in user's drive.
    pub fn me_root() -> Self {
        Self::MeRoot {}
    }

    /// The root folder of a drive known by id.
    pub fn drive_root(drive_id: impl Into<String>) -> Self {
        Self::DriveRoot {
            drive_id: drive_id.into(),
        }
    }

    /// The root folder of a group's drive.
    pub fn group_root(group_id: impl Into<String>) -> Self {
        Self::GroupRoot {
            group_id: group_id.into(),
        }
    }

    /// The root folder of a user's drive.
    pub fn user_root(user_id: impl Into<String>) -> Self {
        Self::UserRoot {
            user_id: user_id.into(),
        }
    }

    /// The root folder of a site's default drive.
    pub fn site_root(site_id: impl Into<String>) -> Self {
        Self::SiteRoot {
            site_id: site_id.into(),
        }
    }

    /// `GET …/children`: the first page of a folder's children, `top` per page.
    pub fn list_children(&self, top: Option<u32>) -> ListChildren {
        let list = ListChildren::builder().item(self.clone());
        match top {
            Some(top) => list.top(top).build(),
            None => list.build(),
        }
    }

    /// `POST …/invite`: share the item with the recipients in `body`.
    pub fn invite(&self, body: InviteBody) -> Invite {
        Invite::builder().item(self.clone()).invite(body).build()
    }

    /// `GET …/permissions`: the first page of the item's permissions, `top` per page.
    pub fn list_permissions(&self, top: Option<u32>) -> ListPermissions {
        let list = ListPermissions::builder().item(self.clone());
        match top {
            Some(top) => list.top(top).build(),
            None => list.build(),
        }
    }

    /// `GET …/permissions/$count`: how many permissions the item has.
    pub fn count_permissions(&self) -> CountPermissions {
        CountPermissions::builder().item(self.clone()).build()
    }

    /// `POST …/permissions`: create a permission (an application's, or a
    /// SharePoint group's), on any address form.
    pub fn create_permission(&self, permission: NewPermission) -> CreatePermission {
        CreatePermission::builder()
            .item(self.clone())
            .permission(permission)
            .build()
    }

    /// `GET …/permissions/{id}`: one permission.
    pub fn permission(&self, permission_id: impl Into<String>) -> GetPermission {
        GetPermission::builder()
            .item(self.clone())
            .permission_id(permission_id)
            .build()
    }

    /// `PATCH …/permissions/{id}`: change a permission's roles.
    pub fn update_permission(
        &self,
        permission_id: impl Into<String>,
        update: PermissionUpdate,
    ) -> UpdatePermission {
        UpdatePermission::builder()
            .item(self.clone())
            .permission_id(permission_id)
            .update(update)
            .build()
    }

    /// `DELETE …/permissions/{id}`: revoke a permission.
    pub fn delete_permission(&self, permission_id: impl Into<String>) -> DeletePermission {
        DeletePermission::builder()
            .item(self.clone())
            .permission_id(permission_id)
            .build()
    }

    /// `POST …/permissions/{id}/revokeGrants`: take `grantees` off a
    /// sharing link scoped to specific users.
    pub fn revoke_grants(
        &self,
        permission_id: impl Into<String>,
        grantees: impl IntoIterator<Item = DriveRecipient>,
    ) -> RevokeGrants {
        RevokeGrants::builder()
            .item(self.clone())
            .permission_id(permission_id)
            .grantees(RevokeGrantsBody {
                grantees: grantees.into_iter().collect(),
            })
            .build()
    }
}
