//! A loopback server that answers what a test scripts and records what it
//! was sent: for the answers the emulator never gives (redirects, HTML error
//! pages, truncated JSON, a malformed `$batch` reply).
//!
//! [`RawServer`] goes below HTTP, for what a network does: silence, a
//! connection closed after the request was read, a body that never ends.
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

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use graph_core::auth::StaticToken;
use graph_core::{Client, ClientBuilder};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

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

/// What a [`RawServer`] does on a connection once it has read one request
/// (its head and its `Content-Length` body).
#[derive(Debug, Clone)]
pub enum RawReply {
    /// Says nothing, and keeps the connection open until the client hangs up.
    Silence,
    /// Closes the connection: the request was sent, no answer comes.
    Hangup,
    /// Writes these bytes as they are (an answer, perhaps cut short), then closes.
    Bytes(Vec<u8>),
    /// Writes these bytes (a whole answer), keeps the connection open,
    /// reads the next request on it and does what the second says.
    Then(Vec<u8>, Box<RawReply>),
    /// Writes `start`, and `rest` only if the client has not hung up within
    /// five seconds (a client that stops reading after `start` hangs up at
    /// once, so the wait only matters when it does not); then, on the same
    /// connection, reads the next request and does what `next` says.
    Held {
        /// What is written first.
        start: Vec<u8>,
        /// What is written only to a client that waits for it.
        rest: Vec<u8>,
        /// The reply to the next request on the connection.
        next: Box<RawReply>,
    },
    /// Writes `head` (a status line and headers ending in `\r\n\r\n`, with
    /// `transfer-encoding: chunked`), then 16 KiB chunks of `fill` without
    /// end, until the client hangs up.
    Endless {
        /// The status line and headers.
        head: String,
        /// The byte each chunk repeats.
        fill: u8,
    },
}

impl RawReply {
    /// A `status` answer with `body`, its `Content-Length` and
    /// `request-id: {REQUEST_ID}`.
    pub fn answer(status: u16, body: &str) -> Self {
        RawReply::Bytes(
            format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nrequest-id: {REQUEST_ID}\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    }

    /// A `status` answer whose chunked body of `fill` never ends.
    pub fn endless(status: u16, extra_headers: &str, fill: u8) -> Self {
        RawReply::Endless {
            head: format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nrequest-id: {REQUEST_ID}\r\n\
                 {extra_headers}transfer-encoding: chunked\r\n\r\n"
            ),
            fill,
        }
    }
}

/// A TCP server on `127.0.0.1:0` that reads one HTTP request per connection
/// and then does what `reply` says for that connection (numbered from 0);
/// dropping it stops it.
pub struct RawServer {
    root: String,
    state: Arc<RawState>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct RawState {
    requests: AtomicUsize,
    connections: AtomicUsize,
    /// Bytes written on connections the client hung up on, and how many.
    hung_up_bytes: AtomicU64,
    hang_ups: AtomicUsize,
    hung_up: Notify,
}

impl RawServer {
    /// Starts serving; `reply` picks each connection's answer.
    pub async fn start(reply: impl Fn(usize) -> RawReply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let root = format!("http://{}", listener.local_addr().expect("local address"));
        let state = Arc::new(RawState::default());
        let shared = Arc::clone(&state);
        let reply = Arc::new(reply);
        let task = tokio::spawn(async move {
            let mut connections = 0;
            while let Ok((stream, _)) = listener.accept().await {
                let (state, reply) = (Arc::clone(&shared), Arc::clone(&reply));
                let number = connections;
                connections += 1;
                shared.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move { serve(stream, reply(number), &state).await });
            }
        });
        Self { root, state, task }
    }

    /// `http://127.0.0.1:{port}`, without a trailing slash.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Requests read so far (one per connection, but for [`RawReply::Then`]).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// A client builder for this server: its base URL, a static token and
    /// no retries (the client's default time limit); a test changes what it
    /// is about.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(&self.root)
            .auth(StaticToken::new(TOKEN))
            .retry_policy(graph_core::retry::RetryPolicy::disabled())
    }

    /// Waits until the client has hung up on `count` connections that were
    /// still being written or held open, and returns the bytes written on
    /// them: finite, since the client stopped reading.
    pub async fn hung_up(&self, count: usize) -> u64 {
        loop {
            let notified = self.state.hung_up.notified();
            if self.state.hang_ups.load(Ordering::SeqCst) >= count {
                return self.state.hung_up_bytes.load(Ordering::SeqCst);
            }
            notified.await;
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, mut reply: RawReply, state: &RawState) {
    if !read_request(&mut stream).await {
        return;
    }
    state.requests.fetch_add(1, Ordering::SeqCst);
    loop {
        let next = match reply {
            RawReply::Then(bytes, next) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
                next
            }
            RawReply::Held { start, rest, next } => {
                if stream.write_all(&start).await.is_err() {
                    return;
                }
                let mut byte = [0u8; 1];
                let wait = tokio::time::Duration::from_secs(5);
                // A read that ends is the client hanging up (it sends
                // nothing more before the answer is whole).
                if tokio::time::timeout(wait, stream.read(&mut byte))
                    .await
                    .is_ok()
                    || stream.write_all(&rest).await.is_err()
                {
                    return;
                }
                next
            }
            other => {
                reply = other;
                break;
            }
        };
        if !read_request(&mut stream).await {
            return;
        }
        state.requests.fetch_add(1, Ordering::SeqCst);
        reply = *next;
    }
    let written = match reply {
        // Taken by the loop above.
        RawReply::Then(..) | RawReply::Held { .. } => return,
        RawReply::Hangup => return,
        RawReply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            return;
        }
        RawReply::Silence => {
            // Returns once the client closes the connection.
            let mut buf = [0u8; 1024];
            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
            0
        }
        RawReply::Endless { head, fill } => {
            let mut written = head.len() as u64;
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend(std::iter::repeat_n(fill, 0x4000));
            chunk.extend_from_slice(b"\r\n");
            if stream.write_all(head.as_bytes()).await.is_ok() {
                while stream.write_all(&chunk).await.is_ok() {
                    written += chunk.len() as u64;
                }
            }
            written
        }
    };
    state.hung_up_bytes.fetch_add(written, Ordering::SeqCst);
    state.hang_ups.fetch_add(1, Ordering::SeqCst);
    state.hung_up.notify_waiters();
}

/// Reads one request's head and its `Content-Length` body; false if the
/// client closed first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}
