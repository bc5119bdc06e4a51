//! Following a redirect: where to go next, with which method, and whether credentials may follow.

use reqwest::Url;

use crate::request::redacted_url;
use crate::{Error, Method, RedirectError};

/// A refused redirect; `send.rs` marks whether an
/// earlier hop may have acted.
fn refused(message: String, status: u16) -> Error {
    Error::Redirect(RedirectError::new(message, status, false))
}

/// The most redirects followed for one attempt (documented on [`Client`](crate::Client)).
pub(crate) const MAX_REDIRECTS: u32 = 5;

/// The next hop of a redirect chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hop {
    /// Where to send the request now.
    pub url: Url,
    /// 301/302/303 turn a request with a body into a body-less GET, as browsers and reqwest do.
    pub method: Method,
    /// Whether the body is sent again (307 and 308 keep method and body).
    pub keep_body: bool,
}

/// Whether `status` is a redirect this client follows.
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The hop after a redirect answer, or an error when it cannot be followed.
pub(crate) fn next_hop(
    current: &Url,
    status: u16,
    location: Option<&str>,
    method: Method,
    redirects_so_far: u32,
) -> Result<Hop, Error> {
    if redirects_so_far >= MAX_REDIRECTS {
        return Err(refused(
            format!("more than {MAX_REDIRECTS} redirects"),
            status,
        ));
    }
    let location =
        location.ok_or_else(|| refused(format!("{status} without a Location header"), status))?;
    let url = current.join(location).map_err(|e| {
        let location = redacted_url(location);
        refused(format!("unusable Location `{location}`: {e}"), status)
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(refused(
            format!(
                "Location `{}` is not an http(s) URL",
                redacted_url(url.as_str())
            ),
            status,
        ));
    }
    if current.scheme() == "https" && url.scheme() == "http" {
        return Err(refused(
            "a redirect from https to plain http is refused".to_owned(),
            status,
        ));
    }
    let keep_method = matches!(status, 307 | 308) || (status != 303 && method == Method::Get);
    Ok(Hop {
        url,
        method: if keep_method { method } else { Method::Get },
        keep_body: keep_method,
    })
}

/// Credentials go only where the original request went: same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn relative_locations_resolve_against_the_current_url() {
        let hop = next_hop(
            &url("https://g.test/v1.0/a/b"),
            302,
            Some("../c"),
            Method::Get,
            0,
        )
        .unwrap();
        assert_eq!(hop.url.as_str(), "https://g.test/v1.0/c");
        assert_eq!((hop.method, hop.keep_body), (Method::Get, true));
    }

    #[test]
    fn post_keeps_its_body_only_on_307_and_308() {
        let here = url("https://g.test/x");
        for (status, method, keep) in [
            (307, Method::Post, true),
            (308, Method::Post, true),
            (301, Method::Get, false),
            (302, Method::Get, false),
            (303, Method::Get, false),
        ] {
            let hop = next_hop(&here, status, Some("/y"), Method::Post, 0).unwrap();
            assert_eq!((hop.method, hop.keep_body), (method, keep), "{status}");
        }
    }

    #[test]
    fn the_chain_is_bounded_and_needs_a_location() {
        let here = url("https://g.test/x");
        assert!(next_hop(&here, 302, Some("/y"), Method::Get, MAX_REDIRECTS - 1).is_ok());
        assert!(matches!(
            next_hop(&here, 302, Some("/y"), Method::Get, MAX_REDIRECTS),
            Err(Error::Redirect(_))
        ));
        assert!(matches!(
            next_hop(&here, 302, None, Method::Get, 0),
            Err(Error::Redirect(_))
        ));
        assert!(matches!(
            next_hop(&here, 302, Some("file:///etc/passwd"), Method::Get, 0),
            Err(Error::Redirect(_))
        ));
    }

    #[test]
    fn https_never_downgrades_to_http() {
        let here = url("https://g.test/x");
        assert!(matches!(
            next_hop(&here, 302, Some("http://g.test/y"), Method::Get, 0),
            Err(Error::Redirect(_))
        ));
        assert!(
            next_hop(
                &url("http://127.0.0.1/x"),
                302,
                Some("https://g.test/y"),
                Method::Get,
                0
            )
            .is_ok()
        );
    }

    #[test]
    fn origin_includes_scheme_host_and_port() {
        let base = url("https://g.test/a");
        assert!(same_origin(&base, &url("https://g.test:443/b")));
        assert!(!same_origin(&base, &url("http://g.test:443/b")));
        assert!(!same_origin(&base, &url("https://other.test/a")));
        assert!(!same_origin(&base, &url("https://g.test:8443/a")));
    }
}
