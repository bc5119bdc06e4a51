//! What the request log may show: secrets replaced by `<redacted>` in its
//! `Debug` output and its stderr lines (the entries themselves keep the raw
//! values, for tests that check what a client sent).

use serde_json::Value;

use crate::util::parse_pairs;

/// Shown instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Body and JSON property names whose values are secrets: the OAuth 2.0 and
/// Azure AD token-request parameters that carry a credential or a grant
/// (`client_secret`, `client_assertion`, `assertion`, `refresh_token`,
/// `password`, `code`, `code_verifier`, `device_code`), tokens in answers or
/// bodies (`access_token`, `id_token`), and an invitation's `password`.
const SECRET_NAMES: &[&str] = &[
    "client_secret",
    "client_assertion",
    "assertion",
    "refresh_token",
    "password",
    "code",
    "code_verifier",
    "device_code",
    "access_token",
    "id_token",
    "authorization",
];

/// Whether a body or JSON property name holds a secret (case-insensitive).
fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Whether a header's value is a secret: credentials (`Authorization`,
/// `Proxy-Authorization`, cookies) and anything named like a key or token.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-identity-header"
    ) || ["secret", "token", "key", "signature", "password"]
        .iter()
        .any(|word| name.contains(word))
}

/// A query string with every value redacted except those of OData system
/// options (`$top`, `$skiptoken`, …): other values may be pre-authenticated
/// URL secrets (`tempauth`, a SAS `sig`, a `code`). A part without `=` is
/// redacted whole, since it may be a bare secret.
pub(crate) fn query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if !name.starts_with('$') => format!("{name}={REDACTED}"),
            Some(_) => pair.to_string(),
            None if pair.is_empty() => String::new(),
            None => REDACTED.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A URL or path with the values of its query redacted as [`query`] does;
/// text without `?` is returned as it is.
pub(crate) fn url(text: &str) -> String {
    match text.split_once('?') {
        Some((path, rest)) => format!("{path}?{}", query(rest)),
        None => text.to_string(),
    }
}

/// Whether a request declared its body a form
/// (`application/x-www-form-urlencoded`, parameters allowed).
fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        value.split(';').next().is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    })
}

/// A request body with secret values redacted: a JSON object or array (at
/// any depth, so a `$batch`'s inner bodies and headers too, and the query of
/// every URL in it), or a form declared by `content_type` whose every pair is
/// `name=value` with a plain name and one `=`. Any other body (a JSON
/// scalar, malformed JSON, a bare token, an undeclared or malformed form) is
/// shown only by its length, since its secrets cannot be told apart.
pub(crate) fn body(body: &str, content_type: Option<&str>) -> String {
    if body.is_empty() {
        return String::new();
    }
    if let Ok(mut json) = serde_json::from_str::<Value>(body)
        && (json.is_object() || json.is_array())
    {
        redact_json(&mut json);
        return json.to_string();
    }
    if is_form(content_type)
        && let Some(shown) = form(body.trim())
    {
        return shown;
    }
    format!("<{} bytes, not shown>", body.len())
}

/// A well-formed form with secret values redacted, or `None`.
fn form(body: &str) -> Option<String> {
    let plain = |name: &str| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    // In a form, `=` inside a value is percent-encoded: a second raw `=`
    // (base64 padding, say) means this is not a form.
    let well_formed = body.split('&').all(|pair| {
        pair.split_once('=')
            .is_some_and(|(name, value)| plain(name) && !value.contains('='))
    });
    if !well_formed {
        return None;
    }
    let pairs = parse_pairs(body, true)?;
    let shown = pairs
        .iter()
        .map(|(name, value)| {
            let value = if is_secret_name(name) {
                REDACTED
            } else {
                value
            };
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join("&");
    Some(shown)
}

/// Whether a JSON string may be a URL or a path whose query carries secrets
/// (a `$batch` request's `url`, an `@odata.nextLink`).
fn may_be_url(name: &str, text: &str) -> bool {
    text.contains('?')
        && (name.eq_ignore_ascii_case("url")
            || name.to_ascii_lowercase().ends_with("link")
            || text.starts_with('/')
            || text.contains("://"))
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                if is_secret_name(name) || is_secret_header(name) && !value.is_object() {
                    *value = Value::String(REDACTED.to_string());
                } else if let Value::String(text) = value {
                    if may_be_url(name, text) {
                        *text = url(text);
                    }
                } else {
                    redact_json(value);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(text) if may_be_url("", text) => *text = url(text),
                    other => redact_json(other),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_secrets_are_redacted_and_the_rest_kept() {
        let shown = body(
            "grant_type=client_credentials&client_id=app&client_secret=s3cr%2Bt&scope=x&refresh_token=rt&code=c0de&password=pw",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
        );
        for secret in ["s3cr", "rt&", "c0de", "pw"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("grant_type=client_credentials"), "{shown}");
        assert!(shown.contains("client_id=app"), "{shown}");
    }

    #[test]
    fn json_secrets_are_redacted_at_any_depth() {
        let shown = body(
            r#"{"requests":[{"id":"1","headers":{"Authorization":"Bearer tok-1","x":"y"},
                "body":{"password":"Tr0ub4dor","recipients":[{"email":"a@b.c"}]}}],
                "access_token":"tok-2"}"#,
            Some("application/json"),
        );
        for secret in ["tok-1", "Tr0ub4dor", "tok-2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("a@b.c"), "{shown}");
        assert!(shown.contains(r#""x":"y""#), "{shown}");
    }

    #[test]
    fn other_bodies_show_only_their_length() {
        assert_eq!(body("not json, no pairs", None), "<18 bytes, not shown>");
        assert_eq!(body("", None), "");
    }

    /// Bodies that are neither a JSON container nor a declared, well-formed
    /// form used to come out unchanged whenever they held a `=`.
    #[test]
    fn only_declared_well_formed_forms_show_their_pairs() {
        let form = Some("application/x-www-form-urlencoded");
        let json = Some("application/json");
        let cases = [
            ("c2VjcmV0LXRva2Vu==", form),
            ("c2VjcmV0LXRva2Vu==", None),
            (r#"{"password":"Tr0ub=4dor","roles":["read"],}"#, json),
            ("Bearer eyJhbGciOi.payload.sig=", form),
            ("Bearer eyJhbGciOi.payload.sig=", None),
            (r#""my-token""#, json),
            ("12345678901234567890", json),
            ("client_id=app&client_secret=s3cret", None),
            ("client_id=app&client_secret=s3cret", json),
            ("client_id=app&s3cret", form),
        ];
        for (text, content_type) in cases {
            assert_eq!(
                body(text, content_type),
                format!("<{} bytes, not shown>", text.len()),
                "{text} ({content_type:?})"
            );
        }
    }

    /// The `url` of every inner request of a `$batch` (and any other URL in
    /// a JSON body) shows its path, never its query values.
    #[test]
    fn urls_in_json_bodies_have_their_query_redacted() {
        let shown = body(
            r#"{"requests":[
                {"id":"1","method":"GET","url":"https://contoso-my.sharepoint.com/x/download.aspx?UniqueId=1&tempauth=TEMPAUTH-SECRET"},
                {"id":"2","method":"GET","url":"/me/drive/items/1/permissions?$top=5&sig=SAS-SIG"},
                {"id":"3","method":"GET","url":"me/drive/root?code=C0DE"}],
              "@odata.nextLink":"http://127.0.0.1:1/v1.0/x?$skiptoken=2&tempauth=NEXT-SECRET",
              "links":["/a?sig=ARRAY-SIG"],
              "message":"Can you look? It is urgent"}"#,
            Some("application/json"),
        );
        for secret in [
            "TEMPAUTH-SECRET",
            "SAS-SIG",
            "C0DE",
            "NEXT-SECRET",
            "ARRAY-SIG",
            "UniqueId=1",
        ] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        for kept in [
            "https://contoso-my.sharepoint.com/x/download.aspx?",
            "/me/drive/items/1/permissions?$top=5&sig=<redacted>",
            "$skiptoken=2",
            "Can you look? It is urgent",
        ] {
            assert!(shown.contains(kept), "{kept}: {shown}");
        }
    }

    #[test]
    fn query_values_are_redacted_except_odata_options() {
        assert_eq!(
            query("$top=5&tempauth=abc&sig=xyz&$skiptoken=RW1"),
            "$top=5&tempauth=<redacted>&sig=<redacted>&$skiptoken=RW1"
        );
        assert_eq!(query(""), "");
        // A part without `=` may be a bare secret.
        assert_eq!(
            query("$top=5&BARE-SECRET&&x"),
            "$top=5&<redacted>&&<redacted>"
        );
        assert_eq!(
            url("/a/b?tempauth=T&$top=1"),
            "/a/b?tempauth=<redacted>&$top=1"
        );
        assert_eq!(url("/a/b"), "/a/b");
    }

    #[test]
    fn secret_headers() {
        for name in ["Authorization", "cookie", "x-api-key", "X-Ms-Token"] {
            assert!(is_secret_header(name), "{name}");
        }
        for name in ["retry-attempt", "client-request-id", "content-type"] {
            assert!(!is_secret_header(name), "{name}");
        }
    }
}
