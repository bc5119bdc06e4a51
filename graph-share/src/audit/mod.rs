//! `audit <item>`: walk a drive or folder, fetch every item's permissions
//! 20 per `$batch` through the bulk engine, and report every sharing link
//! and every grantee from outside the tenant, resumably.
//!
//! Two loops run together on one task: the walk lists folders a page at a
//! time (the queue of folders is the journal's, not memory's) and records
//! each page's children; the fetch ([`fetch`]) feeds the recorded items to
//! one bulk run as they come and records their findings in blocks as jobs
//! end, so the engine never waits for a window's slowest job.

mod fetch;
mod finding;
mod progress;
mod report;
mod store;

use std::cell::{Cell, RefCell};
use std::path::PathBuf;

use graph_core::drive::ItemLocator;
use graph_core::drive::model::DriveItem;
use graph_core::odata::Collection;
use graph_core::{Client, Error};
use tokio::sync::Notify;

use crate::cli::AuditArgs;
use crate::exit::{Code, Failure, code_of, describe};
use crate::item::display_path;
use crate::output::Format;
use store::{Child, Store, Trouble};

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
    // The start's own path in its drive is not known without asking for
    // it: a root is `/`, any other item is shown by its address.
    let start_path = match item {
        ItemLocator::MeRoot {}
        | ItemLocator::DriveRoot { .. }
        | ItemLocator::GroupRoot { .. }
        | ItemLocator::UserRoot { .. }
        | ItemLocator::SiteRoot { .. } => "/".to_owned(),
        ItemLocator::MePath { item_path } | ItemLocator::DrivePath { item_path, .. } => {
            format!("/{}", item_path.trim_matches('/'))
        }
        _ => start.clone(),
    };
    let mut store = Store::open(&path, &start, &start_path, args.resume)?;
    // Findings are judged as permissions come in: the tenant's domains first.
    crate::tenant::learn(client).await;
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
        let fetch = fetch::fetch(client, &store, &listed, &walked, &progress);
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
        // One indexed count, not the summary's: a page at a time.
        let left = store.borrow().folders_left()?;
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
    // The drive path Graph gives (`/drives/{id}/root:/A/B`, "itemReference":
    // "path"), so that rows say where an item is in its drive whatever the
    // audit started at; else the folder's own path.
    let parent = child
        .parent_reference
        .as_ref()
        .and_then(|p| p.path.as_deref())
        .and_then(|p| p.split_once("root:"))
        .map_or(folder_path, |(_, below_root)| below_root);
    let path = format!("{}/{name}", parent.trim_end_matches('/'));
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
