//! One logical request: attempts, retries and redirects, then decoding.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::Url;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, HeaderMap, HeaderName, HeaderValue, LOCATION,
    RETRY_AFTER, USER_AGENT,
};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use tracing::field::Empty;

use super::authority::url_under;
use super::body::{MAX_ERROR_BODY_BYTES, ReadError, drain, read_limited};
use super::reauth::Reauth;
use super::redirect::{is_redirect, next_hop, same_origin};
use super::request_id::new_client_request_id;
use super::resend::resend_delay;
use super::{Inner, Response};
use crate::auth::AccessToken;
use crate::error::{AnswerHeaders, AnswerMeta, Answered};
use crate::request::redacted_url;
use crate::retry::{Attempt, Decision, RETRY_ATTEMPT_HEADER};
use crate::{Error, Method, RedirectError, Request};

/// The header carrying this client's id for the request, parsed once.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// Graph's id for the exchange, read from every answer (a `&str` name would
/// be parsed at each look-up).
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// Sends `request` under the client's retry policy, decodes a success as
/// `T`, and hands the answer to `finish`: the client's methods differ only
/// in what they keep of it.
///
/// A plain function returning the instrumented future, not an `async fn`,
/// and `finish` applied inside it: every async layer and every wrapper
/// copies the answer (with the decoded value, which can be kilobytes) on its
/// way out, so the client's methods return this future as it is.
pub(super) fn execute<T: DeserializeOwned, O>(
    inner: &Inner,
    request: Result<Request, Error>,
    finish: impl FnOnce(Response<T>) -> O,
) -> impl Future<Output = Result<O, Error>> {
    let span = match &request {
        Ok(request) => tracing::info_span!(
            "graph.request",
            method = %request.method(),
            template = request.template(),
            attempts = Empty,
            status = Empty,
            request_id = Empty,
        ),
        // Nothing is sent: no span, as before a request exists.
        Err(_) => tracing::Span::none(),
    };
    execute_in_span(inner, request, span.clone(), finish).instrument(span)
}

async fn execute_in_span<T: DeserializeOwned, O>(
    inner: &Inner,
    request: Result<Request, Error>,
    span: tracing::Span,
    finish: impl FnOnce(Response<T>) -> O,
) -> Result<O, Error> {
    let request = request?;
    // Only a hand-made `Request` can fail these (endpoints render sendable
    // ones); both run before a token is fetched.
    request.check_sendable()?;
    let Request {
        method,
        path_and_query,
        headers,
        body,
        ..
    } = request;
    let mut url_text = String::with_capacity(inner.base_url.len() + path_and_query.len());
    url_text.push_str(&inner.base_url);
    url_text.push_str(&path_and_query);
    let parse = || url_under(&inner.base_url, &url_text);
    let mut url = parse()?;
    let (client_request_id, client_request_id_header) = new_client_request_id();
    let body = body.map(Bytes::from);

    let mut attempts = 0u32;
    let mut retries = 0u32;
    let mut waited = Duration::ZERO;
    let mut reauth = Reauth::default();
    loop {
        attempts += 1;
        // Recorded before the attempt, so a request that ends in a resend
        // or a transport failure shows as many attempts as its error.
        span.record("attempts", attempts);
        let token = inner.auth.token().await?;
        let exchange = Exchange {
            inner,
            client_request_id: &client_request_id_header,
            headers: &headers,
            retries,
            attempts,
        };
        // The URL moves into the request: an attempt clones nothing, and a
        // retry (rare, and about to sleep) parses it again. Each way out of
        // an attempt but a success ends in the wait before the next one, or
        // in the error. Boxed: a failure is rare, and its state (the
        // answer's headers, a body read, a retry's sleep) would otherwise
        // make every request's future larger.
        let (delay, attempt) = match exchange.send(&token, url, method, body.clone()).await {
            Err(error) => {
                let resend = resend_or_fail(inner, method, &headers, error, retries, waited);
                Box::pin(resend).await?
            }
            Ok(mut answer) => {
                let status = answer.status().as_u16();
                let request_id = header(answer.headers(), &REQUEST_ID);
                span.record("status", status);
                if let Some(id) = &request_id {
                    span.record("request_id", id.as_str());
                }
                if !(200..300).contains(&status) {
                    let failed = Failed {
                        inner,
                        status,
                        request_id,
                        client_request_id: &client_request_id,
                        attempts,
                        retries,
                        waited,
                    };
                    // Kept for a 401 only: it tells whether the answer came
                    // from where the request was sent (see `Reauth::retry`).
                    let answered_by = (status == 401).then(|| answer.url().clone());
                    match Box::pin(failed.retry_or_error(answer)).await {
                        Ok(retry) => retry,
                        Err(error) => {
                            let (Some(answered_by), Ok(sent_to)) = (answered_by, parse()) else {
                                return Err(error);
                            };
                            let auth = &*inner.auth;
                            let retry = reauth.retry(auth, &token, &sent_to, &answered_by, error);
                            Box::pin(retry).await?;
                            url = sent_to;
                            continue;
                        }
                    }
                } else {
                    match read_limited(&mut answer, inner.max_response_bytes).await {
                        Ok(bytes) => {
                            // Back to the pool before the decoding, as the body is whole.
                            drop(answer);
                            let value = decode(status, request_id.as_deref(), &bytes)?;
                            return Ok(finish(Response {
                                status,
                                request_id,
                                client_request_id,
                                attempts,
                                value,
                            }));
                        }
                        Err(problem) => {
                            let meta = answer_meta(answer.headers(), status, request_id)
                                .with_client_request_id(&client_request_id);
                            let error = unreadable(meta, inner, attempts, problem);
                            // Hangs up on a body left unread.
                            drop(answer);
                            let resend =
                                resend_or_fail(inner, method, &headers, error, retries, waited);
                            Box::pin(resend).await?
                        }
                    }
                }
            }
        };
        url = parse()?;
        waited += delay;
        retries = attempt;
    }
}

/// Waits before sending again a request whose fate `error` left unknown,
/// where that is safe (see `resend.rs`), and returns the delay with the
/// retry number; else returns `error`.
async fn resend_or_fail(
    inner: &Inner,
    method: Method,
    headers: &[(&'static str, String)],
    error: Error,
    retries: u32,
    waited: Duration,
) -> Result<(Duration, u32), Error> {
    let delay = resend_delay(
        &inner.retry,
        method,
        headers,
        &error,
        retries,
        waited,
        fastrand::f64(),
    );
    let Some(delay) = delay else {
        tracing::debug!(error = %error, fate_unknown = error.is_fate_unknown(), "request failed");
        return Err(error);
    };
    let attempt = retries.saturating_add(1);
    tracing::debug!(
        error = %error,
        delay_ms = delay.as_millis() as u64,
        retry = attempt,
        "no answer; sending again"
    );
    tokio::time::sleep(delay).await;
    Ok((delay, attempt))
}

/// The error for a body that could not be read: too large, or cut off.
fn unreadable(meta: AnswerMeta, inner: &Inner, attempts: u32, problem: ReadError) -> Error {
    match problem {
        ReadError::TooLarge { start } => {
            Error::too_large(meta, inner.max_response_bytes, &start, attempts)
        }
        ReadError::Transport(source) => Error::transport(attempts, source),
    }
}

/// What an answer's headers say about it.
fn answer_meta(headers: &HeaderMap, status: u16, request_id: Option<String>) -> AnswerMeta {
    AnswerMeta::from_headers(
        status,
        AnswerHeaders {
            request_id,
            client_request_id: header(headers, &CLIENT_REQUEST_ID),
            date: header(headers, &DATE),
            retry_after: header(headers, &RETRY_AFTER),
        },
    )
}

/// A non-success answer to one attempt, and where the request stands.
struct Failed<'a> {
    inner: &'a Inner,
    status: u16,
    request_id: Option<String>,
    client_request_id: &'a str,
    attempts: u32,
    retries: u32,
    waited: Duration,
}

impl Failed<'_> {
    /// Waits out the policy's delay and returns it with the retry number, or
    /// returns the error the answer reads as when it is not retried.
    async fn retry_or_error(self, mut answer: reqwest::Response) -> Result<(Duration, u32), Error> {
        let Failed {
            inner,
            status,
            request_id,
            client_request_id,
            attempts,
            retries,
            waited,
        } = self;
        let answer_headers = answer.headers().clone();
        let retry_after = header(&answer_headers, &RETRY_AFTER);
        let attempt = Attempt {
            status,
            retry_after: retry_after.as_deref(),
            retries_so_far: retries,
            elapsed_delay: waited,
            now: SystemTime::now(),
        };
        if let Decision::Retry { delay, attempt } = inner.retry.decide_with_random_jitter(&attempt)
        {
            tracing::debug!(
                status,
                delay_ms = delay.as_millis() as u64,
                retry = attempt,
                "retrying"
            );
            // Drain a short body so the connection can be reused; a long
            // one is dropped with its connection.
            drain(answer).await;
            tokio::time::sleep(delay).await;
            return Ok((delay, attempt));
        }
        let content_type = header(&answer_headers, &CONTENT_TYPE);
        // A body that cannot be read is treated as empty: the status still
        // tells the story. One over the limit is not parsed at all.
        let limit = inner.max_response_bytes.min(MAX_ERROR_BODY_BYTES);
        let bytes = match read_limited(&mut answer, limit).await {
            Ok(bytes) => bytes,
            Err(ReadError::Transport(_)) => Bytes::new(),
            Err(ReadError::TooLarge { start }) => {
                let meta = answer_meta(&answer_headers, status, request_id);
                let meta = meta.with_client_request_id(client_request_id);
                return Err(Error::too_large(meta, limit, &start, attempts));
            }
        };
        drop(answer);
        let error = Error::from_answer(Answered {
            status,
            content_type: content_type.as_deref(),
            body: &bytes,
            request_id,
            client_request_id: Some(client_request_id.to_owned()),
            date: header(&answer_headers, &DATE),
            retry_after,
            attempts,
        });
        tracing::debug!(status, code = error.code(), "request failed");
        Err(error)
    }
}

/// What stays the same across the hops of one attempt.
struct Exchange<'a> {
    inner: &'a Inner,
    client_request_id: &'a HeaderValue,
    headers: &'a [(&'static str, String)],
    retries: u32,
    attempts: u32,
}

impl Exchange<'_> {
    /// One attempt to `origin`, following redirects; returns the first answer
    /// that is not a redirect.
    async fn send(
        &self,
        token: &AccessToken,
        origin: Url,
        method: Method,
        body: Option<Bytes>,
    ) -> Result<reqwest::Response, Error> {
        let bearer = token.authorization().ok_or_else(Error::unusable_token)?;

        let requested = method;
        let (mut url, mut method, mut body) = (origin, method, body);
        // Where the attempt started, kept from the first redirect on (before
        // it, the URL is the origin itself, and is not cloned).
        let mut origin: Option<Url> = None;
        let mut redirects = 0;
        // The 301, 302 or 303 that answered a request other than a GET: the
        // server may have acted on it (a 303 after a POST says it did). A
        // 307 or 308 asks for the same request elsewhere and has not acted
        // (RFC 9110 §15.4.8, §15.4.9).
        let mut acted_on: Option<u16> = None;
        loop {
            // Credentials go only where the attempt started (see `same_origin`).
            let authorized = origin.as_ref().is_none_or(|start| same_origin(start, &url));
            let mut builder = self
                .inner
                .http
                .request(reqwest_method(method), url)
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .header(USER_AGENT, self.inner.user_agent.clone())
                .header(CLIENT_REQUEST_ID, self.client_request_id.clone());
            if let Some(timeout) = self.inner.timeout_per_request {
                builder = builder.timeout(timeout);
            }
            if authorized {
                builder = builder.header(AUTHORIZATION, bearer.clone());
            }
            if self.retries > 0 {
                builder = builder.header(RETRY_ATTEMPT_HEADER, HeaderValue::from(self.retries));
            }
            for (name, value) in self.headers {
                builder = builder.header(*name, value);
            }
            if let Some(bytes) = &body {
                builder = builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(bytes.clone());
            }
            let answer = builder
                .send()
                .await
                .map_err(|source| hop_failed(self.attempts, source, requested, acted_on))?;
            let status = answer.status().as_u16();
            if !is_redirect(status) {
                return Ok(answer);
            }
            if requested != Method::Get && matches!(status, 301..=303) {
                acted_on.get_or_insert(status);
            }
            let location = header(answer.headers(), &LOCATION);
            let current = answer.url();
            let hop = next_hop(current, status, location.as_deref(), method, redirects).map_err(
                |error| match error {
                    Error::Redirect(refused) => {
                        Error::Redirect(refused.after_acting(acted_on.is_some()))
                    }
                    other => other,
                },
            )?;
            let start = origin.get_or_insert_with(|| current.clone());
            if hop.keep_body && body.is_some() && !same_origin(start, &hop.url) {
                // The body can hold a secret (an invitation password): it stays with its origin.
                return Err(Error::Redirect(RedirectError::new(
                    format!(
                        "{status} would send the request body to another origin ({})",
                        redacted_url(hop.url.as_str())
                    ),
                    status,
                    acted_on.is_some(),
                )));
            }
            redirects += 1;
            // Redacted: redirect URLs can carry tokens in their query.
            tracing::debug!(status, to = %redacted_url(hop.url.as_str()), "following redirect");
            url = hop.url;
            method = hop.method;
            if !hop.keep_body {
                body = None;
            }
        }
    }
}

/// The error for a hop of an attempt that failed in the HTTP stack.
///
/// A connection never made sent nothing on that hop; but when a 301, 302
/// or 303 had answered the request (not a GET) on an earlier hop, that server may
/// have acted on it, so the request's fate is unknown: the error is then a
/// redirect that could not be followed, which says so.
fn hop_failed(
    attempts: u32,
    source: reqwest::Error,
    requested: Method,
    acted_on: Option<u16>,
) -> Error {
    let error = Error::transport(attempts, source);
    match acted_on {
        Some(status) if !error.is_fate_unknown() => Error::Redirect(RedirectError::new(
            format!(
                "the {status} answer to the {requested} pointed where no connection could be made \
                 (the server may have acted on the request): {error}"
            ),
            status,
            true,
        )),
        _ => error,
    }
}

fn reqwest_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

fn header(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Decodes a success body; an empty body (204) reads as JSON `null`, which `()` accepts.
pub(crate) fn decode<T: DeserializeOwned>(
    status: u16,
    request_id: Option<&str>,
    bytes: &[u8],
) -> Result<T, Error> {
    let json: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(json).map_err(|source| Error::decode(status, request_id, bytes, source))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;
    use crate::Client;
    use crate::auth::StaticToken;
    use crate::retry::RetryPolicy;

    /// A server that reads one request, writes `reply` (perhaps nothing, or
    /// an answer cut short) and then says no more until the client hangs up.
    fn stalling_server(reply: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let root = format!("http://{}/v1.0", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
            // Returns once the client gives up and closes the connection.
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        });
        root
    }

    fn client(root: &str, http: Option<reqwest::Client>) -> Client {
        let builder = Client::builder()
            .base_url(root)
            .auth(StaticToken::new("t"))
            .retry_policy(RetryPolicy::disabled())
            .timeout(Duration::from_millis(200));
        match http {
            Some(http) => builder.http_client(http),
            None => builder,
        }
        .build()
        .unwrap()
    }

    fn get() -> Request {
        Request::new(Method::Get, "/me", "/me".to_owned(), Vec::new(), None)
    }

    async fn assert_times_out(client: Client) {
        match client.execute_request::<serde_json::Value>(get()).await {
            Err(Error::Transport { attempts, source }) => {
                assert_eq!(attempts, 1);
                assert!(source.is_timeout(), "{source:?}");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_answer_that_never_comes_times_out() {
        assert_times_out(client(&stalling_server(b""), None)).await;
    }

    /// A listener whose accept queue is full: a connection to it is never
    /// made, so the built-in client's connect limit fires before the whole
    /// exchange's, and the error says nothing was sent.
    #[tokio::test]
    async fn a_connect_that_hangs_is_a_connect_error_not_an_unknown_fate() {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        // Never accepted: fill the queue until a connect no longer completes.
        let mut queued = Vec::new();
        loop {
            let connect = tokio::net::TcpStream::connect(addr);
            match tokio::time::timeout(Duration::from_millis(200), connect).await {
                Ok(Ok(stream)) => queued.push(stream),
                Ok(Err(e)) => panic!("connect failed: {e}"),
                Err(_) => break,
            }
            assert!(queued.len() < 64, "the accept queue never filled");
        }
        let client = Client::builder()
            .base_url(format!("http://{addr}/v1.0"))
            .auth(StaticToken::new("t"))
            .retry_policy(RetryPolicy::disabled())
            .timeout(Duration::from_millis(800))
            .build()
            .unwrap();
        let err = client
            .execute_request::<serde_json::Value>(get())
            .await
            .unwrap_err();
        let Error::Transport { source, .. } = &err else {
            panic!("expected a transport error, got {err:?}");
        };
        assert!(source.is_connect(), "{source:?}");
        assert!(!err.is_fate_unknown(), "{err}");
        drop((listener, queued));
    }

    #[tokio::test]
    async fn a_body_that_stops_halfway_times_out() {
        let cut_short = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"a\":";
        assert_times_out(client(&stalling_server(cut_short), None)).await;
    }

    #[tokio::test]
    async fn an_injected_http_client_without_a_limit_still_gets_ours() {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        assert_times_out(client(&stalling_server(b""), Some(http))).await;
    }

    #[test]
    fn empty_bodies_decode_as_unit_and_garbage_keeps_status_and_snippet() {
        decode::<()>(204, None, b"").unwrap();
        decode::<()>(200, None, b"  \n").unwrap();
        let err = decode::<Vec<u32>>(200, Some("rid-1"), b"<html>oops</html>").unwrap_err();
        match err {
            Error::Decode(e) => {
                assert_eq!(e.status(), 200);
                assert_eq!(e.request_id(), Some("rid-1"));
                assert!(e.snippet().contains("<html>oops</html>"), "{}", e.snippet());
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
