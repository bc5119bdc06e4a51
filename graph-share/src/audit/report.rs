//! The audit's output, streamed from the journal row by row, so that memory
//! does not grow with the drive: a table (two passes: widths, then rows),
//! CSV, or one JSON document written as it goes.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::finding::FINDING_COLUMNS;
use super::store::{Counts, Store};
use crate::exit::Failure;
use crate::output::Format;

/// The columns of a folder or item that could not be audited.
pub const TROUBLE_COLUMNS: [&str; 4] = ["path", "could_not_read", "outcome", "detail"];

/// Prints every finding, then every folder and item that could not be
/// audited, in `format`, on stdout.
pub fn print(store: &Store, format: Format, start: &str, counts: &Counts) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e: std::io::Error| Failure::graph_text(format!("could not write the output: {e}"));
    match format {
        Format::Table => {
            ignore_broken_pipe(writeln!(out, "Audit of {start}")).map_err(io)?;
            table(store, &mut out, true, &FINDING_COLUMNS)?;
            if counts.failed + counts.unknown > 0 {
                ignore_broken_pipe(writeln!(out, "\nCould not audit:")).map_err(io)?;
                table(store, &mut out, false, &TROUBLE_COLUMNS)?;
            }
            Ok(())
        }
        Format::Csv => {
            // One table: the findings' columns then `detail`; a row that
            // could not be audited says so in `finding`.
            let mut writer = csv::Writer::from_writer(&mut out);
            let mut header: Vec<&str> = FINDING_COLUMNS.to_vec();
            header.push("detail");
            let csv_io = |e: csv::Error| std::io::Error::other(e.to_string());
            ignore_broken_pipe(writer.write_record(&header).map_err(csv_io)).map_err(io)?;
            store.each_finding(|row| {
                let mut record: Vec<&str> = row.iter().map(String::as_str).collect();
                record.push("");
                writer.write_record(&record).map_err(csv_io)
            })?;
            store.each_trouble(|row| {
                let mut record = vec![""; FINDING_COLUMNS.len() + 1];
                record[0] = &row[0];
                let finding = format!("not audited: {} {}", row[1], row[2]);
                record[1] = &finding;
                record[FINDING_COLUMNS.len()] = &row[3];
                writer.write_record(&record).map_err(csv_io)
            })?;
            ignore_broken_pipe(writer.flush()).map_err(io)
        }
        Format::Json => {
            let head = json!({
                "item": start,
                "journal": store.shown(),
                "items_audited": counts.items_done,
                "folders_listed": counts.folders_done,
                "findings_count": counts.findings,
                "could_not_audit_count": counts.failed + counts.unknown,
            });
            let Value::Object(head) = head else {
                unreachable!("a JSON object literal")
            };
            let whole = serde_json::to_string_pretty(&Value::Object(head))
                .map_err(|e| Failure::graph_text(e.to_string()))?;
            // Reopen the object to stream the two arrays into it.
            let text = whole.trim_end().trim_end_matches('}').trim_end();
            let mut write = |s: &str| ignore_broken_pipe(out.write_all(s.as_bytes()));
            write(text).map_err(io)?;
            write(",\n  \"findings\": [").map_err(io)?;
            let mut first = true;
            store.each_finding(|row| {
                let object = row_object(&FINDING_COLUMNS, row);
                let sep = if std::mem::take(&mut first) {
                    "\n    "
                } else {
                    ",\n    "
                };
                write(&format!("{sep}{object}"))
            })?;
            write("\n  ],\n  \"could_not_audit\": [").map_err(io)?;
            let mut first = true;
            store.each_trouble(|row| {
                let object = row_object(&TROUBLE_COLUMNS, row);
                let sep = if std::mem::take(&mut first) {
                    "\n    "
                } else {
                    ",\n    "
                };
                write(&format!("{sep}{object}"))
            })?;
            write("\n  ]\n}\n").map_err(io)
        }
    }
}

fn row_object(columns: &[&str], row: &[String]) -> Value {
    let object: Map<String, Value> = columns
        .iter()
        .zip(row)
        .map(|(c, v)| ((*c).to_owned(), Value::String(v.clone())))
        .collect();
    Value::Object(object)
}

/// A closed stdout (`| head`) ends the output quietly, as elsewhere in the tool.
fn ignore_broken_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Aligned columns, from two passes over the journal.
fn table(
    store: &Store,
    out: &mut impl Write,
    findings: bool,
    columns: &[&str],
) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::graph_text(format!("could not write the output: {e}"));
    let mut widths = store.widths(findings)?;
    if widths.is_empty() {
        return ignore_broken_pipe(writeln!(out, "(none)")).map_err(io);
    }
    for (width, name) in widths.iter_mut().zip(columns) {
        *width = (*width).max(name.chars().count());
    }
    let line = |cells: &[&str]| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_owned()
    };
    ignore_broken_pipe(writeln!(out, "{}", line(columns))).map_err(io)?;
    let mut each = |row: &[String]| {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))
    };
    if findings {
        store.each_finding(&mut each)
    } else {
        store.each_trouble(&mut each)
    }
}
