//! Fetching the recorded items' permissions: one bulk run for the whole
//! audit, fed from the journal as the walk records items, its outcomes
//! taken as they end and recorded in blocks.
//!
//! Three loops share the caller's task: the walk (in `mod.rs`), the feed
//! (pending items, read from the journal in order, into a bounded queue
//! the engine pulls from) and the collector (outcomes, recorded one block
//! per transaction). Nothing waits for a slowest job: the engine is kept
//! full as long as items are pending. What is held in memory is bounded
//! by the queue, the engine's own outcome room (it stops pulling while
//! outcomes pile up) and one block, whatever the drive's size; that is
//! also the most a `kill -9` can lose (those items are fetched again on
//! resume: reads are safe to repeat).

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use graph_core::bulk::{BulkStream, Outcome};
use graph_core::drive::model::Permission;
use graph_core::drive::{ItemLocator, ListPermissions};
use graph_core::odata::Collection;
use graph_core::{Client, Error, Request, ToRequest};
use tokio::sync::{Notify, mpsc};

use super::finding::findings;
use super::progress::Progress;
use super::store::{Fetched, Pending, Store, Trouble};
use super::trouble_of;
use crate::exit::{Failure, describe};

/// Pending items read from the journal at a time.
const FEED_CHUNK: usize = 200;

/// Items queued for the engine beyond what it has taken: enough for the
/// engine's next few batches of 20 while the feed reads the journal.
const QUEUE: usize = 200;

/// The most outcomes recorded in one transaction.
const BLOCK: usize = 1_000;

/// The longest an outcome waits to be recorded: what the progress shows
/// and what a killed run keeps stays this close to what was read.
const BLOCK_INTERVAL: Duration = Duration::from_millis(250);

/// How many times one item's permissions are asked for before it is
/// reported as not audited.
const MAX_ATTEMPTS: u32 = 40;

/// One item's permission listing, with the item it is for.
#[derive(Debug)]
pub struct Job {
    item: Pending,
    list: ListPermissions,
}

impl ToRequest for Job {
    type Response = Collection<Permission>;

    fn to_request(&self) -> Result<Request, Error> {
        ToRequest::to_request(&self.list)
    }
}

/// The engine's input: the feed's queue.
struct Queue(mpsc::Receiver<Job>);

impl Stream for Queue {
    type Item = Job;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Job>> {
        self.0.poll_recv(cx)
    }
}

/// Outcomes waiting to be recorded, and when the last block was.
#[derive(Debug)]
pub struct Block {
    ended: Vec<(i64, Fetched)>,
    since: Instant,
}

impl Block {
    fn new(now: Instant) -> Self {
        Self {
            ended: Vec::with_capacity(BLOCK),
            since: now,
        }
    }

    /// Room left before the block must be recorded.
    fn room(&self) -> usize {
        BLOCK.saturating_sub(self.ended.len()).max(1)
    }

    /// Whether the block is to be recorded now: full, or held long enough.
    fn due(&self, now: Instant) -> bool {
        !self.ended.is_empty()
            && (self.ended.len() >= BLOCK || now.duration_since(self.since) >= BLOCK_INTERVAL)
    }

    /// How long the collector may wait for more outcomes before recording.
    fn wait(&self, now: Instant) -> Duration {
        if self.ended.is_empty() {
            // Nothing held: wait for the next outcome as long as it takes.
            Duration::from_secs(3600)
        } else {
            BLOCK_INTERVAL.saturating_sub(now.duration_since(self.since))
        }
    }

    /// Records the block in one transaction and starts the next.
    fn record(&mut self, store: &RefCell<&mut Store>, progress: &Progress) -> Result<(), Failure> {
        if !self.ended.is_empty() {
            store.borrow_mut().record_window(&self.ended)?;
            let read = self
                .ended
                .iter()
                .filter(|(_, f)| matches!(f, Fetched::Read(_)))
                .count();
            progress.audited(read);
        }
        self.ended.clear();
        self.since = Instant::now();
        Ok(())
    }
}

/// Fetches the permissions of every item the walk records, until the walk
/// has ended and no item is left.
pub async fn fetch(
    client: &Client,
    store: &RefCell<&mut Store>,
    listed: &Notify,
    walked: &Cell<bool>,
    progress: &Progress,
) -> Result<(), Failure> {
    let (queue, queued) = mpsc::channel(QUEUE);
    // Reads are safe to repeat: under sustained throttling the audit
    // keeps going (each wait Graph's Retry-After) rather than giving an
    // item up after the engine's default 8 attempts.
    let run = client
        .bulk_stream(Queue(queued))
        .max_attempts(MAX_ATTEMPTS)
        .wait_for_retry_after(Duration::from_secs(600))
        .stream();
    let (fed, collected) = tokio::join!(
        feed(store, listed, walked, queue),
        collect(client, store, run, progress)
    );
    fed?;
    collected
}

/// Queues every pending item, in row order, as the walk records them;
/// waits while the queue is full. Ends (closing the queue, which ends the
/// run once its jobs are done) when the walk has ended and nothing is left,
/// or when the run is gone.
async fn feed(
    store: &RefCell<&mut Store>,
    listed: &Notify,
    walked: &Cell<bool>,
    queue: mpsc::Sender<Job>,
) -> Result<(), Failure> {
    let mut after = 0;
    loop {
        let done_walking = walked.get();
        let chunk = store.borrow().pending_items(after, FEED_CHUNK)?;
        let Some(last) = chunk.last() else {
            if done_walking {
                return Ok(());
            }
            listed.notified().await;
            continue;
        };
        after = last.id;
        for item in chunk {
            match item.locator.parse::<ItemLocator>() {
                Ok(locator) => {
                    let list = locator.list_permissions(None);
                    if queue.send(Job { item, list }).await.is_err() {
                        // The run ended (the collector failed): nothing more to send.
                        return Ok(());
                    }
                }
                Err(e) => store.borrow_mut().record_window(&[(
                    item.id,
                    Fetched::Trouble(Trouble::Failed, e.to_string()),
                )])?,
            }
        }
    }
}

/// Takes the outcomes as jobs end and records them a block at a time.
/// Owns the run: returning early (a journal that cannot be written) drops
/// it, which cancels it and ends the feed.
async fn collect(
    client: &Client,
    store: &RefCell<&mut Store>,
    mut run: BulkStream<Job>,
    progress: &Progress,
) -> Result<(), Failure> {
    let mut block = Block::new(Instant::now());
    loop {
        let wait = block.wait(Instant::now());
        // `next_many` loses nothing when the wait runs out (the channel's
        // `recv_many` is cancel-safe).
        let jobs = match tokio::time::timeout(wait, run.next_many(block.room())).await {
            Ok(jobs) if jobs.is_empty() => {
                return block.record(store, progress);
            }
            Ok(jobs) => jobs,
            Err(_) => Vec::new(),
        };
        for job in jobs {
            let item = job.job.item;
            let outcome = match job.outcome {
                Outcome::Succeeded(first) => rest_of(client, first).await,
                Outcome::Failed(e) | Outcome::Unknown(e) => Err(e),
                // Never sent (a cancelled run): still pending, for a resumed run.
                _ => continue,
            };
            let fetched = match outcome {
                Ok(permissions) => Fetched::Read(findings(&item.path, &permissions, item.is_start)),
                Err(e) => {
                    tracing::warn!(item = %item.path, error = %describe(&e), "could not read the permissions");
                    Fetched::Trouble(trouble_of(&e), describe(&e))
                }
            };
            block.ended.push((item.id, fetched));
        }
        if block.due(Instant::now()) {
            block.record(store, progress)?;
        }
    }
}

/// Every permission from `first` on, following `@odata.nextLink`.
async fn rest_of(client: &Client, first: Collection<Permission>) -> Result<Vec<Permission>, Error> {
    let mut next = client.next_page(&first).await?;
    let mut all = first.value;
    while let Some(mut page) = next {
        next = client.next_page(&page).await?;
        all.append(&mut page.value);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read() -> (i64, Fetched) {
        (1, Fetched::Read(Vec::new()))
    }

    #[test]
    fn a_block_is_recorded_when_full_or_held_long_enough_and_never_holds_more() {
        let start = Instant::now();
        let mut block = Block::new(start);
        assert!(!block.due(start + BLOCK_INTERVAL * 10), "nothing to record");
        assert_eq!(block.room(), BLOCK);
        block.ended.push(read());
        assert!(!block.due(start), "one outcome, just now");
        assert_eq!(block.wait(start), BLOCK_INTERVAL);
        assert!(block.due(start + BLOCK_INTERVAL), "held long enough");
        block.ended.extend((1..BLOCK).map(|_| read()));
        assert!(block.due(start), "full");
        // The collector asks the engine for no more than the room left:
        // at least one, so that it can tell the run's end from a full block.
        assert_eq!(block.room(), 1);
    }
}
