//! An answer whose body was larger than the client reads.

use std::fmt;

use super::AnswerMeta;

/// An answer whose body was larger than the client's limit
/// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
///
/// The body was not parsed: reading stopped at the limit and the connection
/// was dropped. What was read first is kept as a [`snippet`](Self::snippet).
/// For a success status Graph ran the request, but what it answered is lost
/// ([`Error::is_fate_unknown`](crate::Error::is_fate_unknown) says so).
///
/// ```
/// # fn show(err: &graph_core::Error) {
/// if let graph_core::Error::TooLarge(big) = err {
///     eprintln!("{} answer over {} bytes: {}", big.status(), big.limit(), big.snippet());
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TooLargeError {
    answer: AnswerMeta,
    limit: u64,
    snippet: String,
    attempts: u32,
}

impl TooLargeError {
    pub(crate) fn new(answer: AnswerMeta, limit: u64, start: &[u8], attempts: u32) -> Self {
        Self {
            answer,
            limit,
            snippet: super::body::snippet(start),
            attempts,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.answer.status()
    }

    /// The status and identifiers of the answer.
    pub fn answer(&self) -> &AnswerMeta {
        &self.answer
    }

    /// The `request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.answer.request_id()
    }

    /// The limit the body went over, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The start of the body, as [`GraphError::snippet`](crate::GraphError::snippet)
    /// shows it: at most 200 characters and `…`.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for TooLargeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} answer is larger than the limit of {} bytes; body starts {:?}",
            self.status(),
            self.limit,
            self.snippet
        )?;
        if let Some(id) = self.request_id() {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for TooLargeError {}
