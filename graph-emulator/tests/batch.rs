//! POST /$batch: limits, ids, dependsOn, Content-Type, throttled inner
//! requests, shuffling and logging.

mod common;

use common::{Client, start};
use graph_emulator::{Emulator, Injection, RateLimit, RequestKind, seed};
use serde_json::{Value, json};

fn invite(id: &str, item: &str, email: &str) -> Value {
    json!({
        "id": id,
        "method": "POST",
        "url": format!("/me/drive/items/{item}/invite"),
        "headers": { "Content-Type": "application/json" },
        "body": { "recipients": [{ "email": email }], "roles": ["read"], "requireSignIn": true },
    })
}

fn list(id: &str, item: &str) -> Value {
    json!({ "id": id, "method": "GET", "url": format!("/drives/{}/items/{item}/permissions", seed::ME_DRIVE_ID) })
}

fn by_id(resp: &Value) -> std::collections::HashMap<String, Value> {
    resp["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[tokio::test]
async fn runs_inner_requests_with_the_outer_authentication() {
    let emu = start().await;
    let c = Client::new(&emu);
    let body = json!({ "requests": [
        invite("1", seed::ME_Q3_ID, seed::LEE_EMAIL),
        list("2", seed::ME_PHOTO_ID),
        { "id": "3", "method": "GET", "url": "me/drive/items/nope/permissions" },
        { "id": "4", "method": "GET", "url": format!("/me/drive/root:/{}:/permissions?$top=1", seed::ME_Q3_PATH) },
    ]});
    let resp = c.post("/$batch", &body).await;
    assert_eq!(resp.status, 200);
    let json = resp.json();
    let r = by_id(&json);
    assert_eq!(r.len(), 4);
    assert_eq!(r["1"]["status"], 200);
    assert_eq!(
        r["1"]["body"]["value"][0]["invitation"]["email"],
        seed::LEE_EMAIL
    );
    assert!(
        r["1"]["headers"]["Content-Type"]
            .as_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(r["2"]["body"]["value"], json!([]));
    assert_eq!(r["3"]["status"], 404);
    assert_eq!(r["3"]["body"]["error"]["code"], "itemNotFound");
    assert!(
        r["4"]["body"]["@odata.nextLink"]
            .as_str()
            .unwrap()
            .starts_with(&emu.base_url())
    );
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 2);

    // Logged: the outer request first, then inner ones marked as such.
    let log = emu.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0].kind, RequestKind::Graph);
    assert_eq!(log[0].path, "/v1.0/$batch");
    assert_eq!(log[0].status, 200);
    assert_eq!(
        log[1].kind,
        RequestKind::BatchInner {
            batch_id: "1".into()
        }
    );
    assert_eq!(
        log[1].path,
        format!("/v1.0/me/drive/items/{}/invite", seed::ME_Q3_ID)
    );
    assert_eq!(log[1].header("content-type"), Some("application/json"));
    assert!(log[1..].iter().all(|l| l.is_batch_inner()));
    assert_eq!(log[3].status, 404);
    assert_eq!(log[4].query, "$top=1");

    // Without authentication, the batch itself is 401.
    let resp = Client::with_token(&emu, None).post("/$batch", &body).await;
    assert_eq!(resp.status, 401);
}

#[tokio::test]
async fn more_than_twenty_requests_is_400() {
    let emu = start().await;
    let c = Client::new(&emu);
    let twenty: Vec<Value> = (0..20)
        .map(|i| list(&i.to_string(), seed::ME_Q3_ID))
        .collect();
    assert_eq!(
        c.post("/$batch", &json!({ "requests": twenty }))
            .await
            .status,
        200
    );
    let mut many = twenty.clone();
    many.push(invite("20", seed::ME_Q3_ID, seed::LEE_EMAIL));
    let resp = c.post("/$batch", &json!({ "requests": many })).await;
    assert_eq!(resp.status, 400);
    assert!(resp.json()["error"]["code"].as_str().is_some());
    // Nothing ran.
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
}

#[tokio::test]
async fn malformed_batches_are_400() {
    let emu = start().await;
    let c = Client::new(&emu);
    let cases = [
        json!({ "requests": [list("a", seed::ME_Q3_ID), list("A", seed::ME_Q4_ID)] }),
        json!({ "requests": [] }),
        json!({ "value": [] }),
        json!({ "requests": [{ "id": "1", "url": "/me/drive/items/x/permissions" }] }),
        json!({ "requests": [{ "id": "1", "method": "GET" }] }),
        json!({ "requests": [{ "method": "GET", "url": "/me" }] }),
        json!({ "requests": [list("1", seed::ME_Q3_ID), { "id": "2", "method": "GET", "url": "/me/drive/items/x/permissions", "dependsOn": ["9"] }] }),
        json!({ "requests": [
            { "id": "1", "method": "GET", "url": "/me/drive/items/x/permissions", "dependsOn": ["2"] },
            { "id": "2", "method": "GET", "url": "/me/drive/items/x/permissions", "dependsOn": ["1"] },
        ] }),
    ];
    for body in cases {
        let resp = c.post("/$batch", &body).await;
        assert_eq!(resp.status, 400, "{body}");
    }
    let auth = format!("Bearer {}", seed::ACCESS_TOKEN);
    let resp = common::send(
        emu.addr(),
        "POST",
        "/v1.0/$batch",
        &[("Authorization", &auth)],
        Some(b"{oops"),
    )
    .await;
    assert_eq!((resp.status, resp.code().as_str()), (400, "invalidRequest"));
}

#[tokio::test]
async fn body_without_content_type_fails_only_that_request() {
    let emu = start().await;
    let c = Client::new(&emu);
    let mut bare = invite("1", seed::ME_Q3_ID, seed::LEE_EMAIL);
    bare.as_object_mut().unwrap().remove("headers");
    let body = json!({ "requests": [bare, invite("2", seed::ME_Q4_ID, seed::LEE_EMAIL)] });
    let resp = c.post("/$batch", &body).await;
    assert_eq!(resp.status, 200);
    let r = by_id(&resp.json());
    assert_eq!(r["1"]["status"], 400);
    assert!(
        r["1"]["body"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type")
    );
    assert_eq!(r["2"]["status"], 200);
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
    // Header names are case-insensitive.
    let mut lower = invite("1", seed::ME_Q3_ID, seed::LEE_EMAIL);
    lower["headers"] = json!({ "content-type": "application/json" });
    let r = by_id(
        &c.post("/$batch", &json!({ "requests": [lower] }))
            .await
            .json(),
    );
    assert_eq!(r["1"]["status"], 200);
}

#[tokio::test]
async fn dependants_of_a_failed_request_get_424() {
    let emu = start().await;
    let c = Client::new(&emu);
    let mut failing = invite("1", seed::ME_Q3_ID, seed::LEE_EMAIL);
    failing["body"]["roles"] = json!(["edit"]);
    let mut second = invite("2", seed::ME_Q4_ID, seed::LEE_EMAIL);
    second["dependsOn"] = json!(["1"]);
    let mut third = list("3", seed::ME_Q4_ID);
    third["dependsOn"] = json!(["2"]);
    let mut ok_dep = list("5", seed::ME_Q3_ID);
    ok_dep["dependsOn"] = json!(["4"]);
    let body = json!({ "requests": [failing, second, third, list("4", seed::ME_Q3_ID), ok_dep] });
    let r = by_id(&c.post("/$batch", &body).await.json());
    assert_eq!(r["1"]["status"], 400);
    assert_eq!(r["2"]["status"], 424);
    assert_eq!(r["3"]["status"], 424);
    assert_eq!(r["4"]["status"], 200);
    assert_eq!(r["5"]["status"], 200);
    assert!(r["2"]["body"]["error"]["code"].as_str().is_some());
    // The dependant did not run.
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q4_ID).len(), 1);
}

#[tokio::test]
async fn dependencies_run_first_even_when_listed_later() {
    let emu = start().await;
    let c = Client::new(&emu);
    let mut read = list("read", seed::ME_PHOTO_ID);
    read["dependsOn"] = json!(["GRANT"]);
    let body = json!({ "requests": [read, invite("grant", seed::ME_PHOTO_ID, seed::LEE_EMAIL)] });
    let r = by_id(&c.post("/$batch", &body).await.json());
    assert_eq!(r["read"]["body"]["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn throttled_inner_requests_are_429_with_retry_after_inside_a_200_batch() {
    let emu = Emulator::builder()
        .rate_limit(RateLimit::per_second(1).burst(2))
        .start()
        .await
        .unwrap();
    let c = Client::new(&emu);
    let body = json!({ "requests": (0..4).map(|i| list(&i.to_string(), seed::ME_Q3_ID)).collect::<Vec<_>>() });
    let resp = c.post("/$batch", &body).await;
    assert_eq!(resp.status, 200);
    let json = resp.json();
    let r = by_id(&json);
    let throttled: Vec<_> = r.values().filter(|v| v["status"] == 429).collect();
    assert_eq!(throttled.len(), 2);
    for t in throttled {
        assert!(
            t["headers"]["Retry-After"]
                .as_str()
                .is_some_and(|v| v.parse::<f64>().is_ok())
        );
        assert_eq!(t["body"]["error"]["code"], "activityLimitReached");
    }
    assert_eq!(r["0"]["status"], 200);
    assert_eq!(r["1"]["status"], 200);
}

#[tokio::test]
async fn responses_are_shuffled_deterministically_under_the_seed() {
    async fn order(seed_value: u64) -> Vec<String> {
        let emu = Emulator::builder().seed(seed_value).start().await.unwrap();
        let body = json!({ "requests": (0..10).map(|i| list(&i.to_string(), seed::ME_Q3_ID)).collect::<Vec<_>>() });
        let json = Client::new(&emu).post("/$batch", &body).await.json();
        json["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    }
    let a = order(42).await;
    assert_eq!(a, order(42).await);
    let sorted: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_ne!(
        a, sorted,
        "10 responses should come out of order under seed 42"
    );
}

#[tokio::test]
async fn scripted_answers_can_target_inner_requests() {
    let emu = start().await;
    let c = Client::new(&emu);
    emu.inject(
        Injection::status(503)
            .retry_after("0.2")
            .path_contains("/invite"),
    );
    let body = json!({ "requests": [list("1", seed::ME_Q3_ID), invite("2", seed::ME_Q3_ID, seed::LEE_EMAIL)] });
    let resp = c.post("/$batch", &body).await;
    assert_eq!(resp.status, 200);
    let r = by_id(&resp.json());
    assert_eq!(r["1"]["status"], 200);
    assert_eq!(r["2"]["status"], 503);
    assert_eq!(r["2"]["headers"]["Retry-After"], "0.2");
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
    assert!(
        emu.requests()
            .iter()
            .any(|l| l.is_batch_inner() && l.fault_injected())
    );
}
