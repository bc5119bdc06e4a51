//! The one `$batch` scheduler under `send_all`, `send_batch` and bulk runs:
//! pull jobs, send them 20 to a batch under the pace, and sort each answer
//! into an end or a retry (see [`decide`](super::decide)).
//!
//! The decisions are pure functions ([`decide`](super::decide::decide),
//! [`Pace`]); this loop only moves jobs between the input, the queue, the
//! wire and their ends, and sleeps. What goes on the wire is a
//! [`Transport`], so the loop can be driven without a network in tests.
//!
//! Each job's end leaves the engine as soon as it is known, through a
//! bounded channel ([`run_streaming`]): the engine keeps only the jobs it
//! has taken and not ended, and stops taking input while the caller is
//! slow to take ends, so its memory does not grow with the input.
//! [`run`] collects them all in input order, for the callers that want
//! every result at once.

use std::collections::{HashMap, VecDeque};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use futures_core::Stream;
use tokio::sync::{Notify, mpsc};
use tokio::task::{Id, JoinSet};

use super::chunk::{ChunkReply, inner_error, spread};
use super::decide::{
    Heard, History, Rules, Scope, Verdict, asked_wait, decide, throttle_wait,
    token_trouble_may_pass,
};
use super::pace::Pace;
use super::progress::Counters;
use super::quota::Quota;
use super::wire::{InnerReply, check_body};
use super::{Answer, MAX_BATCH_SIZE};
use crate::{AuthErrorKind, BatchError, Error, Request};

/// The default number of `$batch` requests in flight at once.
pub(crate) const DEFAULT_CONCURRENCY: usize = 4;

/// Sends one `$batch` of `(id, request)` pairs and returns the answers by id.
pub(crate) trait Transport: Clone + Send + Sync + 'static {
    /// One round trip; fails as a whole only when the `$batch` itself failed.
    fn round_trip<'a>(
        &'a self,
        requests: &'a [(String, &'a Request)],
    ) -> impl Future<Output = Result<ChunkReply, Error>> + Send + 'a;
}

/// One input: what the caller keeps of it (`tag`), and its request as built.
pub(crate) struct Entry<K> {
    pub tag: K,
    /// The built request, or why it could not be built (then nothing is sent).
    pub request: Result<Request, Error>,
}

/// Where jobs come from.
pub(crate) enum Source<K> {
    Iter(Box<dyn Iterator<Item = Entry<K>> + Send>),
    Stream(Pin<Box<dyn Stream<Item = Entry<K>> + Send>>),
}

impl<K> Source<K> {
    /// The next job if one is ready without waiting.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Entry<K>>> {
        match self {
            Source::Iter(jobs) => Poll::Ready(jobs.next()),
            Source::Stream(jobs) => jobs.as_mut().poll_next(cx),
        }
    }
}

/// How a run goes.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The most `$batch` requests in flight; at least 1.
    pub concurrency: usize,
    /// Jobs per `$batch`, `1..=20`.
    pub batch_size: usize,
    pub rules: Rules,
}

impl Settings {
    pub fn new(rules: Rules) -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            batch_size: MAX_BATCH_SIZE,
            rules,
        }
    }
}

/// Cancellation, shared with the handles a run gives out.
#[derive(Debug, Default)]
pub(crate) struct Cancel {
    requested: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// Asks the run to stop: no new batch starts, batches on the wire finish.
    pub fn cancel(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }
}

/// How one job ended.
#[derive(Debug)]
pub(crate) enum End<R> {
    Done(R),
    Failed(Error),
    /// It may have run; what it did is not known.
    Unknown(Error),
    /// Never sent: the run was cancelled first. (A job sent before the
    /// cancel and waiting to be sent again ends unknown or failed instead.)
    Cancelled,
}

/// One input's end, with its tag and the times it was sent.
#[derive(Debug)]
pub(crate) struct Ended<K, R> {
    pub tag: K,
    pub attempts: u32,
    pub end: End<R>,
}

/// A whole run: one [`Ended`] per input taken, in input order.
#[derive(Debug)]
pub(crate) struct Finished<K, R> {
    pub jobs: Vec<Ended<K, R>>,
    pub totals: Totals,
}

/// What a streamed run says at its end, its jobs' ends having gone out one by one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Totals {
    /// `$batch` requests sent.
    pub round_trips: u64,
    /// Inner answers received (each attempt of each job that Graph answered).
    pub requests_answered: u64,
    pub elapsed: Duration,
    pub cancelled: bool,
}

/// One input's end as it leaves a streamed run: its position, from 0, and the end.
pub(crate) type Out<K, R> = (usize, Ended<K, R>);

/// Turns a success answer into the caller's response type.
pub(crate) type Decode<R> = fn(Answer) -> Result<R, Error>;

/// A job between being taken from the input and its end.
struct Job {
    index: usize,
    request: Request,
    history: History,
    not_before: Option<Instant>,
    /// The error of its last try, while it waits to be sent again.
    last_error: Option<Error>,
    /// Whether a send of it got no usable answer (so it may have run): if
    /// it then does not end done, its fate is unknown.
    maybe_ran: bool,
    /// Its last batch's mark (see [`Pace::mark`]), for the quota its answer reports.
    mark: u64,
}

impl Job {
    fn is_due(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|at| at <= now)
    }
}

/// What a batch task hands back.
type Sent = (Vec<Job>, Result<ChunkReply, Error>);

struct Engine<T, K, R> {
    transport: T,
    settings: Settings,
    decode: Decode<R>,
    counters: Arc<Counters>,
    pace: Pace,
    queue: VecDeque<Job>,
    /// The tags of the jobs taken and not yet ended, by position.
    live: HashMap<usize, K>,
    /// Positions given out so far.
    taken: usize,
    /// Ends not yet handed to the caller's channel.
    ready: VecDeque<Out<K, R>>,
    /// Whether the caller still takes ends (else they are dropped).
    listening: bool,
    /// The jobs each batch task on the wire carries (index, sends before
    /// this one, whether an earlier send may have run), in case one never returns.
    on_wire: HashMap<Id, Vec<(usize, u32)>>,
    /// A gate closed for longer than the run waits: until when, and what asked for it.
    held: Option<Held>,
    round_trips: u64,
    requests_answered: u64,
}

/// The engine's clock: Tokio's, so tests can pause it.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Runs to the end of `source`, or to cancellation, and returns every
/// input's end, in input order.
pub(crate) async fn run<T, K, R>(
    transport: T,
    source: Source<K>,
    settings: Settings,
    decode: Decode<R>,
    counters: Arc<Counters>,
    cancel: Arc<Cancel>,
) -> Finished<K, R>
where
    T: Transport,
    K: Send + 'static,
{
    let (out, mut ends) = mpsc::channel(channel_room(&settings));
    let collect = async {
        let mut jobs: Vec<Option<Ended<K, R>>> = Vec::new();
        while let Some((index, ended)) = ends.recv().await {
            if jobs.len() <= index {
                jobs.resize_with(index + 1, || None);
            }
            jobs[index] = Some(ended);
        }
        jobs
    };
    let (totals, jobs) = tokio::join!(
        run_streaming(transport, source, settings, decode, counters, cancel, out),
        collect
    );
    // Every position taken gets exactly one end (see `finish`).
    debug_assert!(jobs.iter().all(Option::is_some));
    Finished {
        jobs: jobs.into_iter().flatten().collect(),
        totals,
    }
}

/// How many jobs the engine reads ahead of the wire, and also how many
/// ends it keeps for a caller slow to take them before it stops taking
/// input: what could be on the wire at once. Saturating: the concurrency is
/// the caller's value, `usize::MAX` included.
pub(crate) fn held_room(settings: &Settings) -> usize {
    settings.batch_size.saturating_mul(settings.concurrency)
}

/// The capacity of the channel ends go out by: [`held_room`], within what
/// a Tokio channel can hold.
pub(crate) fn channel_room(settings: &Settings) -> usize {
    held_room(settings).clamp(1, 1 << 16)
}

/// Runs to the end of `source`, or to cancellation, sending each input's
/// end to `out` as soon as it is known and keeping nothing of it.
///
/// While `out` is full the engine takes no new input (the jobs it holds
/// still finish): what it holds at once is bounded by [`held_room`], not
/// by the input. Once the receiver is gone, ends are dropped.
pub(crate) async fn run_streaming<T, K, R>(
    transport: T,
    mut source: Source<K>,
    settings: Settings,
    decode: Decode<R>,
    counters: Arc<Counters>,
    cancel: Arc<Cancel>,
    out: mpsc::Sender<Out<K, R>>,
) -> Totals
where
    T: Transport,
    K: Send + 'static,
{
    let started = now();
    let mut engine = Engine {
        transport,
        pace: Pace::new(settings.concurrency, settings.batch_size, started),
        settings,
        decode,
        counters,
        queue: VecDeque::new(),
        live: HashMap::new(),
        taken: 0,
        ready: VecDeque::new(),
        listening: true,
        on_wire: HashMap::new(),
        held: None,
        round_trips: 0,
        requests_answered: 0,
    };
    let mut in_flight: JoinSet<Sent> = JoinSet::new();
    let mut exhausted = false;
    let mut cancelled = false;
    let room = held_room(&engine.settings);
    loop {
        cancelled = cancelled || cancel.is_requested();
        engine.hand_over(&out);
        engine.shed(now());
        if !cancelled {
            engine.fill(&mut in_flight, &mut source, &mut exhausted);
        }
        engine.publish(&in_flight);
        if in_flight.is_empty() && (cancelled || (exhausted && engine.queue.is_empty())) {
            break;
        }
        let wake = engine
            .next_wake(now(), in_flight.len(), exhausted)
            .filter(|_| !cancelled);
        // Read ahead at most what could be on the wire at once, so a long
        // input is not pulled into memory; and not while the caller is slow
        // to take the ends already known.
        let want_input =
            !cancelled && !exhausted && engine.queue.len() < room && engine.ready.len() < room;
        let handing = engine.listening && !engine.ready.is_empty();
        tokio::select! {
            _ = cancel.notify.notified(), if !cancelled => cancelled = true,
            permit = out.reserve(), if handing => match permit {
                Ok(permit) => permit.send(engine.ready.pop_front().expect("ready is not empty")),
                Err(_) => engine.stop_listening(),
            },
            Some(joined) = in_flight.join_next_with_id(), if !in_flight.is_empty() => match joined {
                Ok((id, (jobs, reply))) => {
                    engine.on_wire.remove(&id);
                    engine.settle(jobs, reply);
                }
                Err(join) => engine.lost(join.id()),
            },
            _ = sleep_until(wake), if wake.is_some() => {}
            entry = poll_fn(|cx| source.poll_next(cx)), if want_input => match entry {
                Some(entry) => engine.admit(entry),
                None => exhausted = true,
            },
        }
    }
    engine.finish();
    while engine.listening
        && let Some(ended) = engine.ready.pop_front()
    {
        if out.send(ended).await.is_err() {
            engine.stop_listening();
        }
    }
    Totals {
        round_trips: engine.round_trips,
        requests_answered: engine.requests_answered,
        elapsed: now().saturating_duration_since(started),
        cancelled,
    }
}

async fn sleep_until(wake: Option<Instant>) {
    if let Some(at) = wake {
        tokio::time::sleep_until(at.into()).await;
    }
}

impl<T: Transport, K: Send + 'static, R> Engine<T, K, R> {
    /// Starts batches while the pace allows and jobs are due.
    fn fill(
        &mut self,
        in_flight: &mut JoinSet<Sent>,
        source: &mut Source<K>,
        exhausted: &mut bool,
    ) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let room = held_room(&self.settings);
        loop {
            let now = now();
            let want = self.want(now, *exhausted);
            if !self.pace.may_send(now, in_flight.len(), want) {
                return;
            }
            let mut chunk = take_due(&mut self.queue, now, want);
            while chunk.len() < want && !*exhausted && self.ready.len() < room {
                match source.poll_next(&mut cx) {
                    Poll::Ready(Some(entry)) => chunk.extend(self.prepare(entry)),
                    Poll::Ready(None) => *exhausted = true,
                    Poll::Pending => break,
                }
            }
            if chunk.is_empty() {
                return;
            }
            self.pace.sent(chunk.len());
            let mark = self.pace.mark();
            for job in &mut chunk {
                job.mark = mark;
            }
            let indices = chunk
                .iter()
                .map(|j| (j.index, j.history.attempts))
                .collect();
            let transport = self.transport.clone();
            let task = in_flight.spawn(async move {
                let requests: Vec<(String, &Request)> = chunk
                    .iter()
                    .map(|j| ((j.index + 1).to_string(), &j.request))
                    .collect();
                let reply = transport.round_trip(&requests).await;
                (chunk, reply)
            });
            self.on_wire.insert(task.id(), indices);
        }
    }

    /// How many jobs the next batch would carry: a full batch while the input
    /// may have more, else the jobs due now.
    fn want(&self, now: Instant, exhausted: bool) -> usize {
        let due = if exhausted {
            self.queue.iter().filter(|j| j.is_due(now)).count()
        } else {
            0
        };
        batch_wanted(self.settings.batch_size, exhausted, due)
    }

    /// Takes an input: gives it a position, and a job unless its request could not be built.
    fn prepare(&mut self, entry: Entry<K>) -> Option<Job> {
        let index = self.taken;
        self.taken += 1;
        self.live.insert(index, entry.tag);
        Counters::add(&self.counters.submitted, 1);
        let request = entry
            .request
            .and_then(|request| check_body(&request).map(|()| request).map_err(Error::from));
        match request {
            Ok(_) if self.held_now(now()).is_some() => {
                let error = self.held_error(now());
                self.end(index, 0, End::Failed(error));
                None
            }
            Ok(request) => Some(Job {
                index,
                request,
                history: History::default(),
                not_before: None,
                last_error: None,
                maybe_ran: false,
                mark: 0,
            }),
            Err(error) => {
                self.end(index, 0, End::Failed(error));
                None
            }
        }
    }

    /// The gate closed for longer than this run waits, if it still is at `now`.
    fn held_now(&self, now: Instant) -> Option<&Held> {
        self.held.as_ref().filter(|held| held.until > now)
    }

    fn held_error(&self, now: Instant) -> Error {
        let (status, retry_after) = self.held_now(now).map_or((429, String::new()), |held| {
            (held.status, held.retry_after.clone())
        });
        Error::Batch(BatchError::HeldBack {
            status,
            retry_after,
        })
    }

    /// While a gate is closed for longer than this run waits, every queued
    /// job ends now instead of being sent into the same throttle: failed
    /// with the `Retry-After` that holds it back, or unknown if an earlier
    /// send of it may have run.
    fn shed(&mut self, now: Instant) {
        if self.held_now(now).is_none() || self.queue.is_empty() {
            return;
        }
        for job in std::mem::take(&mut self.queue) {
            let end = match job.last_error {
                Some(error) if job.maybe_ran => End::Unknown(error),
                _ => End::Failed(self.held_error(now)),
            };
            self.end(job.index, job.history.attempts, end);
        }
    }

    /// An input that arrived while the engine was waiting: queued, sent on the next fill.
    fn admit(&mut self, entry: Entry<K>) {
        if let Some(job) = self.prepare(entry) {
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

    /// How long the shared gate still holds everyone back.
    fn gate_wait(&self, now: Instant) -> Duration {
        self.pace
            .gate(now)
            .map_or(Duration::ZERO, |open| open.saturating_duration_since(now))
    }

    /// Sorts a batch's answers into ends and retries.
    fn settle(&mut self, jobs: Vec<Job>, reply: Result<ChunkReply, Error>) {
        let now = now();
        let wall = SystemTime::now();
        let max_throttle = self.settings.rules.max_throttle;
        let scope = self.settings.rules.scope;
        match reply {
            Err(error) => {
                // The `$batch` itself failed: its answer stands for every job in it.
                let heard = heard_of_failure(scope, &error, wall);
                if !matches!(heard, Heard::NotSent { .. }) {
                    self.round_trips += u64::from(error.attempts().unwrap_or(1));
                }
                let (throttle, refused) = match heard {
                    Heard::Answered {
                        status, throttle, ..
                    } => (throttle, status == 429 || (500..600).contains(&status)),
                    _ => (None, false),
                };
                if let Some(wait) = throttle.filter(|w| *w > max_throttle) {
                    self.hold(now, wait, &error);
                }
                // A batch refused whole (throttled, or Graph in trouble) is
                // never calm; any other failure says nothing about the quota.
                let gate = throttle.filter(|w| *w <= max_throttle);
                match heard {
                    Heard::Answered { status, .. } if refused => {
                        self.pace.refused(now, status, gate);
                    }
                    _ => self.pace.neutral(now, gate),
                }
                let gate = self.gate_wait(now);
                for job in jobs {
                    self.judge(job, heard, gate, now, |_| Err(spread(&error)));
                }
            }
            Ok(ChunkReply {
                answers,
                outer_attempts,
            }) => {
                self.round_trips += u64::from(outer_attempts);
                // First what the batch says about throttling, so the gate it
                // closes counts for each of its jobs held back by it.
                let mut heard = Vec::with_capacity(answers.len());
                let mut longest: Option<Duration> = None;
                let mut longer_than_waited: Option<(Duration, &InnerReply)> = None;
                let (mut through, mut throttled, mut answered) = (0u32, 0u32, 0u32);
                for (_, answer) in &answers {
                    let answer = match answer {
                        Ok(answer) => answer,
                        // Graph answered, but not readably, or answered it twice:
                        // it ran the request, so it is never sent again.
                        Err(BatchError::Unreadable { .. } | BatchError::Duplicated { .. }) => {
                            answered += 1;
                            heard.push(Heard::Unreadable);
                            continue;
                        }
                        Err(_) => {
                            heard.push(Heard::NoAnswer);
                            continue;
                        }
                    };
                    answered += 1;
                    let said = heard_of_answer(scope, answer, wall);
                    let throttle = match said {
                        Heard::Answered { throttle, .. } => throttle,
                        _ => None,
                    };
                    let throttling =
                        throttle.is_some() || (answer.status == 429 && scope == Scope::Throttling);
                    match throttle {
                        // Longer than the run waits: the gate closes for it all
                        // the same, and the jobs it holds back end.
                        Some(wait) if wait > max_throttle => {
                            if longer_than_waited.is_none_or(|(l, _)| wait > l) {
                                longer_than_waited = Some((wait, answer));
                            }
                            throttled += 1;
                        }
                        Some(wait) => {
                            longest = Some(longest.map_or(wait, |l| l.max(wait)));
                            throttled += 1;
                        }
                        None if throttling => throttled += 1,
                        None => through += 1,
                    }
                    heard.push(said);
                }
                self.requests_answered += u64::from(answered);
                if answered > 0 {
                    let mark = jobs.first().map_or(0, |job| job.mark);
                    self.pace.quota(now, mark, reported_quota(&answers));
                }
                if let Some((wait, answer)) = longer_than_waited {
                    let error = inner_error(answer, 1);
                    self.hold(now, wait, &error);
                }
                self.pace
                    .answered(now, through, answered, throttled, longest);
                let gate = self.gate_wait(now);
                // One answer per job sent, in order. A transport that hands
                // back fewer leaves the rest unanswered (sent, so they may
                // have run), never without an end.
                let mut answers = answers.into_iter().zip(heard);
                for job in jobs {
                    let (answer, heard) = answers.next().map_or_else(
                        || {
                            let id = (job.index + 1).to_string();
                            (Err(BatchError::Missing { id }), Heard::NoAnswer)
                        },
                        |((_, answer), heard)| (answer, heard),
                    );
                    self.judge(job, heard, gate, now, |attempts| match answer {
                        Ok(answer) if (200..300).contains(&answer.status) => Ok(success(answer)),
                        Ok(answer) => Err(inner_error(&answer, attempts)),
                        Err(problem) => Err(Error::Batch(problem)),
                    });
                }
            }
        }
    }

    /// Decides one job's fate after `heard`; `answer` gives its success or its error, by attempts.
    fn judge(
        &mut self,
        mut job: Job,
        heard: Heard,
        gate: Duration,
        now: Instant,
        answer: impl FnOnce(u32) -> Result<Answer, Error>,
    ) {
        match heard {
            Heard::NotSent { .. } => {}
            Heard::NoAnswer | Heard::Unreadable => {
                job.history.attempts += 1;
                job.maybe_ran = true;
            }
            Heard::Answered { .. } => job.history.attempts += 1,
        }
        let attempts = job.history.attempts;
        match decide(
            &self.settings.rules,
            heard,
            job.history,
            gate,
            fastrand::f64(),
        ) {
            Verdict::Retry(wait) => {
                job.history.retries += 1;
                // The wait is capped at the run's longest wait, which a run told to
                // wait may set to any duration: saturating, and `far` for the clock.
                job.history.waited = job.history.waited.saturating_add(wait);
                job.not_before = Some(far(now, wait));
                job.last_error = answer(attempts).err();
                Counters::add(&self.counters.retried, 1);
                self.queue.push_back(job);
            }
            Verdict::Done => {
                let decode = self.decode;
                let decoded = answer(attempts).and_then(|answer| {
                    // A caller's type whose decoding panics ends this job, not the run.
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(answer)))
                        .unwrap_or_else(|_| {
                            Err(Error::Batch(BatchError::Unreadable {
                                id: (job.index + 1).to_string(),
                                reason: "decoding the answer panicked".to_owned(),
                                request_id: None,
                                snippet: String::new(),
                            }))
                        })
                });
                let end = match decoded {
                    Ok(response) => End::Done(response),
                    // Graph said it succeeded, but what it answered cannot be read.
                    Err(error) => End::Unknown(error),
                };
                self.end(job.index, attempts, end);
            }
            // A final answer after a send that may have run: that send's fate is still unknown.
            Verdict::Stop if job.maybe_ran => {
                let error = answer(attempts).err().unwrap_or_else(unexpected_success);
                self.end(job.index, attempts, End::Unknown(error));
            }
            Verdict::Stop => {
                let error = answer(attempts).err().unwrap_or_else(unexpected_success);
                self.end(job.index, attempts, End::Failed(error));
            }
            Verdict::Unknown => {
                let error = answer(attempts).err().unwrap_or_else(unexpected_success);
                self.end(job.index, attempts, End::Unknown(error));
            }
        }
    }

    /// A batch task that ended without handing its jobs back (it panicked):
    /// they were on the wire, so their fate is unknown.
    fn lost(&mut self, task: Id) {
        tracing::error!("a batch task ended without a result");
        for (index, sent_before) in self.on_wire.remove(&task).unwrap_or_default() {
            let error = Error::Batch(BatchError::Unanswered {
                reason: "the task sending its batch ended without a result".to_owned(),
            });
            // It may have been sent: this send counts, after the ones before it.
            self.end(index, sent_before.saturating_add(1), End::Unknown(error));
        }
    }

    /// Closes the gate for `wait`, longer than the run waits: every job it
    /// holds back ends (see [`shed`](Self::shed)). `error` is the answer that asked.
    fn hold(&mut self, now: Instant, wait: Duration, error: &Error) {
        let until = far(now, wait);
        if self.held.as_ref().is_some_and(|held| held.until >= until) {
            return;
        }
        self.held = Some(Held {
            until,
            status: error.status().unwrap_or(429),
            retry_after: error.retry_after().unwrap_or_default().to_owned(),
        });
    }

    fn end(&mut self, index: usize, attempts: u32, end: End<R>) {
        let counter = match end {
            End::Done(_) => &self.counters.done,
            End::Unknown(_) => &self.counters.unknown,
            End::Failed(_) => &self.counters.failed,
            End::Cancelled => &self.counters.cancelled,
        };
        Counters::add(counter, 1);
        // Each position ends once: a second end of one (never expected) is dropped.
        if let Some(tag) = self.live.remove(&index) {
            self.ready.push_back((index, Ended { tag, attempts, end }));
        }
    }

    /// Hands the caller every end its channel has room for now.
    fn hand_over(&mut self, out: &mpsc::Sender<Out<K, R>>) {
        while self.listening
            && let Some(ended) = self.ready.pop_front()
        {
            match out.try_send(ended) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(ended)) => {
                    self.ready.push_front(ended);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => self.stop_listening(),
            }
        }
    }

    /// Nobody takes the ends any more: drop those kept, and those to come.
    fn stop_listening(&mut self) {
        self.listening = false;
        self.ready.clear();
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

    /// Ends every job still held (the run was cancelled): cancelled if
    /// never sent, else unknown if a send of it got no answer, else failed
    /// with its last error.
    fn finish(&mut self) {
        for job in std::mem::take(&mut self.queue) {
            let end = match job.last_error {
                Some(error) if job.history.attempts > 0 && job.maybe_ran => End::Unknown(error),
                Some(error) if job.history.attempts > 0 => End::Failed(error),
                _ => End::Cancelled,
            };
            self.end(job.index, job.history.attempts, end);
        }
        // Nothing is on the wire at the end, so every job taken has ended;
        // were one left, it was never sent.
        let mut left: Vec<usize> = self.live.keys().copied().collect();
        left.sort_unstable();
        for index in left {
            self.end(index, 0, End::Cancelled);
        }
    }
}

/// A gate closed for longer than the run waits.
#[derive(Debug)]
struct Held {
    until: Instant,
    /// The status that asked for it, and its `Retry-After` as sent.
    status: u16,
    retry_after: String,
}

/// A century: the longest wait the engine tells apart from "never" (see [`far`]).
pub(crate) const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `now + wait`, or a century on if that cannot be told (a `Retry-After` too
/// large for the clock still means "not in this run").
pub(crate) fn far(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(CENTURY))
        .unwrap_or(now)
}

/// How many jobs the next batch carries: a full batch (`batch_size`) while
/// the input may have more, else the `due` jobs, at most a full batch.
fn batch_wanted(batch_size: usize, input_exhausted: bool, due: usize) -> usize {
    if input_exhausted {
        due.min(batch_size)
    } else {
        batch_size
    }
}

/// Takes up to `max` jobs due at `now` from the queue, first queued first;
/// the jobs left keep their order.
fn take_due(queue: &mut VecDeque<Job>, now: Instant, max: usize) -> Vec<Job> {
    let mut taken = Vec::new();
    let mut i = 0;
    while i < queue.len() && taken.len() < max {
        if queue[i].is_due(now) {
            taken.extend(queue.remove(i));
        } else {
            i += 1;
        }
    }
    taken
}

/// The tightest quota a batch's answers report in their `RateLimit-*` headers.
fn reported_quota(answers: &[(String, Result<InnerReply, BatchError>)]) -> Option<Quota> {
    answers
        .iter()
        .filter_map(|(_, answer)| answer.as_ref().ok())
        .filter_map(|answer| Quota::read(|name| answer.header(name)))
        .reduce(Quota::tighter)
}

/// A success answer, not yet decoded.
fn success(answer: InnerReply) -> Answer {
    Answer {
        status: answer.status,
        request_id: answer.header("request-id"),
        body: answer.body,
    }
}

/// What one inner answer says, its `Retry-After` read against `wall`.
fn heard_of_answer(scope: Scope, answer: &InnerReply, wall: SystemTime) -> Heard {
    if (200..300).contains(&answer.status) {
        return Heard::Answered {
            status: answer.status,
            throttle: None,
            asked: None,
        };
    }
    let asked = asked_wait(answer.header("retry-after").as_deref(), wall);
    Heard::Answered {
        status: answer.status,
        throttle: throttle_wait(scope, answer.status, asked),
        asked,
    }
}

/// What a failed `$batch` says about each job in it.
///
/// Only Graph's own answers (its error answers, its 401 to the token) are
/// answers to the batch. An error from getting the token means the batch
/// never left; so does a connection that could not be made.
fn heard_of_failure(scope: Scope, error: &Error, wall: SystemTime) -> Heard {
    match (error, error.status()) {
        // A success that could not be read (undecodable, or over the size
        // limit): Graph ran the requests.
        (Error::Decode(_), _) => Heard::Unreadable,
        (Error::TooLarge(_), Some(200..=299)) => Heard::Unreadable,
        (Error::Auth(auth), _) if auth.kind() != AuthErrorKind::Rejected => Heard::NotSent {
            passing: auth.kind() == AuthErrorKind::Unreachable
                || (auth.kind() == AuthErrorKind::Refused && token_trouble_may_pass(auth.status())),
        },
        (Error::Serialize(_) | Error::Config(_) | Error::Validation(_), _) => {
            Heard::NotSent { passing: false }
        }
        // A connection that could not be made (see `Error::is_fate_unknown`).
        (Error::Transport { .. }, _) if !error.is_fate_unknown() => {
            Heard::NotSent { passing: true }
        }
        // An error answer too large to read is still an answer.
        (Error::Graph(_) | Error::Auth(_) | Error::TooLarge(_), Some(status)) => {
            let asked = asked_wait(error.retry_after(), wall);
            Heard::Answered {
                status,
                throttle: throttle_wait(scope, status, asked),
                asked,
            }
        }
        // A redirect that did not act (a 307 refused, as its body would
        // cross origins) answered the batch: nothing ran.
        (Error::Redirect(redirect), _) if !redirect.may_have_acted() => Heard::Answered {
            status: redirect.status(),
            throttle: None,
            asked: None,
        },
        // Sent, and no answer came back (a reset, a timeout, a redirect
        // that may have acted).
        _ if error.is_fate_unknown() => Heard::NoAnswer,
        // Nothing of it was sent (a `nextLink` refused, a key of another batch).
        _ => Heard::NotSent { passing: false },
    }
}

/// The error for a job stopped on an answer that was a success; `decide`
/// never does that, but a wrong end must still be an end.
fn unexpected_success() -> Error {
    Error::Batch(BatchError::Failed {
        status: None,
        reason: "the answer was a success, yet the job was stopped".to_owned(),
    })
}

#[cfg(test)]
mod tests;
