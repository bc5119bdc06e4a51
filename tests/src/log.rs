//! What the emulator's request log says about the requests a test sent.

use graph_emulator::{EmulatorHandle, LoggedRequest, RequestKind};
use serde_json::Value;

fn of_kind(emulator: &EmulatorHandle, keep: impl Fn(&RequestKind) -> bool) -> Vec<LoggedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| keep(&r.kind))
        .collect()
}

/// Requests sent to Graph over HTTP (an outer `$batch` included), in order.
pub fn graph_requests(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    of_kind(emulator, |kind| *kind == RequestKind::Graph)
}

/// Requests sent to the token endpoint, in order.
pub fn token_requests(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    of_kind(emulator, |kind| *kind == RequestKind::Token)
}

/// The `$batch` requests themselves (one per round trip), in order.
pub fn batch_requests(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    graph_requests(emulator)
        .into_iter()
        .filter(|r| r.path.ends_with("/$batch"))
        .collect()
}

/// The requests inside every `$batch`, in the order the emulator ran them.
pub fn batch_inner_requests(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    of_kind(emulator, |kind| {
        matches!(kind, RequestKind::BatchInner { .. })
    })
}

/// The status answered to each request.
pub fn statuses(log: &[LoggedRequest]) -> Vec<u16> {
    log.iter().map(|r| r.status).collect()
}

/// The `Retry-Attempt` header of each request (`None` where it was absent).
pub fn retry_attempts(log: &[LoggedRequest]) -> Vec<Option<u32>> {
    log.iter().map(LoggedRequest::retry_attempt).collect()
}

/// The `client-request-id` header of each request.
pub fn client_request_ids(log: &[LoggedRequest]) -> Vec<Option<&str>> {
    log.iter().map(|r| r.header("client-request-id")).collect()
}

/// One attempt at a request inside a `$batch`, as the emulator's log shows it.
#[derive(Debug, Clone)]
pub struct InnerAttempt {
    /// The request's method.
    pub method: String,
    /// Its path: with the version for a request that ran, as sent in the
    /// `$batch` body for one that did not.
    pub url: String,
    /// Its JSON body (`Null` when it had none).
    pub body: Value,
}

/// Every attempt at an inner request in `log`, in log order: each inner
/// request that ran, and each place in a `$batch` that failed whole (its
/// inner requests never ran, yet each was an attempt of its job).
pub fn inner_attempts(log: &[LoggedRequest]) -> Vec<InnerAttempt> {
    let mut attempts = Vec::new();
    for entry in log {
        let body: Value = serde_json::from_str(&entry.body).unwrap_or_default();
        if entry.is_batch_inner() {
            attempts.push(InnerAttempt {
                method: entry.method.clone(),
                url: entry.path.clone(),
                body,
            });
        } else if entry.path.ends_with("/$batch") && entry.status != 200 {
            for request in body["requests"].as_array().into_iter().flatten() {
                attempts.push(InnerAttempt {
                    method: request["method"].as_str().unwrap_or_default().to_owned(),
                    url: request["url"].as_str().unwrap_or_default().to_owned(),
                    body: request["body"].clone(),
                });
            }
        }
    }
    attempts
}
