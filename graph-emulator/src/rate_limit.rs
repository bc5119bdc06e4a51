//! A token bucket per client (per bearer token), with SharePoint's
//! `RateLimit-*` headers and a penalty window until `Retry-After` passes.
//!
//! When the headers are sent, as Microsoft documents them ("Avoid getting
//! throttled or blocked in SharePoint Online", section "RateLimit headers";
//! the SharePoint blog "Prevent throttling in your application by using
//! RateLimit headers in SharePoint Online"): SharePoint, and so Graph's drive
//! APIs, sends the IETF draft-03 headers `RateLimit-Limit` (the quota),
//! `RateLimit-Remaining` (what is left of it) and `RateLimit-Reset` (seconds
//! until it resets), in beta, only to apps using application permissions,
//! and only once the app has consumed 80% or more of its quota. The
//! emulator does the same: a delegated token never gets them; an app-only
//! token gets them on each answer (a 429 included) that leaves its bucket
//! 80% or more spent.
//!
//! How the bucket stands for the documented quota: SharePoint counts an
//! app's resource units in a 1-minute window. Here the quota is the bucket:
//! `RateLimit-Limit` is its capacity (`burst`), `RateLimit-Remaining` the
//! whole tokens left after this request, and `RateLimit-Reset` the time until
//! the bucket is full again (the quota is whole again), in whole seconds
//! rounded up as draft-03's delta-seconds are, or exact with
//! [`RateLimit::sub_second_retry_after`] (time compressed for tests and
//! benchmarks, where a quota renews in milliseconds). The refill is
//! continuous rather than per window, so `Remaining` spent evenly until
//! `Reset` never runs the bucket dry: a client that paces by the headers is
//! never throttled for it. Every request costs one unit: the documented
//! resource-unit costs (1 for a single item, 2 for multi-item queries and
//! writes, 5 for permission operations) are not modelled, so a quota here
//! counts requests. Inner `$batch` requests are counted and answered one by
//! one, and so carry the headers in their own `headers` (the outer `$batch`
//! is not counted, and carries none); the docs say nothing of batches, and
//! Graph's JSON batching gives each inner answer its own headers.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use crate::util::format_seconds;

/// Rate limit applied per client, a client being one bearer token.
///
/// Each Graph request (each inner request of a `$batch` too) takes one token
/// from the client's bucket, which holds at most `burst` tokens and refills at
/// `per_second` tokens a second. An empty bucket answers 429 with
/// `Retry-After` in whole seconds (HTTP's delay-seconds are whole digits,
/// RFC 9110 §10.2.3, and Graph sends whole seconds), rounded up, and blocks
/// the client until then: a request that comes back earlier is answered 429
/// again. [`RateLimit::sub_second_retry_after`] is the test knob that sends
/// the exact fractional wait instead. Answers to app-only tokens carry
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` once 80% or
/// more of the bucket is spent (see the module's sources).
///
/// ```
/// use graph_emulator::RateLimit;
///
/// let limit = RateLimit::per_second(100).burst(20);
/// assert_eq!(limit.burst_size(), 20);
/// assert_eq!(limit.refill_per_second(), 100.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    per_second: f64,
    burst: u32,
    sub_second_retry_after: bool,
}

impl RateLimit {
    /// Refills `n` tokens a second; the burst defaults to `n` (at least 1).
    pub fn per_second(n: u32) -> Self {
        Self {
            per_second: f64::from(n.max(1)),
            burst: n.max(1),
            sub_second_retry_after: false,
        }
    }

    /// Test knob: send the exact wait as a fractional `Retry-After`
    /// (`0.071`), and `RateLimit-Reset` likewise, instead of whole seconds,
    /// so fast tests need not wait a second per throttle. Graph never sends
    /// fractions; clients that read delay-seconds strictly (Kiota's) misread them.
    pub fn sub_second_retry_after(mut self) -> Self {
        self.sub_second_retry_after = true;
        self
    }

    /// The bucket's capacity: how many requests may arrive back to back.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The configured capacity.
    pub fn burst_size(&self) -> u32 {
        self.burst
    }

    /// The configured refill rate.
    pub fn refill_per_second(&self) -> f64 {
        self.per_second
    }
}

/// What the limiter decided for one request.
/// The share of the quota that must be spent before the headers are sent:
/// 80% (the SharePoint page's "RateLimit headers" section).
const HEADERS_FROM_SPENT: f64 = 0.8;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    Allowed {
        headers: Vec<(String, String)>,
    },
    Throttled {
        retry_after: Duration,
        headers: Vec<(String, String)>,
    },
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// The buckets of all clients. `Debug` counts them: they are keyed by
/// bearer token.
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: HashMap<String, Bucket>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("limit", &self.limit)
            .field("clients", &self.buckets.len())
            .finish()
    }
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// One request of `client` (a bearer token) at `now`; `app_only` says
    /// whether the token carries application permissions, the only ones
    /// that are sent the headers.
    pub fn check(&mut self, client: &str, app_only: bool, now: Instant) -> Decision {
        let burst = f64::from(self.limit.burst);
        let rate = self.limit.per_second;
        let bucket = self
            .buckets
            .entry(client.to_string())
            .or_insert_with(|| Bucket {
                tokens: burst,
                last: now,
                blocked_until: None,
            });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.last = now;
        let whole = !self.limit.sub_second_retry_after;
        // Only for app-only tokens with 80% or more of the bucket spent.
        let headers = |remaining: f64, reset: f64| {
            let remaining = remaining.max(0.0);
            if !app_only || burst - remaining < burst * HEADERS_FROM_SPENT {
                return Vec::new();
            }
            let reset = if whole {
                (reset.max(0.0).ceil() as u64).to_string()
            } else {
                format_seconds(reset.max(0.0))
            };
            vec![
                ("RateLimit-Limit".to_string(), self.limit.burst.to_string()),
                (
                    "RateLimit-Remaining".to_string(),
                    (remaining.floor() as u64).to_string(),
                ),
                ("RateLimit-Reset".to_string(), reset),
            ]
        };
        let announce = |wait: Duration| {
            if whole {
                Duration::from_secs(wait.as_secs_f64().ceil().max(1.0) as u64)
            } else {
                wait
            }
        };
        if let Some(until) = bucket.blocked_until {
            if now < until {
                let wait = announce(until - now);
                return Decision::Throttled {
                    retry_after: wait,
                    headers: headers(0.0, (burst - bucket.tokens) / rate),
                };
            }
            bucket.blocked_until = None;
        }
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            let reset = (burst - bucket.tokens) / rate;
            Decision::Allowed {
                headers: headers(bucket.tokens, reset),
            }
        } else {
            let wait = announce(Duration::from_secs_f64((1.0 - bucket.tokens) / rate));
            bucket.blocked_until = Some(now + wait);
            Decision::Throttled {
                retry_after: wait,
                headers: headers(0.0, (burst - bucket.tokens) / rate),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_counts_clients_and_shows_no_token() {
        let mut limiter = Limiter::new(RateLimit::per_second(10));
        let now = Instant::now();
        limiter.check("BEARER-TOKEN-A", true, now);
        limiter.check("BEARER-TOKEN-B", false, now);
        let shown = format!("{limiter:?} {limiter:#?}");
        assert!(!shown.contains("BEARER-TOKEN"), "{shown}");
        assert!(shown.contains("clients: 2"), "{shown}");
    }

    #[test]
    fn burst_then_throttle_then_refill() {
        let mut limiter = Limiter::new(RateLimit::per_second(10).burst(2).sub_second_retry_after());
        let t0 = Instant::now();
        assert!(matches!(
            limiter.check("a", false, t0),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            limiter.check("a", false, t0),
            Decision::Allowed { .. }
        ));
        let Decision::Throttled { retry_after, .. } = limiter.check("a", false, t0) else {
            panic!("expected throttling");
        };
        assert!(retry_after <= Duration::from_millis(100));
        // Another client has its own bucket.
        assert!(matches!(
            limiter.check("b", false, t0),
            Decision::Allowed { .. }
        ));
        // Coming back too early is throttled again.
        let early = t0 + retry_after / 2;
        assert!(matches!(
            limiter.check("a", false, early),
            Decision::Throttled { .. }
        ));
        let later = t0 + retry_after + Duration::from_millis(1);
        assert!(matches!(
            limiter.check("a", false, later),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn retry_after_is_whole_seconds_by_default_and_the_block_matches_it() {
        let mut limiter = Limiter::new(RateLimit::per_second(10).burst(1));
        let t0 = Instant::now();
        assert!(matches!(
            limiter.check("a", false, t0),
            Decision::Allowed { .. }
        ));
        let Decision::Throttled { retry_after, .. } = limiter.check("a", false, t0) else {
            panic!("expected throttling");
        };
        assert_eq!(retry_after, Duration::from_secs(1));
        let Decision::Throttled { retry_after, .. } =
            limiter.check("a", false, t0 + Duration::from_millis(300))
        else {
            panic!("still blocked");
        };
        assert_eq!(retry_after, Duration::from_secs(1), "the rest, rounded up");
        assert!(matches!(
            limiter.check("a", false, t0 + Duration::from_millis(1001)),
            Decision::Allowed { .. }
        ));
    }

    /// The `RateLimit-*` headers of a decision, by lower-cased name.
    fn rate_headers(decision: &Decision) -> Vec<(String, String)> {
        let (Decision::Allowed { headers } | Decision::Throttled { headers, .. }) = decision;
        headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect()
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn an_app_only_token_gets_the_headers_once_80_percent_is_spent() {
        let mut limiter = Limiter::new(RateLimit::per_second(1).burst(10));
        let t0 = Instant::now();
        // Seven of ten spent: below 80%, nothing.
        for _ in 0..7 {
            assert_eq!(rate_headers(&limiter.check("app", true, t0)), Vec::new());
        }
        // The eighth leaves 2 of 10: 80% spent.
        let headers = rate_headers(&limiter.check("app", true, t0));
        assert_eq!(header(&headers, "ratelimit-limit"), Some("10"));
        assert_eq!(header(&headers, "ratelimit-remaining"), Some("2"));
        // Full again after 8 tokens at 1 a second.
        assert_eq!(header(&headers, "ratelimit-reset"), Some("8"));
        limiter.check("app", true, t0);
        let last = rate_headers(&limiter.check("app", true, t0));
        assert_eq!(header(&last, "ratelimit-remaining"), Some("0"));
        assert_eq!(header(&last, "ratelimit-reset"), Some("10"));
        // Throttled: the 429 carries them too, nothing left.
        let throttled = limiter.check("app", true, t0);
        assert!(matches!(throttled, Decision::Throttled { .. }));
        assert_eq!(
            header(&rate_headers(&throttled), "ratelimit-remaining"),
            Some("0")
        );
        // Refilled past 20% left: no headers any more.
        let later = t0 + Duration::from_secs(4);
        assert_eq!(rate_headers(&limiter.check("app", true, later)), Vec::new());
    }

    #[test]
    fn a_delegated_token_never_gets_the_headers() {
        let mut limiter = Limiter::new(RateLimit::per_second(1).burst(3));
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(rate_headers(&limiter.check("user", false, t0)), Vec::new());
        }
        assert!(matches!(
            limiter.check("user", false, t0),
            Decision::Throttled { .. }
        ));
    }

    #[test]
    fn the_reset_is_exact_with_the_sub_second_knob_and_consistent_with_the_bucket() {
        let mut limiter = Limiter::new(
            RateLimit::per_second(1000)
                .burst(100)
                .sub_second_retry_after(),
        );
        let t0 = Instant::now();
        let mut last = Vec::new();
        for _ in 0..90 {
            last = rate_headers(&limiter.check("app", true, t0));
        }
        assert_eq!(header(&last, "ratelimit-remaining"), Some("10"));
        // 90 tokens at 1,000 a second: 90 ms.
        assert_eq!(header(&last, "ratelimit-reset"), Some("0.09"));
        // Spending the 10 left evenly over those 90 ms is never throttled:
        // the bucket refills meanwhile.
        for k in 1..=10u32 {
            let at = t0 + Duration::from_millis(9) * k;
            assert!(matches!(
                limiter.check("app", true, at),
                Decision::Allowed { .. }
            ));
        }
    }
}
