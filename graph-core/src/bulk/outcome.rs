//! How each job of a bulk run ended, and the report over all of them.

use std::fmt;
use std::time::Duration;

use crate::batch::engine::End;
use crate::{Error, ToRequest};

/// How one job ended; `R` is its response type.
///
/// ```
/// use graph_core::bulk::Outcome;
///
/// let done: Outcome<u32> = Outcome::Succeeded(7);
/// assert!(done.is_success());
/// assert!(!Outcome::<u32>::Cancelled.is_success());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<R> {
    /// Graph answered with a success; here is its answer. An earlier send
    /// of the same job may have run too (one that got no answer before the
    /// job was sent again): `attempts` above 1 says it was sent more than once.
    Succeeded(R),
    /// Graph refused the job, or it did not get through in its attempts, or
    /// nothing of it could be sent (no token, the request could not be
    /// built, a `Retry-After` longer than the run waits held it back:
    /// [`BatchError::HeldBack`](crate::BatchError::HeldBack)); the error is
    /// the last answer or that reason. Also a job that Graph had answered
    /// with a failure and that was waiting to be sent again when the run was
    /// cancelled. No send of a failed job can have run unseen.
    Failed(Error),
    /// The job may have run, but what it did is not known: Graph answered
    /// with a success that could not be read, or its answer in the reply
    /// could not be read, or a send of it got no answer (a reset or a
    /// timeout after sending, its id missing from the reply) and it did not
    /// succeed afterwards (that was its last attempt, a later answer was a
    /// failure, or the run was cancelled or held back). It is not sent again.
    Unknown(Error),
    /// The run was cancelled before this job was ever sent (`attempts` is 0).
    Cancelled,
}

impl<R> Outcome<R> {
    /// Whether Graph answered the job with a success.
    ///
    /// ```
    /// # use graph_core::bulk::Outcome;
    /// assert!(Outcome::Succeeded(()).is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Succeeded(_))
    }

    pub(crate) fn from_end(end: End<R>) -> Self {
        match end {
            End::Done(response) => Outcome::Succeeded(response),
            End::Failed(error) => Outcome::Failed(error),
            // The error says so itself, whatever its last answer was.
            End::Unknown(error) => Outcome::Unknown(crate::batch::fate_unknown(error)),
            End::Cancelled => Outcome::Cancelled,
        }
    }
}

/// One input's result.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let report = client.bulk(jobs).run().await;
/// for job in &report.jobs {
///     println!("#{} {:?} after {} attempt(s): {:?}", job.index, job.job, job.attempts, job.outcome);
/// }
/// # }
/// ```
#[non_exhaustive]
pub struct JobReport<T: ToRequest> {
    /// The input's position, from 0.
    pub index: usize,
    /// The job itself, as it was given.
    pub job: T,
    /// How it ended.
    pub outcome: Outcome<T::Response>,
    /// Times it was sent, retries included (0 if it never was).
    pub attempts: u32,
}

/// The result of a bulk run: one [`JobReport`] per input taken, in input order.
///
/// After a cancel, inputs never taken from the input are not in the report:
/// by position, they never started.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let report = client.bulk(jobs).run().await;
/// println!(
///     "{} done, {} failed, {} unknown, {} cancelled in {:?} ({} $batch requests)",
///     report.succeeded(),
///     report.failed(),
///     report.unknown(),
///     report.cancelled_jobs(),
///     report.elapsed,
///     report.round_trips,
/// );
/// # }
/// ```
#[non_exhaustive]
pub struct BulkReport<T: ToRequest> {
    /// Every input taken, in order.
    pub jobs: Vec<JobReport<T>>,
    /// `$batch` requests sent.
    pub round_trips: u64,
    /// Requests inside batches that Graph answered (each attempt of each job that reached it).
    pub requests_answered: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl<T: ToRequest> BulkReport<T> {
    /// Jobs Graph answered with a success.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// println!("{} of {} revoked", report.succeeded(), report.jobs.len());
    /// # }
    /// ```
    pub fn succeeded(&self) -> usize {
        self.count(Outcome::is_success)
    }

    /// Jobs that failed.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// assert!(report.failed() <= report.jobs.len());
    /// # }
    /// ```
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Jobs whose fate is unknown.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// if report.unknown() > 0 {
    ///     println!("check these against Graph before sending them again");
    /// }
    /// # }
    /// ```
    pub fn unknown(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Unknown(_)))
    }

    /// Jobs never sent because the run was cancelled first.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// assert_eq!(report.cancelled_jobs(), 0, "nothing cancelled this run");
    /// # }
    /// ```
    pub fn cancelled_jobs(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Cancelled))
    }

    /// Attempts over all jobs.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) {
    /// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
    /// let report = client.bulk(jobs).run().await;
    /// println!("{} attempts for {} jobs", report.attempts(), report.jobs.len());
    /// # }
    /// ```
    pub fn attempts(&self) -> u64 {
        self.jobs.iter().map(|j| u64::from(j.attempts)).sum()
    }

    fn count(&self, which: impl Fn(&Outcome<T::Response>) -> bool) -> usize {
        self.jobs.iter().filter(|j| which(&j.outcome)).count()
    }
}

/// The counts of a bulk run, without its per-job list: from
/// [`BulkStream::summary`](crate::bulk::BulkStream::summary), for a caller that
/// took each outcome as it ended.
///
/// ```no_run
/// # async fn run(client: graph_core::Client) {
/// # let jobs = ["p1", "p2"].map(|id| graph_core::drive::ItemLocator::me("01A").delete_permission(id));
/// let summary = client.bulk(jobs).stream().summary().await;
/// println!(
///     "{} done, {} failed, {} unknown, {} cancelled; {} attempts in {} $batch requests, {:?}",
///     summary.succeeded,
///     summary.failed,
///     summary.unknown,
///     summary.cancelled_jobs,
///     summary.attempts,
///     summary.round_trips,
///     summary.elapsed,
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkSummary {
    /// Jobs Graph answered with a success.
    pub succeeded: usize,
    /// Jobs that failed.
    pub failed: usize,
    /// Jobs whose fate is unknown.
    pub unknown: usize,
    /// Jobs never sent because the run was cancelled first.
    pub cancelled_jobs: usize,
    /// Attempts over all jobs.
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

impl BulkSummary {
    /// Jobs with an outcome, of every kind.
    ///
    /// ```
    /// let summary = graph_core::bulk::BulkSummary::default();
    /// assert_eq!(summary.jobs(), 0);
    /// ```
    pub fn jobs(&self) -> usize {
        self.succeeded + self.failed + self.unknown + self.cancelled_jobs
    }

    /// Counts one job's outcome.
    pub(crate) fn count<T: ToRequest>(&mut self, job: &JobReport<T>) {
        let counter = match job.outcome {
            Outcome::Succeeded(_) => &mut self.succeeded,
            Outcome::Failed(_) => &mut self.failed,
            Outcome::Unknown(_) => &mut self.unknown,
            Outcome::Cancelled => &mut self.cancelled_jobs,
        };
        *counter += 1;
        self.attempts += u64::from(job.attempts);
    }
}

impl<T> fmt::Debug for JobReport<T>
where
    T: ToRequest + fmt::Debug,
    T::Response: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobReport")
            .field("index", &self.index)
            .field("job", &self.job)
            .field("outcome", &self.outcome)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl<T> fmt::Debug for BulkReport<T>
where
    T: ToRequest + fmt::Debug,
    T::Response: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkReport")
            .field("jobs", &self.jobs)
            .field("round_trips", &self.round_trips)
            .field("requests_answered", &self.requests_answered)
            .field("elapsed", &self.elapsed)
            .field("cancelled", &self.cancelled)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job of unknown fate whose last answer was a known error (a 404 to a
    /// resend after a send that got no answer): its error says "unknown" too.
    #[test]
    fn an_unknown_outcome_s_error_says_its_fate_is_unknown() {
        let known = Error::Config("not found after a resend".into());
        assert!(!known.is_fate_unknown());
        match Outcome::<()>::from_end(End::Unknown(known)) {
            Outcome::Unknown(error) => {
                assert!(error.is_fate_unknown(), "{error:?}");
                assert!(
                    error.to_string().contains("not found after a resend"),
                    "{error}"
                );
            }
            other => panic!("expected Unknown, got {other:?}"),
        }
    }
}
