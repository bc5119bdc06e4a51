//! Small pure helpers: percent-decoding, base64url, timestamps, numbers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Decodes `%XX` escapes. `plus_is_space` handles form encoding.
/// Returns `None` on a malformed escape or invalid UTF-8.
pub(crate) fn percent_decode(input: &str, plus_is_space: bool) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_val(*bytes.get(i + 1)?)?;
                let lo = hex_val(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses `a=b&c=d` (query strings and form bodies), decoding names and values.
/// Returns `None` if any part is malformed.
pub(crate) fn parse_pairs(input: &str, plus_is_space: bool) -> Option<Vec<(String, String)>> {
    input
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                percent_decode(k, plus_is_space)?,
                percent_decode(v, plus_is_space)?,
            ))
        })
        .collect()
}

/// base64url without padding (RFC 4648 §5), the alphabet safe in URL paths.
pub(crate) fn base64url(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

/// Civil date-time (UTC) of a system time: (year, month, day, hour, minute, second).
fn civil(t: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `2024-05-01T12:34:56`, the format of Graph's `innerError.date`.
pub(crate) fn graph_date(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

/// `2024-05-01 12:34:56Z`, the format of Azure AD's error `timestamp`.
pub(crate) fn aad_timestamp(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}Z")
}

/// Formats seconds for `Retry-After`: whole numbers without a fraction,
/// otherwise up to three decimals (`0.25`, `2.128`).
pub(crate) fn format_seconds(secs: f64) -> String {
    let secs = if secs.is_finite() { secs.max(0.0) } else { 0.0 };
    let millis = (secs * 1000.0).ceil() as u64;
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        let s = format!("{}.{:03}", millis / 1000, millis % 1000);
        s.trim_end_matches('0').to_string()
    }
}

/// A loose ISO 8601 date-time check (`YYYY-MM-DDTHH:MM:SS` then an optional
/// fraction and `Z` or an offset), enough to reject obviously wrong values.
pub(crate) fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 19 {
        return false;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !digits.iter().all(|&i| b[i].is_ascii_digit()) || !seps.iter().all(|&(i, c)| b[i] == c) {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        "" | "Z" => true,
        r => {
            let rb = r.as_bytes();
            rb.len() == 6
                && (rb[0] == b'+' || rb[0] == b'-')
                && rb[1].is_ascii_digit()
                && rb[2].is_ascii_digit()
                && rb[3] == b':'
                && rb[4].is_ascii_digit()
                && rb[5].is_ascii_digit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(
            percent_decode("Q4%20Forecast.xlsx", false).as_deref(),
            Some("Q4 Forecast.xlsx")
        );
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%4", false), None);
        assert_eq!(percent_decode("%FF", false), None);
    }

    #[test]
    fn base64url_matches_rfc_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(
            base64url(b"i:0#.f|membership|adele.vance@contoso.com"),
            "aTowIy5mfG1lbWJlcnNoaXB8YWRlbGUudmFuY2VAY29udG9zby5jb20"
        );
    }

    #[test]
    fn formats_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(graph_date(t), "2023-11-14T22:13:20");
        assert_eq!(aad_timestamp(t), "2023-11-14 22:13:20Z");
    }

    #[test]
    fn formats_retry_after() {
        assert_eq!(format_seconds(1.0), "1");
        assert_eq!(format_seconds(2.128), "2.128");
        assert_eq!(format_seconds(0.25), "0.25");
        assert_eq!(format_seconds(-3.0), "0");
    }

    #[test]
    fn checks_datetimes() {
        assert!(looks_like_datetime("2018-07-15T14:00:00.000Z"));
        assert!(looks_like_datetime("2018-07-15T14:00:00+02:00"));
        assert!(looks_like_datetime("2018-07-15T14:00:00"));
        assert!(!looks_like_datetime("tomorrow"));
        assert!(!looks_like_datetime("2018-07-15 14:00:00Z"));
    }
}
