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

/// An error answer's body is read up to 1 MiB, whatever the client's limit:
/// a 2 MiB error (a JSON object padded with whitespace, sent with and
/// without a length) is not parsed but ends as too large with its status.
/// A body of exactly 1 MiB is still read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_body_is_read_up_to_one_mebibyte() {
    const MIB: usize = 1024 * 1024;
    let padded = |len: usize| {
        let object = r#"{"error":{"code":"badRequest","message":"m"}}"#;
        format!("{object}{}", " ".repeat(len - object.len()))
    };
    let chunked = |body: &str| {
        format!(
            "HTTP/1.1 400 X\r\ncontent-type: application/json\r\nrequest-id: {REQUEST_ID}\r\n\
             transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
        .into_bytes()
    };
    let big = padded(2 * MIB);
    let replies = [RawReply::answer(400, &big), RawReply::Bytes(chunked(&big))];
    for (n, reply) in replies.into_iter().enumerate() {
        let server = RawServer::start(move |_| reply.clone()).await;
        let client = server.client_builder().build().unwrap();
        assert_eq!(client.max_response_bytes(), 16 * MIB as u64);
        let err = client.send(&get()).await.expect_err("an error answer");
        let Error::TooLarge(large) = &err else {
            panic!("{n}: expected too large, got {err:?}");
        };
        assert_eq!(large.limit(), MIB as u64, "{n}");
        assert_eq!(err.status(), Some(400), "{n}");
        assert_eq!(err.request_id(), Some(REQUEST_ID), "{n}");
        assert!(!err.is_fate_unknown(), "{n}: Graph said no");
    }
    let exact = padded(MIB);
    let server = RawServer::start(move |_| RawReply::Bytes(chunked(&exact))).await;
    let err = server
        .client_builder()
        .build()
        .unwrap()
        .send(&get())
        .await
        .expect_err("an error answer");
    assert_eq!(err.code(), Some("badRequest"), "{err:?}");
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

/// The drain limit is 64 KiB exactly: a 503 whose chunked body is 64 KiB is
/// read to its end, and the retry goes out on the same connection; one byte
/// more and the client hangs up before the body's end is sent, the retry
/// taking a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_is_drained_up_to_64_kib_and_no_more() {
    const DRAIN: usize = 64 * 1024;
    for (length, connections) in [(DRAIN, 1), (DRAIN + 1, 2)] {
        let head = format!(
            "HTTP/1.1 503 X\r\nretry-after: 0\r\nrequest-id: {REQUEST_ID}\r\n\
             transfer-encoding: chunked\r\n\r\n"
        );
        // Chunks of 16 KiB, as a server streams them.
        let mut busy = head.into_bytes();
        let mut left = length;
        while left > 0 {
            let size = left.min(16 * 1024);
            busy.extend_from_slice(format!("{size:x}\r\n").as_bytes());
            busy.extend(std::iter::repeat_n(b' ', size));
            busy.extend_from_slice(b"\r\n");
            left -= size;
        }
        let end = b"0\r\n\r\n".to_vec();
        let ok = RawReply::answer(200, r#"{"ok":true}"#);
        let server = RawServer::start(move |connection| match connection {
            // The whole body at once when it is short enough to be drained;
            // else its end only to a client still reading.
            0 if length <= DRAIN => {
                RawReply::Then([&busy[..], &end].concat(), Box::new(ok.clone()))
            }
            0 => RawReply::Held {
                start: busy.clone(),
                rest: end.clone(),
                next: Box::new(ok.clone()),
            },
            _ => ok.clone(),
        })
        .await;
        let client = server
            .client_builder()
            .retry_policy(quick_retries())
            .build()
            .unwrap();

        let answer = client
            .execute(&get())
            .await
            .unwrap_or_else(|e| panic!("{length}: {e:?}"));

        assert_eq!(answer.value, json!({"ok": true}), "{length}");
        assert_eq!(answer.attempts, 2, "{length}");
        assert_eq!(server.requests(), 2, "{length}");
        assert_eq!(server.connections(), connections, "a {length}-byte body");
    }
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
