//! Why a request sent in a `$batch` has no answer of its own.

/// Why a request sent in a `$batch` has no answer of its own.
///
/// Some of these mean the request may have run: see
/// [`is_fate_unknown`](BatchError::is_fate_unknown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The reply had no answer with this request's id. Graph may have run it.
    #[error("the reply has no answer for request `{id}`; it may have run")]
    Missing {
        /// The request's id in the batch.
        id: String,
    },
    /// The reply answered this request's id more than once, so neither
    /// answer can be trusted. Graph may have run it.
    #[error("the reply answers request `{id}` more than once; it may have run")]
    Duplicated {
        /// The request's id in the batch.
        id: String,
    },
    /// The reply has an answer with this request's id, but the answer
    /// cannot be read (its status is no HTTP status, a member is repeated,
    /// …). Graph ran the request; what it did is not known.
    #[error("the answer to request `{id}` cannot be read ({reason}); it may have run: {snippet}")]
    Unreadable {
        /// The request's id in the batch.
        id: String,
        /// What is wrong with the answer.
        reason: String,
        /// The answer's `request-id` header, if it could be read.
        request_id: Option<String>,
        /// The start of the answer as sent.
        snippet: String,
    },
    /// The `$batch` was answered with a success whose body cannot be read
    /// (not JSON, truncated, no `responses` array). Graph ran the requests
    /// in it; what each one did is not known.
    #[error("the batch reply ({status}) cannot be read; the request may have run: {reason}")]
    ReplyUnreadable {
        /// The status of the `$batch` answer.
        status: u16,
        /// The `$batch` answer's `request-id`, if it had one.
        request_id: Option<String>,
        /// Why it cannot be read, with the start of the body.
        reason: String,
    },
    /// The `$batch` request was sent and no answer came back (the
    /// connection was reset, the answer took too long). Graph may have run
    /// the request.
    #[error("the batch request got no answer; the request may have run: {reason}")]
    Unanswered {
        /// What happened, as text.
        reason: String,
    },
    /// Not sent: Graph asked every request to wait longer than the retry
    /// policy allows (a `Retry-After` beyond its longest single delay), and
    /// the run was not told to wait that long.
    #[error(
        "not sent: Graph answered {status} with `Retry-After: {retry_after}`, longer than the policy waits"
    )]
    HeldBack {
        /// The status of the answer that asked for the wait (429 or 503).
        status: u16,
        /// Its `Retry-After`, as sent.
        retry_after: String,
    },
    /// An earlier send of this request got no usable answer, so it may have
    /// run; a later send then ended as `reason` says (a `404` or `412`
    /// after the first send ran, say). What the request did is not known.
    #[error("the request may have run on an earlier send; the last one ended: {reason}")]
    MayHaveRun {
        /// The status of the last send's answer, when there was one.
        status: Option<u16>,
        /// The last send's `request-id`, if it had one.
        request_id: Option<String>,
        /// How the last send ended, as text.
        reason: String,
    },
    /// The key was made by another [`Batch`](crate::batch::Batch) than the one these results are for.
    #[error("the key belongs to another batch")]
    ForeignKey,
    /// The `$batch` request itself failed; `reason` is that failure.
    #[error("the batch request failed: {reason}")]
    Failed {
        /// The status of the `$batch` answer, when there was one.
        status: Option<u16>,
        /// The failure, as text.
        reason: String,
    },
}

impl BatchError {
    /// Whether the request may have run although no usable answer says
    /// what it did: its id was missing or repeated in the reply, its answer
    /// or the whole reply could not be read, the `$batch` got no answer, or
    /// an earlier send of it did not.
    /// Such a request is not known to have failed; check before sending it
    /// again.
    ///
    /// ```
    /// use graph_core::BatchError;
    ///
    /// assert!(BatchError::Missing { id: "1".into() }.is_fate_unknown());
    /// assert!(!BatchError::ForeignKey.is_fate_unknown());
    /// ```
    pub fn is_fate_unknown(&self) -> bool {
        matches!(
            self,
            BatchError::Missing { .. }
                | BatchError::Duplicated { .. }
                | BatchError::Unreadable { .. }
                | BatchError::ReplyUnreadable { .. }
                | BatchError::Unanswered { .. }
                | BatchError::MayHaveRun { .. }
        )
    }

    /// The status of the answer this error is about, if there was a usable one.
    ///
    /// ```
    /// use graph_core::BatchError;
    ///
    /// let held = BatchError::HeldBack { status: 429, retry_after: "3600".into() };
    /// assert_eq!(held.status(), Some(429));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            BatchError::Failed { status, .. } | BatchError::MayHaveRun { status, .. } => *status,
            BatchError::ReplyUnreadable { status, .. } | BatchError::HeldBack { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The `request-id` of the answer this error is about, if it had one.
    ///
    /// ```
    /// use graph_core::BatchError;
    ///
    /// assert_eq!(BatchError::ForeignKey.request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            BatchError::Unreadable { request_id, .. }
            | BatchError::ReplyUnreadable { request_id, .. }
            | BatchError::MayHaveRun { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The `Retry-After` that held this request back, as sent.
    ///
    /// ```
    /// use graph_core::BatchError;
    ///
    /// let held = BatchError::HeldBack { status: 429, retry_after: "3600".into() };
    /// assert_eq!(held.retry_after(), Some("3600"));
    /// ```
    pub fn retry_after(&self) -> Option<&str> {
        match self {
            BatchError::HeldBack { retry_after, .. } => Some(retry_after),
            _ => None,
        }
    }
}
