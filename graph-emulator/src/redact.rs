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
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["secret", "token", "key", "signature", "password"]
        .iter()
        .any(|word| name.contains(word))
}

/// A query string with every value redacted except those of OData system
/// options (`$top`, `$skiptoken`, …): other values may be pre-authenticated
/// URL secrets (`tempauth`, a SAS `sig`, a `code`).
pub(crate) fn query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if !name.starts_with('$') => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request body with secret values redacted: JSON (at any depth, so a
/// `$batch`'s inner bodies and headers too) or a form; any other body is
/// shown only by its length, since its secrets cannot be told apart.
pub(crate) fn body(body: &str) -> String {
    if body.is_empty() {
        return String::new();
    }
    if let Ok(mut json) = serde_json::from_str::<Value>(body) {
        redact_json(&mut json);
        return json.to_string();
    }
    if let Some(pairs) = parse_pairs(body.trim(), true)
        && !pairs.is_empty()
        && body.contains('=')
    {
        return pairs
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
    }
    format!("<{} bytes, not shown>", body.len())
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                if is_secret_name(name) || is_secret_header(name) && !value.is_object() {
                    *value = Value::String(REDACTED.to_string());
                } else {
                    redact_json(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
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
        );
        for secret in ["tok-1", "Tr0ub4dor", "tok-2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("a@b.c"), "{shown}");
        assert!(shown.contains(r#""x":"y""#), "{shown}");
    }

    #[test]
    fn other_bodies_show_only_their_length() {
        assert_eq!(body("not json, no pairs"), "<18 bytes, not shown>");
        assert_eq!(body(""), "");
    }

    #[test]
    fn query_values_are_redacted_except_odata_options() {
        assert_eq!(
            query("$top=5&tempauth=abc&sig=xyz&$skiptoken=RW1"),
            "$top=5&tempauth=<redacted>&sig=<redacted>&$skiptoken=RW1"
        );
        assert_eq!(query(""), "");
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
