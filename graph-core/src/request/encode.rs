//! Percent-encoding for path segments and query components (RFC 3986).

use std::fmt::Write as _;

/// Bytes left as they are in a path segment: RFC 3986 `pchar` less `:`, which
/// Graph's path-based addressing (`root:/path:`) reads as a delimiter.
fn keep_in_segment(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'@'
        )
}

/// Bytes left as they are in a query name or value: unreserved plus the
/// characters OData expressions use, never `&`, `=`, `+`, `#` or `%`.
fn keep_in_query(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b','
                | b':'
                | b'@'
                | b'/'
        )
}

fn encode_into(out: &mut String, value: &str, keep: fn(u8) -> bool) {
    out.reserve(value.len());
    for &b in value.as_bytes() {
        if keep(b) {
            // `keep` only accepts ASCII, so the byte is a whole char.
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Appends `value` encoded as one path segment: `/`, `?`, `#`, `%` and
/// everything outside [`keep_in_segment`] become `%XX`.
pub(crate) fn encode_segment(out: &mut String, value: &str) {
    match value {
        // Dot segments would be removed by URL normalisation (WHATWG treats
        // `%2E` as a dot too); rendered encoded here, refused before sending.
        "." => out.push_str("%2E"),
        ".." => out.push_str("%2E%2E"),
        _ => encode_into(out, value, keep_in_segment),
    }
}

/// Appends `value` encoded as a query name or value.
pub(crate) fn encode_query(out: &mut String, value: &str) {
    encode_into(out, value, keep_in_query)
}

/// Appends `name=value` to an `application/x-www-form-urlencoded` body.
pub(crate) fn encode_form_pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    encode_into(out, name, keep_in_form);
    out.push('=');
    encode_into(out, value, keep_in_form);
}

/// Form values keep only unreserved characters; everything else is escaped.
fn keep_in_form(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}
