//! Property tests of how `#[graph_endpoint]` renders placeholder and query values.
//!
//! For arbitrary Unicode values (biased toward `/ ? # % . .. : @ & = +`, spaces,
//! control characters, emoji and combining marks) this checks that:
//!
//! 1. the rendered path has the template's segment count: a `<name>` value never
//!    adds a segment, a `<name..>` value adds exactly its own `/`-separated ones;
//! 2. percent-decoding each placeholder-bearing segment (less any literal text
//!    sharing it) gives back the value exactly, and literal segments are untouched;
//! 3. no value introduces `?` or `#` (nor, inside its own text, `/` or Graph's `:`
//!    delimiter), no rendered segment is `.` or `..` (nor, for
//!    sendable values, a `%2E` spelling of one), and every byte is visible ASCII;
//! 4. `to_request()` succeeds exactly when every value is sendable (non-empty, not
//!    `.` or `..`, per `/`-separated segment for catch-alls), and otherwise fails
//!    with `Error::Validation` naming the first offending field;
//! 5. a `#[query]` value decodes back exactly from the text after `name=` and never
//!    introduces an unencoded `&`, `#`, `+` or `=`;
//! 6. a template chosen by an `ItemLocator` (placeholders filled from the
//!    variant) renders and validates exactly as the same template declared alone.

use graph_core::drive::ItemLocator;
use graph_core::{Endpoint, Error, graph_endpoint};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestCaseResult};

/// Two plain placeholders, each alone in its segment.
#[graph_endpoint(POST "/drives/<drive_id>/items/<item_id>/invite")]
struct PlainInvite {
    drive_id: String,
    item_id: String,
}

/// A plain placeholder sharing its segment with literal text on both sides.
#[graph_endpoint(GET "/x/prefix-<id>-suffix/y")]
struct SharedSegment {
    id: String,
}

/// A catch-all whose last segment carries the literal `:` after it.
#[graph_endpoint(POST "/me/drive/root:/<item_path..>:/invite")]
struct PathInvite {
    item_path: String,
}

/// A query parameter next to a plain placeholder.
#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions")]
struct FilteredPermissions {
    item_id: String,
    #[query("$filter")]
    filter: String,
}

/// `GetPermission`'s template for `ItemLocator::DrivePath`, declared alone.
#[graph_endpoint(GET "/drives/<drive_id>/root:/<item_path..>:/permissions/<permission_id>")]
struct DrivePathPermission {
    drive_id: String,
    item_path: String,
    permission_id: String,
}

/// `GetPermission`'s template for `ItemLocator::User`, declared alone.
#[graph_endpoint(GET "/users/<user_id>/drive/items/<item_id>/permissions/<permission_id>")]
struct UserItemPermission {
    user_id: String,
    item_id: String,
    permission_id: String,
}

// ---------------------------------------------------------------- strategies

/// Text fragments that have a meaning in a URL, or that are easy to mishandle.
#[rustfmt::skip]
const NASTY: &[&str] = &[
    // URL delimiters and characters with a meaning in a path or a query.
    "/", "?", "#", "%", ".", "..", ":", "@", "&", "=", "+", " ", ";", ",", "\\",
    // Text that already looks encoded.
    "%2E", "%2e", "%2F", "%25", "%%",
    // Controls, invisible and bidi characters.
    "\t", "\n", "\r", "\0", "\u{7f}", "\u{85}", "\u{a0}", "\u{200b}", "\u{202e}", "\u{feff}",
    // Multi-byte text: combining marks, the last scalar value, emoji sequences.
    "\u{fffd}", "\u{301}", "e\u{301}", "\u{10ffff}", "ä", "中",
    "😀", "👩\u{200d}👩\u{200d}👧", "🇫🇷",
];

/// Whole values that sit on the edge of what may be sent.
const EDGE_VALUES: &[&str] = &[
    "", ".", "..", "...", " ", "%", "/", "//", "./..", "a/b", ".a", "a.",
];

fn char_in(range: std::ops::Range<u32>) -> impl Strategy<Value = String> {
    range.prop_filter_map("not a char", |c| char::from_u32(c).map(String::from))
}

/// One small piece of a value, mostly nasty.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(NASTY).prop_map(str::to_owned),
        // C0 controls, C1 controls, combining marks, emoji and pictographs.
        1 => char_in(0x00..0x20),
        1 => char_in(0x80..0xa0),
        1 => char_in(0x300..0x370),
        1 => char_in(0x1f300..0x1fb00),
        2 => any::<char>().prop_map(String::from),
        2 => "[a-zA-Z0-9_~-]{1,3}",
    ]
}

/// A value built from nasty pieces.
fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..8).prop_map(|pieces| pieces.concat())
}

/// Any value: arbitrary Unicode, nasty compositions, or edge cases.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        4 => nasty_string(),
        1 => select(EDGE_VALUES).prop_map(str::to_owned),
    ]
}

/// A catch-all value: several values joined with `/` (which may hold more `/`).
fn path_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        4 => prop::collection::vec(value(), 1..6).prop_map(|segments| segments.join("/")),
    ]
}

// ---------------------------------------------------------------- helpers

/// Percent-decodes `text`; `None` on a `%` not followed by two uppercase hex
/// digits (RFC 3986 §2.1), or when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |at: usize| match bytes.get(at) {
                Some(&d @ b'0'..=b'9') => Some(d - b'0'),
                Some(&d @ b'A'..=b'F') => Some(d - b'A' + 10),
                _ => None,
            };
            out.push((hex(i + 1)? << 4) | hex(i + 2)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The value inside `option`, or a test failure saying what was missing.
fn found<T>(option: Option<T>, missing: impl FnOnce() -> String) -> Result<T, TestCaseError> {
    option.ok_or_else(|| TestCaseError::fail(missing()))
}

/// Whether one placeholder value (or catch-all segment) may be sent.
fn sendable_segment(value: &str) -> bool {
    !value.is_empty() && value != "." && value != ".."
}

/// Whether a catch-all value may be sent: every `/`-separated segment must be.
fn sendable_path(value: &str) -> bool {
    value.split('/').all(sendable_segment)
}

/// Whether a URL parser would treat `segment` as a dot segment (WHATWG decodes `%2e`).
fn dot_segment_like(segment: &str) -> bool {
    matches!(
        segment.to_ascii_lowercase().as_str(),
        "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"
    )
}

/// The `/`-separated segments of a path; the first is the empty text before the leading `/`.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').collect()
}

/// Where `placeholder` (such as `<id>`) sits in `template`: its segment index and
/// the literal text before and after it in that segment.
fn locate<'t>(template: &'t str, placeholder: &str) -> (usize, &'t str, &'t str) {
    template
        .split('/')
        .enumerate()
        .find_map(|(i, segment)| {
            let (before, after) = segment.split_once(placeholder)?;
            Some((i, before, after))
        })
        .unwrap_or_else(|| panic!("{placeholder} is not in {template}"))
}

/// What holds for every rendered path, whatever the values: no query or fragment
/// delimiter, no literal dot segment, and only visible ASCII.
fn check_shape(path: &str, sendable: bool) -> TestCaseResult {
    prop_assert!(path.starts_with('/'), "{path:?} does not start with /");
    prop_assert!(!path.contains(['?', '#']), "{path:?} has ? or #");
    prop_assert!(
        path.bytes().all(|b| b.is_ascii_graphic()),
        "{path:?} has a byte that is not visible ASCII"
    );
    for segment in segments(path) {
        prop_assert!(
            segment != "." && segment != "..",
            "{path:?} has a dot segment"
        );
        if sendable {
            prop_assert!(
                !dot_segment_like(segment),
                "{path:?} has an encoded dot segment {segment:?}"
            );
        }
    }
    Ok(())
}

/// Checks one plain `<name>` placeholder in a path rendered from `template`.
fn check_plain(template: &str, path: &str, name: &str, value: &str) -> TestCaseResult {
    let (at, before, after) = locate(template, &format!("<{name}>"));
    let rendered = segments(path);
    prop_assert_eq!(
        rendered.len(),
        segments(template).len(),
        "segment count of {:?}",
        path
    );
    let inner = found(
        rendered[at]
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after)),
        || format!("{path:?}: segment {at} lost its literal text {before:?}…{after:?}"),
    )?;
    // `/` would split the segment; `:` is Graph's path-addressing delimiter.
    prop_assert!(
        !inner.contains(['/', ':']),
        "{path:?}: raw / or : in {name}"
    );
    prop_assert_eq!(
        percent_decode(inner),
        Some(value.to_owned()),
        "{} decoded from {:?}",
        name,
        path
    );
    Ok(())
}

/// Checks that segments of `path` without a placeholder are the template's, as written.
fn check_literals(template: &str, path: &str) -> TestCaseResult {
    for (written, rendered) in segments(template).iter().zip(segments(path)) {
        if !written.contains('<') {
            prop_assert_eq!(*written, rendered, "literal segment of {:?}", path);
        }
    }
    Ok(())
}

/// Checks how `to_request` treats values: success iff sendable, else a
/// validation error naming `first_bad` (the first unsendable field).
fn check_request<E: Endpoint>(endpoint: &E, first_bad: Option<&str>) -> TestCaseResult {
    match (endpoint.to_request(), first_bad) {
        (Ok(request), None) => prop_assert_eq!(request.path_and_query(), endpoint.path()),
        (Err(Error::Validation(error)), Some(field)) => prop_assert_eq!(error.field(), field),
        (result, expected) => {
            prop_assert!(false, "expected a failure on {expected:?}, got {result:?}")
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn plain_placeholders_stay_one_segment_and_round_trip(
        drive_id in value(),
        item_id in value(),
    ) {
        let endpoint = PlainInvite::builder()
            .drive_id(drive_id.clone())
            .item_id(item_id.clone())
            .build();
        let path = endpoint.path();
        let template = PlainInvite::TEMPLATE;
        let sendable = sendable_segment(&drive_id) && sendable_segment(&item_id);

        check_shape(&path, sendable)?;
        check_plain(template, &path, "drive_id", &drive_id)?;
        check_plain(template, &path, "item_id", &item_id)?;
        check_literals(template, &path)?;

        let first_bad = [("drive_id", &drive_id), ("item_id", &item_id)]
            .into_iter()
            .find(|(_, value)| !sendable_segment(value))
            .map(|(field, _)| field);
        check_request(&endpoint, first_bad)?;
    }

    #[test]
    fn a_placeholder_sharing_its_segment_keeps_the_literal_text(id in value()) {
        let endpoint = SharedSegment::builder().id(id.clone()).build();
        let path = endpoint.path();
        let sendable = sendable_segment(&id);

        check_shape(&path, sendable)?;
        check_plain(SharedSegment::TEMPLATE, &path, "id", &id)?;
        check_literals(SharedSegment::TEMPLATE, &path)?;
        check_request(&endpoint, (!sendable).then_some("id"))?;
    }

    #[test]
    fn a_catch_all_adds_exactly_its_own_segments(item_path in path_value()) {
        let endpoint = PathInvite::builder().item_path(item_path.clone()).build();
        let path = endpoint.path();
        let template = PathInvite::TEMPLATE;
        let sendable = sendable_path(&item_path);
        check_shape(&path, sendable)?;

        let parts: Vec<&str> = item_path.split('/').collect();
        let (at, before, after) = locate(template, "<item_path..>");
        let written = segments(template);
        let rendered = segments(&path);
        prop_assert_eq!(
            rendered.len(),
            written.len() - 1 + parts.len(),
            "segment count of {:?}",
            path
        );

        // Literal segments before and after the catch-all, as written.
        prop_assert_eq!(&rendered[..at], &written[..at]);
        prop_assert_eq!(&rendered[at + parts.len()..], &written[at + 1..]);

        // The catch-all's segments, with the literal text around the whole of it.
        let mut own = rendered[at..at + parts.len()].to_vec();
        own[0] = found(own[0].strip_prefix(before), || format!("{path:?} lost {before:?}"))?;
        let last = own.len() - 1;
        own[last] = found(own[last].strip_suffix(after), || format!("{path:?} lost {after:?}"))?;
        for (part, encoded) in parts.iter().zip(&own) {
            prop_assert!(!encoded.contains(':'), "{path:?}: raw : in item_path");
            prop_assert_eq!(
                percent_decode(encoded),
                Some((*part).to_owned()),
                "segment of {:?}",
                path
            );
        }

        check_request(&endpoint, (!sendable).then_some("item_path"))?;
    }

    #[test]
    fn query_values_round_trip_without_new_delimiters(filter in value()) {
        let endpoint = FilteredPermissions::builder()
            .item_id("01ABC")
            .filter(filter.clone())
            .build();
        let request = endpoint
            .to_request()
            .map_err(|error| TestCaseError::fail(format!("query value refused: {error:?}")))?;
        let url = request.path_and_query();

        let (path, query) = found(url.split_once('?'), || format!("{url:?} has no query"))?;
        prop_assert_eq!(path, "/me/drive/items/01ABC/permissions");
        prop_assert_eq!(path, endpoint.path());

        let encoded = found(query.strip_prefix("$filter="), || {
            format!("{url:?} does not start its query with $filter=")
        })?;
        prop_assert!(!encoded.contains(['&', '#', '+', '=']), "{url:?} has a raw delimiter");
        prop_assert!(
            encoded.bytes().all(|b| b.is_ascii_graphic()),
            "{url:?} has a byte that is not visible ASCII"
        );
        prop_assert_eq!(percent_decode(encoded), Some(filter), "decoded from {:?}", url);
    }
}

/// The same request, or the same refusal naming the same field.
fn same_outcome<A: Endpoint, B: Endpoint>(chosen: &A, alone: &B) -> TestCaseResult {
    prop_assert_eq!(chosen.path(), alone.path());
    match (chosen.to_request(), alone.to_request()) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a.path_and_query(), b.path_and_query()),
        (Err(Error::Validation(a)), Err(Error::Validation(b))) => {
            prop_assert_eq!(a.field(), b.field())
        }
        (a, b) => prop_assert!(false, "chosen {a:?} but alone {b:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_chosen_template_renders_as_the_same_template_alone(
        first in value(),
        item_path in path_value(),
        permission_id in value(),
    ) {
        let by_path = ItemLocator::drive_path(first.clone(), item_path.clone())
            .permission(permission_id.clone());
        let alone = DrivePathPermission::builder()
            .drive_id(first.clone())
            .item_path(item_path.clone())
            .permission_id(permission_id.clone())
            .build();
        prop_assert_eq!(by_path.template(), DrivePathPermission::TEMPLATE);
        same_outcome(&by_path, &alone)?;

        let by_user = ItemLocator::user(first.clone(), item_path.clone())
            .permission(permission_id.clone());
        let alone = UserItemPermission::builder()
            .user_id(first)
            .item_id(item_path)
            .permission_id(permission_id)
            .build();
        prop_assert_eq!(by_user.template(), UserItemPermission::TEMPLATE);
        same_outcome(&by_user, &alone)?;
    }
}

#[test]
fn the_decoder_is_strict() {
    assert_eq!(
        percent_decode("a%20b%2F%E2%9C%93").as_deref(),
        Some("a b/✓")
    );
    assert_eq!(percent_decode("%"), None);
    assert_eq!(percent_decode("%2"), None);
    assert_eq!(percent_decode("%2f"), None);
    assert_eq!(percent_decode("%+F"), None);
    assert_eq!(percent_decode("%FF"), None);
}
