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
async fn rate_limit_429_and_penalty_until_retry_after() {
    // One token a second: the fourth request is throttled, and the one after
    // it throttled again, unless a second passes in between, which loopback
    // never takes. The client is a user (a delegated token): SharePoint sends
    // no RateLimit headers to delegated calls, throttled or not.
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(1).burst(3))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let first = c.get(&list_path()).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("ratelimit-limit"), None);
    assert_eq!(c.get(&list_path()).await.status, 200);
    assert_eq!(c.get(&list_path()).await.status, 200);
    let throttled = c.get(&list_path()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("ratelimit-remaining"), None);
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
async fn rate_limit_headers_go_to_app_only_tokens_once_80_percent_is_spent() {
    // Ten tokens, refilled one a second: the few milliseconds loopback
    // takes refill a hair, so the 80% line is crossed at the eighth request
    // or the ninth.
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(1).burst(10))
        .start()
        .await
        .unwrap();
    let token = common::token_request(&emu, seed::TENANT_ID, &common::good_form())
        .await
        .json();
    let app = Client::with_token(&emu, token["access_token"].as_str());
    // 1 to 7 of 10 spent: below 80%.
    for _ in 0..7 {
        let answer = app.get(&list_path()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("ratelimit-limit"), None);
    }
    app.get(&list_path()).await;
    // 9 of 10: past 80%.
    let near = app.get(&list_path()).await;
    assert_eq!(near.header("ratelimit-limit"), Some("10"));
    assert_eq!(near.header("ratelimit-remaining"), Some("1"));
    // Whole seconds until the bucket is full again: 9 tokens at 1 a second.
    assert_eq!(near.header("ratelimit-reset"), Some("9"));
    let last = app.get(&list_path()).await;
    assert_eq!(last.status, 200);
    assert_eq!(last.header("ratelimit-remaining"), Some("0"));
    let throttled = app.get(&list_path()).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("ratelimit-remaining"), Some("0"));
    assert!(throttled.header("retry-after").is_some());
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

/// Sends an invitation of Lee to Q3 straight over HTTP, with a timeout;
/// `Err` when no whole answer came back.
async fn raw_invite(
    emu: &graph_emulator::EmulatorHandle,
    timeout: Duration,
) -> Result<u16, reqwest::Error> {
    let url = format!(
        "{}{}/invite",
        emu.base_url(),
        item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
    );
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let answer = http
        .post(url)
        .bearer_auth(seed::ACCESS_TOKEN)
        .header("Content-Type", "application/json")
        .body(
            json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"] }).to_string(),
        )
        .send()
        .await?;
    let status = answer.status().as_u16();
    answer.bytes().await?;
    Ok(status)
}

fn lee_granted(emu: &graph_emulator::EmulatorHandle) -> bool {
    emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
        .iter()
        .any(|p| p["invitation"]["email"] == seed::LEE_EMAIL)
}

#[tokio::test]
async fn a_reset_before_read_never_runs_and_a_reset_after_run_keeps_its_changes() {
    let emu = Emulator::builder()
        .faults(Faults::new().resets(1.0, 0.0))
        .start()
        .await
        .unwrap();
    let sent = raw_invite(&emu, Duration::from_secs(30)).await;
    assert!(sent.is_err(), "no answer: {sent:?}");
    assert!(!lee_granted(&emu), "it never ran");
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].status, log[0].fault),
        (0, Some(FaultKind::ResetBeforeRead))
    );

    let emu = Emulator::builder()
        .faults(Faults::new().resets(0.0, 1.0))
        .start()
        .await
        .unwrap();
    let sent = raw_invite(&emu, Duration::from_secs(30)).await;
    assert!(sent.is_err(), "no answer: {sent:?}");
    assert!(
        lee_granted(&emu),
        "it ran before the connection was dropped"
    );
    let log = emu.requests();
    assert_eq!(
        (log[0].status, log[0].fault),
        (200, Some(FaultKind::ResetAfterRun))
    );
}

#[tokio::test]
async fn a_hung_answer_outlasts_the_client_s_timeout_after_the_request_ran() {
    let emu = Emulator::builder()
        .faults(Faults::new().hangs(1.0, Duration::from_secs(5)))
        .start()
        .await
        .unwrap();
    let sent = raw_invite(&emu, Duration::from_millis(300)).await;
    assert!(
        sent.as_ref().is_err_and(reqwest::Error::is_timeout),
        "{sent:?}"
    );
    assert!(lee_granted(&emu));
    let log = emu.requests();
    assert_eq!((log[0].status, log[0].fault), (200, Some(FaultKind::Hung)));
}

#[tokio::test]
async fn a_poisoned_batch_reply_spoils_only_the_status_after_the_request_ran() {
    let emu = Emulator::builder()
        .seed(4)
        .faults(Faults::new().poisoned_replies(1.0))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let requests: Vec<_> = (1..=6)
        .map(|n| {
            json!({
                "id": n.to_string(),
                "method": "GET",
                "url": format!("/me/drive/items/{}/permissions", seed::ME_Q3_ID),
            })
        })
        .collect();
    let reply = c.post("/$batch", &json!({ "requests": requests })).await;
    assert_eq!(reply.status, 200);
    let responses = reply.json()["responses"].as_array().unwrap().clone();
    assert_eq!(responses.len(), 6);
    for answer in &responses {
        assert!(answer["id"].is_string(), "the id stays: {answer}");
        assert!(
            answer["status"] == json!("200") || answer["status"] == json!(1000),
            "{answer}"
        );
        assert!(
            answer["body"]["value"].is_array(),
            "the request ran: {answer}"
        );
    }
    let inner: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.is_batch_inner())
        .collect();
    assert_eq!(inner.len(), 6);
    assert!(
        inner
            .iter()
            .all(|r| (r.status, r.fault) == (200, Some(FaultKind::Poisoned)))
    );
}

#[tokio::test]
async fn a_poisoned_id_leaves_the_answer_without_a_usable_id_after_the_request_ran() {
    let emu = Emulator::builder()
        .seed(4)
        .faults(Faults::new().poisoned_ids(1.0))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let requests: Vec<_> = (1..=8)
        .map(|n| {
            json!({
                "id": n.to_string(),
                "method": "GET",
                "url": format!("/me/drive/items/{}/permissions", seed::ME_Q3_ID),
            })
        })
        .collect();
    let reply = c.post("/$batch", &json!({ "requests": requests })).await;
    assert_eq!(reply.status, 200);
    let responses = reply.json()["responses"].as_array().unwrap().clone();
    assert_eq!(responses.len(), 8);
    let (mut numbers, mut left_out) = (0, 0);
    for answer in &responses {
        match &answer["id"] {
            serde_json::Value::Number(_) => numbers += 1,
            serde_json::Value::Null => left_out += 1,
            other => panic!("a usable id {other}: {answer}"),
        }
        assert_eq!(answer["status"], json!(200), "the status stays: {answer}");
        assert!(
            answer["body"]["value"].is_array(),
            "the request ran: {answer}"
        );
    }
    assert!(numbers > 0 && left_out > 0, "{responses:?}");
    let inner: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.is_batch_inner())
        .collect();
    assert_eq!(inner.len(), 8);
    assert!(
        inner
            .iter()
            .all(|r| (r.status, r.fault) == (200, Some(FaultKind::Poisoned)))
    );
}

#[tokio::test]
async fn connection_faults_are_deterministic_under_the_seed_and_mark_a_batch_s_inner_requests() {
    async fn faults_seen(seed_value: u64) -> Vec<Option<FaultKind>> {
        let emu = Emulator::builder()
            .seed(seed_value)
            .faults(
                Faults::new()
                    .resets(0.2, 0.2)
                    .hangs(0.2, Duration::from_secs(5)),
            )
            .start()
            .await
            .unwrap();
        for _ in 0..20 {
            let _ = raw_invite(&emu, Duration::from_millis(300)).await;
        }
        emu.requests().iter().map(|r| r.fault).collect()
    }
    let first = faults_seen(11).await;
    assert_eq!(first, faults_seen(11).await);
    for kind in [
        FaultKind::ResetBeforeRead,
        FaultKind::ResetAfterRun,
        FaultKind::Hung,
    ] {
        assert!(first.contains(&Some(kind)), "{kind:?}: {first:?}");
    }
    assert!(first.contains(&None));

    // A batch reset after it ran: its inner requests ran, and say so.
    let emu = Emulator::builder()
        .faults(Faults::new().resets(0.0, 1.0))
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let sent = http
        .post(format!("{}/$batch", emu.base_url()))
        .bearer_auth(seed::ACCESS_TOKEN)
        .header("Content-Type", "application/json")
        .body(
            json!({ "requests": [{
                "id": "1", "method": "POST",
                "url": format!("/me/drive/items/{}/invite", seed::ME_Q3_ID),
                "headers": { "Content-Type": "application/json" },
                "body": { "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"] }
            }]})
            .to_string(),
        )
        .send()
        .await;
    let answered = match sent {
        Ok(answer) => answer.bytes().await.is_ok(),
        Err(_) => false,
    };
    assert!(!answered);
    assert!(lee_granted(&emu));
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|r| (r.status, r.fault) == (200, Some(FaultKind::ResetAfterRun))),
        "{log:?}"
    );
}

#[tokio::test]
async fn in_a_batch_each_inner_answer_carries_its_own_rate_limit_headers_and_the_batch_none() {
    // Ten tokens: the inner requests are counted one by one, the `$batch`
    // itself not at all.
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(1).burst(10))
        .start()
        .await
        .unwrap();
    let token = common::token_request(&emu, seed::TENANT_ID, &common::good_form())
        .await
        .json();
    let app = Client::with_token(&emu, token["access_token"].as_str());
    let requests: Vec<_> = (1..=10)
        .map(|n| {
            json!({
                "id": n.to_string(),
                "method": "GET",
                "url": format!("/drives/{}/items/{}/permissions", seed::ME_DRIVE_ID, seed::ME_Q3_ID),
            })
        })
        .collect();
    let reply = app.post("/$batch", &json!({ "requests": requests })).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("ratelimit-limit"), None);
    let responses = reply.json()["responses"].as_array().unwrap().clone();
    let remaining: Vec<u64> = responses
        .iter()
        .filter_map(|answer| {
            let headers = answer["headers"].as_object()?;
            let (_, value) = headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("ratelimit-remaining"))?;
            value.as_str()?.parse().ok()
        })
        .collect();
    // The eighth or ninth inner request crosses 80% of the ten (loopback's
    // milliseconds refill a hair): two or three answers carry the headers,
    // the last with nothing left.
    assert!((2..=3).contains(&remaining.len()), "{responses:?}");
    assert_eq!(remaining.iter().min(), Some(&0), "{remaining:?}");
}
