//! The one error type of this crate, and what it keeps of a failed answer.
//!
//! * [`Error`]: every failure, with accessors for what support needs.
//! * [`AnswerMeta`] (`answer.rs`): status, request-id, client-request-id,
//!   date and Retry-After of the answer an error came from, in one place.
//! * [`GraphError`] (`graph.rs`), [`DecodeError`] (`decode.rs`),
//!   [`AuthError`] (`auth.rs`), [`BatchError`] (`batch.rs`),
//!   [`TooLargeError`] (`too_large.rs`), [`ValidationError`]
//!   (`validation.rs`): the details of each kind.
//! * [`ODataError`] (`odata.rs`): Graph's serde error object, read leniently
//!   (`lenient.rs`); [`TokenErrorBody`] (`token.rs`): the token endpoint's;
//!   `body.rs` tells them from HTML and text and keeps a snippet.

mod answer;
mod auth;
mod batch;
mod body;
mod decode;
mod graph;
mod lenient;
mod odata;
mod redirect;
mod token;
mod too_large;
mod validation;

#[cfg(test)]
mod tests;

pub use answer::AnswerMeta;
pub(crate) use answer::{AnswerHeaders, Answered};
pub use auth::{AuthError, AuthErrorKind};
pub use batch::BatchError;
pub use body::BodyKind;
pub(crate) use body::{ErrorBody, snippet};
pub use decode::DecodeError;
pub use graph::GraphError;
pub use odata::{ErrorDetail, InnerError, ODataError};
pub use redirect::RedirectError;
pub use token::TokenErrorBody;
pub use too_large::TooLargeError;
pub use validation::ValidationError;

/// Everything that can go wrong between building a request and reading its answer.
///
/// The accessors ([`status`](Self::status), [`code`](Self::code),
/// [`request_id`](Self::request_id), …) answer for every variant, so most
/// callers never need to match on it.
///
/// ```
/// use graph_core::{Error, ValidationError};
///
/// let err = Error::from(ValidationError::new("recipients", "must name at least one recipient"));
/// assert!(err.status().is_none());
/// assert!(!err.is_retryable());
/// assert!(!err.is_fate_unknown(), "nothing was sent");
/// assert_eq!(err.to_string(), "invalid `recipients`: must name at least one recipient");
/// ```
///
/// No variant shows a secret: URLs appear with their user-info dropped and
/// each query value replaced by `REDACTED` (a pre-authenticated download
/// URL's `tempauth=` or a SAS `sig=` included), in `Display` and `Debug`
/// alike, and so in the text a `$batch` failure copies into each of its
/// requests.
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
    /// No usable token: the token endpoint refused, Graph answered 401, or the
    /// token cannot be sent ([`AuthError::kind`] tells which).
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// The request did not complete: connection, TLS, timeout, or an answer
    /// cut off. [`is_fate_unknown`](Self::is_fate_unknown) tells whether it
    /// may have reached Graph; [`is_timeout`](Self::is_timeout) whether time ran out.
    #[error(
        "request failed after {attempts} attempt(s){}: {source}",
        transport_note(source)
    )]
    Transport {
        /// Attempts made, retries included.
        attempts: u32,
        /// What the HTTP stack reported; the URL it names is redacted (see [`Error`]).
        #[source]
        source: reqwest::Error,
    },
    /// An answer's body was larger than the client's limit; it was not read
    /// to the end, and the connection was dropped.
    #[error(transparent)]
    TooLarge(Box<TooLargeError>),
    /// A `$batch` reply did not answer this request usably (missing, answered twice,
    /// or the whole batch failed in a way that has no Graph error of its own).
    #[error("batch: {0}")]
    Batch(BatchError),
    /// The server redirected more than the allowed number of times, or to
    /// an unusable address ([`RedirectError::may_have_acted`] tells whether
    /// the request may have run first).
    #[error("redirect refused: {0}")]
    Redirect(RedirectError),
    /// A page's `@odata.nextLink` is not under the client's base URL. It is
    /// not followed, so the token never goes where an answer pointed elsewhere.
    #[error("@odata.nextLink `{link}` is not under the base URL `{base}`; not following it")]
    ForeignNextLink {
        /// The link redacted: no user-info, no fragment, each query value
        /// `REDACTED` (they can carry secrets).
        link: String,
        /// The client's base URL.
        base: String,
    },
    /// The client was configured with something unusable.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The status and identifiers of the answer this error came from, if any.
    pub fn answer(&self) -> Option<&AnswerMeta> {
        match self {
            Error::Graph(e) => Some(e.answer()),
            Error::Decode(e) => Some(e.answer()),
            Error::Auth(e) => e.answer(),
            Error::TooLarge(e) => Some(e.answer()),
            _ => None,
        }
    }

    /// The HTTP status of the answer this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Batch(batch) => batch.status(),
            _ => self.answer().map(AnswerMeta::status),
        }
    }

    /// Graph's error `code` (`itemNotFound`, `invalidRequest`, …) or the token
    /// endpoint's `error` (`invalid_client`, …), if the body had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Graph(e) => e.code(),
            Error::Auth(e) => e.code(),
            _ => None,
        }
    }

    /// Graph's error `message`, or the token endpoint's `error_description`.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Graph(e) => e.message(),
            Error::Auth(e) => e.description(),
            _ => None,
        }
    }

    /// The chain of Graph's `innerError` codes, outermost first.
    pub fn inner_codes(&self) -> Vec<&str> {
        match self {
            Error::Graph(e) => e.inner_codes(),
            Error::Auth(e) => e.graph().map(GraphError::inner_codes).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The `request-id` Graph gave the failed request, for Microsoft support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Batch(batch) => batch.request_id(),
            _ => self.answer().and_then(AnswerMeta::request_id),
        }
    }

    /// The `client-request-id` of the failed request.
    pub fn client_request_id(&self) -> Option<&str> {
        self.answer().and_then(AnswerMeta::client_request_id)
    }

    /// When the server answered, as sent.
    pub fn date(&self) -> Option<&str> {
        self.answer().and_then(AnswerMeta::date)
    }

    /// The `Retry-After` header of the answer, as sent.
    pub fn retry_after(&self) -> Option<&str> {
        match self {
            Error::Batch(batch) => batch.retry_after(),
            _ => self.answer().and_then(AnswerMeta::retry_after),
        }
    }

    /// Whether sending the same request again later may succeed (429, 503, 504).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Graph(e) if crate::retry::RetryPolicy::is_retryable_status(e.status()))
    }

    /// Whether Graph answered `412 Precondition Failed`: an `If-Match` eTag
    /// no longer matched, and nothing was changed ("Update sharing
    /// permission" and "Delete a sharing permission", Optional request headers).
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// Whether Graph answered this request `403 Forbidden`: the token lacks
    /// the permission the operation needs (Graph's code `accessDenied`, "The
    /// caller doesn't have permission to perform the action", in "Microsoft
    /// Graph error responses and resource types"), or the signed-in user
    /// may not touch the item. [`code`](Self::code) and
    /// [`message`](Self::message) say which permissions were missing when
    /// Graph says so.
    ///
    /// The token was accepted, so the client neither retries the request
    /// nor fetches a new token: the same token would be refused again. Ask
    /// for the scopes the operation's page lists (delegated), or have an
    /// admin grant the application permission (app-only). Inside a `$batch`
    /// or a bulk run, only the refused request fails.
    ///
    /// ```
    /// # async fn run(client: graph_core::Client, invite: graph_core::drive::Invite) {
    /// match client.send(&invite).await {
    ///     Ok(_) => println!("invited"),
    ///     Err(e) if e.is_access_denied() => eprintln!("not allowed, sign in with Files.ReadWrite: {e}"),
    ///     Err(e) => eprintln!("failed: {e}"),
    /// }
    /// # }
    /// ```
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::Graph(e) if e.status() == 403)
    }

    /// How many times the request was sent before this error, retries included.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Graph(e) => Some(e.attempts()),
            Error::Auth(e) => e.graph().map(GraphError::attempts),
            Error::Transport { attempts, .. } => Some(*attempts),
            Error::TooLarge(e) => Some(e.attempts()),
            _ => None,
        }
    }

    /// Whether the request may have reached Graph and run although no usable
    /// answer came back: work whose fate is unknown, which is not the same as
    /// failed. Check before sending it again (an invitation sent twice
    /// notifies twice).
    ///
    /// True for a connection reset or a timeout once the request may have
    /// been sent, a success answer cut off or not readable ([`Error::Decode`],
    /// an [`Error::TooLarge`] success), a redirect that could not be followed
    /// after a `301`, `302` or `303` answered a request other than a GET (the
    /// server may have acted before redirecting), and a `$batch` request
    /// whose reply lacks its answer or holds two. False when nothing was sent
    /// (validation, no token, a connection never made) and for every answer
    /// Graph gave, errors included, and for a redirect of a GET or a `307`/`308`
    /// that could not be followed (nothing acted on it).
    ///
    /// ```
    /// # async fn run(client: graph_core::Client, invite: graph_core::drive::Invite) {
    /// match client.send(&invite).await {
    ///     Ok(_) => println!("granted"),
    ///     Err(e) if e.is_fate_unknown() => println!("may have been granted: list the permissions"),
    ///     Err(e) => println!("not granted: {e}"),
    /// }
    /// # }
    /// ```
    pub fn is_fate_unknown(&self) -> bool {
        match self {
            // A connection that was never made sent nothing; nor did a
            // request reqwest could not build. Anything else failed after
            // the request may have been written.
            Error::Transport { source, .. } => !source.is_connect() && !source.is_builder(),
            Error::Decode(_) => true,
            Error::Redirect(e) => e.may_have_acted(),
            Error::TooLarge(e) => (200..300).contains(&e.status()),
            Error::Batch(e) => e.is_fate_unknown(),
            _ => false,
        }
    }

    /// Whether time ran out: the client's per-exchange time limit
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)) or a
    /// timeout of the HTTP stack.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_timeout())
    }
}

/// What a transport error's own text may not say: that time ran out, and
/// whether the request may have run.
fn transport_note(source: &reqwest::Error) -> &'static str {
    match (
        source.is_timeout(),
        source.is_connect() || source.is_builder(),
    ) {
        (true, false) => ", timed out with its fate unknown",
        (true, true) => ", timed out before it was sent",
        (false, false) => ", its fate unknown",
        (false, true) => "",
    }
}

impl Error {
    /// The error for a non-2xx answer: [`Error::Auth`] for 401, else [`Error::Graph`].
    /// Identifiers missing from the headers are taken from the body's `innerError`.
    pub(crate) fn from_answer(answer: Answered<'_>) -> Self {
        let body = ErrorBody::parse(answer.content_type, answer.body);
        let headers = AnswerHeaders {
            request_id: answer.request_id,
            client_request_id: answer.client_request_id,
            date: answer.date,
            retry_after: answer.retry_after,
        };
        let meta = AnswerMeta::completed(answer.status, headers, &body);
        let error = GraphError::new(meta, body, answer.attempts);
        if error.status() == 401 {
            Error::Auth(Box::new(AuthError::rejected(error)))
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
        let answer = AnswerMeta::new(status, request_id.map(str::to_owned));
        Error::Decode(Box::new(DecodeError::new(answer, body, source)))
    }

    /// The error for a `nextLink` outside `base`, the link redacted
    /// (user-info, query values and fragment can carry secrets).
    pub(crate) fn foreign_next_link(link: &str, base: &str) -> Self {
        Error::ForeignNextLink {
            link: crate::request::redacted_url(link),
            base: crate::request::redacted_url(base),
        }
    }

    /// The error for a failed exchange, the URL reqwest names redacted.
    pub(crate) fn transport(attempts: u32, source: reqwest::Error) -> Self {
        Error::Transport {
            attempts,
            source: crate::request::redacted_reqwest_error(source),
        }
    }

    /// The error for an answer whose body is over `limit`; `start` is what
    /// was read of it.
    pub(crate) fn too_large(answer: AnswerMeta, limit: u64, start: &[u8], attempts: u32) -> Self {
        Error::TooLarge(Box::new(TooLargeError::new(answer, limit, start, attempts)))
    }

    /// The error for a token that cannot be put in an `Authorization` header.
    pub(crate) fn unusable_token() -> Self {
        Error::Auth(Box::new(AuthError::unusable_token()))
    }
}
