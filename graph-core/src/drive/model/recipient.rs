//! Invite recipients.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Someone to share an item with: exactly one of an email address, an alias,
/// or a directory object id, as Graph's `driveRecipient` requires ("only one of
/// these values is required; multiple values are not accepted", driveRecipient
/// resource type, Properties). The enum holds that rule by construction.
///
/// Serializes to `{"email": "…"}`, `{"alias": "…"}` or `{"objectId": "…"}`.
/// Deserializing rejects an object carrying none or more than one of the
/// three (a `null` counts as absent); other keys, such as `@odata.type`, are ignored.
///
/// ```
/// use graph_core::drive::model::DriveRecipient;
///
/// let recipient = DriveRecipient::email("robin@contoso.com");
/// assert_eq!(
///     serde_json::to_string(&recipient).unwrap(),
///     r#"{"email":"robin@contoso.com"}"#
/// );
/// assert!(serde_json::from_str::<DriveRecipient>(r#"{"email":"a@b.c","alias":"x"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawRecipient")]
pub enum DriveRecipient {
    /// The recipient's email address (`email`).
    Email(String),
    /// The alias of a directory object without an email address, such as a
    /// security group (`alias`).
    Alias(String),
    /// The recipient's unique identifier in the directory (`objectId`).
    ObjectId(String),
}

impl DriveRecipient {
    /// A recipient named by email address.
    pub fn email(email: impl Into<String>) -> Self {
        Self::Email(email.into())
    }

    /// A recipient named by alias.
    pub fn alias(alias: impl Into<String>) -> Self {
        Self::Alias(alias.into())
    }

    /// A recipient named by directory object id.
    pub fn object_id(object_id: impl Into<String>) -> Self {
        Self::ObjectId(object_id.into())
    }

    /// The wire name of the property this recipient sets:
    /// `email`, `alias` or `objectId`.
    pub fn property(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Alias(_) => "alias",
            Self::ObjectId(_) => "objectId",
        }
    }

    /// The email address, alias or object id itself.
    pub fn value(&self) -> &str {
        match self {
            Self::Email(value) | Self::Alias(value) | Self::ObjectId(value) => value,
        }
    }

    /// An opt-in check that the value is not empty or blank; no documented
    /// rule of Graph's `driveRecipient` says so, so nothing runs it before
    /// sending (see [`InviteBody::lint`](super::InviteBody::lint)). `index` is
    /// the recipient's position in the request, used to name the field, e.g.
    /// `recipients[2].email`.
    ///
    /// ```
    /// use graph_core::drive::model::DriveRecipient;
    ///
    /// let err = DriveRecipient::object_id("").lint(2).unwrap_err();
    /// assert_eq!(err.field(), "recipients[2].objectId");
    /// assert!(DriveRecipient::alias("design-team").lint(0).is_ok());
    /// ```
    pub fn lint(&self, index: usize) -> Result<(), ValidationError> {
        if self.value().trim().is_empty() {
            return Err(ValidationError::new(
                format!("recipients[{index}].{}", self.property()),
                "must not be empty",
            ));
        }
        Ok(())
    }
}

impl fmt::Display for DriveRecipient {
    /// Shows the recipient as `property:value`, e.g. `email:robin@contoso.com`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.property(), self.value())
    }
}

/// The wire shape before the exactly-one rule is applied.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecipient {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    object_id: Option<String>,
}

impl TryFrom<RawRecipient> for DriveRecipient {
    type Error = String;

    fn try_from(raw: RawRecipient) -> Result<Self, Self::Error> {
        match (raw.email, raw.alias, raw.object_id) {
            (Some(email), None, None) => Ok(Self::Email(email)),
            (None, Some(alias), None) => Ok(Self::Alias(alias)),
            (None, None, Some(object_id)) => Ok(Self::ObjectId(object_id)),
            (None, None, None) => {
                Err("a driveRecipient needs one of `email`, `alias` or `objectId`".to_owned())
            }
            _ => {
                Err("a driveRecipient takes only one of `email`, `alias` or `objectId`".to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_variant_serializes_to_one_key() {
        let cases = [
            (
                DriveRecipient::email("ryan@contoso.com"),
                json!({"email": "ryan@contoso.com"}),
            ),
            (DriveRecipient::alias("design"), json!({"alias": "design"})),
            (
                DriveRecipient::object_id("42F1-77F1"),
                json!({"objectId": "42F1-77F1"}),
            ),
        ];
        for (recipient, wire) in cases {
            assert_eq!(serde_json::to_value(&recipient).unwrap(), wire);
            assert_eq!(
                serde_json::from_value::<DriveRecipient>(wire).unwrap(),
                recipient
            );
        }
    }

    #[test]
    fn unknown_keys_and_nulls_are_tolerated() {
        let recipient: DriveRecipient = serde_json::from_value(json!({
            "@odata.type": "microsoft.graph.driveRecipient",
            "objectId": "abc",
            "email": null,
            "displayName": "ignored"
        }))
        .unwrap();
        assert_eq!(recipient, DriveRecipient::object_id("abc"));
    }

    #[test]
    fn zero_keys_are_rejected() {
        for wire in [
            json!({}),
            json!({"displayName": "x"}),
            json!({"email": null}),
        ] {
            let err = serde_json::from_value::<DriveRecipient>(wire).unwrap_err();
            assert!(err.to_string().contains("needs one of"), "{err}");
        }
    }

    #[test]
    fn two_or_three_keys_are_rejected() {
        for wire in [
            json!({"email": "a@b.c", "alias": "a"}),
            json!({"email": "a@b.c", "objectId": "1"}),
            json!({"alias": "a", "objectId": "1"}),
            json!({"email": "a@b.c", "alias": "a", "objectId": "1"}),
        ] {
            let err = serde_json::from_value::<DriveRecipient>(wire).unwrap_err();
            assert!(err.to_string().contains("only one of"), "{err}");
        }
    }

    #[test]
    fn non_object_is_rejected() {
        assert!(serde_json::from_value::<DriveRecipient>(json!("a@b.c")).is_err());
    }

    #[test]
    fn lint_names_the_field_by_index_and_property() {
        let cases = [
            (DriveRecipient::email(""), "recipients[0].email"),
            (DriveRecipient::alias("  "), "recipients[0].alias"),
            (DriveRecipient::object_id(""), "recipients[0].objectId"),
        ];
        for (recipient, field) in cases {
            assert_eq!(recipient.lint(0).unwrap_err().field(), field);
        }
        let err = DriveRecipient::email("").lint(2).unwrap_err();
        assert_eq!(err.field(), "recipients[2].email");
        assert!(DriveRecipient::email("a@b.c").lint(7).is_ok());
    }

    #[test]
    fn accessors_and_display() {
        let recipient = DriveRecipient::email("a@b.c");
        assert_eq!(recipient.property(), "email");
        assert_eq!(recipient.value(), "a@b.c");
        assert_eq!(recipient.to_string(), "email:a@b.c");
    }
}
