//! Why a request sent in a `$batch` has no answer of its own.

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
