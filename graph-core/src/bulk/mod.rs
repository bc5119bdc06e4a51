//! Sharing at scale: many (item, invitation) jobs, batched, throttle-aware, each
//! ending in exactly one reported outcome.
//!
//! The engine sends jobs by `$batch` (20 per request), several batches at
//! once. Any throttling answer (429, or 503 with `Retry-After`) closes a gate
//! that every worker waits behind until the `Retry-After` has passed. A
//! congested batch (half or more of its answers throttling) also sets a send
//! rate from what was getting through; it drops further while congestion
//! lasts and grows back after calm half-seconds (see the pace module).
//! Server trouble (5xx but 501 and 505) and unanswered ids are retried per
//! job with backoff, up to [`BulkShare::max_attempts`]. A retry never grants
//! twice (sharing is idempotent), but if Graph had acted before failing, a
//! recipient may get the notification email twice.
//!
//! ```no_run
//! use graph_core::bulk::ShareJob;
//! use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
//!
//! # async fn run(client: graph_core::Client) {
//! let jobs = ["ryan@contoso.com", "lee@contoso.com"].map(|email| {
//!     ShareJob::new(
//!         ItemLocator::drive("b!x", "01A"),
//!         InviteBody::new([DriveRecipient::email(email)]).with_roles([Role::Read]),
//!     )
//! });
//! let run = client.bulk_share(jobs).concurrency(4).start();
//! println!("{:?}", run.progress());
//! let report = run.report().await;
//! println!("{} granted, {} failed", report.granted(), report.failed());
//! # }
//! ```

mod engine;
mod outcome;
mod pace;
mod progress;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_core::Stream;

pub use outcome::{BulkReport, JobReport, Outcome};
pub use progress::Progress;

use crate::Client;
use crate::batch::MAX_BATCH_SIZE;
use crate::drive::{InviteBody, ItemLocator};
use crate::retry::RetryPolicy;
use engine::{Cancel, Settings, Source};
use progress::Counters;

/// One share: an item and the invitation to send for it.
#[derive(Debug, Clone)]
pub struct ShareJob {
    /// The item to share.
    pub item: ItemLocator,
    /// Who gets access, and how.
    pub invite: InviteBody,
}

impl ShareJob {
    /// Shares `item` as `invite` says.
    pub fn new(item: ItemLocator, invite: InviteBody) -> Self {
        Self { item, invite }
    }
}

/// A bulk share being configured; [`start`](BulkShare::start) or [`run`](BulkShare::run) it.
#[must_use = "a bulk share does nothing until started"]
pub struct BulkShare {
    client: Client,
    source: Source,
    settings: Settings,
}

/// The default number of `$batch` requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The default number of times one job is sent before it is reported failed.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

impl Client {
    /// Shares every job from `jobs`, pulled as the engine has room.
    pub fn bulk_share<I>(&self, jobs: I) -> BulkShare
    where
        I: IntoIterator<Item = ShareJob>,
        I::IntoIter: Send + 'static,
    {
        BulkShare::new(self.clone(), Source::Iter(Box::new(jobs.into_iter())))
    }

    /// Shares every job from a stream (a channel, a file being read, …).
    pub fn bulk_share_stream<S>(&self, jobs: S) -> BulkShare
    where
        S: Stream<Item = ShareJob> + Send + 'static,
    {
        BulkShare::new(self.clone(), Source::Stream(Box::pin(jobs)))
    }
}

impl BulkShare {
    fn new(client: Client, source: Source) -> Self {
        Self {
            client,
            source,
            settings: Settings {
                concurrency: DEFAULT_CONCURRENCY,
                batch_size: MAX_BATCH_SIZE,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
                backoff: RetryPolicy::new(),
            },
        }
    }

    /// The most `$batch` requests in flight at once (default 4, at least 1).
    pub fn concurrency(mut self, batches: usize) -> Self {
        self.settings.concurrency = batches.max(1);
        self
    }

    /// Jobs per `$batch` request (default and most: 20).
    pub fn batch_size(mut self, jobs: usize) -> Self {
        self.settings.batch_size = jobs.clamp(1, MAX_BATCH_SIZE);
        self
    }

    /// How many times a job is sent before it is reported failed (default 8, at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.settings.max_attempts = attempts.max(1);
        self
    }

    /// The backoff for retries Graph gives no `Retry-After` for (its base delay and caps are used).
    pub fn backoff(mut self, policy: RetryPolicy) -> Self {
        self.settings.backoff = policy;
        self
    }

    /// Starts the run on the Tokio runtime; watch it and cancel it through the handle.
    pub fn start(self) -> BulkRun {
        let counters = Arc::new(Counters::default());
        let cancel = Arc::new(Cancel::default());
        let task = tokio::spawn(engine::run(
            self.client,
            self.source,
            self.settings,
            counters.clone(),
            cancel.clone(),
        ));
        BulkRun {
            task,
            counters,
            cancel: CancelOnDrop(CancelHandle(cancel)),
        }
    }

    /// Runs to the end and returns the report.
    pub async fn run(self) -> BulkReport {
        self.start().report().await
    }
}

/// A running bulk share.
///
/// Dropping it cancels the run (as [`CancelHandle::cancel`] does): nothing
/// new is sent once nobody can read the outcomes.
#[derive(Debug)]
pub struct BulkRun {
    task: tokio::task::JoinHandle<BulkReport>,
    counters: Arc<Counters>,
    cancel: CancelOnDrop,
}

/// Cancels the run it belongs to when dropped; harmless once the run has ended.
#[derive(Debug)]
struct CancelOnDrop(CancelHandle);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl BulkRun {
    /// What has happened so far.
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// Whether the run has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// A handle that cancels this run from anywhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.0.clone()
    }

    /// Waits for the end and returns the report: one entry per job taken from the input.
    pub async fn report(self) -> BulkReport {
        // `self.cancel` lives until the end of this function: dropping this
        // future before the run ends cancels the run.
        match self.task.await {
            Ok(report) => report,
            // The engine does not panic; if it ever did, hiding it would lose jobs.
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

/// Cancels a [`BulkRun`]: no new batch starts, batches on the wire finish,
/// and jobs not yet finished are reported [`Outcome::Cancelled`].
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<Cancel>);

impl CancelHandle {
    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        self.0.notify.notify_one();
    }
}
