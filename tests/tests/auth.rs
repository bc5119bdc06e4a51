//! Authentication end to end over loopback HTTP against the emulator: a token
//! Graph rejects is `Error::Auth` (401 `InvalidAuthenticationToken`, not
//! retried); the client-credentials flow fetches one token for many
//! concurrent requests, reuses it while it is fresh and fetches a new one
//! after it expires; a wrong client secret is `Error::Auth` `invalid_client`
//! before any Graph request is sent; and neither tokens nor secrets show in
//! `Debug` or `Display` output of clients and errors.

use std::time::Duration;

use graph_core::auth::{ClientCredentials, StaticToken};
use graph_core::drive::ItemLocator;
use graph_core::{Client, Error};
use graph_emulator::{Emulator, EmulatorHandle, LoggedRequest, RequestKind, seed};

/// An item app-only tokens may reach (`/me` and `/drive` are delegated-only).
fn plan_permissions()
-> graph_core::drive::Located<graph_core::odata::Collection<graph_core::drive::Permission>> {
    ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID).list_permissions(None)
}

fn of_kind(emu: &EmulatorHandle, kind: &RequestKind) -> Vec<LoggedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| &r.kind == kind)
        .collect()
}

fn credentials(emu: &EmulatorHandle, secret: &str) -> ClientCredentials {
    ClientCredentials::new(seed::TENANT_ID, seed::CLIENT_ID, secret.to_owned())
        .authority(&emu.root_url())
        .expect("loopback authority is accepted")
}

fn app_client(emu: &EmulatorHandle, secret: &str) -> Client {
    Client::builder()
        .base_url(emu.base_url())
        .auth(credentials(emu, secret))
        .build()
        .expect("client builds")
}

/// Asserts Plan.docx's listing: Lee's grant inherited from `Projects`.
fn assert_plan_listing(page: &graph_core::odata::Collection<graph_core::drive::Permission>) {
    assert_eq!(page.value.len(), 1, "{page:#?}");
    assert!(page.value[0].is_inherited(), "{page:#?}");
}

/// Graph answers 401 to a token it does not know: `Error::Auth` with the
/// status, Graph's code and the request-id, after one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_static_token_is_an_auth_error() {
    let emu = Emulator::start().await.expect("emulator starts");
    let bad_token = "not-a-token-9f3c1e";
    let client = Client::builder()
        .base_url(emu.base_url())
        .auth(StaticToken::new(bad_token))
        .build()
        .expect("client builds");

    let err = client
        .send(&ItemLocator::me(seed::ME_Q3_ID).list_permissions(None))
        .await
        .expect_err("the token is refused");

    let log = of_kind(&emu, &RequestKind::Graph);
    assert_eq!(log.len(), 1, "401 is not retried");
    assert_eq!(log[0].status, 401);
    let sent = format!("Bearer {bad_token}");
    assert_eq!(log[0].header("authorization"), Some(sent.as_str()));

    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.code.as_deref(), Some("InvalidAuthenticationToken"));
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    // Graph's whole answer stays reachable: attempts, client-request-id, date.
    let graph = auth.graph.as_ref().expect("a 401 keeps Graph's answer");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        graph.client_request_id.as_deref(),
        log[0].header("client-request-id")
    );
    assert!(graph.date.is_some());
    assert_eq!(err.request_id(), Some(log[0].request_id.as_str()));
    assert!(!err.is_retryable());
    // The rejected token is not echoed into the error.
    assert!(!err.to_string().contains(bad_token), "{err}");
    assert!(!format!("{err:?}").contains(bad_token), "{err:?}");
}

/// Twenty concurrent requests from clones of one client share one token
/// request: the provider lets only one refresh run at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_fetch_one_token() {
    let emu = Emulator::start().await.expect("emulator starts");
    let client = app_client(&emu, seed::CLIENT_SECRET);

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&plan_permissions()).await })
        })
        .collect();
    for task in tasks {
        let page = task.await.expect("task runs").expect("request succeeds");
        assert_plan_listing(&page);
    }

    let tokens = of_kind(&emu, &RequestKind::Token);
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    let token = &tokens[0];
    assert_eq!((token.method.as_str(), token.status), ("POST", 200));
    assert_eq!(
        token.path,
        format!("/{}/oauth2/v2.0/token", seed::TENANT_ID)
    );
    assert!(
        token.body.contains("grant_type=client_credentials"),
        "{}",
        token.body
    );
    assert!(
        token
            .body
            .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{}",
        token.body
    );

    let graph = of_kind(&emu, &RequestKind::Graph);
    assert_eq!(graph.len(), 20);
    let bearer = graph[0].header("authorization").expect("authorized");
    assert!(bearer.starts_with("Bearer "), "{bearer}");
    assert_ne!(bearer, format!("Bearer {}", seed::ACCESS_TOKEN));
    assert!(
        graph
            .iter()
            .all(|r| r.status == 200 && r.header("authorization") == Some(bearer)),
        "every request used the one app token"
    );
}

/// A cached token is reused while fresh and replaced once expired, without
/// Graph ever seeing the expired one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_refreshed() {
    let emu = Emulator::builder()
        .token_lifetime(Duration::from_secs(2))
        .start()
        .await
        .expect("emulator starts");
    let client = app_client(&emu, seed::CLIENT_SECRET);

    assert_plan_listing(
        &client
            .send(&plan_permissions())
            .await
            .expect("first request"),
    );
    assert_plan_listing(
        &client
            .send(&plan_permissions())
            .await
            .expect("second request"),
    );
    assert_eq!(
        of_kind(&emu, &RequestKind::Token).len(),
        1,
        "a fresh token is reused"
    );

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_plan_listing(
        &client
            .send(&plan_permissions())
            .await
            .expect("after expiry"),
    );

    assert_eq!(of_kind(&emu, &RequestKind::Token).len(), 2);
    let graph = of_kind(&emu, &RequestKind::Graph);
    assert_eq!(graph.len(), 3);
    assert!(
        graph.iter().all(|r| r.status == 200),
        "no request went out with an expired token"
    );
    let bearer = |r: &LoggedRequest| r.header("authorization").map(str::to_owned);
    assert_eq!(bearer(&graph[0]), bearer(&graph[1]));
    assert_ne!(
        bearer(&graph[1]),
        bearer(&graph[2]),
        "a new token after expiry"
    );
}

/// A wrong client secret: the token endpoint's 401 `invalid_client` becomes
/// `Error::Auth`, no Graph request is sent, and the secret is nowhere in the
/// error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_secret_is_an_auth_error_without_the_secret() {
    let emu = Emulator::start().await.expect("emulator starts");
    let wrong_secret = "Wr0ng~Secret.ZZ-8c2d4e6f";
    let client = app_client(&emu, wrong_secret);

    let err = client
        .send(&plan_permissions())
        .await
        .expect_err("the secret is refused");

    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.code.as_deref(), Some("invalid_client"));
    assert_eq!(err.code(), Some("invalid_client"));
    assert_eq!(err.status(), Some(401));
    let description = auth.description.as_deref().unwrap_or_default();
    assert!(description.starts_with("AADSTS7000215"), "{description}");

    let tokens = of_kind(&emu, &RequestKind::Token);
    assert_eq!(tokens.len(), 1, "a refused secret is not retried");
    assert_eq!(tokens[0].status, 401);
    // The trace id of the token endpoint is kept for support.
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert!(
        of_kind(&emu, &RequestKind::Graph).is_empty(),
        "nothing is sent to Graph without a token"
    );

    let shown = err.to_string();
    let debugged = format!("{err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    for text in [&shown, &debugged] {
        assert!(!text.contains(wrong_secret), "secret leaked: {text}");
    }
    let client_debug = format!("{client:?}");
    assert!(!client_debug.contains(wrong_secret), "{client_debug}");
}

/// `Debug` of clients (and of the builder) shows neither the static token,
/// nor the client secret, nor a token fetched and cached with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_hides_tokens_and_secrets() {
    let emu = Emulator::start().await.expect("emulator starts");

    let builder = Client::builder()
        .base_url(emu.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN));
    let builder_debug = format!("{builder:?}");
    let delegated = builder.build().expect("client builds");
    delegated
        .send(&ItemLocator::me(seed::ME_Q3_ID).list_permissions(None))
        .await
        .expect("delegated request");
    let delegated_debug = format!("{delegated:?}");

    let app = app_client(&emu, seed::CLIENT_SECRET);
    app.send(&plan_permissions()).await.expect("app request");
    let app_debug = format!("{app:?}");
    // The token the app fetched, as it went over the wire.
    let graph = of_kind(&emu, &RequestKind::Graph);
    let fetched = graph
        .last()
        .and_then(|r| r.header("authorization"))
        .and_then(|h| h.strip_prefix("Bearer "))
        .expect("the app request was authorized")
        .to_owned();
    assert_ne!(fetched, seed::ACCESS_TOKEN);

    // The Debug output is real (it names the parts), just redacted.
    assert!(delegated_debug.contains("StaticToken"), "{delegated_debug}");
    assert!(app_debug.contains("ClientCredentials"), "{app_debug}");
    assert!(app_debug.contains(seed::CLIENT_ID), "{app_debug}");
    for text in [&builder_debug, &delegated_debug, &app_debug] {
        assert!(!text.contains(seed::ACCESS_TOKEN), "token leaked: {text}");
        assert!(!text.contains(seed::CLIENT_SECRET), "secret leaked: {text}");
        assert!(!text.contains(&fetched), "fetched token leaked: {text}");
    }
}
