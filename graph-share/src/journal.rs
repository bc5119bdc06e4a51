//! The journal: a SQLite file that long runs (`bulk invite`, `audit`) write
//! every outcome to before they report it, so that a run killed at any
//! point (Ctrl-C, `kill -9`, power loss) can be resumed without losing or
//! repeating work.
//!
//! This module only opens the file, the same way for every kind of run;
//! each run keeps its own tables (created by its module) and says what it
//! is in the `run` table, so that `--resume` of one kind never reads the
//! journal of another.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::exit::Failure;

/// Marks a SQLite file as a graph-share journal (`PRAGMA application_id`),
/// so that `--resume` refuses any other database. "GSJ1" in ASCII.
const APPLICATION_ID: i32 = 0x4753_4A31;

/// Opens (creating if `create`) the journal at `path` for a run of `kind`.
///
/// WAL with `synchronous = FULL`: each committed transaction is on disk
/// before `commit` returns, so a row the run reported survives power loss
/// (SQLite's "Write-Ahead Logging" and "PRAGMA synchronous" pages), and a
/// run killed mid-transaction leaves the last commit intact. The file is
/// created readable by its owner only: it names the tenant's items and
/// the people they were shared with.
pub fn open(path: &Path, kind: &str, create: bool) -> Result<Connection, Failure> {
    let shown = path.display();
    let exists = path.exists();
    if !exists && !create {
        return Err(Failure::usage(format!(
            "no journal at {shown} to resume (run without --resume to start one)"
        )));
    }
    if exists && create {
        return Err(Failure::usage(format!(
            "a journal already exists at {shown}: resume it with --resume, or choose another --journal"
        )));
    }
    if !exists {
        create_private(path)
            .map_err(|e| Failure::usage(format!("could not create the journal {shown}: {e}")))?;
    }
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Failure::usage(format!("could not open the journal {shown}: {e}")))?;
    let not_a_journal =
        |e: rusqlite::Error| Failure::usage(format!("{shown} is not a graph-share journal ({e})"));
    let id: i32 = connection
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(not_a_journal)?;
    if exists && id != APPLICATION_ID {
        return Err(Failure::usage(format!(
            "{shown} is not a graph-share journal"
        )));
    }
    connection
        .execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        ))
        .map_err(not_a_journal)?;
    let recorded: Option<String> = connection
        .query_row("SELECT value FROM run WHERE key = 'kind'", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(not_a_journal)?;
    match recorded {
        Some(found) if found != kind => Err(Failure::usage(format!(
            "{shown} is the journal of a `{found}` run, not of `{kind}`"
        ))),
        Some(_) => Ok(connection),
        None => {
            connection
                .execute("INSERT INTO run (key, value) VALUES ('kind', ?1)", [kind])
                .map_err(not_a_journal)?;
            Ok(connection)
        }
    }
}

/// Creates an empty file only its owner may read or write.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "graph-share-journal-{}-{}",
            std::process::id(),
            fastrand_suffix()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn fastrand_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    }

    #[test]
    fn a_new_journal_is_private_wal_and_remembers_its_kind() {
        let path = dir().join("j.db");
        let connection = open(&path, "bulk-invite", true).expect("created");
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        let synchronous: i64 = connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("synchronous");
        assert_eq!(synchronous, 2, "FULL");
        drop(connection);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(open(&path, "bulk-invite", false).is_ok());
        let other = open(&path, "audit", false).expect_err("another kind");
        assert!(other.message.contains("`bulk-invite`"), "{}", other.message);
        let again = open(&path, "bulk-invite", true).expect_err("exists");
        assert!(again.message.contains("--resume"), "{}", again.message);
    }

    #[test]
    fn resuming_needs_a_journal_and_refuses_other_files() {
        let dir = dir();
        let missing = open(&dir.join("none.db"), "audit", false).expect_err("missing");
        assert!(
            missing.message.contains("no journal"),
            "{}",
            missing.message
        );
        let text = dir.join("notes.txt");
        std::fs::write(
            &text,
            "not sqlite at all, just some text that is long enough",
        )
        .expect("write");
        let refused = open(&text, "audit", false).expect_err("not a database");
        assert!(
            refused.message.contains("not a graph-share journal"),
            "{}",
            refused.message
        );
        let other_db = dir.join("other.db");
        Connection::open(&other_db)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
            .expect("other database");
        let refused = open(&other_db, "audit", false).expect_err("another database");
        assert!(
            refused.message.contains("not a graph-share journal"),
            "{}",
            refused.message
        );
    }
}
