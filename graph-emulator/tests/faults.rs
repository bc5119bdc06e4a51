//! Fault injection: determinism under the seed, statuses, Retry-After,
//! rate limiting, scripted answers, and that faults never change state.

mod common;

use std::time::{Duration, Instant};

use common::{Client, item_path};
use graph_emulator::{Emulator, FaultKind, Faults, RateLimit, seed};
use serde_json::json;

fn list_path() -> String {
    format!(
        "{}/permissions",
        item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
    )
}

async fn statuses(seed_value: u64, n: usize) -> Vec<u16> {
    let emu = Emulator::builder()
        .seed(seed_value)
        .faults(Faults::new().failure_rate(0.5).retry_after_secs(0.01))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(c.get(&list_path()).await.status);
    }
    out
}

#[tokio::test]
async fn random_faults_are_deterministic_under_the_seed() {
    let a = statuses(7, 30).await;
    assert_eq!(a, statuses(7, 30).await);
    assert!(a.contains(&200));
    assert!(a.iter().any(|s| *s != 200));
    assert!(
        a.iter().all(|s| [200, 429, 500, 502, 503, 504].contains(s)),
        "{a:?}"
    );
    assert_ne!(a, statuses(8, 30).await);
}

#[tokio::test]
async fn retry_after_is_whole_seconds_unless_the_test_knob_asks_for_fractions() {
    for (given, sent) in [(0.25, "1"), (1.5, "2"), (3.0, "3")] {
        let emu = Emulator::builder()
            .faults(
                Faults::new()
                    .failure_rate(1.0)
                    .statuses("GET", &[429])
                    .retry_after_secs(given),
            )
            .start()
            .await
            .unwrap();
        let resp = Client::new(&emu).get(&list_path()).await;
        assert_eq!(resp.status, 429);
        assert_eq!(resp.header("retry-after"), Some(sent), "{given}");
    }
    // The rate limiter's own 429: a wait of about a third of a second is announced as 1 s.
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(3).burst(1))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    assert_eq!(c.get(&list_path()).await.status, 200);
    let throttled = c.get(&list_path()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("1"));
}

#[tokio::test]
async fn random_faults_use_graph_bodies_and_retry_after() {
    let emu = Emulator::builder()
        .faults(
            Faults::new()
                .failure_rate(1.0)
                .statuses("GET", &[429])
                .statuses("POST", &[503])
                .retry_after_secs(0.25)
                .sub_second_retry_after(),
        )
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let resp = c.get(&list_path()).await;
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("0.25"));
    let json = resp.json();
    assert_eq!(json["error"]["code"], "TooManyRequests");
    assert!(json["error"]["innerError"]["request-id"].as_str().is_some());
    let resp = c
        .post(
            &format!("{}/invite", item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)),
            &json!({
                "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"]
            }),
        )
        .await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("retry-after"), Some("0.25"));
    // A failed invite granted nothing.
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
    let log = emu.requests();
    assert!(log.iter().all(|l| l.fault == Some(FaultKind::Random)));
}

#[tokio::test]
async fn writes_can_fail_with_507_and_reads_never_do() {
    let faults = Faults::new();
    assert!(faults.statuses_for("POST").contains(&507));
    assert!(faults.statuses_for("DELETE").contains(&507));
    assert!(!faults.statuses_for("GET").contains(&507));
    assert!(!faults.statuses_for("PATCH").contains(&507));
    let emu = Emulator::builder()
        .faults(Faults::new().failure_rate(1.0).statuses("DELETE", &[507]))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let path = format!(
        "/me/drive/items/{}/permissions/{}",
        seed::ME_DOCUMENTS_ID,
        seed::ME_DOCUMENTS_GRANT_ID
    );
    let resp = c.delete(&path).await;
    assert_eq!(resp.status, 507);
    assert!(resp.header("retry-after").is_none());
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID)
            .len(),
        1
    );
}

#[tokio::test]
async fn inject_next_scripts_answers_in_order_then_runs_normally() {
    let emu = common::start().await;
    let c = Client::new(&emu);
    emu.inject_next(429, Some("2.128"));
    emu.inject_next(503, Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    emu.inject_next(500, None);
    let invite = format!("{}/invite", item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID));
    let body = json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"], "requireSignIn": true });
    let first = c.post(&invite, &body).await;
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("2.128"));
    assert_eq!(first.code(), "TooManyRequests");
    let second = c.post(&invite, &body).await;
    assert_eq!(second.status, 503);
    assert_eq!(
        second.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let third = c.post(&invite, &body).await;
    assert_eq!(third.status, 500);
    assert!(third.header("retry-after").is_none());
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
    assert_eq!(c.post(&invite, &body).await.status, 200);
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 2);
    assert_eq!(emu.pending_injections(), 0);
    let faults: Vec<_> = emu.requests().iter().map(|l| l.fault).collect();
    assert_eq!(
        faults,
        vec![
            Some(FaultKind::Scripted),
            Some(FaultKind::Scripted),
            Some(FaultKind::Scripted),
            None
        ]
    );
}

#[tokio::test]
async fn rate_limit_headers_429_and_penalty_until_retry_after() {
    // One token a second: the fourth request is throttled, and the one after
    // it throttled again, unless a second passes in between, which loopback
    // never takes.
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(1).burst(3))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let first = c.get(&list_path()).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("ratelimit-limit"), Some("3"));
    assert_eq!(first.header("ratelimit-remaining"), Some("2"));
    assert!(first.header("ratelimit-reset").is_some());
    assert_eq!(c.get(&list_path()).await.status, 200);
    assert_eq!(c.get(&list_path()).await.status, 200);
    let throttled = c.get(&list_path()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("ratelimit-remaining"), Some("0"));
    assert_eq!(throttled.code(), "activityLimitReached");
    assert_eq!(
        throttled.json()["error"]["innerError"]["code"],
        "throttledRequest"
    );
    let retry: f64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0.0 && retry <= 1.0, "{retry}");
    // Coming back before Retry-After has passed is throttled again.
    let again = c.get(&list_path()).await;
    assert_eq!(again.status, 429);
    // Another client has its own bucket.
    let other = common::token_request(&emu, seed::TENANT_ID, &common::good_form())
        .await
        .json();
    let app = Client::with_token(&emu, other["access_token"].as_str());
    assert_eq!(app.get(&list_path()).await.status, 200);
    tokio::time::sleep(Duration::from_secs_f64(retry + 0.05)).await;
    assert_eq!(c.get(&list_path()).await.status, 200);
    let kinds: Vec<_> = emu
        .requests()
        .iter()
        .filter(|l| l.fault_injected())
        .map(|l| l.fault)
        .collect();
    assert_eq!(kinds, vec![Some(FaultKind::RateLimited); 2]);
}

#[tokio::test]
async fn latency_is_drawn_within_the_range() {
    let emu = Emulator::builder()
        .faults(Faults::new().latency(Duration::from_millis(40), Duration::from_millis(60)))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let started = Instant::now();
    assert_eq!(c.get(&list_path()).await.status, 200);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(40), "{took:?}");
}

#[tokio::test]
async fn retry_attempt_and_other_headers_are_logged() {
    let emu = common::start().await;
    let mut c = Client::new(&emu);
    c.extra.push(("Retry-Attempt".into(), "2".into()));
    c.extra.push(("client-request-id".into(), "abc".into()));
    let resp = c.get(&format!("{}?$top=5", list_path())).await;
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    let entry = &log[0];
    assert_eq!(entry.method, "GET");
    assert_eq!(entry.path, format!("/v1.0{}", list_path()));
    assert_eq!(entry.query, "$top=5");
    assert_eq!(entry.retry_attempt(), Some(2));
    assert_eq!(entry.header("Client-Request-Id"), Some("abc"));
    assert!(
        entry
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))
    );
    assert_eq!(entry.status, 200);
    assert!(!entry.fault_injected());
    assert_eq!(Some(entry.request_id.as_str()), resp.header("request-id"));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}
