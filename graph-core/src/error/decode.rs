//! A success answer whose body was not the expected type.

use std::fmt;

use super::AnswerMeta;

/// A success answer whose body was not what the endpoint's response type expects.
///
#[derive(Debug)]
pub struct DecodeError {
    answer: AnswerMeta,
    snippet: String,
    source: serde_json::Error,
}

impl DecodeError {
    pub(crate) fn new(answer: AnswerMeta, body: &[u8], source: serde_json::Error) -> Self {
        Self {
            answer,
            snippet: super::body::snippet(body),
            source,
        }
    }

    /// The HTTP status (2xx).
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

    /// What serde reported (also the error's [`source`](std::error::Error::source)).
    pub fn json_error(&self) -> &serde_json::Error {
        &self.source
    }

    /// The start of the body, for diagnosis: at most 200 characters, decoded
    /// as lossy UTF-8 with runs of whitespace collapsed to one space, followed
    /// by `…` if the body was longer.
    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} answer: {}; body starts {:?}",
            self.status(),
            self.source,
            self.snippet
        )?;
        if let Some(id) = self.request_id() {
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
