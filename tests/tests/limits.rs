//! What the client reads and how long it waits: bodies over the size limit
//! (known by `Content-Length` or arriving without end) end in
//! `Error::TooLarge` with their connection dropped; a body thrown away
//! before a retry is drained only when short; a server that never answers
//! ends in a timeout whose fate is unknown.
//!
//! Every limit here is counted in bytes or events; no test measures time.

use std::time::Duration;

use graph_core::{Error, graph_endpoint};
use serde_json::json;
use tests::quick_retries;
use tests::scripted::{REQUEST_ID, RawReply, RawServer, ScriptedServer, raw};

#[graph_endpoint(GET "/thing", response = serde_json::Value)]
struct GetThing;

fn get() -> GetThing {
    GetThing::builder().build()
}

/// A 200 whose chunked body never ends: the client stops at its limit with
/// a typed error keeping status, request-id and a short snippet, and hangs
/// up (the server's writes fail), instead of reading until memory runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_success_body_stops_at_the_limit_and_drops_the_connection() {
    let server = RawServer::start(|_| RawReply::endless(200, "", b'7')).await;
    let limit = 256 * 1024;
    let client = server
        .client_builder()
        // Only the size limit can end this exchange.
        .timeout(Duration::from_secs(600))
        .max_response_bytes(limit)
        .build()
        .unwrap();

    let err = client.send(&get()).await.expect_err("too large");

    let Error::TooLarge(big) = &err else {
        panic!("expected Error::TooLarge, got {err:?}");
    };
    assert_eq!(big.status(), 200);
    assert_eq!(big.limit(), limit);
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert_eq!(err.attempts(), Some(1));
    assert!(big.snippet().starts_with("7777"), "{}", big.snippet());
    assert!(big.snippet().chars().count() <= 201, "{}", big.snippet());
    assert!(err.to_string().len() < 400, "{err}");
    // Graph answered success, but what it said is lost.
    assert!(err.is_fate_unknown());
    let written = server.hung_up(1).await;
    assert!(written > limit, "the server wrote {written} bytes");
    assert_eq!(server.requests(), 1);
}

/// A `Content-Length` over the limit is refused before the body is read,
/// for a success and for an error answer alike; an error answer's fate is
/// known (Graph said no), a success's is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_over_the_limit_is_refused_for_any_status() {
    let big: &'static str = Box::leak(format!("[{}0]", "0,".repeat(40_000)).into_boxed_str());
    for status in [200, 400] {
        let server =
            ScriptedServer::start(move |_| raw(status, Some("application/json"), big)).await;
        let client = graph_core::Client::builder()
            .base_url(server.root())
            .auth(graph_core::auth::StaticToken::new("t"))
            .max_response_bytes(64 * 1024)
            .build()
            .unwrap();
        let err = client.send(&get()).await.expect_err("too large");
        assert!(matches!(err, Error::TooLarge(_)), "{status}: {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some(REQUEST_ID));
        assert!(err.client_request_id().is_some());
        assert_eq!(err.is_fate_unknown(), status == 200, "{status}");
        assert!(
            err.to_string().starts_with(&format!(
                "the {status} answer is larger than the limit of 65536 bytes"
            )),
            "{err}"
        );
    }
}

/// The limit is inclusive: a body of exactly the limit reads, one byte more does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_is_a_number_of_bytes_inclusive() {
    let body = json!({"value": "x".repeat(1000)}).to_string();
    let len = body.len() as u64;
    let server = ScriptedServer::start(move |_| {
        raw(
            200,
            Some("application/json"),
            Box::leak(body.clone().into_boxed_str()),
        )
    })
    .await;
    let client = |limit| {
        graph_core::Client::builder()
            .base_url(server.root())
            .auth(graph_core::auth::StaticToken::new("t"))
            .max_response_bytes(limit)
            .build()
            .unwrap()
    };
    assert_eq!(client(len).max_response_bytes(), len);
    let value = client(len).send(&get()).await.expect("exactly the limit");
    assert_eq!(value["value"].as_str().map(str::len), Some(1000));
    let err = client(len - 1)
        .send(&get())
        .await
        .expect_err("one byte over");
    assert!(matches!(err, Error::TooLarge(_)), "{err:?}");
    // The default is documented as 16 MiB.
    assert_eq!(
        tests::scripted::ScriptedServer::client(&server).max_response_bytes(),
        16 * 1024 * 1024
    );
}

/// A 503 whose body never ends, then a 200: the client drains only a little
/// of the 503 before its retry, then drops that connection; the retry
/// succeeds on a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_thrown_away_before_a_retry_is_drained_only_when_short() {
    let server = RawServer::start(|connection| match connection {
        0 => RawReply::endless(503, "retry-after: 0\r\n", b' '),
        _ => RawReply::answer(200, r#"{"ok":true}"#),
    })
    .await;
    let client = server
        .client_builder()
        .timeout(Duration::from_secs(600))
        .retry_policy(quick_retries())
        .build()
        .unwrap();

    let answer = client.execute(&get()).await.expect("the retry succeeds");

    assert_eq!(answer.value, json!({"ok": true}));
    assert_eq!(answer.attempts, 2);
    assert_eq!(server.requests(), 2);
    let written = server.hung_up(1).await;
    // Far less than the 16 MiB the limit would allow: drained at most a little.
    assert!(
        written < 16 * 1024 * 1024,
        "the server wrote {written} bytes"
    );
}

/// A server that accepts and reads the request, then never answers: the
/// per-request time limit ends it with a typed timeout whose fate is
/// unknown (the request was sent), after one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_with_an_unknown_fate() {
    let server = RawServer::start(|_| RawReply::Silence).await;
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let err = client.send(&get()).await.expect_err("no answer");

    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_fate_unknown());
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.status(), None);
    assert_eq!(server.requests(), 1);
    server.hung_up(1).await;
}

/// A token endpoint whose answer never ends: reading stops at the token
/// answer's limit (1 MiB) with an authentication error, and the connection
/// is dropped; an error answer over it keeps its status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_answer_without_end_is_cut_at_its_limit() {
    use graph_core::AuthErrorKind;
    use graph_core::auth::{ClientCredentials, TokenProvider};

    for (status, kind) in [
        (200, AuthErrorKind::UnreadableToken),
        (400, AuthErrorKind::Refused),
    ] {
        let server = RawServer::start(move |_| RawReply::endless(status, "", b' ')).await;
        let credentials = ClientCredentials::builder("tenant", "client", "secret".to_owned())
            .authority(server.root())
            .build()
            .unwrap();
        let err = credentials.token().await.expect_err("no token");
        let Error::Auth(auth) = &err else {
            panic!("expected Error::Auth, got {err:?}");
        };
        assert_eq!(auth.kind(), kind, "{status}: {err}");
        assert_eq!(err.status(), Some(status));
        assert!(!err.to_string().contains("secret"), "{err}");
        let written = server.hung_up(1).await;
        assert!(
            written > 1024 * 1024,
            "{status}: the server wrote {written} bytes"
        );
    }
}
