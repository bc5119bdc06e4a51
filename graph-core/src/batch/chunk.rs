//! One `$batch` round trip: at most 20 requests out, each id matched to its answer.

use std::future::Future;

use super::engine::Transport;
use super::wire::{self, InnerReply};
use crate::error::Answered;
use crate::retry::RetryPolicy;
use crate::{BatchError, Client, Error, Method, Request};

/// The client as the engine's transport. The engine decides about retries
/// itself, across all jobs: the client underneath sends each `$batch` once.
#[derive(Debug, Clone)]
pub(crate) struct Wire(Client);

impl Wire {
    pub fn new(client: &Client) -> Self {
        Self(client.with_retry_policy(RetryPolicy::disabled()))
    }
}

impl Transport for Wire {
    fn round_trip<'a>(
        &'a self,
        requests: &'a [(String, &'a Request)],
    ) -> impl Future<Output = Result<ChunkReply, Error>> + Send + 'a {
        send(&self.0, requests)
    }
}

/// The answers of one round trip, by requested id, and how many times the
/// `$batch` request itself was sent (retries of the whole batch included).
pub(crate) struct ChunkReply {
    pub answers: Vec<(String, Result<InnerReply, BatchError>)>,
    pub outer_attempts: u32,
}

/// Sends `requests` as one `$batch`. Fails as a whole only when the batch
/// request itself failed (after the client's own retries).
async fn send(client: &Client, requests: &[(String, &Request)]) -> Result<ChunkReply, Error> {
    let body = wire::encode(requests).map_err(Error::Serialize)?;
    let outer = Request::new(
        Method::Post,
        "/$batch",
        "/$batch".to_owned(),
        Vec::new(),
        Some(body),
    );
    let reply = client.execute_request::<wire::Reply>(outer).await?;
    let ids: Vec<String> = requests.iter().map(|(id, _)| id.clone()).collect();
    let answers = wire::match_ids(&ids, reply.value);
    Ok(ChunkReply {
        answers,
        outer_attempts: reply.attempts,
    })
}

/// The error for an inner answer that is not a success.
pub(crate) fn inner_error(answer: &InnerReply, attempts: u32) -> Error {
    Error::from_answer(Answered {
        status: answer.status,
        content_type: Some("application/json"),
        body: answer.body_text().as_bytes(),
        request_id: answer.header("request-id"),
        client_request_id: answer.header("client-request-id"),
        date: answer.header("date"),
        retry_after: answer.header("retry-after"),
        attempts,
    })
}

/// A failure of the whole `$batch`, given to every request it carried.
/// Graph errors, authentication errors (with their kind, status and code)
/// and validation errors are kept as they are. A success that could not be
/// read (undecodable or too large) becomes
/// [`BatchError::ReplyUnreadable`]; others are [`flattened`], which keeps
/// whether Graph may have run the requests.
pub(crate) fn spread(error: &Error) -> Error {
    match error {
        Error::Graph(graph) => Error::Graph(graph.clone()),
        Error::Validation(invalid) => Error::Validation(invalid.clone()),
        Error::Auth(auth) => Error::Auth(auth.clone()),
        Error::Decode(_) | Error::TooLarge(_) if error.is_fate_unknown() => {
            Error::Batch(BatchError::ReplyUnreadable {
                status: error.status().unwrap_or(200),
                request_id: error.request_id().map(str::to_owned),
                reason: error.to_string(),
            })
        }
        other => flattened(other),
    }
}

/// An error as text in a [`BatchError`] that keeps its fate: one that may
/// have run (a reset after sending, a redirect that may have acted)
/// becomes [`BatchError::Unanswered`], any other [`BatchError::Failed`]
/// with its status.
fn flattened(error: &Error) -> Error {
    let reason = error.to_string();
    Error::Batch(if error.is_fate_unknown() {
        BatchError::Unanswered { reason }
    } else {
        BatchError::Failed {
            status: error.status(),
            reason,
        }
    })
}
