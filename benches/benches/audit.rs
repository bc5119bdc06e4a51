//! Benchmark 5: `graph-share audit` of a 20,000-item drive under an emulator
//! rate limit, beside a naive walk (list children, then GET each item's
//! permissions, one request at a time) and beside the lower bound the rate
//! limit allows; and the audit's peak memory on 100,000 items against
//! 10,000. Targets: at least 20x the naive walk, within 1.15x of the bound,
//! and a peak RSS ratio of at most 1.2.
//!
//! ```text
//! cargo bench -p benchmarks --bench audit
//! ```
//!
//! Knobs (environment): `AUDIT_RUNS` (default 5), `AUDIT_NAIVE_RUNS`
//! (default 1; 0 skips the naive walk), `AUDIT_RSS_RUNS` (default 3 per
//! size; 0 skips the memory comparison), `AUDIT_BINARY` (a `graph-share`
//! to measure instead of building this tree's, e.g. an earlier build for a
//! before/after comparison).
//!
//! Set-up: the generated tenant (`seed::Generated`, seed 7) beside the
//! default seed; the audited drive is its site library
//! (`seed::GENERATED_SITE_DRIVE_ID`, 80% of the generated items, so 25,000
//! generated items give a 20,000-item drive). The audit is the release
//! binary, built by this benchmark with `cargo build --release -p
//! graph-share`, run as a child process against the bench's emulator
//! through `GRAPH_BASE_URL` and `GRAPH_ACCESS_TOKEN`, as an admin would run
//! it; its time runs from spawn to exit (start-up and journal included). A
//! fresh emulator serves every run.
//!
//! Rate limit and latency are the bulk benchmark's (Graph compressed about
//! 50x in time): `RateLimit::per_second(5000).burst(100)`, 4–6 ms per HTTP
//! request. Every request the audit's work needs takes a token (children
//! pages and each permission listing inside a `$batch`; the outer `$batch`
//! does not), so the lower bound is `(requests − burst) / rate`, with
//! `requests` counted from the emulator's log: the answered (non-429)
//! requests that take a token.
//!
//! Peak RSS is the child's `ru_maxrss` from `wait4`, for the audit of a
//! 10,000- and a 100,000-item drive with no rate limit and no latency (the
//! memory does not depend on pacing), sizes alternating run by run. Each
//! audit's disk writes are its `ru_oublock` (Linux counts it from the
//! same tally as `write_bytes` in `/proc/<pid>/io`, in 512-byte blocks):
//! the bytes the process dirtied in files, journal and WAL included.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benchmarks::{client_for, human, is_benchmarking, load_average, median, turns, verdict};
use graph_core::drive::ItemLocator;
use graph_emulator::seed::Generated;
use graph_emulator::{
    Emulator, EmulatorHandle, Faults, LoggedRequest, RateLimit, RequestKind, Tenant, seed,
};

/// Items in the audited drive.
const DRIVE_ITEMS: usize = 20_000;
/// The emulator's refill rate, requests per second.
const RATE: u32 = 5_000;
/// The emulator's bucket size.
const BURST: u32 = 100;
/// Injected latency per HTTP request.
const LATENCY: (Duration, Duration) = (Duration::from_millis(4), Duration::from_millis(6));
/// Drive sizes of the memory comparison.
const RSS_SIZES: [usize; 2] = [10_000, 100_000];
/// Targets.
const SPEEDUP_TARGET: f64 = 20.0;
const LOWER_BOUND_TARGET: f64 = 1.15;
const RSS_TARGET: f64 = 1.2;
/// What the naive walk asks a listing for: what the audit asks.
const CHILD_PROPERTIES: [&str; 5] = ["id", "name", "folder", "file", "parentReference"];

/// The default tenant with generated content whose site library holds
/// `drive_items` items.
fn tenant(drive_items: usize) -> Tenant {
    let mut tenant = Tenant::default_tenant();
    Generated::items(drive_items * 5 / 4)
        .seed(7)
        .add_to(&mut tenant);
    let held = tenant
        .drive(seed::GENERATED_SITE_DRIVE_ID)
        .map_or(0, |d| d.items.len());
    assert_eq!(held, drive_items, "the site library's size");
    tenant
}

async fn emulator(tenant: Tenant, rate_limited: bool) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .seed(5)
        .tenant(tenant)
        // Every request of a run stays in the log it is counted from.
        .log_capacity(200_000);
    if rate_limited {
        builder = builder
            .faults(Faults::new().latency(LATENCY.0, LATENCY.1))
            .rate_limit(
                RateLimit::per_second(RATE)
                    .burst(BURST)
                    .sub_second_retry_after(),
            );
    }
    builder.start().await.expect("start the emulator")
}

/// Builds the release `graph-share` beside this benchmark and returns its
/// path (the benchmark runs from `target/release/deps`).
fn graph_share_binary() -> PathBuf {
    if let Some(binary) = std::env::var_os("AUDIT_BINARY") {
        return PathBuf::from(binary);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "graph-share"])
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build -p graph-share failed");
    let exe = std::env::current_exe().expect("the bench's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/release");
    dir.join(format!("graph-share{}", std::env::consts::EXE_SUFFIX))
}

/// What one audit process did.
struct Audit {
    elapsed: Duration,
    /// Peak resident set size, KiB (`ru_maxrss` on Linux); 0 when not measured.
    max_rss_kib: i64,
    /// Bytes written to disk (`ru_oublock` × 512).
    written: i64,
}

/// The environment variable that makes this benchmark's binary a wrapper:
/// it runs the `graph-share` command in its arguments, waits for it, and
/// prints the peak RSS of its one child (`getrusage(RUSAGE_CHILDREN)` counts
/// every child ever waited for, so each measurement gets a process of its
/// own).
const RSS_WRAPPER: &str = "AUDIT_BENCH_MEASURE_RSS";

/// The wrapper's work: runs `args`, then prints `max_rss_kib block_writes exit_code`.
fn measure_rss(args: &[String]) -> ! {
    let status = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run the measured command");
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    println!(
        "{} {} {}",
        usage.max_rss(),
        usage.block_writes(),
        status.code().unwrap_or(-1)
    );
    std::process::exit(0);
}

/// Runs `graph-share audit` on the generated library against `base_url`,
/// through the RSS wrapper. Blocks: call off the runtime.
fn audit_process(binary: &Path, base_url: &str, journal: &Path) -> Audit {
    let started = Instant::now();
    let wrapper = std::env::current_exe().expect("the bench's path");
    let output = Command::new(wrapper)
        .arg(binary)
        .args(["audit", "--csv", "--journal"])
        .arg(journal)
        .arg(format!("/drives/{}/root", seed::GENERATED_SITE_DRIVE_ID))
        .env_clear()
        .env(RSS_WRAPPER, "1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", journal.parent().expect("a directory"))
        .env("GRAPH_BASE_URL", base_url)
        .env("GRAPH_ACCESS_TOKEN", seed::ACCESS_TOKEN)
        .stderr(Stdio::inherit())
        .output()
        .expect("run graph-share audit");
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let max_rss_kib = fields
        .next()
        .and_then(|f| f.parse().ok())
        .expect("the peak RSS");
    let blocks: i64 = fields
        .next()
        .and_then(|f| f.parse().ok())
        .expect("the block writes");
    let code: i32 = fields
        .next()
        .and_then(|f| f.parse().ok())
        .expect("the exit code");
    assert_eq!(code, 0, "graph-share audit exit code");
    Audit {
        elapsed,
        max_rss_kib,
        written: blocks * 512,
    }
}

/// A fresh journal path in a fresh directory for run `n`.
fn journal(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "graph-share-audit-bench-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a journal directory");
    dir.join("audit.journal")
}

/// The answered requests that took a token from the rate limit: every
/// Graph request but the outer `$batch`, and every request inside one.
fn token_requests(log: &[LoggedRequest]) -> usize {
    log.iter()
        .filter(|r| r.status != 429)
        .filter(|r| match r.kind {
            RequestKind::Graph => !r.path.ends_with("/$batch"),
            RequestKind::BatchInner { .. } => true,
            _ => false,
        })
        .count()
}

/// Permission listings answered 200, directly or inside a `$batch`.
fn permission_listings(log: &[LoggedRequest]) -> usize {
    log.iter()
        .filter(|r| r.status == 200 && r.path.ends_with("/permissions"))
        .count()
}

/// One rate-limited audit: its time, and the lower bound its own requests allow.
async fn timed_audit(binary: &Path, n: usize) -> (Duration, Duration, usize, i64) {
    let emulator = emulator(tenant(DRIVE_ITEMS), true).await;
    let (binary, base, journal) = (binary.to_owned(), emulator.base_url(), journal(n));
    let audit = tokio::task::spawn_blocking(move || audit_process(&binary, &base, &journal))
        .await
        .expect("the audit's thread");
    let log = emulator.requests();
    assert_eq!(emulator.dropped_requests(), 0, "the log kept every request");
    assert!(
        permission_listings(&log) >= DRIVE_ITEMS - 1,
        "every item audited"
    );
    let requests = token_requests(&log);
    let bound = Duration::from_secs_f64((requests as f64 - f64::from(BURST)) / f64::from(RATE));
    (audit.elapsed, bound, requests, audit.written)
}

/// The naive walk: one request at a time, children pages then each item's
/// permissions (every page), from the library's root down.
async fn naive_walk() -> (Duration, usize) {
    let emulator = emulator(tenant(DRIVE_ITEMS), true).await;
    let client = client_for(&emulator);
    let drive = seed::GENERATED_SITE_DRIVE_ID;
    let started = Instant::now();
    let mut folders = vec![ItemLocator::drive_root(drive)];
    let mut items = 0;
    while let Some(folder) = folders.pop() {
        let mut children = client.items(&folder.list_children(None).with_select(CHILD_PROPERTIES));
        let mut listed = Vec::new();
        while let Some(child) = children.next_item().await {
            let child = child.expect("a child");
            let id = child.id.clone().expect("an id");
            if child.folder.is_some() {
                folders.push(ItemLocator::drive(drive, id.as_str()));
            }
            listed.push(id);
        }
        for id in listed {
            let item = ItemLocator::drive(drive, id.as_str());
            let mut permissions = client.items(&item.list_permissions(None));
            while let Some(permission) = permissions.next_item().await {
                permission.expect("a permission");
            }
            items += 1;
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(items, DRIVE_ITEMS - 1, "every item but the root walked");
    (elapsed, token_requests(&emulator.requests()))
}

/// Peak RSS of the audit of a `drive_items` drive, no rate limit.
async fn rss_audit(binary: &Path, drive_items: usize, n: usize) -> Audit {
    let emulator = emulator(tenant(drive_items), false).await;
    let (binary, base, journal) = (binary.to_owned(), emulator.base_url(), journal(n));
    tokio::task::spawn_blocking(move || audit_process(&binary, &base, &journal))
        .await
        .expect("the audit's thread")
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn spread(values: &[Duration]) -> String {
    let min = values.iter().min().copied().unwrap_or_default();
    let max = values.iter().max().copied().unwrap_or_default();
    format!("{}–{}", human(min), human(max))
}

fn main() {
    if std::env::var_os(RSS_WRAPPER).is_some() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        measure_rss(&args);
    }
    if !is_benchmarking() {
        println!("audit: run with `cargo bench --bench audit`");
        return;
    }
    let audit_runs = env_count("AUDIT_RUNS", 5).max(1);
    let naive_runs = env_count("AUDIT_NAIVE_RUNS", 1);
    let rss_runs = env_count("AUDIT_RSS_RUNS", 3);
    let binary = graph_share_binary();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("load average at start: {}", load_average());

    let started = Instant::now();
    let built = tenant(DRIVE_ITEMS);
    println!(
        "generated tenant with a {DRIVE_ITEMS}-item library built in {}",
        human(started.elapsed())
    );
    drop(built);

    let mut audits = Vec::new();
    let mut ratios = Vec::new();
    let mut writes = Vec::new();
    for n in 0..audit_runs {
        let (elapsed, bound, requests, written) = runtime.block_on(timed_audit(&binary, n));
        let ratio = elapsed.as_secs_f64() / bound.as_secs_f64();
        println!(
            "audit run {}: {} for {requests} token requests (bound {}, {ratio:.3}x); {:.1} MB written",
            n + 1,
            human(elapsed),
            human(bound),
            written as f64 / 1e6
        );
        audits.push(elapsed);
        ratios.push(ratio);
        writes.push(written);
    }
    let mut naive = Vec::new();
    for n in 0..naive_runs {
        let (elapsed, requests) = runtime.block_on(naive_walk());
        println!(
            "naive walk run {}: {} for {requests} requests",
            n + 1,
            human(elapsed)
        );
        naive.push(elapsed);
    }
    let mut rss: [Vec<i64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..rss_runs {
        for side in turns(round) {
            let audit =
                runtime.block_on(rss_audit(&binary, RSS_SIZES[side], 100 + round * 2 + side));
            println!(
                "rss run {}: {} items, peak {} KiB in {}",
                round + 1,
                RSS_SIZES[side],
                audit.max_rss_kib,
                human(audit.elapsed)
            );
            rss[side].push(audit.max_rss_kib);
        }
    }

    println!();
    println!(
        "audit of a {DRIVE_ITEMS}-item drive, rate limit {RATE}/s burst {BURST}, latency {}-{} ms; load average {}",
        LATENCY.0.as_millis(),
        LATENCY.1.as_millis(),
        load_average()
    );
    let audit_median = median(audits.clone());
    let ratio_median = median(ratios.clone());
    println!(
        "audit: median {} of {audit_runs} ({}); to its lower bound median {ratio_median:.3}x ({:.3}–{:.3}) (target <= {LOWER_BOUND_TARGET}x) {}",
        human(audit_median),
        spread(&audits),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
        verdict(ratio_median, LOWER_BOUND_TARGET)
    );
    println!(
        "audit disk writes: median {:.1} MB ({:.1}–{:.1})",
        median(writes.clone()) as f64 / 1e6,
        writes.iter().copied().min().unwrap_or_default() as f64 / 1e6,
        writes.iter().copied().max().unwrap_or_default() as f64 / 1e6
    );
    if !naive.is_empty() {
        let naive_median = median(naive.clone());
        let speedup = naive_median.as_secs_f64() / audit_median.as_secs_f64();
        println!(
            "naive walk: median {} of {naive_runs} ({}); speed-up {speedup:.1}x (target >= {SPEEDUP_TARGET}x) {}",
            human(naive_median),
            spread(&naive),
            if speedup >= SPEEDUP_TARGET {
                "pass"
            } else {
                "FAIL"
            }
        );
    }
    if rss_runs > 0 {
        let small = median(rss[0].clone());
        let large = median(rss[1].clone());
        let ratio = large as f64 / small as f64;
        println!(
            "peak RSS: {} items median {small} KiB ({:?}), {} items median {large} KiB ({:?}); ratio {ratio:.3} (target <= {RSS_TARGET}) {}",
            RSS_SIZES[0],
            rss[0],
            RSS_SIZES[1],
            rss[1],
            verdict(ratio, RSS_TARGET)
        );
    }
}
