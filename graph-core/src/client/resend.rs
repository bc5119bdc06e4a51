//! Whether a request whose fate is unknown is sent again.
//!
//! A connection reset or a timeout once a request may have been sent leaves
//! its fate unknown ([`Error::is_fate_unknown`]): Graph may have run it.
//! Sending it again is safe only when running it twice does what running it
//! once does, and answers alike:
//!
//! - GET is safe (RFC 9110 §9.2.1) and PUT idempotent (§9.2.2): both are
//!   sent again under the client's [`RetryPolicy`] (its retry count, backoff
//!   and total delay cap; a disabled policy sends nothing again).
//! - DELETE is idempotent too, but a second delete of what the first one
//!   deleted is answered 404, which would report a success as a failure.
//! - POST and PATCH may act twice (an invitation notifies its recipients
//!   again), so they never are: the caller gets the unknown fate.
//!
//! Only transport failures are sent again: an unreadable or oversized
//! success body would read the same the next time.

use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::{Error, Method};

/// The wait before sending again after `error`, or `None` to report it.
pub(crate) fn resend_delay(
    policy: &RetryPolicy,
    method: Method,
    error: &Error,
    retries_so_far: u32,
    waited: Duration,
    jitter: f64,
) -> Option<Duration> {
    let transport_lost = matches!(error, Error::Transport { .. }) && error.is_fate_unknown();
    if !transport_lost || !matches!(method, Method::Get | Method::Put) {
        return None;
    }
    if retries_so_far >= policy.max_retries() {
        return None;
    }
    let delay = policy.backoff_delay(retries_so_far, jitter);
    (waited.saturating_add(delay) <= policy.max_total_delay()).then_some(delay)
}
