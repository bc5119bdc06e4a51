//! The App Service–style managed identity endpoint ("How to use managed
//! identities for App Service and Azure Functions", REST endpoint
//! reference): `GET /msi/token?resource=…&api-version=2019-08-01` with
//! `X-IDENTITY-HEADER`.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{Client, item_path, send, urlencode};
use graph_emulator::{EmulatorHandle, RequestKind, seed};

async fn ask(
    emu: &EmulatorHandle,
    method: &str,
    query: &str,
    header: Option<&str>,
) -> common::Resp {
    let headers: Vec<(&str, &str)> = header
        .map(|h| ("X-IDENTITY-HEADER", h))
        .into_iter()
        .collect();
    send(
        emu.addr(),
        method,
        &format!("/msi/token?{query}"),
        &headers,
        None,
    )
    .await
}

fn query(resource: &str, extra: &str) -> String {
    format!(
        "resource={}&api-version=2019-08-01{extra}",
        urlencode(resource)
    )
}

#[tokio::test]
async fn issues_app_tokens_that_graph_accepts_with_expires_on_in_unix_seconds() {
    let emu = common::start().await;
    assert!(emu.identity_endpoint().ends_with("/msi/token"));
    let resp = ask(
        &emu,
        "GET",
        &query("https://graph.microsoft.com", ""),
        Some(seed::IDENTITY_HEADER),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let json = resp.json();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["resource"], "https://graph.microsoft.com");
    assert_eq!(json["client_id"], seed::MANAGED_IDENTITY_CLIENT_ID);
    let expires_on: u64 = json["expires_on"]
        .as_str()
        .expect("a string")
        .parse()
        .expect("seconds");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        (now + 3500..=now + 3700).contains(&expires_on),
        "{expires_on} vs {now}"
    );
    let token = json["access_token"].as_str().unwrap();
    let graph = Client::with_token(&emu, Some(token))
        .get(&format!(
            "{}/permissions",
            item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        ))
        .await;
    assert_eq!(graph.status, 200);
    // `/me` is refused: the token is app-only.
    let me = Client::with_token(&emu, Some(token))
        .get("/me/drive/root/permissions")
        .await;
    assert_eq!(me.status, 400);
    let user_assigned = ask(
        &emu,
        "GET",
        &query(
            "https://graph.microsoft.com/",
            &format!("&client_id={}", seed::MANAGED_IDENTITY_CLIENT_ID),
        ),
        Some(seed::IDENTITY_HEADER),
    )
    .await;
    assert_eq!(user_assigned.status, 200);
    assert_eq!(emu.requests()[0].kind, RequestKind::Token);
}

#[tokio::test]
async fn refuses_a_missing_header_a_wrong_version_resource_or_identity() {
    let emu = common::start().await;
    let graph = query("https://graph.microsoft.com", "");
    for (method, query, header, status) in [
        ("GET", graph.clone(), None, 401),
        ("GET", graph.clone(), Some("wrong"), 401),
        ("POST", graph.clone(), Some(seed::IDENTITY_HEADER), 405),
        (
            "GET",
            "resource=https%3A%2F%2Fgraph.microsoft.com".to_owned(),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
        (
            "GET",
            "resource=https%3A%2F%2Fgraph.microsoft.com&api-version=2017-09-01".to_owned(),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
        (
            "GET",
            "api-version=2019-08-01".to_owned(),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
        (
            "GET",
            query("https://vault.azure.net", ""),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
        (
            "GET",
            query(
                "https://graph.microsoft.com",
                "&client_id=00000000-0000-0000-0000-000000000001",
            ),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
        (
            "GET",
            query(
                "https://graph.microsoft.com",
                "&mi_res_id=%2Fsubscriptions%2Fx",
            ),
            Some(seed::IDENTITY_HEADER),
            400,
        ),
    ] {
        let resp = ask(&emu, method, &query, header).await;
        assert_eq!(resp.status, status, "{method} {query} {header:?}");
        let json = resp.json();
        assert_eq!(json["statusCode"], status);
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(json.get("access_token").is_none());
    }
}
