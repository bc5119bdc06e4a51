//! Feeding the engine: rows are read, checked and resolved in blocks;
//! each block is committed to the journal (its invitations `dispatched`)
//! before any of it is handed to the engine, so nothing can be sent that
//! the journal does not know of. The engine takes the jobs through a
//! bounded channel, so the file is read only as fast as it is sent.

use std::collections::HashMap;
use std::io::Read;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use graph_core::bulk::ShareJob;
use graph_core::drive::model::{DriveRecipient, InviteBody};
use graph_core::{Client, ToRequest};
use tokio::sync::mpsc;

use super::Shared;
use super::record::{Entry, State};
use super::resolve::Resolutions;
use super::rows::{Invitation, Row, Rows};
use crate::exit::{Failure, describe};

/// Rows per journal commit.
pub const BLOCK: usize = 128;

/// A job on its way to the engine, with its row's record.
pub struct Queued {
    /// The row's record, `dispatched`.
    pub entry: Entry,
    /// The invitation to send.
    pub job: ShareJob,
}

/// What `--resume` does with rows of unknown fate.
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    /// Whether this run resumes a journal.
    pub resuming: bool,
    /// Report rows of unknown fate instead of sending them again.
    pub report_unknown: bool,
}

/// The engine's input: the jobs the feeder queued. Each job taken is
/// given the next position, as the engine numbers its inputs, and its
/// row's record is kept under it until its outcome comes back.
pub struct Feed {
    /// The jobs queued; shared, so that what the engine never took can be
    /// told apart (and recorded `pending`) once it has stopped.
    pub(super) queue: Arc<Mutex<mpsc::Receiver<Queued>>>,
    /// The record of each job taken, by the engine's position, until its outcome.
    pub(super) taken: Arc<Mutex<HashMap<usize, Entry>>>,
    /// The position the next job taken gets.
    pub(super) next: usize,
}

impl futures_core::Stream for Feed {
    type Item = ShareJob;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ShareJob>> {
        let polled = crate::bulk::lock(&self.queue).poll_recv(cx);
        match polled {
            Poll::Ready(Some(queued)) => {
                let index = self.next;
                self.next += 1;
                crate::bulk::lock(&self.taken).insert(index, queued.entry);
                Poll::Ready(Some(queued.job))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Reads every row of `rows`, records it and queues the invitations to
/// send; stops early (recording the rows it holds as `pending`) when the
/// engine takes no more. An error is the file failing to read mid-way, or
/// the journal failing to write.
pub async fn run<R: Read>(
    mut rows: Rows<R>,
    client: Client,
    shared: Arc<Shared>,
    resume: Resume,
    queue: mpsc::Sender<Queued>,
) -> Result<(), Failure> {
    let mut resolutions = Resolutions::default();
    loop {
        let mut block = Vec::with_capacity(BLOCK);
        let mut ended = false;
        while block.len() < BLOCK {
            match rows.next_row() {
                Ok(Some(row)) => block.push(row),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(e) => {
                    let line = block.last().map(|r: &Row| r.line + 1);
                    let at = line.map_or_else(String::new, |l| format!(" (after line {})", l - 1));
                    // What was read so far is still sent and recorded.
                    let sent =
                        send_block(block, &client, &shared, resume, &queue, &mut resolutions).await;
                    sent?;
                    return Err(Failure::usage(format!("{}{at}: {e}", shared.input)));
                }
            }
        }
        if !send_block(block, &client, &shared, resume, &queue, &mut resolutions).await? || ended {
            return Ok(());
        }
    }
}

/// Records one block and queues its invitations; `false` when the engine
/// takes no more.
async fn send_block(
    block: Vec<Row>,
    client: &Client,
    shared: &Shared,
    resume: Resume,
    queue: &mpsc::Sender<Queued>,
    resolutions: &mut Resolutions,
) -> Result<bool, Failure> {
    let mut entries = Vec::with_capacity(block.len());
    // Which of `entries` the journal had an outcome for already.
    let mut carried_over = Vec::with_capacity(block.len());
    let mut jobs = Vec::new();
    for row in block {
        if resume.resuming
            && let Some(carried) = carried(shared, &row, resume)?
        {
            entries.push(carried);
            carried_over.push(true);
            continue;
        }
        let (entry, job) = prepare(row, client, resolutions).await;
        if let Some(job) = job {
            jobs.push((entry.clone(), job));
        }
        entries.push(entry);
        carried_over.push(false);
    }
    // Committed before any of it can reach the engine.
    tokio::task::block_in_place(|| crate::bulk::lock(&shared.recorder).write(&entries))?;
    for (entry, carried) in entries.iter().zip(carried_over) {
        if entry.state != State::Dispatched {
            shared.recorded(entry, carried)?;
        }
    }
    let mut jobs = jobs.into_iter();
    while let Some((entry, job)) = jobs.next() {
        if let Err(mpsc::error::SendError(unsent)) = queue.send(Queued { entry, job }).await {
            // The run stopped (Ctrl-C): these were never handed over.
            let left: Vec<Entry> = std::iter::once(unsent.entry)
                .chain(jobs.map(|(entry, _)| entry))
                .map(|entry| Entry {
                    state: State::Pending,
                    ..entry
                })
                .collect();
            tokio::task::block_in_place(|| crate::bulk::lock(&shared.recorder).write(&left))?;
            shared.not_sent(left.len() as u64);
            return Ok(false);
        }
    }
    Ok(true)
}

/// On `--resume`, the record of a row the journal has an outcome for (it
/// is not sent again), or of one of unknown fate that `--report-unknown`
/// reports; `None` for a row to send.
fn carried(shared: &Shared, row: &Row, resume: Resume) -> Result<Option<Entry>, Failure> {
    let Some((hash, state, detail)) =
        tokio::task::block_in_place(|| crate::bulk::lock(&shared.recorder).lookup(row.line))?
    else {
        return Ok(None);
    };
    if hash != row.hash {
        return Err(Failure::usage(format!(
            "{} line {}: the row differs from the one the journal recorded: resume refused",
            shared.input, row.line
        )));
    }
    let entry = |state: State, detail: String| Entry {
        line: row.line,
        hash: row.hash.clone(),
        item: row.item.clone(),
        recipient: row.recipient.clone(),
        role: row.role.clone(),
        state,
        detail,
        attempts: 0,
    };
    Ok(match state {
        State::Pending => None,
        State::Dispatched | State::Unknown if !resume.report_unknown => None,
        State::Dispatched => Some(entry(
            State::Unknown,
            "dispatched by an earlier run that recorded no outcome: it may have been granted"
                .to_owned(),
        )),
        recorded => Some(entry(recorded, detail)),
    })
}

/// A row checked and, if it is a valid invitation, made a job: the record
/// says `dispatched`, or why not (`invalid`, or `failed` when its sharing
/// URL cannot be resolved).
async fn prepare(
    row: Row,
    client: &Client,
    resolutions: &mut Resolutions,
) -> (Entry, Option<ShareJob>) {
    let mut entry = Entry {
        line: row.line,
        hash: row.hash,
        item: row.item,
        recipient: row.recipient,
        role: row.role,
        state: State::Dispatched,
        detail: String::new(),
        attempts: 0,
    };
    let invitation = match row.invitation {
        Ok(invitation) => invitation,
        Err(reason) => {
            entry.state = State::Invalid;
            entry.detail = reason;
            return (entry, None);
        }
    };
    let item = match resolutions.resolve(client, &invitation.item).await {
        Ok(item) => item,
        Err(reason) => {
            entry.state = State::Failed;
            entry.detail = reason;
            return (entry, None);
        }
    };
    let job = ShareJob::new(item, body(&invitation));
    // The client's own checks (a blank recipient, a message too long, an
    // expiry out of range): refused before sending, as `invite` refuses them.
    if let Err(error) = job.to_request() {
        entry.state = State::Invalid;
        entry.detail = describe(&error);
        return (entry, None);
    }
    (entry, Some(job))
}

/// The invitation as `invite` sends it.
fn body(invitation: &Invitation) -> InviteBody {
    let mut body = InviteBody::new([DriveRecipient::email(invitation.recipient.clone())])
        .with_roles([invitation.role.clone()])
        .with_send_invitation(invitation.notify);
    if let Some(message) = &invitation.message {
        body = body.with_message(message.clone());
    }
    if let Some(expires) = invitation.expires {
        body = body.with_expiration_date_time(expires);
    }
    body
}
