//! Redirects and non-Graph answers end to end, against small axum servers
//! started in each test on `127.0.0.1:0` (two servers are two origins: same
//! host, different ports).
//!
//! Redirects: credentials never follow a redirect to another origin, while a
//! same-origin redirect keeps them; 307/308 keep method and body, 301/302/303
//! after a POST become a body-less GET; at most `MAX_REDIRECTS` (5, as documented on `Client`) are followed
//! and a redirect without `Location` is refused.
//!
//! Answers that are not Graph's JSON: an HTML 502 page, a truncated 200 body
//! and an empty 404 each become the right error, keeping the status and a
//! snippet of what was sent, after exactly one attempt.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use graph_core::BodyKind;
use graph_core::{Error, graph_endpoint};
use serde_json::json;
use tests::scripted::{ScriptedServer, bearer, json_ok, raw, redirect};

#[graph_endpoint(GET "/thing", response = serde_json::Value)]
struct GetThing;

#[graph_endpoint(POST "/thing", response = serde_json::Value)]
struct PostThing {
    #[body]
    body: serde_json::Value,
}

/// A redirect from origin A to origin B (another port), as Graph does for
/// downloads: B gets the request but no `Authorization`; A got the bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_redirect_drops_credentials() {
    for status in [302, 307, 308] {
        let b = ScriptedServer::start(|_| json_ok(&json!({"served_by": "b"}))).await;
        let landing = format!("{}/landing", b.root());
        let a = ScriptedServer::start(move |_| redirect(status, &landing)).await;
        assert_ne!(a.root(), b.root());

        let answer = a
            .client()
            .send(&GetThing::builder().build())
            .await
            .expect("the redirect is followed");
        assert_eq!(answer, json!({"served_by": "b"}), "{status}");

        let at_a = a.seen();
        assert_eq!(at_a.len(), 1, "{status}");
        assert_eq!(at_a[0].authorization.as_deref(), Some(bearer().as_str()));

        let at_b = b.seen();
        assert_eq!(at_b.len(), 1, "{status}");
        assert_eq!(
            (&at_b[0].method, at_b[0].path.as_str()),
            (&Method::GET, "/landing")
        );
        assert_eq!(
            at_b[0].authorization, None,
            "{status}: credentials leaked to another origin"
        );
    }
}

/// A 307 or 308 would replay the body, which can hold an invitation
/// password, to the other origin: refused, and B never hears of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_redirect_never_replays_a_body() {
    for status in [307, 308] {
        let b = ScriptedServer::start(|_| json_ok(&json!({"served_by": "b"}))).await;
        let landing = format!("{}/landing", b.root());
        let a = ScriptedServer::start(move |_| redirect(status, &landing)).await;
        let body = json!({"recipients": [{"email": "ryan@contoso.com"}], "password": "p@ss"});
        let error = a
            .client()
            .send(&PostThing::builder().body(body).build())
            .await
            .expect_err("the body must not go to another origin");
        assert!(matches!(error, Error::Redirect(_)), "{status}: {error:?}");
        assert_eq!(a.seen().len(), 1);
        assert!(
            b.seen().is_empty(),
            "{status}: the body reached another origin"
        );
    }
}

/// A redirect within the origin (a relative `Location`) keeps `Authorization`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_redirect_keeps_credentials() {
    let a = ScriptedServer::start(|seen| match seen.path.as_str() {
        "/thing" => redirect(302, "/other"),
        _ => json_ok(&json!({"served_by": "a/other"})),
    })
    .await;

    let answer = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect("the redirect is followed");

    assert_eq!(answer, json!({"served_by": "a/other"}));
    let seen = a.seen();
    let paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["/thing", "/other"]);
    assert!(
        seen.iter()
            .all(|s| s.method == Method::GET && s.authorization.as_deref() == Some(&bearer())),
        "{seen:#?}"
    );
}

/// A 301, 302 or 303 answering a POST is followed with a GET without body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn see_other_after_post_becomes_a_bodyless_get() {
    for status in [303, 302, 301] {
        let a = ScriptedServer::start(move |seen| match (&seen.method, seen.path.as_str()) {
            (&Method::POST, "/thing") => redirect(status, "/result"),
            (&Method::GET, "/result") => json_ok(&json!({"done": true})),
            _ => raw(500, None, "unexpected request"),
        })
        .await;

        let answer = a
            .client()
            .send(&PostThing::builder().body(json!({"x": 1})).build())
            .await
            .expect("the redirect is followed");

        assert_eq!(answer, json!({"done": true}), "{status}");
        let seen = a.seen();
        assert_eq!(seen.len(), 2, "{status}");
        assert_eq!(seen[0].method, Method::POST);
        assert_eq!(&seen[0].body[..], br#"{"x":1}"#);
        assert_eq!(seen[1].method, Method::GET, "{status}");
        assert!(seen[1].body.is_empty(), "{status}: body resent on a GET");
        assert_eq!(seen[1].content_type, None, "{status}");
        // Same origin: still authorized.
        assert_eq!(seen[1].authorization.as_deref(), Some(bearer().as_str()));
    }
}

/// A server that redirects `/thing` to `/hop/1`, `/hop/n` to `/hop/n+1`, and
/// answers 200 at `/hop/{last}` (never, when `last` is `None`).
async fn chain(last: Option<u32>) -> ScriptedServer {
    ScriptedServer::start(move |seen| {
        let n = seen
            .path
            .strip_prefix("/hop/")
            .map_or(0, |n| n.parse::<u32>().expect("hop number"));
        if Some(n) == last {
            json_ok(&json!({"hops": n}))
        } else {
            redirect(302, &format!("/hop/{}", n + 1))
        }
    })
    .await
}

/// The redirects followed per attempt, as `Client`'s documentation states.
const MAX_REDIRECTS: u32 = 5;

/// Exactly [`MAX_REDIRECTS`] redirects are followed; one more is an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_chain_is_bounded() {
    let ok = chain(Some(MAX_REDIRECTS)).await;
    let answer = ok
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect("five redirects are allowed");
    assert_eq!(answer, json!({"hops": MAX_REDIRECTS}));
    assert_eq!(ok.seen().len(), MAX_REDIRECTS as usize + 1);

    let endless = chain(None).await;
    let err = endless
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("the sixth redirect is refused");
    let Error::Redirect(refused) = &err else {
        panic!("expected Error::Redirect, got {err:?}");
    };
    assert!(
        refused.message().contains("more than 5 redirects"),
        "{refused}"
    );
    // The original request plus five followed hops, and no retry.
    assert_eq!(endless.seen().len(), MAX_REDIRECTS as usize + 1);
}

/// A redirect that cannot be followed leaves the request's fate unknown
/// only when a 301, 302 or 303 answered a request other than a GET: a GET
/// acts on nothing, and a 307 or 308 has not acted on the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_redirect_that_may_have_acted_is_an_unknown_fate() {
    let post = || PostThing::builder().body(json!({"a": 1})).build();
    let b = ScriptedServer::start(|_| json_ok(&json!({}))).await;
    let elsewhere = format!("{}/landing", b.root());
    let cases: Vec<(u16, String, bool, bool)> = vec![
        // (status, Location, a POST (else a GET), may have acted)
        (302, "ftp://files.contoso.com/x".into(), false, false),
        (301, "ftp://files.contoso.com/x".into(), true, true),
        (303, "ftp://files.contoso.com/x".into(), true, true),
        (307, elsewhere.clone(), true, false),
        (308, elsewhere, true, false),
    ];
    for (status, location, is_post, acted) in cases {
        let a = ScriptedServer::start(move |_| redirect(status, &location)).await;
        let result = if is_post {
            a.client().send(&post()).await
        } else {
            a.client().send(&GetThing::builder().build()).await
        };
        let err = result.expect_err("the redirect cannot be followed");
        let Error::Redirect(refused) = &err else {
            panic!("{status}: expected Error::Redirect, got {err:?}");
        };
        assert_eq!(refused.may_have_acted(), acted, "{status}: {err}");
        assert_eq!(refused.status(), status, "{err}");
        assert_eq!(err.is_fate_unknown(), acted, "{status}: {err}");
    }
    assert!(b.seen().is_empty(), "no body crossed origins");

    // Too many redirects of a GET: nothing acted.
    let err = chain(None)
        .await
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("the sixth redirect is refused");
    assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    assert!(!err.is_fate_unknown(), "{err:?}");
}

/// A redirect status without `Location` cannot be followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_without_location_is_an_error() {
    let a = ScriptedServer::start(|_| {
        Response::builder()
            .status(StatusCode::FOUND)
            .body(Body::empty())
            .expect("valid response")
    })
    .await;

    let err = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("nowhere to go");

    let Error::Redirect(refused) = &err else {
        panic!("expected Error::Redirect, got {err:?}");
    };
    assert!(refused.message().contains("Location"), "{refused}");
    assert_eq!(a.seen().len(), 1);
}

/// A gateway's HTML 502 page: `Error::Graph` with the status, no code, and
/// the page's text in the snippet; 502 is not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_error_page_is_a_graph_error_with_a_snippet() {
    let a = ScriptedServer::start(|_| {
        raw(
            502,
            Some("text/html; charset=utf-8"),
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body>\n</html>\n",
        )
    })
    .await;

    let err = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("502");

    assert_eq!(a.seen().len(), 1, "502 is not retried");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.code(), None);
    assert_eq!(err.attempts(), Some(1));
    assert!(!err.is_retryable());
    assert_eq!(err.request_id(), Some("rid-test-1"));
    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.body_kind(), BodyKind::Html);
    assert!(
        graph.snippet().contains("<title>502 Bad Gateway</title>"),
        "{}",
        graph.snippet()
    );
    assert!(err.to_string().contains("Bad Gateway"), "{err}");
}

/// A 200 whose JSON is cut off: `Error::Decode` keeping the status, the
/// request-id and the start of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_success_body_is_a_decode_error() {
    let a = ScriptedServer::start(|_| {
        raw(
            200,
            Some("application/json"),
            r#"{"value": [{"id": "1"}, {"id"#,
        )
    })
    .await;

    let err = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("cannot decode");

    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!(decode.status(), 200);
    assert_eq!(err.status(), Some(200));
    assert_eq!(decode.request_id(), Some("rid-test-1"));
    assert!(
        decode.snippet().contains(r#"{"value": [{"id": "1"}"#),
        "{}",
        decode.snippet()
    );
    assert!(decode.json_error().is_eof(), "{}", decode.json_error());
    assert_eq!(a.seen().len(), 1);
}

/// A 404 with an empty body is still `Error::Graph` with the status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_not_found_is_a_graph_error() {
    let a = ScriptedServer::start(|_| raw(404, None, "")).await;

    let err = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .expect_err("404");

    let Error::Graph(graph) = &err else {
        panic!("expected Error::Graph, got {err:?}");
    };
    assert_eq!(graph.status(), 404);
    assert_eq!(graph.code(), None);
    assert_eq!(graph.body_kind(), BodyKind::Empty);
    assert!(graph.snippet().is_empty());
    assert_eq!(graph.attempts(), 1);
    assert!(err.to_string().contains("404 with an empty body"), "{err}");
    assert_eq!(a.seen().len(), 1);
}
