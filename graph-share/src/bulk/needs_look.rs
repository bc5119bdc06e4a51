//! The CSV of the rows that need a look (failed, unknown, invalid,
//! granted-not-notified), written as their outcomes are known so that it
//! never needs the whole run in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::record::Entry;
use crate::exit::Failure;

/// The columns of the needs-look CSV.
const COLUMNS: [&str; 6] = ["line", "item", "recipient", "role", "outcome", "detail"];

/// The needs-look CSV being written.
pub struct NeedsLook {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl NeedsLook {
    /// Creates (or empties) the file at `path`, readable by its owner only
    /// (it names the people items are shared with), with its header row.
    pub fn create(path: &Path) -> Result<Self, Failure> {
        let shown = path.display();
        let cannot =
            |e: &dyn std::fmt::Display| Failure::usage(format!("cannot write {shown}: {e}"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|e| cannot(&e))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer.write_record(COLUMNS).map_err(|e| cannot(&e))?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            rows: 0,
        })
    }

    /// Adds `entry` if its state needs a look.
    pub fn add(&mut self, entry: &Entry) -> Result<(), Failure> {
        if !entry.state.needs_look() {
            return Ok(());
        }
        self.rows += 1;
        self.writer
            .write_record([
                entry.line.to_string().as_str(),
                &entry.item,
                &entry.recipient,
                &entry.role,
                entry.state.as_str(),
                &entry.detail,
            ])
            .map_err(|e| self.failed(&e))
    }

    /// Flushes the file; returns how many rows it lists.
    pub fn finish(&mut self) -> Result<u64, Failure> {
        self.writer.flush().map_err(|e| self.failed(&e))?;
        Ok(self.rows)
    }

    fn failed(&self, error: &dyn std::fmt::Display) -> Failure {
        Failure::new(
            crate::exit::Code::Unknown,
            format!("cannot write {}: {error}", self.path.display()),
        )
    }
}
