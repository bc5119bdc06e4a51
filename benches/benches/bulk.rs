//! Benchmark 3: 10,000 share invitations against the emulator with a rate
//! limit, sent by the bulk engine (`Client::bulk_share`), one request at a
//! time (`Client::send`, awaited in turn), and compared with the lower bound
//! the rate limit allows. Targets: the engine at least 15x faster than one at
//! a time, and within 1.2x of the lower bound.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench23 cargo bench -p benchmarks --bench bulk
//! ```
//!
//! Knobs (environment): `BULK_ENGINE_RUNS` (default 9), `BULK_SERIAL_RUNS`
//! (default 1; 0 skips one-at-a-time, for profiling), `BULK_ITEMS` (default
//! 500; 4 = the four seeded items only), `BULK_TRACE=<ms>` (a timeline of the
//! first engine run in slots of that many milliseconds: progress snapshots
//! and what the emulator served and throttled).
//!
//! Set-up; every run gets a fresh emulator, so no grant from an earlier run
//! is deduplicated:
//!
//! * Rate limit `RateLimit::per_second(5000).burst(100)`: one bucket for the
//!   delegated token; each invitation takes a token (inner `$batch` requests
//!   count, the outer `$batch` does not).
//! * Latency 4–6 ms per HTTP request (uniform), applied once per request by
//!   the emulator, so a `$batch` of 20 pays it once.
//! * 10,000 distinct (item, recipient) pairs: external guests
//!   `guest{n}@fabrikam.example`, one per job, over 500 items taken in turn
//!   (20 invitations each): the four seeded items of business drives
//!   (Alex's `Plan.docx` and `Projects`, the group's `Launch.pptx`, the
//!   site's handbook) and 496 files added to the default tenant beside them.
//!   Why not the four items alone: the emulator checks each invitation
//!   against every permission already on the item, so with 2,500 grants per
//!   item it spends ~87% of the CPU in that scan (perf) and takes 7.5 s for
//!   the 10,000 with no rate limit at all: that measures the emulator, not
//!   the engine. `BULK_ITEMS=4` reproduces it.
//!
//! Why these numbers: they stand for a real tenant with time compressed
//! about 50x, so that a run takes seconds. What decides the outcome is
//! dimensionless: how many invitations must be on the wire to use the whole
//! quota (5,000/s × 5 ms = 25; an assumed 100/s × 250 ms on Graph gives the
//! same) and how much faster than one-at-a-time the quota lets anyone go
//! (one-at-a-time does about 150/s here, 5 ms of latency plus about 1.5 ms
//! of client and emulator work per request: at most ~32x to gain).
//!
//! Lower bound: the first `burst` invitations pass at once, the rest at the
//! refill rate: `(10,000 − 100) / 5,000 = 1.98 s`.
//!
//! The engine runs at concurrency 4 (its default: 4 `$batch` requests of 20
//! in flight), `BULK_ENGINE_RUNS` times; one-at-a-time takes about a minute
//! on the full 10,000, so it runs once by default (it is the baseline, and
//! its run-to-run spread is small next to the margin). A capacity run (the
//! same without the rate limit) shows how fast engine and emulator go on
//! this machine when nothing throttles. Medians are reported, with the
//! spread of the engine runs.

use std::time::{Duration, Instant};

use graph_core::Client;
use graph_core::auth::StaticToken;
use graph_core::bulk::{Progress, ShareJob};
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
use graph_emulator::{
    Emulator, EmulatorHandle, Faults, Item, LoggedRequest, RateLimit, RequestKind, Tenant, seed,
};

/// Invitations per run.
const JOBS: usize = 10_000;
/// The emulator's refill rate, requests per second.
const RATE: u32 = 5_000;
/// The emulator's bucket size.
const BURST: u32 = 100;
/// Injected latency per HTTP request.
const LATENCY: (Duration, Duration) = (Duration::from_millis(4), Duration::from_millis(6));
/// `$batch` requests the engine keeps in flight.
const CONCURRENCY: usize = 4;
/// Targets.
const SPEEDUP_TARGET: f64 = 15.0;
const LOWER_BOUND_TARGET: f64 = 1.2;

/// Seeded items of business drives and libraries the invitations go to.
const SEEDED_ITEMS: [(&str, &str); 4] = [
    (seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
    (seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
    (seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID),
    (seed::SITE_DRIVE_ID, seed::SITE_HANDBOOK_ID),
];
/// Items shared by default: the seeded four and files added beside them, 20
/// invitations per item.
const DEFAULT_ITEMS: usize = 500;
/// Folders the added files go in, one drive each, in turn.
const FOLDERS: [(&str, &str); 3] = [
    (seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
    (seed::GROUP_DRIVE_ID, seed::GROUP_CAMPAIGNS_ID),
    (seed::SITE_DRIVE_ID, seed::SITE_POLICIES_ID),
];

/// The items to share: the seeded four, then `count - 4` files added to the
/// default tenant (no permissions of their own yet).
fn items(count: usize) -> (Tenant, Vec<(&'static str, String)>) {
    let mut tenant = Tenant::default_tenant();
    let mut items: Vec<(&'static str, String)> = SEEDED_ITEMS
        .iter()
        .map(|(drive, item)| (*drive, (*item).to_owned()))
        .collect();
    for k in 0..count.saturating_sub(SEEDED_ITEMS.len()) {
        let (drive_id, folder_id) = FOLDERS[k % FOLDERS.len()];
        let id = format!("01BENCHFILE{k:023}");
        let drive = tenant
            .drives
            .iter_mut()
            .find(|d| d.id == drive_id)
            .expect("a seeded drive");
        drive.items.push(Item {
            id: id.clone(),
            name: format!("Bulk {k}.docx"),
            parent_id: Some(folder_id.to_owned()),
            folder: false,
            permissions: Vec::new(),
            inheritance_broken: false,
        });
        items.push((drive_id, id));
    }
    items.truncate(count.max(1));
    (tenant, items)
}

/// 10,000 distinct (item, recipient) pairs: one external guest per job,
/// items taken in turn.
fn jobs(items: &[(&'static str, String)]) -> Vec<ShareJob> {
    (0..JOBS)
        .map(|n| {
            let (drive, item) = &items[n % items.len()];
            ShareJob::new(
                ItemLocator::drive(*drive, item.as_str()),
                InviteBody::new([DriveRecipient::email(format!("guest{n}@fabrikam.example"))])
                    .with_roles([Role::Read]),
            )
        })
        .collect()
}

fn lower_bound() -> Duration {
    Duration::from_secs_f64(f64::from(JOBS as u32 - BURST) / f64::from(RATE))
}

async fn emulator(tenant: Tenant, rate_limited: bool) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .seed(23)
        .tenant(tenant)
        // The run is checked against the log: every one of its 10,000
        // invites and their batches must stay in it (the default ring holds
        // 10,000 entries).
        .log_capacity(4 * JOBS)
        .faults(Faults::new().latency(LATENCY.0, LATENCY.1));
    if rate_limited {
        builder = builder.rate_limit(
            RateLimit::per_second(RATE)
                .burst(BURST)
                .sub_second_retry_after(),
        );
    }
    builder.start().await.expect("start the emulator")
}

fn client_for(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .build()
        .expect("build the client")
}

/// What one run did.
#[derive(Debug, Clone)]
struct Run {
    elapsed: Duration,
    /// Answers with status 429 (inner and outer).
    throttled: usize,
    /// HTTP requests sent (outer `$batch`es, or direct requests).
    round_trips: usize,
    /// Requests the emulator handled inside batches.
    inner: usize,
}

impl Run {
    fn from_log(elapsed: Duration, log: &[LoggedRequest]) -> Self {
        Self {
            elapsed,
            throttled: log.iter().filter(|r| r.status == 429).count(),
            round_trips: log.iter().filter(|r| r.kind == RequestKind::Graph).count(),
            inner: log.iter().filter(|r| r.is_batch_inner()).count(),
        }
    }
}

/// Progress snapshots, one per trace slot, for `BULK_TRACE`.
type Timeline = Vec<(Duration, Progress)>;

async fn engine_run(item_count: usize, rate_limited: bool, trace: Option<Duration>) -> Run {
    let (tenant, items) = items(item_count);
    let emulator = emulator(tenant, rate_limited).await;
    let client = client_for(&emulator);
    let jobs = jobs(&items);
    let started = Instant::now();
    let run = client.bulk_share(jobs).concurrency(CONCURRENCY).start();
    let mut timeline = Vec::new();
    if let Some(slot) = trace {
        while !run.is_finished() {
            timeline.push((started.elapsed(), run.progress()));
            tokio::time::sleep(slot).await;
        }
    }
    let report = run.report().await;
    let elapsed = started.elapsed();
    assert_eq!(
        report.granted(),
        JOBS,
        "every invitation granted: {:?}",
        report.jobs.iter().find(|j| !j.outcome.is_granted())
    );
    let log = emulator.requests();
    let result = Run::from_log(elapsed, &log);
    assert_eq!(result.round_trips as u64, report.round_trips);
    if let Some(slot) = trace {
        print_trace(started, slot, &timeline, &log);
    }
    result
}

async fn serial_run(item_count: usize) -> Run {
    let (tenant, items) = items(item_count);
    let emulator = emulator(tenant, true).await;
    let client = client_for(&emulator);
    let jobs = jobs(&items);
    let started = Instant::now();
    for job in &jobs {
        let granted = client
            .send(&job.item.invite(job.invite.clone()))
            .await
            .expect("invitation granted");
        assert_eq!(granted.value.len(), 1);
    }
    let elapsed = started.elapsed();
    Run::from_log(elapsed, &emulator.requests())
}

/// Per slot: the engine's progress (sampled at the slot's start), and the
/// batches the emulator received and the invitations it served and throttled.
fn print_trace(started: Instant, slot: Duration, timeline: &Timeline, log: &[LoggedRequest]) {
    let start = std::time::SystemTime::now() - started.elapsed();
    let slots = timeline.len().max(1) + 1;
    let index = |r: &LoggedRequest| {
        let at = r.received_at.duration_since(start).unwrap_or_default();
        ((at.as_secs_f64() / slot.as_secs_f64()) as usize).min(slots - 1)
    };
    let (mut served, mut throttled, mut batches) = (vec![0; slots], vec![0; slots], vec![0; slots]);
    for r in log {
        let i = index(r);
        match (&r.kind, r.status) {
            (RequestKind::BatchInner { .. }, 429) => throttled[i] += 1,
            (RequestKind::BatchInner { .. }, _) => served[i] += 1,
            (RequestKind::Graph, _) => batches[i] += 1,
            _ => {}
        }
    }
    println!(
        "engine timeline, per {} ms (the quota refills {:.0} per slot)",
        slot.as_millis(),
        f64::from(RATE) * slot.as_secs_f64()
    );
    println!(
        "{:>7} {:>6} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9}",
        "t ms", "done", "retried", "waiting", "on wire", "batches", "served", "throttled"
    );
    for (i, (at, p)) in timeline.iter().enumerate() {
        println!(
            "{:>7} {:>6} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9}",
            at.as_millis(),
            p.done,
            p.retried,
            p.waiting,
            p.in_flight,
            batches[i],
            served[i],
            throttled[i]
        );
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs bench targets with `--test` (no `--bench`): nothing to check here.
    if !args.iter().any(|a| a == "--bench") {
        println!("bulk: run with `cargo bench --bench bulk`");
        return;
    }
    let engine_runs = env_count("BULK_ENGINE_RUNS", 9).max(1);
    let serial_runs = env_count("BULK_SERIAL_RUNS", 1);
    let trace = std::env::var("BULK_TRACE")
        .ok()
        .map(|ms| Duration::from_millis(ms.parse().ok().filter(|ms| *ms > 0).unwrap_or(100)));
    let item_count = env_count("BULK_ITEMS", DEFAULT_ITEMS).clamp(1, JOBS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let bench_started = Instant::now();
    let mut engine = Vec::new();
    for i in 0..engine_runs {
        let run = runtime.block_on(engine_run(item_count, true, trace.filter(|_| i == 0)));
        println!(
            "engine run {}: {} ({} throttled, {} round trips, {} inner requests)",
            i + 1,
            secs(run.elapsed),
            run.throttled,
            run.round_trips,
            run.inner
        );
        engine.push(run);
    }
    let capacity = runtime.block_on(engine_run(item_count, false, None));
    println!(
        "engine without rate limit (capacity): {} ({} round trips)",
        secs(capacity.elapsed),
        capacity.round_trips
    );
    let mut serial = Vec::new();
    for i in 0..serial_runs {
        let run = runtime.block_on(serial_run(item_count));
        println!(
            "one-at-a-time run {}: {} ({} throttled, {} round trips)",
            i + 1,
            secs(run.elapsed),
            run.throttled,
            run.round_trips
        );
        serial.push(run);
    }

    let engine_time = median(engine.iter().map(|r| r.elapsed).collect());
    let engine_median = engine
        .iter()
        .find(|r| r.elapsed == engine_time)
        .expect("the median run");
    let serial_median = (!serial.is_empty()).then(|| {
        let time = median(serial.iter().map(|r| r.elapsed).collect());
        serial
            .iter()
            .find(|r| r.elapsed == time)
            .expect("the median run")
            .clone()
    });
    let bound = lower_bound();
    let to_bound = engine_time.as_secs_f64() / bound.as_secs_f64();
    let pass = |ok: bool| if ok { "pass" } else { "FAIL" };
    let row = |name: &str, time: Duration, throttled: String, round_trips: String| {
        println!(
            "{name:<28} {:>10} {throttled:>10} {round_trips:>12}",
            secs(time)
        );
    };

    println!();
    println!(
        "bulk: {JOBS} invitations over {item_count} items, rate limit {RATE}/s burst {BURST}, latency {}-{} ms per HTTP request, engine concurrency {CONCURRENCY}",
        LATENCY.0.as_millis(),
        LATENCY.1.as_millis()
    );
    println!(
        "medians of {engine_runs} engine run(s) and {serial_runs} one-at-a-time run(s); wall time {}",
        secs(bench_started.elapsed())
    );
    println!(
        "{:<28} {:>10} {:>10} {:>12}",
        "", "time", "throttled", "round trips"
    );
    row(
        "engine",
        engine_time,
        engine_median.throttled.to_string(),
        engine_median.round_trips.to_string(),
    );
    if let Some(serial) = &serial_median {
        row(
            "one-at-a-time",
            serial.elapsed,
            serial.throttled.to_string(),
            serial.round_trips.to_string(),
        );
    }
    row("lower bound (N-burst)/rate", bound, "-".into(), "-".into());
    row(
        "engine, no rate limit",
        capacity.elapsed,
        capacity.throttled.to_string(),
        capacity.round_trips.to_string(),
    );
    let fastest = engine.iter().map(|r| r.elapsed).min().expect("a run");
    let slowest = engine.iter().map(|r| r.elapsed).max().expect("a run");
    println!(
        "engine runs: fastest {} ({:.3}x the bound), slowest {} ({:.3}x)",
        secs(fastest),
        fastest.as_secs_f64() / bound.as_secs_f64(),
        secs(slowest),
        slowest.as_secs_f64() / bound.as_secs_f64()
    );
    match &serial_median {
        Some(serial) => {
            let speedup = serial.elapsed.as_secs_f64() / engine_time.as_secs_f64();
            println!(
                "speed-up vs one-at-a-time: {speedup:.1}x (target >= {SPEEDUP_TARGET}x) {}",
                pass(speedup >= SPEEDUP_TARGET)
            );
        }
        None => println!("speed-up vs one-at-a-time: not measured (BULK_SERIAL_RUNS=0)"),
    }
    println!(
        "ratio to lower bound:      {to_bound:.3}x (target <= {LOWER_BOUND_TARGET}x) {}",
        pass(to_bound <= LOWER_BOUND_TARGET)
    );
}
