//! The client-credentials token endpoint and token expiry.

mod common;

use std::time::Duration;

use common::{Client, good_form, item_path, token_request, urlencode};
use graph_emulator::{Emulator, RequestKind, seed};

fn assert_aad_error(resp: &common::Resp, status: u16, error: &str, code: u64) {
    assert_eq!(
        resp.status,
        status,
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    let json = resp.json();
    assert_eq!(json["error"], error);
    assert!(
        json["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}:"))
    );
    assert_eq!(json["error_codes"][0], code);
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(
            json[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
}

#[tokio::test]
async fn issues_bearer_tokens_that_graph_accepts() {
    let emu = common::start().await;
    let resp = token_request(&emu, seed::TENANT_ID, &good_form()).await;
    assert_eq!(resp.status, 200);
    let json = resp.json();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 3600);
    let token = json["access_token"].as_str().unwrap();
    let c = Client::with_token(&emu, Some(token));
    let resp = c
        .get(&format!(
            "{}/permissions",
            item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
        ))
        .await;
    assert_eq!(resp.status, 200);
    // The tenant's domain works as well as its id.
    assert_eq!(
        token_request(&emu, seed::TENANT_DOMAIN, &good_form())
            .await
            .status,
        200
    );
    let log = emu.requests();
    assert_eq!(log[0].kind, RequestKind::Token);
    assert_eq!(
        log[0].path,
        format!("/{}/oauth2/v2.0/token", seed::TENANT_ID)
    );
    assert_eq!(log[0].status, 200);
    assert_eq!(
        emu.token_url(),
        format!("{}/{}/oauth2/v2.0/token", emu.root_url(), seed::TENANT_ID)
    );
}

#[tokio::test]
async fn rejects_bad_credentials_like_azure_ad() {
    let emu = common::start().await;
    let form = |grant: &str, id: &str, secret: &str, scope: &str| {
        format!(
            "grant_type={grant}&client_id={id}&client_secret={}&scope={}",
            urlencode(secret),
            urlencode(scope)
        )
    };
    let good_secret = seed::CLIENT_SECRET;
    let cases = [
        (
            form(
                "client_credentials",
                seed::CLIENT_ID,
                "wrong",
                seed::GRAPH_SCOPE,
            ),
            401,
            "invalid_client",
            7000215,
        ),
        (
            form(
                "client_credentials",
                "00000000-0000-0000-0000-000000000000",
                good_secret,
                seed::GRAPH_SCOPE,
            ),
            400,
            "unauthorized_client",
            700016,
        ),
        (
            form(
                "client_credentials",
                seed::CLIENT_ID,
                good_secret,
                "https://graph.microsoft.com/Files.Read",
            ),
            400,
            "invalid_scope",
            1002012,
        ),
        (
            format!(
                "client_id={}&client_secret={}&scope=x/.default",
                seed::CLIENT_ID,
                urlencode(good_secret)
            ),
            400,
            "invalid_request",
            900144,
        ),
        (
            format!(
                "grant_type=client_credentials&client_id={}&scope={}",
                seed::CLIENT_ID,
                urlencode(seed::GRAPH_SCOPE)
            ),
            401,
            "invalid_client",
            7000218,
        ),
        (
            form("password", seed::CLIENT_ID, good_secret, seed::GRAPH_SCOPE),
            400,
            "unsupported_grant_type",
            70003,
        ),
    ];
    for (body, status, error, code) in cases {
        let resp = token_request(&emu, seed::TENANT_ID, &body).await;
        assert_aad_error(&resp, status, error, code);
    }
    let resp = token_request(&emu, "fabrikam.onmicrosoft.com", &good_form()).await;
    assert_aad_error(&resp, 400, "invalid_request", 90002);
}

#[tokio::test]
async fn issued_tokens_expire_after_the_configured_lifetime() {
    let emu = Emulator::builder()
        // Under a second (so `expires_in` is 0), and long enough that the
        // first request cannot be late on a slow machine.
        .token_lifetime(Duration::from_millis(900))
        .start()
        .await
        .unwrap();
    let json = token_request(&emu, seed::TENANT_ID, &good_form())
        .await
        .json();
    assert_eq!(json["expires_in"], 0);
    let c = Client::with_token(&emu, json["access_token"].as_str());
    let path = format!(
        "{}/permissions",
        item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
    );
    assert_eq!(c.get(&path).await.status, 200);
    tokio::time::sleep(Duration::from_millis(950)).await;
    let resp = c.get(&path).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.code(), "InvalidAuthenticationToken");
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // The seeded delegated token never expires.
    assert_eq!(Client::new(&emu).get(&path).await.status, 200);
}
