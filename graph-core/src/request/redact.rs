//! Hiding secrets before they are shown: in request bodies, and in URLs.
//!
//! Every URL this crate puts into an error, a `Debug` output or a trace goes
//! through [`redacted_url`]: pre-authenticated download URLs carry their
//! credential in the query (`tempauth=`, a SAS `sig=`), and any URL can
//! carry a password in its user-info.

use serde_json::Value;

/// JSON keys whose values are secrets wherever they appear.
const SECRET_KEYS: [&str; 4] = ["password", "client_secret", "access_token", "refresh_token"];

/// The text shown in place of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// A JSON body as text with every secret value replaced by `<redacted>`.
///
/// A body that is not JSON is not shown at all, only its length, since its
/// secrets cannot be found.
pub(crate) fn redacted_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact(&mut value);
            value.to_string()
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

/// What a query value is replaced by in a shown URL.
pub(crate) const URL_REDACTED: &str = "REDACTED";

/// The most characters of a URL shown; the rest is cut and marked with `…`.
const URL_MAX_CHARS: usize = 2048;

/// The longest query name shown as it is; a longer one (or one with other
/// characters than a name has) could be a secret itself and is redacted.
const QUERY_NAME_MAX: usize = 40;

/// `url` as it may be shown in errors, `Debug` output and traces: scheme,
/// host, port and path as they are; the user-info dropped; each query value
/// replaced by `REDACTED`, names kept (`?tempauth=REDACTED`); the fragment
/// dropped. At most [`URL_MAX_CHARS`] characters.
///
/// Works on the text alone, so it treats alike a URL that parsed, a
/// `Location` header that did not, and a relative link; it never panics.
/// User-info is looked for as browsers do: after `scheme:` and any run of
/// `/` and `\`, up to the last `@` before the next `/`, `\`, `?` or `#`,
/// once tabs and newlines are gone and the ends trimmed (URL parsers ignore
/// them). Dropping it can make what followed it look like user-info in turn
/// (`http:@\x@host`), so it is dropped until none is left.
///
/// Text that does not parse as a URL may hold a password with a `/`, `?`
/// or `#` in it (`http://user:pa?ss@host/`), which would end the authority
/// early and show the password as host or query: there everything from the
/// authority's start to the last `@` is dropped.
pub(crate) fn redacted_url(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let mut shown: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if reqwest::Url::parse(&shown).is_err() {
        let start = authority_start(&shown);
        if let Some(at) = shown[start..].rfind('@') {
            shown.replace_range(start..=start + at, "");
        }
    }
    // Each round drops at least one `@`, so this ends; the bound is a guard.
    for _ in 0..=shown.len() {
        let next = redacted_once(&shown);
        if next == shown {
            break;
        }
        shown = next;
    }
    cut(shown)
}

/// One round of [`redacted_url`], without the length bound.
fn redacted_once(text: &str) -> String {
    let text = text.split('#').next().unwrap_or_default();
    let (head, query) = match text.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (text, None),
    };
    let mut shown = String::with_capacity(text.len() + 16);
    let authority_start = authority_start(head);
    let (before, rest) = head.split_at(authority_start);
    shown.push_str(before);
    let authority_end = rest.find(['/', '\\']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // Only the host and port stay: `user:password@` goes.
    shown.push_str(authority.rsplit('@').next().unwrap_or_default());
    shown.push_str(path);
    // A share token in the path opens the item for whoever holds it (the
    // whole head: a path without a scheme is kept above as it is).
    if let std::borrow::Cow::Owned(without) = crate::shares::redact_share_tokens(&shown) {
        shown = without;
    }
    if let Some(query) = query {
        shown.push('?');
        for (i, item) in query.split('&').enumerate() {
            if i > 0 {
                shown.push('&');
            }
            match item.split_once('=') {
                Some((name, _)) if is_plain_name(name) => {
                    shown.push_str(name);
                    shown.push('=');
                    shown.push_str(URL_REDACTED);
                }
                // A bare item (`?SECRET`) or an odd name may be the secret itself.
                _ if !item.is_empty() => shown.push_str(URL_REDACTED),
                _ => {}
            }
        }
    }
    shown
}

/// Where the authority (user-info, host, port) starts in `head`: after
/// `scheme:` and any slashes or backslashes, or after a leading `//`; the
/// end of `head` when it has none (a path).
fn authority_start(head: &str) -> usize {
    let skip_slashes = |from: usize| {
        from + head[from..]
            .find(|c| c != '/' && c != '\\')
            .unwrap_or(head.len() - from)
    };
    let scheme_end = head.find(':').filter(|&colon| {
        let scheme = &head[..colon];
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme_end {
        Some(colon) => skip_slashes(colon + 1),
        // Scheme-relative (`//host/…`; browsers read `\\` as `/` too).
        None if head.len() >= 2
            && head.as_bytes()[..2]
                .iter()
                .all(|b| matches!(b, b'/' | b'\\')) =>
        {
            skip_slashes(0)
        }
        None => head.len(),
    }
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= QUERY_NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'-' | b'.' | b'%'))
}

fn cut(mut shown: String) -> String {
    if let Some((end, _)) = shown.char_indices().nth(URL_MAX_CHARS) {
        shown.truncate(end);
        shown.push('…');
    }
    shown
}

/// `text` with each `http://` or `https://` URL in it redacted (see
/// [`redacted_url`]): a run from the scheme to the next quote, angle
/// bracket, backtick or whitespace. For snippets of bodies, where a
/// pre-authenticated download URL (`@microsoft.graph.downloadUrl`) can
/// carry its credential in the query.
pub(crate) fn redacted_urls(text: &str) -> std::borrow::Cow<'_, str> {
    let starts = |at: usize| {
        let rest = text.as_bytes().get(at..).unwrap_or_default();
        [&b"http://"[..], b"https://"].iter().any(|scheme| {
            rest.len() >= scheme.len() && rest[..scheme.len()].eq_ignore_ascii_case(scheme)
        })
    };
    let Some(first) = text.char_indices().map(|(i, _)| i).find(|&i| starts(i)) else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut shown = String::with_capacity(text.len() + 16);
    shown.push_str(&text[..first]);
    let mut rest = &text[first..];
    while !rest.is_empty() {
        if starts(text.len() - rest.len()) {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
                .unwrap_or(rest.len());
            shown.push_str(&redacted_url(&rest[..end]));
            rest = &rest[end..];
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                shown.push(c);
            }
            rest = chars.as_str();
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// `source` with the URL it names redacted (see [`redacted_url`]); reqwest
/// prints that URL in its `Display` and `Debug`.
pub(crate) fn redacted_reqwest_error(mut source: reqwest::Error) -> reqwest::Error {
    let Some(url) = source.url_mut() else {
        return source;
    };
    match reqwest::Url::parse(&redacted_url(url.as_str())) {
        Ok(redacted) => {
            *url = redacted;
            source
        }
        Err(_) => source.without_url(),
    }
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s)) {
                    *item = Value::String(REDACTED.to_owned());
                } else {
                    redact(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_tokens_in_paths_are_redacted() {
        let token =
            crate::shares::encode_sharing_url("https://contoso.sharepoint.com/:w:/g/EsTnYfEvSQ");
        for shown in [
            redacted_url(&format!("/v1.0/shares/{token}/driveItem?$expand=children")),
            redacted_url(&format!("https://graph.microsoft.com/v1.0/shares/{token}")),
            format!(
                "{:?}",
                crate::Request::new(
                    crate::Method::Get,
                    "t",
                    format!("/shares/{token}/permission"),
                    Vec::new(),
                    None
                )
            ),
        ] {
            assert!(!shown.contains(&token), "{shown}");
            assert!(shown.contains("/shares/"), "{shown}");
        }
    }

    #[test]
    fn nested_passwords_are_hidden_and_the_rest_kept() {
        let body =
            br#"{"recipients":[{"email":"a@b.c"}],"Password":"hunter2","x":{"password":"p2"}}"#;
        let shown = redacted_body(body);
        assert!(
            !shown.contains("hunter2") && !shown.contains("p2"),
            "{shown}"
        );
        assert!(shown.contains("a@b.c"), "{shown}");
        assert_eq!(shown.matches(REDACTED).count(), 2);
    }

    #[test]
    fn non_json_bodies_are_not_echoed() {
        assert_eq!(redacted_body(b"password=hunter2"), "<16 bytes, not JSON>");
    }

    /// A password holding `?` or `/` makes the text unparseable and would
    /// end the authority early: all up to the last `@` goes.
    #[test]
    fn unparseable_urls_lose_everything_up_to_the_last_at() {
        for (url, shown) in [
            ("http://user:pa?ss@host/x", "http://host/x"),
            ("http://user:pa/ss@host/x?q=1", "http://host/x?q=REDACTED"),
            ("https://u:p#w@host/", "https://host/"),
        ] {
            assert!(reqwest::Url::parse(url).is_err(), "{url}");
            assert_eq!(redacted_url(url), shown, "{url}");
        }
        // A URL that parses keeps an `@` in its path.
        assert_eq!(
            redacted_url("https://graph.microsoft.com/v1.0/users/a@contoso.com"),
            "https://graph.microsoft.com/v1.0/users/a@contoso.com"
        );
    }

    #[test]
    fn urls_in_text_are_redacted_and_the_rest_kept() {
        let text = r#"{"@microsoft.graph.downloadUrl":"https://c.sharepoint.com/d.aspx?UniqueId=1&tempauth=eyJ.x.y","name":"a.txt"} HTTP://h/?sig=abc"#;
        let shown = redacted_urls(text);
        assert_eq!(
            shown,
            r#"{"@microsoft.graph.downloadUrl":"https://c.sharepoint.com/d.aspx?UniqueId=REDACTED&tempauth=REDACTED","name":"a.txt"} HTTP://h/?sig=REDACTED"#
        );
        assert!(matches!(
            redacted_urls("no links, ü"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn urls_keep_scheme_host_path_and_query_names_only() {
        for (url, shown) in [
            (
                "https://contoso.sharepoint.com/_layouts/15/download.aspx?UniqueId=1a2b&tempauth=eyJ0eXAi.x.y",
                "https://contoso.sharepoint.com/_layouts/15/download.aspx?UniqueId=REDACTED&tempauth=REDACTED",
            ),
            (
                "https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2026&sr=b&sp=r&sig=abc%2Bdef%3D",
                "https://acct.blob.core.windows.net/c/b.txt?sv=REDACTED&se=REDACTED&sr=REDACTED&sp=REDACTED&sig=REDACTED",
            ),
            (
                "https://user:p%40ss@g.test:8443/v1.0/me?x=1#access_token=t",
                "https://g.test:8443/v1.0/me?x=REDACTED",
            ),
            ("http://127.0.0.1:9/v1.0/me", "http://127.0.0.1:9/v1.0/me"),
            (
                "/me/drive?$skiptoken=abc&&=v&bare",
                "/me/drive?$skiptoken=REDACTED&&REDACTED&REDACTED",
            ),
            ("//user:pw@host/x?k=", "//host/x?k=REDACTED"),
            ("https:\\\\user:pw@host\\x", "https:\\\\host\\x"),
            ("https:user:pw@host/x", "https:host/x"),
            (
                "https://g.test/users/alex@contoso.com/drive",
                "https://g.test/users/alex@contoso.com/drive",
            ),
            ("", ""),
            // What a dropped user-info leaves can look like user-info again;
            // this does not parse, so all up to the last `@` goes at once.
            ("http:@\\=@a", "http:a"),
            // URL parsers ignore tabs and newlines, and spaces at the ends.
            (" https:/\n/user:pw@host/x ", "https://host/x"),
        ] {
            assert_eq!(redacted_url(url), shown, "{url}");
        }
        // A name that could be the secret itself goes too.
        assert_eq!(
            redacted_url("https://g.test/x?eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0=1"),
            "https://g.test/x?REDACTED"
        );
        let long = format!("https://g.test/{}", "é".repeat(5000));
        assert_eq!(redacted_url(&long).chars().count(), URL_MAX_CHARS + 1);
    }

    #[tokio::test]
    async fn reqwest_errors_name_the_url_redacted() {
        // A port just closed: the connection is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://u:pw@127.0.0.1:{port}/dl.aspx?tempauth=SECRET1&sig=SECRET2");
        let error = reqwest::get(&url).await.unwrap_err();
        assert!(
            format!("{error} {error:?}").contains("SECRET1"),
            "the test's premise"
        );
        let error = redacted_reqwest_error(error);
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(
                shown.contains(&format!(
                    "127.0.0.1:{port}/dl.aspx?tempauth=REDACTED&sig=REDACTED"
                )),
                "{shown}"
            );
            for secret in ["SECRET1", "SECRET2", "pw@"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    /// Pieces of URLs: an arbitrary string that holds none of the secret's
    /// letters (so a secret can only appear where a strategy put it).
    fn junk() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[^Z]{0,12}").unwrap()
    }

    /// Junk that cannot end an authority or a query item, for user-info and
    /// query values (where a `/`, `?`, `#` or `&` would move the secret into
    /// the path or another item, which are not secret places).
    fn inside() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::string::string_regex("[^Z/\\\\?#&@=]{0,8}").unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// A secret in the user-info, in a query value or as a bare query
        /// item never shows, whatever surrounds it; nothing panics.
        #[test]
        fn secrets_in_user_info_and_query_never_show(
            scheme in proptest::sample::select(vec!["https://", "http://", "https:\\\\", "https:", "//", "x-y+z://"]),
            user in inside(),
            host in inside(),
            path in junk(),
            before in inside(),
            after in inside(),
            name in proptest::sample::select(vec!["tempauth", "sig", "$skiptoken", "a", "%24x", "é"]),
            rest in junk(),
            bare in proptest::bool::ANY,
        ) {
            const SECRET: &str = "ZZSECRETZZ";
            let path = path.replace(['?', '#'], "");
            let item = if bare { format!("{before}{SECRET}{after}") } else { format!("{name}={before}{SECRET}{after}") };
            let url = format!("{scheme}{user}:{before}{SECRET}@{host}/{path}?a=1&{item}&{rest}");
            let shown = redacted_url(&url);
            proptest::prop_assert!(!shown.contains("ZZ"), "{} -> {}", url, shown);
        }

        /// Any string: no panic, at most the bound, and whatever the URL
        /// parser reads in it, it reads no user-info and no query value in
        /// the redacted text.
        #[test]
        fn any_string_is_redacted_by_the_url_parser_s_reading(text in proptest::prop_oneof![
            "\\PC{0,80}",
            "(https?:|//)?[a-z0-9:/\\\\@?#&=%.]{0,40}",
        ]) {
            let shown = redacted_url(&text);
            proptest::prop_assert!(shown.chars().count() <= URL_MAX_CHARS + 1);
            if let Ok(url) = reqwest::Url::parse(&shown) {
                proptest::prop_assert_eq!(url.username(), "", "{} -> {}", text, shown);
                proptest::prop_assert_eq!(url.password(), None, "{} -> {}", text, shown);
                proptest::prop_assert_eq!(url.fragment(), None);
                for (_, value) in url.query_pairs() {
                    proptest::prop_assert!(value.is_empty() || value == URL_REDACTED, "{} -> {}", text, shown);
                }
            }
        }
    }
}
