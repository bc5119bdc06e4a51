//! Every request goes under the client's base URL, never elsewhere.

use reqwest::Url;

use crate::{Error, ValidationError};

/// Parses `text`, a request's path and query appended to `base` (the
/// client's base URL, normalized and without a trailing `/`), and checks that
/// it stays under `base`.
///
/// Called after [`Request::check_sendable`](crate::Request::check_sendable)
/// has refused a path without a leading `/`, before anything is sent (and so
/// before a token is fetched); this is defence in depth for what that lets
/// through, such as `/../beta/x`, which the URL parser resolves to outside the
/// version root. Either failure is [`Error::Validation`]; the URL is left out
/// of the error, as its query can carry secrets.
pub(super) fn url_under(base: &str, text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|e| {
        ValidationError::new("path", format!("does not make a URL with the base: {e}"))
    })?;
    // `base` is serialized as the parser serializes, so a URL that keeps its
    // scheme, user-info, host, port and path starts with it, followed by `/`.
    let under_base = url
        .as_str()
        .strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/'));
    if !under_base {
        return Err(ValidationError::new(
            "path",
            "leads outside the client's base URL (a `..` segment, say)",
        )
        .into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::client::cloud::checked_base_url;
    use crate::{Method, Request};

    /// What the client does with `path` under `base`, before sending.
    fn url(base: &str, path: &str) -> Result<Url, Error> {
        let request = Request::new(Method::Get, "/x", path.to_owned(), Vec::new(), None);
        request.check_sendable()?;
        let base = checked_base_url(base).unwrap();
        url_under(&base, &format!("{base}{path}"))
    }

    fn refused(base: &str, path: &str) {
        match url(base, path) {
            Err(Error::Validation(e)) => assert_eq!(e.field(), "path", "{path:?}"),
            other => panic!("{base} + {path:?}: expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn paths_that_would_change_the_host_or_port_are_refused() {
        for base in [
            "http://localhost",
            "http://127.0.0.1:8080",
            "https://graph.microsoft.com/v1.0",
        ] {
            for hostile in [
                ":8081/x",
                ".evil.example/x",
                "@evil/x",
                "\\evil/x",
                "?x",
                "",
            ] {
                refused(base, hostile);
            }
        }
    }

    #[test]
    fn paths_that_climb_out_of_the_version_root_are_refused() {
        let base = "https://graph.microsoft.com/v1.0";
        for climbing in [
            "/../beta/me",
            "/%2e%2e/beta/me",
            "/me/../../beta",
            "/.%2E/x",
        ] {
            refused(base, climbing);
        }
        // Climbing inside the root is the URL parser's business, not a way out.
        assert_eq!(
            url(base, "/me/../drive").unwrap().as_str(),
            "https://graph.microsoft.com/v1.0/drive"
        );
    }

    #[test]
    fn ordinary_paths_are_appended() {
        let cases = [
            (
                "https://graph.microsoft.com/v1.0",
                "/me/drive?$top=5",
                "https://graph.microsoft.com/v1.0/me/drive?$top=5",
            ),
            ("http://127.0.0.1:8080", "/x", "http://127.0.0.1:8080/x"),
            (
                "http://127.0.0.1:8080/v1.0/",
                "//evil/x",
                "http://127.0.0.1:8080/v1.0//evil/x",
            ),
            (
                "https://graph.microsoft.com/v1.0",
                "/a\\b",
                "https://graph.microsoft.com/v1.0/a/b",
            ),
        ];
        for (base, path, expected) in cases {
            assert_eq!(url(base, path).unwrap().as_str(), expected);
        }
    }

    /// An endpoint with every kind of value a user can put into a request.
    #[crate::graph_endpoint(PATCH "/drives/<drive_id>/root:/<path..>:/children/<name>")]
    struct EveryValue {
        drive_id: String,
        path: String,
        name: String,
        #[query("$filter")]
        filter: String,
        #[header("Prefer")]
        prefer: String,
        description: String,
    }

    /// Header names a hand-built request could carry (they are `&'static str`).
    const HEADER_NAMES: [&str; 7] = ["Prefer", "If-Match", "x", "bad name", "", "é", "Host"];

    /// What the client does with `request` before sending: refused with a
    /// validation error, or sent to a URL under `base` with headers reqwest
    /// accepts.
    fn sent_or_refused(base: &str, request: &Request) -> Result<(), TestCaseError> {
        let base = checked_base_url(base).unwrap();
        let checked = request
            .check_sendable()
            .map_err(Error::from)
            .and_then(|()| url_under(&base, &format!("{base}{}", request.path_and_query())));
        match checked {
            Ok(sent) => {
                let base_url = Url::parse(&base).unwrap();
                prop_assert_eq!(sent.origin(), base_url.origin());
                prop_assert_eq!(sent.username(), "");
                let root = base_url.path().trim_end_matches('/');
                prop_assert!(sent.path().starts_with(&format!("{root}/")), "{}", sent);
                for (name, value) in request.headers() {
                    prop_assert!(reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok());
                    prop_assert!(reqwest::header::HeaderValue::from_str(value).is_ok());
                }
            }
            Err(Error::Validation(_)) => {}
            Err(other) => prop_assert!(false, "{:?}", other),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any Unicode in every field of an endpoint: never a panic, and
        /// either a validation error or a request the client sends under its
        /// base URL.
        #[test]
        fn any_endpoint_value_is_sent_under_the_base_or_refused(
            drive_id in any::<String>(),
            path in any::<String>(),
            name in "\\PC{0,8}|\\.{1,2}|",
            filter in any::<String>(),
            prefer in prop_oneof!["\\PC{0,16}", any::<String>()],
            description in any::<String>(),
        ) {
            let endpoint = EveryValue::builder()
                .drive_id(drive_id).path(path).name(name)
                .filter(filter).prefer(prefer).description(description)
                .build();
            match crate::Endpoint::to_request(&endpoint) {
                Ok(request) => {
                    request.check_sendable().map_err(|e| TestCaseError::fail(e.to_string()))?;
                    sent_or_refused("https://graph.microsoft.com/v1.0", &request)?;
                }
                Err(Error::Validation(_)) => {}
                Err(other) => prop_assert!(false, "{:?}", other),
            }
        }

        /// Any hand-built request: never a panic, and either a validation
        /// error or a request sent under the base URL.
        #[test]
        fn any_hand_built_request_is_sent_under_the_base_or_refused(
            path in prop_oneof!["\\PC{0,24}", any::<String>()],
            headers in prop::collection::vec(
                (prop::sample::select(HEADER_NAMES.to_vec()), any::<String>()),
                0..3,
            ),
        ) {
            let request = Request::new(Method::Post, "/x", path, headers, Some(b"{}".to_vec()));
            sent_or_refused("http://127.0.0.1:8080/v1.0", &request)?;
        }

        /// Any text as a path (and any query after it): never a panic, and
        /// either a URL on the base's origin under its path, or a validation
        /// error.
        #[test]
        fn any_path_stays_under_the_base_or_is_refused(
            base in prop::sample::select(vec![
                "https://graph.microsoft.com/v1.0",
                "http://localhost",
                "http://127.0.0.1:8080/beta",
            ]),
            path in prop_oneof![
                "\\PC{0,24}",
                "[/:@.\\\\?#%2eE]{0,12}",
                "/[/:@.\\\\?#%2eE a-z]{0,12}",
            ],
        ) {
            let base_url = Url::parse(base).unwrap();
            match url(base, &path) {
                Ok(sent) => {
                    prop_assert_eq!(sent.origin(), base_url.origin());
                    prop_assert_eq!(sent.username(), "");
                    let root = base_url.path().trim_end_matches('/');
                    prop_assert!(sent.path().starts_with(&format!("{root}/")), "{}", sent);
                }
                Err(Error::Validation(_)) => {}
                Err(other) => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
