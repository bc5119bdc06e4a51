//! The retry policy and its decision function.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::retry_after::retry_after_delay;

/// Name of the response header carrying the server's requested wait.
pub const RETRY_AFTER_HEADER: &str = "Retry-After";

/// Name of the request header telling the server which retry this is.
///
/// Its value is [`Decision::Retry::attempt`](Decision::Retry), starting at 1
/// for the first retry; the original request does not carry the header.
pub const RETRY_ATTEMPT_HEADER: &str = "Retry-Attempt";

/// HTTP statuses that are retried: 429 Too Many Requests, 503 Service
/// Unavailable and 504 Gateway Timeout. Every other status is final.
pub const RETRYABLE_STATUSES: [u16; 3] = [429, 503, 504];

/// Default number of retries after the original request.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// Largest number of retries a policy accepts.
pub const MAX_RETRIES_LIMIT: u32 = 10;

/// Default base delay for exponential backoff.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_secs(3);

/// Default and largest delay before a single retry.
pub const MAX_DELAY_LIMIT: Duration = Duration::from_secs(180);

/// Default and largest sum of all delays spent retrying one request.
pub const MAX_TOTAL_DELAY_LIMIT: Duration = Duration::from_secs(180);

/// When and how often a failed request is retried.
///
/// The policy is pure: [`RetryPolicy::decide`] looks at one failed response
/// and says whether to retry and after what delay. Sleeping, re-sending and
/// setting the [`RETRY_ATTEMPT_HEADER`] are left to the caller.
///
/// Defaults follow the Microsoft Graph SDKs: up to 3 retries (at most 10),
/// only for statuses 429, 503 and 504, waiting as long as the server's
/// `Retry-After` header asks, or otherwise backing off exponentially from a
/// 3 second base delay, never more than 180 seconds per retry and 180 seconds
/// in total.
///
/// # Backoff
///
/// Without a usable `Retry-After`, retry number `n + 1` (after `n` retries so
/// far) waits `base · 2ⁿ · (1 + jitter)`, with `jitter` in `0..=1`, capped at
/// the maximum single delay. With the default 3 s base that is 3–6 s, then
/// 6–12 s, then 12–24 s.
///
/// # `Retry-After`
///
/// A `Retry-After` header is honoured exactly, without jitter. If it asks for
/// more than the maximum single delay, the policy stops with
/// [`StopReason::DelayTooLong`] instead of retrying early: the server has said
/// the request will keep failing until then, and retrying sooner only burns
/// throttling quota. A header that cannot be parsed is ignored and backoff is
/// used instead.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use graph_core::retry::{Attempt, Decision, RetryPolicy, StopReason};
///
/// let policy = RetryPolicy::new()
///     .max_retries(5)?
///     .base_delay(Duration::from_millis(100));
/// let now = SystemTime::UNIX_EPOCH;
///
/// let throttled = Attempt {
///     status: 429,
///     retry_after: Some("2"),
///     retries_so_far: 0,
///     elapsed_delay: Duration::ZERO,
///     now,
/// };
/// assert_eq!(
///     policy.decide(&throttled, 0.5),
///     Decision::Retry { delay: Duration::from_secs(2), attempt: 1 }
/// );
///
/// let unavailable = Attempt { status: 503, retry_after: None, retries_so_far: 1, ..throttled };
/// assert_eq!(
///     policy.decide(&unavailable, 0.0),
///     Decision::Retry { delay: Duration::from_millis(200), attempt: 2 }
/// );
///
/// let not_found = Attempt { status: 404, ..throttled };
/// assert_eq!(policy.decide(&not_found, 0.0), Decision::Stop(StopReason::NotRetryable));
/// # Ok::<(), graph_core::retry::RetryConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_total_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// The default policy: 3 retries, 3 s base delay, 180 s single and total
    /// delay caps.
    pub const fn new() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: MAX_DELAY_LIMIT,
            max_total_delay: MAX_TOTAL_DELAY_LIMIT,
        }
    }

    /// A policy that never retries: every failure is returned as is.
    ///
    /// [`decide`](Self::decide) returns [`StopReason::NotRetryable`] for
    /// statuses that are never retried and [`StopReason::MaxRetries`] for the
    /// others.
    pub const fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::new()
        }
    }

    /// Sets how many times a request may be retried after the original
    /// attempt; `0` disables retries.
    ///
    /// # Errors
    ///
    /// [`RetryConfigError::TooManyRetries`] if `retries` exceeds
    /// [`MAX_RETRIES_LIMIT`] (10). Out-of-range values are rejected rather
    /// than clamped so that a configuration mistake is visible.
    pub const fn max_retries(self, retries: u32) -> Result<Self, RetryConfigError> {
        if retries > MAX_RETRIES_LIMIT {
            return Err(RetryConfigError::TooManyRetries {
                requested: retries,
                limit: MAX_RETRIES_LIMIT,
            });
        }
        Ok(Self {
            max_retries: retries,
            ..self
        })
    }

    /// Sets the base delay of the exponential backoff (default 3 s).
    ///
    /// Any value is accepted; computed delays are still capped by the maximum
    /// single delay. Short delays are mostly useful in tests.
    pub const fn base_delay(self, base_delay: Duration) -> Self {
        Self { base_delay, ..self }
    }

    /// Lowers the maximum delay before a single retry (default and limit
    /// 180 s).
    ///
    /// # Errors
    ///
    /// [`RetryConfigError::DelayTooLong`] if `max_delay` exceeds
    /// [`MAX_DELAY_LIMIT`].
    pub fn max_delay(self, max_delay: Duration) -> Result<Self, RetryConfigError> {
        if max_delay > MAX_DELAY_LIMIT {
            return Err(RetryConfigError::DelayTooLong {
                requested: max_delay,
                limit: MAX_DELAY_LIMIT,
            });
        }
        Ok(Self { max_delay, ..self })
    }

    /// Lowers the maximum sum of delays spent on one request (default and
    /// limit 180 s).
    ///
    /// # Errors
    ///
    /// [`RetryConfigError::TotalDelayTooLong`] if `max_total_delay` exceeds
    /// [`MAX_TOTAL_DELAY_LIMIT`].
    pub fn max_total_delay(self, max_total_delay: Duration) -> Result<Self, RetryConfigError> {
        if max_total_delay > MAX_TOTAL_DELAY_LIMIT {
            return Err(RetryConfigError::TotalDelayTooLong {
                requested: max_total_delay,
                limit: MAX_TOTAL_DELAY_LIMIT,
            });
        }
        Ok(Self {
            max_total_delay,
            ..self
        })
    }

    /// The configured maximum number of retries.
    pub const fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The configured backoff base delay.
    pub const fn get_base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The configured maximum delay before a single retry.
    pub const fn get_max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The configured maximum sum of delays for one request.
    pub const fn get_max_total_delay(&self) -> Duration {
        self.max_total_delay
    }

    /// Whether this policy may retry at all.
    pub const fn is_enabled(&self) -> bool {
        self.max_retries > 0
    }

    /// Whether `status` is one of the [`RETRYABLE_STATUSES`].
    pub const fn is_retryable_status(status: u16) -> bool {
        matches!(status, 429 | 503 | 504)
    }

    /// The backoff delay before retry number `retries_so_far + 1`, used when
    /// the server gives no usable `Retry-After`.
    ///
    /// Equals `base · 2^retries_so_far · (1 + jitter)`, capped at the maximum
    /// single delay. `jitter` is clamped into `0..=1`; NaN counts as 0.
    pub fn backoff_delay(&self, retries_so_far: u32, jitter: f64) -> Duration {
        let cap = self.max_delay.as_nanos();
        let factor = 1_u128.checked_shl(retries_so_far).unwrap_or(u128::MAX);
        let backoff = self.base_delay.as_nanos().saturating_mul(factor);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // Float-to-int `as` casts saturate; they never panic.
        let extra = (backoff.min(cap) as f64 * jitter) as u128;
        let nanos = backoff.saturating_add(extra).min(cap);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Decides what to do after a failed response.
    ///
    /// `jitter` should be drawn uniformly from `0..1` by the caller (see
    /// [`decide_with_random_jitter`](Self::decide_with_random_jitter)); taking
    /// it as an argument keeps this function deterministic.
    ///
    /// Checks, in order:
    ///
    /// 1. the status must be 429, 503 or 504, else
    ///    [`StopReason::NotRetryable`];
    /// 2. fewer than the maximum retries must have been made, else
    ///    [`StopReason::MaxRetries`];
    /// 3. the delay is the `Retry-After` value if it parses (relative to
    ///    `attempt.now`), else the [`backoff_delay`](Self::backoff_delay); a
    ///    `Retry-After` above the maximum single delay gives
    ///    [`StopReason::DelayTooLong`];
    /// 4. `elapsed_delay + delay` must not exceed the maximum total delay,
    ///    else [`StopReason::TotalDelayExceeded`].
    pub fn decide(&self, attempt: &Attempt<'_>, jitter: f64) -> Decision {
        if !Self::is_retryable_status(attempt.status) {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempt.retries_so_far >= self.max_retries {
            return Decision::Stop(StopReason::MaxRetries {
                retries: attempt.retries_so_far,
            });
        }
        let requested = attempt
            .retry_after
            .and_then(|value| retry_after_delay(value, attempt.now));
        let delay = match requested {
            Some(requested) if requested > self.max_delay => {
                return Decision::Stop(StopReason::DelayTooLong {
                    requested,
                    limit: self.max_delay,
                });
            }
            Some(requested) => requested,
            None => self.backoff_delay(attempt.retries_so_far, jitter),
        };
        let total = attempt.elapsed_delay.saturating_add(delay);
        if total > self.max_total_delay {
            return Decision::Stop(StopReason::TotalDelayExceeded {
                elapsed: attempt.elapsed_delay,
                next: delay,
                limit: self.max_total_delay,
            });
        }
        Decision::Retry {
            delay,
            attempt: attempt.retries_so_far.saturating_add(1),
        }
    }

    /// [`decide`](Self::decide) with jitter drawn from `fastrand`.
    pub fn decide_with_random_jitter(&self, attempt: &Attempt<'_>) -> Decision {
        self.decide(attempt, fastrand::f64())
    }
}

/// What is known about a failed response when deciding whether to retry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// HTTP status of the response.
    pub status: u16,
    /// Raw value of the response's `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// Retries already made for this request (0 after the original attempt).
    pub retries_so_far: u32,
    /// Sum of the delays already waited before earlier retries.
    pub elapsed_delay: Duration,
    /// The current time, used to resolve a `Retry-After` date.
    pub now: SystemTime,
}

/// Outcome of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay`, then send the request again.
    Retry {
        /// How long to wait before retrying.
        delay: Duration,
        /// 1-based number of this retry, for the [`RETRY_ATTEMPT_HEADER`].
        attempt: u32,
    },
    /// Do not retry; hand the response to the caller.
    Stop(StopReason),
}

impl Decision {
    /// Whether this decision is [`Decision::Retry`].
    pub const fn is_retry(&self) -> bool {
        matches!(self, Self::Retry { .. })
    }
}

/// Why [`RetryPolicy::decide`] chose not to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The status is not 429, 503 or 504.
    NotRetryable,
    /// The configured number of retries has been used up (or the policy is
    /// disabled).
    MaxRetries {
        /// Retries already made.
        retries: u32,
    },
    /// The server's `Retry-After` asks for a longer wait than the maximum
    /// single delay.
    DelayTooLong {
        /// The delay the server asked for.
        requested: Duration,
        /// The policy's maximum single delay.
        limit: Duration,
    },
    /// Waiting again would exceed the maximum total delay.
    TotalDelayExceeded {
        /// Delay already spent on earlier retries.
        elapsed: Duration,
        /// The delay the next retry would need.
        next: Duration,
        /// The policy's maximum total delay.
        limit: Duration,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRetryable => f.write_str("status is not retryable"),
            Self::MaxRetries { retries } => write!(f, "gave up after {retries} retries"),
            Self::DelayTooLong { requested, limit } => write!(
                f,
                "server asked to wait {requested:?}, more than the {limit:?} limit"
            ),
            Self::TotalDelayExceeded {
                elapsed,
                next,
                limit,
            } => write!(
                f,
                "waiting {next:?} more after {elapsed:?} would exceed the {limit:?} total limit"
            ),
        }
    }
}

/// An invalid [`RetryPolicy`] setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryConfigError {
    /// More retries than [`MAX_RETRIES_LIMIT`] were requested.
    TooManyRetries {
        /// The requested number of retries.
        requested: u32,
        /// The largest accepted number.
        limit: u32,
    },
    /// A maximum single delay above [`MAX_DELAY_LIMIT`] was requested.
    DelayTooLong {
        /// The requested maximum.
        requested: Duration,
        /// The largest accepted maximum.
        limit: Duration,
    },
    /// A maximum total delay above [`MAX_TOTAL_DELAY_LIMIT`] was requested.
    TotalDelayTooLong {
        /// The requested maximum.
        requested: Duration,
        /// The largest accepted maximum.
        limit: Duration,
    },
}

impl fmt::Display for RetryConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyRetries { requested, limit } => {
                write!(f, "max retries {requested} exceeds the limit of {limit}")
            }
            Self::DelayTooLong { requested, limit } => {
                write!(f, "max delay {requested:?} exceeds the limit of {limit:?}")
            }
            Self::TotalDelayTooLong { requested, limit } => write!(
                f,
                "max total delay {requested:?} exceeds the limit of {limit:?}"
            ),
        }
    }
}

impl std::error::Error for RetryConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// 2023-11-14T22:13:20Z.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn attempt(status: u16, retry_after: Option<&str>, retries_so_far: u32) -> Attempt<'_> {
        Attempt {
            status,
            retry_after,
            retries_so_far,
            elapsed_delay: Duration::ZERO,
            now: now(),
        }
    }

    fn retry(delay: Duration, attempt: u32) -> Decision {
        Decision::Retry { delay, attempt }
    }

    #[test]
    fn defaults() {
        let policy = RetryPolicy::default();
        assert_eq!(policy, RetryPolicy::new());
        assert_eq!(policy.get_max_retries(), 3);
        assert_eq!(policy.get_base_delay(), Duration::from_secs(3));
        assert_eq!(policy.get_max_delay(), Duration::from_secs(180));
        assert_eq!(policy.get_max_total_delay(), Duration::from_secs(180));
        assert!(policy.is_enabled());
    }

    #[test]
    fn retryable_statuses_only() {
        for status in RETRYABLE_STATUSES {
            assert!(RetryPolicy::is_retryable_status(status));
        }
        let policy = RetryPolicy::new();
        for status in [
            200, 204, 304, 400, 401, 403, 404, 409, 412, 500, 501, 502, 507, 509,
        ] {
            assert!(!RetryPolicy::is_retryable_status(status), "{status}");
            assert_eq!(
                policy.decide(&attempt(status, Some("1"), 0), 0.0),
                Decision::Stop(StopReason::NotRetryable),
                "{status}"
            );
        }
    }

    #[test]
    fn default_backoff_bounds_per_attempt() {
        let policy = RetryPolicy::new();
        let expected = [(3, 6), (6, 12), (12, 24)];
        for (n, (low, high)) in (0_u32..).zip(expected) {
            for status in RETRYABLE_STATUSES {
                let a = attempt(status, None, n);
                assert_eq!(
                    policy.decide(&a, 0.0),
                    retry(Duration::from_secs(low), n + 1)
                );
                assert_eq!(
                    policy.decide(&a, 1.0),
                    retry(Duration::from_secs(high), n + 1)
                );
                let Decision::Retry { delay, .. } = policy.decide(&a, 0.999_999) else {
                    panic!("expected a retry");
                };
                assert!(delay >= Duration::from_secs(low) && delay < Duration::from_secs(high));
            }
        }
    }

    #[test]
    fn backoff_with_millisecond_base() {
        let policy = RetryPolicy::new()
            .max_retries(10)
            .unwrap()
            .base_delay(10 * MS);
        for n in 0..10 {
            let low = 10 * MS * 2_u32.pow(n);
            let high = (low * 2).min(Duration::from_secs(180));
            let low = low.min(Duration::from_secs(180));
            assert_eq!(policy.backoff_delay(n, 0.0), low, "n={n}");
            assert_eq!(policy.backoff_delay(n, 1.0), high, "n={n}");
            let mid = policy.backoff_delay(n, 0.5);
            assert!(mid >= low && mid <= high, "n={n}");
        }
    }

    #[test]
    fn random_jitter_stays_in_bounds() {
        let policy = RetryPolicy::new().base_delay(100 * MS);
        for _ in 0..200 {
            match policy.decide_with_random_jitter(&attempt(503, None, 1)) {
                Decision::Retry { delay, attempt } => {
                    assert_eq!(attempt, 2);
                    assert!(delay >= 200 * MS && delay <= 400 * MS, "{delay:?}");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn odd_jitter_values_are_clamped() {
        let policy = RetryPolicy::new();
        assert_eq!(policy.backoff_delay(0, -3.0), Duration::from_secs(3));
        assert_eq!(policy.backoff_delay(0, 7.0), Duration::from_secs(6));
        assert_eq!(policy.backoff_delay(0, f64::NAN), Duration::from_secs(3));
        assert_eq!(
            policy.backoff_delay(0, f64::INFINITY),
            Duration::from_secs(6)
        );
    }

    #[test]
    fn backoff_is_capped_at_max_delay() {
        let policy = RetryPolicy::new()
            .max_delay(Duration::from_secs(10))
            .unwrap();
        assert_eq!(policy.backoff_delay(2, 0.0), Duration::from_secs(10));
        assert_eq!(policy.backoff_delay(2, 1.0), Duration::from_secs(10));
        assert_eq!(policy.backoff_delay(1, 0.5), Duration::from_secs(9));
        // Absurd exponents and bases saturate instead of overflowing.
        assert_eq!(policy.backoff_delay(u32::MAX, 1.0), Duration::from_secs(10));
        let huge = RetryPolicy::new().base_delay(Duration::MAX);
        assert_eq!(huge.backoff_delay(9, 1.0), Duration::from_secs(180));
    }

    #[test]
    fn retry_after_seconds_is_honoured_exactly() {
        let policy = RetryPolicy::new();
        assert_eq!(
            policy.decide(&attempt(429, Some("120"), 0), 1.0),
            retry(Duration::from_secs(120), 1)
        );
        assert_eq!(
            policy.decide(&attempt(503, Some("2.128"), 2), 0.7),
            retry(Duration::from_millis(2_128), 3)
        );
        assert_eq!(
            policy.decide(&attempt(504, Some("0"), 0), 0.7),
            retry(Duration::ZERO, 1)
        );
    }

    #[test]
    fn retry_after_date_is_relative_to_now() {
        let policy = RetryPolicy::new();
        assert_eq!(
            policy.decide(&attempt(429, Some("Tue, 14 Nov 2023 22:13:50 GMT"), 0), 0.9),
            retry(Duration::from_secs(30), 1)
        );
        assert_eq!(
            policy.decide(&attempt(429, Some("Sun, 06 Nov 1994 08:49:37 GMT"), 1), 0.9),
            retry(Duration::ZERO, 2)
        );
    }

    #[test]
    fn garbage_retry_after_falls_back_to_backoff() {
        let policy = RetryPolicy::new();
        for value in ["", "-5", "soon", "1e2"] {
            assert_eq!(
                policy.decide(&attempt(429, Some(value), 1), 0.0),
                retry(Duration::from_secs(6), 2),
                "{value:?}"
            );
        }
    }

    #[test]
    fn retry_after_above_single_cap_stops() {
        let policy = RetryPolicy::new();
        assert_eq!(
            policy.decide(&attempt(429, Some("180"), 0), 0.0),
            retry(Duration::from_secs(180), 1)
        );
        assert_eq!(
            policy.decide(&attempt(429, Some("180.001"), 0), 0.0),
            Decision::Stop(StopReason::DelayTooLong {
                requested: Duration::from_millis(180_001),
                limit: Duration::from_secs(180),
            })
        );
        let lowered = RetryPolicy::new()
            .max_delay(Duration::from_secs(30))
            .unwrap();
        assert_eq!(
            lowered.decide(&attempt(503, Some("Tue, 14 Nov 2023 22:14:20 GMT"), 0), 0.0),
            Decision::Stop(StopReason::DelayTooLong {
                requested: Duration::from_secs(60),
                limit: Duration::from_secs(30),
            })
        );
    }

    #[test]
    fn total_delay_cap() {
        let policy = RetryPolicy::new();
        let mut a = attempt(429, Some("60"), 2);
        a.elapsed_delay = Duration::from_secs(120);
        assert_eq!(policy.decide(&a, 0.0), retry(Duration::from_secs(60), 3));
        a.elapsed_delay = Duration::from_secs(121);
        assert_eq!(
            policy.decide(&a, 0.0),
            Decision::Stop(StopReason::TotalDelayExceeded {
                elapsed: Duration::from_secs(121),
                next: Duration::from_secs(60),
                limit: Duration::from_secs(180),
            })
        );

        let lowered = RetryPolicy::new()
            .max_total_delay(Duration::from_secs(10))
            .unwrap();
        let mut b = attempt(503, None, 1);
        b.elapsed_delay = Duration::from_secs(3);
        // Backoff 6 s: 3 + 6 = 9 <= 10.
        assert_eq!(lowered.decide(&b, 0.0), retry(Duration::from_secs(6), 2));
        // Backoff 12 s (jitter 1): 3 + 12 > 10.
        assert_eq!(
            lowered.decide(&b, 1.0),
            Decision::Stop(StopReason::TotalDelayExceeded {
                elapsed: Duration::from_secs(3),
                next: Duration::from_secs(12),
                limit: Duration::from_secs(10),
            })
        );
        b.elapsed_delay = Duration::MAX;
        assert!(!lowered.decide(&b, 0.0).is_retry());
    }

    #[test]
    fn full_default_sequence() {
        let policy = RetryPolicy::new();
        let mut elapsed = Duration::ZERO;
        let mut attempts = Vec::new();
        for n in 0.. {
            let mut a = attempt(503, None, n);
            a.elapsed_delay = elapsed;
            match policy.decide(&a, 1.0) {
                Decision::Retry { delay, attempt } => {
                    elapsed += delay;
                    attempts.push(attempt);
                }
                Decision::Stop(reason) => {
                    assert_eq!(reason, StopReason::MaxRetries { retries: 3 });
                    break;
                }
            }
        }
        assert_eq!(attempts, [1, 2, 3]);
        assert_eq!(elapsed, Duration::from_secs(6 + 12 + 24));
    }

    #[test]
    fn max_retries_default_and_configured() {
        let policy = RetryPolicy::new();
        assert!(policy.decide(&attempt(429, None, 2), 0.0).is_retry());
        assert_eq!(
            policy.decide(&attempt(429, None, 3), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 3 })
        );

        let one = RetryPolicy::new().max_retries(1).unwrap();
        assert!(one.decide(&attempt(429, None, 0), 0.0).is_retry());
        assert_eq!(
            one.decide(&attempt(429, None, 1), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 1 })
        );

        let ten = RetryPolicy::new().max_retries(10).unwrap().base_delay(MS);
        assert_eq!(ten.get_max_retries(), 10);
        assert_eq!(ten.decide(&attempt(504, None, 9), 0.0), retry(512 * MS, 10));
        assert_eq!(
            ten.decide(&attempt(504, None, 10), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 10 })
        );
    }

    #[test]
    fn more_than_ten_retries_is_rejected() {
        assert_eq!(
            RetryPolicy::new().max_retries(11),
            Err(RetryConfigError::TooManyRetries {
                requested: 11,
                limit: 10,
            })
        );
        assert!(RetryPolicy::new().max_retries(u32::MAX).is_err());
        assert!(RetryPolicy::new().max_retries(0).is_ok());
    }

    #[test]
    fn delay_caps_only_go_down() {
        assert!(
            RetryPolicy::new()
                .max_delay(Duration::from_secs(180))
                .is_ok()
        );
        assert_eq!(
            RetryPolicy::new().max_delay(Duration::from_secs(181)),
            Err(RetryConfigError::DelayTooLong {
                requested: Duration::from_secs(181),
                limit: Duration::from_secs(180),
            })
        );
        assert!(
            RetryPolicy::new()
                .max_total_delay(Duration::from_secs(180))
                .is_ok()
        );
        assert_eq!(
            RetryPolicy::new().max_total_delay(Duration::from_secs(600)),
            Err(RetryConfigError::TotalDelayTooLong {
                requested: Duration::from_secs(600),
                limit: Duration::from_secs(180),
            })
        );
        let err = RetryPolicy::new().max_retries(12).unwrap_err();
        assert_eq!(err.to_string(), "max retries 12 exceeds the limit of 10");
    }

    #[test]
    fn disabled_policy_never_retries() {
        let policy = RetryPolicy::disabled();
        assert!(!policy.is_enabled());
        assert_eq!(policy.get_max_retries(), 0);
        assert_eq!(
            policy.decide(&attempt(429, Some("1"), 0), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 0 })
        );
        assert_eq!(
            policy.decide(&attempt(400, None, 0), 0.0),
            Decision::Stop(StopReason::NotRetryable)
        );
        assert_eq!(RetryPolicy::new().max_retries(0), Ok(policy));
    }

    #[test]
    fn stop_reason_display() {
        assert_eq!(
            StopReason::NotRetryable.to_string(),
            "status is not retryable"
        );
        assert_eq!(
            StopReason::MaxRetries { retries: 3 }.to_string(),
            "gave up after 3 retries"
        );
        assert!(
            StopReason::DelayTooLong {
                requested: Duration::from_secs(300),
                limit: Duration::from_secs(180),
            }
            .to_string()
            .contains("300s")
        );
    }
}
