//! Sending many requests by `$batch`: chunks of 20, a few at once, throttled answers again.

use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;

use super::chunk::{self, ChunkReply};
use super::wire::MAX_BATCH_SIZE;
use super::{Answer, inner_error, spread};
use crate::retry::{Attempt, Decision};
use crate::{Client, Error, Request};

/// How many `$batch` requests are in flight at once.
const CONCURRENT_BATCHES: usize = 4;

/// A request still to be answered.
struct Pending {
    index: usize,
    request: Request,
    retries: u32,
    /// Time slept before resending it, over all rounds.
    waited: Duration,
    /// Its last answer, kept in case the next wait would go over the total limit.
    last: Option<Error>,
}

/// Sends every request; returns one result per request, in order, and the
/// number of `$batch` round trips.
pub(super) async fn run(
    client: &Client,
    requests: Vec<Request>,
) -> (Vec<Result<Answer, Error>>, u32) {
    let mut results: Vec<Option<Result<Answer, Error>>> =
        (0..requests.len()).map(|_| None).collect();
    let mut pending: Vec<Pending> = requests
        .into_iter()
        .enumerate()
        .map(|(index, request)| Pending {
            index,
            request,
            retries: 0,
            waited: Duration::ZERO,
            last: None,
        })
        .collect();
    let mut round_trips = 0;
    while !pending.is_empty() {
        let mut again = Vec::new();
        let mut delay = Duration::ZERO;
        let mut chunks = std::mem::take(&mut pending);
        let mut in_flight = JoinSet::new();
        loop {
            while in_flight.len() < CONCURRENT_BATCHES && !chunks.is_empty() {
                let rest = chunks.split_off(chunks.len().min(MAX_BATCH_SIZE));
                let chunk = std::mem::replace(&mut chunks, rest);
                let client = client.clone();
                in_flight.spawn(async move {
                    let requests: Vec<(String, &Request)> = chunk
                        .iter()
                        .map(|p| ((p.index + 1).to_string(), &p.request))
                        .collect();
                    let reply = chunk::send(&client, &requests).await;
                    (chunk, reply)
                });
            }
            let Some(joined) = in_flight.join_next().await else {
                break;
            };
            let (chunk, reply) = match joined {
                Ok(done) => done,
                // A panicked task would lose its requests; it cannot happen
                // without a bug, and is reported rather than hidden.
                Err(join) => {
                    tracing::error!(%join, "a batch task ended without a result");
                    continue;
                }
            };
            match reply {
                Err(error) => {
                    round_trips += error.attempts().unwrap_or(1);
                    for p in chunk {
                        results[p.index] = Some(Err(spread(&error)));
                    }
                }
                Ok(ChunkReply {
                    answers,
                    outer_attempts,
                }) => {
                    round_trips += outer_attempts;
                    for (p, (_, answer)) in chunk.into_iter().zip(answers) {
                        settle(client, p, answer, &mut results, &mut again, &mut delay);
                    }
                }
            }
        }
        if !again.is_empty() {
            // Every request of the round waits the longest wait: that is what
            // counts against each one's total.
            let limit = client.retry_policy().max_total_delay();
            for mut p in again {
                if p.waited + delay > limit {
                    results[p.index] = p.last.take().map(Err);
                } else {
                    p.waited += delay;
                    pending.push(p);
                }
            }
            if !pending.is_empty() {
                tokio::time::sleep(delay).await;
            }
        }
    }
    let results = results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Error::Batch(crate::BatchError::Failed {
                    status: None,
                    reason: "the task sending it ended without a result".to_owned(),
                }))
            })
        })
        .collect();
    (results, round_trips)
}

/// Records a request's answer, or queues it again when the policy says to retry.
fn settle(
    client: &Client,
    mut pending: Pending,
    answer: Result<super::wire::InnerReply, crate::BatchError>,
    results: &mut [Option<Result<Answer, Error>>],
    again: &mut Vec<Pending>,
    delay: &mut Duration,
) {
    let answer = match answer {
        Err(problem) => {
            results[pending.index] = Some(Err(Error::Batch(problem)));
            return;
        }
        Ok(answer) => answer,
    };
    if (200..300).contains(&answer.status) {
        results[pending.index] = Some(Ok(Answer {
            status: answer.status,
            request_id: answer.header("request-id"),
            body: answer.body,
        }));
        return;
    }
    let retry_after = answer.header("retry-after");
    let attempt = Attempt {
        status: answer.status,
        retry_after: retry_after.as_deref(),
        retries_so_far: pending.retries,
        elapsed_delay: pending.waited,
        now: SystemTime::now(),
    };
    match client.retry_policy().decide_with_random_jitter(&attempt) {
        Decision::Retry {
            delay: wait,
            attempt,
        } => {
            pending.retries = attempt;
            pending.last = Some(inner_error(&answer, attempt));
            *delay = (*delay).max(wait);
            again.push(pending);
        }
        Decision::Stop(_) => {
            results[pending.index] = Some(Err(inner_error(&answer, pending.retries + 1)));
        }
    }
}
