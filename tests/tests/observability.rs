//! One tracing span per logical request, with what an operator needs, and no
//! secret in any span or event: not the token, the client secret or an
//! invitation password; nor in any error: URLs show scheme, host and path,
//! their query values `REDACTED` and their user-info dropped, whether they
//! come from the HTTP stack, a refused redirect, a base URL or a `$batch`
//! failure copied into each of its requests.

use graph_core::drive::ItemLocator;
use graph_core::retry::RetryPolicy;
use graph_core::{Client, Error, graph_endpoint};
use graph_emulator::seed;
use serde_json::json;
use tests::scripted::{ScriptedServer, redirect};
use tests::{Setup, TraceCapture, app_client, invite_to};

#[tokio::test]
async fn each_request_has_one_span_with_its_outcome_and_no_secret() {
    let capture = TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    let emulator = Setup::new().start_emulator().await;
    let client = app_client(&emulator, seed::CLIENT_SECRET);
    let item = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let password = "Sup3r-secret-invite-pw";

    emulator.inject_next(503, Some("0"));
    client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    // A refused invite (password on a business drive) logs its failure too.
    let refused = invite_to(seed::LEE_EMAIL).with_password(password);
    let error = client.send(&item.invite(refused)).await.unwrap_err();
    assert_eq!(error.status(), Some(400));

    let spans = capture.spans();
    let requests: Vec<&Vec<String>> = spans
        .iter()
        .filter(|(name, _)| name == "graph.request")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(
        requests.len(),
        2,
        "one span per logical request: {spans:#?}"
    );
    let first = requests[0].join(" ");
    for expected in [
        "method=POST",
        "template=\"/drives/<drive_id>/items/<item_id>/invite\"",
        "attempts=2",
        "status=200",
        "request_id=",
    ] {
        assert!(first.contains(expected), "missing {expected} in {first}");
    }
    assert!(
        requests[1].join(" ").contains("status=400"),
        "{:?}",
        requests[1]
    );

    // The emulator issued a real token; find it to be sure it never shows.
    let token_answer = emulator
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .expect("a token was requested");
    assert!(
        token_answer.body.contains("client_secret="),
        "the secret went to the token endpoint"
    );

    let everything = format!("{spans:?} {:?}", capture.events());
    for secret in [seed::CLIENT_SECRET, password, "Bearer"] {
        assert!(
            !everything.contains(secret),
            "`{secret}` was traced: {everything}"
        );
    }
    assert!(
        !capture.events().is_empty(),
        "retries and failures are traced as events"
    );
}

#[graph_endpoint(GET "/thing", response = serde_json::Value)]
struct GetThing;

#[graph_endpoint(POST "/thing", response = serde_json::Value)]
struct PostThing {
    #[body]
    body: serde_json::Value,
}

/// The secrets of a pre-authenticated download URL (`tempauth=`), an Azure
/// storage SAS (`sig=`) and a password in user-info.
const SECRETS: [&str; 3] = ["TEMPAUTH-S3CRET", "SIG-S3CRET", "PW-S3CRET"];

/// A download URL on `origin` carrying every secret.
fn download_url(origin: &str) -> String {
    format!(
        "{origin}/_layouts/15/download.aspx?UniqueId=42&tempauth={}&sig={}",
        SECRETS[0], SECRETS[1]
    )
}

fn assert_no_secret(what: &str, shown: &str) {
    for secret in SECRETS {
        assert!(!shown.contains(secret), "{what} shows `{secret}`: {shown}");
    }
}

/// Display and Debug of `err`, with no secret in either.
fn shown(what: &str, err: &Error) -> String {
    let shown = format!("{err} | {err:?}");
    assert_no_secret(what, &shown);
    shown
}

/// A closed loopback port and a download URL on it carrying every secret.
fn nowhere() -> (std::net::SocketAddr, String) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    (closed, download_url(&format!("http://{closed}")))
}

/// Everything `capture` traced has no secret, and shows a redacted URL.
fn assert_traces_redacted(capture: &TraceCapture) {
    let traced = format!("{:?} {:?}", capture.spans(), capture.events());
    assert_no_secret("the traces", &traced);
    assert!(
        traced.contains("REDACTED"),
        "the failure is traced: {traced}"
    );
}

// Current-thread runtimes here: every task (the `$batch` engine's too)
// runs on the test's thread, where the capture is installed.

/// (a) The HTTP stack's error names the URL it could not reach (a redirect
/// to a closed port): redacted in Display, Debug and traces.
#[tokio::test]
async fn a_transport_error_shows_the_url_redacted() {
    let capture = TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let (closed, nowhere) = nowhere();
    let a = ScriptedServer::start(move |_| redirect(302, &nowhere)).await;
    let err = a
        .client()
        .send(&GetThing::builder().build())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = shown("a transport error", &err);
    assert!(
        text.contains(&format!(
            "{closed}/_layouts/15/download.aspx?UniqueId=REDACTED&tempauth=REDACTED&sig=REDACTED"
        )),
        "the URL is still shown, redacted: {text}"
    );
    assert_traces_redacted(&capture);
}

/// (b) Refused redirects: a scheme that is not http(s), a `Location` that
/// does not parse, a body that would go to another origin.
#[tokio::test]
async fn a_refused_redirect_shows_the_location_redacted() {
    let capture = TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let b = ScriptedServer::start(|_| json_ok_b()).await;
    for location in [
        format!(
            "ftp://user:{}@files.example/f?sig={}",
            SECRETS[2], SECRETS[1]
        ),
        format!("http://[oops/x?tempauth={}", SECRETS[0]),
        download_url(b.root()),
    ] {
        let server = ScriptedServer::start(move |_| redirect(307, &location)).await;
        let err = server
            .client()
            .send(&PostThing::builder().body(json!({"a": 1})).build())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Redirect(_)), "{err:?}");
        let text = shown("a refused redirect", &err);
        assert!(text.contains("REDACTED"), "{text}");
    }
    assert!(b.seen().is_empty());
    assert_traces_redacted(&capture);
}

/// (c) A base URL pasted with secrets in it is refused without repeating them.
#[test]
fn a_base_url_error_shows_it_redacted() {
    for base in [
        format!("https://user:{}@graph.example/v1.0", SECRETS[2]),
        format!("https://graph.example/v1.0?sig={}", SECRETS[1]),
        format!("http://graph.example/v1.0?tempauth={}", SECRETS[0]),
        format!("not a url?tempauth={}", SECRETS[0]),
    ] {
        let err = Client::builder()
            .auth(graph_core::auth::StaticToken::new("t"))
            .base_url(&base)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{base}: {err:?}");
        shown("a configuration error", &err);
    }
}

/// (d) A `$batch` that fails whole copies its error's text into each of
/// its requests: that text is already redacted.
#[tokio::test]
async fn a_failed_batch_copies_only_redacted_text() {
    let capture = TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let (_, nowhere) = nowhere();
    let batch = ScriptedServer::start(move |_| redirect(302, &nowhere)).await;
    let client = batch.client().with_retry_policy(RetryPolicy::disabled());
    let results = client
        .send_all([GetThing::builder().build(), GetThing::builder().build()])
        .await;
    assert_eq!(results.len(), 2);
    for result in &results {
        let err = result.as_ref().unwrap_err();
        let text = shown("a batch error", err);
        assert!(text.contains("tempauth=REDACTED"), "{text}");
    }
    assert_no_secret(
        "the traces",
        &format!("{:?} {:?}", capture.spans(), capture.events()),
    );
}

fn json_ok_b() -> axum::response::Response {
    tests::scripted::json_ok(&json!({"served_by": "b"}))
}

/// A GET answered 503, then hung up on until the retries run out: the
/// span's attempts are the error's, though the last attempts had no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_span_counts_attempts_that_got_no_answer() {
    let capture = TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = tests::scripted::RawServer::start(|connection| match connection {
        0 => tests::scripted::RawReply::answer(503, "{}"),
        _ => tests::scripted::RawReply::Hangup,
    })
    .await;
    let client = server
        .client_builder()
        .retry_policy(tests::quick_retries())
        .build()
        .unwrap();

    let err = client
        .send(&GetThing::builder().build())
        .await
        .expect_err("no answer in the end");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let attempts = err.attempts().expect("a transport error counts attempts");
    assert!(attempts > 2, "{err:?}");

    let spans = capture.spans();
    let fields = spans
        .iter()
        .find(|(name, _)| name == "graph.request")
        .map(|(_, f)| f)
        .expect("a span");
    // Fields are captured as recorded: the last `attempts` is the span's.
    let recorded = fields
        .iter()
        .rev()
        .find_map(|f| f.strip_prefix("attempts="))
        .expect("attempts recorded");
    assert_eq!(recorded, attempts.to_string(), "{fields:?}");
    assert!(fields.iter().any(|f| f == "status=503"), "{fields:?}");
}
