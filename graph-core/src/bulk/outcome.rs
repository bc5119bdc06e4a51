//! How each job of a bulk share ended, and the report over all of them.

use std::time::Duration;

use crate::Error;
use crate::drive::{InviteResponse, ItemLocator};

/// How one job ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Every recipient was granted access and notified as asked.
    Granted(InviteResponse),
    /// Every recipient was granted access, but some notifications failed
    /// (Graph's 207); [`InviteResponse::notification_failures`] says whose.
    PartiallyGranted(InviteResponse),
    /// The job did not get through; the error is the last answer.
    Failed(Error),
    /// The run was cancelled before this job finished; it may or may not
    /// have reached Graph if it was on the wire.
    Cancelled,
}

impl Outcome {
    /// Whether access was granted (fully or partly).
    pub fn is_granted(&self) -> bool {
        matches!(self, Outcome::Granted(_) | Outcome::PartiallyGranted(_))
    }
}

/// One input's result.
#[derive(Debug)]
#[non_exhaustive]
pub struct JobReport {
    /// The input's position, from 0.
    pub index: usize,
    /// The item it shared.
    pub item: ItemLocator,
    /// How it ended.
    pub outcome: Outcome,
    /// Times it was sent, retries included (0 if it never was).
    pub attempts: u32,
}

/// The result of a bulk share: one [`JobReport`] per input, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkReport {
    /// Every input, in order.
    pub jobs: Vec<JobReport>,
    /// `$batch` requests sent.
    pub round_trips: u64,
    /// Requests inside batches that Graph answered (each attempt of each job that reached it).
    pub requests_answered: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl BulkReport {
    /// Jobs granted in full.
    pub fn granted(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Granted(_)))
    }

    /// Jobs granted with some notifications failed.
    pub fn partially_granted(&self) -> usize {
        self.count(|o| matches!(o, Outcome::PartiallyGranted(_)))
    }

    /// Jobs that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Jobs cut short by cancellation.
    pub fn cancelled_jobs(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Cancelled))
    }

    /// Attempts over all jobs.
    pub fn attempts(&self) -> u64 {
        self.jobs.iter().map(|j| u64::from(j.attempts)).sum()
    }

    fn count(&self, which: impl Fn(&Outcome) -> bool) -> usize {
        self.jobs.iter().filter(|j| which(&j.outcome)).count()
    }
}
