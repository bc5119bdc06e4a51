//! Retries of throttled and temporarily failing requests.
//!
//! The [`Client`](crate::Client) retries by itself: a [`RetryPolicy`] says how
//! often and how long. The behaviour mirrors the Microsoft Graph SDKs' retry
//! handlers: only 429, 503 and 504 are retried, the server's `Retry-After`
//! header is obeyed ([`RetryAfter`] reads it), exponential backoff with
//! jitter is used when the header is missing, and each retry carries a
//! `Retry-Attempt` header with its 1-based number.
//!
//! Deciding is pure (no IO, no sleeping) and crate-private; the client waits
//! and re-sends.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use graph_core::{auth::StaticToken, retry::RetryPolicy, Client};
//!
//! let policy = RetryPolicy::builder()
//!     .max_retries(5)
//!     .max_total_delay(Duration::from_secs(60))
//!     .build()?;
//! let client = Client::builder()
//!     .auth(StaticToken::new("eyJ0..."))
//!     .retry_policy(policy)
//!     .build()?;
//! assert_eq!(client.retry_policy().max_retries(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod policy;
mod retry_after;

pub(crate) use policy::{Attempt, Decision, RETRY_ATTEMPT_HEADER};
pub use policy::{RetryConfigError, RetryPolicy, RetryPolicyBuilder};
pub use retry_after::RetryAfter;
