//! The loopback redirect of a native app's sign-in (RFC 8252 §7.3): a
//! listener on `127.0.0.1` that waits for the one browser redirect carrying
//! the authorization answer for this sign-in's `state`, answers the browser
//! a short page, and stops.
//!
//! HTTP is hyper's (its server half, HTTP/1 only), with its request head
//! bounded ([`MAX_HEAD_BYTES`]) and timed ([`HEAD_TIMEOUT`]); no request
//! body is read. At most [`MAX_CONNECTIONS`] connections are served at once,
//! so that a local process opening connections cannot exhaust memory; past
//! that the oldest is closed for the newest, so that connections left open
//! (a browser's spare ones, or a local process holding them) cannot keep
//! the redirect out.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinSet};

use crate::Secret;

/// The largest request head read (request line and headers); a browser's
/// redirect with a code and a state is a few kilobytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How long a connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once; a new one past that closes the oldest.
const MAX_CONNECTIONS: usize = 16;

/// What the redirect carried, for the sign-in's own `state`.
pub(crate) enum Redirected {
    /// `code`: redeem it at the token endpoint.
    Code(Secret),
    /// `error` (and `error_description`) (RFC 6749 §4.1.2.1).
    Error {
        error: String,
        description: Option<String>,
    },
}

/// Nobody came back in time.
pub(crate) struct TimedOut {
    /// Redirects refused meanwhile: another `state`, or neither `code` nor `error`.
    pub(crate) refused: usize,
}

/// A bound loopback listener and the redirect URI that reaches it.
pub(crate) struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
}

impl Loopback {
    /// Listens on `127.0.0.1:port` (`0`: a port the system picks). RFC 8252
    /// §8.3 recommends the IP literal over `localhost`, which may resolve
    /// elsewhere or to IPv6 first; so do Microsoft's redirect URI docs
    /// ("Redirect URI (reply URL) outline and restrictions": prefer
    /// `127.0.0.1` over `localhost`).
    pub(crate) async fn bind(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = listener.local_addr()?.port();
        // No path: the identity platform then redirects to `/` ("Redirect
        // URIs not configured with a path segment are returned with a
        // trailing slash").
        let redirect_uri = format!("http://127.0.0.1:{port}");
        Ok(Self {
            listener,
            redirect_uri,
        })
    }

    /// The `redirect_uri` to send, in the authorize request and again when
    /// redeeming the code (RFC 6749 §4.1.3: the same value).
    pub(crate) fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits, at most `limit` on tokio's clock, for a redirect whose `state`
    /// is `state` and that carries a `code` or an `error`. Other requests
    /// are answered 400 (or 404 off the redirect path) and waiting goes on:
    /// RFC 6749 §10.12 has the client refuse an answer whose `state` is not
    /// its own (a cross-site request forgery), and giving up at the first
    /// one would let any web page or local process end the sign-in.
    pub(crate) async fn wait(
        self,
        state: &Secret,
        limit: Duration,
    ) -> Result<Redirected, TimedOut> {
        let refused = Arc::new(AtomicUsize::new(0));
        let (done, mut arrived) = tokio::sync::mpsc::channel::<Redirected>(1);
        let expected = Arc::new(state.clone());
        let mut connections = JoinSet::new();
        // Oldest first, with whether each has carried this sign-in's redirect.
        let mut open: VecDeque<(AbortHandle, Arc<AtomicBool>)> = VecDeque::new();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            tokio::select! {
                redirected = arrived.recv() => {
                    if let Some(redirected) = redirected {
                        return Ok(redirected);
                    }
                }
                accepted = self.listener.accept() => {
                    while connections.try_join_next().is_some() {}
                    let Ok((stream, _)) = accepted else { continue };
                    open.retain(|(task, _)| !task.is_finished());
                    // Full: the oldest that has not carried the redirect
                    // goes (one that has is ending, its page on the way).
                    if open.len() >= MAX_CONNECTIONS
                        && let Some(at) = open.iter().position(|(_, carried)| !carried.load(Ordering::SeqCst))
                        && let Some((oldest, _)) = open.remove(at)
                    {
                        oldest.abort();
                    }
                    let carried = Arc::new(AtomicBool::new(false));
                    let (expected, refused, done) = (expected.clone(), refused.clone(), done.clone());
                    let task = connections.spawn(serve(stream, expected, refused, done, carried.clone()));
                    open.push_back((task, carried));
                }
                () = tokio::time::sleep_until(deadline) => {
                    return Err(TimedOut { refused: refused.load(Ordering::SeqCst) });
                }
            }
        }
    }
}

/// Serves one connection (one request: no keep-alive), then hands on what
/// its redirect carried, once the browser has had its page.
async fn serve(
    stream: tokio::net::TcpStream,
    expected: Arc<Secret>,
    refused: Arc<AtomicUsize>,
    done: tokio::sync::mpsc::Sender<Redirected>,
    carried: Arc<AtomicBool>,
) {
    let outcome: Arc<Mutex<Option<Redirected>>> = Arc::new(Mutex::new(None));
    let slot = outcome.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (response, redirected) = answer(&request, &expected);
        match redirected {
            Some(redirected) => {
                carried.store(true, Ordering::SeqCst);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(redirected);
            }
            None if request.uri().path() == "/" => {
                refused.fetch_add(1, Ordering::SeqCst);
            }
            None => {}
        }
        std::future::ready(Ok::<_, std::convert::Infallible>(response))
    });
    let served = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .max_buf_size(MAX_HEAD_BYTES)
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    // A connection that failed mid-answer still carried its redirect.
    let _ = served;
    let redirected = outcome
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(redirected) = redirected {
        let _ = done.try_send(redirected);
    }
}

/// The page for `request`, and what it carried when it is this sign-in's redirect.
fn answer(
    request: &Request<Incoming>,
    expected: &Secret,
) -> (Response<String>, Option<Redirected>) {
    if request.uri().path() != "/" {
        return (page(StatusCode::NOT_FOUND, "Not found."), None);
    }
    if request.method() != Method::GET {
        return (page(StatusCode::METHOD_NOT_ALLOWED, "Not allowed."), None);
    }
    let query = request.uri().query().unwrap_or_default();
    let pairs: Vec<(String, String)> = reqwest::Url::parse(&format!("http://127.0.0.1/?{query}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    };
    if param("state") != Some(expected.expose()) {
        return (
            page(
                StatusCode::BAD_REQUEST,
                "This sign-in answer is not for the sign-in in progress. Return to the application and start the sign-in again if needed.",
            ),
            None,
        );
    }
    if let Some(code) = param("code") {
        let done = "Signed in. You can close this window and return to the application.";
        return (
            page(StatusCode::OK, done),
            Some(Redirected::Code(Secret::new(code))),
        );
    }
    if let Some(error) = param("error") {
        let redirected = Redirected::Error {
            error: error.to_owned(),
            description: param("error_description").map(str::to_owned),
        };
        let ended = "The sign-in did not complete. You can close this window and return to the application.";
        return (page(StatusCode::OK, ended), Some(redirected));
    }
    (
        page(
            StatusCode::BAD_REQUEST,
            "This sign-in answer has neither a code nor an error.",
        ),
        None,
    )
}

/// A short page in plain words (fixed text: nothing from the request is echoed).
fn page(status: StatusCode, text: &'static str) -> Response<String> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in</title></head><body><p>{text}</p></body></html>"
    );
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// Sends `request` raw and reads the answer's status line.
    async fn send_raw(port: u16, request: &[u8]) -> String {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let _ = stream.write_all(request).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[tokio::test]
    async fn only_this_sign_ins_redirect_ends_the_wait_and_nothing_unbounded_is_read() {
        let loopback = Loopback::bind(0).await.unwrap();
        let port = loopback
            .redirect_uri()
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap();
        let state = Secret::new("STATE-1");
        let waiting =
            tokio::spawn(async move { loopback.wait(&state, Duration::from_secs(3600)).await });
        // A connection that never sends anything does not hold the others up.
        let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let huge = format!(
            "GET /?state=STATE-1&code=C HTTP/1.1\r\nHost: x\r\nX-Fill: {}\r\n\r\n",
            "a".repeat(64 * 1024)
        );
        let too_large = send_raw(port, huge.as_bytes()).await;
        assert!(!too_large.contains(" 200 "), "{too_large}");
        for (request, status) in [
            ("GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n", " 404 "),
            (
                "POST /?state=STATE-1&code=C HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                " 405 ",
            ),
            (
                "GET /?state=OTHER&code=C HTTP/1.1\r\nHost: x\r\n\r\n",
                " 400 ",
            ),
            ("GET /?state=STATE-1 HTTP/1.1\r\nHost: x\r\n\r\n", " 400 "),
        ] {
            let line = send_raw(port, request.as_bytes()).await;
            assert!(line.contains(status), "{request}: {line}");
        }
        assert!(!waiting.is_finished());
        let line = send_raw(
            port,
            b"GET /?code=THE%20CODE&state=STATE-1 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert!(line.contains(" 200 "), "{line}");
        match waiting.await.unwrap() {
            Ok(Redirected::Code(code)) => assert_eq!(code.expose(), "THE CODE"),
            _ => panic!("expected the code"),
        }
    }

    /// The port `loopback` listens on.
    fn port_of(loopback: &Loopback) -> u16 {
        let uri = loopback.redirect_uri();
        uri.rsplit(':').next().unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn connections_left_open_cannot_keep_the_redirect_out() {
        let loopback = Loopback::bind(0).await.unwrap();
        let port = port_of(&loopback);
        let state = Secret::new("STATE-3");
        let waiting =
            tokio::spawn(async move { loopback.wait(&state, Duration::from_secs(3600)).await });
        // As many connections as are served at once, and more, each open and
        // silent (a browser's spare connections, or a local process holding
        // them); each answered only once the listener has taken it.
        let mut idle = Vec::new();
        for _ in 0..MAX_CONNECTIONS + 2 {
            idle.push(
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap(),
            );
        }
        let line = send_raw(
            port,
            b"GET /?code=C-3&state=STATE-3 HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert!(line.contains(" 200 "), "the redirect was answered {line:?}");
        match waiting.await.unwrap() {
            Ok(Redirected::Code(code)) => assert_eq!(code.expose(), "C-3"),
            _ => panic!("expected the code"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_wait_ends_at_its_limit_and_counts_refused_answers() {
        let loopback = Loopback::bind(0).await.unwrap();
        let uri = loopback.redirect_uri().to_owned();
        let port: u16 = uri.rsplit(':').next().unwrap().parse().unwrap();
        // Sent before the wait starts, so that it is ready at once and the
        // paused clock cannot pass the limit first.
        let mut forged = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        forged
            .write_all(b"GET /?state=nope&code=C HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let state = Secret::new("STATE-2");
        let waited = loopback.wait(&state, Duration::from_secs(60)).await;
        match waited {
            Err(TimedOut { refused }) => assert_eq!(refused, 1),
            Ok(_) => panic!("nothing valid came"),
        }
        let mut answer = Vec::new();
        let _ = forged.read_to_end(&mut answer).await;
        assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 400"));
    }
}
