//! The authorize endpoint and the token endpoint's `authorization_code`
//! grant, over loopback HTTP, checked against "Microsoft identity platform
//! and OAuth 2.0 authorization code flow", RFC 6749 §4.1 and RFC 7636.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Client, Resp, send, token_request, urlencode};
use graph_emulator::{EmulatorHandle, seed};

const SCOPE: &str = "https://graph.microsoft.com/Files.ReadWrite.All offline_access";
const REDIRECT: &str = "http://127.0.0.1:54321";
const VERIFIER: &str = "verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG";

fn s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// An authorize request's query for the seed's app: `extra` pairs replace
/// or add to the good ones (an empty value drops the pair).
fn query(extra: &[(&str, &str)]) -> String {
    let challenge = s256(VERIFIER);
    let mut pairs: Vec<(&str, String)> = vec![
        ("client_id", seed::CLIENT_ID.into()),
        ("response_type", "code".into()),
        ("redirect_uri", REDIRECT.into()),
        ("response_mode", "query".into()),
        ("scope", SCOPE.into()),
        ("state", "state-77".into()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".into()),
    ];
    for (name, value) in extra {
        pairs.retain(|(n, _)| n != name);
        if !value.is_empty() {
            pairs.push((name, (*value).to_string()));
        }
    }
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn authorize(emu: &EmulatorHandle, extra: &[(&str, &str)]) -> Resp {
    let target = format!(
        "/{}/oauth2/v2.0/authorize?{}",
        seed::TENANT_ID,
        query(extra)
    );
    send(emu.addr(), "GET", &target, &[], None).await
}

/// The redirect's query pairs (the answer must be a 302 to `redirect`).
fn redirected(resp: &Resp, redirect: &str) -> Vec<(String, String)> {
    assert_eq!(resp.status, 302, "{}", String::from_utf8_lossy(&resp.body));
    let location = resp.header("location").expect("a Location");
    let url = reqwest::Url::parse(location).unwrap();
    let base = format!("{redirect}/");
    assert!(location.starts_with(&format!("{base}?")), "{location}");
    url.query_pairs().into_owned().collect()
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A code for Alex, signed in through the hook.
async fn code_for_alex(emu: &EmulatorHandle) -> String {
    assert!(emu.sign_in_next_authorize_as(seed::ALEX_UPN));
    let resp = authorize(emu, &[]).await;
    let pairs = redirected(&resp, REDIRECT);
    assert_eq!(pair(&pairs, "state"), Some("state-77"));
    pair(&pairs, "code").expect("a code").to_string()
}

async fn redeem(emu: &EmulatorHandle, code: &str, verifier: &str, redirect: &str) -> Resp {
    let form = format!(
        "grant_type=authorization_code&client_id={}&code={}&redirect_uri={}&code_verifier={}&scope={}",
        seed::CLIENT_ID,
        urlencode(code),
        urlencode(redirect),
        urlencode(verifier),
        urlencode(SCOPE)
    );
    token_request(emu, seed::TENANT_ID, &form).await
}

/// Azure AD's error shape at the token endpoint.
fn assert_aad(resp: &Resp, error: &str, code: u64) {
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.body));
    let json = resp.json();
    assert_eq!(json["error"], error, "{json}");
    assert_eq!(json["error_codes"][0], code, "{json}");
}

/// An error redirect: `error`, an `AADSTS{code}:` description, and the state.
fn assert_error_redirect(resp: &Resp, error: &str, code: u32) {
    let pairs = redirected(resp, REDIRECT);
    assert_eq!(pair(&pairs, "error"), Some(error), "{pairs:?}");
    let description = pair(&pairs, "error_description").unwrap_or_default();
    assert!(
        description.starts_with(&format!("AADSTS{code}:")),
        "{description}"
    );
    assert_eq!(pair(&pairs, "state"), Some("state-77"));
    assert_eq!(pair(&pairs, "code"), None);
}

#[tokio::test]
async fn a_code_for_the_hooks_user_redeems_into_tokens_whose_me_is_that_user() {
    let emu = common::start().await;
    let code = code_for_alex(&emu).await;
    let resp = redeem(&emu, &code, VERIFIER, REDIRECT).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let json = resp.json();
    assert!(
        json["refresh_token"].as_str().is_some(),
        "offline_access asked"
    );
    let token = json["access_token"].as_str().unwrap();
    let plan = format!("/me/drive/items/{}/permissions", seed::ALEX_PLAN_ID);
    let me = Client::with_token(&emu, Some(token)).get(&plan).await;
    assert_eq!(me.status, 200, "/me is Alex");
    // The log shows neither the code nor the verifier.
    let logged = format!("{:?}", emu.requests());
    assert!(!logged.contains(&code), "{logged}");
    assert!(!logged.contains(VERIFIER), "{logged}");
}

#[tokio::test]
async fn a_code_is_redeemed_once() {
    let emu = common::start().await;
    let code = code_for_alex(&emu).await;
    let first = redeem(&emu, &code, VERIFIER, REDIRECT).await.json();
    let again = redeem(&emu, &code, VERIFIER, REDIRECT).await;
    assert_aad(&again, "invalid_grant", 54005);
    // The tokens the code was redeemed for are revoked (RFC 6749 §4.1.2).
    let token = first["access_token"].as_str().unwrap();
    let plan = format!("/me/drive/items/{}/permissions", seed::ALEX_PLAN_ID);
    assert_eq!(
        Client::with_token(&emu, Some(token))
            .get(&plan)
            .await
            .status,
        401
    );
    let form = format!(
        "grant_type=refresh_token&client_id={}&refresh_token={}",
        seed::CLIENT_ID,
        urlencode(first["refresh_token"].as_str().unwrap())
    );
    let refreshed = token_request(&emu, seed::TENANT_ID, &form).await;
    assert_aad(&refreshed, "invalid_grant", 50173);
}

#[tokio::test]
async fn the_wrong_verifier_or_redirect_uri_is_refused_and_an_unknown_code_too() {
    let emu = common::start().await;
    let code = code_for_alex(&emu).await;
    let wrong = redeem(
        &emu,
        &code,
        "another-verifier-0123456789-abcdefghijklmnop",
        REDIRECT,
    )
    .await;
    assert_aad(&wrong, "invalid_grant", 501481);
    // Another port is another redirect URI at the token endpoint (RFC 6749 §4.1.3).
    let moved = redeem(&emu, &code, VERIFIER, "http://127.0.0.1:54322").await;
    assert_aad(&moved, "invalid_grant", 50011);
    let unknown = redeem(&emu, "1.AQ-not-a-code", VERIFIER, REDIRECT).await;
    assert_aad(&unknown, "invalid_grant", 70000);
    // Neither refusal used the code up.
    assert_eq!(redeem(&emu, &code, VERIFIER, REDIRECT).await.status, 200);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let emu = common::start().await;
    let code = code_for_alex(&emu).await;
    assert_eq!(emu.expire_authorization_codes(), 1);
    let late = redeem(&emu, &code, VERIFIER, REDIRECT).await;
    assert_aad(&late, "invalid_grant", 70008);
}

#[tokio::test]
async fn plain_challenges_are_accepted_as_microsoft_documents() {
    let emu = common::start().await;
    assert!(emu.sign_in_next_authorize_as(seed::ALEX_UPN));
    let resp = authorize(
        &emu,
        &[("code_challenge", VERIFIER), ("code_challenge_method", "")],
    )
    .await;
    let pairs = redirected(&resp, REDIRECT);
    let code = pair(&pairs, "code").unwrap();
    assert_eq!(redeem(&emu, code, VERIFIER, REDIRECT).await.status, 200);
}

#[tokio::test]
async fn a_declined_sign_in_redirects_access_denied_with_the_state() {
    let emu = common::start().await;
    emu.decline_next_authorize();
    assert_error_redirect(&authorize(&emu, &[]).await, "access_denied", 65004);
}

#[tokio::test]
async fn pkce_is_required_and_its_method_and_size_are_checked() {
    let emu = common::start().await;
    let missing = authorize(&emu, &[("code_challenge", "")]).await;
    assert_error_redirect(&missing, "invalid_request", 50147);
    let method = authorize(&emu, &[("code_challenge_method", "S512")]).await;
    assert_error_redirect(&method, "invalid_request", 50149);
    let short = authorize(&emu, &[("code_challenge", "short")]).await;
    assert_error_redirect(&short, "invalid_request", 501491);
    let token = authorize(&emu, &[("response_type", "token")]).await;
    assert_error_redirect(&token, "unsupported_response_type", 70005);
}

#[tokio::test]
async fn an_unknown_app_or_redirect_uri_gets_a_page_and_no_redirect() {
    let emu = common::start().await;
    for (extra, code) in [
        (
            ("client_id", "00000000-0000-0000-0000-000000000000"),
            "AADSTS700016",
        ),
        (("redirect_uri", "https://evil.example/cb"), "AADSTS50011"),
        (
            ("redirect_uri", "http://localhost.evil.example:5000"),
            "AADSTS50011",
        ),
    ] {
        let resp = authorize(&emu, &[extra]).await;
        assert_eq!(resp.status, 400, "{extra:?}");
        assert!(resp.header("location").is_none(), "{extra:?}");
        let page = String::from_utf8_lossy(&resp.body);
        assert!(page.contains(code), "{page}");
    }
}

#[tokio::test]
async fn loopback_redirect_uris_match_the_registration_on_any_port() {
    let emu = common::start().await;
    for redirect in [
        "http://127.0.0.1:61000",
        "http://localhost:8400",
        "http://localhost",
    ] {
        assert!(emu.sign_in_next_authorize_as(seed::ALEX_UPN));
        let resp = authorize(&emu, &[("redirect_uri", redirect)]).await;
        let pairs = redirected(&resp, redirect);
        assert!(pair(&pairs, "code").is_some(), "{redirect}");
    }
}

#[tokio::test]
async fn the_login_hint_user_signs_in_and_without_one_nobody_does() {
    let emu = common::start().await;
    let hinted = authorize(&emu, &[("login_hint", seed::ALEX_UPN)]).await;
    let pairs = redirected(&hinted, REDIRECT);
    let code = pair(&pairs, "code").unwrap();
    let json = redeem(&emu, code, VERIFIER, REDIRECT).await.json();
    let token = json["access_token"].as_str().unwrap();
    let plan = format!("/me/drive/items/{}/permissions", seed::ALEX_PLAN_ID);
    assert_eq!(
        Client::with_token(&emu, Some(token))
            .get(&plan)
            .await
            .status,
        200
    );

    // Nobody chosen: the sign-in page, which nobody completes.
    let page = authorize(&emu, &[("login_hint", "nobody@contoso.com")]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("location").is_none());
    // prompt=none with nobody signed in.
    let silent = authorize(&emu, &[("prompt", "none")]).await;
    assert_error_redirect(&silent, "login_required", 50058);
}
