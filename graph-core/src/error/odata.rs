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

use super::lenient::{self, Lenient, Loose, Member, Message, Slot};

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
                                if let Some(exact) = Member::of(&key, $wire) {
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
