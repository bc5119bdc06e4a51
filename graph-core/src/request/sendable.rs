//! What a hand-built [`Request`] must hold to be sent; checked before a
//! token is fetched. Requests rendered from endpoints always pass: their
//! templates start with `/` and their header names are checked when the
//! endpoint is compiled.

use super::Request;
use crate::ValidationError;

/// Headers the client sets itself (the same list `#[graph_endpoint]` refuses
/// as field headers): a request must not replace them.
const CLIENT_HEADERS: [&str; 8] = [
    "Authorization",
    "Accept",
    "Content-Type",
    "Content-Length",
    "Host",
    "User-Agent",
    "client-request-id",
    "Retry-Attempt",
];

impl Request {
    /// Whether the request can be sent under a base URL as it is.
    ///
    /// The path must start with `/`: a Graph request is
    /// `{version root}/{resource}` ("Use the Microsoft Graph API"), and the
    /// path is appended to the base URL as text, so anything else (`:8081/x`,
    /// `.evil.example/x`, `@evil/x`) would change the host or port the token
    /// is sent to. Header names must be tokens (RFC 9110 §5.6.2) and not the
    /// client's own; values must not hold line breaks or control characters
    /// other than tab (RFC 9110 §5.5).
    pub(crate) fn check_sendable(&self) -> Result<(), ValidationError> {
        if !self.path_and_query.starts_with('/') {
            return Err(ValidationError::new(
                "path",
                "must start with `/` (it is relative to the client's base URL)",
            ));
        }
        for (name, value) in &self.headers {
            let token = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(ValidationError::new(
                    "headers",
                    "a header name must be a non-empty token (letters, digits, `-`, …)",
                ));
            }
            if CLIENT_HEADERS
                .iter()
                .any(|own| own.eq_ignore_ascii_case(name))
            {
                return Err(ValidationError::new(
                    *name,
                    "is set by the client on every request and cannot be set by a request",
                ));
            }
            if !value.bytes().all(|b| b == b'\t' || !b.is_ascii_control()) {
                return Err(ValidationError::new(
                    *name,
                    "header value must not contain line breaks or control characters",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    fn request(path: &str, headers: Vec<(&'static str, String)>) -> Request {
        Request::new(Method::Get, "/x", path.to_owned(), headers, None)
    }

    #[test]
    fn a_path_must_start_with_a_slash() {
        for hostile in [
            ":8081/x",
            ".evil.example/x",
            "@evil/x",
            "",
            "?$top=1",
            "#x",
            "x",
        ] {
            let err = request(hostile, vec![]).check_sendable().unwrap_err();
            assert_eq!(err.field(), "path", "{hostile:?}");
        }
        for fine in ["/", "/me", "//evil/x", "/me?$top=1"] {
            request(fine, vec![]).check_sendable().unwrap();
        }
    }

    #[test]
    fn header_names_and_values_must_be_sendable_and_not_the_clients() {
        let check = |name: &'static str, value: &str| {
            request("/me", vec![(name, value.to_owned())])
                .check_sendable()
                .map_err(|e| e.field().to_owned())
        };
        assert_eq!(check("Prefer", "a\tb é"), Ok(()));
        assert_eq!(check("Prefer", "a\r\nInjected: yes"), Err("Prefer".into()));
        assert_eq!(check("bad name", "x"), Err("headers".into()));
        assert_eq!(check("", "x"), Err("headers".into()));
        assert_eq!(
            check("authorization", "Bearer other"),
            Err("authorization".into())
        );
        assert_eq!(check("HOST", "evil.example"), Err("HOST".into()));
    }
}
