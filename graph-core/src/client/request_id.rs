//! The `client-request-id` sent with every request: a fresh random (v4) UUID.

use reqwest::header::HeaderValue;

/// A new v4 UUID in its hyphenated lower-case form, and the same as a header value.
///
/// The id only correlates a request with Graph's logs, so it needs to be
/// unique, not unpredictable: its 122 random bits come from `fastrand`'s
/// per-thread generator (seeded once per thread from the OS) instead of a
/// `getrandom` system call per request, which `Uuid::new_v4` makes.
pub(super) fn new_client_request_id() -> (String, HeaderValue) {
    let uuid = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text: &str = uuid.hyphenated().encode_lower(&mut text);
    // Hex digits and hyphens are always a valid header value.
    let header = HeaderValue::from_str(text).expect("a UUID is a valid header value");
    (text.to_owned(), header)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_distinct_version_4_uuids() {
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let (text, header) = new_client_request_id();
            assert_eq!(header.to_str().unwrap(), text);
            let uuid = uuid::Uuid::parse_str(&text).unwrap();
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random), "{text}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{text}");
            assert_eq!(
                uuid.hyphenated().to_string(),
                text,
                "lower-case, hyphenated"
            );
            assert!(seen.insert(text), "ids repeat");
        }
    }

    #[test]
    fn threads_draw_different_ids() {
        let other = std::thread::spawn(|| new_client_request_id().0)
            .join()
            .unwrap();
        assert_ne!(new_client_request_id().0, other);
    }
}
