//! Reading an error answer's body, whatever it holds.
//!
//! Graph sends `{"error": {…}}` with an [`ODataError`] inside; the Microsoft
//! identity platform token endpoint sends `{"error": "invalid_client", …}`;
//! proxies and gateways send HTML, plain text or nothing at all. The body is
//! parsed once, never fails and never panics, and always keeps a short
//! printable snippet of the raw text.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use super::lenient::{self, Lenient, Loose, Slot};
use super::{ODataError, TokenErrorBody};

/// Largest number of characters kept in a snippet, not counting [`SNIPPET_ELLIPSIS`].
/// Documented on the public `snippet()` accessors: change them together.
pub(crate) const SNIPPET_MAX_CHARS: usize = 200;

/// Marker appended to a snippet when the body was cut.
pub(crate) const SNIPPET_ELLIPSIS: &str = "…";

/// The byte-order mark some servers put in front of JSON.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What an error body turned out to contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// The body is empty or only whitespace.
    Empty,
    /// A Microsoft Graph (OData) JSON error: `{"error": {...}}`.
    Graph,
    /// An OAuth 2.0 token endpoint error: `{"error": "..."}`.
    Token,
    /// Valid JSON of some other shape.
    OtherJson,
    /// An HTML page, judged by content type or a leading `<`.
    Html,
    /// Anything else: plain text, truncated JSON, binary data.
    Other,
}

/// The useful parts of an error answer's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    kind: BodyKind,
    odata: Option<ODataError>,
    token: Option<TokenErrorBody>,
    snippet: String,
}

impl ErrorBody {
    /// Parses an error body. Never fails and never panics.
    ///
    /// JSON is recognised by its leading `{` (after whitespace and an
    /// optional byte-order mark), whatever the content type says; the content
    /// type only helps to tell HTML from other text.
    pub(crate) fn parse(content_type: Option<&str>, body: &[u8]) -> Self {
        let mut parsed = Self {
            kind: BodyKind::Other,
            odata: None,
            token: None,
            snippet: snippet(body),
        };
        let trimmed = trim_start(body);
        if trimmed.is_empty() {
            parsed.kind = BodyKind::Empty;
        } else if trimmed.first() == Some(&b'{')
            && let Ok(envelope) = serde_json::from_slice::<Envelope>(trimmed)
        {
            match envelope {
                Envelope::Graph(odata) => {
                    parsed.kind = BodyKind::Graph;
                    parsed.odata = Some(odata);
                }
                Envelope::Token(token) => {
                    parsed.kind = BodyKind::Token;
                    parsed.token = Some(token);
                }
                Envelope::Other => parsed.kind = BodyKind::OtherJson,
            }
        } else if is_html(content_type, trimmed) {
            parsed.kind = BodyKind::Html;
        }
        parsed
    }

    pub(crate) fn kind(&self) -> BodyKind {
        self.kind
    }

    pub(crate) fn odata(&self) -> Option<&ODataError> {
        self.odata.as_ref()
    }

    pub(crate) fn token(&self) -> Option<&TokenErrorBody> {
        self.token.as_ref()
    }

    pub(crate) fn snippet(&self) -> &str {
        &self.snippet
    }

    /// Graph's `error.code`, or the OAuth `error` of a token endpoint answer.
    pub(crate) fn code(&self) -> Option<&str> {
        match (&self.odata, &self.token) {
            (Some(odata), _) => odata.code.as_deref(),
            (None, Some(token)) => Some(&token.error),
            (None, None) => None,
        }
    }

    /// Graph's `error.message`, or the OAuth `error_description`.
    pub(crate) fn message(&self) -> Option<&str> {
        match (&self.odata, &self.token) {
            (Some(odata), _) => odata.message.as_deref(),
            (None, Some(token)) => token.error_description.as_deref(),
            (None, None) => None,
        }
    }

    /// The first `request-id` of the inner error chain, or the token endpoint's `trace_id`.
    pub(crate) fn request_id(&self) -> Option<&str> {
        match (&self.odata, &self.token) {
            (Some(odata), _) => odata.request_id(),
            (None, Some(token)) => token.trace_id.as_deref(),
            (None, None) => None,
        }
    }

    /// The first `client-request-id` of the inner error chain, or the token
    /// endpoint's `correlation_id`.
    pub(crate) fn client_request_id(&self) -> Option<&str> {
        match (&self.odata, &self.token) {
            (Some(odata), _) => odata.client_request_id(),
            (None, Some(token)) => token.correlation_id.as_deref(),
            (None, None) => None,
        }
    }

    /// The first `date` of the inner error chain, or the token endpoint's `timestamp`.
    pub(crate) fn date(&self) -> Option<&str> {
        match (&self.odata, &self.token) {
            (Some(odata), _) => odata.date(),
            (None, Some(token)) => token.timestamp.as_deref(),
            (None, None) => None,
        }
    }
}

/// A JSON object error body, by the type of its `error` member.
enum Envelope {
    /// `error` is an object.
    Graph(ODataError),
    /// `error` is a string: the OAuth 2.0 shape, with its sibling members.
    Token(TokenErrorBody),
    /// No `error` member, or one of another type.
    Other,
}

/// The `error` member of an error body.
enum ErrorMember {
    Object(Box<ODataError>),
    Text(String),
}

impl Lenient for ErrorMember {
    fn from_str(text: &str) -> Option<Self> {
        Some(ErrorMember::Text(text.to_owned()))
    }
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Ok(lenient::object(map)?.map(|odata| ErrorMember::Object(Box::new(odata))))
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut error = Slot::<ErrorMember>::default();
        let mut codes = Slot::<Vec<i64>>::default();
        // The OAuth members that are strings, in `TokenErrorBody`'s order.
        const TEXT: [&str; 6] = [
            "error_description",
            "timestamp",
            "trace_id",
            "correlation_id",
            "error_uri",
            "claims",
        ];
        let mut text: [Slot<String>; 6] = Default::default();
        'members: while let Some(key) = map.next_key::<String>()? {
            if let Some(exact) = lenient::matches(&key, "error") {
                error.offer(map.next_value::<Loose<ErrorMember>>()?.0, exact);
                continue;
            }
            if let Some(exact) = lenient::matches(&key, "error_codes") {
                codes.offer(map.next_value::<Loose<Vec<i64>>>()?.0, exact);
                continue;
            }
            for (name, slot) in TEXT.iter().zip(&mut text) {
                if let Some(exact) = lenient::matches(&key, name) {
                    slot.offer(map.next_value::<Loose<String>>()?.0, exact);
                    continue 'members;
                }
            }
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Ok(match error.take() {
            Some(ErrorMember::Object(odata)) => Envelope::Graph(*odata),
            Some(ErrorMember::Text(error)) => {
                let [
                    description,
                    timestamp,
                    trace_id,
                    correlation_id,
                    error_uri,
                    claims,
                ] = text.map(Slot::take);
                Envelope::Token(TokenErrorBody {
                    error,
                    error_description: description,
                    error_codes: codes.take().unwrap_or_default(),
                    timestamp,
                    trace_id,
                    correlation_id,
                    error_uri,
                    claims,
                })
            }
            None => Envelope::Other,
        })
    }
}

/// Strips a UTF-8 byte-order mark and leading ASCII whitespace.
fn trim_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

fn is_html(content_type: Option<&str>, trimmed: &[u8]) -> bool {
    let declared = content_type.is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("text/html")
            || essence.eq_ignore_ascii_case("application/xhtml+xml")
    });
    declared || trimmed.first() == Some(&b'<')
}

/// The printable start of a body: up to [`SNIPPET_MAX_CHARS`] characters,
/// decoded as lossy UTF-8 with runs of whitespace collapsed to one space,
/// followed by [`SNIPPET_ELLIPSIS`] if the body was longer. Empty for an
/// empty body.
///
/// Decodes lazily, so only as much of the body is read as the snippet needs
/// (plus any run of whitespace).
pub(crate) fn snippet(body: &[u8]) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    let mut cut = false;
    'chunks: for chunk in body.utf8_chunks() {
        // Like `String::from_utf8_lossy`: one replacement per invalid run.
        let replacement = (!chunk.invalid().is_empty()).then_some(char::REPLACEMENT_CHARACTER);
        for ch in chunk.valid().chars().chain(replacement) {
            if ch.is_whitespace() {
                pending_space = count > 0;
                continue;
            }
            let needed = if pending_space { 2 } else { 1 };
            if count + needed > SNIPPET_MAX_CHARS {
                cut = true;
                break 'chunks;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
            count += needed;
        }
    }
    // A success body can hold a pre-authenticated URL (a driveItem's
    // `@microsoft.graph.downloadUrl` with its `tempauth=`): its query values
    // go before the snippet is shown. Redacting can lengthen the text, so
    // the limit is applied again after it.
    if let std::borrow::Cow::Owned(redacted) = crate::request::redacted_urls(&out) {
        out = redacted;
        if let Some((end, _)) = out.char_indices().nth(SNIPPET_MAX_CHARS) {
            out.truncate(end);
            cut = true;
        }
    }
    if cut {
        out.push_str(SNIPPET_ELLIPSIS);
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::error::{Answered, ErrorDetail};

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

    fn inner_codes(body: &ErrorBody) -> Vec<&str> {
        body.odata()
            .map(ODataError::inner_codes)
            .unwrap_or_default()
    }

    fn details(body: &ErrorBody) -> &[ErrorDetail] {
        body.odata().map_or(&[], |odata| &odata.details)
    }

    fn token_of(body: &[u8]) -> Option<TokenErrorBody> {
        ErrorBody::parse(None, body).token().cloned()
    }

    /// How an answer of this status and body reads as an [`Error`], headers aside.
    fn shown(status: u16, content_type: Option<&str>, body: &[u8]) -> String {
        Error::from_answer(Answered {
            status,
            content_type,
            body,
            request_id: None,
            client_request_id: None,
            date: None,
            retry_after: None,
            attempts: 1,
        })
        .to_string()
    }

    #[test]
    fn documented_graph_error() {
        let body = br#"{
          "error": {
            "code": "invalidRange",
            "message": "Uploaded fragment overlaps with existing data.",
            "innerError": {
              "code": "invalidRange",
              "request-id": "request-id",
              "date": "date-time"
            }
          }
        }"#;
        let parsed = ErrorBody::parse(JSON, body);
        assert_eq!(
            shown(416, JSON, body),
            "Graph answered 416 invalidRange: Uploaded fragment overlaps with existing data. \
             (inner: invalidRange) [request-id request-id]"
        );
        assert_eq!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.code(), Some("invalidRange"));
        assert_eq!(
            parsed.message(),
            Some("Uploaded fragment overlaps with existing data.")
        );
        assert_eq!(inner_codes(&parsed), ["invalidRange"]);
        assert_eq!(parsed.request_id(), Some("request-id"));
        assert_eq!(parsed.client_request_id(), None);
        assert_eq!(parsed.date(), Some("date-time"));
        assert!(
            parsed
                .snippet()
                .starts_with(r#"{ "error": { "code": "invalidRange","#)
        );
        assert_eq!(parsed.token(), None);
    }

    #[test]
    fn graph_error_with_client_request_id_and_extras() {
        let body = br#"{"error":{"code":"BadRequest","message":"Resource not found for the segment 'mef'.",
            "target":"x","details":[{"code":"NullValue","message":"Bad value","target":"displayName"},
            {"code":7},"junk"],
            "innerError":{"date":"2021-07-02T01:40:19","request-id":"1a0ffbc0-086f-4e8f-93f9-bf99881c65f6",
            "client-request-id":"225aed2b-cf4a-d456-b313-16ab196c2364","extra":{"a":[1,2]}}},"@odata.context":"x"}"#;
        let parsed = ErrorBody::parse(JSON, body);
        assert_eq!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.code(), Some("BadRequest"));
        assert!(inner_codes(&parsed).is_empty());
        assert_eq!(
            parsed.request_id(),
            Some("1a0ffbc0-086f-4e8f-93f9-bf99881c65f6")
        );
        assert_eq!(
            parsed.client_request_id(),
            Some("225aed2b-cf4a-d456-b313-16ab196c2364")
        );
        assert_eq!(parsed.date(), Some("2021-07-02T01:40:19"));
        assert_eq!(
            details(&parsed),
            [
                ErrorDetail {
                    code: Some("NullValue".into()),
                    message: Some("Bad value".into()),
                    target: Some("displayName".into()),
                    ..ErrorDetail::default()
                },
                ErrorDetail::default(),
            ]
        );
        let odata = parsed.odata().unwrap();
        assert_eq!(odata.target.as_deref(), Some("x"));
        // Unknown members of an inner level are kept.
        let inner = odata.inner_error.as_ref().unwrap();
        assert_eq!(inner.additional["extra"], serde_json::json!({"a": [1, 2]}));
    }

    #[test]
    fn throttling_error_with_two_nested_levels() {
        let body =
            br#"{"error":{"code":"TooManyRequests","message":"Too many requests, retry later.",
            "innerError":{"code":"throttledRequest","date":"2024-03-05T10:00:00",
              "request-id":"req-1","client-request-id":"cli-1",
              "innerError":{"code":"activityLimitReached",
                "innerError":{"message":"no code at this level",
                  "innerError":{"code":"deepest","request-id":"ignored"}}}}}}"#;
        let parsed = ErrorBody::parse(JSON, body);
        assert_eq!(parsed.code(), Some("TooManyRequests"));
        assert_eq!(
            inner_codes(&parsed),
            ["throttledRequest", "activityLimitReached", "deepest"]
        );
        assert_eq!(parsed.request_id(), Some("req-1"));
        assert_eq!(parsed.client_request_id(), Some("cli-1"));
        assert_eq!(parsed.date(), Some("2024-03-05T10:00:00"));
        assert_eq!(
            shown(429, JSON, body),
            "Graph answered 429 TooManyRequests: Too many requests, retry later. \
             (inner: throttledRequest > activityLimitReached > deepest) [request-id req-1]"
        );
    }

    #[test]
    fn lowercase_innererror_and_odata_message_object() {
        let body =
            br#"{"error":{"code":"accessDenied","message":{"lang":"en-US","value":"Denied."},
            "innererror":{"code":"notAllowed","request-id":"r","innererror":{"code":"policy"}}}}"#;
        let parsed = ErrorBody::parse(None, body);
        assert_eq!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.message(), Some("Denied."));
        assert_eq!(inner_codes(&parsed), ["notAllowed", "policy"]);
        assert_eq!(parsed.request_id(), Some("r"));
    }

    #[test]
    fn graph_error_with_missing_and_mistyped_fields() {
        let parsed = ErrorBody::parse(JSON, br#"{"error":{}}"#);
        assert_eq!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.code(), None);
        assert_eq!(parsed.message(), None);
        assert_eq!(
            shown(500, JSON, br#"{"error":{}}"#),
            r#"Graph answered 500: {"error":{}}"#
        );

        let parsed = ErrorBody::parse(
            JSON,
            br#"{"error":{"code":42,"message":null,"innerError":"text","details":{}}}"#,
        );
        assert_eq!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.code(), None);
        assert!(inner_codes(&parsed).is_empty());
        assert!(details(&parsed).is_empty());
    }

    #[test]
    fn bom_and_leading_whitespace_are_skipped() {
        let body = b"\xEF\xBB\xBF \n{\"error\":{\"code\":\"generalException\"}}";
        let parsed = ErrorBody::parse(Some("text/plain"), body);
        assert_eq!(parsed.code(), Some("generalException"));
    }

    #[test]
    fn other_json_shapes() {
        for body in [
            &br#"{"message":"nope"}"#[..],
            br#"{"error":null}"#,
            br#"{"error":[1]}"#,
        ] {
            let parsed = ErrorBody::parse(JSON, body);
            assert_eq!(parsed.kind(), BodyKind::OtherJson);
            assert_eq!(parsed.code(), None);
        }
        // Top-level arrays and scalars are not recognised as JSON errors.
        let parsed = ErrorBody::parse(JSON, b"[1,2]");
        assert_eq!(parsed.kind(), BodyKind::Other);
        assert_eq!(parsed.snippet(), "[1,2]");
    }

    #[test]
    fn html_page() {
        let body = b"<!DOCTYPE html>\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
            <body>\r\n\t<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        let parsed = ErrorBody::parse(Some("text/html; charset=utf-8"), body);
        assert_eq!(parsed.kind(), BodyKind::Html);
        assert_eq!(parsed.code(), None);
        assert_eq!(parsed.message(), None);
        assert_eq!(
            parsed.snippet(),
            "<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head> <body> \
             <center><h1>502 Bad Gateway</h1></center> </body> </html>"
        );
        // Sniffed without a content type too.
        assert_eq!(ErrorBody::parse(None, body).kind(), BodyKind::Html);
        assert_eq!(
            ErrorBody::parse(Some("TEXT/HTML"), b"Service Unavailable").kind(),
            BodyKind::Html
        );
    }

    #[test]
    fn plain_text() {
        let parsed = ErrorBody::parse(Some("text/plain"), b"  Service\n\nUnavailable  ");
        assert_eq!(parsed.kind(), BodyKind::Other);
        assert_eq!(parsed.snippet(), "Service Unavailable");
        assert_eq!(
            shown(503, Some("text/plain"), b"  Service\n\nUnavailable  "),
            "Graph answered 503: Service Unavailable"
        );
    }

    #[test]
    fn empty_body() {
        for body in [&b""[..], b" \r\n\t "] {
            let parsed = ErrorBody::parse(None, body);
            assert_eq!(parsed.kind(), BodyKind::Empty);
            assert_eq!(parsed.code(), None);
            assert_eq!(parsed.snippet(), "");
            assert_eq!(
                shown(504, None, body),
                "Graph answered 504 with an empty body"
            );
        }
    }

    #[test]
    fn truncated_json() {
        let body = br#"{"error":{"code":"TooManyRequests","message":"Too ma"#;
        let parsed = ErrorBody::parse(JSON, body);
        assert_eq!(parsed.kind(), BodyKind::Other);
        assert_eq!(parsed.code(), None);
        assert_eq!(parsed.snippet(), String::from_utf8_lossy(body));
    }

    #[test]
    fn non_utf8_bytes() {
        let body = b"\xff\xfe bad \xc3\x28 bytes \xe2\x82";
        let parsed = ErrorBody::parse(Some("application/octet-stream"), body);
        assert_eq!(parsed.kind(), BodyKind::Other);
        assert_eq!(parsed.code(), None);
        assert_eq!(
            parsed.snippet(),
            "\u{FFFD}\u{FFFD} bad \u{FFFD}( bytes \u{FFFD}"
        );

        // Invalid UTF-8 inside something that looks like JSON.
        let parsed = ErrorBody::parse(JSON, b"{\"error\":{\"code\":\"\xff\"}}");
        assert_eq!(parsed.kind(), BodyKind::Other);
        assert_eq!(parsed.code(), None);
    }

    #[test]
    fn token_endpoint_error() {
        let body = br#"{"error":"invalid_client",
            "error_description":"AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c Timestamp: 2024-01-01 00:00:00Z",
            "error_codes":[7000215, "x"],"timestamp":"2024-01-01 00:00:00Z",
            "trace_id":"0000aaaa-11bb-cccc-dd22-eeeeee333333",
            "correlation_id":"aaaa0000-bb11-2222-33cc-444444dddddd",
            "error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;
        let parsed = ErrorBody::parse(JSON, body);
        assert_eq!(parsed.kind(), BodyKind::Token);
        assert_ne!(parsed.kind(), BodyKind::Graph);
        assert_eq!(parsed.code(), Some("invalid_client"));
        assert!(
            parsed
                .message()
                .is_some_and(|m| m.starts_with("AADSTS7000215"))
        );
        assert_eq!(
            parsed.request_id(),
            Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
        );
        let token = parsed.token().unwrap();
        assert_eq!(token.error, "invalid_client");
        assert_eq!(token.error_codes, [7000215]);
        assert_eq!(token.timestamp.as_deref(), Some("2024-01-01 00:00:00Z"));
        assert_eq!(
            token.correlation_id.as_deref(),
            Some("aaaa0000-bb11-2222-33cc-444444dddddd")
        );
        assert_eq!(
            token.error_uri.as_deref(),
            Some("https://login.microsoftonline.com/error?code=7000215")
        );
        assert_eq!(token.claims, None);
        assert_eq!(ErrorBody::parse(None, body).token(), Some(token));
    }

    #[test]
    fn token_parse_rejects_other_shapes() {
        assert_eq!(token_of(b""), None);
        assert_eq!(token_of(b"{\"error\":{\"code\":\"x\"}}"), None);
        assert_eq!(token_of(b"{\"error\":"), None);
        let minimal = token_of(b"{\"error\":\"invalid_grant\"}").unwrap();
        assert_eq!(minimal.error, "invalid_grant");
        assert_eq!(minimal.error_description, None);
        assert!(minimal.error_codes.is_empty());
    }

    #[test]
    fn long_body_is_cut_on_a_char_boundary() {
        // 3-byte and 4-byte characters, so byte-based cutting would split one.
        let body = "é€😀".repeat(150);
        let parsed = ErrorBody::parse(Some("text/plain"), body.as_bytes());
        let expected: String = body.chars().take(SNIPPET_MAX_CHARS).collect();
        assert_eq!(parsed.snippet(), format!("{expected}{SNIPPET_ELLIPSIS}"));
        assert_eq!(
            parsed.snippet().chars().count(),
            SNIPPET_MAX_CHARS + SNIPPET_ELLIPSIS.chars().count()
        );
        assert!(!parsed.snippet().contains('\u{FFFD}'));
    }

    #[test]
    fn snippet_exact_limit_is_not_cut() {
        let body = "ü".repeat(SNIPPET_MAX_CHARS);
        assert_eq!(snippet(body.as_bytes()), body);
        let body = format!("{body}  \n ");
        assert_eq!(snippet(body.as_bytes()), body.trim_end());
        let longer = format!("{body}x");
        assert!(snippet(longer.as_bytes()).ends_with(SNIPPET_ELLIPSIS));
    }

    /// A driveItem's pre-authenticated download URL near the start of a
    /// body: its query values never reach a snippet, even cut mid-value.
    #[test]
    fn snippets_hide_the_query_values_of_urls() {
        let body = r#"{"@odata.context":"x","@microsoft.graph.downloadUrl":"https://contoso.sharepoint.com/_layouts/15/download.aspx?UniqueId=1a2b&tempauth=eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.secretpart","id":"01A"}"#;
        let shown = snippet(body.as_bytes());
        assert!(
            !shown.contains("eyJ0") && !shown.contains("1a2b"),
            "{shown}"
        );
        assert!(shown.contains("tempauth=REDACTED"), "{shown}");
        assert!(shown.chars().count() <= SNIPPET_MAX_CHARS + 1, "{shown}");
        // Cut inside the credential by the length limit.
        let long = format!(
            "{} https://h/p?tempauth={}",
            "a".repeat(150),
            "s".repeat(100)
        );
        let shown = snippet(long.as_bytes());
        assert!(!shown.contains("sss"), "{shown}");
        assert!(shown.chars().count() <= SNIPPET_MAX_CHARS + 1, "{shown}");
        // What the too-large and decode errors show goes through it.
        let decode = crate::Error::decode(
            200,
            None,
            body.as_bytes(),
            serde_json::from_slice::<u8>(body.as_bytes()).unwrap_err(),
        );
        assert!(
            !format!("{decode} {decode:?}").contains("eyJ0"),
            "{decode:?}"
        );
    }

    #[test]
    fn snippet_does_not_end_in_a_space_before_the_ellipsis() {
        let body = format!("{} tail", "a".repeat(SNIPPET_MAX_CHARS - 1));
        let cut = snippet(body.as_bytes());
        assert_eq!(
            cut,
            format!("{}{SNIPPET_ELLIPSIS}", "a".repeat(SNIPPET_MAX_CHARS - 1))
        );
    }

    #[test]
    fn huge_bodies() {
        // Lots of whitespace before the text is collapsed away.
        let mut body = vec![b' '; 100_000];
        body.extend_from_slice("€ end".as_bytes());
        assert_eq!(snippet(&body), "€ end");
        // A large JSON error parses fully and its snippet is collapsed.
        let padding = " \n".repeat(50_000);
        let json = format!("{{\"error\":{{{padding}\"code\":\"big\"}}}}");
        let parsed = ErrorBody::parse(JSON, json.as_bytes());
        assert_eq!(parsed.code(), Some("big"));
        assert_eq!(parsed.snippet(), "{\"error\":{ \"code\":\"big\"}}");
        // A megabyte of text only yields the first characters.
        let text = "word ".repeat(200_000);
        let cut = snippet(text.as_bytes());
        assert_eq!(cut.chars().count(), 199 + 1);
        assert!(cut.ends_with(&format!("word{SNIPPET_ELLIPSIS}")));
    }

    #[test]
    fn never_panics_on_odd_inputs() {
        let inputs: [&[u8]; 10] = [
            b"{",
            b"}",
            b"{}",
            b"{\"error\"}",
            b"\xEF\xBB\xBF",
            b"\xEF\xBB",
            b"\0\0\0",
            b"<",
            b"{\"error\":{\"innerError\":{\"innerError\":{\"innerError\":null}}}}",
            b"{\"ERROR\":{\"CODE\":\"upper\"}}",
        ];
        for body in inputs {
            for content_type in [None, JSON, Some(""), Some(";"), Some("text/html")] {
                let _ = ErrorBody::parse(content_type, body);
            }
        }
        let deep = format!("{}{}", "{\"error\":".repeat(500), "}".repeat(500));
        let _ = ErrorBody::parse(JSON, deep.as_bytes());
        assert_eq!(
            ErrorBody::parse(JSON, b"{\"ERROR\":{\"CODE\":\"upper\"}}").code(),
            Some("upper")
        );
    }
}
