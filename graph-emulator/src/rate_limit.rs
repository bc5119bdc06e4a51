//! A token bucket per client (per bearer token), with SharePoint-style
//! `RateLimit-*` headers and a penalty window until `Retry-After` passes.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Rate limit applied per client, a client being one bearer token.
///
/// Each Graph request (each inner request of a `$batch` too) takes one token
/// from the client's bucket, which holds at most `burst` tokens and refills at
/// `per_second` tokens a second. An empty bucket answers 429 with
/// `Retry-After` in whole seconds (HTTP's delay-seconds are whole digits,
/// RFC 9110 §10.2.3, and Graph sends whole seconds), rounded up, and blocks
/// the client until then: a request that comes back earlier is answered 429
/// again. [`RateLimit::sub_second_retry_after`] is the test knob that sends
/// the exact fractional wait instead. Every answer carries
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.
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
    /// (`0.071`) instead of whole seconds, so fast tests need not wait a
    /// second per throttle. Graph never sends fractions; clients that read
    /// delay-seconds strictly (Kiota's) misread them.
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

    pub fn check(&mut self, client: &str, now: Instant) -> Decision {
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
        let headers = |remaining: f64, reset: f64| {
            vec![
                ("RateLimit-Limit".to_string(), self.limit.burst.to_string()),
                (
                    "RateLimit-Remaining".to_string(),
                    (remaining.max(0.0).floor() as u64).to_string(),
                ),
                (
                    "RateLimit-Reset".to_string(),
                    (reset.max(0.0).ceil() as u64).to_string(),
                ),
            ]
        };
        let whole = !self.limit.sub_second_retry_after;
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
                    headers: headers(0.0, wait.as_secs_f64()),
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
                headers: headers(0.0, wait.as_secs_f64()),
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
        limiter.check("BEARER-TOKEN-A", now);
        limiter.check("BEARER-TOKEN-B", now);
        let shown = format!("{limiter:?} {limiter:#?}");
        assert!(!shown.contains("BEARER-TOKEN"), "{shown}");
        assert!(shown.contains("clients: 2"), "{shown}");
    }

    #[test]
    fn burst_then_throttle_then_refill() {
        let mut limiter = Limiter::new(RateLimit::per_second(10).burst(2).sub_second_retry_after());
        let t0 = Instant::now();
        assert!(matches!(limiter.check("a", t0), Decision::Allowed { .. }));
        assert!(matches!(limiter.check("a", t0), Decision::Allowed { .. }));
        let Decision::Throttled { retry_after, .. } = limiter.check("a", t0) else {
            panic!("expected throttling");
        };
        assert!(retry_after <= Duration::from_millis(100));
        // Another client has its own bucket.
        assert!(matches!(limiter.check("b", t0), Decision::Allowed { .. }));
        // Coming back too early is throttled again.
        let early = t0 + retry_after / 2;
        assert!(matches!(
            limiter.check("a", early),
            Decision::Throttled { .. }
        ));
        let later = t0 + retry_after + Duration::from_millis(1);
        assert!(matches!(
            limiter.check("a", later),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn retry_after_is_whole_seconds_by_default_and_the_block_matches_it() {
        let mut limiter = Limiter::new(RateLimit::per_second(10).burst(1));
        let t0 = Instant::now();
        assert!(matches!(limiter.check("a", t0), Decision::Allowed { .. }));
        let Decision::Throttled { retry_after, .. } = limiter.check("a", t0) else {
            panic!("expected throttling");
        };
        assert_eq!(retry_after, Duration::from_secs(1));
        let Decision::Throttled { retry_after, .. } =
            limiter.check("a", t0 + Duration::from_millis(300))
        else {
            panic!("still blocked");
        };
        assert_eq!(retry_after, Duration::from_secs(1), "the rest, rounded up");
        assert!(matches!(
            limiter.check("a", t0 + Duration::from_millis(1001)),
            Decision::Allowed { .. }
        ));
    }
}
