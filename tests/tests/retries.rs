//! Retries end to end over loopback HTTP against the emulator: 429/503/504 are
//! retried honouring `Retry-After` in each of its forms (whole seconds, a
//! fraction, an HTTP date in the future or the past), backoff is used when the
//! header is missing, retries carry `Retry-Attempt: n` (the first attempt none)
//! and replay the same body under the same `client-request-id`; exhausted
//! retries, non-retryable statuses and a disabled policy each end with the
//! error Graph sent, after exactly the attempts the policy allows.
//!
//! Answers are scripted with `EmulatorHandle::inject_next`, so every test is
//! deterministic; waits are asserted from below only (with a generous upper
//! bound where an early retry is the point).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use graph_core::auth::StaticToken;
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
use graph_core::retry::RetryPolicy;
use graph_core::{Client, Error};
use graph_emulator::{Emulator, EmulatorHandle, FaultKind, LoggedRequest, RequestKind, seed};

/// How much earlier than requested a retry may start, for timer granularity
/// and the gap between `SystemTime` and `Instant`.
const TOLERANCE: Duration = Duration::from_millis(50);

/// No test here should come anywhere near this; only a hang or a wildly
/// wrong delay would.
const GENEROUS: Duration = Duration::from_secs(10);

async fn emulator() -> EmulatorHandle {
    Emulator::start().await.expect("emulator starts")
}

fn client(emu: &EmulatorHandle, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(emu.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

/// The default policy with a 10 ms backoff base, so missing `Retry-After`
/// headers cost milliseconds.
fn fast() -> RetryPolicy {
    RetryPolicy::builder()
        .base_delay(Duration::from_millis(10))
        .build()
        .expect("a valid policy")
}

/// Graph requests in the log (the token endpoint is never involved here, but
/// be explicit).
fn graph_requests(emu: &EmulatorHandle) -> Vec<LoggedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Graph)
        .collect()
}

fn retry_attempts(log: &[LoggedRequest]) -> Vec<Option<u32>> {
    log.iter().map(LoggedRequest::retry_attempt).collect()
}

fn statuses(log: &[LoggedRequest]) -> Vec<u16> {
    log.iter().map(|r| r.status).collect()
}

fn q3_permissions()
-> graph_core::drive::Located<graph_core::odata::Collection<graph_core::drive::Permission>> {
    ItemLocator::me(seed::ME_Q3_ID).list_permissions(None)
}

/// Asserts the one permission Q3 has in the default tenant: Adele's inherited grant.
fn assert_q3_listing(page: &graph_core::odata::Collection<graph_core::drive::Permission>) {
    let ids: Vec<_> = page.value.iter().map(|p| p.id.as_deref()).collect();
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

/// Formats `t` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), by hand
/// because `httpdate` is not a dependency of this crate.
fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let weekday = DAYS[(days % 7) as usize];
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        MONTHS[(month - 1) as usize],
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[test]
fn http_date_helper_formats_imf_fixdate() {
    // The value graph-core's own docs use: 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
    let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(http_date(t), "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    // A leap day.
    let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
    assert_eq!(http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
}

/// 429 `Retry-After: 1` on an invite: the client waits a second, retries once
/// with `Retry-Attempt: 1`, the same body and the same `client-request-id`,
/// and returns the granted permission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_whole_seconds_is_honoured_and_the_invite_body_replayed() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(429, Some("1"));

    let invite = ItemLocator::me(seed::ME_Q3_ID).invite(
        InviteBody::new([DriveRecipient::email(seed::EXTERNAL_EMAIL)])
            .with_roles([Role::Write])
            .with_message("Retried, not duplicated."),
    );
    let started = Instant::now();
    let response = client
        .execute(&invite)
        .await
        .expect("succeeds after one retry");
    let elapsed = started.elapsed();

    assert!(
        elapsed >= Duration::from_secs(1) - TOLERANCE,
        "waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");
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
    // The same bytes were sent twice, and they are the invite.
    assert!(!log[0].body.is_empty());
    assert_eq!(log[0].body, log[1].body);
    assert!(
        log[0].body.contains(seed::EXTERNAL_EMAIL),
        "{}",
        log[0].body
    );
    // One logical request: one client-request-id, the one the response reports.
    assert_eq!(
        log[0].header("client-request-id"),
        Some(response.client_request_id.as_str())
    );
    assert_eq!(
        log[1].header("client-request-id"),
        Some(response.client_request_id.as_str())
    );
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

/// 429 `Retry-After: 0.2`: a fractional value is honoured (the 10 ms backoff
/// would be far shorter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_fractional_seconds_is_honoured() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(429, Some("0.2"));

    let started = Instant::now();
    let response = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds after one retry");
    let elapsed = started.elapsed();

    assert!(
        elapsed >= Duration::from_millis(200) - TOLERANCE,
        "waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");
    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 200]);
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
    assert!(log.iter().all(|r| r.method == "GET" && r.body.is_empty()));
}

/// 503 with `Retry-After` as an HTTP date about a second ahead: the retry
/// waits until that instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_future_http_date_is_honoured() {
    let emu = emulator().await;
    let client = client(&emu, fast());

    let now = SystemTime::now();
    // The first whole second at least 300 ms from now: HTTP dates have
    // one-second resolution, so this is 0.3–1.3 s ahead.
    let target_secs = (now + Duration::from_millis(300))
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 1;
    let target = UNIX_EPOCH + Duration::from_secs(target_secs);
    let requested = target.duration_since(now).expect("target is ahead");
    let date = http_date(target);
    emu.inject_next(503, Some(&date));

    let started = Instant::now();
    let response = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds after one retry");
    let elapsed = started.elapsed();

    assert!(
        elapsed >= requested.saturating_sub(TOLERANCE),
        "Retry-After `{date}` asked for {requested:?}, waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");
    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 200]);
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
    // The retry arrived no earlier than the date (log times are wall-clock).
    assert!(
        log[1].received_at + TOLERANCE >= target,
        "retry arrived {:?} before the Retry-After date",
        target
            .duration_since(log[1].received_at)
            .unwrap_or_default()
    );
}

/// A `Retry-After` date in the past means "retry now": with the default 3 s
/// backoff base, ignoring the header would take at least 3 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_past_http_date_retries_at_once() {
    let emu = emulator().await;
    let client = client(&emu, RetryPolicy::new());
    emu.inject_next(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"));

    let started = Instant::now();
    let response = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds after one retry");
    let elapsed = started.elapsed();

    assert!(
        elapsed < Duration::from_secs(2),
        "a past date should retry at once, waited {elapsed:?}"
    );
    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value);
    assert_eq!(retry_attempts(&graph_requests(&emu)), [None, Some(1)]);
}

/// 503 without `Retry-After`: exponential backoff from the base delay, then success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_retry_after_backs_off_then_succeeds() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(503, None);

    let started = Instant::now();
    let response = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds after one retry");
    let elapsed = started.elapsed();

    // Backoff before retry 1 is base · (1 + jitter) ≥ 10 ms.
    assert!(
        elapsed >= Duration::from_millis(10),
        "no backoff: {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");
    assert_eq!((response.status, response.attempts), (200, 2));
    assert_q3_listing(&response.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [503, 200]);
    assert!(log[0].fault == Some(FaultKind::Scripted));
    assert_eq!(retry_attempts(&log), [None, Some(1)]);
}

/// Each retryable status (429, 503, 504) in a row uses up one retry; the
/// fourth attempt succeeds and `Retry-Attempt` counts 1, 2, 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_retryable_status_is_retried_up_to_the_limit() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(429, None);
    emu.inject_next(503, None);
    emu.inject_next(504, None);

    let started = Instant::now();
    let response = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds on the fourth attempt");
    let elapsed = started.elapsed();

    // Backoff 10·(1+j), 20·(1+j), 40·(1+j) ms: at least 70 ms in all.
    assert!(
        elapsed >= Duration::from_millis(70),
        "backoff too short: {elapsed:?}"
    );
    assert_eq!((response.status, response.attempts), (200, 4));
    assert_q3_listing(&response.value);
    let log = graph_requests(&emu);
    assert_eq!(statuses(&log), [429, 503, 504, 200]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2), Some(3)]);
}

/// Four 503s against the default three retries: the fourth answer is the
/// error, with everything support needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_return_the_last_error() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    assert_eq!(client.retry_policy().max_retries(), 3);
    for _ in 0..4 {
        emu.inject_next(503, None);
    }

    let err = client
        .send(&q3_permissions())
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
    assert_eq!(graph.status, 503);
    assert_eq!(graph.attempts, 4);
    let client_request_id = graph
        .client_request_id
        .as_deref()
        .expect("client-request-id kept");
    assert!(
        log.iter()
            .all(|r| r.header("client-request-id") == Some(client_request_id))
    );
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
}

/// A `Retry-After` beyond the policy's single-delay cap stops at once rather
/// than retrying early, and the error keeps the header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_beyond_the_cap_is_not_waited_for() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(429, Some("600"));

    let started = Instant::now();
    let err = client
        .send(&q3_permissions())
        .await
        .expect_err("the wait is too long");
    assert!(started.elapsed() < GENEROUS);

    assert_eq!(err.status(), Some(429));
    assert_eq!(err.attempts(), Some(1));
    assert!(err.is_retryable());
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.retry_after.as_deref(), Some("600"));
    assert_eq!(graph.code(), Some("TooManyRequests"));
    assert_eq!(graph_requests(&emu).len(), 1);
}

/// 500, 502 and 400 are final: one attempt, the error as Graph sent it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_retryable_statuses_are_sent_once() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    for (status, code) in [
        (500, "generalException"),
        (502, "BadGateway"),
        (400, "invalidRequest"),
    ] {
        emu.clear_requests();
        // Retry-After: 0 would make a wrong retry immediate and succeed.
        emu.inject_next(status, Some("0"));

        let err = client
            .send(&q3_permissions())
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
    let emu = emulator().await;
    let client = client(&emu, RetryPolicy::disabled());
    emu.inject_next(429, Some("0"));

    let err = client
        .send(&q3_permissions())
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
        .send(&q3_permissions())
        .await
        .expect("no injection left");
    assert_q3_listing(&page);
}

/// One logical request keeps one `client-request-id` across its retries; the
/// next logical request gets a new one. Both are UUIDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_request_id_is_stable_across_retries_and_new_per_request() {
    let emu = emulator().await;
    let client = client(&emu, fast());
    emu.inject_next(503, None);
    emu.inject_next(429, Some("0"));

    let first = client
        .execute(&q3_permissions())
        .await
        .expect("succeeds on the third attempt");
    let second = client
        .execute(&q3_permissions())
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
    let ids: Vec<_> = log.iter().map(|r| r.header("client-request-id")).collect();
    let (a, b) = (
        Some(first.client_request_id.as_str()),
        Some(second.client_request_id.as_str()),
    );
    assert_eq!(ids, [a, a, a, b]);
    assert_eq!(retry_attempts(&log), [None, Some(1), Some(2), None]);
    // Each attempt still gets its own server request-id.
    assert_ne!(log[0].request_id, log[1].request_id);
}
