//! Percent-encoding for path segments and query components (RFC 3986).

/// Which bytes a set leaves as they are, looked up by byte value.
type Keep = [bool; 256];

/// A [`Keep`] table built from a `const fn` predicate at compile time
/// (function pointers cannot be called in const code, hence a macro).
macro_rules! keep_table {
    ($keep:ident) => {{
        let mut t = [false; 256];
        let mut b = 0;
        while b < 256 {
            t[b] = $keep(b as u8);
            b += 1;
        }
        t
    }};
}

static SEGMENT: Keep = keep_table!(keep_in_segment);
static QUERY: Keep = keep_table!(keep_in_query);
static FORM: Keep = keep_table!(keep_in_form);

/// RFC 3986 `unreserved`: left as they are everywhere.
const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Bytes left as they are in a path segment: RFC 3986 `pchar` less `:`, which
/// Graph's path-based addressing (`root:/path:`) reads as a delimiter.
const fn keep_in_segment(b: u8) -> bool {
    unreserved(b)
        || matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@'
        )
}

/// Bytes left as they are in a query name or value: unreserved plus the
/// characters OData expressions use, never `&`, `=`, `+`, `#` or `%`.
const fn keep_in_query(b: u8) -> bool {
    unreserved(b)
        || matches!(
            b,
            b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',' | b':' | b'@' | b'/'
        )
}

/// Form values keep only unreserved characters; everything else is escaped.
const fn keep_in_form(b: u8) -> bool {
    unreserved(b)
}

fn encode_into(out: &mut String, value: &str, keep: &Keep) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    // Ids and most names need no escape: one tight scan, one copy.
    if keeps_all(bytes, keep) {
        out.push_str(value);
        return;
    }
    out.reserve(bytes.len());
    // Runs of kept bytes are copied whole; only the others are escaped one by one.
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if keep[usize::from(b)] {
            continue;
        }
        push_ascii(out, &bytes[run..i]);
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
        run = i + 1;
    }
    push_ascii(out, &bytes[run..]);
}

/// Whether `keep` keeps every byte of `bytes`. Eight bytes at a time with no
/// early exit, which compiles to a branch-free inner loop: the common case
/// (nothing to escape) reads every byte anyway.
fn keeps_all(bytes: &[u8], keep: &Keep) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        if !chunk
            .iter()
            .fold(true, |all, &b| all & keep[usize::from(b)])
        {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| keep[usize::from(b)])
}

/// Appends a run of kept bytes, which are all ASCII, so always valid UTF-8.
fn push_ascii(out: &mut String, run: &[u8]) {
    if let Ok(text) = std::str::from_utf8(run) {
        out.push_str(text);
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
        _ => encode_into(out, value, &SEGMENT),
    }
}

/// Appends `value` encoded as a query name or value.
pub(crate) fn encode_query(out: &mut String, value: &str) {
    encode_into(out, value, &QUERY)
}

/// Appends `name=value` to an `application/x-www-form-urlencoded` body.
pub(crate) fn encode_form_pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    encode_into(out, name, &FORM);
    out.push('=');
    encode_into(out, value, &FORM);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding byte by byte, with none of the shortcuts.
    fn reference(value: &str, keep: &Keep) -> String {
        value
            .bytes()
            .map(|b| {
                if keep[usize::from(b)] {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn shortcuts_encode_as_byte_by_byte(value in "[a-zA-Z0-9 /%é?#&=._~-]{0,40}") {
            for keep in [&SEGMENT, &QUERY, &FORM] {
                let mut out = String::from("x");
                encode_into(&mut out, &value, keep);
                proptest::prop_assert_eq!(&out[1..], reference(&value, keep));
            }
        }
    }

    #[test]
    fn an_escape_is_found_in_any_eight_byte_chunk_and_in_the_tail() {
        for at in 0..20 {
            let mut value = "a".repeat(20);
            value.replace_range(at..=at, " ");
            let mut out = String::new();
            encode_segment(&mut out, &value);
            assert_eq!(out, value.replace(' ', "%20"), "space at {at}");
        }
    }
}
