//! The request log: every request the emulator answered, in arrival order.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::lock;

/// Which endpoint family a logged request belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// A Graph request sent directly over HTTP (including the outer `$batch`).
    Graph,
    /// A request to the token endpoint (`POST /{tenant}/oauth2/v2.0/token`).
    Token,
    /// One request inside a `$batch`; `batch_id` is its `id` in the batch.
    BatchInner {
        /// The inner request's `id` property.
        batch_id: String,
    },
}

/// Why an answer was a failure the emulator made up rather than the result
/// of running the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// A one-shot answer queued with `EmulatorHandle::inject_next`/`inject`.
    Scripted,
    /// A random failure drawn under `Faults::failure_rate`.
    Random,
    /// The per-client token bucket (`RateLimit`) was empty, or the client
    /// came back before its `Retry-After` had passed.
    RateLimited,
    /// The connection was dropped before the request ran (`Faults::resets`):
    /// it never ran; status 0, nothing was answered.
    ResetBeforeRead,
    /// The request ran, then its connection was dropped instead of answered
    /// (`Faults::resets`); on a `$batch`'s inner requests too. Its changes stay.
    ResetAfterRun,
    /// The request ran and its answer was held back (`Faults::hangs`); on a
    /// `$batch`'s inner requests too. Its changes stay.
    Hung,
    /// The request ran, and its inner answer in the `$batch` reply was made
    /// unreadable (`Faults::poisoned_replies`). Its changes stay.
    Poisoned,
}

/// One request as the emulator saw it, and what it answered.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Position in the log since the emulator started (not reset by clearing).
    pub seq: u64,
    /// HTTP method, upper case (`POST`).
    pub method: String,
    /// Path including the version segment (`/v1.0/me/drive/items/…/invite`);
    /// for inner batch requests, `/v1.0` plus the inner `url`'s path.
    pub path: String,
    /// The raw query string without `?` (empty when there is none).
    pub query: String,
    /// Request headers, names lower-cased; repeated headers joined by `, `.
    /// Inner batch requests show their own `headers` object.
    pub headers: BTreeMap<String, String>,
    /// The request body as text (lossy UTF-8; empty when absent).
    pub body: String,
    /// The status answered (0 while the request is still being processed).
    pub status: u16,
    /// `Some` when the answer was fault-injected instead of computed.
    pub fault: Option<FaultKind>,
    /// Which endpoint family the request went to.
    pub kind: RequestKind,
    /// The `request-id` the emulator sent back.
    pub request_id: String,
    /// When the request arrived.
    pub received_at: SystemTime,
}

impl LoggedRequest {
    /// Whether the answer was a fault-injected one. Scripted, random and
    /// rate-limited answers never change state; resets after the run, hangs
    /// and poisoned replies come after the request ran.
    pub fn fault_injected(&self) -> bool {
        self.fault.is_some()
    }

    /// A request header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The `Retry-Attempt` header the client sent, parsed.
    pub fn retry_attempt(&self) -> Option<u32> {
        self.header("retry-attempt")?.trim().parse().ok()
    }

    /// Whether this is an inner request of a `$batch`.
    pub fn is_batch_inner(&self) -> bool {
        matches!(self.kind, RequestKind::BatchInner { .. })
    }

    fn line(&self) -> String {
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        let kind = match &self.kind {
            RequestKind::Graph => String::new(),
            RequestKind::Token => " [token]".to_string(),
            RequestKind::BatchInner { batch_id } => format!(" [batch id={batch_id}]"),
        };
        let fault = match self.fault {
            None => "",
            Some(FaultKind::Scripted) => " (scripted fault)",
            Some(FaultKind::Random) => " (random fault)",
            Some(FaultKind::RateLimited) => " (rate limited)",
            Some(FaultKind::ResetBeforeRead) => " (reset before read)",
            Some(FaultKind::ResetAfterRun) => " (reset after run)",
            Some(FaultKind::Hung) => " (hung)",
            Some(FaultKind::Poisoned) => " (poisoned reply)",
        };
        let retry = self
            .header("retry-attempt")
            .map(|r| format!(" retry-attempt={r}"))
            .unwrap_or_default();
        format!(
            "{} {}{} -> {}{}{}{} request-id={}",
            self.method, self.path, query, self.status, fault, kind, retry, self.request_id
        )
    }
}

/// The shared, append-only log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
    next_seq: Mutex<u64>,
    to_stderr: bool,
}

impl RequestLog {
    pub fn new(to_stderr: bool) -> Self {
        Self {
            to_stderr,
            ..Self::default()
        }
    }

    /// Records a request that has arrived; returns its sequence number.
    pub fn begin(&self, mut entry: LoggedRequest) -> u64 {
        let seq = {
            let mut next = lock(&self.next_seq);
            let seq = *next;
            *next += 1;
            seq
        };
        entry.seq = seq;
        lock(&self.entries).push(entry);
        seq
    }

    /// Fills in the answer of request `seq`.
    pub fn finish(&self, seq: u64, status: u16, fault: Option<FaultKind>) {
        let line = {
            let mut entries = lock(&self.entries);
            let Some(entry) = entries.iter_mut().rev().find(|e| e.seq == seq) else {
                return;
            };
            entry.status = status;
            entry.fault = fault;
            self.to_stderr.then(|| entry.line())
        };
        if let Some(line) = line {
            eprintln!("{line}");
        }
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).clone()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}
