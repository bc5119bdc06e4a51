//! Telling share tokens apart in request paths, so that what prints a path
//! can hide them.
//!
//! A token in `/shares/{shareIdOrEncodedSharingUrl}` opens the item for
//! whoever holds it ("Accessing shared DriveItems"; "driveItem: createLink":
//! a link is "a unique token that provides access to the item for anyone with
//! the link"), so it is as secret as the link itself.

use std::borrow::Cow;

/// Whether a path segment is, by its form, a share token: an encoded sharing
/// URL (`u!…`) or a share id (`s!…`), also with the `!` percent-encoded.
///
/// A segment right after `shares` is a token whatever its form; see
/// [`redact_share_tokens`], which also covers that case.
pub(crate) fn is_share_token(segment: &str) -> bool {
    let lower = segment.get(..4).unwrap_or(segment).to_ascii_lowercase();
    ["u!", "s!", "u%21", "s%21"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

/// `path` (or a whole URL) with every share token replaced by
/// `<share token>`: the segment after a `shares` segment, and any segment
/// [`is_share_token`] recognises. The query is left as is.
pub(crate) fn redact_share_tokens(path: &str) -> Cow<'_, str> {
    let (path_part, query) = match path.find(['?', '#']) {
        Some(at) => path.split_at(at),
        None => (path, ""),
    };
    let mut after_shares = false;
    let mut changed = false;
    let segments: Vec<&str> = path_part
        .split('/')
        .map(|segment| {
            let secret = after_shares || is_share_token(segment);
            after_shares = segment.eq_ignore_ascii_case("shares");
            if secret && !segment.is_empty() {
                changed = true;
                "<share token>"
            } else {
                segment
            }
        })
        .collect();
    if changed {
        Cow::Owned(format!("{}{query}", segments.join("/")))
    } else {
        Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_tokens_are_recognised_by_form_and_by_place() {
        for segment in ["u!aHR0cHM", "s!AbC", "U%21aGk", "s%21x"] {
            assert!(is_share_token(segment), "{segment}");
        }
        for segment in ["shares", "driveItem", "items", "", "u", "us!x"] {
            assert!(!is_share_token(segment), "{segment}");
        }
        assert_eq!(
            redact_share_tokens(
                "https://graph.microsoft.com/v1.0/shares/u!aHR0cHM/driveItem?$expand=children"
            ),
            "https://graph.microsoft.com/v1.0/shares/<share token>/driveItem?$expand=children"
        );
        // A share id Graph returns without a prefix is still hidden by place.
        assert_eq!(
            redact_share_tokens("/shares/!LKj1lkdlals90j1nlkascl/permission/grant"),
            "/shares/<share token>/permission/grant"
        );
        assert_eq!(
            redact_share_tokens("/me/drive/items/1"),
            "/me/drive/items/1"
        );
    }
}
