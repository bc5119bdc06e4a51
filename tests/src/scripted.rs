//! A loopback server that answers what a test scripts and records what it
//! was sent: for the answers the emulator never gives (redirects, HTML error
//! pages, truncated JSON, a malformed `$batch` reply).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use graph_core::graph_endpoint;
//! use tests::scripted::{ScriptedServer, json_ok};
//!
//! #[graph_endpoint(GET "/thing", response = serde_json::Value)]
//! struct GetThing;
//!
//! let server = ScriptedServer::start(|_| json_ok(&serde_json::json!({"ok": true}))).await;
//! server.client().send(&GetThing::builder().build()).await.unwrap();
//! assert_eq!(server.seen()[0].path, "/thing");
//! # }
//! ```

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use graph_core::Client;
use graph_core::auth::StaticToken;
use serde_json::Value;

/// The bearer token of [`ScriptedServer::client`].
pub const TOKEN: &str = "scripted-test-token-4b7e";

/// The `request-id` header [`raw`] answers with.
pub const REQUEST_ID: &str = "rid-test-1";

/// One request as a scripted server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request's method.
    pub method: Method,
    /// The request's path, without the query.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The request body as sent.
    pub body: Bytes,
}

type Reply = dyn Fn(&Seen) -> Response + Send + Sync;

#[derive(Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    reply: Arc<Reply>,
}

/// A running scripted server on `127.0.0.1:0`; dropping it stops it.
///
/// Two servers are two origins (same host, different ports).
pub struct ScriptedServer {
    root: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedServer {
    /// Serves every request, whatever its method and path, with `reply`,
    /// recording it first.
    pub async fn start(reply: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            seen: Arc::clone(&seen),
            reply: Arc::new(reply),
        };
        let app = Router::new().fallback(record).with_state(recorder);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let root = format!("http://{}", listener.local_addr().expect("local address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server runs");
        });
        Self { root, seen, task }
    }

    /// `http://127.0.0.1:{port}`, without a trailing slash.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Every request received so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// A client whose base URL is [`root`](Self::root), authenticated with
    /// [`TOKEN`], with the default retry policy.
    pub fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.root)
            .auth(StaticToken::new(TOKEN))
            .build()
            .expect("client builds")
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(
    State(recorder): State<Recorder>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let seen = Seen {
        method,
        path: uri.path().to_owned(),
        authorization: text(header::AUTHORIZATION),
        content_type: text(header::CONTENT_TYPE),
        body,
    };
    let response = (recorder.reply)(&seen);
    recorder.seen.lock().expect("not poisoned").push(seen);
    response
}

/// `Authorization: Bearer {TOKEN}`, as [`ScriptedServer::client`] sends it.
pub fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// A redirect with `status` to `location`, without a body.
pub fn redirect(status: u16, location: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::LOCATION, location)
        .body(Body::empty())
        .expect("valid response")
}

/// A 200 with `value` as its JSON body.
pub fn json_ok(value: &Value) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(value.to_string()))
        .expect("valid response")
}

/// `status` with `body` as is, the given `Content-Type` (none when `None`)
/// and `request-id: {REQUEST_ID}`.
pub fn raw(status: u16, content_type: Option<&str>, body: &'static str) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header("request-id", REQUEST_ID);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(Body::from(body)).expect("valid response")
}
