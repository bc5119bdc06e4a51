//! `audit <item>`: walk a drive or folder, fetch every item's permissions
//! 20 per `$batch` through the bulk engine, and report every sharing link
//! and every grantee from outside the tenant, resumably.
//!
//! Two loops run together on one task: the walk lists folders a page at a
//! time (the queue of folders is the journal's, not memory's) and records
//! each page's children; the fetch takes the recorded items in windows and
//! sends their permission listings through [`Client::bulk`], recording each
//! item's findings as its window ends. The bulk engine reports a run when it
//! ends, so windows keep what is held in memory (and what a `kill -9` can
//! lose) to one window; walking goes on while a window is on the wire.

mod finding;
mod progress;
mod report;
mod store;

use std::cell::{Cell, RefCell};
use std::path::PathBuf;

use graph_core::bulk::Outcome;
use graph_core::drive::ItemLocator;
use graph_core::drive::model::{DriveItem, Permission};
use graph_core::odata::Collection;
use graph_core::{Client, Error};
use tokio::sync::Notify;

use crate::cli::AuditArgs;
use crate::exit::{Code, Failure, code_of, describe};
use crate::item::display_path;
use crate::output::Format;
use finding::findings;
use store::{Child, Store, Trouble};

/// Items per window of permission fetches: 20 batches of 20, so that the
/// engine's 4 batches in flight stay busy for most of the window.
const WINDOW: usize = 400;

/// How many times one item's permissions are asked for before it is
/// reported as not audited.
const MAX_ATTEMPTS: u32 = 40;

/// The properties a listing asks for: what the walk reads.
const CHILD_PROPERTIES: [&str; 5] = ["id", "name", "folder", "file", "parentReference"];

/// Runs the audit of `item` and prints its report; the exit code says how
/// it ended (0, 4 when something could not be audited, 5 when an answer
/// was never read).
pub async fn audit(
    client: &Client,
    item: &ItemLocator,
    args: &AuditArgs,
    format: Format,
) -> Result<Code, Failure> {
    let start = display_path(item);
    let path = journal_path(args);
    let mut store = Store::open(&path, &start, args.resume)?;
    eprintln!(
        "note: journal {} (resume with: graph-share audit --resume --journal {} {start})",
        store.shown(),
        store.shown()
    );
    let progress = progress::Progress::start(&store.counts()?);
    {
        let store = RefCell::new(&mut store);
        let walked = Cell::new(false);
        let listed = Notify::new();
        let walk = async {
            let result = walk(client, &store, &listed, &progress).await;
            walked.set(true);
            listed.notify_one();
            result
        };
        let fetch = fetch(client, &store, &listed, &walked, &progress);
        let (walk, fetch) = tokio::join!(walk, fetch);
        walk?;
        fetch?;
    }
    progress.finish();
    let counts = store.counts()?;
    report::print(&store, format, &start, &counts)?;
    eprintln!(
        "note: {} items in {} folders audited: {} findings; {} could not be audited ({} unknown)",
        counts.items_done,
        counts.folders_done,
        counts.findings,
        counts.failed + counts.unknown,
        counts.unknown
    );
    Ok(if counts.unknown > 0 {
        Code::Unknown
    } else if counts.failed > 0 {
        Code::Partial
    } else {
        Code::Ok
    })
}

/// `--journal`, or `audit-<UTC time>.journal` in the current directory:
/// beside the user, who needs its name to resume (the tool says it).
fn journal_path(args: &AuditArgs) -> PathBuf {
    if let Some(path) = &args.journal {
        return path.clone();
    }
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let now = time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "now".into());
    PathBuf::from(format!("audit-{now}.journal"))
}

/// Lists every queued folder page by page, recording each page before the next.
async fn walk(
    client: &Client,
    store: &RefCell<&mut Store>,
    listed: &Notify,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    loop {
        // Not in the `while let`: its borrow would last the whole loop.
        let next = store.borrow().next_folder()?;
        let Some(folder) = next else {
            return Ok(());
        };
        let page = match &folder.next_link {
            Some(link) => {
                let shell = Collection::<DriveItem> {
                    next_link: Some(link.clone()),
                    ..Collection::default()
                };
                client
                    .next_page(&shell)
                    .await
                    .map(Option::unwrap_or_default)
            }
            None => match folder.locator.parse::<ItemLocator>() {
                Ok(locator) => {
                    let list = locator.list_children(None).with_select(CHILD_PROPERTIES);
                    client.send(&list).await
                }
                Err(e) => {
                    let detail = e.to_string();
                    store
                        .borrow()
                        .folder_trouble(folder.id, Trouble::Failed, &detail)?;
                    continue;
                }
            },
        };
        match page {
            Ok(page) => {
                let children: Vec<Child> = page
                    .value
                    .iter()
                    .filter_map(|child| child_of(&folder.locator, &folder.path, child))
                    .collect();
                store
                    .borrow_mut()
                    .record_page(folder.id, &children, page.next_link.as_deref())?;
                progress.listed(children.len());
                listed.notify_one();
            }
            Err(e) => {
                tracing::warn!(folder = %folder.path, error = %describe(&e), "could not list");
                store
                    .borrow()
                    .folder_trouble(folder.id, trouble_of(&e), &describe(&e))?;
            }
        }
        let left = store.borrow().counts()?.folders_left;
        progress.folders_left(left);
    }
}

/// A listed child as the walk records it: addressed by drive and id (its
/// `parentReference.driveId`, else the drive of the folder's own address),
/// its path the folder's plus its name.
fn child_of(folder_locator: &str, folder_path: &str, child: &DriveItem) -> Option<Child> {
    let id = child.id.as_deref()?;
    let drive = child
        .parent_reference
        .as_ref()
        .and_then(|p| p.drive_id.clone())
        .or_else(|| match folder_locator.parse::<ItemLocator>() {
            Ok(ItemLocator::Drive { drive_id, .. } | ItemLocator::DriveRoot { drive_id }) => {
                Some(drive_id)
            }
            _ => None,
        })?;
    let name = child.name.as_deref().unwrap_or(id);
    let path = format!("{}/{name}", folder_path.trim_end_matches('/'));
    Some(Child {
        locator: display_path(&ItemLocator::drive(drive, id)),
        path,
        folder: child.is_folder(),
    })
}

/// Whether a failed read was refused, or never answered.
fn trouble_of(error: &Error) -> Trouble {
    if code_of(error) == Code::Unknown {
        Trouble::Unknown
    } else {
        Trouble::Failed
    }
}

/// Fetches the permissions of recorded items, a window at a time, until
/// the walk has ended and no item is left.
async fn fetch(
    client: &Client,
    store: &RefCell<&mut Store>,
    listed: &Notify,
    walked: &Cell<bool>,
    progress: &progress::Progress,
) -> Result<(), Failure> {
    let mut after = 0;
    loop {
        let done_walking = walked.get();
        let window = store.borrow().pending_items(after, WINDOW)?;
        let Some(last) = window.last() else {
            if done_walking {
                return Ok(());
            }
            listed.notified().await;
            continue;
        };
        after = last.id;
        let mut jobs = Vec::with_capacity(window.len());
        let mut sent = Vec::with_capacity(window.len());
        for item in window {
            match item.locator.parse::<ItemLocator>() {
                Ok(locator) => {
                    jobs.push(locator.list_permissions(None));
                    sent.push(item);
                }
                Err(e) => {
                    store
                        .borrow()
                        .item_trouble(item.id, Trouble::Failed, &e.to_string())?;
                }
            }
        }
        // Reads are safe to repeat: under sustained throttling the audit
        // keeps going (each wait Graph's Retry-After) rather than giving an
        // item up after the engine's default 8 attempts.
        let report = client
            .bulk(jobs)
            .max_attempts(MAX_ATTEMPTS)
            .wait_for_retry_after(std::time::Duration::from_secs(600))
            .run()
            .await;
        for job in report.jobs {
            let item = &sent[job.index];
            let outcome = match job.outcome {
                Outcome::Succeeded(first) => rest_of(client, first).await,
                Outcome::Failed(e) => Err(e),
                Outcome::Unknown(e) => Err(e),
                // Never sent: still pending, for a resumed run.
                Outcome::Cancelled => continue,
                _ => continue,
            };
            match outcome {
                Ok(permissions) => {
                    let rows = findings(&item.path, &permissions, item.is_start);
                    store.borrow_mut().record_item(item.id, &rows)?;
                    progress.audited();
                }
                Err(e) => {
                    tracing::warn!(item = %item.path, error = %describe(&e), "could not read the permissions");
                    store
                        .borrow()
                        .item_trouble(item.id, trouble_of(&e), &describe(&e))?;
                }
            }
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
