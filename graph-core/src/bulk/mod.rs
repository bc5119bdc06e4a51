//! Work at scale: many jobs of one type (revoke 5,000 permissions, create
//! 1,000 links, share with 10,000 guests), batched, throttle-aware, each
//! ending in exactly one reported outcome.
//!
//! A job is anything the client can send ([`ToRequest`]). Jobs go 20 to a
//! `$batch`, 4 batches at once by default, on the same engine as
//! [`Client::send_all`]. Any throttling answer (429, or 503 with
//! `Retry-After`) closes a gate that every job waits behind until the
//! `Retry-After` has passed. A congested batch (half or more of its answers
//! throttling) also sets a send rate from what was getting through; it drops
//! further while congestion lasts and grows back after calm half-seconds.
//! Throttling, server trouble (5xx but 501 and 505) and unanswered jobs are
//! sent again, after Graph's `Retry-After` (a 504's too) or with backoff, up to
//! [`Bulk::max_attempts`]: a job may therefore reach Graph more than once
//! (an invitation may notify its recipient twice; a second delete of a
//! permission Graph had already deleted is answered 404). A job still
//! unanswered after its last attempt ends [`Outcome::Unknown`]: it may have
//! run; so does a job that does not succeed after any send of it went
//! unanswered, or whose answer in the reply could not be read. A
//! `Retry-After` longer than the run waits ends the jobs it holds back
//! (see [`Bulk::wait_for_retry_after`]). When no token can be had, nothing is sent: the job ends
//! [`Outcome::Failed`] with that error, unless the token endpoint was
//! unreachable or throttling, when it is tried again (such tries count
//! against `max_attempts` but not in [`JobReport::attempts`]).
//!
//! ```no_run
//! use graph_core::bulk::Outcome;
//! use graph_core::drive::ItemLocator;
//!
//! # async fn run(client: graph_core::Client, stale: Vec<String>) {
//! let item = ItemLocator::drive("b!x", "01A");
//! let revokes = stale.iter().map(|id| item.delete_permission(id.as_str()));
//! let report = client.bulk(revokes.collect::<Vec<_>>()).run().await;
//! for job in &report.jobs {
//!     if let Outcome::Failed(error) = &job.outcome {
//!         println!("{}: {error}", stale[job.index]);
//!     }
//! }
//! println!("{} revoked, {} failed", report.succeeded(), report.failed());
//! # }
//! ```
//!
//! Outcomes can also be taken one by one as jobs end ([`Bulk::stream`],
//! [`BulkStream::next`]),
//! with a [`BulkSummary`] at the end: the run then keeps nothing of a job
//! once its outcome is taken, and stops taking input while the caller is
//! slow to take outcomes, so its memory stays bounded however long the
//! input (a file of a million rows, a channel that never closes).
//!
//! ```no_run
//! # async fn run(client: graph_core::Client, stale: Vec<String>) {
//! # let item = graph_core::drive::ItemLocator::drive("b!x", "01A");
//! let revokes = stale.into_iter().map(move |id| item.delete_permission(id));
//! let mut run = client.bulk(revokes).stream();
//! while let Some(ended) = run.next().await {
//!     // Write it down (a journal, a file) before taking the next.
//!     println!("#{} after {} attempt(s): {:?}", ended.index, ended.attempts, ended.outcome);
//! }
//! let summary = run.summary().await;
//! println!("{} revoked, {} failed", summary.succeeded, summary.failed);
//! # }
//! ```
//!
//! Sharing has its own layer with a richer outcome (granted, or granted with
//! some recipients not notified): [`Client::bulk_share`] and [`ShareJob`].

mod outcome;
mod share;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

pub use crate::batch::progress::Progress;
pub use outcome::{BulkReport, BulkSummary, JobReport, Outcome};
pub use share::{
    BulkShare, ShareJob, ShareJobReport, ShareOutcome, ShareReport, ShareRun, ShareStream,
    ShareSummary,
};

use crate::batch::engine::{self, Cancel, Entry, Out, Settings, Source, Totals};
use crate::batch::progress::Counters;
use crate::batch::{MAX_BATCH_SIZE, Rules, Scope, Wire};
use crate::retry::RetryPolicy;
use crate::{Client, ToRequest};

/// The number of times one job is sent, by default, before it is reported failed.
const DEFAULT_MAX_ATTEMPTS: u32 = 8;

impl Client {
    /// Sends every job from `jobs`, pulled as the engine has room.
    ///
    /// The iterator runs inside the run's task: a panic in the caller's own
    /// iterator (its `next`, not a job's `to_request`, which ends only that
    /// job) is not caught, and ends the run; [`BulkRun::report`] raises it
    /// again.
    ///
    /// ```no_run
    /// use graph_core::drive::{ItemLocator, PermissionUpdate, Role};
    ///
    /// # async fn run(client: graph_core::Client) {
    /// let item = ItemLocator::me("01A");
    /// let updates = ["p1", "p2"].map(|id| item.update_permission(id, PermissionUpdate::new([Role::Read])));
    /// let report = client.bulk(updates).run().await;
    /// assert_eq!(report.jobs.len(), 2);
    /// # }
    /// ```
    pub fn bulk<T, I>(&self, jobs: I) -> Bulk<T>
    where
        T: ToRequest + Send + 'static,
        T::Response: Send + 'static,
        I: IntoIterator<Item = T>,
        I::IntoIter: Send + 'static,
    {
        Bulk::new(self, Source::Iter(Box::new(jobs.into_iter().map(entry))))
    }

    /// Sends every job from a stream (a channel, a file being read, …),
    /// taken as the engine has room.
    ///
    /// As with [`bulk`](Client::bulk), a panic while polling the caller's
    /// own stream is not caught: it ends the run, and
    /// [`BulkRun::report`] raises it again.
    ///
    /// ```no_run
    /// use futures_core::Stream;
    /// use graph_core::{Client, ToRequest};
    ///
    /// // Jobs arrive while the run goes, from a channel or a file being read.
    /// async fn send_as_they_come<T>(client: &Client, jobs: impl Stream<Item = T> + Send + 'static)
    /// where
    ///     T: ToRequest + Send + 'static,
    ///     T::Response: Send + 'static,
    /// {
    ///     let report = client.bulk_stream(jobs).run().await;
    ///     println!("{} done, {} failed", report.succeeded(), report.failed());
    /// }
    /// ```
    pub fn bulk_stream<T, S>(&self, jobs: S) -> Bulk<T>
    where
        T: ToRequest + Send + 'static,
        T::Response: Send + 'static,
        S: Stream<Item = T> + Send + 'static,
    {
        Bulk::new(self, Source::Stream(Box::pin(Prepared(Box::pin(jobs)))))
    }
}

/// A job as the engine takes it: its request built now, the job kept for the report.
///
/// Building runs inside the engine's task, so a `to_request` that panics
/// (a bug in a caller's [`ToRequest`]) would end the whole run: it ends
/// that job failed instead, with a [`ValidationError`] saying so.
fn entry<T: ToRequest>(job: T) -> Entry<T> {
    Entry {
        request: crate::batch::build(&job),
        tag: job,
    }
}

/// A stream of jobs as a stream of entries.
struct Prepared<T>(Pin<Box<dyn Stream<Item = T> + Send>>);

impl<T: ToRequest> Stream for Prepared<T> {
    type Item = Entry<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Entry<T>>> {
        self.0.as_mut().poll_next(cx).map(|job| job.map(entry))
    }
}

/// A bulk run being configured; [`start`](Bulk::start) or [`run`](Bulk::run) it.
///
/// Every setter takes any value: out-of-range ones are brought into range.
///
/// ```no_run
/// use std::time::Duration;
/// use graph_core::drive::ItemLocator;
/// use graph_core::retry::RetryPolicy;
///
/// # async fn run(client: graph_core::Client) {
/// let item = ItemLocator::me("01A");
/// let report = client
///     .bulk(["p1", "p2"].map(|id| item.delete_permission(id)))
///     .concurrency(2)
///     .max_attempts(5)
///     .backoff(RetryPolicy::builder().base_delay(Duration::from_millis(500)).build().expect("valid"))
///     .run()
///     .await;
/// # }
/// ```
#[must_use = "a bulk run does nothing until started"]
pub struct Bulk<T> {
    client: Client,
    source: Source<T>,
    concurrency: usize,
    batch_size: usize,
    max_attempts: u32,
    backoff: RetryPolicy,
    wait_up_to: Duration,
}

impl<T> std::fmt::Debug for Bulk<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk")
            .field("concurrency", &self.concurrency)
            .field("batch_size", &self.batch_size)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("wait_up_to", &self.wait_up_to)
            .finish_non_exhaustive()
    }
}

impl<T: ToRequest + Send + 'static> Bulk<T>
where
    T::Response: Send + 'static,
{
    fn new(client: &Client, source: Source<T>) -> Self {
        Self {
            client: client.clone(),
            source,
            concurrency: engine::DEFAULT_CONCURRENCY,
            batch_size: MAX_BATCH_SIZE,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: RetryPolicy::new(),
            wait_up_to: Duration::ZERO,
        }
    }

    /// The most `$batch` requests in flight at once (default 4, at least 1).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let bulk = client.bulk(jobs).concurrency(8);
    /// # }
    /// ```
    pub fn concurrency(mut self, batches: usize) -> Self {
        self.concurrency = batches.max(1);
        self
    }

    /// Jobs per `$batch` request (default and most: 20, Graph's limit).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let bulk = client.bulk(jobs).batch_size(10);
    /// # }
    /// ```
    pub fn batch_size(mut self, jobs: usize) -> Self {
        self.batch_size = jobs.clamp(1, MAX_BATCH_SIZE);
        self
    }

    /// How many times a job is sent before it is reported failed (default 8, at least 1).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let bulk = client.bulk(jobs).max_attempts(20);
    /// # }
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The waits between attempts (default [`RetryPolicy::new`]): its base
    /// delay for the backoff when Graph gives no `Retry-After`, and its
    /// longest single delay (for a `Retry-After` beyond it, see
    /// [`wait_for_retry_after`](Bulk::wait_for_retry_after)). Its
    /// retry count and its total delay are not used: a job is bounded by
    /// [`max_attempts`](Bulk::max_attempts) alone, however long it waits in all.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use graph_core::retry::RetryPolicy;
    ///
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let bulk = client.bulk(jobs).backoff(RetryPolicy::builder().base_delay(Duration::from_millis(200)).build().expect("valid"));
    /// # }
    /// ```
    pub fn backoff(mut self, policy: RetryPolicy) -> Self {
        self.backoff = policy;
        self
    }

    /// Whether the whole run waits out a `Retry-After` longer than the
    /// backoff policy's longest single delay, and up to how long.
    ///
    /// Any throttling answer closes the gate that every job of the run
    /// waits behind. When Graph asks for longer than the policy's longest
    /// single delay (180 s by default) and at most `up_to`, the run waits
    /// it out and then goes on. When it asks for longer than that, the
    /// run does not wait: the job that got the answer ends with it (its
    /// `Retry-After` in the error), and every job the gate holds back ends
    /// too, without being sent into the same throttle:
    /// [`Outcome::Failed`] with [`BatchError::HeldBack`](crate::BatchError::HeldBack)
    /// (the status and `Retry-After`), or [`Outcome::Unknown`] for a job
    /// an earlier send of which may have run. Jobs that are on the wire
    /// finish as they come back.
    ///
    /// Default: zero, so a run never stalls longer than the policy's
    /// longest delay without the caller saying so; a run left to itself
    /// (a nightly job) may rather wait. `Duration::MAX` waits as long as
    /// Graph asks, up to a century: a `Retry-After` beyond that (one too
    /// large for the clock) holds the jobs back as above.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// // Wait out throttling of up to an hour.
    /// let bulk = client.bulk(jobs).wait_for_retry_after(Duration::from_secs(3600));
    /// # }
    /// ```
    pub fn wait_for_retry_after(mut self, up_to: Duration) -> Self {
        self.wait_up_to = up_to;
        self
    }

    /// Starts the run on the Tokio runtime; watch it and cancel it through
    /// the handle, and take every outcome at the end with
    /// [`BulkRun::report`]. The outcomes are kept as jobs end (memory grows
    /// with the input); to take each as it ends instead, with memory
    /// bounded, use [`stream`](Bulk::stream).
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let run = client.bulk(jobs).start();
    /// println!("{:?}", run.progress());
    /// let report = run.report().await;
    /// # }
    /// ```
    pub fn start(self) -> BulkRun<T> {
        let stream = self.stream();
        BulkRun {
            counters: stream.counters.clone(),
            cancel: CancelOnDrop(stream.cancel_handle()),
            task: tokio::spawn(stream.report()),
        }
    }

    /// Starts the run on the Tokio runtime, handing each outcome out as
    /// soon as its job ends ([`BulkStream::next`]): the run keeps nothing of
    /// a job once its outcome is taken, and stops taking input while the
    /// caller is slow to take outcomes, so memory stays bounded however
    /// long the input. The caller must take the outcomes (or call
    /// [`BulkStream::summary`]): until it does, the run waits.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let mut run = client.bulk(jobs).stream();
    /// while let Some(job) = run.next().await {
    ///     println!("#{} ended", job.index);
    /// }
    /// # }
    /// ```
    pub fn stream(self) -> BulkStream<T> {
        let counters = Arc::new(Counters::default());
        let cancel = Arc::new(Cancel::default());
        let settings = Settings {
            concurrency: self.concurrency,
            batch_size: self.batch_size,
            rules: Rules::new(Scope::Transient, &self.backoff, self.max_attempts)
                .waiting_up_to(self.wait_up_to),
        };
        let (out, outcomes) = tokio::sync::mpsc::channel(engine::channel_room(&settings));
        let task = tokio::spawn(engine::run_streaming(
            Wire::new(&self.client),
            self.source,
            settings,
            |answer| answer.decode::<T::Response>(),
            counters.clone(),
            cancel.clone(),
            out,
        ));
        BulkStream {
            task,
            outcomes,
            tally: BulkSummary::default(),
            counters,
            cancel: CancelOnDrop(CancelHandle(cancel)),
        }
    }

    /// Runs to the end and returns the report.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// println!("{} done", report.succeeded());
    /// # }
    /// ```
    pub async fn run(self) -> BulkReport<T> {
        self.start().report().await
    }
}

/// A running bulk run, from [`Bulk::start`]: its outcomes are collected
/// as jobs end, for [`report`](BulkRun::report).
///
/// Dropping it cancels the run (as [`CancelHandle::cancel`] does): nothing
/// new is sent once nobody can read the outcomes.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let run = client.bulk(jobs).start();
/// while !run.is_finished() {
///     println!("{:?}", run.progress());
///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
/// }
/// let report = run.report().await;
/// # }
/// ```
pub struct BulkRun<T: ToRequest> {
    task: tokio::task::JoinHandle<BulkReport<T>>,
    counters: Arc<Counters>,
    cancel: CancelOnDrop,
}

impl<T: ToRequest> std::fmt::Debug for BulkRun<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkRun")
            .field("progress", &self.progress())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T: ToRequest> BulkRun<T> {
    /// What has happened so far.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// # let run = client.bulk(jobs).start();
    /// let progress = run.progress();
    /// println!("{} of {} finished", progress.finished(), progress.submitted);
    /// # }
    /// ```
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// Whether the run has ended (and its outcomes are all collected).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// # let run = client.bulk(jobs).start();
    /// if run.is_finished() {
    ///     println!("done");
    /// }
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// A handle that cancels this run from anywhere.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let run = client.bulk(jobs).start();
    /// run.cancel_handle().cancel();
    /// let report = run.report().await;
    /// # }
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.0.clone()
    }

    /// Waits for the end and returns the report: one entry per job taken from the input.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).start().report().await;
    /// assert!(report.jobs.iter().enumerate().all(|(i, job)| job.index == i));
    /// # }
    /// ```
    pub async fn report(self) -> BulkReport<T> {
        // `self.cancel` lives until the end of this function: dropping this
        // future before the run ends cancels the run.
        match (&mut { self.task }).await {
            Ok(report) => report,
            // A panic of the engine (it does not panic) or of the caller's own input.
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

/// A running bulk run, from [`Bulk::stream`]: each outcome is handed out
/// as soon as its job ends.
///
/// Dropping it cancels the run (as [`CancelHandle::cancel`] does): nothing
/// new is sent once nobody can read the outcomes.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let run = client.bulk(jobs).start();
/// while !run.is_finished() {
///     println!("{:?}", run.progress());
///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
/// }
/// let report = run.report().await;
/// # }
/// ```
pub struct BulkStream<T: ToRequest> {
    task: tokio::task::JoinHandle<Totals>,
    /// Each job's end, as soon as it is known; bounded, so a caller slow to
    /// take them holds the engine back from taking more input.
    outcomes: tokio::sync::mpsc::Receiver<Out<T, T::Response>>,
    /// The outcomes taken so far, counted.
    tally: BulkSummary,
    counters: Arc<Counters>,
    cancel: CancelOnDrop,
}

impl<T: ToRequest> std::fmt::Debug for BulkStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkStream")
            .field("progress", &self.progress())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// Cancels the run it belongs to when dropped; harmless once the run has ended.
#[derive(Debug)]
struct CancelOnDrop(CancelHandle);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl<T: ToRequest> BulkStream<T> {
    /// What has happened so far.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// # let run = client.bulk(jobs).start();
    /// let progress = run.progress();
    /// println!("{} of {} finished", progress.finished(), progress.submitted);
    /// # }
    /// ```
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// Whether the run has ended.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// # let run = client.bulk(jobs).start();
    /// if run.is_finished() {
    ///     println!("done");
    /// }
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// A handle that cancels this run from anywhere.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let run = client.bulk(jobs).start();
    /// let cancel = run.cancel_handle();
    /// tokio::spawn(async move {
    ///     // Stop after a minute, whatever is left.
    ///     tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    ///     cancel.cancel();
    /// });
    /// let report = run.report().await;
    /// # }
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.0.clone()
    }

    /// Waits for the end and returns the report: one entry per job taken from the input.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).start().report().await;
    /// assert!(report.jobs.iter().enumerate().all(|(i, job)| job.index == i));
    /// # }
    /// ```
    pub async fn report(mut self) -> BulkReport<T> {
        // `self.cancel` lives until the end of this function: dropping this
        // future before the run ends cancels the run.
        let mut jobs: Vec<Option<JobReport<T>>> = Vec::new();
        while let Some(job) = self.next().await {
            let index = job.index;
            if jobs.len() <= index {
                jobs.resize_with(index + 1, || None);
            }
            jobs[index] = Some(job);
        }
        let summary = self.summary().await;
        BulkReport {
            // One end per position taken (the engine's `finish`).
            jobs: jobs.into_iter().flatten().collect(),
            round_trips: summary.round_trips,
            requests_answered: summary.requests_answered,
            elapsed: summary.elapsed,
            cancelled: summary.cancelled,
        }
    }

    /// The next job to end, as soon as it has (not in input order); `None`
    /// once every job taken from the input has been handed out.
    ///
    /// The run keeps nothing of a job once its outcome is taken. Until the
    /// caller takes them, the run keeps at most a few batches' worth of
    /// outcomes and then stops taking input (jobs already taken still
    /// finish), so a slow caller (one that writes each outcome down first)
    /// slows the run instead of filling memory.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let mut run = client.bulk(jobs).stream();
    /// while let Some(job) = run.next().await {
    ///     println!("#{}: {}", job.index, job.outcome.is_success());
    /// }
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<JobReport<T>> {
        let (index, ended) = self.outcomes.recv().await?;
        Some(self.taken(index, ended))
    }

    /// Waits for at least one job to end, then takes every outcome ready
    /// now, up to `limit` (at least 1); empty once every job taken from the
    /// input has been handed out. For a caller that writes outcomes down
    /// in blocks (one transaction for many).
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let mut run = client.bulk(jobs).stream();
    /// loop {
    ///     let block = run.next_many(256).await;
    ///     if block.is_empty() {
    ///         break;
    ///     }
    ///     println!("{} more ended", block.len());
    /// }
    /// # }
    /// ```
    pub async fn next_many(&mut self, limit: usize) -> Vec<JobReport<T>> {
        let mut block = Vec::new();
        self.outcomes.recv_many(&mut block, limit.max(1)).await;
        block
            .into_iter()
            .map(|(index, ended)| self.taken(index, ended))
            .collect()
    }

    /// Waits for the end and returns the counts, without the per-job list.
    /// Outcomes not taken with [`next`](BulkStream::next) are counted and dropped.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let summary = client.bulk(jobs).stream().summary().await;
    /// println!("{} done in {:?}", summary.succeeded, summary.elapsed);
    /// # }
    /// ```
    pub async fn summary(mut self) -> BulkSummary {
        while self.next().await.is_some() {}
        let totals = match (&mut self.task).await {
            Ok(totals) => totals,
            // The engine does not panic; if it ever did, hiding it would lose
            // jobs. A panic of the caller's own input ends up here too.
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        };
        BulkSummary {
            round_trips: totals.round_trips,
            requests_answered: totals.requests_answered,
            elapsed: totals.elapsed,
            cancelled: totals.cancelled,
            ..self.tally
        }
    }

    /// An end taken from the engine, counted.
    fn taken(&mut self, index: usize, ended: engine::Ended<T, T::Response>) -> JobReport<T> {
        let job = JobReport {
            index,
            job: ended.tag,
            outcome: Outcome::from_end(ended.end),
            attempts: ended.attempts,
        };
        self.tally.count(&job);
        job
    }
}

/// Cancels a bulk run: no new batch starts and batches on the wire finish.
/// Jobs never sent are reported [`Outcome::Cancelled`]; jobs sent before and
/// waiting to be sent again are reported [`Outcome::Unknown`] if any send
/// of theirs got no usable answer, else [`Outcome::Failed`] with their last error.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let run = client.bulk(jobs).start();
/// run.cancel_handle().cancel();
/// assert!(run.report().await.cancelled);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<Cancel>);

impl CancelHandle {
    /// Asks the run to stop.
    ///
    /// ```no_run
    /// # fn run(handle: graph_core::bulk::CancelHandle) {
    /// handle.cancel();
    /// handle.cancel(); // harmless again
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::StaticToken;
    use crate::{Error, Request, ValidationError};

    /// A job whose request cannot be built: it panics, or refuses.
    #[derive(Debug)]
    struct Broken {
        panics: bool,
    }

    impl ToRequest for Broken {
        type Response = serde_json::Value;

        fn to_request(&self) -> Result<Request, Error> {
            if self.panics {
                panic!("a bug in the caller's job");
            }
            Err(Error::from(ValidationError::new("roles", "empty")))
        }
    }

    fn client() -> Client {
        // Nothing is sent: no job here can be built.
        Client::builder()
            .auth(StaticToken::new("t"))
            .base_url("http://127.0.0.1:9/v1.0")
            .build()
            .expect("a loopback base URL is usable")
    }

    #[tokio::test]
    async fn a_job_whose_request_building_panics_fails_alone() {
        let jobs = [true, false, true].map(|panics| Broken { panics });
        let report = client().bulk(jobs).run().await;
        assert_eq!(report.jobs.len(), 3);
        for (job, panicked) in report.jobs.iter().zip([true, false, true]) {
            let Outcome::Failed(Error::Validation(invalid)) = &job.outcome else {
                panic!("{job:?}");
            };
            assert_eq!(invalid.field(), if panicked { "request" } else { "roles" });
            assert_eq!(job.attempts, 0);
        }
        assert_eq!(report.round_trips, 0);
    }

    #[tokio::test]
    async fn a_streamed_job_whose_request_building_panics_fails_alone() {
        struct Jobs(Vec<Broken>);
        impl Stream for Jobs {
            type Item = Broken;
            fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Broken>> {
                Poll::Ready(self.0.pop())
            }
        }
        let jobs = Jobs(vec![Broken { panics: true }, Broken { panics: true }]);
        let report = client().bulk_stream(jobs).run().await;
        assert_eq!(report.failed(), 2);
    }

    #[tokio::test]
    async fn send_all_ends_a_request_whose_building_panics_alone() {
        let results = client()
            .send_all([true, false, true].map(|panics| Broken { panics }))
            .await;
        assert_eq!(results.len(), 3);
        for (result, panicked) in results.iter().zip([true, false, true]) {
            let Err(Error::Validation(invalid)) = result else {
                panic!("{result:?}");
            };
            assert_eq!(invalid.field(), if panicked { "request" } else { "roles" });
        }
    }
}
