//! The body of `POST …/createLink` and the link kinds it names.
//!
//! Source for every property: the `createLink` action bound to
//! `graph.driveItem` in Graph's v1.0 CSDL (parameters `type`, `scope`,
//! `expirationDateTime`, `password`, `message`, `recipients`,
//! `retainInheritedPermissions`, `sendNotification`, none of them
//! `Nullable="false"`), and the docs page "driveItem: createLink".

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::serde_helpers::{null_as_default, opt_timestamp};
use super::{DriveRecipient, Password, SharingLink};

/// Generates a string-valued enum whose unknown values are kept as they came.
macro_rules! open_enum {
    (
        $(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// Any other value, exactly as spelled on the wire.
            Other(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

open_enum! {
    /// What a sharing link lets its users do (`type` of `createLink` and of
    /// `sharingLink`).
    ///
    /// v1.0 documents `view`, `edit` and `embed`; beta adds more (`review`,
    /// `blocksDownload`, `createOnly`, …), and Graph may add others: they are
    /// kept in [`LinkType::Other`], so decoding never fails on them.
    ///
    /// ```
    /// use graph_core::drive::model::LinkType;
    ///
    /// assert_eq!(LinkType::from("edit"), LinkType::Edit);
    /// let newer: LinkType = serde_json::from_str(r#""blocksDownload""#).unwrap();
    /// assert_eq!(newer, LinkType::Other("blocksDownload".into()));
    /// assert_eq!(serde_json::to_string(&newer).unwrap(), r#""blocksDownload""#);
    /// ```
    LinkType {
        /// `view`: a read-only link.
        View = "view",
        /// `edit`: a read-write link.
        Edit = "edit",
        /// `embed`: an embeddable link (OneDrive personal only, per the docs).
        Embed = "embed",
    }
}

open_enum! {
    /// Who can use a sharing link (`scope` of `createLink` and of `sharingLink`).
    ///
    /// `createLink` documents `anonymous`, `organization` and `users`;
    /// `sharingLink` responses also carry `existingAccess` (see "permission:
    /// grant"). Anything else is kept in [`LinkScope::Other`].
    ///
    /// ```
    /// use graph_core::drive::model::LinkScope;
    ///
    /// assert_eq!(LinkScope::from("users"), LinkScope::Users);
    /// assert_eq!(LinkScope::ExistingAccess.as_str(), "existingAccess");
    /// ```
    LinkScope {
        /// `anonymous`: anyone with the link, without signing in.
        Anonymous = "anonymous",
        /// `organization`: anyone signed in to the owning tenant.
        Organization = "organization",
        /// `users`: the people the link was given to (`recipients`).
        Users = "users",
        /// `existingAccess`: people who already have access.
        ExistingAccess = "existingAccess",
    }
}

/// The body of `POST …/createLink`: the link the caller asks for.
///
/// Every property is optional: the CSDL marks none of them required, and the
/// docs say that leaving out `type` and `scope` creates the organization's
/// default link. No rule is checked before sending; Graph is the judge.
///
/// ```
/// use graph_core::drive::model::{CreateLinkBody, DriveRecipient, LinkScope, LinkType};
///
/// let body = CreateLinkBody::new(LinkType::View)
///     .with_scope(LinkScope::Users)
///     .with_recipients([DriveRecipient::email("ryan@contoso.com")])
///     .with_send_notification(true)
///     .with_message("The plan");
/// assert_eq!(
///     serde_json::to_value(&body).unwrap(),
///     serde_json::json!({
///         "type": "view",
///         "scope": "users",
///         "recipients": [{"email": "ryan@contoso.com"}],
///         "sendNotification": true,
///         "message": "The plan"
///     })
/// );
/// assert_eq!(serde_json::to_string(&CreateLinkBody::default()).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateLinkBody {
    /// The kind of link; the organization's default when `None`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub link_type: Option<LinkType>,
    /// Who can use the link; the organization's default when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<LinkScope>,
    /// The link's password (documented for OneDrive personal). Redacted in `Debug`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    /// When the link expires, written in UTC (`2018-07-15T14:00:00.000Z`).
    #[serde(
        default,
        with = "opt_timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date_time: Option<OffsetDateTime>,
    /// `false` removes the item's inherited permissions when it is shared for
    /// the first time; Graph's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_inherited_permissions: Option<bool>,
    /// The people a `users` link is for.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub recipients: Vec<DriveRecipient>,
    /// Whether Graph mails the link to the recipients (OneDrive for Business
    /// and SharePoint; Graph's default is `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_notification: Option<bool>,
    /// A message for the recipients' notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CreateLinkBody {
    /// A request for a link of `link_type`, every other property unset.
    pub fn new(link_type: LinkType) -> Self {
        Self {
            link_type: Some(link_type),
            ..Self::default()
        }
    }

    /// Sets who can use the link.
    pub fn with_scope(mut self, scope: LinkScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Sets the link's password.
    pub fn with_password(mut self, password: impl Into<Password>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets when the link expires.
    pub fn with_expiration_date_time(mut self, expires: OffsetDateTime) -> Self {
        self.expiration_date_time = Some(expires);
        self
    }

    /// Sets whether inherited permissions survive the first share.
    pub fn with_retain_inherited_permissions(mut self, retain: bool) -> Self {
        self.retain_inherited_permissions = Some(retain);
        self
    }

    /// Sets the people the link is for (with [`LinkScope::Users`]).
    pub fn with_recipients(mut self, recipients: impl IntoIterator<Item = DriveRecipient>) -> Self {
        self.recipients = recipients.into_iter().collect();
        self
    }

    /// Sets whether the recipients are mailed the link.
    pub fn with_send_notification(mut self, send: bool) -> Self {
        self.send_notification = Some(send);
        self
    }

    /// Sets the message for the recipients.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

impl SharingLink {
    /// The link's `type`, typed; `None` when Graph sent none.
    ///
    /// ```
    /// use graph_core::drive::model::{LinkScope, LinkType, SharingLink};
    ///
    /// let link: SharingLink = serde_json::from_str(r#"{"type":"edit","scope":"users"}"#).unwrap();
    /// assert_eq!(link.kind(), Some(LinkType::Edit));
    /// assert_eq!(link.link_scope(), Some(LinkScope::Users));
    /// ```
    pub fn kind(&self) -> Option<LinkType> {
        self.link_type.as_deref().map(LinkType::from)
    }

    /// The link's `scope`, typed; `None` when Graph sent none.
    pub fn link_scope(&self) -> Option<LinkScope> {
        self.scope.as_deref().map(LinkScope::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn every_property_has_its_wire_name() {
        let body = CreateLinkBody::new(LinkType::Embed)
            .with_scope(LinkScope::Anonymous)
            .with_password("s3cret")
            .with_expiration_date_time(datetime!(2030-01-02 03:04:05 UTC))
            .with_retain_inherited_permissions(false)
            .with_recipients([DriveRecipient::object_id("o1")])
            .with_send_notification(false)
            .with_message("");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "type": "embed",
                "scope": "anonymous",
                "password": "s3cret",
                "expirationDateTime": "2030-01-02T03:04:05.000Z",
                "retainInheritedPermissions": false,
                "recipients": [{"objectId": "o1"}],
                "sendNotification": false,
                "message": ""
            })
        );
        assert!(!format!("{body:?}").contains("s3cret"));
    }

    #[test]
    fn unknown_kinds_survive_decoding() {
        for wire in ["view", "edit", "embed", "review", "", "VIEW"] {
            let kind: LinkType = serde_json::from_value(json!(wire)).unwrap();
            assert_eq!(kind.as_str(), wire);
            assert_eq!(serde_json::to_value(&kind).unwrap(), json!(wire));
        }
        assert_eq!(LinkType::from("VIEW"), LinkType::Other("VIEW".into()));
        for wire in ["anonymous", "organization", "users", "existingAccess", "x"] {
            let scope: LinkScope = serde_json::from_value(json!(wire)).unwrap();
            assert_eq!(scope.to_string(), wire);
        }
    }
}
