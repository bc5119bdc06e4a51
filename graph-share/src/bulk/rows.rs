//! The rows of a `bulk invite` CSV, read one at a time (the file is never
//! held in memory whole), each checked on its own: a row that cannot be
//! read or is not a valid invitation is reported by its line, and the
//! rows after it are still read.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use csv::ByteRecord;
use graph_core::drive::model::Role;
use time::OffsetDateTime;

use crate::cli::parse_expiry;
use crate::exit::Failure;
use crate::item::ItemArg;

/// What the header row must name, and what it may.
const COLUMNS_HELP: &str =
    "columns: item, recipient, role (read|write); optional: message, notify (true|false), expires";

/// Where each column is in a row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    count: usize,
    item: usize,
    recipient: usize,
    role: usize,
    message: Option<usize>,
    notify: Option<usize>,
    expires: Option<usize>,
}

/// One invitation as a row asks for it.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The item: a Graph path, or a sharing URL to resolve.
    pub item: ItemArg,
    /// Who to invite (an email address).
    pub recipient: String,
    /// The access to grant.
    pub role: Role,
    /// The invitation email's message.
    pub message: Option<String>,
    /// Whether to send the invitation email (`notify`, default true).
    pub notify: bool,
    /// When the access ends.
    pub expires: Option<OffsetDateTime>,
}

/// One row of the file.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// A hash of the row's content, to tell a changed row on `--resume`.
    pub hash: String,
    /// The item as written (a sharing URL without its query), for reports.
    pub item: String,
    /// The recipient as written.
    pub recipient: String,
    /// The role as written.
    pub role: String,
    /// The invitation, or why the row is not one (one line).
    pub invitation: Result<Invitation, String>,
}

/// The rows of one CSV file, in order.
pub struct Rows<R: Read> {
    reader: csv::Reader<R>,
    columns: Columns,
    record: ByteRecord,
}

/// Opens `path` and reads its header row; a file that cannot be read, or
/// whose header lacks a required column, is a usage error.
pub fn open(path: &Path) -> Result<Rows<BufReader<File>>, Failure> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
    Rows::new(BufReader::new(file)).map_err(|e| Failure::usage(format!("{shown}: {e}")))
}

impl<R: Read> Rows<R> {
    /// Reads the header row of `input`.
    pub fn new(input: R) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            // Rows of the wrong length are reported one by one, not as a
            // stop of the whole file.
            .flexible(true)
            .has_headers(true)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| format!("the header row cannot be read ({e})"))?
            .clone();
        let names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_ascii_lowercase())
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        let required = |name: &str| {
            find(name)
                .ok_or_else(|| format!("the header row has no `{name}` column ({COLUMNS_HELP})"))
        };
        let columns = Columns {
            count: names.len(),
            item: required("item")?,
            recipient: required("recipient")?,
            role: required("role")?,
            message: find("message"),
            notify: find("notify"),
            expires: find("expires"),
        };
        Ok(Self {
            reader,
            columns,
            record: ByteRecord::new(),
        })
    }

    /// The next row, or `None` at the end. An error is the file itself
    /// failing to read (not a bad row): the run cannot go on past it.
    pub fn next_row(&mut self) -> Result<Option<Row>, String> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(self.row())),
            Err(e) => Err(format!("the file cannot be read past here ({e})")),
        }
    }

    fn row(&self) -> Row {
        let record = &self.record;
        let line = record.position().map_or(0, csv::Position::line);
        let text = |index: Option<usize>| {
            index
                .and_then(|i| record.get(i))
                .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
                .unwrap_or_default()
        };
        let item = text(Some(self.columns.item));
        Row {
            line,
            hash: hash_fields(record),
            item: match item.parse::<ItemArg>() {
                Ok(parsed) => parsed.to_string(),
                // Shown as written, but never with a query (it may carry a credential).
                Err(_) => item.split(['?', '#']).next().unwrap_or_default().to_owned(),
            },
            recipient: text(Some(self.columns.recipient)),
            role: text(Some(self.columns.role)),
            invitation: self.invitation(),
        }
    }

    fn invitation(&self) -> Result<Invitation, String> {
        let record = &self.record;
        let columns = &self.columns;
        if record.len() != columns.count {
            return Err(format!(
                "{} fields where the header has {}",
                record.len(),
                columns.count
            ));
        }
        let field = |index: usize| -> Result<&str, String> {
            let bytes = record.get(index).unwrap_or_default();
            std::str::from_utf8(bytes)
                .map(str::trim)
                .map_err(|_| "not UTF-8 text".to_owned())
        };
        let optional = |index: Option<usize>| -> Result<Option<&str>, String> {
            Ok(index
                .map(field)
                .transpose()?
                .filter(|text| !text.is_empty()))
        };
        let item = field(columns.item)?;
        if item.is_empty() {
            return Err("no item".to_owned());
        }
        let item = item.parse::<ItemArg>().map_err(|e| format!("item: {e}"))?;
        let recipient = field(columns.recipient)?;
        if recipient.is_empty() {
            return Err("no recipient".to_owned());
        }
        let role = match field(columns.role)?.to_ascii_lowercase().as_str() {
            "read" => Role::Read,
            "write" => Role::Write,
            other => return Err(format!("unknown role `{other}` (read or write)")),
        };
        let notify = match optional(columns.notify)?
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => return Err(format!("notify: `{other}` is not true or false")),
        };
        let expires = optional(columns.expires)?
            .map(parse_expiry)
            .transpose()
            .map_err(|e| format!("expires: {e}"))?;
        Ok(Invitation {
            item,
            recipient: recipient.to_owned(),
            role,
            message: optional(columns.message)?.map(str::to_owned),
            notify,
            expires,
        })
    }
}

/// A stable hash of a row's fields (FNV-1a, 64 bits), in hex: the same row
/// hashes the same on every run and every build, which `--resume` relies on.
fn hash_fields(record: &ByteRecord) -> String {
    let mut hash = Fnv::default();
    for field in record {
        hash.write(field);
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        hash.write(&[0x1f]);
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64 bits: tiny, stable, enough to notice a changed file (not a
/// defence against someone forging one).
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The identity of an input file: its size and a hash of its content,
/// read through once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Bytes.
    pub size: u64,
    /// Newlines in it (about the rows, plus the header: for the progress bar).
    pub lines: u64,
    /// FNV-1a of the whole content, in hex.
    pub hash: String,
}

/// Reads `path` through once for its [`Identity`].
pub fn identity(path: &Path) -> Result<Identity, Failure> {
    let shown = path.display();
    let mut file =
        File::open(path).map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
    let mut hash = Fnv::default();
    let mut size = 0u64;
    let mut lines = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
        if read == 0 {
            break;
        }
        size += read as u64;
        lines += buffer[..read].iter().filter(|b| **b == b'\n').count() as u64;
        hash.write(&buffer[..read]);
    }
    Ok(Identity {
        size,
        lines,
        hash: format!("{:016x}", hash.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<Row> {
        let mut rows = Rows::new(text).expect("header");
        let mut all = Vec::new();
        while let Some(row) = rows.next_row().expect("readable") {
            all.push(row);
        }
        all
    }

    #[test]
    fn each_row_is_an_invitation_or_one_reason_by_its_line() {
        let all = rows(
            b"Item,recipient,role,notify,expires,message\n\
              /drives/d/items/1,a@contoso.com,read,,,\n\
              /drives/d/items/1,b@contoso.com,WRITE,false,2026-12-31,\"hello, there\"\n\
              /drives/d/items/1,c@contoso.com,owner,,,\n\
              /drives/d,d@contoso.com,read,,,\n\
              /drives/d/items/1,e@contoso.com,read\n\
              /drives/d/items/1,f@contoso.com,read,maybe,,\n\
              /drives/d/items/1,\xff@contoso.com,read,,,\n\
              https://contoso.sharepoint.com/:w:/s/x/abc?e=SeCrEt,g@contoso.com,read,,,\n",
        );
        assert_eq!(all.len(), 8);
        assert_eq!(
            all.iter().map(|r| r.line).collect::<Vec<_>>(),
            (2..=9).collect::<Vec<_>>()
        );
        let first = all[0].invitation.as_ref().unwrap();
        assert!(first.notify && first.expires.is_none() && first.message.is_none());
        let second = all[1].invitation.as_ref().unwrap();
        assert!(!second.notify && second.role == Role::Write);
        assert_eq!(second.message.as_deref(), Some("hello, there"));
        assert!(second.expires.is_some());
        let reason = |n: usize| all[n].invitation.as_ref().unwrap_err().clone();
        assert!(reason(2).contains("unknown role `owner`"), "{}", reason(2));
        assert!(reason(3).starts_with("item: "), "{}", reason(3));
        assert!(
            reason(4).contains("3 fields where the header has 6"),
            "{}",
            reason(4)
        );
        assert!(reason(5).contains("notify"), "{}", reason(5));
        assert!(reason(6).contains("UTF-8"), "{}", reason(6));
        assert!(all[7].invitation.is_ok());
        assert!(!all[7].item.contains("SeCrEt"), "{}", all[7].item);
    }

    #[test]
    fn a_header_without_a_required_column_is_refused_and_hashes_are_stable() {
        let missing = Rows::new(&b"item,recipient\nx,y\n"[..])
            .err()
            .expect("refused");
        assert!(missing.contains("`role`"), "{missing}");
        let a = rows(b"item,recipient,role\n/drives/d/items/1,a@b.c,read\n");
        let b = rows(b"item,recipient,role\n/drives/d/items/1,a@b.c,write\n");
        let again = rows(b"item,recipient,role\n/drives/d/items/1,a@b.c,read\n");
        assert_eq!(a[0].hash, again[0].hash);
        assert_ne!(a[0].hash, b[0].hash);
        assert_eq!(
            a[0].hash, "2786570b8155a000",
            "FNV-1a of the fields, each followed by 0x1f: the same on every build"
        );
    }
}
