//! A decoded answer with the details that come with it.

/// A successful answer: the decoded value and what identifies the exchange.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The HTTP status (200, 201, 204, or 207 for partial success).
    pub status: u16,
    /// Graph's `request-id` header.
    pub request_id: Option<String>,
    /// The `client-request-id` this client sent.
    pub client_request_id: String,
    /// Attempts made, retries included.
    pub attempts: u32,
    /// The decoded body.
    pub value: T,
}
