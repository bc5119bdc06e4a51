//! Sharing URLs as share tokens: `u!` + unpadded base64url of the URL.
//!
//! Source: the docs page "Accessing shared DriveItems" (`GET /shares/{shareIdOrEncodedSharingUrl}`),
//! section "Encoding sharing URLs": base64-encode the URL's UTF-8 bytes, drop
//! the trailing `=`, replace `/` with `_` and `+` with `-`, prefix `u!`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The prefix of an encoded sharing URL.
pub const SHARING_URL_PREFIX: &str = "u!";

/// Why a share token is not an encoded sharing URL.
///
/// The token itself is never part of the message: it carries the link, which
/// may be all it takes to open the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SharingUrlError {
    /// The token does not start with `u!` (it may be a share id such as `s!…`).
    #[error("an encoded sharing URL starts with `u!`")]
    MissingPrefix,
    /// What follows `u!` is not unpadded base64url (wrong alphabet, `=`
    /// padding, an impossible length or stray trailing bits).
    #[error("an encoded sharing URL is `u!` followed by unpadded base64url")]
    NotBase64Url,
    /// The decoded bytes are not UTF-8 text.
    #[error("an encoded sharing URL decodes to UTF-8 text")]
    NotUtf8,
}

/// Encodes a sharing URL as a share token for `/shares/{token}`.
///
/// ```
/// use graph_core::shares::encode_sharing_url;
///
/// // The example of "Accessing shared DriveItems".
/// let url = "https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1";
/// assert_eq!(
///     encode_sharing_url(url),
///     "u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx"
/// );
/// ```
pub fn encode_sharing_url(url: &str) -> String {
    let mut token = String::with_capacity(SHARING_URL_PREFIX.len() + url.len().div_ceil(3) * 4);
    token.push_str(SHARING_URL_PREFIX);
    URL_SAFE_NO_PAD.encode_string(url.as_bytes(), &mut token);
    token
}

/// Decodes a share token made by [`encode_sharing_url`] back to the URL.
///
/// Refuses, with a [`SharingUrlError`], anything that is not `u!` followed by
/// canonical unpadded base64url of UTF-8 text; never panics.
///
/// ```
/// use graph_core::shares::{decode_sharing_url, encode_sharing_url, SharingUrlError};
///
/// let token = encode_sharing_url("https://contoso.sharepoint.com/:w:/g/EZexPoDjW4d");
/// assert_eq!(decode_sharing_url(&token).unwrap(), "https://contoso.sharepoint.com/:w:/g/EZexPoDjW4d");
/// assert_eq!(decode_sharing_url("s!AbC"), Err(SharingUrlError::MissingPrefix));
/// assert_eq!(decode_sharing_url("u!aGk="), Err(SharingUrlError::NotBase64Url));
/// ```
pub fn decode_sharing_url(token: &str) -> Result<String, SharingUrlError> {
    let encoded = token
        .strip_prefix(SHARING_URL_PREFIX)
        .ok_or(SharingUrlError::MissingPrefix)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| SharingUrlError::NotBase64Url)?;
    String::from_utf8(bytes).map_err(|_| SharingUrlError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refuses_what_is_not_an_encoded_url() {
        for (token, error) in [
            ("", SharingUrlError::MissingPrefix),
            ("U!aGk", SharingUrlError::MissingPrefix),
            ("s!aGk", SharingUrlError::MissingPrefix),
            ("aHR0cHM", SharingUrlError::MissingPrefix),
            ("u!aGk=", SharingUrlError::NotBase64Url),
            ("u!a+k", SharingUrlError::NotBase64Url),
            ("u!a/k", SharingUrlError::NotBase64Url),
            ("u!a", SharingUrlError::NotBase64Url),
            // `aGl` would leave stray bits: only `aGk` is canonical for "hi".
            ("u!aGl", SharingUrlError::NotBase64Url),
            ("u!a b", SharingUrlError::NotBase64Url),
            ("u!_w", SharingUrlError::NotUtf8),
        ] {
            assert_eq!(decode_sharing_url(token), Err(error), "{token:?}");
        }
        assert_eq!(decode_sharing_url("u!").unwrap(), "");
        assert_eq!(decode_sharing_url("u!aGk").unwrap(), "hi");
    }

    #[test]
    fn uses_the_url_safe_alphabet_without_padding() {
        // Bytes chosen so standard base64 would need `+`, `/` and `=`.
        let token = encode_sharing_url("\u{3e}\u{3f}\u{3f}");
        assert_eq!(token, "u!Pj8_");
        assert_eq!(encode_sharing_url("ab"), "u!YWI");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn round_trips_any_text(url in any::<String>()) {
            let token = encode_sharing_url(&url);
            prop_assert!(token.starts_with("u!"));
            prop_assert!(token[2..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(decode_sharing_url(&token), Ok(url));
        }

        #[test]
        fn never_panics_and_accepts_only_canonical_tokens(token in any::<String>()) {
            if let Ok(url) = decode_sharing_url(&token) {
                prop_assert_eq!(encode_sharing_url(&url), token);
            }
        }

        #[test]
        fn never_panics_on_base64ish_tokens(body in "[A-Za-z0-9_=+/-]{0,40}") {
            let token = format!("u!{body}");
            if let Ok(url) = decode_sharing_url(&token) {
                prop_assert_eq!(encode_sharing_url(&url), token);
            }
        }
    }
}
