//! The request body of `POST …/items/{item-id}/invite`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::serde_helpers::{null_as_default, opt_timestamp, utc_millis_rule};
use super::{DriveRecipient, Password, Role};
use crate::ValidationError;

/// The longest `message` Graph accepts, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// The body of `POST /drives/{drive-id}/items/{item-id}/invite` (and the other
/// `…/invite` paths): who to share with, with which roles, and how.
///
/// Start with [`InviteBody::new`] and chain the `with_*` setters; every field
/// is public too, for reading or adjusting later. Unset options are omitted from
/// the JSON, as are empty `roles`. Call [`InviteBody::validate`] before sending.
///
/// `Debug` never shows the password (see [`Password`]).
///
/// ```
/// use graph_core::drive::model::{DriveRecipient, InviteBody, Role};
/// use time::macros::datetime;
///
/// let body = InviteBody::new(vec![DriveRecipient::email("ryan@contoso.com")])
///     .with_message("Here's the file that we're collaborating on.")
///     .with_require_sign_in(true)
///     .with_send_invitation(true)
///     .with_roles([Role::Write])
///     .with_expiration_date_time(datetime!(2018-07-15 14:00 UTC));
/// body.validate().unwrap();
///
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["roles"], serde_json::json!(["write"]));
/// assert_eq!(json["expirationDateTime"], "2018-07-15T14:00:00.000Z");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InviteBody {
    /// Who receives access (and, if sent, the invitation). Required, at least one.
    pub recipients: Vec<DriveRecipient>,
    /// Plain-text message included in the invitation, at most
    /// [`MAX_MESSAGE_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether recipients must sign in to view the shared item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_sign_in: Option<bool>,
    /// Whether to send the recipients a sharing link; otherwise the permission
    /// is granted silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_invitation: Option<bool>,
    /// Roles granted to the recipients; omitted from the JSON when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
    /// When the permission expires. Written in UTC as
    /// `yyyy-MM-ddTHH:mm:ss.fffZ`, e.g. `2018-07-15T14:00:00.000Z`.
    #[serde(
        default,
        with = "opt_timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date_time: Option<OffsetDateTime>,
    /// Password set on the invitation (OneDrive personal only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    /// Whether the item keeps the permissions it inherits when this one is
    /// added (`false` breaks inheritance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_inherited_permissions: Option<bool>,
}

impl InviteBody {
    /// A body inviting `recipients`, with every option unset.
    pub fn new(recipients: impl IntoIterator<Item = DriveRecipient>) -> Self {
        Self {
            recipients: recipients.into_iter().collect(),
            message: None,
            require_sign_in: None,
            send_invitation: None,
            roles: Vec::new(),
            expiration_date_time: None,
            password: None,
            retain_inherited_permissions: None,
        }
    }

    /// Adds one more recipient.
    pub fn with_recipient(mut self, recipient: DriveRecipient) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// Sets the invitation message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets `requireSignIn`.
    pub fn with_require_sign_in(mut self, require_sign_in: bool) -> Self {
        self.require_sign_in = Some(require_sign_in);
        self
    }

    /// Sets `sendInvitation`.
    pub fn with_send_invitation(mut self, send_invitation: bool) -> Self {
        self.send_invitation = Some(send_invitation);
        self
    }

    /// Replaces the roles to grant.
    pub fn with_roles(mut self, roles: impl IntoIterator<Item = Role>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }

    /// Adds one role to grant.
    pub fn with_role(mut self, role: Role) -> Self {
        self.roles.push(role);
        self
    }

    /// Sets when the permission expires (any offset; it is sent in UTC, so its
    /// UTC must lie in years 0001–9999, which [`validate`](Self::validate) checks).
    pub fn with_expiration_date_time(mut self, expires: OffsetDateTime) -> Self {
        self.expiration_date_time = Some(expires);
        self
    }

    /// Sets the invitation's password.
    pub fn with_password(mut self, password: impl Into<Password>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets `retainInheritedPermissions`.
    pub fn with_retain_inherited_permissions(mut self, retain: bool) -> Self {
        self.retain_inherited_permissions = Some(retain);
        self
    }

    /// Checks the body against the rules Microsoft documents for
    /// `driveItem: invite`, and only those, returning the first one broken
    /// and naming the field as it appears on the wire:
    ///
    /// * `recipients`: at least one recipient;
    /// * `message`: at most [`MAX_MESSAGE_CHARS`] characters (characters, not bytes);
    /// * `expirationDateTime`: writable in Graph's documented
    ///   `yyyy-MM-ddTHH:mm:ssZ` (the `permission` resource type), i.e. its UTC lies
    ///   in years 0001–9999 (the range of .NET's `DateTimeOffset`); a year-9999
    ///   local time whose UTC is in year 10000 is refused here rather than
    ///   failing while the body is written.
    ///
    /// The third documented rule, exactly one of `email`, `alias` or
    /// `objectId` per recipient, holds by construction of [`DriveRecipient`].
    ///
    /// Everything else Graph documents as optional is left to Graph: no
    /// `roles`, `requireSignIn: false` together with `sendInvitation: false`,
    /// an empty `password` or an empty recipient value are all sent. To catch
    /// such likely mistakes anyway, call [`InviteBody::lint`] yourself.
    ///
    /// ```
    /// use graph_core::drive::model::{DriveRecipient, InviteBody};
    ///
    /// let err = InviteBody::new(vec![]).validate().unwrap_err();
    /// assert_eq!(err.field(), "recipients");
    /// // No roles: Graph's CSDL marks no invite parameter but `recipients` as required.
    /// assert!(InviteBody::new([DriveRecipient::email("a@contoso.com")]).validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        // "recipients: A collection of recipients who will receive access and the
        // sharing invitation." (driveItem: invite, Request body); the CSDL action
        // `invite` declares `recipients` with Nullable="false", the only parameter so marked.
        if self.recipients.is_empty() {
            return Err(ValidationError::new(
                "recipients",
                "at least one recipient is required",
            ));
        }
        // "message: A plain text formatted message that is included in the sharing
        // invitation. Maximum length 2000 characters." (driveItem: invite, Request body)
        if let Some(message) = &self.message {
            let chars = message.chars().count();
            if chars > MAX_MESSAGE_CHARS {
                return Err(ValidationError::new(
                    "message",
                    format!("must be at most {MAX_MESSAGE_CHARS} characters, got {chars}"),
                ));
            }
        }
        if let Some(expires) = self.expiration_date_time {
            utc_millis_rule(expires)
                .map_err(|reason| ValidationError::new("expirationDateTime", reason))?;
        }
        Ok(())
    }

    /// Opt-in checks for values that are probably mistakes but that Graph
    /// documents as valid, so [`InviteBody::validate`] (run before sending)
    /// does not refuse them. Returns every finding, in field order:
    ///
    /// * `recipients[i].email` / `.alias` / `.objectId`: empty or blank
    ///   (see [`DriveRecipient::lint`]);
    /// * `roles`: none given (the CSDL marks `roles` optional; Graph then
    ///   decides the role itself);
    /// * `sendInvitation`: `false` together with `requireSignIn: false` (the
    ///   docs' own body template shows both false, so it is valid);
    /// * `password`: empty (valid per the CSDL's `Edm.String`).
    ///
    /// ```
    /// use graph_core::drive::model::{DriveRecipient, InviteBody};
    ///
    /// let body = InviteBody::new([DriveRecipient::email("a@contoso.com")])
    ///     .with_require_sign_in(false)
    ///     .with_send_invitation(false);
    /// assert!(body.validate().is_ok());
    /// let fields: Vec<String> = body.lint().iter().map(|f| f.field().to_owned()).collect();
    /// assert_eq!(fields, ["roles", "sendInvitation"]);
    /// ```
    pub fn lint(&self) -> Vec<ValidationError> {
        let mut findings: Vec<ValidationError> = self
            .recipients
            .iter()
            .enumerate()
            .filter_map(|(index, recipient)| recipient.lint(index).err())
            .collect();
        if self.roles.is_empty() {
            findings.push(ValidationError::new(
                "roles",
                "no role given: Graph chooses the role (read, write, …) itself",
            ));
        }
        if self.require_sign_in == Some(false) && self.send_invitation == Some(false) {
            findings.push(ValidationError::new(
                "sendInvitation",
                "false while requireSignIn is also false: nobody is told, and no sign-in is needed",
            ));
        }
        if self.password.as_ref().is_some_and(Password::is_empty) {
            findings.push(ValidationError::new("password", "empty"));
        }
        findings
    }
}

/// Invite endpoints check these rules before anything is sent.
impl crate::Validate for InviteBody {
    fn validate(&self) -> Result<(), ValidationError> {
        InviteBody::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn full_body() -> InviteBody {
        InviteBody::new(vec![DriveRecipient::email("ryan@contoso.com")])
            .with_message("Here's the file that we're collaborating on.")
            .with_require_sign_in(true)
            .with_send_invitation(true)
            .with_roles([Role::Write])
            .with_password("password123")
            .with_expiration_date_time(datetime!(2018-07-15 14:00:00 UTC))
            .with_retain_inherited_permissions(false)
    }

    #[test]
    fn full_body_serializes_to_exact_json() {
        let expected = concat!(
            r#"{"recipients":[{"email":"ryan@contoso.com"}],"#,
            r#""message":"Here's the file that we're collaborating on.","#,
            r#""requireSignIn":true,"#,
            r#""sendInvitation":true,"#,
            r#""roles":["write"],"#,
            r#""expirationDateTime":"2018-07-15T14:00:00.000Z","#,
            r#""password":"password123","#,
            r#""retainInheritedPermissions":false}"#
        );
        let body = full_body();
        assert_eq!(serde_json::to_string(&body).unwrap(), expected);
        let back: InviteBody = serde_json::from_str(expected).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn minimal_body_has_only_recipients() {
        let body = InviteBody::new(vec![
            DriveRecipient::email("a@contoso.com"),
            DriveRecipient::alias("design"),
            DriveRecipient::object_id("0d6f-11"),
        ]);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"recipients":[{"email":"a@contoso.com"},{"alias":"design"},{"objectId":"0d6f-11"}]}"#
        );
        let back: InviteBody = serde_json::from_value(json!({
            "recipients": [{"email": "a@contoso.com"}, {"alias": "design"}, {"objectId": "0d6f-11"}],
            "roles": null
        }))
        .unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn expiration_is_converted_to_utc() {
        let body = InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_role(Role::Read)
            .with_expiration_date_time(datetime!(2018-07-15 16:00:00.5 +02:00));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["expirationDateTime"], "2018-07-15T14:00:00.500Z");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let body = full_body().with_password("Zq9-unguessable-Secret");
        for shown in [format!("{body:?}"), format!("{body:#?}")] {
            assert!(!shown.contains("Zq9-unguessable-Secret"), "{shown}");
            assert!(!shown.contains("unguessable"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        assert!(format!("{body:?}").contains("password: Some(\"<redacted>\")"));
        // The wire format still carries it.
        assert!(
            serde_json::to_string(&body)
                .unwrap()
                .contains("Zq9-unguessable-Secret")
        );
    }

    #[test]
    fn valid_bodies_pass() {
        full_body().validate().unwrap();
        InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_role(Role::Read)
            .validate()
            .unwrap();
        // Exactly the limit, counted in characters (each 'é' is two bytes).
        InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_role(Role::Read)
            .with_message("é".repeat(MAX_MESSAGE_CHARS))
            .validate()
            .unwrap();
        // Only one of the two flags false is fine.
        for (sign_in, send) in [(true, false), (false, true)] {
            InviteBody::new(vec![DriveRecipient::email("a@b.c")])
                .with_role(Role::Read)
                .with_role(Role::Read)
                .with_require_sign_in(sign_in)
                .with_send_invitation(send)
                .validate()
                .unwrap();
        }
        let mut only_send_false =
            InviteBody::new(vec![DriveRecipient::email("a@b.c")]).with_role(Role::Read);
        only_send_false.send_invitation = Some(false);
        only_send_false.validate().unwrap();
    }

    #[test]
    fn empty_recipients_rejected() {
        let err = InviteBody::new(Vec::new()).validate().unwrap_err();
        assert_eq!(err.field(), "recipients");
    }

    /// An empty recipient value is not refused by any documented rule: the
    /// body is valid; the lint names it by index.
    #[test]
    fn empty_recipient_value_passes_and_is_linted_with_index() {
        let body = InviteBody::new(vec![
            DriveRecipient::email("a@b.c"),
            DriveRecipient::alias("team"),
            DriveRecipient::email(""),
        ])
        .with_role(Role::Read);
        body.validate().unwrap();
        let lint = body.lint();
        assert_eq!(lint.len(), 1);
        assert_eq!(lint[0].field(), "recipients[2].email");
    }

    /// Graph's CSDL marks `roles` optional: the body is valid and built
    /// (sent without `roles`); only the opt-in lint mentions it.
    #[test]
    fn missing_roles_pass_and_are_only_linted() {
        let body = InviteBody::new([DriveRecipient::email("a@b.c")]);
        body.validate().unwrap();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"recipients":[{"email":"a@b.c"}]}"#
        );
        let lint = body.lint();
        assert_eq!(lint.len(), 1);
        assert_eq!(lint[0].field(), "roles");
    }

    #[test]
    fn long_message_rejected() {
        let body = InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_role(Role::Read)
            .with_message("x".repeat(MAX_MESSAGE_CHARS + 1));
        let err = body.validate().unwrap_err();
        assert_eq!(err.field(), "message");
        assert!(err.reason().contains("2001"), "{err}");
    }

    /// The docs' own request-body template for invite shows
    /// `"requireSignIn": false, "sendInvitation": false`: valid and built.
    #[test]
    fn no_sign_in_and_no_invitation_pass_and_are_only_linted() {
        let body = InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_require_sign_in(false)
            .with_send_invitation(false);
        body.validate().unwrap();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"recipients":[{"email":"a@b.c"}],"requireSignIn":false,"sendInvitation":false,"roles":["read"]}"#
        );
        let lint = body.lint();
        assert_eq!(lint.len(), 1);
        assert_eq!(lint[0].field(), "sendInvitation");
        assert!(lint[0].reason().contains("requireSignIn"), "{}", lint[0]);
    }

    /// `password` is an `Edm.String` in the CSDL, with no minimum length:
    /// an empty one is valid and sent; the lint names it without echoing it.
    #[test]
    fn empty_password_passes_and_is_linted() {
        let body = InviteBody::new(vec![DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_password("");
        body.validate().unwrap();
        assert!(
            serde_json::to_string(&body)
                .unwrap()
                .contains(r#""password":"""#)
        );
        let lint = body.lint();
        assert_eq!(lint.len(), 1);
        assert_eq!(lint[0].field(), "password");
        assert!(
            InviteBody::new([DriveRecipient::email("a@b.c")])
                .with_role(Role::Read)
                .with_password("x")
                .lint()
                .is_empty()
        );
    }

    #[test]
    fn setters_accumulate() {
        let body = InviteBody::new([DriveRecipient::email("a@b.c")])
            .with_recipient(DriveRecipient::alias("team"))
            .with_role(Role::Read)
            .with_role(Role::Other("sp.limited access".into()));
        assert_eq!(body.recipients.len(), 2);
        assert_eq!(
            body.roles,
            vec![Role::Read, Role::Other("sp.limited access".into())]
        );
    }

    #[test]
    fn expiration_outside_utc_years_0000_to_9999_is_refused_before_sending() {
        use crate::Endpoint;
        use crate::drive::{Invite, ItemLocator};
        use time::format_description::well_known::Rfc3339;

        for text in super::super::serde_helpers::range_tests::OUT_OF_RANGE {
            let expires = OffsetDateTime::parse(text, &Rfc3339).unwrap();
            let body = InviteBody::new([DriveRecipient::email("a@b.c")])
                .with_role(Role::Read)
                .with_expiration_date_time(expires);
            let err = body.validate().unwrap_err();
            assert_eq!(err.field(), "expirationDateTime", "{text}");
            let invite = Invite::builder()
                .item(ItemLocator::me("01A"))
                .invite(body.clone())
                .build();
            match invite.to_request() {
                Err(crate::Error::Validation(err)) => {
                    assert_eq!(err.field(), "expirationDateTime", "{text}")
                }
                other => panic!("{text}: expected a validation error, got {other:?}"),
            }
            // Writing the body without validating is an error too, never a panic.
            assert!(serde_json::to_vec(&body).is_err(), "{text}");
        }
        // The last representable instants still pass.
        let edge = InviteBody::new([DriveRecipient::email("a@b.c")])
            .with_role(Role::Read)
            .with_expiration_date_time(datetime!(9999-12-31 23:59:59.999 UTC));
        edge.validate().unwrap();
    }

    /// In a bulk run the share with the bad date fails alone, with the
    /// validation error, before anything is sent.
    #[tokio::test]
    async fn bulk_share_fails_an_out_of_range_expiration_before_sending() {
        use crate::Client;
        use crate::auth::StaticToken;
        use crate::bulk::{ShareJob, ShareOutcome};
        use crate::drive::ItemLocator;

        // Nothing is sent: no job here can be built.
        let client = Client::builder()
            .auth(StaticToken::new("t"))
            .base_url("http://127.0.0.1:9/v1.0")
            .build()
            .unwrap();
        let jobs = [
            datetime!(9999-12-31 23:00 -05:00),
            datetime!(0000-01-01 00:00 +01:00),
        ]
        .map(|expires| {
            let body = InviteBody::new([DriveRecipient::email("a@b.c")])
                .with_role(Role::Read)
                .with_expiration_date_time(expires);
            ShareJob::new(ItemLocator::me("01A"), body)
        });
        let report = client.bulk_share(jobs).run().await;
        assert_eq!(report.jobs.len(), 2);
        for job in &report.jobs {
            let ShareOutcome::Failed(crate::Error::Validation(invalid)) = &job.outcome else {
                panic!("{job:?}");
            };
            assert_eq!(invalid.field(), "expirationDateTime");
        }
        assert_eq!(report.round_trips, 0);
    }
}
