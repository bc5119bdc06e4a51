//! The retry policy, its builder, and the decision function the client consults.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderName;

use super::retry_after::RetryAfter;

/// The request header telling the server which retry this is (`Retry-Attempt`):
/// the 1-based retry number; the original request does not carry it. Header
/// names are case-insensitive, and `from_static` takes lower case.
pub(crate) const RETRY_ATTEMPT_HEADER: HeaderName = HeaderName::from_static("retry-attempt");

/// The statuses retried: 429 Too Many Requests, 503 Service Unavailable and
/// 504 Gateway Timeout.
const RETRYABLE_STATUSES: [u16; 3] = [429, 503, 504];

const DEFAULT_MAX_RETRIES: u32 = 3;
const MAX_RETRIES_LIMIT: u32 = 10;
const DEFAULT_BASE_DELAY: Duration = Duration::from_secs(3);
/// Default and largest delay before a single retry.
const MAX_DELAY_LIMIT: Duration = Duration::from_secs(180);
/// Default and largest sum of all delays spent retrying one request.
const MAX_TOTAL_DELAY_LIMIT: Duration = Duration::from_secs(180);

/// When and how often a failed request is retried.
///
/// Defaults follow the Microsoft Graph SDKs: up to **3** retries (at most
/// **10**), only for statuses **429, 503 and 504**, waiting as long as the
/// server's `Retry-After` header asks, or otherwise backing off exponentially
/// from a **3 second** base delay, never more than **180 seconds** per retry
/// and **180 seconds** in total. Each retry carries a `Retry-Attempt` header
/// with its 1-based number; the original request does not.
///
/// A `RetryPolicy` is always within those limits: [`RetryPolicy::new`] and
/// [`RetryPolicy::disabled`] are ready to use, and
/// [`RetryPolicy::builder`] changes the settings, checking them all in
/// [`RetryPolicyBuilder::build`]. The getters (`max_retries()`, …) read them
/// back.
///
/// # Backoff
///
/// Without a usable `Retry-After`, retry number `n + 1` (after `n` retries so
/// far) waits `base · 2ⁿ · (1 + jitter)`, with `jitter` drawn from `0..1`,
/// capped at the maximum single delay. With the default 3 s base that is
/// 3–6 s, then 6–12 s, then 12–24 s.
///
/// # `Retry-After`
///
/// A `Retry-After` header (whole or fractional seconds, or an HTTP date; see
/// [`RetryAfter`](super::RetryAfter)) is honoured exactly, without jitter. If
/// it asks for more than the maximum single delay, the request is not retried
/// and its error is returned at once: the server has said the request will
/// keep failing until then, and retrying sooner only burns throttling quota.
/// A header that cannot be parsed is ignored and backoff is used instead.
/// A retry whose delay would take the sum of delays past the maximum total
/// delay is not made either.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use graph_core::retry::RetryPolicy;
///
/// let policy = RetryPolicy::builder()
///     .max_retries(5)
///     .base_delay(Duration::from_millis(100))
///     .build()?;
/// assert_eq!(policy.max_retries(), 5);
/// assert_eq!(policy.base_delay(), Duration::from_millis(100));
/// assert_eq!(policy.max_delay(), Duration::from_secs(180));
///
/// assert_eq!(RetryPolicy::new().max_retries(), 3);
/// assert!(!RetryPolicy::disabled().is_enabled());
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
    pub const fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::new()
        }
    }

    /// Starts from the default policy to change some of its settings.
    ///
    /// ```
    /// use std::time::Duration;
    /// use graph_core::retry::RetryPolicy;
    ///
    /// let patient = RetryPolicy::builder().max_retries(10).build()?;
    /// assert_eq!(patient.max_retries(), 10);
    ///
    /// // Out-of-range settings are reported by `build`, never clamped.
    /// let err = RetryPolicy::builder().max_retries(11).build().unwrap_err();
    /// assert_eq!(err.to_string(), "max retries 11 exceeds the limit of 10");
    /// # Ok::<(), graph_core::retry::RetryConfigError>(())
    /// ```
    pub const fn builder() -> RetryPolicyBuilder {
        RetryPolicyBuilder {
            policy: Self::new(),
        }
    }

    /// How many times a request may be retried after the original attempt
    /// (default 3; 0 when disabled).
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The base delay of the exponential backoff (default 3 s).
    pub const fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest delay before a single retry (default and limit 180 s).
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest sum of delays spent retrying one request (default and
    /// limit 180 s).
    pub const fn max_total_delay(&self) -> Duration {
        self.max_total_delay
    }

    /// Whether this policy may retry at all.
    pub const fn is_enabled(&self) -> bool {
        self.max_retries > 0
    }

    /// Whether `status` is retried at all: 429, 503 or 504.
    pub(crate) fn is_retryable_status(status: u16) -> bool {
        RETRYABLE_STATUSES.contains(&status)
    }

    /// The backoff delay before retry number `retries_so_far + 1`, used when
    /// the server gives no usable `Retry-After`.
    ///
    /// Equals `base · 2^retries_so_far · (1 + jitter)`, capped at the maximum
    /// single delay. `jitter` is clamped into `0..=1`; NaN counts as 0.
    pub(crate) fn backoff_delay(&self, retries_so_far: u32, jitter: f64) -> Duration {
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
    pub(crate) fn decide(&self, attempt: &Attempt<'_>, jitter: f64) -> Decision {
        let requested = attempt
            .retry_after
            .and_then(RetryAfter::parse)
            .map(|retry_after| retry_after.delay_from(attempt.now));
        self.decide_requested(
            attempt.status,
            requested,
            attempt.retries_so_far,
            attempt.elapsed_delay,
            jitter,
        )
    }

    /// [`decide`](Self::decide) once the `Retry-After` has been read:
    /// `requested` is the wait it asks for, if it had a usable one. The
    /// `$batch` engine reads each inner answer's `Retry-After` once and
    /// decides with this, so its requests retry as [`Client::send`]'s do.
    ///
    /// [`Client::send`]: crate::Client::send
    pub(crate) fn decide_requested(
        &self,
        status: u16,
        requested: Option<Duration>,
        retries_so_far: u32,
        elapsed_delay: Duration,
        jitter: f64,
    ) -> Decision {
        if !Self::is_retryable_status(status) {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if retries_so_far >= self.max_retries {
            return Decision::Stop(StopReason::MaxRetries {
                retries: retries_so_far,
            });
        }
        let delay = match requested {
            Some(requested) if requested > self.max_delay => {
                return Decision::Stop(StopReason::DelayTooLong {
                    requested,
                    limit: self.max_delay,
                });
            }
            Some(requested) => requested,
            None => self.backoff_delay(retries_so_far, jitter),
        };
        let total = elapsed_delay.saturating_add(delay);
        if total > self.max_total_delay {
            return Decision::Stop(StopReason::TotalDelayExceeded {
                elapsed: elapsed_delay,
                next: delay,
                limit: self.max_total_delay,
            });
        }
        Decision::Retry {
            delay,
            attempt: retries_so_far.saturating_add(1),
        }
    }

    /// [`decide`](Self::decide) with jitter drawn from `fastrand`.
    pub(crate) fn decide_with_random_jitter(&self, attempt: &Attempt<'_>) -> Decision {
        self.decide(attempt, fastrand::f64())
    }
}

/// Changes the settings of a [`RetryPolicy`]; made by [`RetryPolicy::builder`].
///
/// Setters only store their value; [`build`](Self::build) checks them all, so
/// a mistake is reported once, where the policy is made.
#[derive(Clone, Debug)]
#[must_use = "call `.build()` to get a policy"]
pub struct RetryPolicyBuilder {
    policy: RetryPolicy,
}

impl RetryPolicyBuilder {
    /// How many times a request may be retried after the original attempt
    /// (default 3, at most 10); `0` disables retries.
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.policy.max_retries = retries;
        self
    }

    /// The base delay of the exponential backoff (default 3 s).
    ///
    /// Any value is accepted; computed delays are still capped by the maximum
    /// single delay. Short delays are mostly useful in tests.
    pub const fn base_delay(mut self, base_delay: Duration) -> Self {
        self.policy.base_delay = base_delay;
        self
    }

    /// Lowers the longest delay before a single retry (default and limit
    /// 180 s).
    pub const fn max_delay(mut self, max_delay: Duration) -> Self {
        self.policy.max_delay = max_delay;
        self
    }

    /// Lowers the longest sum of delays spent on one request (default and
    /// limit 180 s).
    pub const fn max_total_delay(mut self, max_total_delay: Duration) -> Self {
        self.policy.max_total_delay = max_total_delay;
        self
    }

    /// The policy, once every setting is within its limit.
    ///
    /// Out-of-range values are reported rather than clamped so that a
    /// configuration mistake is visible.
    ///
    /// # Errors
    ///
    /// The first setting out of range, checked in this order:
    /// [`RetryConfigError::TooManyRetries`] above 10 retries,
    /// [`RetryConfigError::DelayTooLong`] for a maximum single delay above
    /// 180 s, [`RetryConfigError::TotalDelayTooLong`] for a maximum total
    /// delay above 180 s.
    pub fn build(self) -> Result<RetryPolicy, RetryConfigError> {
        let policy = self.policy;
        if policy.max_retries > MAX_RETRIES_LIMIT {
            return Err(RetryConfigError::TooManyRetries {
                requested: policy.max_retries,
                limit: MAX_RETRIES_LIMIT,
            });
        }
        if policy.max_delay > MAX_DELAY_LIMIT {
            return Err(RetryConfigError::DelayTooLong {
                requested: policy.max_delay,
                limit: MAX_DELAY_LIMIT,
            });
        }
        if policy.max_total_delay > MAX_TOTAL_DELAY_LIMIT {
            return Err(RetryConfigError::TotalDelayTooLong {
                requested: policy.max_total_delay,
                limit: MAX_TOTAL_DELAY_LIMIT,
            });
        }
        Ok(policy)
    }
}

/// What is known about a failed response when deciding whether to retry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Attempt<'a> {
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
pub(crate) enum Decision {
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

#[cfg(test)]
impl Decision {
    /// Whether this decision is [`Decision::Retry`].
    const fn is_retry(&self) -> bool {
        matches!(self, Self::Retry { .. })
    }
}

/// Why [`RetryPolicy::decide`] chose not to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StopReason {
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

/// A [`RetryPolicyBuilder`] setting out of range, reported by
/// [`RetryPolicyBuilder::build`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryConfigError {
    /// More than 10 retries were requested.
    TooManyRetries {
        /// The requested number of retries.
        requested: u32,
        /// The largest accepted number.
        limit: u32,
    },
    /// A maximum single delay above 180 s was requested.
    DelayTooLong {
        /// The requested maximum.
        requested: Duration,
        /// The largest accepted maximum.
        limit: Duration,
    },
    /// A maximum total delay above 180 s was requested.
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
        assert_eq!(policy.max_retries(), 3);
        assert_eq!(policy.base_delay(), Duration::from_secs(3));
        assert_eq!(policy.max_delay(), Duration::from_secs(180));
        assert_eq!(policy.max_total_delay(), Duration::from_secs(180));
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
        let policy = RetryPolicy::builder()
            .max_retries(10)
            .base_delay(10 * MS)
            .build()
            .unwrap();
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
        let policy = RetryPolicy::builder().base_delay(100 * MS).build().unwrap();
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
        let policy = RetryPolicy::builder()
            .max_delay(Duration::from_secs(10))
            .build()
            .unwrap();
        assert_eq!(policy.backoff_delay(2, 0.0), Duration::from_secs(10));
        assert_eq!(policy.backoff_delay(2, 1.0), Duration::from_secs(10));
        assert_eq!(policy.backoff_delay(1, 0.5), Duration::from_secs(9));
        // Absurd exponents and bases saturate instead of overflowing.
        assert_eq!(policy.backoff_delay(u32::MAX, 1.0), Duration::from_secs(10));
        let huge = RetryPolicy::builder()
            .base_delay(Duration::MAX)
            .build()
            .unwrap();
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
        let lowered = RetryPolicy::builder()
            .max_delay(Duration::from_secs(30))
            .build()
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

        let lowered = RetryPolicy::builder()
            .max_total_delay(Duration::from_secs(10))
            .build()
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

        let one = RetryPolicy::builder().max_retries(1).build().unwrap();
        assert!(one.decide(&attempt(429, None, 0), 0.0).is_retry());
        assert_eq!(
            one.decide(&attempt(429, None, 1), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 1 })
        );

        let ten = RetryPolicy::builder()
            .max_retries(10)
            .base_delay(MS)
            .build()
            .unwrap();
        assert_eq!(ten.max_retries(), 10);
        assert_eq!(ten.decide(&attempt(504, None, 9), 0.0), retry(512 * MS, 10));
        assert_eq!(
            ten.decide(&attempt(504, None, 10), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 10 })
        );
    }

    #[test]
    fn more_than_ten_retries_is_rejected() {
        assert_eq!(
            RetryPolicy::builder().max_retries(11).build(),
            Err(RetryConfigError::TooManyRetries {
                requested: 11,
                limit: 10,
            })
        );
        assert!(
            RetryPolicy::builder()
                .max_retries(u32::MAX)
                .build()
                .is_err()
        );
        assert!(RetryPolicy::builder().max_retries(0).build().is_ok());
    }

    #[test]
    fn delay_caps_only_go_down() {
        assert!(
            RetryPolicy::builder()
                .max_delay(Duration::from_secs(180))
                .build()
                .is_ok()
        );
        assert_eq!(
            RetryPolicy::builder()
                .max_delay(Duration::from_secs(181))
                .build(),
            Err(RetryConfigError::DelayTooLong {
                requested: Duration::from_secs(181),
                limit: Duration::from_secs(180),
            })
        );
        assert!(
            RetryPolicy::builder()
                .max_total_delay(Duration::from_secs(180))
                .build()
                .is_ok()
        );
        assert_eq!(
            RetryPolicy::builder()
                .max_total_delay(Duration::from_secs(600))
                .build(),
            Err(RetryConfigError::TotalDelayTooLong {
                requested: Duration::from_secs(600),
                limit: Duration::from_secs(180),
            })
        );
        let err = RetryPolicy::builder().max_retries(12).build().unwrap_err();
        assert_eq!(err.to_string(), "max retries 12 exceeds the limit of 10");
    }

    #[test]
    fn setters_store_and_build_reports_the_first_bad_setting() {
        // Every setter takes any value; `build` checks retries, then the
        // single delay, then the total delay.
        let all_bad = RetryPolicy::builder()
            .max_total_delay(Duration::from_secs(181))
            .max_delay(Duration::from_secs(181))
            .max_retries(11);
        assert!(matches!(
            all_bad.clone().build(),
            Err(RetryConfigError::TooManyRetries { requested: 11, .. })
        ));
        assert!(matches!(
            all_bad.clone().max_retries(10).build(),
            Err(RetryConfigError::DelayTooLong { .. })
        ));
        assert!(matches!(
            all_bad
                .clone()
                .max_retries(10)
                .max_delay(Duration::from_secs(1))
                .build(),
            Err(RetryConfigError::TotalDelayTooLong { .. })
        ));
        // Setting a value again replaces it.
        let fixed = all_bad
            .max_retries(2)
            .max_delay(Duration::from_secs(1))
            .max_total_delay(Duration::from_secs(2))
            .build()
            .unwrap();
        assert_eq!(
            (
                fixed.max_retries(),
                fixed.max_delay(),
                fixed.max_total_delay()
            ),
            (2, Duration::from_secs(1), Duration::from_secs(2))
        );
        assert_eq!(RetryPolicy::builder().build(), Ok(RetryPolicy::new()));
    }

    #[test]
    fn disabled_policy_never_retries() {
        let policy = RetryPolicy::disabled();
        assert!(!policy.is_enabled());
        assert_eq!(policy.max_retries(), 0);
        assert_eq!(
            policy.decide(&attempt(429, Some("1"), 0), 0.0),
            Decision::Stop(StopReason::MaxRetries { retries: 0 })
        );
        assert_eq!(
            policy.decide(&attempt(400, None, 0), 0.0),
            Decision::Stop(StopReason::NotRetryable)
        );
        assert_eq!(RetryPolicy::builder().max_retries(0).build(), Ok(policy));
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
