//! Retries end to end over loopback HTTP against the emulator: what the client
//! does around a retry. Each retry carries `Retry-Attempt: n` (the first
//! attempt none) and replays the same body bytes under the same
//! `client-request-id`; the client waits as long as the server's `Retry-After`
//! asks, resolving a date against the current time, and backs off without it;
//! only 429, 503 and 504 are retried; the policy's limits (max retries, the
//! single-wait cap, the total cap) and a disabled policy end with the error
//! Graph sent, after exactly the attempts allowed.
//!
//! How each `Retry-After` form (whole and fractional seconds, HTTP dates in
//! the future or the past, garbage) is parsed and turned into a delay, and the
//! backoff arithmetic, are the unit tests' job (graph-core `retry::retry_after`
//! and `retry::policy`). Here answers are scripted with
//! `EmulatorHandle::inject_next`, waits are zero or tens of milliseconds, and
//! no assertion measures time: where waiting matters, the outcome shows it (a
//! rate limiter that refuses a retry sent too early, a total cap that a wrong
//! delay would cross).

use std::time::Duration;

use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Permission, Role};
use graph_core::retry::RetryPolicy;
use graph_core::{Error, ToRequest};
use graph_emulator::{FaultKind, RateLimit, seed};
use tests::{
    Setup, client_request_ids, graph_requests, quick_retries, quick_retries_builder,
    retry_attempts, statuses,
};

/// The item every test lists: `/me/drive/items/{Q3}`.
fn q3() -> ItemLocator {
    ItemLocator::me(seed::ME_Q3_ID)
}

/// Asserts the one permission Q3 has in the default tenant: Adele's inherited grant.
fn assert_q3_listing(page: &[Permission]) {
    let ids: Vec<_> = page.iter().map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, [Some(seed::ME_INHERITED_GRANT_ID)]);
}

/// `true` when `s` looks like a hyphenated UUID (8-4-4-4-12 hex digits).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<_> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A 429 on an invite: the retry carries `Retry-Attempt: 1`, the same body
/// bytes and the same `client-request-id`, and returns the granted permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_invite_replays_its_body_under_one_client_request_id() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    emu.inject_next(429, Some("0"));

    let invite = q3().invite(
        InviteBody::new([DriveRecipient::email(seed::EXTERNAL_EMAIL)])
            .with_roles([Role::Write])
            .with_message("Retried, not duplicated."),
    );
    let response = client
        .execute(&invite)
        .await
        .expect("succeeds after one retry");

    assert_eq!(response.status, 200);
    assert_eq!(response.attempts, 2);
    assert_eq!(response.value.value.len(), 1);
    let granted = &response.value.value[0];
    assert_eq!(granted.roles, [Role::Write]);
    assert_eq!(
        granted.invitation.as_ref().and_then(|i| i.email.as_deref()),
        Some(seed::EXTERNAL_EMAIL)
    );

    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 200]);
    assert_eq!(log[0].fault, Some(FaultKind::Scripted));
    assert_eq!(log[1].fault, None);
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
    assert!(
        log.iter()
            .all(|r| r.method == "POST" && r.path.ends_with("/invite"))
    );
    // The same bytes were sent twice, and they are the invite's body.
    let request = ToRequest::to_request(&invite).expect("the invite is valid");
    let sent = request.body().expect("an invite has a body");
    assert!(!log[0].body.is_empty());
    assert_eq!(log[0].body.as_bytes(), sent);
    assert_eq!(log[1].body.as_bytes(), sent);
    assert!(
        log[0].body.contains(seed::EXTERNAL_EMAIL),
        "{}",
        log[0].body
    );
    // One logical request: one client-request-id, the one the response reports.
    let id = Some(response.client_request_id.as_str());
    assert_eq!(client_request_ids(&log), [id, id]);
    // The retry is authenticated like the first attempt.
    let bearer = format!("Bearer {}", seed::ACCESS_TOKEN);
    assert!(
        log.iter()
            .all(|r| r.header("authorization") == Some(bearer.as_str()))
    );
    // The request-id returned is the successful attempt's.
    assert_eq!(
        response.request_id.as_deref(),
        Some(log[1].request_id.as_str())
    );
    // The throttled attempt did not run: exactly one new direct grant.
    let stored = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    let external = stored
        .iter()
        .filter(|p| p["invitation"]["email"] == seed::EXTERNAL_EMAIL)
        .count();
    assert_eq!(external, 1, "{stored:#?}");
}

/// Each retryable status (429, 503, 504) in a row uses up one retry; the
/// fourth attempt succeeds and `Retry-Attempt` counts 1, 2, 3. A GET is
/// retried without a body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_retryable_status_is_retried_up_to_the_limit() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    emu.inject_next(429, None);
    emu.inject_next(503, None);
    emu.inject_next(504, None);

    let response = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("succeeds on the fourth attempt");

    assert_eq!((response.status, response.attempts), (200, 4));
    assert_q3_listing(&response.value.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 503, 504, 200]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2), Some(3)]);
    assert!(log.iter().all(|r| r.method == "GET" && r.body.is_empty()));
}

/// 503 without `Retry-After`: the client backs off from the base delay, then
/// succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_retry_after_backs_off_then_succeeds() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    emu.inject_next(503, None);

    let response = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("succeeds after one retry");

    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 200]);
    assert!(log[0].fault == Some(FaultKind::Scripted));
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
}

/// Without `Retry-After` the client waits the backoff, and counts it: the
/// default 3 s base is more than a 1 s total cap allows, so nothing is
/// retried (a client that retried at once would succeed here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_retry_after_counts_the_backoff_against_the_total_cap() {
    let policy = RetryPolicy::builder()
        .max_total_delay(Duration::from_secs(1))
        .build()
        .expect("1 s is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;
    emu.inject_next(503, None);

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("a 3 s backoff does not fit in 1 s");

    assert_eq!((err.status(), err.attempts()), (Some(503), Some(1)));
    assert_eq!(statuses(&graph_requests(&emu)), [503]);
}

/// The retry waits as long as `Retry-After` asks. The emulator's rate limit
/// (one request, then one more every 500 ms) answers 429 with the wait left
/// and answers 429 again to a retry that comes back sooner. With one retry
/// allowed and a 10 ms backoff, a throttled request succeeds only if the
/// client waited the header's time rather than its backoff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_waits_as_long_as_retry_after_asks() {
    let policy = quick_retries_builder()
        .max_retries(1)
        .build()
        .expect("1 is under the limit");
    let (emu, client) = Setup::new()
        .rate_limit(RateLimit::per_second(2).burst(1))
        .retry_policy(policy)
        .start()
        .await;

    // The second request back to back meets an empty bucket; more are sent
    // only if the machine is so slow that the bucket refilled in between.
    let mut retried = None;
    for _ in 0..10 {
        let response = client
            .execute(&q3().list_permissions(None))
            .await
            .expect("a throttled request succeeds once it waited");
        assert_q3_listing(&response.value.value);
        if response.attempts > 1 {
            retried = Some(response);
            break;
        }
    }
    let retried = retried.expect("back-to-back requests were throttled");

    assert_eq!(retried.attempts, 2);
    let log = graph_requests(&emu);
    let throttled = log
        .iter()
        .position(|r| r.status == 429)
        .expect("one answer was a 429");
    let tail = &log[throttled..];
    assert_eq!(tail[0].fault, Some(FaultKind::RateLimited));
    assert_eq!(statuses(tail), [429, 200]);
    assert_eq!(retry_attempts(tail), [None, Some(1)]);
    let id = Some(retried.client_request_id.as_str());
    assert_eq!(client_request_ids(tail), [id, id]);
}

/// A `Retry-After` shorter than the backoff is used instead of it: with the
/// default 3 s base and a 1 s total cap, only a client that reads the
/// header's `0` retries at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_used_instead_of_the_backoff() {
    let policy = RetryPolicy::builder()
        .max_total_delay(Duration::from_secs(1))
        .build()
        .expect("1 s is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;
    emu.inject_next(429, Some("0"));

    let response = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("succeeds after one retry");

    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 200]);
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
}

/// An HTTP date in `Retry-After` is resolved against the current time: one
/// in the past retries at once (a 3 s backoff would not fit the 1 s total
/// cap), one in 2100 is beyond the single-wait cap and is not waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_dates_are_resolved_against_the_current_time() {
    let policy = RetryPolicy::builder()
        .max_total_delay(Duration::from_secs(1))
        .build()
        .expect("1 s is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;

    emu.inject_next(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    let response = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("a past date retries at once");
    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value.value);

    emu.clear_requests();
    let far = "Fri, 01 Jan 2100 00:00:00 GMT";
    emu.inject_next(503, Some(far));
    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("a date in 2100 is too far");
    assert_eq!((err.status(), err.attempts()), (Some(503), Some(1)));
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.retry_after(), Some(far));
    assert_eq!(statuses(&graph_requests(&emu)), [503]);
}

/// Four 503s against the default three retries: the fourth answer is the
/// error, with everything support needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_return_the_last_error() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    assert_eq!(client.retry_policy().max_retries(), 3);
    for _ in 0..4 {
        emu.inject_next(503, None);
    }

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("every attempt fails");

    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 503, 503, 503]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2), Some(3)]);
    assert_eq!(emu.pending_injections(), 0);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), Some(4));
    assert!(err.is_retryable());
    assert_eq!(err.code(), Some("serviceNotAvailable"));
    // The request-id is the last attempt's, as the emulator logged it.
    assert_eq!(err.request_id(), Some(log[3].request_id.as_str()));
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.status(), 503);
    assert_eq!(graph.attempts(), 4);
    let client_request_id = graph.client_request_id().expect("client-request-id kept");
    assert!(
        log.iter()
            .all(|r| r.header("client-request-id") == Some(client_request_id))
    );
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
}

/// A policy allowing one retry sends twice and leaves the third scripted
/// failure unused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lowered_max_retries_is_the_limit() {
    let policy = quick_retries_builder()
        .max_retries(1)
        .build()
        .expect("1 is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;
    for _ in 0..3 {
        emu.inject_next(503, None);
    }

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("both attempts fail");

    assert_eq!((err.status(), err.attempts()), (Some(503), Some(2)));
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 503]);
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
    assert_eq!(emu.pending_injections(), 1);
}

/// A `Retry-After` beyond the policy's single-delay cap stops at once rather
/// than retrying early, and the error keeps the header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_beyond_the_cap_is_not_waited_for() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    emu.inject_next(429, Some("600"));

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("the wait is too long");

    assert_eq!(err.status(), Some(429));
    assert_eq!(err.attempts(), Some(1));
    assert!(err.is_retryable());
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.retry_after(), Some("600"));
    assert_eq!(graph.code(), Some("TooManyRequests"));
    assert_eq!(graph_requests(&emu).len(), 1);
}

/// A lowered single-delay cap is the client's limit too: 200 ms is more than
/// 100 ms, so the first answer is the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_beyond_a_lowered_cap_is_not_waited_for() {
    let policy = quick_retries_builder()
        .max_delay(Duration::from_millis(100))
        .build()
        .expect("100 ms is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;
    emu.inject_next(503, Some("0.2"));

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("the wait is too long");

    assert_eq!((err.status(), err.attempts()), (Some(503), Some(1)));
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.retry_after(), Some("0.2"));
    assert_eq!(statuses(&graph_requests(&emu)), [503]);
}

/// The waits of one request add up against the total cap: two waits of
/// 50 ms fit in 120 ms, a third would not, so the third answer is the error
/// and the fourth scripted failure is never used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_stops_at_the_total_cap() {
    let policy = quick_retries_builder()
        .max_total_delay(Duration::from_millis(120))
        .build()
        .expect("120 ms is under the limit");
    let (emu, client) = Setup::new().retry_policy(policy).start().await;
    for _ in 0..4 {
        emu.inject_next(429, Some("0.05"));
    }

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("the third wait would pass the cap");

    assert_eq!((err.status(), err.attempts()), (Some(429), Some(3)));
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 429, 429]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2)]);
    assert_eq!(emu.pending_injections(), 1);
}

/// 500, 502 and 400 are final: one attempt, the error as Graph sent it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_retryable_statuses_are_sent_once() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    for (status, code) in [
        (500, "generalException"),
        (502, "BadGateway"),
        (400, "invalidRequest"),
    ] {
        emu.clear_requests();
        // Retry-After: 0 would make a wrong retry immediate and succeed.
        emu.inject_next(status, Some("0"));

        let err = client
            .send(&q3().list_permissions(None))
            .await
            .expect_err("not retried");

        assert_eq!(err.status(), Some(status));
        assert_eq!(err.code(), Some(code), "{status}");
        assert_eq!(err.attempts(), Some(1), "{status}");
        assert!(!err.is_retryable(), "{status}");
        assert!(matches!(err, Error::Graph(_)), "{status}: {err:?}");
        let log = graph_requests(&emu);
        assert_eq!(statuses(&log), [status]);
        assert_eq!(retry_attempts(&log), [None]);
        assert_eq!(err.request_id(), Some(log[0].request_id.as_str()));
    }
}

/// With retries disabled a 429 is returned as is, after one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_policy_sends_once() {
    let (emu, client) = Setup::new()
        .retry_policy(RetryPolicy::disabled())
        .start()
        .await;
    emu.inject_next(429, Some("0"));

    let err = client
        .send(&q3().list_permissions(None))
        .await
        .expect_err("not retried");

    assert_eq!(err.status(), Some(429));
    assert_eq!(err.attempts(), Some(1));
    // Retryable in principle; this client just does not retry.
    assert!(err.is_retryable());
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429]);
    assert_eq!(retry_attempts(&log), [None]);

    // The next request is untouched by the previous failure.
    let page = client
        .send(&q3().list_permissions(None))
        .await
        .expect("no injection left");
    assert_q3_listing(&page.value);
}

/// One logical request keeps one `client-request-id` across its retries; the
/// next logical request gets a new one. Both are UUIDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_request_id_is_stable_across_retries_and_new_per_request() {
    let (emu, client) = Setup::new().retry_policy(quick_retries()).start().await;
    emu.inject_next(503, None);
    emu.inject_next(429, Some("0"));

    let first = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("succeeds on the third attempt");
    let second = client
        .execute(&q3().list_permissions(None))
        .await
        .expect("succeeds at once");

    assert_eq!((first.attempts, second.attempts), (3, 1));
    assert!(
        is_uuid(&first.client_request_id),
        "{}",
        first.client_request_id
    );
    assert!(
        is_uuid(&second.client_request_id),
        "{}",
        second.client_request_id
    );
    assert_ne!(first.client_request_id, second.client_request_id);

    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 429, 200, 200]);
    let (a, b) = (
        Some(first.client_request_id.as_str()),
        Some(second.client_request_id.as_str()),
    );
    assert_eq!(client_request_ids(&log), [a, a, a, b]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2), None]);
    // Each attempt still gets its own server request-id.
    assert_ne!(log[0].request_id, log[1].request_id);
}
