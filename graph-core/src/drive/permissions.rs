//! The sharing lifecycle after an invitation: list, read, change and revoke
//! the permissions on a drive item, on every way of addressing it.

use crate::drive::ItemLocator;
use crate::drive::model::{DriveRecipient, Permission, PermissionUpdate};
use crate::graph_endpoint;
use crate::odata::{Collection, Select};

/// `GET …/permissions`: the permissions on an item, a page at a time.
///
/// Usually built with [`ItemLocator::list_permissions`]; follow
/// `@odata.nextLink` with [`Client::next_page`](crate::Client::next_page), or
/// read every permission across pages with
/// [`Client::items`](crate::Client::items). `$select` is documented for this
/// operation ("List sharing permissions on a driveItem", Optional query parameters).
#[graph_endpoint(GET match item {
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
    /// Which properties to return (`$select=id,roles`).
    #[query("$select")]
    select: Option<Select>,
}

/// `GET …/permissions/{permission-id}`: one permission on an item.
///
/// Usually built with [`ItemLocator::permission`]. `$select` is documented
/// for this operation ("Get sharing permission for a file or folder",
/// Optional query parameters).
#[graph_endpoint(GET match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::MeRoot => "/me/drive/root/permissions/<permission_id>",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions/<permission_id>",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions/<permission_id>",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions/<permission_id>",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions/<permission_id>",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct GetPermission {
    /// The item the permission is on.
    item: ItemLocator,
    /// The permission's id.
    permission_id: String,
    /// Which properties to return (`$select=id,roles`).
    #[query("$select")]
    select: Option<Select>,
}

/// `PATCH …/permissions/{permission-id}`: change the roles of a permission.
///
/// Usually built with [`ItemLocator::update_permission`]. With
/// [`with_if_match`](UpdatePermission::with_if_match) set, Graph changes nothing
/// and answers `412 Precondition Failed`
/// ([`Error::is_precondition_failed`](crate::Error::is_precondition_failed))
/// when "the eTag (or cTag) provided does not match the current tag on the
/// item" ("Update sharing permission", Optional request headers:
/// `if-match`): the tag is the driveItem's
/// ([`DriveItem::e_tag`](crate::drive::model::DriveItem::e_tag)), not the
/// permission's.
#[graph_endpoint(PATCH match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::MeRoot => "/me/drive/root/permissions/<permission_id>",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions/<permission_id>",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions/<permission_id>",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions/<permission_id>",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions/<permission_id>",
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
    /// Change only if the permission still has this eTag (`If-Match`).
    #[header("If-Match")]
    if_match: Option<String>,
}

/// `DELETE …/permissions/{permission-id}`: revoke a permission (`204 No Content`).
///
/// Usually built with [`ItemLocator::delete_permission`]. With
/// [`with_if_match`](DeletePermission::with_if_match) set, a stale eTag (the
/// driveItem's eTag or cTag, [`DriveItem::e_tag`](crate::drive::model::DriveItem::e_tag))
/// is answered `412 Precondition Failed` and nothing is deleted ("Delete a
/// sharing permission from a file or folder", Optional request headers).
/// Only permissions that are not inherited can be deleted (same page).
#[graph_endpoint(DELETE match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>",
    ItemLocator::MeRoot => "/me/drive/root/permissions/<permission_id>",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions/<permission_id>",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions/<permission_id>",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions/<permission_id>",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions/<permission_id>",
})]
#[derive(Debug, Clone)]
pub struct DeletePermission {
    /// The item the permission is on.
    item: ItemLocator,
    /// The permission's id.
    permission_id: String,
    /// Delete only if the permission still has this eTag (`If-Match`).
    #[header("If-Match")]
    if_match: Option<String>,
}

/// `POST …/permissions/{permission-id}/revokeGrants`: take people off a
/// sharing link scoped to specific users, keeping the link for the others
/// ("permission: revokeGrants"; Graph refuses it on other links). Answers
/// the link as it now is.
///
/// Usually built with [`ItemLocator::revoke_grants`].
///
/// ```
/// use graph_core::drive::{DriveRecipient, ItemLocator};
/// use graph_core::Endpoint;
///
/// let revoke = ItemLocator::drive("b!x", "01A").revoke_grants("p1", [DriveRecipient::email("pat@fabrikam.com")]);
/// let request = revoke.to_request()?;
/// assert_eq!(request.path_and_query(), "/drives/b!x/items/01A/permissions/p1/revokeGrants");
/// assert_eq!(request.body(), Some(&br#"{"grantees":[{"email":"pat@fabrikam.com"}]}"#[..]));
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(POST match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/<permission_id>/revokeGrants",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/<permission_id>/revokeGrants",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>/revokeGrants",
    ItemLocator::MeRoot => "/me/drive/root/permissions/<permission_id>/revokeGrants",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions/<permission_id>/revokeGrants",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions/<permission_id>/revokeGrants",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions/<permission_id>/revokeGrants",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions/<permission_id>/revokeGrants",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct RevokeGrants {
    /// The item the link is on.
    item: ItemLocator,
    /// The link's permission id.
    permission_id: String,
    /// Who to take off the link.
    #[body]
    grantees: RevokeGrantsBody,
}

/// The body of [`RevokeGrants`]: the recipients to take off the link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevokeGrantsBody {
    /// The people (driveRecipients) who lose the link.
    pub grantees: Vec<DriveRecipient>,
}

impl crate::Validate for RevokeGrantsBody {
    /// At least one recipient: `grantees` is the action's one parameter,
    /// and an empty list would take nobody off ("permission: revokeGrants",
    /// Request body).
    fn validate(&self) -> Result<(), crate::ValidationError> {
        if self.grantees.is_empty() {
            return Err(crate::ValidationError::new(
                "grantees",
                "name at least one recipient",
            ));
        }
        Ok(())
    }
}

/// `GET …/permissions/$count`: how many permissions the item has, as a number.
///
/// The list page documents only `$select`; the count comes from the CSDL:
/// `driveItem/permissions` is a collection navigation property with no
/// `Org.OData.Capabilities.V1.CountRestrictions` annotation, and OData
/// collections are countable by default. Graph answers the `$count` segment
/// with the bare number as `text/plain` ("Use query parameters", `$count`).
///
/// Usually built with [`ItemLocator::count_permissions`].
#[graph_endpoint(GET match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/permissions/$count",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/permissions/$count",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/permissions/$count",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/permissions/$count",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/permissions/$count",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/permissions/$count",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/permissions/$count",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/permissions/$count",
    ItemLocator::MeRoot => "/me/drive/root/permissions/$count",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/permissions/$count",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/permissions/$count",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/permissions/$count",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/permissions/$count",
}, response = u64)]
#[derive(Debug, Clone)]
pub struct CountPermissions {
    /// The item whose permissions to count.
    item: ItemLocator,
}

impl ListPermissions {
    /// Asks only for these properties (`$select`).
    pub fn with_select(mut self, select: impl Into<Select>) -> Self {
        self.select = Some(select.into());
        self
    }
}

impl GetPermission {
    /// Asks only for these properties (`$select`).
    pub fn with_select(mut self, select: impl Into<Select>) -> Self {
        self.select = Some(select.into());
        self
    }
}

impl UpdatePermission {
    /// Changes the permission only if the item's eTag (or cTag) is still
    /// `etag` (`If-Match`); otherwise Graph answers 412 and changes nothing.
    /// Read the tag from the driveItem (e.g. [`Share::drive_item`](crate::shares::Share::drive_item)):
    /// Graph's permission carries none. Sending `*` protects nothing.
    pub fn with_if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }
}

impl DeletePermission {
    /// Deletes the permission only if the item's eTag (or cTag) is still
    /// `etag` (`If-Match`); otherwise Graph answers 412 and deletes nothing.
    pub fn with_if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::test_forms::forms;
    use crate::drive::{DriveRecipient, Role};
    use crate::{Endpoint, Method};

    fn check<E: Endpoint>(endpoint: &E, method: Method, path: &str, template: &str) {
        let request = Endpoint::to_request(endpoint).unwrap();
        assert_eq!(request.method(), method, "{path}");
        assert_eq!(request.path_and_query(), path);
        assert_eq!(request.template(), template, "{path}");
        assert!(E::TEMPLATES.contains(&template), "{template}");
        assert_eq!(E::TEMPLATES.len(), forms().len());
    }

    #[test]
    fn every_operation_renders_every_form() {
        for (item, path, template) in forms() {
            check(
                &item.list_permissions(Some(5)),
                Method::Get,
                &format!("{path}/permissions?$top=5"),
                &format!("{template}/permissions"),
            );
            let one = format!("{path}/permissions/p%2F1");
            let one_template = format!("{template}/permissions/<permission_id>");
            check(&item.permission("p/1"), Method::Get, &one, &one_template);
            let update = item.update_permission("p/1", PermissionUpdate::new([Role::Read]));
            check(&update, Method::Patch, &one, &one_template);
            let body = Endpoint::to_request(&update).unwrap();
            assert_eq!(body.body().unwrap(), br#"{"roles":["read"]}"#);
            check(
                &item.delete_permission("p/1"),
                Method::Delete,
                &one,
                &one_template,
            );
            check(
                &item.count_permissions(),
                Method::Get,
                &format!("{path}/permissions/$count"),
                &format!("{template}/permissions/$count"),
            );
            let revoke = item.revoke_grants("p/1", [DriveRecipient::email("pat@fabrikam.com")]);
            check(
                &revoke,
                Method::Post,
                &format!("{one}/revokeGrants"),
                &format!("{one_template}/revokeGrants"),
            );
            let body = Endpoint::to_request(&revoke).unwrap();
            assert_eq!(
                body.body().unwrap(),
                br#"{"grantees":[{"email":"pat@fabrikam.com"}]}"#
            );
            check(
                &item.list_permissions(None).with_select(["id", "roles"]),
                Method::Get,
                &format!("{path}/permissions?$select=id,roles"),
                &format!("{template}/permissions"),
            );
            check(
                &item.permission("p/1").with_select(["roles"]),
                Method::Get,
                &format!("{one}?$select=roles"),
                &one_template,
            );
        }
    }

    #[test]
    fn revoking_grants_of_nobody_is_refused_before_sending() {
        let revoke = ItemLocator::me("01A").revoke_grants("p1", []);
        let error = Endpoint::to_request(&revoke).unwrap_err();
        assert!(error.to_string().contains("grantees"), "{error}");
    }

    #[test]
    fn if_match_is_sent_only_when_set() {
        let item = ItemLocator::me("01A");
        let etag = "\"{0E1E1A5B-1B4C-4F6E-8E7A-2C9D1B3F4A5B},3\"";
        let update = item.update_permission("p1", PermissionUpdate::new([Role::Read]));
        let delete = item.delete_permission("p1");
        for request in [
            Endpoint::to_request(&update).unwrap(),
            Endpoint::to_request(&delete).unwrap(),
        ] {
            assert!(
                !request
                    .headers()
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("if-match"))
            );
        }
        for request in [
            Endpoint::to_request(&update.with_if_match(etag)).unwrap(),
            Endpoint::to_request(&delete.with_if_match(etag)).unwrap(),
        ] {
            let sent: Vec<_> = request
                .headers()
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("if-match"))
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(sent, [etag]);
        }
    }

    #[test]
    fn templates_are_listed_in_the_order_of_the_arms() {
        let expected: Vec<String> = forms()
            .iter()
            .map(|(_, _, template)| format!("{template}/permissions/<permission_id>"))
            .collect();
        assert_eq!(GetPermission::TEMPLATES, expected.as_slice());
        assert_eq!(DeletePermission::TEMPLATES, expected.as_slice());
    }

    #[test]
    fn an_unsendable_address_value_is_refused_before_sending() {
        let climbing = ItemLocator::drive("..", "01A").delete_permission("p1");
        match Endpoint::to_request(&climbing) {
            Err(crate::Error::Validation(e)) => assert_eq!(e.field(), "drive_id"),
            other => panic!("{other:?}"),
        }
        let empty = ItemLocator::me("01A").permission("");
        match Endpoint::to_request(&empty) {
            Err(crate::Error::Validation(e)) => assert_eq!(e.field(), "permission_id"),
            other => panic!("{other:?}"),
        }
    }
}
