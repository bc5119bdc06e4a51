//! No value a caller can put into a request body, and no timestamp Graph can
//! send, makes the models panic; requests fail before sending only on the
//! documented rules `validate` lists.

use proptest::prelude::*;
use serde_json::json;
use time::{Date, OffsetDateTime, Time, UtcOffset};

use super::serde_helpers::{format_utc_millis, parse_timestamp};
use super::{DriveRecipient, InviteBody, Password, Permission, PermissionUpdate, Role};
use crate::drive::ItemLocator;
use crate::{Endpoint, Error};

/// Any local date-time the `time` crate can hold, at any offset it allows.
fn any_date_time() -> impl Strategy<Value = OffsetDateTime> {
    (
        -9999i32..=9999,
        1u16..=366,
        0u8..24,
        0u8..60,
        0u8..60,
        0u32..1_000_000_000,
        -25i8..=25,
        -59i8..=59,
        -59i8..=59,
    )
        .prop_map(|(year, day, h, m, s, nanos, oh, om, os)| {
            let date = Date::from_ordinal_date(year, day)
                .or_else(|_| Date::from_ordinal_date(year, 365))
                .unwrap();
            let time = Time::from_hms_nano(h, m, s, nanos).unwrap();
            // The minutes and seconds of an offset share the sign of its hours.
            let sign = if oh < 0 { -1 } else { 1 };
            let offset = UtcOffset::from_hms(oh, sign * om.abs(), sign * os.abs()).unwrap();
            date.with_time(time).assume_offset(offset)
        })
}

/// Text shaped like an RFC 3339 timestamp, with digits out of range, odd
/// separators, long fractions and offsets up to ±99:99.
fn rfc3339ish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{0,12})?(Z|z|[+-][0-9]{2}:[0-9]{2})?",
        "(0000|0001|9998|9999)-(01|12)-(01|31)T(00|23):(00|59):(00|59|60)(\\.9{1,9})?([+-](0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]|Z)",
        // Well-formed apart from an optional sign, and without an offset:
        // the reading that assumes UTC.
        "[+-]?[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?",
        any::<String>(),
    ]
}

/// Any string, control characters and unassigned code points included.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f\"\\\\]{0,16}",
        Just(String::new()),
        Just(" \t\n".to_string()),
    ]
}

fn any_recipient() -> impl Strategy<Value = DriveRecipient> {
    (0u8..3, any_text()).prop_map(|(kind, value)| match kind {
        0 => DriveRecipient::email(value),
        1 => DriveRecipient::alias(value),
        _ => DriveRecipient::object_id(value),
    })
}

fn any_role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Read),
        Just(Role::Write),
        Just(Role::Owner),
        any_text().prop_map(Role::Other),
    ]
}

fn any_invite() -> impl Strategy<Value = InviteBody> {
    (
        prop::collection::vec(any_recipient(), 0..4),
        prop::option::of(any_text()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::collection::vec(any_role(), 0..3),
        prop::option::of(any_date_time()),
        prop::option::of(any_text()),
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |(recipients, message, sign_in, send, roles, expires, password, retain)| {
                let mut body = InviteBody::new(recipients).with_roles(roles);
                body.message = message;
                body.require_sign_in = sign_in;
                body.send_invitation = send;
                body.expiration_date_time = expires;
                body.password = password.map(Password::new);
                body.retain_inherited_permissions = retain;
                body
            },
        )
}

/// The rules [`InviteBody::validate`] documents, restated independently.
fn breaks_a_listed_rule(body: &InviteBody) -> bool {
    body.recipients.is_empty()
        || body
            .message
            .as_ref()
            .is_some_and(|m| m.chars().count() > super::MAX_MESSAGE_CHARS)
        || body.expiration_date_time.is_some_and(|e| {
            e.checked_to_offset(UtcOffset::UTC)
                .is_none_or(|utc| !(1..=9999).contains(&utc.year()))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any body: `to_request` is `Ok` exactly when no listed rule is broken,
    /// a validation error otherwise, and what it writes reads back the same.
    #[test]
    fn invite_to_request_never_panics(body in any_invite()) {
        let invite = crate::drive::Invite::builder()
            .item(ItemLocator::me("01A"))
            .invite(body.clone())
            .build();
        match invite.to_request() {
            Ok(request) => {
                prop_assert!(!breaks_a_listed_rule(&body), "{body:?}");
                let sent: InviteBody = serde_json::from_slice(request.body().unwrap()).unwrap();
                prop_assert_eq!(&sent.recipients, &body.recipients);
                prop_assert_eq!(&sent.message, &body.message);
                prop_assert_eq!(&sent.roles, &body.roles);
                prop_assert_eq!(
                    sent.password.as_ref().map(Password::expose),
                    body.password.as_ref().map(Password::expose)
                );
                // Sent in UTC to the millisecond, as documented.
                let expected = body.expiration_date_time.map(|e| {
                    let ms = e.nanosecond() / 1_000_000 * 1_000_000;
                    e.replace_nanosecond(ms).unwrap()
                });
                prop_assert_eq!(sent.expiration_date_time, expected);
            }
            Err(Error::Validation(_)) => prop_assert!(breaks_a_listed_rule(&body), "{body:?}"),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    /// Any roles in a permission update: `Ok` (no roles included: the update
    /// page states no minimum), unless the id would change the path.
    #[test]
    fn update_to_request_never_panics(roles in prop::collection::vec(any_role(), 0..4), id in any_text()) {
        let update = crate::drive::UpdatePermission::builder()
            .item(ItemLocator::me("01A"))
            .permission_id(id.clone())
            .update(PermissionUpdate::new(roles.clone()))
            .build();
        match update.to_request() {
            Ok(request) => {
                prop_assert!(!matches!(id.as_str(), "" | "." | ".."));
                let sent: PermissionUpdate = serde_json::from_slice(request.body().unwrap()).unwrap();
                prop_assert_eq!(sent.roles, roles);
            }
            // A path-changing id.
            Err(Error::Validation(_)) => {
                prop_assert!(matches!(id.as_str(), "" | "." | ".."));
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    /// Any timestamp text Graph might send: a `Permission` either refuses it
    /// with a decode error or holds it, and then writes it back as the same
    /// instant.
    #[test]
    fn permission_timestamps_round_trip_or_refuse(text in rfc3339ish()) {
        let read = serde_json::from_value::<Permission>(json!({"expirationDateTime": text}));
        if text.starts_with(['+', '-']) {
            prop_assert!(read.is_err(), "a signed year was read: {}", text);
        }
        if let Ok(permission) = read {
            let written = serde_json::to_value(&permission).unwrap();
            let back: Permission = serde_json::from_value(written.clone()).unwrap();
            prop_assert_eq!(back, permission, "{} -> {}", text, written);
        }
    }

    /// Any date-time at any offset: written in Graph's request format, or an
    /// error; never a panic. What is written parses back to the same instant.
    #[test]
    fn request_timestamps_format_or_refuse(value in any_date_time()) {
        if let Ok(text) = format_utc_millis(value) {
            prop_assert_eq!(text.len(), "2018-07-15T14:00:00.000Z".len(), "{}", text);
            let back = parse_timestamp(&text).unwrap();
            let whole_ms = value.nanosecond() / 1_000_000 * 1_000_000;
            prop_assert_eq!(back, value.replace_nanosecond(whole_ms).unwrap());
        }
    }
}

#[test]
fn huge_values_never_panic_and_only_documented_limits_refuse() {
    let huge = "é\u{0}\u{7f}\u{202e}".repeat(250_000); // 1,000,000 characters
    let body = InviteBody::new([
        DriveRecipient::email(huge.clone()),
        DriveRecipient::alias(huge.clone()),
    ])
    .with_role(Role::Other(huge.clone()))
    .with_password(huge.clone());
    let invite = crate::drive::Invite::builder()
        .item(ItemLocator::me("01A"))
        .invite(body.clone())
        .build();
    let request = invite.to_request().unwrap();
    assert!(request.body().unwrap().len() > 4 * huge.len());
    // The message limit is documented (2,000 characters); it is the only refusal.
    let long = crate::drive::Invite::builder()
        .item(ItemLocator::me("01A"))
        .invite(body.with_message(huge))
        .build();
    match long.to_request() {
        Err(Error::Validation(err)) => assert_eq!(err.field(), "message"),
        other => panic!("{other:?}"),
    }
}
