//! Identities of the actors a permission names.
//!
//! All of these are read-only response types: every property is optional and
//! properties they do not model (such as `@odata.type` or `thumbnails`) are
//! kept in each type's `additional` map, so a read and a write lose nothing.
//! Graph's CSDL declares `identity`, `identitySet`, `sharePointIdentity`,
//! `sharePointIdentitySet` and `sharePointGroupIdentity` as open types
//! (`OpenType="true"`): properties beyond the declared ones are expected.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An actor: a user, device, application or group (Graph's `identity`).
///
/// Graph may omit `id` when it is not available and return only `displayName`.
/// `email` is not part of the documented schema, but Graph returns it on users
/// in permission responses (for example after `permission: grant`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Unique identifier of the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name; may be missing or out of date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email address, when Graph includes it (undocumented but returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// A keyed set of identities (Graph's `identitySet`), e.g. the deprecated
/// `grantedTo` of a permission.
///
/// ```
/// use graph_core::drive::model::IdentitySet;
///
/// let set: IdentitySet = serde_json::from_str(
///     r#"{"user": {"id": "42F1", "displayName": "Robin Danielsen"}}"#,
/// )
/// .unwrap();
/// assert_eq!(set.user.unwrap().display_name.as_deref(), Some("Robin Danielsen"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySet {
    /// The application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    /// The device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Identity>,
    /// The user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Identity>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// A SharePoint identity (Graph's `sharePointIdentity`): an [`Identity`] plus
/// SharePoint's sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharePointIdentity {
    /// Identifier: a Microsoft Entra ID or a SharePoint ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name; may be missing or out of date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The SharePoint sign-in name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_name: Option<String>,
    /// Email address, when Graph includes it (undocumented but returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// A SharePoint group identified by a globally unique id (Graph's
/// `sharePointGroupIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharePointGroupIdentity {
    /// Unique identifier of the SharePoint group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The group's principal id in the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// Title of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// The identities behind a permission, with SharePoint details (Graph's
/// `sharePointIdentitySet`), e.g. `grantedToV2`.
///
/// ```
/// use graph_core::drive::model::SharePointIdentitySet;
///
/// let set: SharePointIdentitySet = serde_json::from_str(
///     r#"{"siteUser": {"id": "1", "loginName": "Robin Danielsen"}}"#,
/// )
/// .unwrap();
/// assert_eq!(set.site_user.unwrap().login_name.as_deref(), Some("Robin Danielsen"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharePointIdentitySet {
    /// The application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    /// The device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Identity>,
    /// The user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Identity>,
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Identity>,
    /// The SharePoint user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_user: Option<SharePointIdentity>,
    /// The SharePoint group, by an id unique only within the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_group: Option<SharePointIdentity>,
    /// The SharePoint group, by a globally unique id (`sharePointGroup`);
    /// prefer it over `site_group` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_point_group: Option<SharePointGroupIdentity>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sharepoint_identity_set_reads_every_member() {
        let set: SharePointIdentitySet = serde_json::from_value(json!({
            "@odata.type": "#microsoft.graph.sharePointIdentitySet",
            "application": {"id": "app", "displayName": "Contoso App"},
            "device": {"id": "dev"},
            "user": {"id": "u1", "displayName": "Robin", "email": "robin@contoso.com",
                     "thumbnails": []},
            "group": {"id": "g1", "displayName": "Design"},
            "siteUser": {"id": "7", "displayName": "Robin", "loginName": "i:0#.f|membership|robin@contoso.com",
                         "email": "robin@contoso.com"},
            "siteGroup": {"id": "3", "displayName": "Design Members", "loginName": "Design Members"},
            "sharePointGroup": {"@odata.type": "#microsoft.graph.sharePointGroupIdentity",
                                "id": "c7d1", "displayName": "Design Members",
                                "principalId": "3", "title": "Design Members"}
        }))
        .unwrap();
        assert_eq!(
            set.application.unwrap().display_name.as_deref(),
            Some("Contoso App")
        );
        assert_eq!(set.device.unwrap().id.as_deref(), Some("dev"));
        let user = set.user.unwrap();
        assert_eq!(user.email.as_deref(), Some("robin@contoso.com"));
        assert_eq!(set.group.unwrap().id.as_deref(), Some("g1"));
        let site_user = set.site_user.unwrap();
        assert_eq!(site_user.id.as_deref(), Some("7"));
        assert_eq!(
            site_user.login_name.as_deref(),
            Some("i:0#.f|membership|robin@contoso.com")
        );
        assert_eq!(site_user.email.as_deref(), Some("robin@contoso.com"));
        assert_eq!(
            set.site_group.unwrap().display_name.as_deref(),
            Some("Design Members")
        );
        let group = set.share_point_group.unwrap();
        assert_eq!(group.id.as_deref(), Some("c7d1"));
        assert_eq!(group.principal_id.as_deref(), Some("3"));
        assert_eq!(group.title.as_deref(), Some("Design Members"));
    }

    #[test]
    fn empty_objects_and_round_trip() {
        assert_eq!(
            serde_json::from_value::<IdentitySet>(json!({})).unwrap(),
            IdentitySet::default()
        );
        let set = SharePointIdentitySet {
            share_point_group: Some(SharePointGroupIdentity {
                id: Some("c7d1".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let wire = serde_json::to_value(&set).unwrap();
        assert_eq!(wire, json!({"sharePointGroup": {"id": "c7d1"}}));
        assert_eq!(
            serde_json::from_value::<SharePointIdentitySet>(wire).unwrap(),
            set
        );
    }
}
