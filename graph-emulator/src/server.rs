//! The axum side: one fallback handler that parses the path itself, turns
//! HTTP into `UnitRequest`s and `UnitResponse`s back into HTTP.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use crate::errors::ApiError;
use crate::faults::Network;
use crate::lock;
use crate::log::{FaultKind, RequestKind};
use crate::pipeline::{Caller, Shared, UnitRequest, UnitResponse, log_entry, process};
use crate::routes::{GRAPH_JSON, discovery, managed_identity, token};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Serves `app` on `listener` (plain TCP or [`crate::tls::TlsListener`]) in
/// a background task until `shutdown` resolves.
pub(crate) fn spawn<L>(
    listener: L,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
    })
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn build(status: u16, headers: &[(String, String)], body: Option<Vec<u8>>) -> Response {
    let mut response = Response::new(Body::from(body.unwrap_or_default()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    for (k, v) in headers {
        // A header a test scripted verbatim may be unusable; drop it rather than fail.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            map.append(name, value);
        }
    }
    response
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let header_list = header_pairs(&headers);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();

    if path.eq_ignore_ascii_case(managed_identity::PATH) {
        return identity_endpoint(&shared, &method, &path, &query, header_list);
    }
    if let Some(request) = discovery::parse(&segments) {
        let host = headers.get("host").and_then(|h| h.to_str().ok());
        let origin = discovery::origin(&shared.root_url, host);
        return discovery_endpoint(
            &shared,
            &request,
            &method,
            &origin,
            &path,
            &query,
            header_list,
        );
    }
    if let [tenant, oauth2, version, token_seg] = segments.as_slice()
        && oauth2.eq_ignore_ascii_case("oauth2")
        && version.eq_ignore_ascii_case("v2.0")
        && (token_seg.eq_ignore_ascii_case("token") || token_seg.eq_ignore_ascii_case("devicecode"))
    {
        return token_endpoint(&shared, tenant, &method, &path, &query, header_list, &body);
    }
    if let [page] = segments.as_slice()
        && page.eq_ignore_ascii_case("devicelogin")
    {
        return device_login_page(&shared, &method, &path, &query, header_list);
    }
    if let [tenant, oauth2, version, authorize] = segments.as_slice()
        && oauth2.eq_ignore_ascii_case("oauth2")
        && version.eq_ignore_ascii_case("v2.0")
        && authorize.eq_ignore_ascii_case("authorize")
    {
        return authorize_endpoint(&shared, tenant, &method, &path, &query, header_list);
    }

    let (version, rest) = match path.trim_start_matches('/').split_once('/') {
        Some((v, rest)) => (v.to_string(), format!("/{rest}")),
        None => (path.trim_start_matches('/').to_string(), String::from("/")),
    };
    let req = UnitRequest {
        method: method.as_str().to_ascii_uppercase(),
        version,
        path: rest,
        query,
        headers: header_list,
        body: body.to_vec(),
    };
    if req.version != "v1.0" && req.version != "beta" {
        return invalid_version(&shared, &req);
    }

    let latency = shared.faults.draw_latency(&mut lock(&shared.rng));
    if let Some(delay) = latency {
        tokio::time::sleep(delay).await;
    }
    let network = shared.faults.draw_network(&mut lock(&shared.rng));
    if network == Some(Network::ResetBeforeRead) {
        let request_id = uuid::Uuid::new_v4().to_string();
        let seq = shared
            .log
            .begin(log_entry(&req, RequestKind::Graph, &request_id));
        shared.log.finish(seq, 0, Some(FaultKind::ResetBeforeRead));
        return reset();
    }
    let resp = process(&shared, &req, Caller::Outer);
    let fault = match network {
        Some(Network::ResetAfterRun) => FaultKind::ResetAfterRun,
        Some(Network::Hang(_)) => FaultKind::Hung,
        _ => return to_http(resp),
    };
    // The request ran; mark it, and a batch's inner requests, with what
    // becomes of the answer.
    for (seq, status) in resp.inner.iter().chain([&(resp.seq, resp.status)]) {
        shared.log.finish(*seq, *status, Some(fault));
    }
    match network {
        Some(Network::Hang(hold)) => {
            tokio::time::sleep(hold).await;
            to_http(resp)
        }
        _ => reset(),
    }
}

/// An answer that never arrives: its body fails before a byte of it is
/// sent, so the server drops the connection.
fn reset() -> Response {
    Response::new(Body::from_stream(Broken))
}

/// A body stream that fails at once.
struct Broken;

impl futures_core::Stream for Broken {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        ))))
    }
}

fn to_http(resp: UnitResponse) -> Response {
    let mut headers = vec![
        ("request-id".to_string(), resp.request_id.clone()),
        (
            "client-request-id".to_string(),
            resp.client_request_id.clone(),
        ),
        (
            "Date".to_string(),
            httpdate::fmt_http_date(SystemTime::now()),
        ),
        ("Cache-Control".to_string(), "no-cache".to_string()),
    ];
    let typed = resp
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if resp.body.is_some() && !typed {
        headers.push(("Content-Type".to_string(), GRAPH_JSON.to_string()));
    }
    headers.extend(resp.headers);
    let body = resp
        .body
        .map(|b| serde_json::to_vec(&b).unwrap_or_default());
    build(resp.status, &headers, body)
}

/// Requests outside `/v1.0` and `/beta`: logged, answered 400.
fn invalid_version(shared: &Shared, req: &UnitRequest) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = req
        .header("client-request-id")
        .unwrap_or(&request_id)
        .to_string();
    let seq = shared
        .log
        .begin(log_entry(req, RequestKind::Graph, &request_id));
    let err = ApiError::bad_request(format!(
        "Invalid version: '{}'. Use /v1.0 or /beta.",
        req.version
    ));
    shared.log.finish(seq, 400, None);
    to_http(UnitResponse {
        status: 400,
        headers: Vec::new(),
        body: Some(err.body(&request_id, &client_request_id)),
        request_id,
        client_request_id,
        seq,
        inner: Vec::new(),
    })
}

/// A request to a sign-in endpoint (no Graph version in its path), begun
/// in the log as a token request: the request, its request id, and its log
/// sequence number.
fn begin_sign_in(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> (UnitRequest, String, u64) {
    let req = UnitRequest {
        method: method.as_str().to_ascii_uppercase(),
        version: String::new(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: body.to_vec(),
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut entry = log_entry(&req, RequestKind::Token, &request_id);
    entry.path = path.to_string();
    let seq = shared.log.begin(entry);
    (req, request_id, seq)
}

/// The App Service–style managed identity endpoint (`routes::managed_identity`),
/// logged as a token request.
fn identity_endpoint(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
) -> Response {
    let (req, request_id, seq) = begin_sign_in(shared, method, path, query, headers, &[]);
    let answer =
        managed_identity::handle(shared, &req.method, query, req.header("x-identity-header"));
    shared.log.finish(seq, answer.status, None);
    let headers = [
        (
            "Content-Type".to_string(),
            "application/json; charset=utf-8".to_string(),
        ),
        ("Cache-Control".to_string(), "no-store".to_string()),
        ("x-ms-request-id".to_string(), request_id),
        (
            "Date".to_string(),
            httpdate::fmt_http_date(SystemTime::now()),
        ),
    ];
    build(
        answer.status,
        &headers,
        Some(serde_json::to_vec(&answer.body).unwrap_or_default()),
    )
}

/// The sign-in discovery documents (`routes::discovery`), logged as token
/// requests.
fn discovery_endpoint(
    shared: &Shared,
    request: &discovery::Discovery<'_>,
    method: &Method,
    origin: &str,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
) -> Response {
    let (req, trace_id, seq) = begin_sign_in(shared, method, path, query, headers, &[]);
    let answer = discovery::handle(
        shared,
        request,
        &req.method,
        origin,
        query,
        req.header("client-request-id"),
        trace_id,
    );
    shared.log.finish(seq, answer.status, None);
    let headers = [
        (
            "Content-Type".to_string(),
            "application/json; charset=utf-8".to_string(),
        ),
        // Entra ID lets browsers' single-page apps read these documents.
        ("Access-Control-Allow-Origin".to_string(), "*".to_string()),
        ("x-ms-request-id".to_string(), answer.trace_id.clone()),
        (
            "Date".to_string(),
            httpdate::fmt_http_date(SystemTime::now()),
        ),
    ];
    build(
        answer.status,
        &headers,
        Some(serde_json::to_vec(&answer.body).unwrap_or_default()),
    )
}

fn token_endpoint(
    shared: &Shared,
    tenant: &str,
    method: &Method,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> Response {
    let (req, trace_id, seq) = begin_sign_in(shared, method, path, query, headers, body);
    let device_code = path.to_ascii_lowercase().ends_with("/devicecode");
    let endpoint = if device_code {
        crate::routes::device_code::handle
    } else {
        token::handle
    };
    let answer = endpoint(
        shared,
        tenant,
        &req.method,
        req.header("client-request-id"),
        body,
        trace_id,
    );
    shared.log.finish(seq, answer.status, None);
    let headers = vec![
        (
            "Content-Type".to_string(),
            "application/json; charset=utf-8".to_string(),
        ),
        (
            "Cache-Control".to_string(),
            "no-store, no-cache".to_string(),
        ),
        ("Pragma".to_string(), "no-cache".to_string()),
        ("x-ms-request-id".to_string(), answer.trace_id.clone()),
        (
            "Date".to_string(),
            httpdate::fmt_http_date(SystemTime::now()),
        ),
    ];
    let body: Value = answer.body;
    build(
        answer.status,
        &headers,
        Some(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// The authorize endpoint (`routes::authorize`), logged as a token request
/// (its query redacted in the log's output, as every query is).
fn authorize_endpoint(
    shared: &Shared,
    tenant: &str,
    method: &Method,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
) -> Response {
    let (req, request_id, seq) = begin_sign_in(shared, method, path, query, headers, &[]);
    let answer = crate::routes::authorize::handle(shared, tenant, &req.method, query);
    shared.log.finish(seq, answer.status, None);
    html_page(answer.status, request_id, answer.location, answer.body)
}

/// The page a device code's `verification_uri` names (`{root}/devicelogin`,
/// as Entra ID's `https://microsoft.com/devicelogin`): the emulator has no
/// sign-in page, so it says how a code is approved instead. Logged as a
/// token request.
fn device_login_page(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    headers: Vec<(String, String)>,
) -> Response {
    let (req, request_id, seq) = begin_sign_in(shared, method, path, query, headers, &[]);
    let (status, body) = if req.method == "GET" || req.method == "HEAD" {
        (
            200,
            "<!doctype html><title>Sign in</title><p>Enter code: the emulator has no sign-in page. \
             A device code is approved (or declined) by its test hooks, \
             EmulatorHandle::approve_device_code and decline_device_code.</p>",
        )
    } else {
        (
            405,
            "<!doctype html><title>Method not allowed</title><p>GET this page.</p>",
        )
    };
    shared.log.finish(seq, status, None);
    html_page(status, request_id, None, body.to_string())
}

/// An HTML answer of the sign-in endpoints, never cached.
fn html_page(status: u16, request_id: String, location: Option<String>, body: String) -> Response {
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "text/html; charset=utf-8".to_string(),
        ),
        (
            "Cache-Control".to_string(),
            "no-store, no-cache".to_string(),
        ),
        ("x-ms-request-id".to_string(), request_id),
        (
            "Date".to_string(),
            httpdate::fmt_http_date(SystemTime::now()),
        ),
    ];
    headers.extend(location.map(|l| ("Location".to_string(), l)));
    build(status, &headers, Some(body.into_bytes()))
}
