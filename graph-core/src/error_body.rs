//! Parsing of HTTP error response bodies.
//!
//! Microsoft Graph reports errors as JSON of the form
//!
//! ```json
//! {
//!   "error": {
//!     "code": "...",
//!     "message": "...",
//!     "innerError": {
//!       "code": "...",
//!       "date": "...",
//!       "request-id": "...",
//!       "client-request-id": "...",
//!       "innerError": { "code": "..." }
//!     }
//!   }
//! }
//! ```
//!
//! The Microsoft identity platform token endpoint uses the OAuth 2.0 shape
//! `{"error": "invalid_client", "error_description": "...", "error_codes": [...]}`
//! instead, and proxies or gateways may answer with HTML, plain text or
//! nothing at all. [`ErrorBody::parse`] accepts all of these without failing
//! and always keeps a short, printable [`snippet`](ErrorBody::snippet) of the
//! raw body.
//!
//! Parsing is pure and never panics.

use std::fmt;

use serde_json::{Map, Value};

/// Largest number of characters kept in [`ErrorBody::snippet`], not counting
/// the [`SNIPPET_ELLIPSIS`].
pub const SNIPPET_MAX_CHARS: usize = 200;

/// Marker appended to [`ErrorBody::snippet`] when the body was cut.
pub const SNIPPET_ELLIPSIS: &str = "…";

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

/// One entry of a Graph error's `details` array.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The detail's `code`.
    pub code: Option<String>,
    /// The detail's `message`.
    pub message: Option<String>,
    /// The detail's `target`, usually the offending property.
    pub target: Option<String>,
}

/// The useful parts of an HTTP error response body.
///
/// Produced by [`ErrorBody::parse`]; every field is optional except the
/// status, the kind and the snippet, since error bodies often lack parts or
/// are not JSON at all.
///
/// # Examples
///
/// ```
/// use graph_core::error_body::{BodyKind, ErrorBody};
///
/// let body = br#"{"error":{"code":"itemNotFound","message":"The resource could not be found.",
///     "innerError":{"date":"2024-01-01T00:00:00","request-id":"r-1","client-request-id":"c-1"}}}"#;
/// let parsed = ErrorBody::parse(404, Some("application/json"), body);
/// assert_eq!(parsed.kind, BodyKind::Graph);
/// assert_eq!(parsed.code.as_deref(), Some("itemNotFound"));
/// assert_eq!(parsed.request_id.as_deref(), Some("r-1"));
/// assert_eq!(parsed.to_string(), "404 itemNotFound: The resource could not be found. (request-id r-1)");
///
/// let page = ErrorBody::parse(502, Some("text/html"), b"<html>\n  <h1>Bad Gateway</h1>\n</html>");
/// assert_eq!(page.kind, BodyKind::Html);
/// assert_eq!(page.code, None);
/// assert_eq!(page.snippet, "<html> <h1>Bad Gateway</h1> </html>");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The HTTP status of the response.
    pub status: u16,
    /// What the body contained.
    pub kind: BodyKind,
    /// Graph's `error.code`, or the OAuth `error` of a token endpoint answer.
    pub code: Option<String>,
    /// Graph's `error.message`, or the OAuth `error_description`.
    pub message: Option<String>,
    /// The `code`s of the nested `innerError` objects, outermost first;
    /// levels without a code are skipped.
    pub inner_codes: Vec<String>,
    /// The first `request-id` found in the `innerError` chain.
    pub request_id: Option<String>,
    /// The first `client-request-id` found in the `innerError` chain.
    pub client_request_id: Option<String>,
    /// The first `date` found in the `innerError` chain, as sent.
    pub date: Option<String>,
    /// Graph's `error.details` entries.
    pub details: Vec<ErrorDetail>,
    /// The full token endpoint error, when [`kind`](Self::kind) is
    /// [`BodyKind::Token`].
    pub token: Option<TokenErrorBody>,
    /// Up to [`SNIPPET_MAX_CHARS`] characters of the body, decoded as lossy
    /// UTF-8 with runs of whitespace collapsed to one space, followed by
    /// [`SNIPPET_ELLIPSIS`] if the body was longer. Empty for an empty body.
    pub snippet: String,
}

impl ErrorBody {
    /// Parses an error response body. Never fails and never panics.
    ///
    /// JSON is recognised by its leading `{` (after whitespace and an
    /// optional byte-order mark), whatever the content type says; the content
    /// type only helps to tell HTML from other text. Unknown fields are
    /// ignored, fields of the wrong type count as missing, and both
    /// `innerError` and `innererror` (any letter case) are followed.
    pub fn parse(status: u16, content_type: Option<&str>, body: &[u8]) -> Self {
        let snippet = snippet(body);
        let mut parsed = Self {
            status,
            kind: BodyKind::Other,
            code: None,
            message: None,
            inner_codes: Vec::new(),
            request_id: None,
            client_request_id: None,
            date: None,
            details: Vec::new(),
            token: None,
            snippet,
        };

        let trimmed = trim_start(body);
        if trimmed.is_empty() {
            parsed.kind = BodyKind::Empty;
            return parsed;
        }
        if trimmed.first() == Some(&b'{')
            && let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(trimmed)
        {
            parsed.fill_from_json(&root);
            return parsed;
        }
        if is_html(content_type, trimmed) {
            parsed.kind = BodyKind::Html;
        }
        parsed
    }

    /// Whether the body was a Microsoft Graph JSON error.
    pub fn is_graph_error(&self) -> bool {
        self.kind == BodyKind::Graph
    }

    fn fill_from_json(&mut self, root: &Map<String, Value>) {
        match get_ci(root, "error") {
            Some(Value::Object(error)) => {
                self.kind = BodyKind::Graph;
                self.code = string_field(error, "code");
                self.message = message_field(error);
                self.details = details(error);
                let mut inner = get_ci(error, "innerError");
                while let Some(Value::Object(level)) = inner {
                    if let Some(code) = string_field(level, "code") {
                        self.inner_codes.push(code);
                    }
                    fill_once(&mut self.request_id, level, "request-id");
                    fill_once(&mut self.client_request_id, level, "client-request-id");
                    fill_once(&mut self.date, level, "date");
                    inner = get_ci(level, "innerError");
                }
            }
            Some(Value::String(_)) => {
                if let Some(token) = TokenErrorBody::from_map(root) {
                    self.kind = BodyKind::Token;
                    self.code = Some(token.error.clone());
                    self.message.clone_from(&token.error_description);
                    self.request_id.clone_from(&token.trace_id);
                    self.client_request_id.clone_from(&token.correlation_id);
                    self.date.clone_from(&token.timestamp);
                    self.token = Some(token);
                }
            }
            _ => self.kind = BodyKind::OtherJson,
        }
    }
}

impl fmt::Display for ErrorBody {
    /// Formats as `STATUS code: message (request-id ID)` when a code is
    /// known, otherwise as `STATUS snippet`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, " {code}: {message}")?,
            (Some(code), None) => write!(f, " {code}")?,
            (None, Some(message)) => write!(f, " {message}")?,
            (None, None) if !self.snippet.is_empty() => write!(f, " {}", self.snippet)?,
            (None, None) => {}
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request-id {request_id})")?;
        }
        Ok(())
    }
}

/// An OAuth 2.0 error from the Microsoft identity platform token endpoint.
///
/// # Examples
///
/// ```
/// use graph_core::error_body::TokenErrorBody;
///
/// let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#;
/// let token = TokenErrorBody::parse(body).unwrap();
/// assert_eq!(token.error, "invalid_client");
/// assert_eq!(token.error_codes, [7000215]);
/// assert!(TokenErrorBody::parse(b"<html></html>").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenErrorBody {
    /// The OAuth error code, such as `invalid_client` or `invalid_grant`.
    pub error: String,
    /// Human-readable description, usually starting with an `AADSTS` code.
    pub error_description: Option<String>,
    /// Numeric `AADSTS` codes.
    pub error_codes: Vec<i64>,
    /// When the error happened, as sent.
    pub timestamp: Option<String>,
    /// Server-side trace identifier.
    pub trace_id: Option<String>,
    /// Correlation identifier of the request.
    pub correlation_id: Option<String>,
    /// Link to documentation about the error.
    pub error_uri: Option<String>,
    /// A claims challenge, for conditional access errors.
    pub claims: Option<String>,
}

impl TokenErrorBody {
    /// Parses a token endpoint error body; `None` unless the body is a JSON
    /// object whose `error` member is a string. Never panics.
    pub fn parse(body: &[u8]) -> Option<Self> {
        match serde_json::from_slice::<Value>(trim_start(body)) {
            Ok(Value::Object(root)) => Self::from_map(&root),
            _ => None,
        }
    }

    fn from_map(root: &Map<String, Value>) -> Option<Self> {
        let error = string_field(root, "error")?;
        let error_codes = match get_ci(root, "error_codes") {
            Some(Value::Array(codes)) => codes.iter().filter_map(Value::as_i64).collect(),
            _ => Vec::new(),
        };
        Some(Self {
            error,
            error_description: string_field(root, "error_description"),
            error_codes,
            timestamp: string_field(root, "timestamp"),
            trace_id: string_field(root, "trace_id"),
            correlation_id: string_field(root, "correlation_id"),
            error_uri: string_field(root, "error_uri"),
            claims: string_field(root, "claims"),
        })
    }
}

/// Looks `name` up exactly, then ignoring ASCII case.
fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// A string member, case-insensitively; other types count as missing.
fn string_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    match get_ci(map, name) {
        Some(Value::String(value)) => Some(value.clone()),
        _ => None,
    }
}

/// `message` as a string, or the older OData `{"lang": .., "value": ..}` form.
fn message_field(error: &Map<String, Value>) -> Option<String> {
    match get_ci(error, "message") {
        Some(Value::String(message)) => Some(message.clone()),
        Some(Value::Object(message)) => string_field(message, "value"),
        _ => None,
    }
}

fn fill_once(slot: &mut Option<String>, map: &Map<String, Value>, name: &str) {
    if slot.is_none() {
        *slot = string_field(map, name);
    }
}

fn details(error: &Map<String, Value>) -> Vec<ErrorDetail> {
    match get_ci(error, "details") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|item| ErrorDetail {
                code: string_field(item, "code"),
                message: message_field(item),
                target: string_field(item, "target"),
            })
            .collect(),
        _ => Vec::new(),
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

/// Builds the printable snippet described on [`ErrorBody::snippet`].
///
/// Decodes lazily, so only as much of the body is read as the snippet needs
/// (plus any run of whitespace).
fn snippet(body: &[u8]) -> String {
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
    if cut {
        out.push_str(SNIPPET_ELLIPSIS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/json; charset=utf-8");

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
        let parsed = ErrorBody::parse(416, JSON, body);
        assert_eq!(parsed.status, 416);
        assert_eq!(parsed.kind, BodyKind::Graph);
        assert!(parsed.is_graph_error());
        assert_eq!(parsed.code.as_deref(), Some("invalidRange"));
        assert_eq!(
            parsed.message.as_deref(),
            Some("Uploaded fragment overlaps with existing data.")
        );
        assert_eq!(parsed.inner_codes, ["invalidRange"]);
        assert_eq!(parsed.request_id.as_deref(), Some("request-id"));
        assert_eq!(parsed.client_request_id, None);
        assert_eq!(parsed.date.as_deref(), Some("date-time"));
        assert!(
            parsed
                .snippet
                .starts_with(r#"{ "error": { "code": "invalidRange","#)
        );
        assert_eq!(parsed.token, None);
    }

    #[test]
    fn graph_error_with_client_request_id_and_extras() {
        let body = br#"{"error":{"code":"BadRequest","message":"Resource not found for the segment 'mef'.",
            "target":"x","details":[{"code":"NullValue","message":"Bad value","target":"displayName"},
            {"code":7},"junk"],
            "innerError":{"date":"2021-07-02T01:40:19","request-id":"1a0ffbc0-086f-4e8f-93f9-bf99881c65f6",
            "client-request-id":"225aed2b-cf4a-d456-b313-16ab196c2364","extra":{"a":[1,2]}}},"@odata.context":"x"}"#;
        let parsed = ErrorBody::parse(400, JSON, body);
        assert_eq!(parsed.kind, BodyKind::Graph);
        assert_eq!(parsed.code.as_deref(), Some("BadRequest"));
        assert!(parsed.inner_codes.is_empty());
        assert_eq!(
            parsed.request_id.as_deref(),
            Some("1a0ffbc0-086f-4e8f-93f9-bf99881c65f6")
        );
        assert_eq!(
            parsed.client_request_id.as_deref(),
            Some("225aed2b-cf4a-d456-b313-16ab196c2364")
        );
        assert_eq!(parsed.date.as_deref(), Some("2021-07-02T01:40:19"));
        assert_eq!(
            parsed.details,
            [
                ErrorDetail {
                    code: Some("NullValue".into()),
                    message: Some("Bad value".into()),
                    target: Some("displayName".into()),
                },
                ErrorDetail::default(),
            ]
        );
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
        let parsed = ErrorBody::parse(429, JSON, body);
        assert_eq!(parsed.code.as_deref(), Some("TooManyRequests"));
        assert_eq!(
            parsed.inner_codes,
            ["throttledRequest", "activityLimitReached", "deepest"]
        );
        assert_eq!(parsed.request_id.as_deref(), Some("req-1"));
        assert_eq!(parsed.client_request_id.as_deref(), Some("cli-1"));
        assert_eq!(parsed.date.as_deref(), Some("2024-03-05T10:00:00"));
        assert_eq!(
            parsed.to_string(),
            "429 TooManyRequests: Too many requests, retry later. (request-id req-1)"
        );
    }

    #[test]
    fn lowercase_innererror_and_odata_message_object() {
        let body =
            br#"{"error":{"code":"accessDenied","message":{"lang":"en-US","value":"Denied."},
            "innererror":{"code":"notAllowed","request-id":"r","innererror":{"code":"policy"}}}}"#;
        let parsed = ErrorBody::parse(403, None, body);
        assert_eq!(parsed.kind, BodyKind::Graph);
        assert_eq!(parsed.message.as_deref(), Some("Denied."));
        assert_eq!(parsed.inner_codes, ["notAllowed", "policy"]);
        assert_eq!(parsed.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn graph_error_with_missing_and_mistyped_fields() {
        let parsed = ErrorBody::parse(500, JSON, br#"{"error":{}}"#);
        assert_eq!(parsed.kind, BodyKind::Graph);
        assert_eq!(parsed.code, None);
        assert_eq!(parsed.message, None);
        assert_eq!(parsed.to_string(), r#"500 {"error":{}}"#);

        let parsed = ErrorBody::parse(
            500,
            JSON,
            br#"{"error":{"code":42,"message":null,"innerError":"text","details":{}}}"#,
        );
        assert_eq!(parsed.kind, BodyKind::Graph);
        assert_eq!(parsed.code, None);
        assert!(parsed.inner_codes.is_empty());
        assert!(parsed.details.is_empty());
    }

    #[test]
    fn bom_and_leading_whitespace_are_skipped() {
        let body = b"\xEF\xBB\xBF \n{\"error\":{\"code\":\"generalException\"}}";
        let parsed = ErrorBody::parse(500, Some("text/plain"), body);
        assert_eq!(parsed.code.as_deref(), Some("generalException"));
    }

    #[test]
    fn other_json_shapes() {
        for body in [
            &br#"{"message":"nope"}"#[..],
            br#"{"error":null}"#,
            br#"{"error":[1]}"#,
        ] {
            let parsed = ErrorBody::parse(500, JSON, body);
            assert_eq!(parsed.kind, BodyKind::OtherJson);
            assert_eq!(parsed.code, None);
        }
        // Top-level arrays and scalars are not recognised as JSON errors.
        let parsed = ErrorBody::parse(500, JSON, b"[1,2]");
        assert_eq!(parsed.kind, BodyKind::Other);
        assert_eq!(parsed.snippet, "[1,2]");
    }

    #[test]
    fn html_page() {
        let body = b"<!DOCTYPE html>\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
            <body>\r\n\t<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        let parsed = ErrorBody::parse(502, Some("text/html; charset=utf-8"), body);
        assert_eq!(parsed.kind, BodyKind::Html);
        assert_eq!(parsed.code, None);
        assert_eq!(parsed.message, None);
        assert_eq!(
            parsed.snippet,
            "<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head> <body> \
             <center><h1>502 Bad Gateway</h1></center> </body> </html>"
        );
        // Sniffed without a content type too.
        assert_eq!(ErrorBody::parse(502, None, body).kind, BodyKind::Html);
        assert_eq!(
            ErrorBody::parse(503, Some("TEXT/HTML"), b"Service Unavailable").kind,
            BodyKind::Html
        );
    }

    #[test]
    fn plain_text() {
        let parsed = ErrorBody::parse(503, Some("text/plain"), b"  Service\n\nUnavailable  ");
        assert_eq!(parsed.kind, BodyKind::Other);
        assert_eq!(parsed.snippet, "Service Unavailable");
        assert_eq!(parsed.to_string(), "503 Service Unavailable");
    }

    #[test]
    fn empty_body() {
        for body in [&b""[..], b" \r\n\t "] {
            let parsed = ErrorBody::parse(504, None, body);
            assert_eq!(parsed.kind, BodyKind::Empty);
            assert_eq!(parsed.code, None);
            assert_eq!(parsed.snippet, "");
            assert_eq!(parsed.to_string(), "504");
        }
    }

    #[test]
    fn truncated_json() {
        let body = br#"{"error":{"code":"TooManyRequests","message":"Too ma"#;
        let parsed = ErrorBody::parse(429, JSON, body);
        assert_eq!(parsed.kind, BodyKind::Other);
        assert_eq!(parsed.code, None);
        assert_eq!(parsed.snippet, String::from_utf8_lossy(body));
    }

    #[test]
    fn non_utf8_bytes() {
        let body = b"\xff\xfe bad \xc3\x28 bytes \xe2\x82";
        let parsed = ErrorBody::parse(500, Some("application/octet-stream"), body);
        assert_eq!(parsed.kind, BodyKind::Other);
        assert_eq!(parsed.code, None);
        assert_eq!(
            parsed.snippet,
            "\u{FFFD}\u{FFFD} bad \u{FFFD}( bytes \u{FFFD}"
        );

        // Invalid UTF-8 inside something that looks like JSON.
        let parsed = ErrorBody::parse(500, JSON, b"{\"error\":{\"code\":\"\xff\"}}");
        assert_eq!(parsed.kind, BodyKind::Other);
        assert_eq!(parsed.code, None);
    }

    #[test]
    fn token_endpoint_error() {
        let body = br#"{"error":"invalid_client",
            "error_description":"AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c Timestamp: 2024-01-01 00:00:00Z",
            "error_codes":[7000215, "x"],"timestamp":"2024-01-01 00:00:00Z",
            "trace_id":"0000aaaa-11bb-cccc-dd22-eeeeee333333",
            "correlation_id":"aaaa0000-bb11-2222-33cc-444444dddddd",
            "error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;
        let parsed = ErrorBody::parse(401, JSON, body);
        assert_eq!(parsed.kind, BodyKind::Token);
        assert!(!parsed.is_graph_error());
        assert_eq!(parsed.code.as_deref(), Some("invalid_client"));
        assert!(
            parsed
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("AADSTS7000215"))
        );
        assert_eq!(
            parsed.request_id.as_deref(),
            Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
        );
        let token = parsed.token.as_ref().unwrap();
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
        assert_eq!(TokenErrorBody::parse(body).as_ref(), Some(token));
    }

    #[test]
    fn token_parse_rejects_other_shapes() {
        assert_eq!(TokenErrorBody::parse(b""), None);
        assert_eq!(TokenErrorBody::parse(b"{\"error\":{\"code\":\"x\"}}"), None);
        assert_eq!(TokenErrorBody::parse(b"{\"error\":"), None);
        let minimal = TokenErrorBody::parse(b"{\"error\":\"invalid_grant\"}").unwrap();
        assert_eq!(minimal.error, "invalid_grant");
        assert_eq!(minimal.error_description, None);
        assert!(minimal.error_codes.is_empty());
    }

    #[test]
    fn long_body_is_cut_on_a_char_boundary() {
        // 3-byte and 4-byte characters, so byte-based cutting would split one.
        let body = "é€😀".repeat(150);
        let parsed = ErrorBody::parse(500, Some("text/plain"), body.as_bytes());
        let expected: String = body.chars().take(SNIPPET_MAX_CHARS).collect();
        assert_eq!(parsed.snippet, format!("{expected}{SNIPPET_ELLIPSIS}"));
        assert_eq!(
            parsed.snippet.chars().count(),
            SNIPPET_MAX_CHARS + SNIPPET_ELLIPSIS.chars().count()
        );
        assert!(!parsed.snippet.contains('\u{FFFD}'));
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
        let parsed = ErrorBody::parse(500, JSON, json.as_bytes());
        assert_eq!(parsed.code.as_deref(), Some("big"));
        assert_eq!(parsed.snippet, "{\"error\":{ \"code\":\"big\"}}");
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
                let _ = ErrorBody::parse(0, content_type, body);
                let _ = TokenErrorBody::parse(body);
            }
        }
        let deep = format!("{}{}", "{\"error\":".repeat(500), "}".repeat(500));
        let _ = ErrorBody::parse(500, JSON, deep.as_bytes());
        assert_eq!(
            ErrorBody::parse(500, JSON, b"{\"ERROR\":{\"CODE\":\"upper\"}}")
                .code
                .as_deref(),
            Some("upper")
        );
    }
}
