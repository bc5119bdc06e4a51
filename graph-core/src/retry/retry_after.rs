//! Parsing of the `Retry-After` response header.

use std::time::{Duration, SystemTime};

/// Largest number of fractional-second digits that carry meaning (nanoseconds).
const MAX_FRACTION_DIGITS: usize = 9;

/// A parsed `Retry-After` header value.
///
/// The header comes in two shapes (RFC 9110 §10.2.3): a number of seconds to
/// wait, or an HTTP date after which the request may be retried. Microsoft
/// Graph normally sends whole seconds, but some workloads send fractional
/// seconds such as `2.128`, so those are accepted too.
///
/// Parsing is pure: a date is only turned into a delay by
/// [`RetryAfter::delay_from`], which takes the current time as an argument.
/// This is the parser the client's retries and the `$batch` engine use; it
/// is public so that a caller can read the `Retry-After` an error kept.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use graph_core::retry::RetryAfter;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
///
/// let secs = RetryAfter::parse("120").unwrap();
/// assert_eq!(secs.delay_from(now), Duration::from_secs(120));
///
/// let frac = RetryAfter::parse("2.128").unwrap();
/// assert_eq!(frac.delay_from(now), Duration::from_millis(2_128));
///
/// // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
/// let date = RetryAfter::parse("Tue, 14 Nov 2023 22:13:50 GMT").unwrap();
/// assert_eq!(date.delay_from(now), Duration::from_secs(30));
/// // A date in the past means "retry now".
/// let past = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
/// assert_eq!(past.delay_from(now), Duration::ZERO);
///
/// assert_eq!(RetryAfter::parse("-1"), None);
/// assert_eq!(RetryAfter::parse("soon"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// A relative delay (`Retry-After: 120` or `Retry-After: 2.128`).
    Delay(Duration),
    /// An absolute point in time (`Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`).
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a `Retry-After` header value.
    ///
    /// Accepted forms, after trimming surrounding whitespace:
    ///
    /// * whole seconds: one or more ASCII digits (`"120"`); values too large
    ///   for a [`Duration`] saturate, so a huge request still reads as "very
    ///   long" rather than as garbage;
    /// * fractional seconds: digits, a `.`, then digits (`"2.128"`); digits
    ///   beyond nanosecond precision are ignored;
    /// * an HTTP date in IMF-fixdate form (`"Sun, 06 Nov 1994 08:49:37 GMT"`),
    ///   or the obsolete RFC 850 and asctime forms, as understood by the
    ///   `httpdate` crate.
    ///
    /// Anything else — empty strings, signs (`"-1"`, `"+1"`), exponents,
    /// `".5"`, `"5."`, units, unparseable dates — yields `None`.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.starts_with(|c: char| c.is_ascii_digit())
            && let Some(delay) = parse_seconds(value)
        {
            return Some(Self::Delay(delay));
        }
        httpdate::parse_http_date(value).ok().map(Self::At)
    }

    /// Returns how long to wait, counted from `now`.
    ///
    /// A date that is already in the past (or equal to `now`) gives a zero
    /// delay: the server has said that retrying is allowed right away.
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Delay(delay) => delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// Parses `DIGITS` or `DIGITS.DIGITS` into a duration, saturating on overflow.
fn parse_seconds(value: &str) -> Option<Duration> {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (value, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut secs: u64 = 0;
    let mut saturated = false;
    for digit in whole.bytes() {
        match secs
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(digit - b'0')))
        {
            Some(next) => secs = next,
            None => {
                saturated = true;
                break;
            }
        }
    }
    let mut nanos: u32 = 0;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut scale: u32 = 100_000_000;
        for digit in fraction.bytes().take(MAX_FRACTION_DIGITS) {
            nanos += u32::from(digit - b'0') * scale;
            scale /= 10;
        }
    }
    if saturated {
        return Some(Duration::MAX);
    }
    Some(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-11-14T22:13:20Z.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    /// Parses `value` and resolves it against `now`, as the retry policy does.
    fn retry_after_delay(value: &str, now: SystemTime) -> Option<Duration> {
        RetryAfter::parse(value).map(|retry_after| retry_after.delay_from(now))
    }

    #[test]
    fn whole_seconds() {
        assert_eq!(
            RetryAfter::parse("120"),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        assert_eq!(
            RetryAfter::parse("0"),
            Some(RetryAfter::Delay(Duration::ZERO))
        );
        assert_eq!(
            RetryAfter::parse("  30 \t"),
            Some(RetryAfter::Delay(Duration::from_secs(30)))
        );
        assert_eq!(
            RetryAfter::parse("007"),
            Some(RetryAfter::Delay(Duration::from_secs(7)))
        );
    }

    #[test]
    fn fractional_seconds() {
        assert_eq!(
            RetryAfter::parse("2.128"),
            Some(RetryAfter::Delay(Duration::from_millis(2_128)))
        );
        assert_eq!(
            RetryAfter::parse("0.5"),
            Some(RetryAfter::Delay(Duration::from_millis(500)))
        );
        // Digits beyond nanoseconds are ignored, not rounded.
        assert_eq!(
            RetryAfter::parse("1.0000000019"),
            Some(RetryAfter::Delay(Duration::new(1, 1)))
        );
    }

    #[test]
    fn huge_seconds_saturate() {
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::MAX))
        );
        assert_eq!(
            RetryAfter::parse(&u64::MAX.to_string()),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
    }

    #[test]
    fn imf_fixdate() {
        let parsed = RetryAfter::parse("Tue, 14 Nov 2023 22:15:20 GMT");
        let expected = now() + Duration::from_secs(120);
        assert_eq!(parsed, Some(RetryAfter::At(expected)));
        assert_eq!(
            retry_after_delay("Tue, 14 Nov 2023 22:15:20 GMT", now()),
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn obsolete_date_forms() {
        // RFC 850.
        assert_eq!(
            retry_after_delay("Tuesday, 14-Nov-23 22:14:20 GMT", now()),
            Some(Duration::from_secs(60))
        );
        // asctime.
        assert_eq!(
            retry_after_delay("Tue Nov 14 22:13:25 2023", now()),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn past_or_present_date_is_zero() {
        assert_eq!(
            retry_after_delay("Sun, 06 Nov 1994 08:49:37 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after_delay("Tue, 14 Nov 2023 22:13:20 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_is_none() {
        for value in [
            "",
            "   ",
            "-1",
            "-0.5",
            "+5",
            "1e3",
            ".5",
            "5.",
            "1.2.3",
            "10s",
            "ten",
            "0x10",
            "1 2",
            "Tue, 14 Nov 2023 25:00:00 GMT",
            "Tue, 31 Feb 2023 10:00:00 GMT",
            "NaN",
            "inf",
            "١٢",
        ] {
            assert_eq!(RetryAfter::parse(value), None, "{value:?}");
            assert_eq!(retry_after_delay(value, now()), None, "{value:?}");
        }
    }

    #[test]
    fn delay_ignores_now() {
        let delay = RetryAfter::Delay(Duration::from_secs(3));
        assert_eq!(
            delay.delay_from(SystemTime::UNIX_EPOCH),
            Duration::from_secs(3)
        );
        assert_eq!(delay.delay_from(now()), Duration::from_secs(3));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Whatever a server sends, parsing and reading a delay from it
            /// at any time never panics, and a delay is only ever a delay.
            #[test]
            fn any_string_parses_or_is_none_without_panicking(
                value in prop_oneof![
                    any::<String>(),
                    "[0-9. +-eE]{0,30}",
                    "[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} [0-9]{1,6} [0-9:]{1,9} GMT",
                ],
                secs in any::<u64>(),
            ) {
                let now = SystemTime::UNIX_EPOCH
                    .checked_add(Duration::from_secs(secs % (400 * 365 * 24 * 3600)))
                    .unwrap();
                if let Some(parsed) = RetryAfter::parse(&value) {
                    let _ = parsed.delay_from(now);
                    prop_assert!(!value.trim().is_empty());
                }
            }

            /// Whole and fractional seconds read as exactly what they say,
            /// whitespace around them ignored; too many digits saturate.
            #[test]
            fn seconds_read_as_what_they_say(
                whole in any::<u64>(),
                millis in prop::option::of(0u32..1000),
                pad in "[ \t]{0,2}",
            ) {
                let text = match millis {
                    Some(ms) => format!("{pad}{whole}.{ms:03}{pad}"),
                    None => format!("{pad}{whole}{pad}"),
                };
                let expected = Duration::from_secs(whole)
                    + Duration::from_millis(u64::from(millis.unwrap_or(0)));
                prop_assert_eq!(RetryAfter::parse(&text), Some(RetryAfter::Delay(expected)));
                let huge = format!("{whole}{whole}{whole}");
                prop_assert!(RetryAfter::parse(&huge).is_some());
            }
        }
    }
}
