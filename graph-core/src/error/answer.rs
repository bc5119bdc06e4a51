//! What an answer said about itself besides its body: status and identifiers.

use super::ErrorBody;

/// The status and tracing identifiers of the answer an error came from,
/// kept in one place for [`GraphError`](crate::GraphError),
/// [`DecodeError`](crate::DecodeError) and [`AuthError`](crate::AuthError).
///
/// Identifiers come from the answer's headers; for an error answer, those the
/// headers lack are taken from the body (Graph's `innerError`, or the token
/// endpoint's `trace_id`, `correlation_id` and `timestamp`). Quote
/// [`request_id`](Self::request_id) and [`date`](Self::date) to Microsoft
/// support.
///
/// ```
/// # fn show(err: &graph_core::Error) {
/// if let Some(answer) = err.answer() {
///     eprintln!("{} request-id={:?} date={:?}", answer.status(), answer.request_id(), answer.date());
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerMeta {
    status: u16,
    request_id: Option<String>,
    client_request_id: Option<String>,
    date: Option<String>,
    retry_after: Option<String>,
}

impl AnswerMeta {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `request-id` the server gave the request, for Microsoft support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `client-request-id` of the request: the one this client sent, or
    /// the one the server reported.
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }

    /// When the server answered, as sent (the `Date` header, or the body's date).
    pub fn date(&self) -> Option<&str> {
        self.date.as_deref()
    }

    /// The `Retry-After` header, as sent: seconds or an HTTP date.
    pub fn retry_after(&self) -> Option<&str> {
        self.retry_after.as_deref()
    }

    /// An answer known only by its status and `request-id` header.
    pub(crate) fn new(status: u16, request_id: Option<String>) -> Self {
        Self {
            status,
            request_id,
            client_request_id: None,
            date: None,
            retry_after: None,
        }
    }

    /// An answer known by its headers.
    pub(crate) fn from_headers(status: u16, headers: AnswerHeaders) -> Self {
        Self {
            status,
            request_id: headers.request_id,
            client_request_id: headers.client_request_id,
            date: headers.date,
            retry_after: headers.retry_after,
        }
    }

    /// This answer, with the `client-request-id` this client sent where the
    /// headers had none.
    pub(crate) fn with_client_request_id(mut self, sent: &str) -> Self {
        self.client_request_id
            .get_or_insert_with(|| sent.to_owned());
        self
    }

    /// The headers' identifiers, completed from the error body's where missing.
    pub(crate) fn completed(status: u16, headers: AnswerHeaders, body: &ErrorBody) -> Self {
        let from_body = |value: Option<&str>| value.map(str::to_owned);
        Self {
            status,
            request_id: headers.request_id.or_else(|| from_body(body.request_id())),
            client_request_id: headers
                .client_request_id
                .or_else(|| from_body(body.client_request_id())),
            date: headers.date.or_else(|| from_body(body.date())),
            retry_after: headers.retry_after,
        }
    }
}

/// The identifiers an answer's headers carried.
#[derive(Default)]
pub(crate) struct AnswerHeaders {
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    pub retry_after: Option<String>,
}

/// What an error answer carried, whichever way it arrived (a plain response,
/// or one answer inside a `$batch` reply); turned into an [`Error`](crate::Error)
/// by `Error::from_answer`.
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
