//! The path every Graph request takes, direct or inside a `$batch`:
//! log → scripted answer → authentication → rate limit → random fault → run.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::errors::{ApiError, error_for_status};
use crate::faults::Faults;
use crate::inject::{Injection, take_matching};
use crate::lock;
use crate::log::{FaultKind, LoggedRequest, RequestKind, RequestLog};
use crate::rate_limit::{Decision, Limiter};
use crate::redact;
use crate::routes::{self, Route};
use crate::state::{Authenticated, Principal, Store};
use crate::util::format_seconds;

/// Everything the server shares between requests.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub log: RequestLog,
    pub rng: Mutex<fastrand::Rng>,
    pub faults: Faults,
    pub injections: Mutex<VecDeque<Injection>>,
    pub limiter: Option<Mutex<Limiter>>,
    pub token_lifetime: Duration,
    /// `http://127.0.0.1:PORT`, for absolute `@odata.nextLink`s.
    pub root_url: String,
}

/// One Graph request, direct or from a batch. `Debug` redacts as the
/// request log does: secret headers, secret body values, query values.
#[derive(Clone)]
pub(crate) struct UnitRequest {
    /// Upper-case method.
    pub method: String,
    /// `v1.0` or `beta`.
    pub version: String,
    /// Raw (still percent-encoded) path after the version, starting with `/`.
    pub path: String,
    /// Raw query string without `?`.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for UnitRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if redact::is_secret_header(name) {
                    redact::REDACTED
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        let body = String::from_utf8_lossy(&self.body);
        f.debug_struct("UnitRequest")
            .field("method", &self.method)
            .field("version", &self.version)
            .field("path", &redact::url(&self.path))
            .field("query", &redact::query(&self.query))
            .field("headers", &headers)
            .field("body", &redact::body(&body, self.header("content-type")))
            .finish()
    }
}

impl UnitRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn full_path(&self) -> String {
        format!("/{}{}", self.version, self.path)
    }
}

/// A computed answer: status and optional JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
    /// For a `$batch`: the log entries of its inner requests, and their statuses.
    pub inner: Vec<(u64, u16)>,
    /// Headers of this answer beyond the ones every answer carries; a
    /// `Content-Type` here replaces the JSON one.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            inner: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
            inner: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A bare number as `text/plain`, the answer to a `$count` segment
    /// (its JSON rendering is the same digits).
    pub fn plain_count(count: usize) -> Self {
        Self {
            status: 200,
            body: Some(Value::from(count)),
            inner: Vec::new(),
            headers: vec![(
                "Content-Type".to_string(),
                "text/plain; charset=utf-8".to_string(),
            )],
        }
    }
}

/// The answer to one unit, with the headers it needs.
#[derive(Debug, Clone)]
pub(crate) struct UnitResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub request_id: String,
    pub client_request_id: String,
    /// Its log entry, and for a `$batch` those of its inner requests.
    pub seq: u64,
    pub inner: Vec<(u64, u16)>,
}

/// What the handlers know about the request beyond its bytes.
pub(crate) struct Ctx<'a> {
    pub principal: &'a Principal,
    pub root_url: &'a str,
    /// What the operation needs and how far the token reaches (`None` when
    /// the operation is not in the permissions table).
    pub needs: Option<(&'static routes::scopes::Needs, routes::scopes::Reach)>,
}

/// Who is calling `process`.
pub(crate) enum Caller<'a> {
    /// A request that arrived over HTTP.
    Outer,
    /// A request inside a `$batch`: authenticated by the outer request.
    Inner {
        batch_id: &'a str,
        /// The outer request's token, principal and permissions.
        auth: &'a Authenticated,
        outer_client_request_id: &'a str,
        /// Answer this instead of running the request (424, or 400 for a
        /// body without Content-Type).
        reject: Option<ApiError>,
    },
}

/// Runs one unit through the pipeline and logs it.
pub(crate) fn process(shared: &Shared, req: &UnitRequest, caller: Caller<'_>) -> UnitResponse {
    let request_id = uuid::Uuid::new_v4().to_string();
    let fallback_client_id = match &caller {
        Caller::Outer => request_id.as_str(),
        Caller::Inner {
            outer_client_request_id,
            ..
        } => outer_client_request_id,
    };
    let client_request_id = req
        .header("client-request-id")
        .filter(|id| !id.is_empty())
        .or((!fallback_client_id.is_empty()).then_some(fallback_client_id))
        .unwrap_or(&request_id)
        .to_string();
    let kind = match &caller {
        Caller::Outer => RequestKind::Graph,
        Caller::Inner { batch_id, .. } => RequestKind::BatchInner {
            batch_id: batch_id.to_string(),
        },
    };
    let seq = shared.log.begin(log_entry(req, kind, &request_id));
    let (answer, extra_headers, fault) = run(shared, req, caller);
    let mut inner = Vec::new();
    let (status, body, mut headers) = match answer {
        Ok(answer) => {
            inner = answer.inner;
            (answer.status, answer.body, answer.headers)
        }
        Err(err) => {
            let mut headers = Vec::new();
            if let Some(retry) = &err.retry_after {
                headers.push(("Retry-After".to_string(), retry.clone()));
            }
            if err.status == 401 {
                headers.push((
                    "WWW-Authenticate".to_string(),
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"".to_string(),
                ));
            }
            let body = err.body(&request_id, &client_request_id);
            (err.status, Some(body), headers)
        }
    };
    headers.extend(extra_headers);
    shared.log.finish(seq, status, fault);
    UnitResponse {
        status,
        headers,
        body,
        request_id,
        client_request_id,
        seq,
        inner,
    }
}

type RunResult = (
    Result<Answer, ApiError>,
    Vec<(String, String)>,
    Option<FaultKind>,
);

fn run(shared: &Shared, req: &UnitRequest, caller: Caller<'_>) -> RunResult {
    let inner = matches!(caller, Caller::Inner { .. });
    if let Caller::Inner {
        reject: Some(err), ..
    } = &caller
    {
        return (Err(err.clone()), Vec::new(), None);
    }
    let full_path = req.full_path();
    let scripted = take_matching(&mut lock(&shared.injections), &req.method, &full_path);
    if let Some(injection) = scripted {
        let err = error_for_status(
            injection.status_code(),
            injection.retry_after_value().map(str::to_string),
        );
        let answer = if err.status < 400 {
            Ok(Answer::json(err.status, Value::Object(Default::default())))
        } else {
            Err(err)
        };
        return (answer, Vec::new(), Some(FaultKind::Scripted));
    }

    let auth = match caller {
        Caller::Inner { auth, .. } => auth.clone(),
        Caller::Outer => {
            let auth =
                lock(&shared.store).authenticate(req.header("authorization"), Instant::now());
            match auth {
                Ok(ok) => ok,
                Err(err) => return (Err(err), Vec::new(), None),
            }
        }
    };
    let (principal, token) = (&auth.principal, &auth.token);

    let route = routes::parse(&req.path);
    let is_outer_batch = !inner && matches!(route, Ok(Route::Batch));
    let mut extra = Vec::new();
    if let (Some(limiter), false) = (&shared.limiter, is_outer_batch) {
        let app_only = auth.kind() == routes::scopes::TokenKind::Application;
        match lock(limiter).check(token, app_only, Instant::now()) {
            Decision::Allowed { headers } => extra = headers,
            Decision::Throttled {
                retry_after,
                headers,
            } => {
                let mut err = ApiError::new(
                    429,
                    "activityLimitReached",
                    "The request has been throttled: the client exceeded its rate limit. Retry after the time given in the Retry-After header.",
                );
                err.inner_code = Some("throttledRequest".to_string());
                err.retry_after = Some(format_seconds(retry_after.as_secs_f64()));
                return (Err(err), headers, Some(FaultKind::RateLimited));
            }
        }
    }

    let drawn = shared.faults.draw(&mut lock(&shared.rng), &req.method);
    if let Some(status) = drawn {
        let retry =
            matches!(status, 429 | 503).then(|| format_seconds(shared.faults.retry_after()));
        return (
            Err(error_for_status(status, retry)),
            extra,
            Some(FaultKind::Random),
        );
    }

    // The token's permissions against the operation's table (after the
    // random faults, so that a seeded run draws the same faults as before).
    let mut needs = None;
    if let Ok(route) = &route
        && !routes::scopes::names_no_drive(route, auth.kind())
        && let Some(found) = routes::scopes::needs(route, &req.method)
    {
        match routes::scopes::check(found, auth.kind(), &auth.permissions) {
            Ok(reach) => needs = Some((found, reach)),
            Err(err) => return (Err(err), extra, None),
        }
    }

    let ctx = Ctx {
        principal,
        root_url: &shared.root_url,
        needs,
    };
    let answer = match route {
        Err(err) => Err(err),
        Ok(Route::Batch) if inner => Err(ApiError::bad_request(
            "A $batch request cannot contain another $batch request.",
        )),
        Ok(Route::Batch) => {
            let client_request_id = req.header("client-request-id").unwrap_or_default();
            crate::routes::batch::handle(shared, req, &auth, client_request_id)
        }
        Ok(Route::Drive(route)) => {
            let mut store = lock(&shared.store);
            routes::drive_request(&mut store, &ctx, req, route)
        }
        Ok(Route::Shares(route)) => {
            let mut store = lock(&shared.store);
            routes::shares::handle(&mut store, &ctx, req, route)
        }
        Ok(Route::Organization) => {
            let store = lock(&shared.store);
            routes::organization::handle(&store.tenant, req)
        }
    };
    (answer, extra, None)
}

/// A log entry for a request that just arrived (status filled in later).
pub(crate) fn log_entry(req: &UnitRequest, kind: RequestKind, request_id: &str) -> LoggedRequest {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &req.headers {
        headers
            .entry(k.to_ascii_lowercase())
            .and_modify(|e| {
                e.push_str(", ");
                e.push_str(v);
            })
            .or_insert_with(|| v.clone());
    }
    LoggedRequest {
        seq: 0,
        method: req.method.clone(),
        path: req.full_path(),
        query: req.query.clone(),
        headers,
        body: String::from_utf8_lossy(&req.body).into_owned(),
        status: 0,
        fault: None,
        kind,
        request_id: request_id.to_string(),
        received_at: SystemTime::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_request_debug_redacts_credentials_body_secrets_and_query_values() {
        let req = UnitRequest {
            method: "POST".into(),
            version: "v1.0".into(),
            path: "/me/drive/items/1/invite".into(),
            query: "$top=1&tempauth=TEMPAUTH-SECRET".into(),
            headers: vec![
                ("authorization".into(), "Bearer BEARER-SECRET".into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: br#"{"password":"PASSWORD-SECRET","roles":["read"]}"#.to_vec(),
        };
        let shown = format!("{req:?} {req:#?}");
        for secret in ["BEARER-SECRET", "PASSWORD-SECRET", "TEMPAUTH-SECRET"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        for kept in ["/me/drive/items/1/invite", "$top=1", "content-type", "read"] {
            assert!(shown.contains(kept), "{kept}: {shown}");
        }
    }
}
