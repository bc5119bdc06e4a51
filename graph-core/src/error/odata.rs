//! The OData error object Microsoft Graph sends, wherever it appears.
//!
//! The same object is the `error` member of an error answer (also inside a
//! `$batch` reply) and the `error` property of each permission in a
//! `207 Multi-Status` invite answer:
//!
//! ```json
//! {
//!   "code": "badRequest",
//!   "message": "…",
//!   "target": "recipients",
//!   "details": [{ "code": "…", "message": "…", "target": "…" }],
//!   "innerError": {
//!     "code": "…",
//!     "request-id": "…",
//!     "client-request-id": "…",
//!     "date": "…",
//!     "innerError": { "code": "…" }
//!   }
//! }
//! ```
//!
//! Reading is lenient (see the `lenient` module): member names match in any
//! letter case, and a member of the wrong type reads as absent.

use std::fmt;

use serde::Serialize;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::lenient::{self, Lenient, Loose, Message, Slot};

/// An OData error object: what Graph says went wrong.
///
/// Found in a [`GraphError`](crate::GraphError) (see
/// [`GraphError::odata`](crate::GraphError::odata)) and, for each recipient
/// an invitation could not be sent to, in
/// [`Permission::error`](crate::drive::model::Permission::error) when an
/// invite partly succeeds (HTTP 207; the permission itself may still have
/// been created).
///
/// Deserializing never fails on an object: member names are matched in any
/// letter case (`innerError` and `innererror` alike), members of an
/// unexpected type read as absent, and members this type does not model are
/// kept in [`additional`](Self::additional). Serializing writes Graph's
/// names, with the inner error as `innererror`.
///
/// ```
/// use graph_core::ODataError;
///
/// let error: ODataError = serde_json::from_str(r#"{
///     "code": "notAllowed",
///     "message": "Account verification needed to unblock sending emails.",
///     "innererror": { "code": "accountVerificationRequired" }
/// }"#).unwrap();
/// assert_eq!(error.inner_codes(), vec!["accountVerificationRequired"]);
/// assert_eq!(
///     error.to_string(),
///     "notAllowed: Account verification needed to unblock sending emails. (accountVerificationRequired)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ODataError {
    /// The error code, e.g. `itemNotFound` or `notAllowed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The developer-facing message (also read from the older
    /// `{"lang": …, "value": …}` form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the error is about, usually the offending property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The message in the caller's language, suitable for end users
    /// (sent with per-recipient invite errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localized_message: Option<String>,
    /// Where the user can go to fix the problem (sent with per-recipient
    /// invite errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_it_url: Option<String>,
    /// The `details` entries; entries that are not objects are dropped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// The more specific causes (wire name `innerError` or `innererror`).
    #[serde(rename = "innererror", skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<InnerError>,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// One level of a nested `innerError` chain.
///
/// Members other than the ones modelled here are kept in
/// [`additional`](Self::additional).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct InnerError {
    /// The more specific code, e.g. `accountVerificationRequired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The `request-id` Graph gave the request.
    #[serde(rename = "request-id", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The `client-request-id` the request carried.
    #[serde(rename = "client-request-id", skip_serializing_if = "Option::is_none")]
    pub client_request_id: Option<String>,
    /// When the error happened, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The next, even more specific level (wire name `innerError` or `innererror`).
    #[serde(rename = "innererror", skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<Box<InnerError>>,
    /// Every other member of this level, as sent.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

/// One entry of an OData error's `details`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The detail's `code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The detail's `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The detail's `target`, usually the offending property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Every other member of this entry, as sent.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl ODataError {
    /// The codes of the nested inner errors, outermost first, skipping levels
    /// without a code. Empty when there is no inner error.
    pub fn inner_codes(&self) -> Vec<&str> {
        self.levels()
            .filter_map(|level| level.code.as_deref())
            .collect()
    }

    /// The first `request-id` in the inner error chain.
    pub(crate) fn request_id(&self) -> Option<&str> {
        self.levels().find_map(|level| level.request_id.as_deref())
    }

    /// The first `client-request-id` in the inner error chain.
    pub(crate) fn client_request_id(&self) -> Option<&str> {
        self.levels()
            .find_map(|level| level.client_request_id.as_deref())
    }

    /// The first `date` in the inner error chain.
    pub(crate) fn date(&self) -> Option<&str> {
        self.levels().find_map(|level| level.date.as_deref())
    }

    /// The inner error levels, outermost first.
    fn levels(&self) -> impl Iterator<Item = &InnerError> {
        std::iter::successors(self.inner_error.as_ref(), |level| {
            level.inner_error.as_deref()
        })
    }
}

impl fmt::Display for ODataError {
    /// `code: message (inner > codes)`; `unknownError` stands in for a missing code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_deref().unwrap_or("unknownError"))?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        let inner = self.inner_codes();
        if !inner.is_empty() {
            write!(f, " ({})", inner.join(" > "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ODataError {}

/// Declares a `Deserialize` impl that reads a JSON object member by member:
/// each listed field from the member of that wire name (any letter case)
/// through a lenient reader and a conversion, every other member into
/// `additional`.
macro_rules! lenient_object {
    (
        $ty:ident, $expecting:literal,
        { $( $field:ident: $wire:literal => $read:ty, $convert:expr; )* }
    ) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;

                impl<'de> Visitor<'de> for ObjectVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $( let mut $field = Slot::default(); )*
                        let mut additional = Map::new();
                        'members: while let Some(key) = map.next_key::<String>()? {
                            $(
                                if let Some(exact) = lenient::matches(&key, $wire) {
                                    $field.offer(map.next_value::<Loose<$read>>()?.0, exact);
                                    continue 'members;
                                }
                            )*
                            let value = map.next_value::<Value>()?;
                            additional.insert(key, value);
                        }
                        Ok($ty {
                            $( $field: $convert($field.take()), )*
                            additional,
                        })
                    }
                }

                deserializer.deserialize_map(ObjectVisitor)
            }
        }

        impl Lenient for $ty {
            fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                lenient::object(map)
            }
        }
    };
}

fn same<T>(value: Option<T>) -> Option<T> {
    value
}

fn text(value: Option<Message>) -> Option<String> {
    value.map(|Message(text)| text)
}

fn boxed(level: Option<InnerError>) -> Option<Box<InnerError>> {
    level.map(Box::new)
}

lenient_object!(ODataError, "an OData error object", {
    code: "code" => String, same;
    message: "message" => Message, text;
    target: "target" => String, same;
    localized_message: "localizedMessage" => String, same;
    fix_it_url: "fixItUrl" => String, same;
    details: "details" => Vec<ErrorDetail>, Option::unwrap_or_default;
    inner_error: "innerError" => InnerError, same;
});

lenient_object!(InnerError, "an OData inner error object", {
    code: "code" => String, same;
    request_id: "request-id" => String, same;
    client_request_id: "client-request-id" => String, same;
    date: "date" => String, same;
    inner_error: "innerError" => InnerError, boxed;
});

lenient_object!(ErrorDetail, "an OData error detail object", {
    code: "code" => String, same;
    message: "message" => Message, text;
    target: "target" => String, same;
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> ODataError {
        serde_json::from_value(value).expect("an object always reads")
    }

    /// The top-level shape (the `error` member of an error answer, also inside
    /// a `$batch` reply), with every documented member.
    #[test]
    fn top_level_error_with_every_member() {
        let error: ODataError = serde_json::from_str(
            r#"{
              "code": "invalidRequest",
              "message": "Invalid request",
              "target": "recipients",
              "details": [{"code": "NullValue", "message": "Missing", "target": "email", "hint": 1}],
              "innerError": {
                "code": "invalidRecipients",
                "request-id": "req-1",
                "client-request-id": "cli-1",
                "date": "2024-05-01T10:00:00",
                "innerError": {"code": "emailMissing", "request-id": "not-the-first"}
              },
              "@odata.context": "kept"
            }"#,
        )
        .unwrap();
        assert_eq!(error.code.as_deref(), Some("invalidRequest"));
        assert_eq!(error.message.as_deref(), Some("Invalid request"));
        assert_eq!(error.target.as_deref(), Some("recipients"));
        assert_eq!(error.details.len(), 1);
        assert_eq!(error.details[0].target.as_deref(), Some("email"));
        assert_eq!(error.details[0].additional["hint"], 1);
        assert_eq!(error.inner_codes(), ["invalidRecipients", "emailMissing"]);
        assert_eq!(error.request_id(), Some("req-1"));
        assert_eq!(error.client_request_id(), Some("cli-1"));
        assert_eq!(error.date(), Some("2024-05-01T10:00:00"));
        assert_eq!(error.additional["@odata.context"], "kept");
    }

    /// The per-recipient error of a 207 invite answer, as Graph documents it.
    #[test]
    fn recipient_error_of_a_207_answer() {
        let error = read(json!({
            "code": "notAllowed",
            "message": "Account verification needed to unblock sending emails.",
            "localizedMessage": "Kontobestätigung erforderlich.",
            "fixItUrl": "http://g.live.com/8SESkydrive/VerifyAccount",
            "innererror": {"code": "accountVerificationRequired"}
        }));
        assert_eq!(
            error.localized_message.as_deref(),
            Some("Kontobestätigung erforderlich.")
        );
        assert_eq!(
            error.fix_it_url.as_deref(),
            Some("http://g.live.com/8SESkydrive/VerifyAccount")
        );
        assert_eq!(error.inner_codes(), ["accountVerificationRequired"]);
        assert!(error.additional.is_empty());
    }

    #[test]
    fn nested_chain_with_both_spellings() {
        let error = read(json!({
            "code": "notAllowed",
            "message": "Account verification needed to unblock sending emails.",
            "localizedMessage": "Kontobestätigung erforderlich.",
            "fixItUrl": "http://g.live.com/8SESkydrive/VerifyAccount",
            "innererror": {
                "code": "accountVerificationRequired",
                "innerError": {
                    "innererror": {
                        "code": "hipCheckRequired",
                        "request-id": "abc"
                    },
                    "date": "2024-01-01T00:00:00",
                    "policy": {"id": 7}
                }
            }
        }));
        assert_eq!(error.code.as_deref(), Some("notAllowed"));
        assert_eq!(
            error.inner_codes(),
            vec!["accountVerificationRequired", "hipCheckRequired"]
        );
        let middle = error
            .inner_error
            .as_ref()
            .unwrap()
            .inner_error
            .as_ref()
            .unwrap();
        assert_eq!(middle.code, None);
        assert_eq!(middle.date.as_deref(), Some("2024-01-01T00:00:00"));
        assert_eq!(middle.additional["policy"], json!({"id": 7}));
        assert_eq!(
            middle.inner_error.as_ref().unwrap().request_id.as_deref(),
            Some("abc")
        );
        // The first request-id and date along the chain, wherever they are.
        assert_eq!(error.request_id(), Some("abc"));
        assert_eq!(error.date(), Some("2024-01-01T00:00:00"));
        assert_eq!(
            error.to_string(),
            "notAllowed: Account verification needed to unblock sending emails. \
             (accountVerificationRequired > hipCheckRequired)"
        );
    }

    #[test]
    fn names_match_in_any_case_and_the_exact_spelling_wins() {
        let error = read(json!({
            "CODE": "upper",
            "Message": "mixed",
            "INNERERROR": {"Code": "inner", "REQUEST-ID": "r"}
        }));
        assert_eq!(error.code.as_deref(), Some("upper"));
        assert_eq!(error.message.as_deref(), Some("mixed"));
        assert_eq!(error.inner_codes(), ["inner"]);
        assert_eq!(error.request_id(), Some("r"));

        // Whichever comes first, the exactly spelled member is the one read.
        for text in [
            r#"{"CODE": "other", "code": "exact", "Code": "third"}"#,
            r#"{"code": "exact", "CODE": "other"}"#,
        ] {
            let error: ODataError = serde_json::from_str(text).unwrap();
            assert_eq!(error.code.as_deref(), Some("exact"), "{text}");
            assert!(error.additional.is_empty(), "{text}");
        }
    }

    #[test]
    fn members_of_the_wrong_type_read_as_absent() {
        let error = read(json!({
            "code": 42,
            "message": null,
            "target": ["x"],
            "localizedMessage": {"a": 1},
            "fixItUrl": true,
            "details": {"code": "not a list"},
            "innerError": "text"
        }));
        assert_eq!(error, ODataError::default());

        let error = read(json!({
            "details": [1, "x", null, [], {"code": 7, "message": {"lang": "en", "value": "old form"}}],
            "innerError": {"code": 1.5, "request-id": 9, "innerError": [{"code": "in a list"}]},
            "message": {"lang": "en-US", "value": "Denied."}
        }));
        assert_eq!(error.details.len(), 1, "only objects are entries");
        assert_eq!(error.details[0].code, None);
        assert_eq!(error.details[0].message.as_deref(), Some("old form"));
        assert_eq!(error.message.as_deref(), Some("Denied."));
        let inner = error.inner_error.as_ref().unwrap();
        assert_eq!((&inner.code, &inner.request_id), (&None, &None));
        assert!(inner.inner_error.is_none());
        assert!(error.inner_codes().is_empty());

        // A message object without a string `value` is no message.
        let error = read(json!({"message": {"lang": "en", "value": 3}}));
        assert_eq!(error.message, None);
    }

    #[test]
    fn anything_but_an_object_is_refused_without_panicking() {
        for text in [
            "",
            "null",
            "\"text\"",
            "[1, 2]",
            "42",
            "<html><body>502</body></html>",
            "{\"code\": \"cut",
            "{\"code\": \"x\"} trailing",
        ] {
            assert!(
                serde_json::from_str::<ODataError>(text).is_err(),
                "{text:?}"
            );
        }
        assert!(serde_json::from_slice::<ODataError>(b"{\"code\":\"\xff\"}").is_err());
    }

    #[test]
    fn a_long_chain_within_the_recursion_limit_reads_whole() {
        let depth = 40;
        let text = format!(
            "{{\"code\":\"top\"{}{}}}",
            (0..depth)
                .map(|n| format!(",\"innerError\":{{\"code\":\"c{n}\""))
                .collect::<String>(),
            "}".repeat(depth)
        );
        let error: ODataError = serde_json::from_str(&text).unwrap();
        let codes = error.inner_codes();
        assert_eq!(codes.len(), depth);
        assert_eq!(codes.first(), Some(&"c0"));
        assert_eq!(codes.last(), Some(&"c39"));
    }

    #[test]
    fn huge_nesting_never_overflows_the_stack() {
        for depth in [200, 100_000] {
            let chain = format!("{}{}", "{\"innerError\":".repeat(depth), "}".repeat(depth));
            assert!(serde_json::from_str::<ODataError>(&chain).is_err());
            // Skipped values are skipped without recursing: no limit to hit.
            let arrays = format!("{{\"details\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
            let error: ODataError = serde_json::from_str(&arrays).unwrap();
            assert!(error.details.is_empty());
            let unknown = format!("{{\"x\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
            assert!(serde_json::from_str::<ODataError>(&unknown).is_err());
        }
    }

    #[test]
    fn serializes_with_lowercase_innererror() {
        let error = ODataError {
            code: Some("notAllowed".into()),
            inner_error: Some(InnerError {
                code: Some("exchangeMaxRecipients".into()),
                request_id: Some("r".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let wire = serde_json::to_value(&error).unwrap();
        assert_eq!(
            wire,
            json!({"code": "notAllowed", "innererror": {"code": "exchangeMaxRecipients", "request-id": "r"}})
        );
        assert_eq!(serde_json::from_value::<ODataError>(wire).unwrap(), error);
    }

    #[test]
    fn everything_read_round_trips() {
        let wire = json!({
            "code": "a", "message": "b", "target": "c", "localizedMessage": "d", "fixItUrl": "e",
            "details": [{"code": "f", "extra": [1]}],
            "innererror": {"code": "g", "client-request-id": "h", "date": "i", "x": null,
                           "innererror": {"code": "j"}},
            "unknown": {"kept": true}
        });
        let error = read(wire.clone());
        assert_eq!(serde_json::to_value(&error).unwrap(), wire);
    }

    #[test]
    fn no_inner_error_means_no_codes() {
        let error = read(json!({"code": "x"}));
        assert!(error.inner_codes().is_empty());
        assert_eq!(error.to_string(), "x");
        assert_eq!(ODataError::default().to_string(), "unknownError");
    }

    proptest::proptest! {
        /// Any bytes: an error or a value, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = serde_json::from_slice::<ODataError>(&bytes);
        }

        /// Any JSON object built from error-like member names reads.
        #[test]
        fn any_object_reads(members in proptest::collection::vec(
            (
                proptest::sample::select(vec!["code", "CODE", "message", "target", "details",
                    "innerError", "innererror", "request-id", "date", "other"]),
                proptest::sample::select(vec!["\"s\"", "1", "-1", "1.5", "null", "true", "[]",
                    "[{\"code\":\"d\"}]", "{}", "{\"code\":\"i\",\"innerError\":{\"code\":\"j\"}}",
                    "{\"value\":\"v\"}"]),
            ),
            0..12,
        )) {
            let text = format!(
                "{{{}}}",
                members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            let error: ODataError = serde_json::from_str(&text).unwrap();
            let _ = (error.inner_codes(), error.to_string(), serde_json::to_string(&error).unwrap());
        }
    }
}
