//! The body of `POST /shares/{id}/permission/grant`.

use serde::{Deserialize, Serialize};

use crate::drive::model::{DriveRecipient, Role};
use crate::odata::null_as_default;

/// Who to give access through a sharing link, and with which roles.
///
/// Source: the `grant` action bound to `graph.permission` in the v1.0 CSDL
/// (parameters `roles` and `recipients`, neither `Nullable="false"`) and the
/// docs page "permission: grant". Per the docs, `roles` must match the
/// link's role unless the link is an `existingAccess` link; Graph judges
/// that, so nothing is checked before sending.
///
/// ```
/// use graph_core::drive::model::{DriveRecipient, Role};
/// use graph_core::shares::GrantBody;
///
/// let body = GrantBody::new([DriveRecipient::email("john@contoso.com")]).with_roles([Role::Read]);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"recipients":[{"email":"john@contoso.com"}],"roles":["read"]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GrantBody {
    /// Who receives access.
    #[serde(default, deserialize_with = "null_as_default")]
    pub recipients: Vec<DriveRecipient>,
    /// The roles to grant; left out of the JSON when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
}

impl GrantBody {
    /// A grant to `recipients`, roles unset.
    pub fn new(recipients: impl IntoIterator<Item = DriveRecipient>) -> Self {
        Self {
            recipients: recipients.into_iter().collect(),
            roles: Vec::new(),
        }
    }

    /// Sets the roles to grant.
    pub fn with_roles(mut self, roles: impl IntoIterator<Item = Role>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }
}
