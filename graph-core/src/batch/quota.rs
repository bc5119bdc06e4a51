//! What an answer's `RateLimit-*` headers say about the quota left.
//!
//! SharePoint, and so Graph's drive APIs, sends the IETF draft-03 headers
//! (draft-ietf-httpapi-ratelimit-headers-03) to apps using application
//! permissions once they have spent 80% or more of their quota: Microsoft's
//! "Avoid getting throttled or blocked in SharePoint Online", section
//! "RateLimit headers", and the SharePoint blog "Prevent throttling in your
//! application by using RateLimit headers in SharePoint Online", which
//! recommends pacing by them instead of waiting for 429s.
//!
//! * `RateLimit-Limit`: the quota (resource units in the window). Draft-03
//!   lets a quota policy follow the number (`1200, 1200;w=60`): the first
//!   number is the limit.
//! * `RateLimit-Remaining`: units left in the window.
//! * `RateLimit-Reset`: delta-seconds until the quota resets. Read as
//!   `Retry-After`'s delay-seconds are, fractions included (a compressed
//!   clock, as the emulator's test knob sends), never as a date.
//!
//! An answer with a header missing or unreadable says nothing: pacing then
//! falls back to the gate and the congestion rate.

use std::time::Duration;

use crate::retry::RetryAfter;

/// The quota left, as one answer reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    /// `RateLimit-Limit`.
    pub limit: u64,
    /// `RateLimit-Remaining`, at most the limit.
    pub remaining: u64,
    /// `RateLimit-Reset`.
    pub reset: Duration,
}

impl Quota {
    /// Reads the three headers through `header` (a lookup by name, any
    /// case); `None` unless all three are there and readable.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let limit = first_number(&header("ratelimit-limit")?)?;
        let remaining = whole(&header("ratelimit-remaining")?)?;
        let reset = match RetryAfter::parse(&header("ratelimit-reset")?)? {
            RetryAfter::Delay(delay) => delay,
            // Draft-03's reset is delta-seconds only.
            RetryAfter::At(_) => return None,
        };
        Some(Self {
            limit,
            remaining: remaining.min(limit),
            reset,
        })
    }

    /// The lower of two reports: the one with less left (then the later reset).
    pub fn tighter(self, other: Self) -> Self {
        match self.remaining.cmp(&other.remaining) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal if self.reset >= other.reset => self,
            std::cmp::Ordering::Equal => other,
        }
    }
}

/// Digits only, saturating at `u64::MAX`.
fn whole(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        value
            .bytes()
            .try_fold(0u64, |n, b| {
                n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
            })
            .unwrap_or(u64::MAX),
    )
}

/// The number before any quota policy (`1200, 1200;w=60` → 1200).
fn first_number(value: &str) -> Option<u64> {
    whole(value.split([',', ';']).next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(limit: &str, remaining: &str, reset: &str) -> Option<Quota> {
        let (limit, remaining, reset) = (limit.to_owned(), remaining.to_owned(), reset.to_owned());
        Quota::read(move |name| match name {
            "ratelimit-limit" => Some(limit.clone()),
            "ratelimit-remaining" => Some(remaining.clone()),
            "ratelimit-reset" => Some(reset.clone()),
            _ => None,
        })
    }

    #[test]
    fn the_three_headers_as_sharepoint_sends_them() {
        assert_eq!(
            read("1200", "120", "5"),
            Some(Quota {
                limit: 1200,
                remaining: 120,
                reset: Duration::from_secs(5)
            })
        );
    }

    #[test]
    fn a_quota_policy_a_fraction_and_a_remaining_above_the_limit_are_read() {
        let quota = read("100, 100;w=60", "250", "0.025").unwrap();
        assert_eq!(quota.limit, 100);
        assert_eq!(quota.remaining, 100, "never more left than the quota");
        assert_eq!(quota.reset, Duration::from_millis(25));
    }

    #[test]
    fn a_missing_or_unreadable_header_says_nothing() {
        assert_eq!(Quota::read(|_| None), None);
        assert_eq!(read("1200", "-1", "5"), None);
        assert_eq!(read("many", "1", "5"), None);
        assert_eq!(read("1200", "1", "Sun, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(read("1200", "1", ""), None);
    }

    #[test]
    fn the_tighter_report_has_less_left() {
        let a = read("100", "10", "1").unwrap();
        let b = read("100", "4", "1").unwrap();
        let c = read("100", "4", "2").unwrap();
        assert_eq!(a.tighter(b), b);
        assert_eq!(b.tighter(a), b);
        assert_eq!(b.tighter(c), c);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever the server sends, reading it never panics, and what
            /// is read never has more left than the quota.
            #[test]
            fn any_header_values_read_without_panic(
                limit in ".{0,24}",
                remaining in ".{0,24}",
                reset in ".{0,24}",
            ) {
                if let Some(quota) = read(&limit, &remaining, &reset) {
                    prop_assert!(quota.remaining <= quota.limit);
                }
            }

            #[test]
            fn numbers_round_trip(limit in 0u64.., remaining in 0u64.., reset in 0u64..100_000) {
                let quota = read(&limit.to_string(), &remaining.to_string(), &reset.to_string()).unwrap();
                prop_assert_eq!(quota.limit, limit);
                prop_assert_eq!(quota.remaining, remaining.min(limit));
                prop_assert_eq!(quota.reset, Duration::from_secs(reset));
            }
        }
    }
}
