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

use rusqlite::{Connection, OptionalExtension, params};

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
        {
            let mut upsert = transaction
                .prepare_cached(
                    "INSERT INTO invite_row
                        (line, hash, item, recipient, role, state, detail, attempts, dispatches)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(line) DO UPDATE SET
                        state = excluded.state,
                        detail = excluded.detail,
                        attempts = attempts + excluded.attempts,
                        dispatches = dispatches + excluded.dispatches",
                )
                .map_err(failed)?;
            for entry in entries {
                upsert
                    .execute(params![
                        entry.line as i64,
                        entry.hash,
                        entry.item,
                        entry.recipient,
                        entry.role,
                        entry.state.as_str(),
                        entry.detail,
                        entry.attempts,
                        u32::from(entry.state == State::Dispatched),
                    ])
                    .map_err(failed)?;
            }
        }
        transaction.commit().map_err(failed)
    }
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
}
