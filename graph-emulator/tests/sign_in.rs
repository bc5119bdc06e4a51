//! The device code endpoint, the token endpoint's device code and
//! `refresh_token` grants, and delegated tokens for any seeded user, over
//! loopback HTTP, checked against the shapes Microsoft documents.

mod common;

use common::{Client, Resp, send, token_request, urlencode};
use graph_emulator::{EmulatorHandle, seed};
use serde_json::Value;

const SCOPE: &str = "https://graph.microsoft.com/Files.ReadWrite.All offline_access";

async fn device_code_request(emu: &EmulatorHandle, form: &str) -> Resp {
    send(
        emu.addr(),
        "POST",
        &format!("/{}/oauth2/v2.0/devicecode", seed::TENANT_ID),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    )
    .await
}

/// A device code for the seed's app: the answer's JSON.
async fn start_sign_in(emu: &EmulatorHandle) -> Value {
    let form = format!("client_id={}&scope={}", seed::CLIENT_ID, urlencode(SCOPE));
    let resp = device_code_request(emu, &form).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()
}

async fn poll(emu: &EmulatorHandle, device_code: &str) -> Resp {
    let form = format!(
        "grant_type={}&client_id={}&device_code={}",
        urlencode("urn:ietf:params:oauth:grant-type:device_code"),
        seed::CLIENT_ID,
        urlencode(device_code)
    );
    token_request(emu, seed::TENANT_ID, &form).await
}

async fn refresh(emu: &EmulatorHandle, refresh_token: &str) -> Resp {
    let form = format!(
        "grant_type=refresh_token&client_id={}&refresh_token={}",
        seed::CLIENT_ID,
        urlencode(refresh_token)
    );
    token_request(emu, seed::TENANT_ID, &form).await
}

/// Azure AD's error shape: `error`, `AADSTS{code}: …` and `error_codes`.
fn assert_aad(resp: &Resp, error: &str, code: u64) {
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    let json = resp.json();
    assert_eq!(json["error"], error, "{json}");
    assert_eq!(json["error_codes"][0], code, "{json}");
    let description = json["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}:")),
        "{description}"
    );
}

#[tokio::test]
async fn the_device_code_answer_has_microsofts_documented_fields() {
    let emu = common::start().await;
    let json = start_sign_in(&emu).await;
    for field in ["device_code", "user_code", "verification_uri", "message"] {
        assert!(
            json[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
    assert_eq!(
        (json["expires_in"].as_u64(), json["interval"].as_u64()),
        (Some(900), Some(5))
    );
    let message = json["message"].as_str().unwrap();
    assert!(message.contains(json["user_code"].as_str().unwrap()));
    // The request log redacts the device code in polls.
    let code = json["device_code"].as_str().unwrap();
    poll(&emu, code).await;
    let logged = format!("{:?}", emu.requests());
    assert!(!logged.contains(code), "{logged}");

    // Both parameters are required; the client must be known.
    let missing = device_code_request(&emu, &format!("client_id={}", seed::CLIENT_ID)).await;
    assert_aad(&missing, "invalid_request", 900144);
    let unknown = device_code_request(&emu, "client_id=nobody&scope=x").await;
    assert_aad(&unknown, "unauthorized_client", 700016);
}

#[tokio::test]
async fn the_verification_uri_is_served_and_says_how_a_code_is_approved() {
    let emu = common::start().await;
    let json = start_sign_in(&emu).await;
    let uri = json["verification_uri"].as_str().unwrap();
    let path = uri.strip_prefix(&emu.root_url()).expect("on the emulator");
    let page = send(emu.addr(), "GET", path, &[], None).await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let text = String::from_utf8_lossy(&page.body);
    assert!(text.contains("approve_device_code"), "{text}");
    let posted = send(emu.addr(), "POST", path, &[], Some(b"code=x")).await;
    assert_eq!(posted.status, 405);
}

#[tokio::test]
async fn multi_tenant_authorities_sign_in_users_and_never_apps() {
    let emu = common::start().await;
    for tenant in ["organizations", "common"] {
        let resp = send(
            emu.addr(),
            "POST",
            &format!("/{tenant}/oauth2/v2.0/devicecode"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(format!("client_id={}&scope={}", seed::CLIENT_ID, urlencode(SCOPE)).as_bytes()),
        )
        .await;
        assert_eq!(
            resp.status,
            200,
            "{tenant}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        let json = resp.json();
        let code = json["device_code"].as_str().unwrap();
        assert!(emu.approve_device_code(json["user_code"].as_str().unwrap(), seed::ALEX_UPN));
        let form = format!(
            "grant_type={}&client_id={}&device_code={}",
            urlencode("urn:ietf:params:oauth:grant-type:device_code"),
            seed::CLIENT_ID,
            urlencode(code)
        );
        let tokens = token_request(&emu, tenant, &form).await;
        assert_eq!(
            tokens.status,
            200,
            "{tenant}: {}",
            String::from_utf8_lossy(&tokens.body)
        );
        let refreshed = refresh(&emu, tokens.json()["refresh_token"].as_str().unwrap()).await;
        assert_eq!(refreshed.status, 200);
    }
    // Personal accounts only: no seeded user is one.
    let consumers = send(
        emu.addr(),
        "POST",
        "/consumers/oauth2/v2.0/devicecode",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(format!("client_id={}&scope={}", seed::CLIENT_ID, urlencode(SCOPE)).as_bytes()),
    )
    .await;
    assert_aad(&consumers, "invalid_request", 90002);
    // An app signs in to a named tenant.
    let app = token_request(&emu, "common", &common::good_form()).await;
    assert_aad(&app, "invalid_request", 90002);
}

#[tokio::test]
async fn a_code_is_pending_until_approved_and_then_used_once() {
    let emu = common::start().await;
    let json = start_sign_in(&emu).await;
    let code = json["device_code"].as_str().unwrap();
    let user_code = json["user_code"].as_str().unwrap();
    assert_aad(&poll(&emu, code).await, "authorization_pending", 70016);
    emu.slow_down_device_polls(1);
    assert_aad(&poll(&emu, code).await, "slow_down", 70016);
    assert!(!emu.approve_device_code(user_code, "nobody@contoso.com"));
    assert!(emu.approve_device_code(user_code, seed::ALEX_UPN));
    assert!(!emu.decline_device_code(user_code), "no longer pending");

    let tokens = poll(&emu, code).await;
    assert_eq!(tokens.status, 200);
    let tokens = tokens.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(
        tokens["refresh_token"].as_str().is_some(),
        "offline_access was asked"
    );
    // `/me` is Alex: his drive's item is there, Megan's is not.
    let alex = Client::with_token(&emu, tokens["access_token"].as_str());
    let path = |item: &str| format!("/me/drive/items/{item}/permissions");
    assert_eq!(alex.get(&path(seed::ALEX_PLAN_ID)).await.status, 200);
    assert_eq!(alex.get(&path(seed::ME_Q3_ID)).await.status, 404);

    assert_aad(&poll(&emu, code).await, "invalid_grant", 70000);
    assert_aad(
        &poll(&emu, "no-such-code").await,
        "bad_verification_code",
        70018,
    );
}

#[tokio::test]
async fn declined_and_expired_codes_answer_as_documented() {
    let emu = common::start().await;
    let declined = start_sign_in(&emu).await;
    assert!(emu.decline_device_code(declined["user_code"].as_str().unwrap()));
    let resp = poll(&emu, declined["device_code"].as_str().unwrap()).await;
    assert_aad(&resp, "authorization_declined", 70000);

    let expired = start_sign_in(&emu).await;
    assert!(emu.expire_device_code(expired["user_code"].as_str().unwrap()));
    let resp = poll(&emu, expired["device_code"].as_str().unwrap()).await;
    assert_aad(&resp, "expired_token", 70019);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_revoked_with_the_sessions() {
    let emu = common::start().await;
    let json = start_sign_in(&emu).await;
    assert!(emu.approve_device_code(json["user_code"].as_str().unwrap(), seed::ME_EMAIL));
    let first = poll(&emu, json["device_code"].as_str().unwrap())
        .await
        .json();
    let rt1 = first["refresh_token"].as_str().unwrap();

    let second = refresh(&emu, rt1).await;
    assert_eq!(second.status, 200);
    let second = second.json();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    let megan = Client::with_token(&emu, second["access_token"].as_str());
    let path = format!("/me/drive/items/{}/permissions", seed::ME_Q3_ID);
    assert_eq!(megan.get(&path).await.status, 200);
    // The old one stopped working when it was redeemed.
    assert_aad(&refresh(&emu, rt1).await, "invalid_grant", 70008);
    assert_aad(&refresh(&emu, "nonsense").await, "invalid_grant", 9002313);

    emu.revoke_tokens();
    assert_aad(&refresh(&emu, rt2).await, "invalid_grant", 50173);
    assert_eq!(megan.get(&path).await.status, 401);
}
