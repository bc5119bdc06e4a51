//! Benchmark: `graph-share bulk invite` through the release binary.
//!
//! 1. 10,000 invitations with the journal on, against the same run with
//!    `--no-journal`: the journal's cost. Target ≤ 1.05×.
//! 2. Peak RSS of the binary bulk-sharing 100,000 rows of a CSV, against
//!    10,000 rows: memory does not grow with the input. Target ≤ 1.2×.
//!
//! ```text
//! cargo bench -p benchmarks --bench bulk_invite
//! ```
//!
//! It builds the binary first (`cargo build --release -p graph-share`, into
//! the same target directory). Knobs (environment): `BULK_INVITE_RUNS`
//! (default 5 of each side, alternating), `BULK_INVITE_RSS_RUNS` (default 2
//! of each size), `BULK_INVITE_RSS=0` skips part 2.
//!
//! Set-up, the same for both sides; every run gets a fresh emulator in this
//! process (so no grant is deduplicated) and the binary talks to it as to
//! Microsoft Graph (`GRAPH_BASE_URL`, `GRAPH_ACCESS_TOKEN`):
//!
//! * latency 4–6 ms per HTTP request (uniform), no rate limit: the engine
//!   runs as fast as the emulator answers, which is where the journal's
//!   commits show the most (a rate limit would hide them in its waits);
//! * distinct (item, recipient) pairs, one external guest per row, over
//!   files added to the group drive, 20 rows per file (the emulator scans
//!   an item's permissions on each invite: few rows per item keeps that
//!   scan from being what is measured);
//! * concurrency 4 (the default), the journal beside the CSV in a
//!   temporary directory (its disk is the one measured).
//!
//! The time of a run is the child's wall time, from spawn to exit: reading
//! the CSV, sending, recording, and the report. Its peak RSS is the child's
//! `ru_maxrss` as the kernel reports it at `wait4`, read through GNU time
//! (`/usr/bin/time -f %M`, which waits for its child with `wait4`): the
//! workspace forbids `unsafe`, so the benchmark cannot call `wait4` itself.
//! GNU time also gives the child's CPU time (user + system), printed beside
//! the wall times: on a loaded machine it shows the journal's own cost
//! better than the wall time does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benchmarks::{is_benchmarking, load_average, median, turns, verdict};
use graph_emulator::{Emulator, EmulatorHandle, Faults, Item, Tenant, seed};

/// Rows of the timed runs.
const JOBS: usize = 10_000;
/// Rows of the larger RSS run.
const BIG: usize = 100_000;
/// Rows per item.
const PER_ITEM: usize = 20;
/// Injected latency per HTTP request.
const LATENCY: (Duration, Duration) = (Duration::from_millis(4), Duration::from_millis(6));
const JOURNAL_TARGET: f64 = 1.05;
const RSS_TARGET: f64 = 1.2;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Builds the binary into this benchmark's target directory and returns its path.
fn build_binary() -> PathBuf {
    // This executable is `<target>/release/deps/bulk_invite-…`.
    let exe = std::env::current_exe().expect("the benchmark's path");
    let release = exe
        .parent()
        .and_then(Path::parent)
        .expect("<target>/release");
    let target = release.parent().expect("<target>");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "graph-share",
            "--target-dir",
        ])
        .arg(target)
        .current_dir(workspace)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --release -p graph-share");
    release.join("graph-share")
}

/// The default tenant with `files` files added to the group drive's
/// Campaigns folder, and their ids.
fn tenant(files: usize) -> (Tenant, Vec<String>) {
    let mut tenant = Tenant::default_tenant();
    let drive = tenant
        .drives
        .iter_mut()
        .find(|d| d.id == seed::GROUP_DRIVE_ID)
        .expect("the group drive");
    let ids: Vec<String> = (0..files)
        .map(|k| {
            let id = format!("01BENCHINVITE{k:021}");
            drive.items.push(Item {
                id: id.clone(),
                name: format!("Invite {k}.docx"),
                parent_id: Some(seed::GROUP_CAMPAIGNS_ID.to_owned()),
                folder: false,
                permissions: Vec::new(),
                inheritance_broken: false,
            });
            id
        })
        .collect();
    (tenant, ids)
}

/// A CSV of `rows` invitations, one guest each, `PER_ITEM` per file.
fn write_csv(dir: &Path, rows: usize) -> (PathBuf, usize) {
    let files = rows.div_ceil(PER_ITEM);
    let path = dir.join(format!("invite-{rows}.csv"));
    let mut text = String::from("item,recipient,role\n");
    for n in 0..rows {
        let item = format!("01BENCHINVITE{:021}", n / PER_ITEM);
        text.push_str(&format!(
            "/drives/{}/items/{item},guest{n}@fabrikam.example,read\n",
            seed::GROUP_DRIVE_ID
        ));
    }
    std::fs::write(&path, text).expect("write the CSV");
    (path, files)
}

/// What one run of the binary took.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    /// Peak RSS.
    max_rss_kib: u64,
    /// User + system CPU time.
    cpu: Duration,
}

/// GNU time, which reports its child's peak RSS.
const TIME: &str = "/usr/bin/time";

/// Runs `bulk invite` over `csv` against a fresh emulator with `files` files.
fn run(
    runtime: &tokio::runtime::Runtime,
    binary: &Path,
    csv: &Path,
    files: usize,
    rows: usize,
    journal: Option<&Path>,
) -> Measured {
    let (tenant, _) = tenant(files);
    let emulator: EmulatorHandle = runtime.block_on(async {
        Emulator::builder()
            .seed(29)
            .tenant(tenant)
            .faults(Faults::new().latency(LATENCY.0, LATENCY.1))
            .start()
            .await
            .expect("start the emulator")
    });
    let rss_file = csv.with_extension("rss");
    let mut command = Command::new(TIME);
    command
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(&rss_file)
        .arg(binary);
    command
        .env_clear()
        // A token cache location, so that the tool has no note to print.
        .env("GRAPH_TOKEN_CACHE", csv.with_extension("tokens.json"))
        .env("GRAPH_BASE_URL", emulator.base_url())
        .env("GRAPH_ACCESS_TOKEN", seed::ACCESS_TOKEN)
        .args(["bulk", "invite", "--json"])
        .arg(csv)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match journal {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            command.arg("--journal").arg(path);
        }
        None => {
            command.arg("--no-journal");
        }
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn graph-share");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let status = child.wait().expect("wait");
    let wall = started.elapsed();
    let text = reader.join().expect("reader").expect("stdout read");
    assert!(status.success(), "graph-share exited {status}: {text}");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("--json");
    assert_eq!(summary["granted"], rows, "every row granted: {summary}");
    assert_eq!(
        emulator_grants(&emulator, files),
        rows,
        "the emulator holds every grant"
    );
    let report = std::fs::read_to_string(&rss_file).expect("GNU time's report");
    let figures: Vec<f64> = report
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    let [rss, user, system] = figures[..] else {
        panic!("GNU time's report: {report}");
    };
    let max_rss_kib = rss as u64;
    let cpu = Duration::from_secs_f64(user + system);
    Measured {
        wall,
        max_rss_kib,
        cpu,
    }
}

/// Grants the emulator holds on the added files.
fn emulator_grants(emulator: &EmulatorHandle, files: usize) -> usize {
    (0..files)
        .map(|k| {
            emulator
                .permissions(seed::GROUP_DRIVE_ID, &format!("01BENCHINVITE{k:021}"))
                .len()
        })
        .sum()
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.3}–{max:.3}")
}

fn main() {
    if !is_benchmarking() {
        return;
    }
    let runs = env_usize("BULK_INVITE_RUNS", 5).max(1);
    let rss_runs = env_usize("BULK_INVITE_RSS_RUNS", 2).max(1);
    let binary = build_binary();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = std::env::temp_dir().join(format!("bulk-invite-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    println!("load average before: {}", load_average());

    // 1. The journal's cost.
    let (csv, files) = write_csv(&dir, JOBS);
    let journal = dir.join("invite.journal");
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut cpu: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..runs {
        for side in turns(round) {
            let measured = run(
                &runtime,
                &binary,
                &csv,
                files,
                JOBS,
                (side == 0).then_some(journal.as_path()),
            );
            times[side].push(seconds(measured.wall));
            cpu[side].push(seconds(measured.cpu));
        }
    }
    let with = median(times[0].clone());
    let without = median(times[1].clone());
    let ratio = with / without;
    println!("bulk invite, {JOBS} rows, {runs} runs each, alternating:");
    println!(
        "  journal on:  median {with:.3} s, runs {}",
        spread(&times[0])
    );
    println!(
        "  --no-journal: median {without:.3} s, runs {}",
        spread(&times[1])
    );
    println!(
        "  journal / no journal: {ratio:.3}x (target ≤ {JOURNAL_TARGET}x): {}",
        verdict(ratio, JOURNAL_TARGET)
    );
    let (cpu_with, cpu_without) = (median(cpu[0].clone()), median(cpu[1].clone()));
    println!(
        "  CPU (user + system): journal on median {cpu_with:.3} s, runs {}; --no-journal median {cpu_without:.3} s, runs {}; ratio {:.3}x",
        spread(&cpu[0]),
        spread(&cpu[1]),
        cpu_with / cpu_without
    );
    let paired: Vec<f64> = times[0].iter().zip(&times[1]).map(|(a, b)| a / b).collect();
    println!(
        "  paired ratios: {}",
        paired
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 2. Peak RSS against the input's length.
    if std::env::var("BULK_INVITE_RSS").as_deref() != Ok("0") {
        let (big_csv, big_files) = write_csv(&dir, BIG);
        let mut rss: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let big_journal = dir.join("big.journal");
        for round in 0..rss_runs {
            for side in turns(round) {
                let (path, files, rows) = if side == 0 {
                    (&big_csv, big_files, BIG)
                } else {
                    (&csv, files, JOBS)
                };
                let measured = run(&runtime, &binary, path, files, rows, Some(&big_journal));
                let mib = measured.max_rss_kib as f64 / 1024.0;
                rss[side].push(mib);
                println!(
                    "  {rows} rows: {mib:.1} MiB peak RSS, {:.3} s",
                    seconds(measured.wall)
                );
            }
        }
        let big = median(rss[0].clone());
        let small = median(rss[1].clone());
        let ratio = big / small;
        println!("peak RSS with the journal, {rss_runs} runs each:");
        println!(
            "  {BIG} rows: median {big:.1} MiB, runs {}",
            spread(&rss[0])
        );
        println!(
            "  {JOBS} rows: median {small:.1} MiB, runs {}",
            spread(&rss[1])
        );
        println!(
            "  {BIG} / {JOBS}: {ratio:.3}x (target ≤ {RSS_TARGET}x): {}",
            verdict(ratio, RSS_TARGET)
        );
    }
    println!("load average after: {}", load_average());
    let _ = std::fs::remove_dir_all(&dir);
}
