//! The token endpoint's success answer: the access token and how long it lives.
//!
//! Entra ID v2 sends `expires_in` as a number, older endpoints as a string.
//! Anything else (a fraction, a negative number, text, `null`, or no member at
//! all) is not a lifetime: the token is then kept for [`DEFAULT_LIFETIME`], so
//! a bad member never makes the client fetch a token before every request.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::Value;

use super::AccessToken;
use crate::{AnswerMeta, AuthError};

/// How long a token whose answer gives no usable `expires_in` is kept: the
/// shortest access token lifetime the Microsoft identity platform can be
/// configured to issue ("Configurable token lifetimes in the Microsoft
/// identity platform": `AccessTokenLifetime`, 10 minutes to 1 day). A token
/// that lives longer is refreshed early; none lives shorter. Should Graph
/// still reject it, the client drops it on the 401 and fetches another.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The longest lifetime believed: the identity platform's maximum
/// `AccessTokenLifetime` (1 day, same source). A larger `expires_in` is
/// read as this, so no clock arithmetic can overflow.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A token from the token endpoint, with the lifetime it was given.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub(crate) token: AccessToken,
    /// `expires_in`, at most [`MAX_LIFETIME`], or [`DEFAULT_LIFETIME`] when unusable.
    pub(crate) lifetime: Duration,
}

#[derive(Deserialize)]
struct Wire {
    access_token: String,
    #[serde(default)]
    expires_in: Value,
}

/// Reads a 2xx token answer. Never panics; a body that holds no token is
/// [`AuthErrorKind::UnreadableToken`](crate::AuthErrorKind::UnreadableToken)
/// with `answer`'s status and request id and a snippet of the body whose token
/// values are redacted.
pub(crate) fn parse(answer: AnswerMeta, body: &[u8]) -> Result<IssuedToken, Box<AuthError>> {
    match serde_json::from_slice::<Wire>(body) {
        Ok(wire) => Ok(IssuedToken {
            token: AccessToken::new(wire.access_token),
            lifetime: lifetime(&wire.expires_in),
        }),
        Err(problem) => Err(Box::new(AuthError::unreadable_token(
            answer,
            describe(&problem),
            &redacted(body),
        ))),
    }
}

#[derive(Deserialize)]
struct ExpiresOnWire {
    access_token: String,
    #[serde(default)]
    expires_on: Value,
}

/// Reads a 2xx managed identity answer ("How to use managed identities for
/// App Service and Azure Functions", REST endpoint reference): the token
/// lives until `expires_on`, Unix seconds (a string there; a number is read
/// too). Measured from `now`; a time already past is a zero lifetime (the
/// cache then keeps it its minimum), anything unreadable is
/// [`DEFAULT_LIFETIME`]. Errors as [`parse`]'s.
pub(crate) fn parse_expires_on(
    answer: AnswerMeta,
    body: &[u8],
    now: SystemTime,
) -> Result<IssuedToken, Box<AuthError>> {
    match serde_json::from_slice::<ExpiresOnWire>(body) {
        Ok(wire) => {
            let lifetime = match seconds(&wire.expires_on) {
                // A time past what the clock can hold is read as the longest lifetime.
                Some(at) => {
                    UNIX_EPOCH
                        .checked_add(Duration::from_secs(at))
                        .map_or(MAX_LIFETIME, |expiry| {
                            expiry
                                .duration_since(now)
                                .unwrap_or(Duration::ZERO)
                                .min(MAX_LIFETIME)
                        })
                }
                None => DEFAULT_LIFETIME,
            };
            Ok(IssuedToken {
                token: AccessToken::new(wire.access_token),
                lifetime,
            })
        }
        Err(problem) => Err(Box::new(AuthError::unreadable_token(
            answer,
            describe(&problem),
            &redacted(body),
        ))),
    }
}

/// A token answer's parse error as its kind and place only: serde's message
/// quotes the offending value, which may be the token.
fn describe(problem: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match problem.classify() {
        Category::Io => "could not be read",
        Category::Syntax => "is not JSON",
        Category::Data => "is not an object with an `access_token` string",
        Category::Eof => "is cut short",
    };
    format!(
        "the body {what} (line {}, column {})",
        problem.line(),
        problem.column()
    )
}

/// `expires_in` as a lifetime: a non-negative integer, or a string of ASCII
/// digits (an integer too large for `u64` reads as the maximum).
fn lifetime(expires_in: &Value) -> Duration {
    match seconds(expires_in) {
        Some(seconds) => Duration::from_secs(seconds).min(MAX_LIFETIME),
        None => DEFAULT_LIFETIME,
    }
}

/// A non-negative integer, or a string of ASCII digits (an integer too
/// large for `u64` reads as the maximum).
fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => {
            let digits = text.trim();
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().unwrap_or(u64::MAX))
        }
        _ => None,
    }
}

/// The `refresh_token` of a token answer that [`parse`] read, if it has a
/// non-empty one (RFC 6749 §5.1: optional).
pub(crate) fn refresh_token(body: &[u8]) -> Option<crate::Secret> {
    #[derive(Deserialize)]
    struct Refresh {
        #[serde(default)]
        refresh_token: Option<String>,
    }
    serde_json::from_slice::<Refresh>(body)
        .ok()
        .and_then(|wire| wire.refresh_token)
        .filter(|token| !token.is_empty())
        .map(crate::Secret::new)
}

/// The body with every value that may be a token replaced, for the error's
/// snippet: in JSON, every string; in anything else
/// (a body cut short, say), everything from the first `token` or backslash on.
pub(crate) fn redacted(body: &[u8]) -> Vec<u8> {
    const MARK: &str = "<redacted>";
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value, MARK);
            // Serializing a `Value` cannot fail.
            serde_json::to_vec(&value).unwrap_or_default()
        }
        Err(_) => {
            // A backslash may start an escape that spells `token` (`\u0074oken`).
            let cut = body
                .windows(5)
                .position(|w| w.eq_ignore_ascii_case(b"token") || w[0] == b'\\')
                .map_or(body.len(), |at| at + if body[at] == b'\\' { 0 } else { 5 });
            let mut kept = body[..cut].to_vec();
            if cut < body.len() {
                kept.extend_from_slice(MARK.as_bytes());
            }
            kept
        }
    }
}

fn redact_value(value: &mut Value, mark: &str) {
    match value {
        // Any string could be the token (a bare string answer, a token under
        // an unexpected name): the snippet keeps the shape, names and numbers.
        Value::String(text) => *text = mark.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, mark)),
        Value::Object(members) => members.values_mut().for_each(|v| redact_value(v, mark)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::AuthErrorKind;

    /// Documented on the `snippet()` accessors: 200 characters and an ellipsis.
    const SNIPPET_MAX_CHARS: usize = 200;

    fn meta() -> AnswerMeta {
        AnswerMeta::new(200, Some("rid-7".to_owned()))
    }

    fn lifetime_of(expires_in: &str) -> Duration {
        let body =
            format!(r#"{{"token_type":"Bearer","access_token":"t","expires_in":{expires_in}}}"#);
        parse(meta(), body.as_bytes()).unwrap().lifetime
    }

    #[test]
    fn numbers_and_digit_strings_are_lifetimes() {
        assert_eq!(lifetime_of("3599"), Duration::from_secs(3599));
        assert_eq!(lifetime_of(r#"" 3599 ""#), Duration::from_secs(3599));
        assert_eq!(lifetime_of("0"), Duration::ZERO);
    }

    #[test]
    fn anything_else_is_the_default_and_huge_values_are_capped() {
        for odd in [
            r#""abc""#, "3599.5", "-5", "null", "true", "[]", "{}", r#""""#, r#""-5""#, "1e300",
        ] {
            assert_eq!(lifetime_of(odd), DEFAULT_LIFETIME, "{odd}");
        }
        let missing = parse(meta(), br#"{"access_token":"t"}"#).unwrap();
        assert_eq!(missing.lifetime, DEFAULT_LIFETIME);
        for huge in ["18446744073709551615", r#""99999999999999999999999999""#] {
            assert_eq!(lifetime_of(huge), MAX_LIFETIME, "{huge}");
        }
    }

    #[test]
    fn expires_on_is_unix_seconds_measured_from_now() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let of = |expires_on: &str| {
            let body = format!(r#"{{"access_token":"t","expires_on":{expires_on}}}"#);
            parse_expires_on(meta(), body.as_bytes(), now)
                .unwrap()
                .lifetime
        };
        assert_eq!(of(r#""1800003600""#), Duration::from_secs(3600));
        assert_eq!(of("1800000060"), Duration::from_secs(60));
        assert_eq!(of(r#""1700000000""#), Duration::ZERO);
        assert_eq!(of(r#""99999999999999999999""#), MAX_LIFETIME);
        for odd in [r#""09/14/2017 00:00:00 PM +00:00""#, "null", "-1", "1.5"] {
            assert_eq!(of(odd), DEFAULT_LIFETIME, "{odd}");
        }
        let err = parse_expires_on(meta(), br#"{"token":"eyJ.secret"}"#, now).unwrap_err();
        assert_eq!(err.kind(), AuthErrorKind::UnreadableToken);
        assert!(!err.to_string().contains("eyJ.secret"), "{err}");
    }

    #[test]
    fn an_answer_without_a_token_keeps_status_and_a_redacted_snippet() {
        let err = parse(
            meta(),
            br#"{"access_token":42,"refresh_token":"rt-secret"}"#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), AuthErrorKind::UnreadableToken);
        assert_eq!((err.status(), err.request_id()), (Some(200), Some("rid-7")));
        let snippet = err.snippet().unwrap();
        assert!(snippet.contains("<redacted>"), "{snippet}");
        assert!(!snippet.contains("rt-secret"), "{snippet}");

        let cut = parse(
            meta(),
            br#"{"token_type":"Bearer","access_token":"eyJ0.secr"#,
        )
        .unwrap_err();
        assert_eq!(cut.snippet(), Some(r#"{"token<redacted>"#));
        let html = parse(meta(), b"<html>Gateway</html>").unwrap_err();
        assert_eq!(html.snippet(), Some("<html>Gateway</html>"));
    }

    /// Any JSON value, nested a little.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{0,14}", inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// What a parse must always give: a bounded lifetime, or a typed error
    /// with the status, a short snippet and no token in it.
    #[test]
    fn a_token_in_an_unreadable_answer_shows_nowhere() {
        let token = "eyJ0eXAi.SECRETPART.sig";
        for body in [
            // A bare string: serde's own message would quote it.
            format!(r#""{token}""#),
            // Cut short, its member name escaped so that it does not read `token`.
            format!(r#"{{"access_\u0074oken":"{token}","expires_in":35"#),
            format!(r#"{{"expires_in":"{token}"}}"#),
        ] {
            check(body.as_bytes(), token).unwrap();
            let err = parse(meta(), body.as_bytes()).unwrap_err();
            assert!(
                err.to_string()
                    .contains("unreadable token answer: the body"),
                "{err}"
            );
        }
    }

    fn check(body: &[u8], token: &str) -> Result<(), TestCaseError> {
        match parse(meta(), body) {
            Ok(issued) => prop_assert!(issued.lifetime <= MAX_LIFETIME),
            Err(err) => {
                prop_assert_eq!(err.kind(), AuthErrorKind::UnreadableToken);
                prop_assert_eq!(err.status(), Some(200));
                prop_assert_eq!(err.request_id(), Some("rid-7"));
                let snippet = err.snippet().unwrap_or_default();
                prop_assert!(
                    snippet.chars().count() <= SNIPPET_MAX_CHARS + 1,
                    "{}",
                    snippet
                );
                prop_assert!(!snippet.contains(token), "token in {}", snippet);
                let (shown, debug) = (err.to_string(), format!("{err:?}"));
                prop_assert!(!shown.contains(token), "token in {}", shown);
                prop_assert!(!debug.contains(token), "token in {}", debug);
            }
        }
        Ok(())
    }

    const TOKEN: &str = "eyJ0eXAi.Zm9vYmFyYmF6cXV4.c2lnbmF0dXJl";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
            check(&body, TOKEN)?;
        }

        #[test]
        fn arbitrary_json_never_panics(value in json()) {
            check(value.to_string().as_bytes(), TOKEN)?;
        }

        /// A token answer with any `expires_in`, any other members, perhaps
        /// cut short: a lifetime of at most a day, or an error without the token.
        #[test]
        fn token_answers_with_any_members(
            expires_in in json(),
            extra in prop::collection::vec(("[a-z_]{1,10}", json()), 0..3),
            cut in any::<prop::sample::Index>(),
            whole in any::<bool>(),
        ) {
            let mut members: serde_json::Map<String, Value> = extra.into_iter().collect();
            members.insert("access_token".into(), Value::from(TOKEN));
            members.insert("expires_in".into(), expires_in);
            let body = Value::Object(members).to_string();
            if whole {
                let issued = parse(meta(), body.as_bytes());
                prop_assert!(issued.is_ok(), "{:?}", issued);
            }
            let end = if whole { body.len() } else { cut.index(body.len() + 1) };
            check(&body.as_bytes()[..end], TOKEN)?;
        }
    }
}
