//! The sans-IO HTTP request an endpoint renders to, and what placeholder values must implement.
//!
//! The writers that render a request (`PathWriter`, `QueryWriter`, …) are filled by
//! the code `#[graph_endpoint]` generates and are hidden from these docs.

mod body;
mod encode;
mod headers;
mod method;
mod param;
mod path;
mod query;
mod redact;
mod sendable;

use std::fmt;

// The writers are what generated code fills (through `__private::names`):
// public so that it can, hidden because no one else calls them.
#[doc(hidden)]
pub use body::{BodyError, BodyWriter};
pub(crate) use encode::encode_form_pair;
#[doc(hidden)]
pub use headers::HeaderWriter;
pub use method::Method;
pub use param::ParamValue;
#[doc(hidden)]
pub use path::PathWriter;
#[doc(hidden)]
pub use query::QueryWriter;
pub(crate) use redact::{
    REDACTED, redacted_body, redacted_reqwest_error, redacted_url, redacted_urls,
};

/// An HTTP request ready to send, relative to the client's base URL.
///
/// Built by [`Endpoint::to_request`](crate::Endpoint::to_request) without any
/// IO. Its `Debug` output hides secrets in the body (passwords).
///
/// ```
/// use graph_core::{graph_endpoint, Endpoint, Method};
///
/// #[graph_endpoint(PATCH "/me/drive/items/<item_id>/permissions/<perm_id>")]
/// struct UpdateRoles {
///     item_id: String,
///     perm_id: String,
///     roles: Vec<String>,
/// }
///
/// let request = UpdateRoles::builder()
///     .item_id("01A").perm_id("p1").roles(vec!["write".to_string()])
///     .build()
///     .to_request()?;
/// assert_eq!(request.method(), Method::Patch);
/// assert_eq!(request.path_and_query(), "/me/drive/items/01A/permissions/p1");
/// assert_eq!(request.body(), Some(&br#"{"roles":["write"]}"#[..]));
/// # Ok::<(), graph_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) template: &'static str,
    pub(crate) path_and_query: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Request {
    /// A request from its parts; `path_and_query` starts with `/`.
    ///
    /// Building a request is pure and cannot fail, as with reqwest; what
    /// cannot be sent is refused by the client with [`Error::Validation`]
    /// before anything is sent and before a token is fetched: a path that
    /// does not start with `/` (`:8081/x` or `.evil.example/x` would move the
    /// request, and its token, to another port or host), a path that leads
    /// outside the client's base URL (`/../beta/me`), a header name that is
    /// not a token or is one the client sets itself (`Authorization`,
    /// `Host`, …), and a header value with a line break.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use graph_core::{auth::StaticToken, Client, Error, Method, Request};
    ///
    /// let client = Client::builder().auth(StaticToken::new("t")).build().unwrap();
    /// let hostile = Request::new(Method::Get, "/x", ":8081/x".to_owned(), Vec::new(), None);
    /// let err = client.execute_request::<serde_json::Value>(hostile).await.unwrap_err();
    /// assert!(matches!(err, Error::Validation(ref e) if e.field() == "path"), "{err}");
    /// # }
    /// ```
    ///
    /// [`Error::Validation`]: crate::Error::Validation
    pub fn new(
        method: Method,
        template: &'static str,
        path_and_query: String,
        headers: Vec<(&'static str, String)>,
        body: Option<Vec<u8>>,
    ) -> Self {
        Self {
            method,
            template,
            path_and_query,
            headers,
            body,
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The endpoint's path template, for logs and metrics.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The encoded path and query, relative to the API version root.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// Headers set by the endpoint's fields (the client adds its own).
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The JSON body bytes, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Takes the body bytes out, for sending.
    pub fn into_body(self) -> Option<Vec<u8>> {
        self.body
    }

    /// The body as text with secrets replaced by `<redacted>`, for display.
    pub fn redacted_body(&self) -> Option<String> {
        self.body.as_deref().map(redacted_body)
    }
}

/// Shows no secret: the path with each query value `REDACTED` (a
/// `$skiptoken`, or a hand-built request's `tempauth=` or `sig=`), header
/// names without their values, and the body with its secrets redacted.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path_and_query", &redacted_url(&self.path_and_query))
            .field("headers", &HeaderNames(&self.headers))
            .field("body", &self.redacted_body())
            .finish()
    }
}

/// Headers as `[name: <redacted>, …]`: a value (an `If-Match` eTag, a
/// hand-set credential) is not shown.
struct HeaderNames<'a>(&'a [(&'static str, String)]);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| format!("{name}: {REDACTED}")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_query_value_header_value_or_body_secret() {
        let request = Request::new(
            Method::Put,
            "/drives/{id}/items/{id}/content",
            "/drives/b/items/1/content?$skiptoken=SKIP&tempauth=TEMP".to_owned(),
            vec![
                ("if-match", "ETAG".to_owned()),
                ("authorization", "Bearer TOKEN".to_owned()),
            ],
            Some(br#"{"password":"PASS","name":"a"}"#.to_vec()),
        );
        let batch_like = format!("{request:?} {request:#?}");
        for secret in ["SKIP", "TEMP", "ETAG", "TOKEN", "PASS"] {
            assert!(!batch_like.contains(secret), "{secret} in {batch_like}");
        }
        for kept in [
            "$skiptoken=REDACTED",
            "if-match",
            "authorization",
            "/drives/b/items/1/content",
            "name",
        ] {
            assert!(
                batch_like.contains(kept),
                "{kept} missing from {batch_like}"
            );
        }
    }
}
