//! `bulk invite FILE.csv`: one invitation per row, sent by the bulk engine,
//! every outcome written to a journal before it is shown, resumable after
//! Ctrl-C, `kill -9` or power loss without sending a recorded grant again.
//!
//! The file is read as a stream ([`rows`]), rows are recorded and queued in
//! blocks ([`feed`]), the engine hands each outcome back as soon as it is
//! known, and the outcomes are written in blocks too ([`record`]); memory
//! holds a few blocks at a time, whatever the file's length.

mod feed;
mod needs_look;
mod progress;
mod record;
mod resolve;
mod rows;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use graph_core::Client;
use graph_core::bulk::{ShareJobReport, ShareOutcome};
use indicatif::ProgressBar;
use serde_json::json;

use crate::cli::BulkInviteArgs;
use crate::commands::Done;
use crate::exit::{Code, Failure, describe};
use crate::output::Report;
use feed::{Feed, Resume};
use needs_look::NeedsLook;
use record::{Entry, Recorder, State};

/// Outcomes taken from the engine at once, at most.
const OUTCOME_BLOCK: usize = 1024;
/// Blocks of outcomes waiting for the writer, at most (then the engine waits).
const WRITER_QUEUE: usize = 64;
/// Outcomes per journal commit, at most.
const WRITER_BLOCK: usize = 8192;
/// How long the writer gathers outcomes after the first one of a commit
/// arrives. The commit (an `fsync`) costs CPU per commit, not per row: the
/// engine hands outcomes back a `$batch` (20) at a time, and committing
/// each as it comes cost a third of the run's CPU. 25 ms caps commits at
/// 40 a second and delays what is shown by no more; the price is that a
/// `kill -9` may leave up to 25 ms more of answered rows `dispatched` (of
/// unknown fate for `--resume`), as it leaves the rows on the wire.
const WRITER_LINGER: std::time::Duration = std::time::Duration::from_millis(25);

/// A mutex's guard, even after a panic elsewhere (the data is counts and
/// files, still usable).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many rows ended how.
#[derive(Debug, Default)]
struct Tally {
    by_state: HashMap<State, u64>,
    /// Rows whose outcome an earlier run recorded (`--resume`).
    carried: u64,
}

impl Tally {
    fn of(&self, state: State) -> u64 {
        self.by_state.get(&state).copied().unwrap_or(0)
    }

    fn total(&self) -> u64 {
        self.by_state.values().sum()
    }

    /// 5 if any row's fate is unknown, 0 if every row was granted in full,
    /// 4 if some were granted, else 1.
    fn code(&self) -> Code {
        let granted = self.of(State::Granted);
        if self.of(State::Unknown) + self.of(State::Dispatched) > 0 {
            Code::Unknown
        } else if granted == self.total() {
            Code::Ok
        } else if granted + self.of(State::GrantedNotNotified) > 0 {
            Code::Partial
        } else {
            Code::Graph
        }
    }
}

/// What the feeder and the outcome loop share.
pub(crate) struct Shared {
    /// The input file, as shown.
    input: String,
    recorder: Mutex<Recorder>,
    looks: Mutex<NeedsLook>,
    tally: Mutex<Tally>,
    bar: ProgressBar,
}

impl Shared {
    /// A row whose outcome is recorded: counted, listed if it needs a
    /// look, shown. A new invalid or failed row gets its one line.
    fn recorded(&self, entry: &Entry, carried: bool) -> Result<(), Failure> {
        {
            let mut tally = lock(&self.tally);
            *tally.by_state.entry(entry.state).or_default() += 1;
            tally.carried += u64::from(carried);
        }
        if !carried && matches!(entry.state, State::Invalid | State::Failed) {
            self.bar.suspend(|| {
                eprintln!(
                    "{} line {}: {}: {}",
                    self.input,
                    entry.line,
                    entry.state.as_str(),
                    entry.detail
                );
            });
        }
        lock(&self.looks).add(entry)?;
        self.bar.inc(1);
        Ok(())
    }

    /// Rows recorded `pending`: never sent.
    fn not_sent(&self, rows: u64) {
        *lock(&self.tally)
            .by_state
            .entry(State::Pending)
            .or_default() += rows;
    }
}

/// The record of a row whose share ended as `share` says.
fn ended(entry: Entry, share: &ShareJobReport) -> Entry {
    let (state, detail) = match &share.outcome {
        ShareOutcome::Granted(_) => (State::Granted, String::new()),
        ShareOutcome::PartiallyGranted(response) => {
            let reasons: Vec<String> = response
                .notification_failures()
                .map(|(_, _, error)| {
                    error
                        .message
                        .clone()
                        .or_else(|| error.code.clone())
                        .unwrap_or_else(|| "no reason given".to_owned())
                })
                .collect();
            (
                State::GrantedNotNotified,
                format!("granted, but not notified: {}", reasons.join("; ")),
            )
        }
        ShareOutcome::Failed(error) => (State::Failed, describe(error)),
        ShareOutcome::Unknown(error) => (State::Unknown, describe(error)),
        // Never sent: safe to send on --resume.
        ShareOutcome::Cancelled => (State::Pending, "the run was interrupted first".to_owned()),
        _ => (
            State::Unknown,
            "an outcome this tool does not know".to_owned(),
        ),
    };
    Entry {
        state,
        detail,
        attempts: share.attempts,
        ..entry
    }
}

/// Commits the outcomes `blocks` brings, all that have arrived at once
/// as one transaction, then counts and shows them (never before). A
/// journal that cannot be written stops the run: what ends after is not
/// recorded, and the run's outcome is unknown.
fn write_outcomes(
    shared: &Shared,
    mut blocks: tokio::sync::mpsc::Receiver<(Vec<Entry>, graph_core::bulk::Progress)>,
    cancel: &graph_core::bulk::CancelHandle,
) -> Result<(), Failure> {
    let mut broken = None;
    while let Some((mut entries, mut progress)) = blocks.blocking_recv() {
        if broken.is_none() && !blocks.is_closed() {
            std::thread::sleep(WRITER_LINGER);
        }
        while entries.len() < WRITER_BLOCK
            && let Ok((more, later)) = blocks.try_recv()
        {
            entries.extend(more);
            progress = later;
        }
        if broken.is_some() {
            continue;
        }
        let recorded = lock(&shared.recorder).write(&entries).and_then(|()| {
            entries
                .iter()
                .try_for_each(|entry| shared.recorded(entry, false))
        });
        match recorded {
            Ok(()) => progress::show(&shared.bar, &progress),
            Err(failure) => {
                cancel.cancel();
                broken = Some(failure);
            }
        }
    }
    broken.map_or(Ok(()), Err)
}

/// Where the journal goes: `--journal`, else beside the file.
fn journal_path(args: &BulkInviteArgs) -> PathBuf {
    args.journal
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, ".journal"))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `bulk invite`.
pub async fn invite(client: &Client, args: &BulkInviteArgs) -> Result<Done, Failure> {
    // Everything that can refuse the run does so before anything is sent.
    let identity = rows::identity(&args.file)?;
    let rows = rows::open(&args.file)?;
    let journal = (!args.no_journal).then(|| journal_path(args));
    let recorder = match &journal {
        None => Recorder::none(),
        Some(path) if args.resume => Recorder::resume(path, &args.file, &identity)?,
        Some(path) => Recorder::create(path, &args.file, &identity)?,
    };
    let needs_look_path = args.needs_look.clone().unwrap_or_else(|| {
        with_suffix(journal.as_deref().unwrap_or(&args.file), ".needs-look.csv")
    });
    let looks = NeedsLook::create(&needs_look_path)?;
    let shared = Arc::new(Shared {
        input: args.file.display().to_string(),
        recorder: Mutex::new(recorder),
        looks: Mutex::new(looks),
        tally: Mutex::new(Tally::default()),
        bar: progress::bar(identity.lines.saturating_sub(1)),
    });

    // Two blocks may wait for the engine while the feeder commits a third.
    let (queue, queued) = tokio::sync::mpsc::channel(2 * feed::BLOCK);
    let queued = Arc::new(Mutex::new(queued));
    let taken = Arc::new(Mutex::new(HashMap::new()));
    let feed = Feed {
        queue: queued.clone(),
        taken: taken.clone(),
        next: 0,
    };
    let mut run = client
        .bulk_share_stream(feed)
        .concurrency(usize::from(args.concurrency))
        .stream();
    let resume = Resume {
        resuming: args.resume,
        report_unknown: args.report_unknown,
    };
    let feeder = tokio::spawn(feed::run(
        rows,
        client.clone(),
        shared.clone(),
        resume,
        queue,
    ));
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_ctrl_c = tokio::spawn(ctrl_c(
        run.cancel_handle(),
        interrupted.clone(),
        shared.bar.clone(),
    ));

    // Outcomes go to a writer thread through a bounded queue, so that the
    // engine goes on while a block is being committed (an `fsync`), and
    // the writer commits whatever has arrived meanwhile as one block.
    let (to_writer, for_writer) = tokio::sync::mpsc::channel(WRITER_QUEUE);
    let writer = {
        let shared = shared.clone();
        let cancel = run.cancel_handle();
        std::thread::spawn(move || write_outcomes(&shared, for_writer, &cancel))
    };
    loop {
        let block = run.next_many(OUTCOME_BLOCK).await;
        if block.is_empty() {
            break;
        }
        let entries: Vec<Entry> = {
            let mut taken = lock(&taken);
            block
                .iter()
                .filter_map(|share| taken.remove(&share.index).map(|entry| ended(entry, share)))
                .collect()
        };
        if to_writer.send((entries, run.progress())).await.is_err() {
            break;
        }
    }
    drop(to_writer);
    let broken = tokio::task::block_in_place(|| writer.join())
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        .err();
    let summary = run.summary().await;
    on_ctrl_c.abort();
    // Jobs queued but never taken by the engine (the run was stopped):
    // never sent.
    let left: Vec<Entry> = {
        let mut queued = lock(&queued);
        queued.close();
        std::iter::from_fn(|| queued.try_recv().ok())
            .map(|queued| Entry {
                state: State::Pending,
                ..queued.entry
            })
            .collect()
    };
    let fed = feeder
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()));
    if !left.is_empty() {
        tokio::task::block_in_place(|| lock(&shared.recorder).write(&left))?;
        shared.not_sent(left.len() as u64);
    }
    shared.bar.finish_and_clear();
    let listed = lock(&shared.looks).finish()?;
    if let Some(failure) = broken {
        return Err(failure);
    }
    fed?;
    let interrupted = interrupted.load(std::sync::atomic::Ordering::SeqCst) || summary.cancelled;
    let tally = lock(&shared.tally);
    Ok(done(
        args,
        &tally,
        journal.as_deref(),
        &needs_look_path,
        listed,
        interrupted,
        summary.granted + summary.partially_granted + summary.failed + summary.unknown,
    ))
}

/// The final report: a row per outcome, and where the journal and the
/// needs-look CSV are.
fn done(
    args: &BulkInviteArgs,
    tally: &Tally,
    journal: Option<&Path>,
    needs_look: &Path,
    listed: u64,
    interrupted: bool,
    sent: usize,
) -> Done {
    let shown = |path: &Path| path.display().to_string();
    let mut report = Report {
        columns: vec!["outcome", "rows"],
        title: Some(format!(
            "bulk invite {}: {} rows{}\njournal: {}\nneeds a look: {listed} rows, in {}",
            args.file.display(),
            tally.total(),
            if interrupted {
                " (interrupted: resume with --resume)"
            } else {
                ""
            },
            journal.map_or_else(|| "none (--no-journal)".to_owned(), shown),
            shown(needs_look),
        )),
        ..Report::default()
    };
    for state in State::ALL {
        let count = tally.of(state);
        if count > 0 || matches!(state, State::Granted | State::Failed | State::Unknown) {
            report
                .rows
                .push(vec![state.as_str().to_owned(), count.to_string()]);
        }
        report
            .extra
            .insert(state.as_str().replace('-', "_"), json!(count));
    }
    report.extra.insert("file".into(), json!(shown(&args.file)));
    report.extra.insert("total".into(), json!(tally.total()));
    report.extra.insert("sent".into(), json!(sent));
    report
        .extra
        .insert("recorded_earlier".into(), json!(tally.carried));
    report
        .extra
        .insert("journal".into(), json!(journal.map(shown)));
    report
        .extra
        .insert("needs_look".into(), json!(shown(needs_look)));
    report.extra.insert("needs_look_rows".into(), json!(listed));
    report
        .extra
        .insert("interrupted".into(), json!(interrupted));
    Done {
        report,
        code: tally.code(),
    }
}

/// The first Ctrl-C stops the run (batches on the wire finish and are
/// recorded); a second one exits at once: the journal is consistent at
/// every commit (WAL), and what was on the wire is `dispatched`, of
/// unknown fate, for `--resume` to sort out.
async fn ctrl_c(
    cancel: graph_core::bulk::CancelHandle,
    interrupted: Arc<std::sync::atomic::AtomicBool>,
    bar: ProgressBar,
) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
    cancel.cancel();
    bar.suspend(|| {
        eprintln!("interrupted: finishing the requests on the wire (Ctrl-C again to quit now)");
    });
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("quit: rows on the wire are recorded as dispatched; --resume sorts them out");
        std::process::exit(Code::Unknown as i32);
    }
}
