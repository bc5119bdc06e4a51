//! The `permission` resource and its facets.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::serde_helpers::{null_as_default, opt_timestamp, opt_timestamp_lossless};
use super::shown::{MapShape, TokenShape, UrlShape, opt};
use super::wire::{Fields, WireForms};
use super::{Identity, IdentitySet, Role, SharePointIdentitySet};
use crate::ODataError;
use crate::ValidationError;

/// A sharing permission on a drive item (Graph's `permission`), as returned by
/// invite, list, get and update.
///
/// Its kind shows through its facets: a [`link`](Self::link) for sharing links,
/// an [`invitation`](Self::invitation) for people invited directly. Every
/// property is optional. Properties this type does not model, including
/// annotations such as `@odata.type` or `@deprecated.GrantedTo`, are kept in
/// [`additional`](Self::additional).
///
/// ```
/// use graph_core::drive::model::{Permission, Role};
///
/// let permission: Permission = serde_json::from_str(r##"{
///     "id": "1",
///     "roles": ["write"],
///     "invitation": { "email": "jd@gmail.com", "signInRequired": true },
///     "expirationDateTime": "0001-01-01T00:00:00Z",
///     "@odata.type": "#microsoft.graph.permission"
/// }"##).unwrap();
/// assert_eq!(permission.roles, vec![Role::Write]);
/// assert_eq!(permission.expiration_date_time, None); // DateTime.MinValue: no expiry
/// assert_eq!(permission.additional["@odata.type"], "#microsoft.graph.permission");
/// ```
///
/// `Debug` never shows the secrets a permission carries: `shareId` shows as
/// its length, the link's `webUrl` as its host and length, and credential
/// URLs in `additional` are replaced.
///
/// A permission read from Graph and written back is the same JSON: members
/// sent as `null` or `[]`, `expirationDateTime` as sent (also
/// `0001-01-01T00:00:00Z`, read as `None`), and `error` as sent are written
/// again as they were, as long as the typed field was not changed.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", remote = "Self")]
pub struct Permission {
    /// Identifier of the permission among all permissions on the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Roles this permission grants.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
    /// The sharing link, for link-type permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<SharingLink>,
    /// Who was granted a user-type permission. Deprecated by Graph in favour of
    /// [`granted_to_v2`](Self::granted_to_v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_to: Option<IdentitySet>,
    /// Who was granted a user-type permission, with SharePoint details.
    #[serde(
        default,
        rename = "grantedToV2",
        skip_serializing_if = "Option::is_none"
    )]
    pub granted_to_v2: Option<SharePointIdentitySet>,
    /// Who was granted a link-type permission. Deprecated by Graph in favour of
    /// [`granted_to_identities_v2`](Self::granted_to_identities_v2).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub granted_to_identities: Vec<IdentitySet>,
    /// Who was granted a link-type permission, with SharePoint details.
    #[serde(
        default,
        rename = "grantedToIdentitiesV2",
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub granted_to_identities_v2: Vec<SharePointIdentitySet>,
    /// The sharing invitation behind this permission, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<SharingInvitation>,
    /// The ancestor this permission is inherited from, if inherited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<ItemReference>,
    /// Token for reaching the item through the shares API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    /// When the permission expires; `None` when Graph sends none, `null`, or
    /// `0001-01-01T00:00:00Z` (`DateTime.MinValue`, its "no expiration").
    /// Serializing writes back the text Graph sent while the value is
    /// unchanged (see [`wire_forms`](Self::wire_forms)); a value set in code
    /// is written as the same instant, in `yyyy-MM-ddTHH:mm:ss.fffZ` when
    /// that loses nothing, RFC 3339 otherwise (e.g. in its own offset when
    /// its UTC would be in year 10000).
    #[serde(
        default,
        with = "opt_timestamp_lossless",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date_time: Option<OffsetDateTime>,
    /// Whether a password is set (OneDrive personal only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_password: Option<bool>,
    /// Why the invitation could not be sent to this recipient; present only on
    /// entries of a `207 Multi-Status` invite response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ODataError>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
    /// The properties as read, where the typed fields would write them
    /// differently (see [`WireForms`]); `Default` for a permission built in code.
    #[serde(skip)]
    pub wire_forms: WireForms,
}

impl Fields for Permission {
    fn read(value: Value) -> Result<Self, serde_json::Error> {
        Permission::deserialize(value)
    }

    fn write(&self) -> Result<Value, serde_json::Error> {
        Permission::serialize(self, serde_json::value::Serializer)
    }
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire_forms
            .write(self)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = Map::<String, Value>::deserialize(deserializer)?;
        let mut typed = <Permission as Fields>::read(Value::Object(read.clone()))
            .map_err(serde::de::Error::custom)?;
        typed.wire_forms = WireForms::of(&read, &typed);
        Ok(typed)
    }
}

impl Permission {
    /// Whether the permission carries the given role.
    pub fn has_role(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }

    /// Whether the permission is inherited from an ancestor item.
    pub fn is_inherited(&self) -> bool {
        self.inherited_from.is_some()
    }

    /// The permission's own `@odata.etag` control information (kept in
    /// [`additional`](Self::additional)), when the answer carried one.
    ///
    /// Graph's CSDL gives `permission` no eTag and none of Microsoft's
    /// permission examples carries one: the `If-Match` of
    /// [`UpdatePermission::with_if_match`](crate::drive::UpdatePermission::with_if_match)
    /// and [`DeletePermission::with_if_match`](crate::drive::DeletePermission::with_if_match)
    /// is compared with "the current tag on the item", the driveItem's
    /// [`e_tag`](crate::drive::model::DriveItem::e_tag). Expect `None` from
    /// Graph; the emulator serves one and also accepts it.
    ///
    /// ```
    /// use graph_core::drive::Permission;
    ///
    /// let p: Permission = serde_json::from_str(r#"{"id":"1","@odata.etag":"\"1,2\""}"#).unwrap();
    /// assert_eq!(p.etag(), Some("\"1,2\""));
    /// ```
    pub fn etag(&self) -> Option<&str> {
        self.additional.get("@odata.etag").and_then(Value::as_str)
    }
}

/// The link facet of a link-type permission (Graph's `sharingLink`).
///
/// `type` and `scope` are kept as strings: documented values are `view`, `edit`,
/// `embed` and `anonymous`, `organization`, `existingAccess`, `users`, and
/// Graph adds more over time.
///
/// `Debug` shows `webUrl` as its host and length and `webHtml` as its
/// length: the link is all it takes to open the item.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharingLink {
    /// Kind of link (`view`, `edit`, `embed`, …); wire name `type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// Who can use the link (`anonymous`, `organization`, `users`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// URL that opens the item in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// For `embed` links, HTML of an `<iframe>` embedding the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_html: Option<String>,
    /// If true, the link only allows viewing in the browser, not downloading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevents_download: Option<bool>,
    /// The application the link is associated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<Identity>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// The invitation facet of a permission (Graph's `sharingInvitation`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharingInvitation {
    /// The email address the invitation was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Who sent the invitation, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_by: Option<IdentitySet>,
    /// Who redeemed the invitation (a string in Graph's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_by: Option<String>,
    /// Whether the recipient must sign in to reach the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_required: Option<bool>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// A reference to a drive item (Graph's `itemReference`), e.g. the ancestor a
/// permission is inherited from. `Debug` shows `shareId` as its length.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemReference {
    /// Identifier of the drive holding the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_id: Option<String>,
    /// Kind of drive: `personal`, `business` or `documentLibrary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_type: Option<String>,
    /// Identifier of the item in its drive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name of the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Percent-encoded API path of the item, e.g. `/drive/root:/Documents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Identifier for reaching the item through the shares API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_id: Option<String>,
    /// SharePoint REST identifiers (`sharepointIds`), kept as raw JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharepoint_ids: Option<Value>,
    /// Identifier of the site holding the item (OneDrive for Business and SharePoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    /// Every property not modelled above, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permission")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .field("link", &self.link)
            .field("granted_to", &self.granted_to)
            .field("granted_to_v2", &self.granted_to_v2)
            .field("granted_to_identities", &self.granted_to_identities)
            .field("granted_to_identities_v2", &self.granted_to_identities_v2)
            .field("invitation", &self.invitation)
            .field("inherited_from", &self.inherited_from)
            .field("share_id", &opt(&self.share_id, TokenShape))
            .field("expiration_date_time", &self.expiration_date_time)
            .field("has_password", &self.has_password)
            .field("error", &self.error)
            .field("additional", &MapShape(&self.additional))
            .finish()
    }
}

impl fmt::Debug for SharingLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharingLink")
            .field("link_type", &self.link_type)
            .field("scope", &self.scope)
            .field("web_url", &opt(&self.web_url, UrlShape))
            .field("web_html", &opt(&self.web_html, TokenShape))
            .field("prevents_download", &self.prevents_download)
            .field("application", &self.application)
            .field("additional", &MapShape(&self.additional))
            .finish()
    }
}

impl fmt::Debug for ItemReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemReference")
            .field("drive_id", &self.drive_id)
            .field("drive_type", &self.drive_type)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("path", &self.path)
            .field("share_id", &opt(&self.share_id, TokenShape))
            .field("sharepoint_ids", &self.sharepoint_ids)
            .field("site_id", &self.site_id)
            .field("additional", &MapShape(&self.additional))
            .finish()
    }
}

/// The body of `PATCH …/items/{item-id}/permissions/{perm-id}`: the new
/// roles, and for an anonymous link its new expiry.
///
/// "Update sharing permission" lists the properties a PATCH may change:
/// `roles`, and `expirationDateTime` ("Supported only for anonymous sharing
/// links"). An update with only an expiry sends no `roles`.
///
/// ```
/// use graph_core::drive::model::{PermissionUpdate, Role};
/// use time::macros::datetime;
///
/// let update = PermissionUpdate::new([Role::Read]);
/// assert_eq!(serde_json::to_string(&update).unwrap(), r#"{"roles":["read"]}"#);
///
/// let later = PermissionUpdate::expiring_at(datetime!(2030-01-02 03:04:05 UTC));
/// assert_eq!(
///     serde_json::to_string(&later).unwrap(),
///     r#"{"expirationDateTime":"2030-01-02T03:04:05.000Z"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionUpdate {
    /// The roles the permission should have from now on. Left out of the
    /// body when empty and an expiry is given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: Vec<Role>,
    /// The new expiry of an anonymous sharing link, written as
    /// `yyyy-MM-ddTHH:mm:ss.fffZ` (a value outside years 0001–9999 in UTC is
    /// a serialization error, as for [`CreateLinkBody`](super::CreateLinkBody)).
    #[serde(default, with = "opt_timestamp")]
    pub expiration_date_time: Option<OffsetDateTime>,
}

impl Serialize for PermissionUpdate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;

        /// The expiry in Graph's request format.
        struct Expiry<'a>(&'a Option<OffsetDateTime>);
        impl Serialize for Expiry<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                opt_timestamp::serialize(self.0, serializer)
            }
        }

        let roles = !self.roles.is_empty() || self.expiration_date_time.is_none();
        let mut map = serializer.serialize_map(None)?;
        if roles {
            map.serialize_entry("roles", &self.roles)?;
        }
        if self.expiration_date_time.is_some() {
            map.serialize_entry("expirationDateTime", &Expiry(&self.expiration_date_time))?;
        }
        map.end()
    }
}

impl PermissionUpdate {
    /// An update setting the permission's roles to `roles`.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            roles: roles.into_iter().collect(),
            expiration_date_time: None,
        }
    }

    /// An update changing only the expiry of an anonymous sharing link.
    pub fn expiring_at(expires: OffsetDateTime) -> Self {
        Self::default().with_expiration_date_time(expires)
    }

    /// Sets the link's new expiry (`expirationDateTime`; anonymous links only).
    pub fn with_expiration_date_time(mut self, expires: OffsetDateTime) -> Self {
        self.expiration_date_time = Some(expires);
        self
    }

    /// An opt-in check that at least one role is given (field `roles`),
    /// unless the update changes only the expiry.
    ///
    /// Microsoft's "Update sharing permission" page documents `roles` as "an
    /// array of permission types" without a minimum, so nothing runs this
    /// before sending: an empty list goes to Graph, which decides.
    pub fn lint(&self) -> Result<(), ValidationError> {
        if self.roles.is_empty() && self.expiration_date_time.is_none() {
            return Err(ValidationError::new(
                "roles",
                "no role given: the permission would grant nothing",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    /// What Graph sent is written back as sent: MinValue expiries, `null`
    /// and `[]` members, timestamps without milliseconds, and an error's
    /// `innerError`, non-object details and `{lang, value}` messages.
    #[test]
    fn a_read_and_a_write_lose_nothing() {
        let cases = [
            json!({"id": "1", "roles": ["read"], "expirationDateTime": "0001-01-01T00:00:00Z"}),
            json!({"id": "2", "roles": [], "shareId": null, "link": null, "grantedToIdentitiesV2": []}),
            json!({"id": "3", "expirationDateTime": "2018-07-15T14:00:00Z"}),
            json!({"id": "4", "expirationDateTime": null, "hasPassword": null}),
            json!({"id": "5", "error": {
                "code": "notAllowed",
                "message": {"lang": "en-US", "value": "Sharing is off."},
                "details": ["a string", 7],
                "innerError": {"code": "accountVerificationRequired", "date": "2018-07-15T14:00:00"}
            }}),
        ];
        for wire in cases {
            let permission: Permission = serde_json::from_value(wire.clone()).unwrap();
            assert_eq!(serde_json::to_value(&permission).unwrap(), wire);
            // Through text too, and a second time.
            let text = serde_json::to_string(&permission).unwrap();
            let again: Permission = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_value(&again).unwrap(), wire);
        }
        // The typed reading is unchanged by the kept forms.
        let min: Permission =
            serde_json::from_value(json!({"expirationDateTime": "0001-01-01T00:00:00Z"})).unwrap();
        assert_eq!(min.expiration_date_time, None);
        assert_eq!(min, Permission::default());
    }

    /// A field changed after reading is written from its typed value.
    #[test]
    fn a_changed_field_is_written_as_changed() {
        let mut permission: Permission = serde_json::from_value(json!({
            "id": "1", "roles": [], "expirationDateTime": "2018-07-15T14:00:00Z", "shareId": null
        }))
        .unwrap();
        permission.roles = vec![Role::Write];
        permission.expiration_date_time = Some(datetime!(2030-01-01 00:00:00 UTC));
        permission.share_id = Some("s!x".into());
        assert_eq!(
            serde_json::to_value(&permission).unwrap(),
            json!({"id": "1", "roles": ["write"], "expirationDateTime": "2030-01-01T00:00:00.000Z", "shareId": "s!x"})
        );
        permission.expiration_date_time = None;
        permission.roles.clear();
        assert_eq!(
            serde_json::to_value(&permission).unwrap(),
            json!({"id": "1", "roles": [], "shareId": "s!x"}),
            "roles back to what was read ([]) is written as read; the expiry is gone"
        );
    }

    #[test]
    fn updates_send_roles_and_or_the_expiry() {
        let at = datetime!(2030-01-02 03:04:05 UTC);
        let cases = [
            (PermissionUpdate::new([]), json!({"roles": []})),
            (
                PermissionUpdate::new([Role::Read]),
                json!({"roles": ["read"]}),
            ),
            (
                PermissionUpdate::expiring_at(at),
                json!({"expirationDateTime": "2030-01-02T03:04:05.000Z"}),
            ),
            (
                PermissionUpdate::new([Role::Write]).with_expiration_date_time(at),
                json!({"roles": ["write"], "expirationDateTime": "2030-01-02T03:04:05.000Z"}),
            ),
        ];
        for (update, wire) in cases {
            assert_eq!(serde_json::to_value(&update).unwrap(), wire);
            assert_eq!(
                serde_json::from_value::<PermissionUpdate>(wire).unwrap(),
                update
            );
        }
        assert!(PermissionUpdate::expiring_at(at).lint().is_ok());
        assert!(PermissionUpdate::new([]).lint().is_err());
        let out_of_range = datetime!(9999-12-31 23:00:00 -05:00);
        assert!(serde_json::to_value(PermissionUpdate::expiring_at(out_of_range)).is_err());
    }

    #[test]
    fn min_value_expiration_is_none() {
        for wire in [
            json!({"expirationDateTime": "0001-01-01T00:00:00Z"}),
            json!({"expirationDateTime": "0001-01-01T00:00:00.000Z"}),
            json!({"expirationDateTime": "0001-01-01T00:00:00+00:00"}),
            json!({"expirationDateTime": null}),
            json!({}),
        ] {
            let permission: Permission = serde_json::from_value(wire.clone()).unwrap();
            assert_eq!(permission.expiration_date_time, None, "{wire}");
        }
    }

    #[test]
    fn real_expiration_parses() {
        let cases = [
            (
                "2018-07-15T14:00:00.000Z",
                datetime!(2018-07-15 14:00:00 UTC),
            ),
            ("2018-07-15T14:00:00Z", datetime!(2018-07-15 14:00:00 UTC)),
            (
                "2030-01-02T03:04:05.6789+01:00",
                datetime!(2030-01-02 02:04:05.6789 UTC),
            ),
        ];
        for (text, expected) in cases {
            let permission: Permission =
                serde_json::from_value(json!({"expirationDateTime": text})).unwrap();
            assert_eq!(permission.expiration_date_time, Some(expected), "{text}");
        }
        let bad = serde_json::from_value::<Permission>(json!({"expirationDateTime": "soon"}));
        assert!(bad.is_err());
    }

    #[test]
    fn documented_link_permissions_parse() {
        let permission: Permission = serde_json::from_value(json!({
            "id": "3",
            "@deprecated.GrantedToIdentities": "GrantedToIdentities has been deprecated. Refer to GrantedToIdentitiesV2",
            "grantedToIdentities": [
                {"user": {"id": "35fij1974gb8832", "displayName": "Misty Suarez"}}
            ],
            "grantedToIdentitiesV2": [
                {"user": {"id": "35fij1974gb8832", "displayName": "Misty Suarez"},
                 "siteUser": {"id": "1", "displayName": "Misty Suarez", "loginName": "Misty Suarez"}}
            ],
            "roles": ["write"],
            "link": {
                "type": "edit",
                "scope": "users",
                "preventsDownload": false,
                "webUrl": "https://contoso.sharepoint.com/:w:/t/design/a577ghg9",
                "application": {"id": "1234", "displayName": "Sample Application"}
            },
            "inheritedFrom": {
                "driveId": "1234567890ABD", "id": "1234567890ABC!123", "path": "/drive/root:/Documents",
                "sharepointIds": {"listId": "L1", "siteUrl": "https://contoso.sharepoint.com"}
            },
            "shareId": "!LKj1lkdlals90j1nlkascl",
            "expirationDateTime": "0001-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(permission.id.as_deref(), Some("3"));
        assert!(permission.has_role(&Role::Write));
        let link = permission.link.as_ref().unwrap();
        assert_eq!(link.link_type.as_deref(), Some("edit"));
        assert_eq!(link.scope.as_deref(), Some("users"));
        assert_eq!(link.prevents_download, Some(false));
        assert_eq!(
            link.application.as_ref().unwrap().display_name.as_deref(),
            Some("Sample Application")
        );
        assert_eq!(permission.granted_to_identities.len(), 1);
        assert_eq!(
            permission.granted_to_identities_v2[0]
                .site_user
                .as_ref()
                .unwrap()
                .login_name
                .as_deref(),
            Some("Misty Suarez")
        );
        assert!(permission.is_inherited());
        let from = permission.inherited_from.as_ref().unwrap();
        assert_eq!(from.path.as_deref(), Some("/drive/root:/Documents"));
        assert_eq!(from.sharepoint_ids.as_ref().unwrap()["listId"], "L1");
        assert_eq!(
            permission.share_id.as_deref(),
            Some("!LKj1lkdlals90j1nlkascl")
        );
        assert_eq!(
            permission.additional.keys().collect::<Vec<_>>(),
            vec!["@deprecated.GrantedToIdentities"]
        );
    }

    #[test]
    fn null_collections_read_as_empty() {
        let permission: Permission = serde_json::from_value(json!({
            "roles": null, "grantedToIdentities": null, "grantedToIdentitiesV2": null
        }))
        .unwrap();
        assert!(permission.roles.is_empty());
        assert!(permission.granted_to_identities.is_empty());
        assert!(permission.granted_to_identities_v2.is_empty());
        assert!(permission.additional.is_empty());
    }

    #[test]
    fn permission_round_trips_with_additional() {
        let wire = json!({
            "id": "1",
            "roles": ["read", "sp.view only"],
            "grantedToV2": {"user": {"id": "u", "email": "u@contoso.com"}},
            "invitation": {"email": "u@contoso.com", "invitedBy": {"user": {"displayName": "Me"}},
                           "redeemedBy": "u@contoso.com", "signInRequired": true},
            "expirationDateTime": "2018-07-15T14:00:00.000Z",
            "hasPassword": true,
            "@odata.type": "#microsoft.graph.permission",
            "futureProperty": {"nested": [1, 2]}
        });
        let permission: Permission = serde_json::from_value(wire.clone()).unwrap();
        let invitation = permission.invitation.as_ref().unwrap();
        assert_eq!(invitation.redeemed_by.as_deref(), Some("u@contoso.com"));
        assert_eq!(
            invitation
                .invited_by
                .as_ref()
                .unwrap()
                .user
                .as_ref()
                .unwrap()
                .display_name
                .as_deref(),
            Some("Me")
        );
        assert_eq!(
            permission.additional["futureProperty"],
            json!({"nested": [1, 2]})
        );
        assert_eq!(serde_json::to_value(&permission).unwrap(), wire);
    }

    #[test]
    fn permission_update_body_and_validation() {
        let update = PermissionUpdate::new([Role::Write]);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"roles": ["write"]})
        );
        update.lint().unwrap();
        let err = PermissionUpdate::new([]).lint().unwrap_err();
        assert_eq!(err.field(), "roles");
        // Not a documented rule: an empty update is built and sent as is.
        assert_eq!(
            serde_json::to_string(&PermissionUpdate::new([])).unwrap(),
            r#"{"roles":[]}"#
        );
    }

    /// Properties the models do not know, at every level (`identity` and the
    /// identity sets are open types in Graph's CSDL), survive a read and a write.
    #[test]
    fn unknown_properties_survive_at_every_level() {
        let wire = json!({
            "id": "7",
            "@odata.type": "#microsoft.graph.permission",
            "roles": ["write"],
            "link": {
                "@odata.type": "#microsoft.graph.sharingLink",
                "type": "view", "scope": "users", "webUrl": "https://contoso.sharepoint.com/:w:/x",
                "application": {"id": "a", "displayName": "App", "publisherDomain": "contoso.com"},
                "preventsDownload": false, "futureLinkFacet": {"x": 1}
            },
            "grantedTo": {
                "user": {"id": "u", "displayName": "Robin", "thumbnails": [{"small": {"url": "https://x"}}]},
                "@odata.type": "#microsoft.graph.identitySet",
                "phone": {"id": "p"}
            },
            "grantedToV2": {
                "user": {"id": "u", "@odata.type": "#microsoft.graph.emailIdentity", "email": "r@contoso.com"},
                "siteUser": {"id": "1", "loginName": "r", "principalType": "user"},
                "siteGroup": {"id": "3", "loginName": "g", "isHidden": false},
                "sharePointGroup": {"id": "c7d1", "title": "Members", "owner": "me"},
                "group": {"id": "g1", "mailNickname": "design"},
                "application": {"id": "a", "tenantId": "t"},
                "device": {"id": "d", "os": "windows"},
                "somethingNew": true
            },
            "invitation": {
                "email": "r@contoso.com", "signInRequired": true,
                "invitedBy": {"user": {"id": "me", "userPrincipalName": "me@contoso.com"}},
                "redeemedBy": "r@contoso.com", "expiresIn": 7
            },
            "inheritedFrom": {
                "driveId": "d", "id": "i", "path": "/drive/root:/Documents",
                "sharepointIds": {"listId": "L"}, "futureRef": "x"
            }
        });
        let permission: Permission = serde_json::from_value(wire.clone()).unwrap();
        let link = permission.link.as_ref().unwrap();
        assert_eq!(
            link.additional["@odata.type"],
            "#microsoft.graph.sharingLink"
        );
        assert_eq!(
            link.application.as_ref().unwrap().additional["publisherDomain"],
            "contoso.com"
        );
        let granted = permission.granted_to.as_ref().unwrap();
        assert_eq!(
            granted.user.as_ref().unwrap().additional["thumbnails"][0]["small"]["url"],
            "https://x"
        );
        assert_eq!(granted.additional["phone"], json!({"id": "p"}));
        let v2 = permission.granted_to_v2.as_ref().unwrap();
        assert_eq!(v2.additional["somethingNew"], true);
        assert_eq!(
            v2.site_user.as_ref().unwrap().additional["principalType"],
            "user"
        );
        assert_eq!(
            v2.share_point_group.as_ref().unwrap().additional["owner"],
            "me"
        );
        let invitation = permission.invitation.as_ref().unwrap();
        assert_eq!(invitation.additional["expiresIn"], 7);
        assert_eq!(
            permission.inherited_from.as_ref().unwrap().additional["futureRef"],
            "x"
        );
        assert_eq!(serde_json::to_value(&permission).unwrap(), wire);
    }

    #[test]
    fn expiration_whose_utc_is_out_of_range_serializes_again_unchanged() {
        for text in super::super::serde_helpers::range_tests::OUT_OF_RANGE {
            let permission: Permission = serde_json::from_value(json!({
                "id": "p1",
                "expirationDateTime": text,
            }))
            .unwrap();
            let written = serde_json::to_value(&permission).unwrap();
            let back: Permission = serde_json::from_value(written.clone()).unwrap();
            assert_eq!(back, permission, "{text} -> {written}");
            assert_eq!(
                back.expiration_date_time.unwrap().offset(),
                permission.expiration_date_time.unwrap().offset()
            );
        }
    }
}
