//! The bulk engine's loop: pull jobs, send them by `$batch` under the pace,
//! sort each answer into an outcome or a retry.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use futures_core::Stream;
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::ShareJob;
use super::outcome::{BulkReport, JobReport, Outcome};
use super::pace::Pace;
use super::progress::Counters;
use crate::batch::{Answer, ChunkReply, inner_error, send_chunk, spread};
use crate::drive::{InviteResponse, ItemLocator};
use crate::retry::{RetryAfter, RetryPolicy};
use crate::{Client, Error, Request, ToRequest};

/// Where jobs come from.
pub(crate) enum Source {
    Iter(Box<dyn Iterator<Item = ShareJob> + Send>),
    Stream(Pin<Box<dyn Stream<Item = ShareJob> + Send>>),
}

impl Source {
    /// The next job if one is ready without waiting.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<ShareJob>> {
        match self {
            Source::Iter(jobs) => Poll::Ready(jobs.next()),
            Source::Stream(jobs) => jobs.as_mut().poll_next(cx),
        }
    }
}

/// How the engine runs; see [`BulkShare`](super::BulkShare).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub concurrency: usize,
    pub batch_size: usize,
    pub max_attempts: u32,
    pub backoff: RetryPolicy,
}

/// Cancellation, shared with [`CancelHandle`](super::CancelHandle)s.
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    pub requested: AtomicBool,
    pub notify: Notify,
}

/// A job between being taken from the input and its outcome.
struct Job {
    index: usize,
    request: Request,
    attempts: u32,
    retries: u32,
    not_before: Option<Instant>,
    last_error: Option<Error>,
}

/// What a batch task hands back.
type Sent = (Vec<Job>, Result<ChunkReply, Error>);

struct Engine {
    client: Client,
    settings: Settings,
    counters: Arc<Counters>,
    pace: Pace,
    queue: VecDeque<Job>,
    reports: Vec<Option<JobReport>>,
    items: Vec<ItemLocator>,
    round_trips: u64,
    requests_answered: u64,
}

/// Runs the engine to the end of its input, or to cancellation.
pub(crate) async fn run(
    client: Client,
    mut source: Source,
    settings: Settings,
    counters: Arc<Counters>,
    cancel: Arc<Cancel>,
) -> BulkReport {
    let started = Instant::now();
    // The engine decides about retries itself, across all jobs: the client
    // underneath sends each `$batch` once.
    let client = client.with_retry_policy(RetryPolicy::disabled());
    let mut engine = Engine {
        client,
        pace: Pace::new(settings.concurrency, settings.batch_size, started),
        settings,
        counters,
        queue: VecDeque::new(),
        reports: Vec::new(),
        items: Vec::new(),
        round_trips: 0,
        requests_answered: 0,
    };
    let mut in_flight: JoinSet<Sent> = JoinSet::new();
    let mut exhausted = false;
    let mut cancelled = false;
    loop {
        cancelled = cancelled || cancel.requested.load(Ordering::SeqCst);
        if !cancelled {
            engine.fill(&mut in_flight, &mut source, &mut exhausted);
        }
        engine.publish(&in_flight);
        if in_flight.is_empty() && (cancelled || (exhausted && engine.queue.is_empty())) {
            break;
        }
        let now = Instant::now();
        let wake = engine.next_wake(now, in_flight.len(), exhausted);
        let wake = wake.filter(|_| !cancelled);
        // Read ahead at most what could be on the wire at once, so a long input is not pulled into memory.
        let room = engine.settings.batch_size * engine.settings.concurrency;
        let want_input = !cancelled && !exhausted && engine.queue.len() < room;
        tokio::select! {
            _ = cancel.notify.notified(), if !cancelled => cancelled = true,
            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => match joined {
                Ok((jobs, reply)) => engine.settle(jobs, reply),
                // Only a panic in a batch task gets here; its jobs would be lost, so it is not hidden.
                Err(join) => std::panic::resume_unwind(join.into_panic()),
            },
            _ = sleep_until(wake), if wake.is_some() => {}
            job = poll_fn(|cx| source.poll_next(cx)), if want_input => match job {
                Some(job) => engine.admit(job),
                None => exhausted = true,
            },
        }
    }
    engine.finish(started, cancelled)
}

async fn sleep_until(wake: Option<Instant>) {
    if let Some(at) = wake {
        tokio::time::sleep_until(at.into()).await;
    }
}

impl Engine {
    /// Starts batches while the pace allows and jobs are due.
    fn fill(&mut self, in_flight: &mut JoinSet<Sent>, source: &mut Source, exhausted: &mut bool) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        loop {
            let now = Instant::now();
            let want = self.want(now, *exhausted);
            if !self.pace.may_send(now, in_flight.len(), want) {
                return;
            }
            let mut chunk = Vec::new();
            let mut i = 0;
            while i < self.queue.len() && chunk.len() < want {
                if self.queue[i].not_before.is_none_or(|at| at <= now) {
                    chunk.extend(self.queue.remove(i));
                } else {
                    i += 1;
                }
            }
            while chunk.len() < want && !*exhausted {
                match source.poll_next(&mut cx) {
                    Poll::Ready(Some(job)) => {
                        if let Some(job) = self.prepare(job) {
                            chunk.push(job);
                        }
                    }
                    Poll::Ready(None) => *exhausted = true,
                    Poll::Pending => break,
                }
            }
            if chunk.is_empty() {
                return;
            }
            self.pace.sent(chunk.len());
            let client = self.client.clone();
            in_flight.spawn(async move {
                let requests: Vec<(String, &Request)> = chunk
                    .iter()
                    .map(|j| ((j.index + 1).to_string(), &j.request))
                    .collect();
                let reply = send_chunk(&client, &requests).await;
                (chunk, reply)
            });
        }
    }

    /// How many jobs the next batch would carry: a full batch while the input
    /// may have more, else the jobs due now.
    fn want(&self, now: Instant, exhausted: bool) -> usize {
        if !exhausted {
            return self.settings.batch_size;
        }
        let due = self
            .queue
            .iter()
            .filter(|j| j.not_before.is_none_or(|at| at <= now))
            .count();
        due.min(self.settings.batch_size)
    }

    /// Takes a job from the input: builds and checks its request, or ends it at once.
    fn prepare(&mut self, job: ShareJob) -> Option<Job> {
        let index = self.reports.len();
        self.reports.push(None);
        self.items.push(job.item.clone());
        Counters::add(&self.counters.submitted, 1);
        match job.item.invite(job.invite).to_request() {
            Ok(request) => Some(Job {
                index,
                request,
                attempts: 0,
                retries: 0,
                not_before: None,
                last_error: None,
            }),
            Err(error) => {
                self.end(index, 0, Outcome::Failed(error));
                None
            }
        }
    }

    /// A job that arrived while the engine was waiting: queued, sent on the next fill.
    fn admit(&mut self, job: ShareJob) {
        if let Some(job) = self.prepare(job) {
            self.queue.push_back(job);
        }
    }

    /// When queued work may become sendable: the pace allowing a batch, or a retry falling due.
    fn next_wake(&self, now: Instant, in_flight: usize, exhausted: bool) -> Option<Instant> {
        if in_flight >= self.settings.concurrency || self.queue.is_empty() {
            return None;
        }
        let due = self
            .queue
            .iter()
            .map(|j| j.not_before.unwrap_or(now))
            .min()?
            .max(now);
        // The same batch size `fill` will ask the pace for.
        let want = self.want(due, exhausted).max(1);
        let paced = self.pace.next_chance(due, want).unwrap_or(due);
        Some(paced.max(due))
    }

    /// Sorts a batch's answers into outcomes and retries.
    fn settle(&mut self, jobs: Vec<Job>, reply: Result<ChunkReply, Error>) {
        let now = Instant::now();
        match reply {
            Err(error) => {
                // The `$batch` itself failed: nothing inside it ran.
                self.round_trips += u64::from(error.attempts().unwrap_or(1));
                let throttle = throttle_wait(error.status(), retry_after_of(&error));
                // Graph asking for a longer wait than the policy allows ends these jobs, as it would one request.
                let too_long = throttle.is_some_and(|wait| wait > self.max_wait());
                let throttle = throttle.filter(|_| !too_long);
                // A batch refused whole says nothing about the quota: the gate only.
                self.pace.answered(now, 0, 0, 0, throttle);
                let transient = !too_long && error.status().is_none_or(is_transient);
                for mut job in jobs {
                    job.attempts += 1;
                    if transient {
                        self.retry(job, spread(&error), throttle, now);
                    } else {
                        let attempts = job.attempts;
                        self.end(job.index, attempts, Outcome::Failed(spread(&error)));
                    }
                }
            }
            Ok(ChunkReply {
                answers,
                outer_attempts,
            }) => {
                self.round_trips += u64::from(outer_attempts);
                let mut throttled: Option<Duration> = None;
                let mut through = 0u32;
                let mut throttled_answers = 0u32;
                let mut answered = 0u32;
                for (mut job, (_, answer)) in jobs.into_iter().zip(answers) {
                    job.attempts += 1;
                    let answer = match answer {
                        // Unanswered or answered twice: asking again cannot grant twice
                        // (sharing is idempotent), though Graph may notify twice.
                        Err(problem) => {
                            self.retry(job, Error::Batch(problem), None, now);
                            continue;
                        }
                        Ok(answer) => answer,
                    };
                    self.requests_answered += 1;
                    answered += 1;
                    let attempts = job.attempts;
                    if (200..300).contains(&answer.status) {
                        let decoded = Answer {
                            status: answer.status,
                            request_id: answer.header("request-id"),
                            body: answer.body,
                        }
                        .decode::<InviteResponse>();
                        let outcome = match decoded {
                            Ok(response) if response.all_notified() => Outcome::Granted(response),
                            Ok(response) => Outcome::PartiallyGranted(response),
                            Err(error) => Outcome::Failed(error),
                        };
                        through += 1;
                        self.end(job.index, attempts, outcome);
                        continue;
                    }
                    let error = inner_error(&answer, attempts);
                    let wait = throttle_wait(Some(answer.status), answer.header("retry-after"));
                    if wait.is_some_and(|wait| wait > self.max_wait()) {
                        // Longer than the policy waits for one request: this job ends here.
                        throttled_answers += 1;
                        self.end(job.index, attempts, Outcome::Failed(error));
                        continue;
                    }
                    match wait {
                        Some(wait) => {
                            throttled = Some(throttled.map_or(wait, |t| t.max(wait)));
                            throttled_answers += 1;
                        }
                        None => through += 1,
                    }
                    if is_transient(answer.status) {
                        self.retry(job, error, wait, now);
                    } else {
                        self.end(job.index, attempts, Outcome::Failed(error));
                    }
                }
                self.pace
                    .answered(now, through, answered, throttled_answers, throttled);
            }
        }
    }

    /// The longest single wait the engine accepts (the backoff policy's maximum delay).
    fn max_wait(&self) -> Duration {
        self.settings.backoff.max_delay()
    }

    /// Queues a job again, after `wait` (Graph's `Retry-After`) or its own backoff;
    /// or ends it when it has used all its attempts.
    fn retry(&mut self, mut job: Job, error: Error, wait: Option<Duration>, now: Instant) {
        if job.attempts >= self.settings.max_attempts {
            let attempts = job.attempts;
            self.end(job.index, attempts, Outcome::Failed(error));
            return;
        }
        let delay = wait.unwrap_or_else(|| {
            self.settings
                .backoff
                .backoff_delay(job.retries, fastrand::f64())
        });
        job.retries += 1;
        // Both waits are capped at the policy's maximum delay (180 s at most), so this cannot overflow.
        job.not_before = Some(now + delay.min(self.max_wait()));
        job.last_error = Some(error);
        Counters::add(&self.counters.retried, 1);
        self.queue.push_back(job);
    }

    fn end(&mut self, index: usize, attempts: u32, outcome: Outcome) {
        let counter = if outcome.is_granted() {
            &self.counters.done
        } else {
            &self.counters.failed
        };
        Counters::add(counter, 1);
        let item = self.items[index].clone();
        self.reports[index] = Some(JobReport {
            index,
            item,
            outcome,
            attempts,
        });
    }

    fn publish(&self, in_flight: &JoinSet<Sent>) {
        Counters::set(&self.counters.waiting, self.queue.len());
        // Jobs on the wire: submitted less those finished or waiting.
        let progress = self.counters.snapshot();
        let on_wire = progress
            .submitted
            .saturating_sub(progress.finished() + self.queue.len() as u64);
        Counters::set(
            &self.counters.in_flight,
            if in_flight.is_empty() {
                0
            } else {
                on_wire as usize
            },
        );
    }

    /// The report: every taken job, in input order; jobs still queued are cancelled.
    fn finish(mut self, started: Instant, cancelled: bool) -> BulkReport {
        for job in std::mem::take(&mut self.queue) {
            self.end(job.index, job.attempts, Outcome::Cancelled);
        }
        let jobs = self
            .reports
            .into_iter()
            .enumerate()
            .map(|(index, report)| {
                report.unwrap_or_else(|| JobReport {
                    index,
                    item: self.items[index].clone(),
                    outcome: Outcome::Cancelled,
                    attempts: 0,
                })
            })
            .collect();
        BulkReport {
            jobs,
            round_trips: self.round_trips,
            requests_answered: self.requests_answered,
            elapsed: started.elapsed(),
            cancelled,
        }
    }
}

/// Answers worth asking again: throttling, and server trouble that may pass
/// (not 501 Not Implemented or 505, which a retry cannot change).
fn is_transient(status: u16) -> bool {
    status == 429 || ((500..600).contains(&status) && !matches!(status, 501 | 505))
}

/// How long everyone waits after a throttling answer (429, or 503 with `Retry-After`).
fn throttle_wait(status: Option<u16>, retry_after: Option<String>) -> Option<Duration> {
    let status = status?;
    let asked = retry_after
        .as_deref()
        .and_then(RetryAfter::parse)
        .map(|r| r.delay_from(SystemTime::now()));
    match (status, asked) {
        (429, asked) => Some(asked.unwrap_or(Duration::from_secs(1))),
        (503, Some(asked)) => Some(asked),
        _ => None,
    }
}

fn retry_after_of(error: &Error) -> Option<String> {
    match error {
        Error::Graph(graph) => graph.retry_after.clone(),
        _ => None,
    }
}
