//! Sharing at scale: bulk invitations with sharing's richer outcome
//! (granted, or granted with some recipients not notified). A thin layer on
//! the generic bulk run; the only part of `bulk` that knows drive types.
//!
//! Sharing is idempotent, so a retry never grants twice; but if Graph had
//! acted before failing, a recipient may get the notification email twice.

use std::time::Duration;

use futures_core::Stream;

use super::{Bulk, BulkReport, BulkRun, BulkStream, CancelHandle, JobReport, Outcome, Progress};
use crate::drive::{InviteBody, InviteResponse, ItemLocator};
use crate::retry::RetryPolicy;
use crate::{Client, Error, Request, ToRequest};

/// One share: an item and the invitation to send for it.
///
/// ```
/// use graph_core::bulk::ShareJob;
/// use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
///
/// let job = ShareJob::new(
///     ItemLocator::drive("b!x", "01A"),
///     InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_roles([Role::Read]),
/// );
/// assert_eq!(job.item, ItemLocator::drive("b!x", "01A"));
/// ```
#[derive(Debug, Clone)]
pub struct ShareJob {
    /// The item to share.
    pub item: ItemLocator,
    /// Who gets access, and how.
    pub invite: InviteBody,
}

impl ShareJob {
    /// Shares `item` as `invite` says.
    ///
    /// ```
    /// # use graph_core::bulk::ShareJob;
    /// # use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator};
    /// let job = ShareJob::new(ItemLocator::me("01A"), InviteBody::new([DriveRecipient::email("a@b.c")]));
    /// ```
    pub fn new(item: ItemLocator, invite: InviteBody) -> Self {
        Self { item, invite }
    }
}

/// A share job is sent as `POST …/invite` on its item.
impl ToRequest for ShareJob {
    type Response = InviteResponse;

    fn to_request(&self) -> Result<Request, Error> {
        self.item.invite(self.invite.clone()).to_request()
    }
}

impl Client {
    /// Shares every job from `jobs`, pulled as the engine has room: a bulk
    /// run (see [`bulk`](crate::bulk)) with sharing's outcome per job.
    ///
    /// ```no_run
    /// use graph_core::bulk::ShareJob;
    /// use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
    ///
    /// # async fn run(client: graph_core::Client) {
    /// let jobs = ["ryan@contoso.com", "lee@contoso.com"].map(|email| {
    ///     ShareJob::new(
    ///         ItemLocator::drive("b!x", "01A"),
    ///         InviteBody::new([DriveRecipient::email(email)]).with_roles([Role::Read]),
    ///     )
    /// });
    /// let run = client.bulk_share(jobs).concurrency(4).start();
    /// println!("{:?}", run.progress());
    /// let report = run.report().await;
    /// println!("{} granted, {} failed", report.granted(), report.failed());
    /// # }
    /// ```
    pub fn bulk_share<I>(&self, jobs: I) -> BulkShare
    where
        I: IntoIterator<Item = ShareJob>,
        I::IntoIter: Send + 'static,
    {
        BulkShare(self.bulk(jobs))
    }

    /// Shares every job from a stream (a channel, a file being read, …).
    ///
    /// ```no_run
    /// use futures_core::Stream;
    /// use graph_core::bulk::ShareJob;
    ///
    /// async fn share_as_read(client: &graph_core::Client, jobs: impl Stream<Item = ShareJob> + Send + 'static) {
    ///     let report = client.bulk_share_stream(jobs).run().await;
    ///     println!("{} granted", report.granted());
    /// }
    /// ```
    pub fn bulk_share_stream<S>(&self, jobs: S) -> BulkShare
    where
        S: Stream<Item = ShareJob> + Send + 'static,
    {
        BulkShare(self.bulk_stream(jobs))
    }
}

/// A bulk share being configured; [`start`](BulkShare::start) or
/// [`run`](BulkShare::run) it. The settings are those of [`Bulk`].
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let report = client.bulk_share(jobs).concurrency(2).max_attempts(10).run().await;
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a bulk share does nothing until started"]
pub struct BulkShare(Bulk<ShareJob>);

impl BulkShare {
    /// The most `$batch` requests in flight at once (default 4, at least 1).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let share = client.bulk_share(jobs).concurrency(8);
    /// # }
    /// ```
    pub fn concurrency(self, batches: usize) -> Self {
        Self(self.0.concurrency(batches))
    }

    /// Jobs per `$batch` request (default and most: 20).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let share = client.bulk_share(jobs).batch_size(10);
    /// # }
    /// ```
    pub fn batch_size(self, jobs: usize) -> Self {
        Self(self.0.batch_size(jobs))
    }

    /// How many times a job is sent before it is reported failed (default 8, at least 1).
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let share = client.bulk_share(jobs).max_attempts(20);
    /// # }
    /// ```
    pub fn max_attempts(self, attempts: u32) -> Self {
        Self(self.0.max_attempts(attempts))
    }

    /// The waits between attempts, as [`Bulk::backoff`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use graph_core::retry::RetryPolicy;
    ///
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let share = client.bulk_share(jobs).backoff(RetryPolicy::builder().base_delay(Duration::from_millis(100)).build().expect("valid"));
    /// # }
    /// ```
    pub fn backoff(self, policy: RetryPolicy) -> Self {
        Self(self.0.backoff(policy))
    }

    /// Whether the run waits out a long `Retry-After`, as [`Bulk::wait_for_retry_after`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let share = client.bulk_share(jobs).wait_for_retry_after(Duration::from_secs(600));
    /// # }
    /// ```
    pub fn wait_for_retry_after(self, up_to: Duration) -> Self {
        Self(self.0.wait_for_retry_after(up_to))
    }

    /// Starts the run on the Tokio runtime; watch it and cancel it through the handle.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let run = client.bulk_share(jobs).start();
    /// let report = run.report().await;
    /// # }
    /// ```
    pub fn start(self) -> ShareRun {
        ShareRun(self.0.start())
    }

    /// Starts the run, handing each share's outcome out as soon as it ends,
    /// with memory bounded, as [`Bulk::stream`]; the caller must take the
    /// outcomes, or the run waits.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let mut run = client.bulk_share(jobs).stream();
    /// while let Some(share) = run.next().await {
    ///     println!("#{}: granted {}", share.index, share.outcome.is_granted());
    /// }
    /// # }
    /// ```
    pub fn stream(self) -> ShareStream {
        ShareStream(self.0.stream(), ShareSummary::default())
    }

    /// Runs to the end and returns the report.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// # }
    /// ```
    pub async fn run(self) -> ShareReport {
        self.start().report().await
    }
}

/// A running bulk share; dropping it cancels the run, as [`BulkRun`] does.
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let run = client.bulk_share(jobs).start();
/// let cancel = run.cancel_handle();
/// println!("{:?}", run.progress());
/// let report = run.report().await;
/// # }
/// ```
#[derive(Debug)]
pub struct ShareRun(BulkRun<ShareJob>);

impl ShareRun {
    /// What has happened so far.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// # let run = client.bulk_share(jobs).start();
    /// println!("{} granted so far", run.progress().done);
    /// # }
    /// ```
    pub fn progress(&self) -> Progress {
        self.0.progress()
    }

    /// Whether the run has ended.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// # let run = client.bulk_share(jobs).start();
    /// let done = run.is_finished();
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    /// A handle that cancels this run from anywhere.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// # let run = client.bulk_share(jobs).start();
    /// run.cancel_handle().cancel();
    /// # }
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        self.0.cancel_handle()
    }

    /// Waits for the end and returns the report: one entry per job taken from the input.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).start().report().await;
    /// # }
    /// ```
    pub async fn report(self) -> ShareReport {
        ShareReport::from(self.0.report().await)
    }
}

/// A running bulk share from [`BulkShare::stream`]: each outcome is handed
/// out as soon as its share ends. Dropping it cancels the run.
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let mut run = client.bulk_share(jobs).stream();
/// while let Some(share) = run.next().await {
///     println!("{:?}", run.progress());
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct ShareStream(BulkStream<ShareJob>, ShareSummary);

impl ShareStream {
    /// What has happened so far.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// # let run = client.bulk_share(jobs).stream();
    /// println!("{} retried so far", run.progress().retried);
    /// # }
    /// ```
    pub fn progress(&self) -> Progress {
        self.0.progress()
    }

    /// A handle that cancels this run from anywhere.
    ///
    /// ```no_run
    /// # fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// # let run = client.bulk_share(jobs).stream();
    /// run.cancel_handle().cancel();
    /// # }
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        self.0.cancel_handle()
    }

    /// The next share to end, as soon as it has; `None` once every share
    /// taken from the input has been handed out. As [`BulkStream::next`]: the
    /// run keeps nothing of a share once its outcome is taken, and stops
    /// taking input while the caller is slow to take outcomes.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let mut run = client.bulk_share(jobs).stream();
    /// while let Some(share) = run.next().await {
    ///     println!("#{}: granted {}", share.index, share.outcome.is_granted());
    /// }
    /// let summary = run.summary().await;
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<ShareJobReport> {
        let job = self.0.next().await?;
        Some(self.taken(job))
    }

    /// Waits for at least one share to end, then takes every outcome ready
    /// now, up to `limit`; empty at the end. As [`BulkStream::next_many`].
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let mut run = client.bulk_share(jobs).stream();
    /// loop {
    ///     let block = run.next_many(256).await;
    ///     if block.is_empty() {
    ///         break;
    ///     }
    ///     println!("{} more ended", block.len());
    /// }
    /// # }
    /// ```
    pub async fn next_many(&mut self, limit: usize) -> Vec<ShareJobReport> {
        let block = self.0.next_many(limit).await;
        block.into_iter().map(|job| self.taken(job)).collect()
    }

    /// Waits for the end and returns the counts, without the per-share
    /// list; outcomes not taken are counted and dropped.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let summary = client.bulk_share(jobs).stream().summary().await;
    /// println!("{} granted, {} not notified", summary.granted, summary.partially_granted);
    /// # }
    /// ```
    pub async fn summary(mut self) -> ShareSummary {
        while self.next().await.is_some() {}
        let totals = self.0.summary().await;
        ShareSummary {
            round_trips: totals.round_trips,
            requests_answered: totals.requests_answered,
            elapsed: totals.elapsed,
            cancelled: totals.cancelled,
            ..self.1
        }
    }

    fn taken(&mut self, job: JobReport<ShareJob>) -> ShareJobReport {
        let share = ShareJobReport::from(job);
        self.1.count(&share);
        share
    }
}

/// The counts of a bulk share, without its per-share list: from
/// [`ShareStream::summary`].
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let summary = client.bulk_share(jobs).stream().summary().await;
/// println!(
///     "{} granted, {} not notified, {} failed, {} unknown, {} cancelled, {} attempts",
///     summary.granted,
///     summary.partially_granted,
///     summary.failed,
///     summary.unknown,
///     summary.cancelled_jobs,
///     summary.attempts,
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShareSummary {
    /// Shares granted in full.
    pub granted: usize,
    /// Shares granted with some notifications failed.
    pub partially_granted: usize,
    /// Shares that failed.
    pub failed: usize,
    /// Shares whose fate is unknown.
    pub unknown: usize,
    /// Shares never sent because the run was cancelled first.
    pub cancelled_jobs: usize,
    /// Attempts over all shares.
    pub attempts: u64,
    /// `$batch` requests sent.
    pub round_trips: u64,
    /// Requests inside batches that Graph answered.
    pub requests_answered: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl ShareSummary {
    /// Shares with an outcome, of every kind.
    ///
    /// ```
    /// assert_eq!(graph_core::bulk::ShareSummary::default().jobs(), 0);
    /// ```
    pub fn jobs(&self) -> usize {
        self.granted + self.partially_granted + self.failed + self.unknown + self.cancelled_jobs
    }

    fn count(&mut self, share: &ShareJobReport) {
        let counter = match share.outcome {
            ShareOutcome::Granted(_) => &mut self.granted,
            ShareOutcome::PartiallyGranted(_) => &mut self.partially_granted,
            ShareOutcome::Failed(_) => &mut self.failed,
            ShareOutcome::Unknown(_) => &mut self.unknown,
            ShareOutcome::Cancelled => &mut self.cancelled_jobs,
        };
        *counter += 1;
        self.attempts += u64::from(share.attempts);
    }
}

/// How one share ended.
///
/// ```
/// use graph_core::bulk::ShareOutcome;
///
/// assert!(!ShareOutcome::Cancelled.is_granted());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ShareOutcome {
    /// Every recipient was granted access and notified as asked. An
    /// earlier send of this share may have run too (see
    /// [`Outcome::Succeeded`]): a recipient may have been notified twice.
    Granted(InviteResponse),
    /// Every recipient was granted access, but some notifications failed
    /// (Graph's 207); [`InviteResponse::notification_failures`] says whose.
    PartiallyGranted(InviteResponse),
    /// The share did not get through; the error is the last answer.
    Failed(Error),
    /// The share may have been granted, but it is not known (see [`Outcome::Unknown`]).
    Unknown(Error),
    /// The run was cancelled before this share was ever sent (see [`Outcome::Cancelled`]).
    Cancelled,
}

impl ShareOutcome {
    /// Whether access was granted (fully or partly).
    ///
    /// ```
    /// # use graph_core::bulk::ShareOutcome;
    /// # use graph_core::drive::InviteResponse;
    /// # fn check(granted: InviteResponse) {
    /// assert!(ShareOutcome::Granted(granted).is_granted());
    /// # }
    /// ```
    pub fn is_granted(&self) -> bool {
        matches!(
            self,
            ShareOutcome::Granted(_) | ShareOutcome::PartiallyGranted(_)
        )
    }
}

impl From<Outcome<InviteResponse>> for ShareOutcome {
    fn from(outcome: Outcome<InviteResponse>) -> Self {
        match outcome {
            Outcome::Succeeded(response) if response.all_notified() => {
                ShareOutcome::Granted(response)
            }
            Outcome::Succeeded(response) => ShareOutcome::PartiallyGranted(response),
            Outcome::Failed(error) => ShareOutcome::Failed(error),
            Outcome::Unknown(error) => ShareOutcome::Unknown(error),
            Outcome::Cancelled => ShareOutcome::Cancelled,
        }
    }
}

/// One share's result.
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let report = client.bulk_share(jobs).run().await;
/// for job in &report.jobs {
///     println!("#{} {:?}: {:?} after {} attempt(s)", job.index, job.item, job.outcome, job.attempts);
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ShareJobReport {
    /// The input's position, from 0.
    pub index: usize,
    /// The item it shared.
    pub item: ItemLocator,
    /// The invitation it sent (its recipients, roles, …).
    pub invite: InviteBody,
    /// How it ended.
    pub outcome: ShareOutcome,
    /// Times it was sent, retries included (0 if it never was).
    pub attempts: u32,
}

/// The result of a bulk share: one [`ShareJobReport`] per input taken, in input order.
///
/// ```no_run
/// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
/// let report = client.bulk_share(jobs).run().await;
/// println!(
///     "{} granted, {} not notified, {} failed, {} unknown, {} cancelled",
///     report.granted(),
///     report.partially_granted(),
///     report.failed(),
///     report.unknown(),
///     report.cancelled_jobs()
/// );
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ShareReport {
    /// Every input taken, in order.
    pub jobs: Vec<ShareJobReport>,
    /// `$batch` requests sent.
    pub round_trips: u64,
    /// Requests inside batches that Graph answered (each attempt of each job that reached it).
    pub requests_answered: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl ShareReport {
    /// Shares granted in full.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} granted", report.granted());
    /// # }
    /// ```
    pub fn granted(&self) -> usize {
        self.count(|o| matches!(o, ShareOutcome::Granted(_)))
    }

    /// Shares granted with some notifications failed.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} granted, not notified", report.partially_granted());
    /// # }
    /// ```
    pub fn partially_granted(&self) -> usize {
        self.count(|o| matches!(o, ShareOutcome::PartiallyGranted(_)))
    }

    /// Shares that failed.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} failed", report.failed());
    /// # }
    /// ```
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, ShareOutcome::Failed(_)))
    }

    /// Shares whose fate is unknown.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} unknown", report.unknown());
    /// # }
    /// ```
    pub fn unknown(&self) -> usize {
        self.count(|o| matches!(o, ShareOutcome::Unknown(_)))
    }

    /// Shares never sent because the run was cancelled first.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} cancelled", report.cancelled_jobs());
    /// # }
    /// ```
    pub fn cancelled_jobs(&self) -> usize {
        self.count(|o| matches!(o, ShareOutcome::Cancelled))
    }

    /// Attempts over all shares.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client, jobs: Vec<graph_core::bulk::ShareJob>) {
    /// let report = client.bulk_share(jobs).run().await;
    /// println!("{} attempts", report.attempts());
    /// # }
    /// ```
    pub fn attempts(&self) -> u64 {
        self.jobs.iter().map(|j| u64::from(j.attempts)).sum()
    }

    fn count(&self, which: impl Fn(&ShareOutcome) -> bool) -> usize {
        self.jobs.iter().filter(|j| which(&j.outcome)).count()
    }
}

impl From<JobReport<ShareJob>> for ShareJobReport {
    fn from(job: JobReport<ShareJob>) -> Self {
        Self {
            index: job.index,
            item: job.job.item,
            invite: job.job.invite,
            outcome: ShareOutcome::from(job.outcome),
            attempts: job.attempts,
        }
    }
}

impl From<BulkReport<ShareJob>> for ShareReport {
    fn from(report: BulkReport<ShareJob>) -> Self {
        Self {
            jobs: report.jobs.into_iter().map(ShareJobReport::from).collect(),
            round_trips: report.round_trips,
            requests_answered: report.requests_answered,
            elapsed: report.elapsed,
            cancelled: report.cancelled,
        }
    }
}
