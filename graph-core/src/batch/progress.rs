//! What a running bulk job set has done so far, readable while it runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a bulk run, from [`BulkRun::progress`](crate::bulk::BulkRun::progress).
///
/// ```
/// let progress = graph_core::bulk::Progress::default();
/// assert_eq!(progress.finished(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Jobs taken from the input so far.
    pub submitted: u64,
    /// Jobs that ended with a success (for sharing: granted, fully or partly).
    pub done: u64,
    /// Jobs that ended failed, as [`BulkReport::failed`](crate::bulk::BulkReport::failed)
    /// counts them: cancelled jobs are not among them.
    pub failed: u64,
    /// Jobs that ended with an unknown fate: they may have run.
    pub unknown: u64,
    /// Jobs never sent because the run was cancelled, as
    /// [`BulkReport::cancelled_jobs`](crate::bulk::BulkReport::cancelled_jobs)
    /// counts them (set when the cancelled run ends).
    pub cancelled: u64,
    /// Retries scheduled so far, over all jobs (each is sent when due).
    pub retried: u64,
    /// Jobs waiting to be sent again, or held by throttling.
    pub waiting: u64,
    /// Jobs in requests on the wire now.
    pub in_flight: u64,
}

impl Progress {
    /// Jobs with a final outcome (cancelled ones included).
    ///
    /// ```
    /// let progress = graph_core::bulk::Progress::default();
    /// assert!(progress.finished() <= progress.submitted);
    /// ```
    pub fn finished(&self) -> u64 {
        self.done + self.failed + self.unknown + self.cancelled
    }
}

/// The live counters behind [`Progress`], shared with the engine.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub submitted: AtomicU64,
    pub done: AtomicU64,
    pub failed: AtomicU64,
    pub unknown: AtomicU64,
    pub cancelled: AtomicU64,
    pub retried: AtomicU64,
    pub waiting: AtomicU64,
    pub in_flight: AtomicU64,
}

impl Counters {
    pub fn snapshot(&self) -> Progress {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Progress {
            submitted: get(&self.submitted),
            done: get(&self.done),
            failed: get(&self.failed),
            unknown: get(&self.unknown),
            cancelled: get(&self.cancelled),
            retried: get(&self.retried),
            waiting: get(&self.waiting),
            in_flight: get(&self.in_flight),
        }
    }

    pub fn set(counter: &AtomicU64, value: usize) {
        counter.store(value as u64, Ordering::Relaxed);
    }

    pub fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }
}
