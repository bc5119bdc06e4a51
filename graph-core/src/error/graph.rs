//! An error answer from Microsoft Graph.

use std::fmt;

use super::{AnswerMeta, BodyKind, ErrorBody, ErrorDetail, ODataError, TokenErrorBody};

/// An error answer from Microsoft Graph, with what support needs to trace it.
///
/// ```
/// # fn show(err: &graph_core::Error) {
/// if let graph_core::Error::Graph(graph) = err {
///     eprintln!("{} {:?} {:?}", graph.status(), graph.code(), graph.inner_codes());
///     if graph.code().is_none() {
///         eprintln!("not a Graph error body ({:?}): {}", graph.body_kind(), graph.snippet());
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct GraphError {
    answer: AnswerMeta,
    body: ErrorBody,
    attempts: u32,
}

impl GraphError {
    pub(crate) fn new(answer: AnswerMeta, body: ErrorBody, attempts: u32) -> Self {
        Self {
            answer,
            body,
            attempts,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.answer.status()
    }

    /// The status and identifiers of the answer.
    pub fn answer(&self) -> &AnswerMeta {
        &self.answer
    }

    /// `request-id` from the headers, else from the body's `innerError`.
    pub fn request_id(&self) -> Option<&str> {
        self.answer.request_id()
    }

    /// The `client-request-id` this client sent, else the body's.
    pub fn client_request_id(&self) -> Option<&str> {
        self.answer.client_request_id()
    }

    /// The `Date` header, else the body's `innerError.date`, as sent.
    pub fn date(&self) -> Option<&str> {
        self.answer.date()
    }

    /// The `Retry-After` header, as sent.
    pub fn retry_after(&self) -> Option<&str> {
        self.answer.retry_after()
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Graph's error `code` (or the OAuth `error` of a token-shaped body).
    pub fn code(&self) -> Option<&str> {
        self.body.code()
    }

    /// Graph's error `message` (or the OAuth `error_description`).
    pub fn message(&self) -> Option<&str> {
        self.body.message()
    }

    /// Graph's error `target`, usually the offending property.
    pub fn target(&self) -> Option<&str> {
        self.odata().and_then(|odata| odata.target.as_deref())
    }

    /// The chain of `innerError` codes, outermost first.
    pub fn inner_codes(&self) -> Vec<&str> {
        self.odata()
            .map(ODataError::inner_codes)
            .unwrap_or_default()
    }

    /// Graph's `details` entries.
    pub fn details(&self) -> &[ErrorDetail] {
        self.odata().map_or(&[], |odata| &odata.details)
    }

    /// The whole OData error object, when the body was a Graph error.
    pub fn odata(&self) -> Option<&ODataError> {
        self.body.odata()
    }

    /// The token endpoint error, when the body had that shape instead.
    pub fn token_error(&self) -> Option<&TokenErrorBody> {
        self.body.token()
    }

    /// What the body contained.
    pub fn body_kind(&self) -> BodyKind {
        self.body.kind()
    }

    /// The start of the body, for diagnosis: at most 200 characters, decoded
    /// as lossy UTF-8 with runs of whitespace collapsed to one space, followed
    /// by `…` if the body was longer. Empty for an empty body.
    pub fn snippet(&self) -> &str {
        self.body.snippet()
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph answered {}", self.status())?;
        match (self.code(), self.message()) {
            (Some(code), Some(message)) => write!(f, " {code}: {message}")?,
            (Some(code), None) => write!(f, " {code}")?,
            _ if self.snippet().is_empty() => f.write_str(" with an empty body")?,
            _ => write!(f, ": {}", self.snippet())?,
        }
        let inner = self.inner_codes();
        if !inner.is_empty() {
            write!(f, " (inner: {})", inner.join(" > "))?;
        }
        if let Some(target) = self.target() {
            write!(f, " (target: {target})")?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " [request-id {id}]")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}
