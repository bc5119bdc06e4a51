//! Authentication end to end over loopback HTTP against the emulator: a token
//! Graph rejects is `Error::Auth` (401 `InvalidAuthenticationToken`); a
//! provider that can refresh drops it and the request is sent once more with
//! a new token, a static token is not retried; the client-credentials flow
//! fetches one token for many concurrent requests (and one failed token
//! request fails them all), reuses it while it is fresh, keeps it for a
//! default lifetime when `expires_in` is unusable and fetches a new one after
//! it expires; a wrong client secret is `Error::Auth` `invalid_client` before
//! any Graph request is sent; a hand-built path that would leave the base URL
//! is refused before a token is asked for; and neither tokens nor secrets show
//! in `Debug` or `Display` output of clients and errors.

use std::time::Duration;

use graph_core::auth::{ClientCredentials, StaticToken};
use graph_core::drive::{ItemLocator, Permission};
use graph_core::{AuthErrorKind, Client, Error, Method, Request, graph_endpoint};
use graph_emulator::{Injection, LoggedRequest, seed};
use tests::scripted::{ScriptedServer, json_ok};
use tests::{
    Counting, HeldTokenEndpoint, Setup, app_client, credentials, graph_requests, token_requests,
};

/// An item app-only tokens may reach (`/me` and `/drive` are delegated-only).
fn plan() -> ItemLocator {
    ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
}

/// Asserts Plan.docx's listing: Lee's grant inherited from `Projects`.
fn assert_plan_listing(page: &[Permission]) {
    assert_eq!(page.len(), 1, "{page:#?}");
    assert!(page[0].is_inherited(), "{page:#?}");
}

/// Graph answers 401 to a token it does not know: `Error::Auth` with the
/// status, Graph's code and the request-id, after one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_static_token_is_an_auth_error() {
    let emu = Setup::new().start_emulator().await;
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

    let log = graph_requests(&emu);
    assert_eq!(log.len(), 1, "401 is not retried");
    assert_eq!(log[0].status, 401);
    let sent = format!("Bearer {bad_token}");
    assert_eq!(log[0].header("authorization"), Some(sent.as_str()));

    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.status(), Some(401));
    assert_eq!(auth.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    // Graph's whole answer stays reachable: attempts, client-request-id, date.
    let graph = auth.graph().expect("a 401 keeps Graph's answer");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        graph.client_request_id(),
        log[0].header("client-request-id")
    );
    assert!(graph.date().is_some());
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
    let emu = Setup::new().start_emulator().await;
    let client = app_client(&emu, seed::CLIENT_SECRET);

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&plan().list_permissions(None)).await })
        })
        .collect();
    for task in tasks {
        let page = task.await.expect("task runs").expect("request succeeds");
        assert_plan_listing(&page.value);
    }

    let tokens = token_requests(&emu);
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

    let graph = graph_requests(&emu);
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
    let emu = Setup::new()
        .token_lifetime(Duration::from_secs(2))
        .start_emulator()
        .await;
    let client = app_client(&emu, seed::CLIENT_SECRET);

    assert_plan_listing(
        &client
            .send(&plan().list_permissions(None))
            .await
            .expect("first request")
            .value,
    );
    assert_plan_listing(
        &client
            .send(&plan().list_permissions(None))
            .await
            .expect("second request")
            .value,
    );
    assert_eq!(token_requests(&emu).len(), 1, "a fresh token is reused");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_plan_listing(
        &client
            .send(&plan().list_permissions(None))
            .await
            .expect("after expiry")
            .value,
    );

    assert_eq!(token_requests(&emu).len(), 2);
    let graph = graph_requests(&emu);
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
    let emu = Setup::new().start_emulator().await;
    let wrong_secret = "Wr0ng~Secret.ZZ-8c2d4e6f";
    let client = app_client(&emu, wrong_secret);

    let err = client
        .send(&plan().list_permissions(None))
        .await
        .expect_err("the secret is refused");

    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.status(), Some(401));
    assert_eq!(auth.code(), Some("invalid_client"));
    assert_eq!(err.code(), Some("invalid_client"));
    assert_eq!(err.status(), Some(401));
    let description = auth.description().unwrap_or_default();
    assert!(description.starts_with("AADSTS7000215"), "{description}");

    let tokens = token_requests(&emu);
    assert_eq!(tokens.len(), 1, "a refused secret is not retried");
    assert_eq!(tokens[0].status, 401);
    // The trace id of the token endpoint is kept for support.
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert!(
        graph_requests(&emu).is_empty(),
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
    let emu = Setup::new().start_emulator().await;

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
    app.send(&plan().list_permissions(None))
        .await
        .expect("app request");
    let app_debug = format!("{app:?}");
    // The token the app fetched, as it went over the wire.
    let graph = graph_requests(&emu);
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

/// The Authorization header of a logged request.
fn bearer(request: &LoggedRequest) -> Option<String> {
    request.header("authorization").map(str::to_owned)
}

/// Ten concurrent requests while the token endpoint fails: one token
/// request, and every caller gets its error (the endpoint's 503 and code),
/// none sent to Graph.
#[tokio::test(flavor = "current_thread")]
async fn concurrent_callers_share_one_failed_token_request() {
    let emu = Setup::new().start_emulator().await;
    let endpoint = HeldTokenEndpoint::start(
        503,
        r#"{"error":"temporarily_unavailable","error_description":"AADSTS50196: busy"}"#,
    )
    .await;
    let auth = Counting::new(
        ClientCredentials::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CLIENT_SECRET)
            .authority(endpoint.root())
            .build()
            .expect("loopback authority"),
    )
    .shared();
    let client = Client::builder()
        .base_url(emu.base_url())
        .shared_auth(auth.clone())
        .build()
        .expect("client builds");

    let callers: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&plan().list_permissions(None)).await })
        })
        .collect();
    // One thread: a caller counted has also reached the cache and is waiting.
    while auth.tokens() < 10 || endpoint.requests() < 1 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    endpoint.release();
    for caller in callers {
        let err = caller.await.expect("task runs").expect_err("no token");
        let Error::Auth(auth) = &err else {
            panic!("expected Error::Auth, got {err:?}");
        };
        assert_eq!(auth.kind(), AuthErrorKind::Refused);
        assert_eq!(auth.status(), Some(503));
        assert_eq!(auth.code(), Some("temporarily_unavailable"));
    }
    assert_eq!(endpoint.requests(), 1, "one token request for ten callers");
    assert!(graph_requests(&emu).is_empty());
}

#[graph_endpoint(GET "/thing", response = serde_json::Value)]
struct GetThing;

/// A token endpoint and Graph in one scripted server: tokens with
/// `expires_in` as given (as raw JSON, or absent), `{}` for anything else.
async fn scripted_tokens(expires_in: Option<&'static str>) -> ScriptedServer {
    ScriptedServer::start(move |seen| {
        if !seen.path.ends_with("/oauth2/v2.0/token") {
            return json_ok(&serde_json::json!({}));
        }
        let lifetime = expires_in.map(|v| format!(r#","expires_in":{v}"#));
        let body = format!(
            r#"{{"token_type":"Bearer","access_token":"tok-1"{}}}"#,
            lifetime.unwrap_or_default()
        );
        json_ok(&serde_json::from_str(&body).expect("valid JSON"))
    })
    .await
}

/// An `expires_in` that is no usable lifetime (text, a fraction, negative,
/// absent, too large) still gives a token that is reused: three requests,
/// one token request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_expires_in_still_caches_the_token() {
    for expires_in in [
        Some(r#""abc""#),
        Some("3599.5"),
        Some("-5"),
        Some("null"),
        None,
        Some("18446744073709551615"),
        Some(r#""99999999999999999999999""#),
        Some("1e300"),
    ] {
        let server = scripted_tokens(expires_in).await;
        let client = Client::builder()
            .base_url(server.root())
            .auth(
                ClientCredentials::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CLIENT_SECRET)
                    .authority(server.root())
                    .build()
                    .expect("loopback authority"),
            )
            .build()
            .expect("client builds");
        for _ in 0..3 {
            client
                .send(&GetThing::builder().build())
                .await
                .unwrap_or_else(|e| panic!("expires_in {expires_in:?}: {e}"));
        }
        let seen = server.seen();
        let tokens = seen.iter().filter(|s| s.path.ends_with("/token")).count();
        assert_eq!(tokens, 1, "expires_in {expires_in:?}: {seen:#?}");
        assert_eq!(seen.len(), 4, "{seen:#?}");
    }
}

/// A token revoked after it was fetched: Graph's 401 `InvalidAuthenticationToken`
/// makes the client drop it and send the request once more with a new one,
/// which succeeds; later requests use the new token without a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_replaced_and_the_request_retried_once() {
    let emu = Setup::new().start_emulator().await;
    let client = app_client(&emu, seed::CLIENT_SECRET);
    client
        .send(&plan().list_permissions(None))
        .await
        .expect("first request");

    emu.revoke_tokens();
    let answer = client
        .execute(&plan().list_permissions(None))
        .await
        .expect("retried with a new token");
    assert_plan_listing(&answer.value.value);
    assert_eq!(answer.attempts, 2);
    client
        .send(&plan().list_permissions(None))
        .await
        .expect("third request");

    assert_eq!(token_requests(&emu).len(), 2, "one new token");
    let graph = graph_requests(&emu);
    let statuses: Vec<_> = graph.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 401, 200, 200]);
    assert_eq!(bearer(&graph[0]), bearer(&graph[1]), "the revoked token");
    assert_ne!(bearer(&graph[1]), bearer(&graph[2]), "a new token");
    assert_eq!(bearer(&graph[2]), bearer(&graph[3]));
    // One logical request: one client-request-id, and no Retry-Attempt (no
    // throttling retry happened).
    assert_eq!(
        graph[1].header("client-request-id"),
        graph[2].header("client-request-id")
    );
    assert_eq!(graph[2].header("retry-attempt"), None);
}

/// A new token that Graph rejects too: the second 401 is returned as
/// `Error::Auth`, after two attempts and two token requests, with no third.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_401_is_returned_with_its_attempts() {
    let emu = Setup::new().start_emulator().await;
    let auth = Counting::new(credentials(&emu, seed::CLIENT_SECRET)).shared();
    let client = Client::builder()
        .base_url(emu.base_url())
        .shared_auth(auth.clone())
        .build()
        .expect("client builds");
    emu.inject(Injection::status(401));
    emu.inject(Injection::status(401));

    let err = client
        .send(&plan().list_permissions(None))
        .await
        .expect_err("rejected twice");
    let Error::Auth(rejected) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(rejected.kind(), AuthErrorKind::Rejected);
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(graph_requests(&emu).len(), 2);
    assert_eq!(token_requests(&emu).len(), 2);
    assert_eq!(auth.invalidations(), 1, "the provider is told once");
}

/// A static token cannot be refreshed: Graph's 401 is returned after one
/// attempt, as before, whatever the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_token_is_not_retried_after_a_401() {
    let (emu, client) = Setup::new().start().await;
    emu.inject(Injection::status(401));
    let err = client
        .send(&ItemLocator::me(seed::ME_Q3_ID).list_permissions(None))
        .await
        .expect_err("rejected");
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(graph_requests(&emu).len(), 1);
}

/// The outer `$batch` request goes through the same path: a revoked token is
/// replaced and the batch sent again, so every request in it succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sent_with_a_revoked_token_is_retried_with_a_new_one() {
    let emu = Setup::new().start_emulator().await;
    let client = app_client(&emu, seed::CLIENT_SECRET);
    client
        .send(&plan().list_permissions(None))
        .await
        .expect("first request");
    emu.revoke_tokens();

    let results = client
        .send_all([plan().list_permissions(None), plan().list_permissions(None)])
        .await;
    for result in results {
        assert_plan_listing(&result.expect("answered").value);
    }
    assert_eq!(token_requests(&emu).len(), 2);
    let batches = tests::batch_requests(&emu);
    let statuses: Vec<_> = batches.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 200]);
}

/// Hand-built paths that do not start with `/` would move the request and
/// its token to another port, host or user-info; one that climbs out of the
/// base path would leave the API root. Each is `Error::Validation` before a
/// token is asked for, and no listener (neither the base's nor another)
/// receives anything. A path starting `//` stays on the base's origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_never_leaves_the_base_url() {
    let base = ScriptedServer::start(|_| json_ok(&serde_json::json!({}))).await;
    let other = ScriptedServer::start(|_| json_ok(&serde_json::json!({}))).await;
    let other_addr = other.root().trim_start_matches("http://").to_owned();
    let other_port = other_addr.rsplit(':').next().expect("a port").to_owned();
    let base_v1 = format!("{}/v1.0", base.root());
    let hostile = [
        ("http://localhost".to_owned(), format!(":{other_port}/x")),
        (base.root().to_owned(), format!("@{other_addr}/x")),
        (base.root().to_owned(), ".evil.example/x".to_owned()),
        (
            "http://localhost".to_owned(),
            format!(".localhost:{other_port}/x"),
        ),
        (base.root().to_owned(), format!("\\\\{other_addr}/x")),
        (base_v1.clone(), "/../x".to_owned()),
        (base_v1.clone(), "/%2e%2e/x".to_owned()),
    ];
    for (root, path) in hostile {
        let auth = Counting::new(StaticToken::new("t")).shared();
        let client = Client::builder()
            .base_url(&root)
            .shared_auth(auth.clone())
            .build()
            .expect("client builds");
        let request = Request::new(Method::Get, "/x", path.clone(), Vec::new(), None);
        let err = client
            .execute_request::<serde_json::Value>(request)
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, Error::Validation(e) if e.field() == "path"),
            "{root} + {path:?}: {err:?}"
        );
        assert_eq!(auth.tokens(), 0, "{root} + {path:?}: no token asked for");
    }
    assert!(other.seen().is_empty(), "{:#?}", other.seen());
    assert!(base.seen().is_empty(), "{:#?}", base.seen());

    // `//host:port/x` is a path on the base's origin, not another host.
    let client = base.client();
    let request = Request::new(
        Method::Get,
        "/x",
        format!("//{other_addr}/x"),
        Vec::new(),
        None,
    );
    client
        .execute_request::<serde_json::Value>(request)
        .await
        .expect("sent to the base");
    assert!(other.seen().is_empty());
    assert_eq!(base.seen()[0].path, format!("//{other_addr}/x"));
}
