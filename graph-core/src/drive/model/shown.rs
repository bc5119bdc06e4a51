//! How sharing secrets appear in `Debug` output.
//!
//! Microsoft's "List sharing permissions on a driveItem" page calls them
//! secrets: "Sharing permission properties that contain secrets (e.g.
//! `shareId` and `webUrl`) are only returned for callers that are able to
//! create the sharing permission", and "driveItem: createLink" describes a
//! link as "a unique token that provides access to the item for anyone with
//! the link". Pre-authenticated URLs (`@microsoft.graph.downloadUrl`, "valid
//! for only a short period of time" and usable without an `Authorization`
//! header, per the driveItem resource page) carry their credential in the
//! query (`tempauth`, SAS `sig`). So `Debug` shows a URL as its host and
//! length, a token as its length, and copies of `additional` maps with such
//! values replaced.

use std::fmt;

use serde_json::{Map, Value};

/// What replaces a secret value.
const REDACTED: &str = "<redacted>";

/// A URL shown as `<host, N chars>`: enough to tell links apart by site.
pub(crate) struct UrlShape<'a>(pub(crate) &'a str);

impl fmt::Debug for UrlShape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self.0.chars().count();
        match host_of(self.0) {
            Some(host) => write!(f, "<{host}, {chars} chars>"),
            None => write!(f, "<redacted, {chars} chars>"),
        }
    }
}

/// A token shown as `<redacted, N chars>`.
pub(crate) struct TokenShape<'a>(pub(crate) &'a str);

impl fmt::Debug for TokenShape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} chars>", self.0.chars().count())
    }
}

/// An `Option` of a secret, shown through `shape`.
pub(crate) fn opt<'a, S: fmt::Debug>(
    value: &'a Option<String>,
    shape: fn(&'a str) -> S,
) -> Option<S> {
    value.as_deref().map(shape)
}

/// An `additional` map with credential-bearing values replaced.
pub(crate) struct MapShape<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for MapShape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            map.entry(key, &redacted_value(key, value));
        }
        map.finish()
    }
}

/// The host of an absolute URL (without user info or port), when it has one.
fn host_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    (!host.is_empty()).then_some(host)
}

/// Whether a property holds a secret whatever its value: a share token, a
/// link URL, a download URL.
fn is_secret_key(key: &str) -> bool {
    let key = key.rsplit('.').next().unwrap_or(key);
    ["shareid", "weburl", "webhtml", "downloadurl"]
        .iter()
        .any(|secret| key.eq_ignore_ascii_case(secret))
}

/// Whether a string carries a credential in a URL query (SharePoint's
/// `tempauth`, Azure Storage's SAS `sig`).
fn carries_credential(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("tempauth") || lower.contains("sig=")
}

/// `value` with every secret inside it replaced (recursively).
fn redacted_value(key: &str, value: &Value) -> Value {
    match value {
        Value::String(text) if is_secret_key(key) || carries_credential(text) => {
            Value::String(format!("{REDACTED} ({} chars)", text.chars().count()))
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redacted_value(k, v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redacted_value(key, v)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_show_their_host_and_length_only() {
        let url = "https://user:pw@contoso.sharepoint.com:443/:w:/g/EZexPoDjW4d?e=x";
        let shown = format!("{:?}", UrlShape(url));
        assert_eq!(
            shown,
            format!("<contoso.sharepoint.com, {} chars>", url.len())
        );
        assert_eq!(format!("{:?}", UrlShape("s!abc")), "<redacted, 5 chars>");
        assert_eq!(format!("{:?}", TokenShape("s!abc")), "<redacted, 5 chars>");
    }

    #[test]
    fn maps_lose_credentials_and_keep_the_rest() {
        let map = json!({
            "@microsoft.graph.downloadUrl": "https://x/download.aspx?UniqueId=1&tempauth=SECRET1",
            "thumbnail": {"url": "https://x/t?sig=SECRET2&sv=1"},
            "links": [{"webUrl": "https://x/SECRET3"}],
            "name": "kept"
        });
        let shown = format!("{:?}", MapShape(map.as_object().unwrap()));
        for secret in ["SECRET1", "SECRET2", "SECRET3"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("kept"), "{shown}");
    }
}
