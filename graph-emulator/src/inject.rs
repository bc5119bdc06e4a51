//! Scripted one-shot answers (`inject_next`), served in FIFO order.

use std::collections::VecDeque;

/// A forced answer for the next request that matches it, queued with
/// `EmulatorHandle::inject`. The answer carries Graph's error body for the
/// status (e.g. `TooManyRequests` for 429) and never changes state.
///
/// Matching considers every Graph request: direct requests, the outer
/// `$batch` request and each inner request of a batch (the token endpoint is
/// never matched).
///
/// ```
/// use graph_emulator::Injection;
///
/// let only_invites = Injection::status(503)
///     .retry_after("0.1")
///     .method("POST")
///     .path_contains("/invite");
/// assert_eq!(only_invites.status_code(), 503);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    status: u16,
    retry_after: Option<String>,
    method: Option<String>,
    path_contains: Option<String>,
}

impl Injection {
    /// Answers with `status` (and Graph's error body for it).
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            method: None,
            path_contains: None,
        }
    }

    /// Sends this `Retry-After` value verbatim (seconds, a fraction such as
    /// `2.128`, or an HTTP date).
    pub fn retry_after(mut self, value: &str) -> Self {
        self.retry_after = Some(value.to_string());
        self
    }

    /// Only matches requests with this method (case-insensitive).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only matches requests whose path (e.g. `/v1.0/me/drive/items/x/invite`)
    /// contains this text.
    pub fn path_contains(mut self, fragment: &str) -> Self {
        self.path_contains = Some(fragment.to_string());
        self
    }

    /// The status this injection answers with.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The `Retry-After` value this injection sends, if any.
    pub fn retry_after_value(&self) -> Option<&str> {
        self.retry_after.as_deref()
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// Takes the first queued injection matching the request, if any.
pub(crate) fn take_matching(
    queue: &mut VecDeque<Injection>,
    method: &str,
    path: &str,
) -> Option<Injection> {
    let index = queue.iter().position(|i| i.matches(method, path))?;
    queue.remove(index)
}
