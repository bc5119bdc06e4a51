//! What `Error` and its parts report, built the way the client builds them.

use super::*;
use crate::auth::StaticToken;
use crate::{Client, graph_endpoint};

#[graph_endpoint(GET "/me", response = serde_json::Value)]
struct GetMe;

/// An error answer with the given identifiers in its headers.
struct Answer<'a> {
    status: u16,
    content_type: Option<&'a str>,
    body: &'a str,
    request_id: Option<&'a str>,
    client_request_id: Option<&'a str>,
    date: Option<&'a str>,
    retry_after: Option<&'a str>,
    attempts: u32,
}

impl<'a> Answer<'a> {
    fn json(status: u16, body: &'a str) -> Self {
        Self {
            status,
            content_type: Some("application/json"),
            body,
            request_id: None,
            client_request_id: None,
            date: None,
            retry_after: None,
            attempts: 1,
        }
    }

    fn error(&self) -> Error {
        let owned = |value: Option<&str>| value.map(str::to_owned);
        Error::from_answer(Answered {
            status: self.status,
            content_type: self.content_type,
            body: self.body.as_bytes(),
            request_id: owned(self.request_id),
            client_request_id: owned(self.client_request_id),
            date: owned(self.date),
            retry_after: owned(self.retry_after),
            attempts: self.attempts,
        })
    }
}

const THROTTLED: &str = r#"{"error":{"code":"TooManyRequests","message":"Slow down.",
    "target":"drive","details":[{"code":"quota","target":"items"}],
    "innerError":{"code":"throttledRequest","request-id":"body-rid","client-request-id":"body-cid",
      "date":"2024-03-05T10:00:00","innerError":{"code":"activityLimitReached"}}}}"#;

fn client(token: &str) -> Client {
    Client::builder()
        .auth(StaticToken::new(token))
        .base_url("http://127.0.0.1:9/v1.0")
        .build()
        .expect("a loopback base URL is usable")
}

#[test]
fn every_accessor_answers_from_one_graph_error() {
    let err = Answer {
        request_id: Some("header-rid"),
        client_request_id: Some("sent-cid"),
        date: Some("Tue, 05 Mar 2024 10:00:01 GMT"),
        retry_after: Some("7"),
        attempts: 3,
        ..Answer::json(429, THROTTLED)
    }
    .error();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert_eq!(err.message(), Some("Slow down."));
    assert_eq!(
        err.inner_codes(),
        ["throttledRequest", "activityLimitReached"]
    );
    // The headers win over the body's innerError.
    assert_eq!(err.request_id(), Some("header-rid"));
    assert_eq!(err.client_request_id(), Some("sent-cid"));
    assert_eq!(err.date(), Some("Tue, 05 Mar 2024 10:00:01 GMT"));
    assert_eq!(err.retry_after(), Some("7"));
    assert_eq!(err.attempts(), Some(3));
    assert!(err.is_retryable());

    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.answer(), err.answer().unwrap());
    assert_eq!(graph.target(), Some("drive"));
    assert_eq!(graph.details()[0].target.as_deref(), Some("items"));
    assert_eq!(graph.body_kind(), BodyKind::Graph);
    assert!(
        graph
            .snippet()
            .starts_with(r#"{"error":{"code":"TooManyRequests""#)
    );
    assert_eq!(graph.token_error(), None);
    assert_eq!(
        err.to_string(),
        "Graph answered 429 TooManyRequests: Slow down. \
         (inner: throttledRequest > activityLimitReached) (target: drive) \
         [request-id header-rid] after 3 attempts"
    );
}

#[test]
fn a_403_is_access_denied_and_neither_retryable_nor_an_auth_error() {
    const DENIED: &str = r#"{"error":{"code":"accessDenied","message":"The caller doesn't have permission to perform the action.",
        "innerError":{"request-id":"rid-403","client-request-id":"cid-403","date":"2024-03-05T10:00:00"}}}"#;
    let err = Answer::json(403, DENIED).error();
    assert!(err.is_access_denied());
    assert!(matches!(err, Error::Graph(_)), "not the 401 path: {err:?}");
    assert!(!err.is_retryable());
    assert!(!err.is_fate_unknown());
    assert_eq!(err.code(), Some("accessDenied"));
    assert_eq!(err.request_id(), Some("rid-403"));
    assert!(
        err.to_string()
            .starts_with("Graph answered 403 accessDenied"),
        "{err}"
    );
    // Other statuses are not.
    for status in [400, 401, 404, 429] {
        assert!(
            !Answer::json(status, DENIED).error().is_access_denied(),
            "{status}"
        );
    }
}

#[test]
fn identifiers_missing_from_the_headers_come_from_the_body() {
    // An inner `$batch` answer often has no headers but the body's innerError.
    let err = Answer::json(429, THROTTLED).error();
    assert_eq!(err.request_id(), Some("body-rid"));
    assert_eq!(err.client_request_id(), Some("body-cid"));
    assert_eq!(err.date(), Some("2024-03-05T10:00:00"));
    assert_eq!(err.retry_after(), None);
}

#[test]
fn a_gateway_page_keeps_status_kind_and_snippet() {
    let err = Answer {
        content_type: Some("text/html"),
        request_id: Some("rid"),
        ..Answer::json(502, "<html>\n<h1>Bad Gateway</h1></html>")
    }
    .error();
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(
        (err.status(), err.code(), err.message()),
        (Some(502), None, None)
    );
    assert!(err.inner_codes().is_empty());
    assert_eq!(graph.body_kind(), BodyKind::Html);
    assert_eq!(graph.snippet(), "<html> <h1>Bad Gateway</h1></html>");
    assert_eq!(graph.odata(), None);
    assert_eq!(
        err.to_string(),
        "Graph answered 502: <html> <h1>Bad Gateway</h1></html> [request-id rid]"
    );
}

#[test]
fn graph_401_is_an_auth_error_that_keeps_graph_s_answer() {
    let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.",
        "innerError":{"code":"tokenMissing","date":"d","request-id":"r","client-request-id":"c"}}}"#;
    let err = Answer {
        client_request_id: Some("sent"),
        ..Answer::json(401, body)
    }
    .error();
    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.kind(), AuthErrorKind::Rejected);
    assert_eq!(auth.status(), Some(401));
    assert_eq!(auth.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(auth.description(), Some("Access token is empty."));
    let graph = auth.graph().expect("Graph's answer is kept");
    assert_eq!(auth.answer(), Some(graph.answer()));
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("InvalidAuthenticationToken"))
    );
    assert_eq!(err.inner_codes(), ["tokenMissing"]);
    assert_eq!(err.request_id(), Some("r"));
    assert_eq!(err.client_request_id(), Some("sent"));
    assert_eq!(err.date(), Some("d"));
    assert_eq!(err.attempts(), Some(1));
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "authentication failed (401): InvalidAuthenticationToken: Access token is empty. [request-id r]"
    );
}

#[test]
fn token_endpoint_refusal_keeps_the_whole_oauth_body() {
    let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.",
        "error_codes":[7000215],"timestamp":"2024-01-01 00:00:00Z","trace_id":"trace-1",
        "correlation_id":"corr-1","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;
    let from_headers = AnswerHeaders {
        request_id: Some("x-ms-1".into()),
        date: Some("Mon, 01 Jan 2024 00:00:00 GMT".into()),
        ..AnswerHeaders::default()
    };
    let auth = AuthError::refused(401, from_headers, body);
    assert_eq!(auth.kind(), AuthErrorKind::Refused);
    assert_eq!(auth.status(), Some(401));
    assert_eq!(auth.code(), Some("invalid_client"));
    assert!(auth.description().unwrap().starts_with("AADSTS7000215"));
    assert_eq!(auth.request_id(), Some("x-ms-1"));
    let answer = auth.answer().unwrap();
    assert_eq!(answer.client_request_id(), Some("corr-1"));
    assert_eq!(answer.date(), Some("Mon, 01 Jan 2024 00:00:00 GMT"));
    let token = auth.token_error().expect("the OAuth body is kept");
    assert_eq!(token.error_codes, [7000215]);
    assert_eq!(token.trace_id.as_deref(), Some("trace-1"));
    assert!(auth.graph().is_none());
    assert_eq!(
        auth.to_string(),
        "authentication failed (401): invalid_client: AADSTS7000215: Invalid client secret provided. \
         [request-id x-ms-1]"
    );

    // Without the header, the body's trace id is the request id.
    let auth = AuthError::refused(400, AnswerHeaders::default(), body);
    assert_eq!(auth.request_id(), Some("trace-1"));
    assert_eq!(auth.answer().unwrap().date(), Some("2024-01-01 00:00:00Z"));
}

#[test]
fn token_endpoint_refusal_of_another_shape_is_described_by_its_snippet() {
    let auth = AuthError::refused(
        503,
        AnswerHeaders::default(),
        b"<html>Service\n Unavailable</html>",
    );
    assert_eq!(auth.kind(), AuthErrorKind::Refused);
    assert_eq!(auth.code(), None);
    assert_eq!(auth.description(), Some("<html>Service Unavailable</html>"));
    assert_eq!(auth.snippet(), Some("<html>Service Unavailable</html>"));
    assert_eq!(auth.token_error(), None);
    assert_eq!(
        auth.to_string(),
        "authentication failed (503): <html>Service Unavailable</html>"
    );
}

#[test]
fn auth_failures_without_an_answer() {
    let unreachable = AuthError::unreachable(None);
    assert_eq!(unreachable.kind(), AuthErrorKind::Unreachable);
    assert_eq!((unreachable.status(), unreachable.answer()), (None, None));
    assert_eq!(
        unreachable.to_string(),
        "authentication failed: could not reach the token endpoint"
    );

    let problem = "the body is not an object with an `access_token` string".to_owned();
    let unreadable =
        AuthError::unreadable_token(AnswerMeta::new(200, Some("rid".into())), problem, b"\"x\"");
    assert_eq!(unreadable.kind(), AuthErrorKind::UnreadableToken);
    assert_eq!(unreadable.status(), Some(200));
    // serde's message would quote the body: only its kind and place are kept.
    assert!(std::error::Error::source(&unreadable).is_none());
    assert!(
        unreadable
            .to_string()
            .starts_with("authentication failed (200): unreadable token answer: the body is not"),
        "{unreadable}"
    );
}

/// A token a header cannot carry is an auth failure found before sending
/// (nothing listens on the base URL's port), and the token is not echoed.
#[tokio::test]
async fn a_token_with_a_line_break_is_an_unusable_token() {
    let token = "secret-part\nsecond-line";
    let err = client(token)
        .send(&GetMe::builder().build())
        .await
        .unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.kind(), AuthErrorKind::UnusableToken);
    assert_eq!(err.status(), None);
    assert_eq!(
        err.to_string(),
        "authentication failed: the access token has characters a header cannot carry"
    );
    assert!(!format!("{err:?}").contains("secret-part"), "{err:?}");
}

/// A nextLink elsewhere is refused before sending; its query values (which
/// can hold a secret) are in neither Display nor Debug.
#[tokio::test]
async fn a_foreign_next_link_is_its_own_error_without_its_query() {
    let page = serde_json::from_value(serde_json::json!({
        "value": [],
        "@odata.nextLink": "https://elsewhere.example/v1.0/me/drive/items?$skiptoken=abc&sig=SECRET#frag"
    }))
    .unwrap();
    let err = client("t")
        .next_page::<serde_json::Value>(&page)
        .await
        .unwrap_err();
    let Error::ForeignNextLink { link, base } = &err else {
        panic!("expected Error::ForeignNextLink, got {err:?}");
    };
    assert_eq!(
        link,
        "https://elsewhere.example/v1.0/me/drive/items?$skiptoken=REDACTED&sig=REDACTED"
    );
    assert_eq!(base, "http://127.0.0.1:9/v1.0");
    assert_eq!(
        err.to_string(),
        "@odata.nextLink `https://elsewhere.example/v1.0/me/drive/items?$skiptoken=REDACTED&sig=REDACTED` \
         is not under the base URL `http://127.0.0.1:9/v1.0`; not following it"
    );
    assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
    assert_eq!(err.status(), None);
}

#[test]
fn a_foreign_next_link_loses_its_user_info_too() {
    let err = Error::foreign_next_link(
        "https://user:p%40ss@elsewhere.example/v1.0/next?sig=SECRET",
        "https://graph.microsoft.com/v1.0",
    );
    let Error::ForeignNextLink { link, .. } = &err else {
        panic!("expected Error::ForeignNextLink, got {err:?}");
    };
    assert_eq!(link, "https://elsewhere.example/v1.0/next?sig=REDACTED");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains("user") && !shown.contains("p%40ss") && !shown.contains("SECRET"),
            "{shown}"
        );
    }
    // A relative link has no user-info; its query values still go.
    let Error::ForeignNextLink { link, .. } =
        Error::foreign_next_link("/me/drive?sig=S", "https://g/v1.0")
    else {
        panic!("expected Error::ForeignNextLink");
    };
    assert_eq!(link, "/me/drive?sig=REDACTED");
}

#[test]
fn decode_errors_keep_status_request_id_snippet_and_serde_s_report() {
    let source = serde_json::from_slice::<Vec<u32>>(b"{\"value\": [").unwrap_err();
    let err = Error::decode(200, Some("rid"), b"{\"value\":   [", source);
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!((decode.status(), decode.request_id()), (200, Some("rid")));
    assert_eq!(decode.snippet(), "{\"value\": [");
    assert!(decode.json_error().is_eof() || decode.json_error().is_data());
    assert_eq!((err.status(), err.request_id()), (Some(200), Some("rid")));
    assert!(
        err.to_string()
            .starts_with("could not decode the 200 answer: "),
        "{err}"
    );
    assert!(err.to_string().ends_with("[request-id rid]"), "{err}");
}

#[test]
fn errors_without_an_answer_have_no_answer_fields() {
    let err = Error::from(ValidationError::new("roles", "must name a role"));
    assert_eq!(err.answer(), None);
    assert_eq!(
        (err.code(), err.message(), err.request_id()),
        (None, None, None)
    );
    assert!(err.inner_codes().is_empty());

    let failed = Error::Batch(BatchError::Failed {
        status: Some(500),
        reason: "boom".into(),
    });
    assert_eq!(failed.status(), Some(500));
    assert_eq!(failed.answer(), None);
}

/// A hand-made request whose path cannot follow the base URL is refused
/// before sending as a request fault, not a configuration one, and the URL
/// (whose query could hold a secret) is not repeated.
#[tokio::test]
async fn a_request_path_that_makes_no_url_is_a_validation_error() {
    let client = Client::builder()
        .auth(StaticToken::new("t"))
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    // Appended to the base, "0000?sig=SECRET" turns the port into 90000.
    let request = crate::Request::new(
        crate::Method::Get,
        "hand-made",
        "0000?sig=SECRET".to_owned(),
        Vec::new(),
        None,
    );
    let err = client
        .execute_request::<serde_json::Value>(request)
        .await
        .unwrap_err();
    let Error::Validation(validation) = &err else {
        panic!("expected Error::Validation, got {err:?}");
    };
    assert_eq!(validation.field(), "path");
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(!format!("{err:?}").contains("SECRET"), "{err:?}");
}

/// Server input for the property tests below.
mod arbitrary {
    use proptest::prelude::*;
    use serde_json::Value;

    /// Member names error bodies use, in odd cases too, and others.
    const KEYS: [&str; 14] = [
        "error",
        "ERROR",
        "code",
        "message",
        "innerError",
        "innererror",
        "request-id",
        "client-request-id",
        "date",
        "details",
        "error_description",
        "error_codes",
        "trace_id",
        "value",
    ];

    /// Any JSON value, shaped like error bodies often enough to reach
    /// every branch of the parser.
    pub fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,24}".prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((proptest::sample::select(&KEYS[..]), inner), 0..6)
                    .prop_map(|members| {
                        Value::Object(
                            members
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v))
                                .collect(),
                        )
                    }),
            ]
        })
    }

    /// A body: arbitrary bytes, any JSON, or any JSON under `error`, whole
    /// or cut anywhere.
    pub fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            json().prop_map(|v| v.to_string().into_bytes()),
            (json(), any::<proptest::sample::Index>()).prop_map(|(v, cut)| {
                let text = serde_json::json!({ "error": v }).to_string().into_bytes();
                let at = cut.index(text.len() + 1);
                text[..at].to_vec()
            }),
        ]
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any error answer, whatever its status, content type and body: a
    /// typed error (Graph's, or a 401's authentication error), never a
    /// panic, keeping the status, the headers' request-id and a snippet of
    /// at most 200 characters and `…`.
    #[test]
    fn any_error_answer_is_typed_with_status_request_id_and_a_short_snippet(
        status in 300u16..=599,
        content_type in proptest::sample::select(vec![None, Some("application/json"), Some("text/html"), Some(""), Some(";;")]),
        body in arbitrary::body(),
    ) {
        let err = Error::from_answer(Answered {
            status,
            content_type,
            body: &body,
            request_id: Some("rid-prop".to_owned()),
            client_request_id: Some("crid-prop".to_owned()),
            date: None,
            retry_after: None,
            attempts: 1,
        });
        proptest::prop_assert_eq!(err.status(), Some(status));
        proptest::prop_assert_eq!(err.request_id(), Some("rid-prop"));
        proptest::prop_assert_eq!(err.client_request_id(), Some("crid-prop"));
        proptest::prop_assert!(!err.is_fate_unknown());
        let snippet = match &err {
            Error::Graph(graph) => graph.snippet(),
            Error::Auth(auth) => auth.snippet().unwrap_or_default(),
            other => return Err(proptest::test_runner::TestCaseError::fail(format!("untyped: {other:?}"))),
        };
        proptest::prop_assert!(snippet.chars().count() <= body::SNIPPET_MAX_CHARS + 1, "{}", snippet);
        let _ = (err.to_string(), format!("{err:?}"), err.code(), err.message(), err.inner_codes());
    }

    /// Any success body decoded as any of a few types: a value or a typed
    /// decode error keeping status, request-id and a short snippet, whose
    /// fate is unknown (Graph ran the request; its answer is unreadable).
    #[test]
    fn any_success_body_decodes_or_is_a_typed_unknown(status in 200u16..=299, body in arbitrary::body()) {
        let results = [
            crate::client::decode::<serde_json::Value>(status, Some("rid-prop"), &body).err(),
            crate::client::decode::<crate::odata::Collection<serde_json::Value>>(status, Some("rid-prop"), &body).err(),
            crate::client::decode::<()>(status, Some("rid-prop"), &body).err(),
        ];
        for err in results.into_iter().flatten() {
            let Error::Decode(decode) = &err else {
                return Err(proptest::test_runner::TestCaseError::fail(format!("untyped: {err:?}")));
            };
            proptest::prop_assert_eq!(decode.status(), status);
            proptest::prop_assert_eq!(err.request_id(), Some("rid-prop"));
            proptest::prop_assert!(err.is_fate_unknown());
            proptest::prop_assert!(decode.snippet().chars().count() <= body::SNIPPET_MAX_CHARS + 1);
            let _ = (err.to_string(), format!("{err:?}"));
        }
    }
}
