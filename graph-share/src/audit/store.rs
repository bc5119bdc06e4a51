//! The audit's tables in its journal: the folders to list (with the page
//! link in progress), the items whose permissions to fetch, and the
//! findings. Every change is one transaction (a listed page, or a block of
//! permission outcomes), so a run killed at any point resumes from the
//! last page and the last permissions it recorded.
//!
//! States: a folder is `queued` (its next page to list: from the start, or
//! from `next_link`), `done`, `failed` or `unknown`; an item is `pending`,
//! `done` (its permissions and findings recorded), `failed` or `unknown`.
//! The page link is an `@odata.nextLink`: its `$skiptoken` is a cursor the
//! resumed run needs, kept in the private journal and never printed.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::finding::Finding;
use crate::exit::Failure;
use crate::journal;

/// The kind of run recorded in the journal's `run` table.
const KIND: &str = "audit";

/// The audit's journal.
pub struct Store {
    connection: Connection,
    shown: String,
}

/// A folder whose next page is to be listed.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Its row.
    pub id: i64,
    /// Its address (a Graph path `ItemLocator` reads).
    pub locator: String,
    /// Its path in the drive, for the report.
    pub path: String,
    /// The page to list next; `None` for the first.
    pub next_link: Option<String>,
}

/// An item whose permissions are to be fetched.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Its row.
    pub id: i64,
    /// Its address (a Graph path `ItemLocator` reads).
    pub locator: String,
    /// Its path in the drive, for the report.
    pub path: String,
    /// Whether the audit starts at it (its inherited permissions come from
    /// outside the audited tree, so they are reported on it).
    pub is_start: bool,
}

/// A child a listed page named.
#[derive(Debug, Clone)]
pub struct Child {
    /// Its address.
    pub locator: String,
    /// Its path in the drive.
    pub path: String,
    /// Whether it is a folder (to be listed in turn).
    pub folder: bool,
}

/// How a folder listing or a permissions fetch ended, when it did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Graph refused it (403, 404, …).
    Failed,
    /// No usable answer: whether it was read is not known.
    Unknown,
}

impl Trouble {
    fn state(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

/// How fetching one item's permissions ended.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// Read: the findings among them.
    Read(Vec<Finding>),
    /// Not read, and why.
    Trouble(Trouble, String),
}

/// Counts for the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Items whose permissions are recorded.
    pub items_done: u64,
    /// Items not yet fetched.
    pub items_pending: u64,
    /// Folders still to list.
    pub folders_left: u64,
    /// Folders listed to the end.
    pub folders_done: u64,
    /// Findings recorded.
    pub findings: u64,
    /// Folders and items Graph refused.
    pub failed: u64,
    /// Folders and items whose answer was never read.
    pub unknown: u64,
}

fn sql(shown: &str) -> impl Fn(rusqlite::Error) -> Failure + '_ {
    move |e| Failure::graph_text(format!("the journal {shown} could not be written: {e}"))
}

impl Store {
    /// Opens the journal at `path`: a new one for `start` (the item's
    /// Graph path; `start_path` its path for the report), or, with `resume`, the one a run of the same item left,
    /// whose failed and unknown folders and items are queued again (a read
    /// is safe to repeat; recorded ones are not read again).
    pub fn open(path: &Path, start: &str, start_path: &str, resume: bool) -> Result<Self, Failure> {
        let connection = journal::open(path, KIND, !resume)?;
        let shown = path.display().to_string();
        let owned = shown.clone();
        let err = sql(&owned);
        let store = Self { connection, shown };
        // The audit only reads from Graph: a commit lost to a power cut (not
        // to a killed process: WAL keeps every commit once it returns) only
        // means those items are fetched again on resume, and WAL with
        // `synchronous = NORMAL` never corrupts the file (SQLite, "PRAGMA
        // synchronous": "WAL mode is always consistent with
        // synchronous=NORMAL"). So the audit does not `fsync` every commit;
        // `bulk invite`, whose sends are not safe to repeat, keeps FULL.
        // A larger auto-checkpoint (16 MiB of WAL, not 4) copies each page
        // to the database file fewer times.
        store
            .connection
            .execute_batch(
                "PRAGMA synchronous = NORMAL;
                 PRAGMA wal_autocheckpoint = 4000;
                 CREATE TABLE IF NOT EXISTS folders (
                    id INTEGER PRIMARY KEY,
                    locator TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    state TEXT NOT NULL,
                    next_link TEXT,
                    detail TEXT);
                 CREATE TABLE IF NOT EXISTS items (
                    id INTEGER PRIMARY KEY,
                    locator TEXT NOT NULL UNIQUE,
                    path TEXT NOT NULL,
                    is_start INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL,
                    detail TEXT);
                 CREATE INDEX IF NOT EXISTS folders_by_state ON folders (state, id);
                 CREATE TABLE IF NOT EXISTS findings (
                    id INTEGER PRIMARY KEY,
                    item INTEGER NOT NULL REFERENCES items (id),
                    path TEXT, finding TEXT, scope TEXT, type TEXT, roles TEXT,
                    grantees TEXT, external TEXT, expires TEXT, password TEXT,
                    inherited_from TEXT, permission_id TEXT, link_url TEXT);",
            )
            .map_err(&err)?;
        let recorded: Option<String> = store
            .connection
            .query_row("SELECT value FROM run WHERE key = 'item'", [], |r| r.get(0))
            .optional()
            .map_err(&err)?;
        match recorded {
            Some(item) if item != start => {
                return Err(Failure::usage(format!(
                    "{} is the journal of the audit of {item}, not of {start}",
                    store.shown
                )));
            }
            Some(_) => {
                store
                    .connection
                    .execute_batch(
                        "BEGIN;
                         UPDATE folders SET state = 'queued', detail = NULL WHERE state IN ('failed', 'unknown');
                         UPDATE items SET state = 'pending', detail = NULL WHERE state IN ('failed', 'unknown');
                         COMMIT;",
                    )
                    .map_err(&err)?;
            }
            None => {
                store.connection.execute_batch("BEGIN;").map_err(&err)?;
                store
                    .connection
                    .execute("INSERT INTO run (key, value) VALUES ('item', ?1)", [start])
                    .map_err(&err)?;
                store
                    .connection
                    .execute(
                        "INSERT INTO folders (locator, path, state) VALUES (?1, ?2, 'queued')",
                        [start, start_path],
                    )
                    .map_err(&err)?;
                store
                    .connection
                    .execute(
                        "INSERT INTO items (locator, path, is_start, state) VALUES (?1, ?2, 1, 'pending')",
                        [start, start_path],
                    )
                    .map_err(&err)?;
                store.connection.execute_batch("COMMIT;").map_err(&err)?;
            }
        }
        Ok(store)
    }

    /// The journal's path, as shown to the user.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The first folder still to list, breadth first.
    pub fn next_folder(&self) -> Result<Option<Folder>, Failure> {
        self.connection
            .query_row(
                "SELECT id, locator, path, next_link FROM folders WHERE state = 'queued' ORDER BY id LIMIT 1",
                [],
                |r| {
                    Ok(Folder {
                        id: r.get(0)?,
                        locator: r.get(1)?,
                        path: r.get(2)?,
                        next_link: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(sql(&self.shown))
    }

    /// Records one listed page of `folder` in one transaction: its children
    /// (items to fetch, and folders to list), and where the listing goes on
    /// (`next_link`), or that it is done. A page recorded is never listed again.
    pub fn record_page(
        &mut self,
        folder: i64,
        children: &[Child],
        next_link: Option<&str>,
    ) -> Result<(), Failure> {
        let err = sql(&self.shown);
        let tx = self.connection.transaction().map_err(&err)?;
        {
            let mut item = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO items (locator, path, state) VALUES (?1, ?2, 'pending')",
                )
                .map_err(&err)?;
            let mut sub = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO folders (locator, path, state) VALUES (?1, ?2, 'queued')",
                )
                .map_err(&err)?;
            for child in children {
                item.execute(params![child.locator, child.path])
                    .map_err(&err)?;
                if child.folder {
                    sub.execute(params![child.locator, child.path])
                        .map_err(&err)?;
                }
            }
        }
        match next_link {
            Some(link) => tx.execute(
                "UPDATE folders SET next_link = ?2 WHERE id = ?1",
                params![folder, link],
            ),
            None => tx.execute(
                "UPDATE folders SET state = 'done', next_link = NULL WHERE id = ?1",
                [folder],
            ),
        }
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Records that listing `folder` failed or went unanswered; its page
    /// link stays, so a resumed run lists from there.
    pub fn folder_trouble(
        &self,
        folder: i64,
        trouble: Trouble,
        detail: &str,
    ) -> Result<(), Failure> {
        self.connection
            .execute(
                "UPDATE folders SET state = ?2, detail = ?3 WHERE id = ?1",
                params![folder, trouble.state(), detail],
            )
            .map(drop)
            .map_err(sql(&self.shown))
    }

    /// How many folders are still to list.
    pub fn folders_left(&self) -> Result<u64, Failure> {
        self.connection
            .prepare_cached("SELECT COUNT(*) FROM folders WHERE state = 'queued'")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map(|n| u64::try_from(n).unwrap_or_default())
            .map_err(sql(&self.shown))
    }

    /// Up to `limit` pending items after row `after`, in order: a walk of
    /// the rows from `after` on (no index on the state: updating one would
    /// write it for every item, and the feed reads forward only).
    pub fn pending_items(&self, after: i64, limit: usize) -> Result<Vec<Pending>, Failure> {
        let err = sql(&self.shown);
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT id, locator, path, is_start FROM items
                 WHERE state = 'pending' AND id > ?1 ORDER BY id LIMIT ?2",
            )
            .map_err(&err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement
            .query_map(params![after, limit], |r| {
                Ok(Pending {
                    id: r.get(0)?,
                    locator: r.get(1)?,
                    path: r.get(2)?,
                    is_start: r.get::<_, i64>(3)? != 0,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<_, _>>().map_err(&err)
    }

    /// Records how each item of a block ended, in one transaction: the
    /// findings of those read, the trouble of the others.
    pub fn record_window(&mut self, window: &[(i64, Fetched)]) -> Result<(), Failure> {
        let err = sql(&self.shown);
        let tx = self.connection.transaction().map_err(&err)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO findings (item, path, finding, scope, type, roles, grantees,
                        external, expires, password, inherited_from, permission_id, link_url)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(&err)?;
            let mut state = tx
                .prepare_cached("UPDATE items SET state = ?2, detail = ?3 WHERE id = ?1")
                .map_err(&err)?;
            for (item, fetched) in window {
                match fetched {
                    Fetched::Read(findings) => {
                        for f in findings {
                            insert
                                .execute(params![
                                    item, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8],
                                    f[9], f[10], f[11]
                                ])
                                .map_err(&err)?;
                        }
                        state
                            .execute(params![item, "done", None::<String>])
                            .map_err(&err)?;
                    }
                    Fetched::Trouble(trouble, detail) => {
                        state
                            .execute(params![item, trouble.state(), detail])
                            .map_err(&err)?;
                    }
                }
            }
        }
        tx.commit().map_err(&err)
    }

    /// How far the audit is.
    pub fn counts(&self) -> Result<Counts, Failure> {
        let err = sql(&self.shown);
        let count = |query: &str| -> Result<u64, Failure> {
            self.connection
                .query_row(query, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or_default())
                .map_err(&err)
        };
        Ok(Counts {
            items_done: count("SELECT COUNT(*) FROM items WHERE state = 'done'")?,
            items_pending: count("SELECT COUNT(*) FROM items WHERE state = 'pending'")?,
            folders_left: count("SELECT COUNT(*) FROM folders WHERE state = 'queued'")?,
            folders_done: count("SELECT COUNT(*) FROM folders WHERE state = 'done'")?,
            findings: count("SELECT COUNT(*) FROM findings")?,
            failed: count(
                "SELECT (SELECT COUNT(*) FROM folders WHERE state = 'failed')
                      + (SELECT COUNT(*) FROM items WHERE state = 'failed')",
            )?,
            unknown: count(
                "SELECT (SELECT COUNT(*) FROM folders WHERE state = 'unknown')
                      + (SELECT COUNT(*) FROM items WHERE state = 'unknown')",
            )?,
        })
    }

    /// Every finding, in the order recorded, one at a time.
    pub fn each_finding(
        &self,
        mut each: impl FnMut(&[String]) -> std::io::Result<()>,
    ) -> Result<(), Failure> {
        self.each_row(
            "SELECT path, finding, scope, type, roles, grantees, external, expires, password,
                    inherited_from, permission_id, link_url FROM findings ORDER BY id",
            12,
            &mut each,
        )
    }

    /// Every folder and item that could not be audited: its path, what
    /// could not be read, the outcome, and why.
    pub fn each_trouble(
        &self,
        mut each: impl FnMut(&[String]) -> std::io::Result<()>,
    ) -> Result<(), Failure> {
        self.each_row(
            "SELECT path, 'children', state, COALESCE(detail, '') FROM folders
                WHERE state IN ('failed', 'unknown')
             UNION ALL
             SELECT path, 'permissions', state, COALESCE(detail, '') FROM items
                WHERE state IN ('failed', 'unknown')
             ORDER BY 1, 2",
            4,
            &mut each,
        )
    }

    /// The widest cell of each column of `query`'s rows (for the table),
    /// in characters.
    pub fn widths(&self, findings: bool) -> Result<Vec<usize>, Failure> {
        let mut widths = Vec::new();
        let mut measure = |row: &[String]| {
            widths.resize(row.len(), 0);
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
            Ok(())
        };
        if findings {
            self.each_finding(&mut measure)?;
        } else {
            self.each_trouble(&mut measure)?;
        }
        Ok(widths)
    }

    fn each_row(
        &self,
        query: &str,
        columns: usize,
        each: &mut dyn FnMut(&[String]) -> std::io::Result<()>,
    ) -> Result<(), Failure> {
        let err = sql(&self.shown);
        let mut statement = self.connection.prepare(query).map_err(&err)?;
        let mut rows = statement.query([]).map_err(&err)?;
        let mut cells = vec![String::new(); columns];
        while let Some(row) = rows.next().map_err(&err)? {
            for (index, cell) in cells.iter_mut().enumerate() {
                *cell = row
                    .get::<_, Option<String>>(index)
                    .map_err(&err)?
                    .unwrap_or_default();
            }
            match each(&cells) {
                Ok(()) => {}
                // The reader went away (`| head`): nothing more to write.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                Err(e) => {
                    return Err(Failure::graph_text(format!(
                        "could not write the output: {e}"
                    )));
                }
            }
        }
        Ok(())
    }
}
