//! Shares many items with many people from a CSV file, with a progress bar
//! and a summary table at the end.
//!
//! ```text
//! cargo run --example bulk_invite                                   # examples/data/shares.csv, local emulator
//! cargo run --example bulk_invite -- --csv my.csv --failure-rate 0.2 --rate-limit 300
//! ```
//!
//! Each row is `item,recipient,role`: the item as Graph addresses it
//! (`/drives/{drive}/items/{id}`, `/groups/{id}/drive/items/{id}`,
//! `/me/drive/root:/Documents/Q3.xlsx:`, …), one email address, and `read`,
//! `write` or `owner`. With no Graph credentials the rows go to an in-process
//! emulator that throttles (`--rate-limit`, requests a second) and fails at
//! random (`--failure-rate`, a fraction), so retries and slow-downs show in
//! the progress line. With credentials (see `examples/send_invitation.rs`)
//! they go to Microsoft Graph.
//!
//! Exit status: 0 when every row was shared, 2 when some were not (the
//! sample file has a few bad rows on purpose, to show how they are reported),
//! 1 when the run could not start.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use examples::{Connection, connect};
use graph_core::bulk::{Progress, ShareJob, ShareOutcome, ShareReport};
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
use graph_emulator::{Emulator, Faults, RateLimit};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(report) if report.failed() == 0 && report.unknown() == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(2),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    csv: String,
    failure_rate: f64,
    rate_limit: u32,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        csv: concat!(env!("CARGO_MANIFEST_DIR"), "/data/shares.csv").to_owned(),
        failure_rate: 0.1,
        rate_limit: 400,
    };
    let mut words = std::env::args().skip(1);
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        let number = |what: &str| format!("`{flag}` takes {what}, not `{value}`");
        match flag.as_str() {
            "--csv" => args.csv = value,
            "--failure-rate" => {
                args.failure_rate = value
                    .parse()
                    .map_err(|_| number("a fraction such as 0.2"))?
            }
            "--rate-limit" => {
                args.rate_limit = value.parse().map_err(|_| number("requests a second"))?
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; see the top of examples/bulk_invite.rs"
                ));
            }
        }
    }
    Ok(args)
}

/// A row that could not become a job, kept for the summary.
struct Rejected {
    line: usize,
    reason: String,
}

/// The CSV read: jobs in row order with their line numbers, and the rows that are not jobs.
struct Input {
    jobs: Vec<(usize, ShareJob)>,
    rejected: Vec<Rejected>,
}

fn read_jobs(path: &str) -> Result<Input, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut jobs = Vec::new();
    let mut rejected = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let line = n + 2; // after the header, counting from 1
        let row = row.map_err(|e| format!("{path}:{line}: {e}"))?;
        let (Some(item), Some(recipient), Some(role)) = (row.get(0), row.get(1), row.get(2)) else {
            rejected.push(Rejected {
                line,
                reason: "expected item,recipient,role".into(),
            });
            continue;
        };
        match item.parse::<ItemLocator>() {
            Ok(item) => {
                let invite = InviteBody::new([DriveRecipient::email(recipient)])
                    .with_roles([Role::from(role.trim())])
                    .with_require_sign_in(true)
                    .with_send_invitation(true);
                jobs.push((line, ShareJob::new(item, invite)));
            }
            Err(e) => rejected.push(Rejected {
                line,
                reason: e.to_string(),
            }),
        }
    }
    Ok(Input { jobs, rejected })
}

async fn run() -> Result<ShareReport, String> {
    let args = parse_args()?;
    let Input { jobs, rejected } = read_jobs(&args.csv)?;
    let emulator = Emulator::builder()
        .seed(42)
        .faults(
            Faults::new()
                .failure_rate(args.failure_rate)
                .retry_after_secs(0.2)
                .sub_second_retry_after()
                .latency(Duration::from_millis(5), Duration::from_millis(15)),
        )
        .rate_limit(
            RateLimit::per_second(args.rate_limit)
                .burst(args.rate_limit / 4)
                .sub_second_retry_after(),
        );
    let Connection { client, emulator } = connect(emulator).await?;
    match &emulator {
        Some(emulator) => println!(
            "No Graph credentials set: sharing with the local emulator at {} ({}% faults, {} requests/s)",
            emulator.base_url(),
            args.failure_rate * 100.0,
            args.rate_limit
        ),
        None => println!("Sharing with Microsoft Graph at {}", client.base_url()),
    }
    let lines: Vec<usize> = jobs.iter().map(|(line, _)| *line).collect();
    let total = jobs.len() as u64;
    println!("{} jobs from {}", total, args.csv);

    let run = client
        .bulk_share(jobs.into_iter().map(|(_, job)| job).collect::<Vec<_>>())
        .backoff(
            graph_core::retry::RetryPolicy::builder()
                .base_delay(Duration::from_millis(100))
                .build()
                .map_err(|e| e.to_string())?,
        )
        .start();
    let interactive = std::io::stderr().is_terminal();
    let mut ticks = 0u32;
    while !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ticks += 1;
        if interactive {
            eprint!("\r{}", progress_line(&run.progress(), total));
            let _ = std::io::stderr().flush();
        } else if ticks.is_multiple_of(10) {
            eprintln!("{}", progress_line(&run.progress(), total));
        }
    }
    let last = run.progress();
    let report = run.report().await;
    eprintln!("\r{}", progress_line(&last, total));
    print_summary(&report, &lines, &rejected);
    Ok(report)
}

/// `[#####.....]  120/365  done 118  failed 2  retried 31  waiting 12`
fn progress_line(progress: &Progress, total: u64) -> String {
    const WIDTH: u64 = 30;
    let finished = progress.finished().min(total);
    let filled = (finished * WIDTH).checked_div(total).unwrap_or(WIDTH) as usize;
    format!(
        "[{}{}] {:>5}/{}  done {}  failed {}  retried {}  waiting {}   ",
        "#".repeat(filled),
        ".".repeat(WIDTH as usize - filled),
        finished,
        total,
        progress.done,
        progress.failed,
        progress.retried,
        progress.waiting
    )
}

fn print_summary(report: &ShareReport, lines: &[usize], rejected: &[Rejected]) {
    println!();
    println!("{:<28} {:>8}", "outcome", "jobs");
    println!("{:<28} {:>8}", "-".repeat(28), "-".repeat(8));
    for (label, count) in [
        ("granted and notified", report.granted()),
        ("granted, not notified", report.partially_granted()),
        ("failed", report.failed()),
        ("unknown (may have run)", report.unknown()),
        ("cancelled", report.cancelled_jobs()),
        ("rows not read (bad item)", rejected.len()),
    ] {
        println!("{label:<28} {count:>8}");
    }
    println!("{:<28} {:>8}", "attempts", report.attempts());
    println!("{:<28} {:>8}", "$batch requests", report.round_trips);
    println!("{:<28} {:>8.2}", "seconds", report.elapsed.as_secs_f64());

    let mut notes: Vec<(usize, String)> = rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();
    for job in &report.jobs {
        let line = lines[job.index];
        match &job.outcome {
            ShareOutcome::Failed(error) => notes.push((line, format!("failed: {error}"))),
            ShareOutcome::Unknown(error) => notes.push((line, format!("unknown: {error}"))),
            ShareOutcome::PartiallyGranted(granted) => {
                for (_, _, error) in granted.notification_failures() {
                    notes.push((line, format!("granted, but not notified: {error}")));
                }
            }
            _ => {}
        }
    }
    if !notes.is_empty() {
        notes.sort_by_key(|(line, _)| *line);
        println!("\nrows that need a look:");
        for (line, note) in notes {
            println!("  line {line}: {note}");
        }
    }
}
