//! What `bulk invite` writes down about each row: its table in the journal
//! (one row per input line, with its state), the input file's identity,
//! and the checks `--resume` makes before anything is sent.
//!
//! A row's state goes `dispatched` (committed before the engine may send
//! it) → `granted` | `granted-not-notified` | `failed` | `unknown`; a row
//! that is not a valid invitation is `invalid` at once and never sent. A
//! row recorded but never sent (read ahead, or cancelled first) goes back
//! to `pending`. Each commit covers a block of rows, so the journal costs
//! one `fsync` per block, not per row.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Statement, params};

use super::rows::Identity;
use crate::exit::Failure;

/// The run kind in the journal's `run` table.
pub const KIND: &str = "bulk-invite";

/// Where a row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Recorded, never sent: safe to send.
    Pending,
    /// Handed to the engine: it may have been sent. Without a later
    /// outcome, its fate is unknown.
    Dispatched,
    /// Access granted, recipient notified as asked.
    Granted,
    /// Access granted, but the invitation email failed (Graph's 207).
    GrantedNotNotified,
    /// Graph refused it, or it could not be sent; nothing was granted.
    Failed,
    /// It may have been granted; it is not known.
    Unknown,
    /// Not a valid invitation; never sent.
    Invalid,
}

impl State {
    /// Every state, in report order.
    pub const ALL: [State; 7] = [
        State::Granted,
        State::GrantedNotNotified,
        State::Failed,
        State::Unknown,
        State::Invalid,
        State::Pending,
        State::Dispatched,
    ];

    /// The journal's (and the reports') spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Dispatched => "dispatched",
            State::Granted => "granted",
            State::GrantedNotNotified => "granted-not-notified",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::Invalid => "invalid",
        }
    }

    fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the row goes in the needs-look CSV.
    pub fn needs_look(self) -> bool {
        matches!(
            self,
            State::Failed | State::Unknown | State::Invalid | State::GrantedNotNotified
        )
    }
}

/// One row's record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The line the row starts on.
    pub line: u64,
    /// Its content's hash.
    pub hash: String,
    /// The item as written (a sharing URL without its query).
    pub item: String,
    /// The recipient as written.
    pub recipient: String,
    /// The role as written.
    pub role: String,
    /// Where it stands now.
    pub state: State,
    /// Why, in one line (empty when granted).
    pub detail: String,
    /// Times it was sent in this write (added to the journal's count).
    pub attempts: u32,
}

/// The journal's table for `bulk invite`, or nothing (`--no-journal`).
pub struct Recorder {
    journal: Option<Connection>,
}

impl Recorder {
    /// Records nothing.
    pub fn none() -> Self {
        Self { journal: None }
    }

    /// A new journal at `path` for the input `identity`.
    pub fn create(path: &Path, input: &Path, identity: &Identity) -> Result<Self, Failure> {
        let connection = crate::journal::open(path, KIND, true)?;
        let failed =
            |e: rusqlite::Error| Failure::usage(format!("journal {}: {e}", path.display()));
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS invite_row (
                    line INTEGER PRIMARY KEY,
                    hash TEXT NOT NULL,
                    item TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    role TEXT NOT NULL,
                    state TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    dispatches INTEGER NOT NULL
                 );",
            )
            .map_err(failed)?;
        for (key, value) in [
            ("input", input.display().to_string()),
            ("input_size", identity.size.to_string()),
            ("input_hash", identity.hash.clone()),
        ] {
            connection
                .execute(
                    "INSERT OR REPLACE INTO run (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )
                .map_err(failed)?;
        }
        Ok(Self {
            journal: Some(connection),
        })
    }

    /// The journal at `path`, for resuming a run over `input`: refused
    /// (one line, before anything is sent) unless it is a `bulk invite`
    /// journal of this very file, unchanged.
    pub fn resume(path: &Path, input: &Path, identity: &Identity) -> Result<Self, Failure> {
        let connection = crate::journal::open(path, KIND, false)?;
        let shown = path.display();
        let value = |key: &str| -> Result<Option<String>, Failure> {
            connection
                .query_row("SELECT value FROM run WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(|e| Failure::usage(format!("journal {shown}: {e}")))
        };
        let (size, hash) = (value("input_size")?, value("input_hash")?);
        if size.is_none() || hash.is_none() {
            return Err(Failure::usage(format!(
                "journal {shown} does not say which file it was started on: resume refused"
            )));
        }
        if size.as_deref() != Some(identity.size.to_string().as_str())
            || hash.as_deref() != Some(identity.hash.as_str())
        {
            return Err(Failure::usage(format!(
                "{} has changed since journal {shown} was started on it: resume refused (start a new run with another --journal)",
                input.display()
            )));
        }
        Ok(Self {
            journal: Some(connection),
        })
    }

    /// What the journal says of the row at `line`: its hash and state.
    pub fn lookup(&self, line: u64) -> Result<Option<(String, State, String)>, Failure> {
        let Some(connection) = &self.journal else {
            return Ok(None);
        };
        let found: Option<(String, String, String)> = connection
            .prepare_cached("SELECT hash, state, detail FROM invite_row WHERE line = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([line as i64], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
            })
            .map_err(|e| Failure::new(crate::exit::Code::Unknown, format!("journal: {e}")))?;
        Ok(found.and_then(|(hash, state, detail)| {
            State::parse(&state).map(|state| (hash, state, detail))
        }))
    }

    /// Writes `entries` in one transaction: on disk when this returns.
    pub fn write(&mut self, entries: &[Entry]) -> Result<(), Failure> {
        let Some(connection) = &mut self.journal else {
            return Ok(());
        };
        if entries.is_empty() {
            return Ok(());
        }
        let failed = |e: rusqlite::Error| {
            Failure::new(
                crate::exit::Code::Unknown,
                format!("the journal could not be written ({e})"),
            )
        };
        let transaction = connection.transaction().map_err(failed)?;
        let mut rest = entries;
        // Many rows per statement: SQLite's cost is mostly per statement
        // run, not per row. Chunk sizes are powers of two, so that any
        // count takes at most one statement of each size, each prepared
        // once per connection.
        for rows in UPSERT_ROWS {
            while rest.len() >= rows {
                let (chunk, after) = rest.split_at(rows);
                rest = after;
                let mut upsert = transaction
                    .prepare_cached(&upsert_sql(rows))
                    .map_err(failed)?;
                for (n, entry) in chunk.iter().enumerate() {
                    bind(&mut upsert, n * COLUMNS, entry).map_err(failed)?;
                }
                upsert.raw_execute().map_err(failed)?;
            }
        }
        transaction.commit().map_err(failed)
    }
}

/// Values each row binds in [`upsert_sql`].
const COLUMNS: usize = 9;

/// The rows one upsert statement writes, largest first: 64 × 9 values
/// stays far below SQLite's limit of 32,766 bound values a statement
/// (sqlite.org/limits.html, "Maximum Number Of Host Parameters").
const UPSERT_ROWS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// One statement writing `rows` rows: a new row is inserted whole; a row
/// already recorded takes the new state and detail, and adds to its
/// counts (SQLite's UPSERT, sqlite.org/lang_upsert.html).
fn upsert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO invite_row
            (line, hash, item, recipient, role, state, detail, attempts, dispatches)
         VALUES ",
    );
    for n in 0..rows {
        if n > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,?)");
    }
    sql.push_str(
        " ON CONFLICT(line) DO UPDATE SET
            state = excluded.state,
            detail = excluded.detail,
            attempts = attempts + excluded.attempts,
            dispatches = dispatches + excluded.dispatches",
    );
    sql
}

/// Binds `entry` as the row whose first value is at `offset` (from 0).
fn bind(statement: &mut Statement<'_>, offset: usize, entry: &Entry) -> rusqlite::Result<()> {
    let at = offset + 1;
    statement.raw_bind_parameter(at, entry.line as i64)?;
    statement.raw_bind_parameter(at + 1, &entry.hash)?;
    statement.raw_bind_parameter(at + 2, &entry.item)?;
    statement.raw_bind_parameter(at + 3, &entry.recipient)?;
    statement.raw_bind_parameter(at + 4, &entry.role)?;
    statement.raw_bind_parameter(at + 5, entry.state.as_str())?;
    statement.raw_bind_parameter(at + 6, &entry.detail)?;
    statement.raw_bind_parameter(at + 7, entry.attempts)?;
    statement.raw_bind_parameter(at + 8, u32::from(entry.state == State::Dispatched))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("graph-share-record-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn entry(line: u64, state: State) -> Entry {
        Entry {
            line,
            hash: "h".into(),
            item: "/drives/d/items/1".into(),
            recipient: "a@b.c".into(),
            role: "read".into(),
            state,
            detail: String::new(),
            attempts: u32::from(state != State::Dispatched),
        }
    }

    #[test]
    fn a_row_moves_through_its_states_and_resume_checks_the_file() {
        let dir = scratch("states");
        let (journal, input) = (dir.join("j"), dir.join("in.csv"));
        let identity = Identity {
            size: 10,
            lines: 2,
            hash: "abc".into(),
        };
        let mut recorder = Recorder::create(&journal, &input, &identity).expect("created");
        recorder
            .write(&[entry(2, State::Dispatched), entry(3, State::Invalid)])
            .expect("written");
        recorder
            .write(&[entry(2, State::Granted)])
            .expect("written");
        assert_eq!(recorder.lookup(2).unwrap().unwrap().1, State::Granted);
        assert_eq!(recorder.lookup(3).unwrap().unwrap().1, State::Invalid);
        assert!(recorder.lookup(4).unwrap().is_none());
        drop(recorder);

        let resumed = Recorder::resume(&journal, &input, &identity).expect("same file");
        assert_eq!(resumed.lookup(2).unwrap().unwrap().1, State::Granted);
        let changed = Identity {
            hash: "abd".into(),
            ..identity
        };
        let refused = Recorder::resume(&journal, &input, &changed)
            .err()
            .expect("refused");
        assert!(
            refused.message.contains("has changed"),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains('\n'));
    }

    #[test]
    fn a_write_of_any_length_records_every_row_once_across_statement_sizes() {
        let dir = scratch("chunks");
        let identity = Identity {
            size: 1,
            lines: 1,
            hash: "x".into(),
        };
        let mut recorder =
            Recorder::create(&dir.join("j"), &dir.join("in.csv"), &identity).expect("created");
        // 64 + 32 + 4 + 2 + 1: one statement of each size, and a remainder.
        let dispatched: Vec<Entry> = (2..105)
            .map(|line| entry(line, State::Dispatched))
            .collect();
        recorder.write(&dispatched).expect("dispatched");
        // Outcomes for every other row, then the same rows once more.
        let granted: Vec<Entry> = (2..105)
            .step_by(2)
            .map(|line| entry(line, State::Granted))
            .collect();
        recorder.write(&granted).expect("granted");
        recorder.write(&granted).expect("granted again");
        let connection = recorder.journal.as_ref().expect("a journal");
        let rows: Vec<(i64, String, u32, u32)> = connection
            .prepare("SELECT line, state, attempts, dispatches FROM invite_row ORDER BY line")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })?
                    .collect()
            })
            .expect("read back");
        assert_eq!(rows.len(), 103);
        for (line, state, attempts, dispatches) in rows {
            let answered = line % 2 == 0;
            let expected = if answered { "granted" } else { "dispatched" };
            assert_eq!(state, expected, "line {line}");
            assert_eq!(attempts, if answered { 2 } else { 0 }, "line {line}");
            assert_eq!(dispatches, 1, "line {line}");
        }
    }
}
