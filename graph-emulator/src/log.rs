//! The request log: the latest requests the emulator answered, in arrival
//! order, in a ring of bounded size.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::lock;
use crate::redact::{self, REDACTED};

/// How many requests the log keeps by default (see
/// [`EmulatorBuilder::log_capacity`](crate::EmulatorBuilder::log_capacity)).
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// The most bytes the log holds at once, whatever its capacity, counting each
/// entry's estimated size (its [`LoggedRequest::estimated_size`]: headers,
/// path, query and body): beyond it the oldest entries go first (the newest
/// is always kept), so a run of large requests cannot grow the log without
/// bound.
const BYTE_BUDGET: usize = 64 * 1024 * 1024;

/// Which endpoint family a logged request belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// A Graph request sent directly over HTTP (including the outer `$batch`).
    Graph,
    /// A request to the token endpoint (`POST /{tenant}/oauth2/v2.0/token`)
    /// or to the managed identity endpoint (`GET /msi/token`).
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
///
/// The fields hold what was sent, secrets included, so tests can check what
/// a client sent; `Debug` (and the stderr line) shows `<redacted>` instead of
/// secret header values (`Authorization`, cookies, keys, tokens), secret body
/// values (JSON, or a body sent as `application/x-www-form-urlencoded`:
/// `client_secret`, `client_assertion`, `refresh_token`, `password`, `code`,
/// `access_token`, …), every query value but those of OData options (`$top`,
/// `$skiptoken`, …), in the query and in URLs inside a JSON body alike; any
/// other body is shown only by its length.
#[derive(Clone)]
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

    /// Roughly how many bytes the entry holds: its strings (method, path,
    /// query, header names and values, body, request id, batch id) plus the
    /// fixed size of the struct. What the log's byte budget counts.
    pub fn estimated_size(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        let batch_id = match &self.kind {
            RequestKind::BatchInner { batch_id } => batch_id.len(),
            _ => 0,
        };
        std::mem::size_of::<Self>()
            + self.method.len()
            + self.path.len()
            + self.query.len()
            + headers
            + self.body.len()
            + self.request_id.len()
            + batch_id
    }

    fn line(&self) -> String {
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", redact::query(&self.query))
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
            self.method,
            redact::url(&self.path),
            query,
            self.status,
            fault,
            kind,
            retry,
            self.request_id
        )
    }
}

impl fmt::Debug for LoggedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if redact::is_secret_header(name) {
                    REDACTED
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("LoggedRequest")
            .field("seq", &self.seq)
            .field("method", &self.method)
            .field("path", &redact::url(&self.path))
            .field("query", &redact::query(&self.query))
            .field("headers", &headers)
            .field(
                "body",
                &redact::body(&self.body, self.header("content-type")),
            )
            .field("status", &self.status)
            .field("fault", &self.fault)
            .field("kind", &self.kind)
            .field("request_id", &self.request_id)
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// The shared log: a ring keeping the latest `capacity` entries.
#[derive(Debug)]
pub(crate) struct RequestLog {
    ring: Mutex<Ring>,
    capacity: usize,
    byte_budget: usize,
    to_stderr: bool,
}

#[derive(Debug, Default)]
struct Ring {
    /// Ascending, consecutive `seq`s (dropping from the front and clearing
    /// keep them so), which makes finding an entry by `seq` one subtraction.
    /// Shared, so a snapshot under the lock copies pointers, not entries.
    entries: VecDeque<Arc<LoggedRequest>>,
    next_seq: u64,
    /// Sum of the entries' estimated sizes.
    bytes: usize,
    /// Entries dropped to stay within the capacity or the byte budget.
    dropped: u64,
}

impl RequestLog {
    pub fn new(to_stderr: bool, capacity: usize) -> Self {
        Self::with_budget(to_stderr, capacity, BYTE_BUDGET)
    }

    fn with_budget(to_stderr: bool, capacity: usize, byte_budget: usize) -> Self {
        Self {
            ring: Mutex::new(Ring::default()),
            capacity,
            byte_budget,
            to_stderr,
        }
    }

    /// Records a request that has arrived, dropping the oldest entry when
    /// full; returns its sequence number.
    pub fn begin(&self, mut entry: LoggedRequest) -> u64 {
        let size = entry.estimated_size();
        let mut ring = lock(&self.ring);
        let seq = ring.next_seq;
        ring.next_seq += 1;
        if self.capacity == 0 {
            ring.dropped += 1;
            return seq;
        }
        ring.bytes += size;
        entry.seq = seq;
        ring.entries.push_back(Arc::new(entry));
        while ring.entries.len() > self.capacity
            || (ring.bytes > self.byte_budget && ring.entries.len() > 1)
        {
            if let Some(dropped) = ring.entries.pop_front() {
                ring.bytes -= dropped.estimated_size();
                ring.dropped += 1;
            }
        }
        seq
    }

    /// Fills in the answer of request `seq` (if it is still in the ring).
    pub fn finish(&self, seq: u64, status: u16, fault: Option<FaultKind>) {
        let line = {
            let mut ring = lock(&self.ring);
            let Some(first) = ring.entries.front().map(|e| e.seq) else {
                return;
            };
            let Some(shared) = seq
                .checked_sub(first)
                .and_then(|offset| usize::try_from(offset).ok())
                .and_then(|offset| ring.entries.get_mut(offset))
                .filter(|e| e.seq == seq)
            else {
                return;
            };
            // Copies the entry only while a snapshot still holds it.
            let entry = Arc::make_mut(shared);
            entry.status = status;
            entry.fault = fault;
            self.to_stderr.then(|| entry.line())
        };
        if let Some(line) = line {
            eprintln!("{line}");
        }
    }

    /// The entries in order; the lock is held only to copy pointers.
    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        let shared: Vec<Arc<LoggedRequest>> = lock(&self.ring).entries.iter().cloned().collect();
        shared.iter().map(|e| LoggedRequest::clone(e)).collect()
    }

    /// How many entries fell out of the ring to stay within its capacity or
    /// byte budget since the emulator started (clearing is not dropping).
    pub fn dropped(&self) -> u64 {
        lock(&self.ring).dropped
    }

    pub fn clear(&self) {
        let mut ring = lock(&self.ring);
        ring.entries.clear();
        ring.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> LoggedRequest {
        LoggedRequest {
            seq: 0,
            method: "GET".into(),
            path: path.into(),
            query: String::new(),
            headers: BTreeMap::new(),
            body: String::new(),
            status: 0,
            fault: None,
            kind: RequestKind::Graph,
            request_id: "r".into(),
            received_at: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_ring_drops_the_oldest_beyond_capacity() {
        let log = RequestLog::new(false, 3);
        for n in 0..5 {
            let seq = log.begin(entry(&format!("/{n}")));
            assert_eq!(seq, n);
        }
        let kept = log.snapshot();
        let paths: Vec<_> = kept.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/2", "/3", "/4"]);
        assert_eq!(kept[0].seq, 2);
        // Answers find their entry; one that fell out is ignored.
        log.finish(3, 204, None);
        log.finish(0, 500, None);
        let kept = log.snapshot();
        assert_eq!(
            kept.iter().map(|e| e.status).collect::<Vec<_>>(),
            [0, 204, 0]
        );
        // Clearing keeps counting.
        log.clear();
        assert_eq!(log.begin(entry("/5")), 5);
        log.finish(5, 200, None);
        assert_eq!(log.snapshot()[0].status, 200);
    }

    #[test]
    fn bodies_beyond_the_byte_budget_drop_the_oldest() {
        let base = entry("/").estimated_size();
        // Room for two empty entries and 10 body bytes.
        let log = RequestLog::with_budget(false, 100, 2 * base + 10);
        for body in ["aaaa", "bbbb", "cccc", "dddddddddddddddd"] {
            let mut e = entry("/");
            e.body = body.into();
            log.begin(e);
        }
        // 4 + 4 + 4 > 10: the first went; the 16-byte one alone is kept.
        let kept: Vec<_> = log.snapshot().into_iter().map(|e| e.body).collect();
        assert_eq!(kept, ["dddddddddddddddd"]);
        let mut small = entry("/");
        small.body = "ee".into();
        log.begin(small);
        let kept: Vec<_> = log.snapshot().into_iter().map(|e| e.body).collect();
        assert_eq!(kept, ["ee"]);
        log.clear();
        let mut next = entry("/");
        next.body = "ffffffff".into();
        log.begin(next);
        assert_eq!(log.snapshot().len(), 1);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let log = RequestLog::new(false, 0);
        assert_eq!(log.begin(entry("/a")), 0);
        log.finish(0, 200, None);
        assert!(log.snapshot().is_empty());
        assert_eq!(log.dropped(), 1);
    }

    /// Headers, path and query count against the budget, not only bodies:
    /// 200 entries with 64 KiB of headers each and no body used to be kept
    /// whole under a budget of 0.
    #[test]
    fn headers_path_and_query_count_against_the_byte_budget() {
        let big = "h".repeat(64 * 1024);
        let log = RequestLog::with_budget(false, 1_000, 256 * 1024);
        for n in 0..200 {
            let mut e = entry(&format!("/{n}/{big}"));
            e.query = big.clone();
            e.headers.insert("x-big".into(), big.clone());
            log.begin(e);
        }
        let kept = log.snapshot();
        // Each entry holds about 192 KiB: only the newest fits.
        assert_eq!(kept.len(), 1, "{}", kept.len());
        assert!(kept[0].path.starts_with("/199/"));
        assert_eq!(log.dropped(), 199);
        let headers_only = RequestLog::with_budget(false, 1_000, 0);
        for _ in 0..200 {
            let mut e = entry("/");
            e.headers.insert("x-big".into(), big.clone());
            headers_only.begin(e);
        }
        assert_eq!(headers_only.snapshot().len(), 1);
    }

    /// A snapshot is a copy: answers filled in later do not change it, and
    /// it does not stop them being recorded.
    #[test]
    fn a_snapshot_is_independent_of_later_answers() {
        let log = RequestLog::new(false, 10);
        let seq = log.begin(entry("/a"));
        let before = log.snapshot();
        log.finish(seq, 201, None);
        assert_eq!(before[0].status, 0);
        assert_eq!(log.snapshot()[0].status, 201);
    }

    #[test]
    fn debug_redacts_and_keeps_the_rest() {
        let mut request = entry("/v1.0/me/drive/items/1/invite");
        request.query = "$top=2&sig=SAS-SIG".into();
        request
            .headers
            .insert("authorization".into(), "Bearer eyJ-secret".into());
        request.headers.insert("retry-attempt".into(), "2".into());
        request.body = r#"{"password":"Tr0ub4dor","roles":["read"]}"#.into();
        let shown = format!("{request:?} {request:#?} {}", request.line());
        for secret in ["eyJ-secret", "Tr0ub4dor", "SAS-SIG"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        for kept in ["retry-attempt", "\"2\"", "$top=2", "read", "/invite"] {
            assert!(shown.contains(kept), "{kept}: {shown}");
        }
        // The raw values stay readable for tests.
        assert_eq!(request.header("Authorization"), Some("Bearer eyJ-secret"));
    }
}
