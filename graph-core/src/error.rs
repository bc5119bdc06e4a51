//! The one error type of this crate.

use std::fmt;

use crate::ValidationError;
use crate::error_body::{ErrorBody, TokenErrorBody};

/// Everything that can go wrong between building a request and reading its answer.
///
/// ```
/// use graph_core::{Error, ValidationError};
///
/// let err = Error::from(ValidationError::new("recipients", "must name at least one recipient"));
/// assert!(err.status().is_none());
/// assert!(!err.is_retryable());
/// assert_eq!(err.to_string(), "invalid `recipients`: must name at least one recipient");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request value broke a documented rule; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The request body could not be encoded; nothing was sent.
    #[error("could not encode the request body: {0}")]
    Serialize(#[source] serde_json::Error),
    /// Microsoft Graph answered with an error status.
    #[error(transparent)]
    Graph(Box<GraphError>),
    /// A success status whose body did not decode into the response type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// No usable token: the token endpoint refused, or Graph answered 401.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The request did not complete: connection, TLS, timeout or redirect trouble.
    #[error("request failed after {attempts} attempt(s): {source}")]
    Transport {
        /// Attempts made, retries included.
        attempts: u32,
        /// What the HTTP stack reported.
        #[source]
        source: reqwest::Error,
    },
    /// A `$batch` reply did not answer this request usably (missing, answered twice,
    /// or the whole batch failed in a way that has no Graph error of its own).
    #[error("batch: {0}")]
    Batch(BatchError),
    /// The server redirected more than the allowed number of times, or to an unusable address.
    #[error("redirect refused: {0}")]
    Redirect(String),
    /// The client was configured with something unusable.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status of the answer this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Graph(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Auth(e) => e.status,
            Error::Batch(BatchError::Failed { status, .. }) => *status,
            _ => None,
        }
    }

    /// Graph's error `code` (`itemNotFound`, `invalidRequest`, …), if the body had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Graph(e) => e.code(),
            Error::Auth(e) => e.code.as_deref(),
            _ => None,
        }
    }

    /// The `request-id` Graph gave the failed request, for Microsoft support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Graph(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::Auth(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed (429, 503, 504).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Graph(e) if crate::retry::RetryPolicy::is_retryable_status(e.status))
    }

    /// How many times the request was sent before this error, retries included.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Graph(e) => Some(e.attempts),
            Error::Auth(e) => e.graph.as_ref().map(|g| g.attempts),
            Error::Transport { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }
}

/// An error answer from Microsoft Graph, with what support needs to trace it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GraphError {
    /// The HTTP status.
    pub status: u16,
    /// The parsed body: code, message, inner codes and a snippet of the raw text.
    pub body: ErrorBody,
    /// `request-id` from the headers, else from the body's `innerError`.
    pub request_id: Option<String>,
    /// The `client-request-id` this client sent.
    pub client_request_id: Option<String>,
    /// The `Date` header, else the body's `innerError.date`.
    pub date: Option<String>,
    /// The `Retry-After` header as sent.
    pub retry_after: Option<String>,
    /// Attempts made, retries included.
    pub attempts: u32,
}

/// What an error answer carried besides its body, whichever way it arrived
/// (a plain response, or one answer inside a `$batch` reply).
pub(crate) struct Answered<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    pub retry_after: Option<String>,
    pub attempts: u32,
}

impl Error {
    /// The error for a non-2xx answer: [`Error::Auth`] for 401, else [`Error::Graph`].
    /// Identifiers missing from the headers are taken from the body's `innerError`.
    pub(crate) fn from_answer(answer: Answered<'_>) -> Self {
        let body = ErrorBody::parse(answer.status, answer.content_type, answer.body);
        let error = GraphError {
            status: answer.status,
            request_id: answer.request_id.or_else(|| body.request_id.clone()),
            client_request_id: answer
                .client_request_id
                .or_else(|| body.client_request_id.clone()),
            date: answer.date.or_else(|| body.date.clone()),
            retry_after: answer.retry_after,
            attempts: answer.attempts,
            body,
        };
        if error.status == 401 {
            Error::Auth(Box::new(AuthError::from_graph(error)))
        } else {
            Error::Graph(Box::new(error))
        }
    }

    /// The error for a success answer whose body is not the expected type.
    pub(crate) fn decode(
        status: u16,
        request_id: Option<&str>,
        body: &[u8],
        source: serde_json::Error,
    ) -> Self {
        Error::Decode(Box::new(DecodeError {
            status,
            request_id: request_id.map(str::to_owned),
            snippet: ErrorBody::parse(status, None, body).snippet,
            source,
        }))
    }
}

impl GraphError {
    /// Graph's error `code`.
    pub fn code(&self) -> Option<&str> {
        self.body.code.as_deref()
    }

    /// Graph's error `message`.
    pub fn message(&self) -> Option<&str> {
        self.body.message.as_deref()
    }

    /// The chain of `innerError` codes, outermost first.
    pub fn inner_codes(&self) -> &[String] {
        &self.body.inner_codes
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph answered {}", self.status)?;
        match (&self.body.code, &self.body.message) {
            (Some(code), Some(message)) => write!(f, " {code}: {message}")?,
            (Some(code), None) => write!(f, " {code}")?,
            _ if self.body.snippet.is_empty() => f.write_str(" with an empty body")?,
            _ => write!(f, ": {}", self.body.snippet)?,
        }
        if !self.body.inner_codes.is_empty() {
            write!(f, " (inner: {})", self.body.inner_codes.join(" > "))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for GraphError {}

/// Why a request sent in a `$batch` has no answer of its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The reply had no answer with this request's id.
    #[error("the reply has no answer for request `{id}`")]
    Missing {
        /// The request's id in the batch.
        id: String,
    },
    /// The reply answered this request's id more than once, so neither answer can be trusted.
    #[error("the reply answers request `{id}` more than once")]
    Duplicated {
        /// The request's id in the batch.
        id: String,
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

/// A success answer whose body was not what the endpoint's response type expects.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The `request-id` header.
    pub request_id: Option<String>,
    /// The start of the body, for diagnosis.
    pub snippet: String,
    /// What serde reported.
    pub source: serde_json::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} answer: {}; body starts {:?}",
            self.status, self.source, self.snippet
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Authentication failed: the token endpoint refused, or Graph rejected the token.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuthError {
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The token endpoint's `error` (`invalid_client`, …) or Graph's error code.
    pub code: Option<String>,
    /// The token endpoint's `error_description` or Graph's message.
    pub description: Option<String>,
    /// The token endpoint's `trace_id`, or Graph's `request-id`.
    pub request_id: Option<String>,
    /// The underlying transport failure, when the token endpoint could not be reached.
    pub source: Option<reqwest::Error>,
    /// Graph's whole answer, when Graph answered 401: inner codes,
    /// client-request-id, date and attempts included.
    pub graph: Option<GraphError>,
}

impl AuthError {
    /// The token endpoint could not be reached (or no HTTP client could start).
    pub(crate) fn unreachable(source: Option<reqwest::Error>) -> Self {
        Self {
            status: None,
            code: None,
            description: Some("could not reach the token endpoint".to_owned()),
            request_id: None,
            source,
            graph: None,
        }
    }

    /// The token endpoint answered success with a body that is not a token.
    pub(crate) fn unreadable(status: u16, problem: &serde_json::Error) -> Self {
        Self {
            status: Some(status),
            code: None,
            description: Some(format!("unreadable token answer: {problem}")),
            request_id: None,
            source: None,
            graph: None,
        }
    }

    /// From the token endpoint's error answer.
    pub(crate) fn from_token_endpoint(status: u16, body: &[u8]) -> Self {
        match TokenErrorBody::parse(body) {
            Some(token) => Self {
                status: Some(status),
                code: Some(token.error),
                description: token.error_description,
                request_id: token.trace_id,
                source: None,
                graph: None,
            },
            None => Self {
                status: Some(status),
                code: None,
                description: Some(ErrorBody::parse(status, None, body).snippet),
                request_id: None,
                source: None,
                graph: None,
            },
        }
    }

    /// From Graph's 401 answer.
    fn from_graph(error: GraphError) -> Self {
        Self {
            status: Some(error.status),
            code: error.body.code.clone(),
            description: error.body.message.clone(),
            request_id: error.request_id.clone(),
            source: None,
            graph: Some(error),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed")?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
