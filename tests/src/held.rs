//! A loopback token endpoint that holds its answers until the test lets them go.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

/// Answers every request with one fixed status and JSON body, but only after
/// [`release`](Self::release): a test can have many callers waiting on one
/// token request, then let it fail. Dropping it stops it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let endpoint = tests::HeldTokenEndpoint::start(503, r#"{"error":"temporarily_unavailable"}"#).await;
/// assert!(endpoint.root().starts_with("http://127.0.0.1:"));
/// assert_eq!(endpoint.requests(), 0);
/// endpoint.release();
/// # }
/// ```
pub struct HeldTokenEndpoint {
    root: String,
    requests: Arc<AtomicUsize>,
    open: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Held {
    status: StatusCode,
    body: &'static str,
    requests: Arc<AtomicUsize>,
    open: watch::Receiver<bool>,
}

impl HeldTokenEndpoint {
    /// Starts on `127.0.0.1:0`; every answer will be `status` with `body`.
    pub async fn start(status: u16, body: &'static str) -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let (open, opened) = watch::channel(false);
        let held = Held {
            status: StatusCode::from_u16(status).expect("a valid status"),
            body,
            requests: Arc::clone(&requests),
            open: opened,
        };
        let app = Router::new().fallback(answer).with_state(held);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let root = format!("http://{}", listener.local_addr().expect("local address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server runs");
        });
        Self {
            root,
            requests,
            open,
            task,
        }
    }

    /// `http://127.0.0.1:{port}`: an authority root for
    /// [`ClientCredentialsBuilder::authority`](graph_core::auth::ClientCredentialsBuilder::authority).
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Requests received so far, answered or still held.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Answers the held requests, and every later one at once.
    pub fn release(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for HeldTokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(mut held): State<Held>) -> Response {
    held.requests.fetch_add(1, Ordering::SeqCst);
    // Err only when the endpoint is gone: answer anyway.
    let _ = held.open.wait_for(|open| *open).await;
    (
        held.status,
        [(header::CONTENT_TYPE, "application/json")],
        held.body,
    )
        .into_response()
}
