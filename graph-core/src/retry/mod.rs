//! Retry decisions for throttled and temporarily failing requests.
//!
//! This module is pure: it performs no IO and never sleeps. The HTTP client
//! asks [`RetryPolicy::decide`] what to do after each failed response, then
//! waits and re-sends the request itself, setting the [`RETRY_ATTEMPT_HEADER`]
//! to the 1-based retry number it was given.
//!
//! The behaviour mirrors the Microsoft Graph SDKs' retry handlers: only
//! 429, 503 and 504 are retried, the server's `Retry-After` header is obeyed,
//! and exponential backoff with jitter is used when the header is missing.
//!
//! # Examples
//!
//! A client loop, with the sleeping and sending left out:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use graph_core::retry::{Attempt, Decision, RetryPolicy, StopReason};
//!
//! let policy = RetryPolicy::new().base_delay(Duration::from_millis(10));
//! // Pretend the server throttles three times, then answers 200.
//! let mut responses = [(429, Some("0.05")), (503, None), (429, None), (200, None)].into_iter();
//!
//! let mut retries_so_far = 0;
//! let mut elapsed_delay = Duration::ZERO;
//! let final_status = loop {
//!     let (status, retry_after) = responses.next().unwrap();
//!     if status < 400 {
//!         break status;
//!     }
//!     let attempt = Attempt {
//!         status,
//!         retry_after,
//!         retries_so_far,
//!         elapsed_delay,
//!         now: SystemTime::now(),
//!     };
//!     match policy.decide_with_random_jitter(&attempt) {
//!         Decision::Retry { delay, attempt } => {
//!             // The client sleeps for `delay` here and re-sends the request
//!             // with a `Retry-Attempt: {attempt}` header.
//!             retries_so_far = attempt;
//!             elapsed_delay += delay;
//!         }
//!         Decision::Stop(reason) => panic!("gave up: {reason}"),
//!     }
//! };
//! assert_eq!(final_status, 200);
//! assert_eq!(retries_so_far, 3);
//! ```

mod policy;
mod retry_after;

pub use policy::{
    Attempt, DEFAULT_BASE_DELAY, DEFAULT_MAX_RETRIES, Decision, MAX_DELAY_LIMIT, MAX_RETRIES_LIMIT,
    MAX_TOTAL_DELAY_LIMIT, RETRY_AFTER_HEADER, RETRY_ATTEMPT_HEADER, RETRYABLE_STATUSES,
    RetryConfigError, RetryPolicy, StopReason,
};
pub use retry_after::{RetryAfter, retry_after_delay};
