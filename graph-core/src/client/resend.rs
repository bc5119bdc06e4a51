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
//! - A request with a condition (`If-Match`, `If-None-Match`,
//!   `If-Unmodified-Since`, `If-Modified-Since`) is not sent again either:
//!   if the first one ran, it changed what the condition tests (a new
//!   eTag, an item that now exists), and the second is answered 412 or
//!   409, which would report a success as a failure (RFC 9110 §13.1).
//!
//! Only transport failures are sent again: an unreadable or oversized
//! success body would read the same the next time.

use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::{Error, Method};

/// Conditional request headers (RFC 9110 §13.1), in lower case as
/// endpoints declare them.
const CONDITIONS: [&str; 4] = [
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "if-modified-since",
];

/// The wait before sending again after `error` a request sent with
/// `headers`, or `None` to report it.
pub(crate) fn resend_delay(
    policy: &RetryPolicy,
    method: Method,
    headers: &[(&'static str, String)],
    error: &Error,
    retries_so_far: u32,
    waited: Duration,
    jitter: f64,
) -> Option<Duration> {
    let transport_lost = matches!(error, Error::Transport { .. }) && error.is_fate_unknown();
    if !transport_lost || !matches!(method, Method::Get | Method::Put) {
        return None;
    }
    let conditional = headers
        .iter()
        .any(|(name, _)| CONDITIONS.iter().any(|c| name.eq_ignore_ascii_case(c)));
    if conditional {
        return None;
    }
    if retries_so_far >= policy.max_retries() {
        return None;
    }
    let delay = policy.backoff_delay(retries_so_far, jitter);
    (waited.saturating_add(delay) <= policy.max_total_delay()).then_some(delay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BatchError;

    /// A transport error whose fate is unknown: a connection closed after
    /// the request was sent.
    async fn lost() -> Error {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
        });
        let error = Error::transport(1, reqwest::get(url).await.unwrap_err());
        assert!(error.is_fate_unknown(), "{error:?}");
        error
    }

    #[tokio::test]
    async fn only_get_and_put_are_sent_again_and_only_after_a_lost_exchange() {
        let policy = RetryPolicy::new();
        let lost = lost().await;
        let first = policy.backoff_delay(0, 0.5);
        for method in [Method::Get, Method::Put] {
            assert_eq!(
                resend_delay(&policy, method, &[], &lost, 0, Duration::ZERO, 0.5),
                Some(first)
            );
        }
        for method in [Method::Post, Method::Patch, Method::Delete] {
            assert_eq!(
                resend_delay(&policy, method, &[], &lost, 0, Duration::ZERO, 0.5),
                None,
                "{method:?}"
            );
        }
        // Unknown fates that would read the same again, and known fates.
        let missing = Error::Batch(BatchError::Missing { id: "1".into() });
        assert!(missing.is_fate_unknown());
        let decode = Error::decode(
            200,
            None,
            b"{",
            serde_json::from_slice::<u8>(b"{").unwrap_err(),
        );
        for other in [
            missing,
            decode,
            Error::Redirect(crate::RedirectError::new("x", 303, true)),
        ] {
            assert_eq!(
                resend_delay(&policy, Method::Get, &[], &other, 0, Duration::ZERO, 0.5),
                None
            );
        }
    }

    #[tokio::test]
    async fn a_conditional_request_is_never_sent_again() {
        let policy = RetryPolicy::new();
        let lost = lost().await;
        for name in [
            "if-match",
            "If-None-Match",
            "if-unmodified-since",
            "if-modified-since",
        ] {
            let headers = [(name, "\"etag\"".to_owned())];
            for method in [Method::Get, Method::Put] {
                assert_eq!(
                    resend_delay(&policy, method, &headers, &lost, 0, Duration::ZERO, 0.5),
                    None,
                    "{method:?} with {name}"
                );
            }
        }
        let other = [("prefer", "x".to_owned())];
        assert!(
            resend_delay(&policy, Method::Put, &other, &lost, 0, Duration::ZERO, 0.5).is_some()
        );
    }

    #[tokio::test]
    async fn the_policy_s_limits_hold() {
        let lost = lost().await;
        let policy = RetryPolicy::new();
        assert_eq!(
            resend_delay(
                &policy,
                Method::Get,
                &[],
                &lost,
                policy.max_retries(),
                Duration::ZERO,
                0.0
            ),
            None
        );
        assert_eq!(
            resend_delay(
                &policy,
                Method::Get,
                &[],
                &lost,
                0,
                policy.max_total_delay(),
                0.0
            ),
            None
        );
        assert_eq!(
            resend_delay(
                &RetryPolicy::disabled(),
                Method::Get,
                &[],
                &lost,
                0,
                Duration::ZERO,
                0.0
            ),
            None
        );
    }
}
