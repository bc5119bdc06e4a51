//! The request body of `POST …/items/{item-id}/permissions`.

use serde::{Deserialize, Serialize};

use super::serde_helpers::null_as_default;
use super::{Identity, Role, SharePointIdentitySet};

/// The body of "Create permission on a driveItem": who (`grantedToV2`) gets
/// which `roles`.
///
/// Microsoft's page: "This API only accepts **grantedToV2** as input for the
/// **permission** object", and in OneDrive for work or school and SharePoint
/// Online only for an application (people are shared with through invite);
/// in SharePoint Embedded for a SharePoint group. The client does not
/// enforce who may be named: that depends on the drive, and Graph answers it.
///
/// ```
/// use graph_core::drive::model::{NewPermission, Role};
///
/// let body = NewPermission::application("89ea5c94-7736-4e25-95ad-3fa95f62b66e", [Role::Write]);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"grantedToV2":{"application":{"id":"89ea5c94-7736-4e25-95ad-3fa95f62b66e"}},"roles":["write"]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewPermission {
    /// Who is granted the permission.
    #[serde(rename = "grantedToV2")]
    pub granted_to_v2: SharePointIdentitySet,
    /// The roles granted.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
}

impl NewPermission {
    /// A permission for whoever `granted_to_v2` names.
    pub fn new(
        granted_to_v2: SharePointIdentitySet,
        roles: impl IntoIterator<Item = Role>,
    ) -> Self {
        Self {
            granted_to_v2,
            roles: roles.into_iter().collect(),
        }
    }

    /// A permission for the application with id `app_id` (the documented
    /// case for OneDrive for work or school and SharePoint Online).
    pub fn application(app_id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        let granted = SharePointIdentitySet {
            application: Some(Identity {
                id: Some(app_id.into()),
                ..Identity::default()
            }),
            ..SharePointIdentitySet::default()
        };
        Self::new(granted, roles)
    }
}
