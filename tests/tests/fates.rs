//! Single requests whose fate is unknown: sent, and no usable answer came
//! back (a connection closed after the request was read, a success body cut
//! off or unreadable, silence). Each is reported as unknown, never as a
//! plain failure; only a GET or PUT is sent again, under the retry policy; a
//! POST (an invitation) is never sent twice by the client.
//!
//! And the other side: a connection never made sent nothing, and Graph's
//! own error answers are known fates.

use graph_core::{Error, graph_endpoint};
use serde_json::json;
use tests::quick_retries;
use tests::scripted::{RawReply, RawServer, ScriptedServer, raw};

#[graph_endpoint(GET "/thing", response = serde_json::Value)]
struct GetThing;

#[graph_endpoint(POST "/thing/invite", response = serde_json::Value)]
struct PostThing {
    #[body]
    body: serde_json::Value,
}

#[graph_endpoint(DELETE "/thing", response = ())]
struct DeleteThing;

fn post() -> PostThing {
    PostThing::builder()
        .body(json!({"recipients": [{"email": "a@b.c"}]}))
        .build()
}

/// The retry limit of [`quick_retries`]: the default policy's 3.
const RETRIES: usize = 3;

/// The server reads the request and closes the connection: a POST is sent
/// once and its fate reported unknown; a GET is sent again up to the policy's
/// limit, then reported unknown with every attempt counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_after_the_request_is_unknown_and_only_a_get_is_resent() {
    let server = RawServer::start(|_| RawReply::Hangup).await;
    let client = server
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();

    let err = client.send(&post()).await.expect_err("no answer");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_fate_unknown(), "{err:?}");
    assert!(!err.is_timeout());
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        server.requests(),
        1,
        "an invite whose fate is unknown is never sent again"
    );

    let err = client
        .send(&DeleteThing::builder().build())
        .await
        .expect_err("no answer");
    assert!(err.is_fate_unknown());
    assert_eq!(server.requests(), 2, "nor is a DELETE");

    let err = client
        .send(&GetThing::builder().build())
        .await
        .expect_err("no answer");
    assert!(err.is_fate_unknown());
    assert_eq!(err.attempts(), Some(1 + RETRIES as u32));
    assert_eq!(server.requests(), 2 + 1 + RETRIES);
}

/// A GET resent after a lost answer succeeds on the next connection; the
/// caller sees one success after two attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_resent_after_a_lost_answer_can_succeed() {
    let server = RawServer::start(|connection| match connection {
        0 => RawReply::Hangup,
        _ => RawReply::answer(200, r#"{"ok":true}"#),
    })
    .await;
    let client = server
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let answer = client
        .execute(&GetThing::builder().build())
        .await
        .expect("resent");
    assert_eq!(answer.value, json!({"ok": true}));
    assert_eq!(answer.attempts, 2);
    assert_eq!(server.requests(), 2);
}

/// A success whose body stops halfway (the server closes early): unknown,
/// and a POST is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_body_cut_off_is_unknown() {
    let server = RawServer::start(|_| {
        RawReply::Bytes(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"value\":".to_vec(),
        )
    })
    .await;
    let client = server
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = client.send(&post()).await.expect_err("cut off");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_fate_unknown(), "{err:?}");
    assert!(err.to_string().contains("fate unknown"), "{err}");
    assert_eq!(server.requests(), 1);
}

/// A 200 with a body that is not the response type: Graph ran the request,
/// what it answered cannot be read. Unknown, and not sent again even as a
/// GET (it would read the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_success_is_unknown_and_not_resent() {
    let a =
        ScriptedServer::start(|_| raw(200, Some("application/json"), "<html>garbage</html>")).await;
    for err in [
        a.client().send(&post()).await.expect_err("garbage"),
        a.client()
            .send(&GetThing::builder().build())
            .await
            .expect_err("garbage"),
    ] {
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert!(err.is_fate_unknown());
        assert_eq!(err.status(), Some(200));
    }
    assert_eq!(a.seen().len(), 2);
}

/// A connection never made sent nothing; Graph's own error answer is a
/// known fate. Neither reads as unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_and_graph_errors_are_known_fates() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = graph_core::Client::builder()
        .base_url(format!("http://{closed}"))
        .auth(graph_core::auth::StaticToken::new("t"))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = client.send(&post()).await.expect_err("refused");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_fate_unknown(), "{err:?}");
    assert!(!err.is_timeout());
    assert_eq!(err.attempts(), Some(1));

    let a = ScriptedServer::start(|_| {
        raw(
            400,
            Some("application/json"),
            r#"{"error":{"code":"invalidRequest","message":"no"}}"#,
        )
    })
    .await;
    let err = a.client().send(&post()).await.expect_err("400");
    assert!(matches!(err, Error::Graph(_)), "{err:?}");
    assert!(!err.is_fate_unknown());
}

/// A 303 answering a POST says the server acted on it; if the GET it points
/// to cannot connect, the POST's fate is still unknown, not "never sent",
/// and it is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_redirected_to_nowhere_is_unknown_not_unsent() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let a = ScriptedServer::start(move |_| {
        tests::scripted::redirect(303, &format!("http://{closed}/result"))
    })
    .await;
    let client = a.client().with_retry_policy(quick_retries());
    let err = client.send(&post()).await.expect_err("nowhere to go");
    assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    assert!(err.is_fate_unknown(), "{err:?}");
    assert!(err.to_string().contains("may have acted"), "{err}");
    assert_eq!(a.seen().len(), 1);

    // A GET redirected to nowhere sent nothing that could act.
    let err = client
        .send(&GetThing::builder().build())
        .await
        .expect_err("nowhere to go");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_fate_unknown(), "{err:?}");
}

#[graph_endpoint(PUT "/thing", response = serde_json::Value)]
struct PutThing {
    #[body]
    body: serde_json::Value,
    #[header("If-Match")]
    if_match: Option<String>,
}

/// A PUT with `If-Match` whose connection closes after it was read may have
/// run: sent again it would meet a new eTag and be answered 412, a success
/// reported as a failure. It is sent once and its fate reported unknown; the
/// same PUT without a condition is sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_put_is_not_sent_again_after_an_unknown_fate() {
    let precondition_failed = r#"{"error":{"code":"preconditionFailed","message":"eTag"}}"#;
    let put = |if_match: Option<&str>| PutThing {
        body: json!({"name": "a"}),
        if_match: if_match.map(str::to_owned),
    };
    let server = RawServer::start(move |connection| match connection {
        0 => RawReply::Hangup,
        _ => RawReply::answer(412, precondition_failed),
    })
    .await;
    let client = server
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();

    let err = client
        .send(&put(Some("\"etag-1\"")))
        .await
        .expect_err("no answer");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_fate_unknown(), "{err:?}");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(server.requests(), 1, "sent once");

    // Without a condition the PUT is idempotent, and sent again.
    let server = RawServer::start(|connection| match connection {
        0 => RawReply::Hangup,
        _ => RawReply::answer(200, r#"{"ok":true}"#),
    })
    .await;
    let client = server
        .client_builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let answer = client.send(&put(None)).await.expect("sent again");
    assert_eq!(answer, json!({"ok": true}));
    assert_eq!(server.requests(), 2);
}
