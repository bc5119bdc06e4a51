//! Benchmark 3: 10,000 share invitations against the emulator with a rate
//! limit, sent by the bulk engine (`Client::bulk_share`), one request at a
//! time (`Client::send`, awaited in turn), and compared with the lower bound
//! the rate limit allows. Targets: the engine at least 15x faster than one at
//! a time, and within 1.2x of the lower bound; with RateLimit headers (an
//! app-only token), within 1.05x with at most 1% of answers throttled.
//!
//! The engine runs twice in turn, on the same limit: with a user's
//! (delegated) token, which SharePoint sends no RateLimit headers, so the
//! engine finds the quota by its 429s; and with an app-only token (client
//! credentials), which gets `RateLimit-*` once 80% of the bucket is spent,
//! so the engine paces by them.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench23 cargo bench -p benchmarks --bench bulk
//! ```
//!
//! Knobs (environment): `BULK_ENGINE_RUNS` (default 9, for each token),
//! `BULK_BURST` (the bucket's size, default 100), `BULK_RATE` (its refill
//! rate, default 5,000 a second: lower it on a loaded machine whose capacity
//! run is slower than the bound, or the quota never binds), `BULK_SERIAL_RUNS`
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
//! refill rate: `(10,000 − 100) / 5,000 = 1.98 s` (with `BULK_BURST=500`,
//! 1.9 s).
//!
//! The burst and the headers: the emulator sends `RateLimit-*` once 80% of
//! the bucket is spent, so the warning comes with 20% of the burst left:
//! 20 jobs at the default burst of 100, fewer than the engine's 80 on the
//! wire (4 batches of 20), so answers already on their way are throttled
//! before the warning can act. On Graph, 20% of a minute's quota (240 to
//! 1,200 resource units) is more than a client has on the wire.
//! `BULK_BURST=500` (100 left at the warning) keeps that proportion.
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
use graph_core::auth::{ClientCredentials, StaticToken};
use graph_core::bulk::{Progress, ShareJob};
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
use graph_emulator::{
    Emulator, EmulatorHandle, Faults, Item, LoggedRequest, RateLimit, RequestKind, Tenant, seed,
};

/// Invitations per run.
const JOBS: usize = 10_000;
/// The emulator's refill rate, requests per second, unless `BULK_RATE` says otherwise.
const RATE: u32 = 5_000;
/// The emulator's bucket size, unless `BULK_BURST` says otherwise.
const BURST: u32 = 100;
/// Injected latency per HTTP request.
const LATENCY: (Duration, Duration) = (Duration::from_millis(4), Duration::from_millis(6));
/// `$batch` requests the engine keeps in flight.
const CONCURRENCY: usize = 4;
/// Targets.
const SPEEDUP_TARGET: f64 = 15.0;
const LOWER_BOUND_TARGET: f64 = 1.2;
/// Targets with RateLimit headers: the bound, and the share of answers throttled.
const HEADERS_BOUND_TARGET: f64 = 1.05;
const HEADERS_THROTTLED_TARGET: f64 = 0.01;

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

fn lower_bound(rate: u32, burst: u32) -> Duration {
    Duration::from_secs_f64(f64::from((JOBS as u32).saturating_sub(burst)) / f64::from(rate))
}

/// Whose token the engine sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// The seeded user's: no RateLimit headers.
    Delegated,
    /// The seeded app's, by client credentials: RateLimit headers near the limit.
    AppOnly,
}

/// The emulator's limit: a rate and a burst.
type Limit = (u32, u32);

async fn emulator(tenant: Tenant, rate_limit: Option<Limit>) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .seed(23)
        .tenant(tenant)
        // The run is checked against the log: every one of its 10,000
        // invites and their batches must stay in it (the default ring holds
        // 10,000 entries).
        .log_capacity(4 * JOBS)
        .faults(Faults::new().latency(LATENCY.0, LATENCY.1));
    if let Some((rate, burst)) = rate_limit {
        builder = builder.rate_limit(
            RateLimit::per_second(rate)
                .burst(burst)
                .sub_second_retry_after(),
        );
    }
    builder.start().await.expect("start the emulator")
}

fn client_for(emulator: &EmulatorHandle, token: Token) -> Client {
    let builder = Client::builder().base_url(emulator.base_url());
    let builder = match token {
        Token::Delegated => builder.auth(StaticToken::new(seed::ACCESS_TOKEN)),
        Token::AppOnly => builder.auth(
            ClientCredentials::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CLIENT_SECRET)
                .authority(emulator.root_url())
                .build()
                .expect("loopback authority"),
        ),
    };
    builder.build().expect("build the client")
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

async fn engine_run(
    item_count: usize,
    rate_limit: Option<Limit>,
    token: Token,
    trace: Option<Duration>,
) -> Run {
    let (tenant, items) = items(item_count);
    let emulator = emulator(tenant, rate_limit).await;
    let client = client_for(&emulator, token);
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
        let rate = rate_limit.map_or(0, |(rate, _)| rate);
        print_trace(started, slot, rate, &timeline, &log);
    }
    result
}

async fn serial_run(item_count: usize, limit: Limit) -> Run {
    let (tenant, items) = items(item_count);
    let emulator = emulator(tenant, Some(limit)).await;
    let client = client_for(&emulator, Token::Delegated);
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
fn print_trace(
    started: Instant,
    slot: Duration,
    rate: u32,
    timeline: &Timeline,
    log: &[LoggedRequest],
) {
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
        f64::from(rate) * slot.as_secs_f64()
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

/// The median run by time, and the fastest and slowest times.
fn summary(runs: &[Run]) -> (Run, Duration, Duration) {
    let time = median(runs.iter().map(|r| r.elapsed).collect());
    let median_run = runs
        .iter()
        .find(|r| r.elapsed == time)
        .expect("the median run")
        .clone();
    let fastest = runs.iter().map(|r| r.elapsed).min().expect("a run");
    let slowest = runs.iter().map(|r| r.elapsed).max().expect("a run");
    (median_run, fastest, slowest)
}

/// Throttled answers as a share of the inner answers.
fn throttled_share(run: &Run) -> f64 {
    run.throttled as f64 / run.inner.max(1) as f64
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
    let burst = u32::try_from(env_count("BULK_BURST", BURST as usize).clamp(1, JOBS))
        .expect("at most JOBS");
    let rate = u32::try_from(env_count("BULK_RATE", RATE as usize).max(1)).unwrap_or(RATE);
    let limit = (rate, burst);
    let trace = std::env::var("BULK_TRACE")
        .ok()
        .map(|ms| Duration::from_millis(ms.parse().ok().filter(|ms| *ms > 0).unwrap_or(100)));
    let item_count = env_count("BULK_ITEMS", DEFAULT_ITEMS).clamp(1, JOBS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let bench_started = Instant::now();
    let (mut delegated, mut app_only) = (Vec::new(), Vec::new());
    // In turn, so that both see the same load.
    for i in 0..engine_runs {
        for (token, runs) in [
            (Token::Delegated, &mut delegated),
            (Token::AppOnly, &mut app_only),
        ] {
            let trace = trace.filter(|_| i == 0);
            let run = runtime.block_on(engine_run(item_count, Some(limit), token, trace));
            println!(
                "engine run {} ({token:?}): {} ({} throttled, {} round trips, {} inner requests)",
                i + 1,
                secs(run.elapsed),
                run.throttled,
                run.round_trips,
                run.inner
            );
            runs.push(run);
        }
    }
    let capacity = runtime.block_on(engine_run(item_count, None, Token::Delegated, None));
    println!(
        "engine without rate limit (capacity): {} ({} round trips)",
        secs(capacity.elapsed),
        capacity.round_trips
    );
    let mut serial = Vec::new();
    for i in 0..serial_runs {
        let run = runtime.block_on(serial_run(item_count, limit));
        println!(
            "one-at-a-time run {}: {} ({} throttled, {} round trips)",
            i + 1,
            secs(run.elapsed),
            run.throttled,
            run.round_trips
        );
        serial.push(run);
    }

    let bound = lower_bound(rate, burst);
    let pass = |ok: bool| if ok { "pass" } else { "FAIL" };
    let row = |name: &str, time: Duration, throttled: String, round_trips: String| {
        println!(
            "{name:<34} {:>10} {throttled:>16} {round_trips:>12}",
            secs(time)
        );
    };
    println!();
    println!(
        "bulk: {JOBS} invitations over {item_count} items, rate limit {rate}/s burst {burst}, latency {}-{} ms per HTTP request, engine concurrency {CONCURRENCY}",
        LATENCY.0.as_millis(),
        LATENCY.1.as_millis()
    );
    println!(
        "medians of {engine_runs} engine run(s) per token and {serial_runs} one-at-a-time run(s); wall time {}",
        secs(bench_started.elapsed())
    );
    println!(
        "{:<34} {:>10} {:>16} {:>12}",
        "", "time", "throttled", "round trips"
    );
    let (delegated_median, d_fast, d_slow) = summary(&delegated);
    let (app_median, a_fast, a_slow) = summary(&app_only);
    for (name, run) in [
        ("engine, delegated (no headers)", &delegated_median),
        ("engine, app-only (RateLimit-*)", &app_median),
    ] {
        row(
            name,
            run.elapsed,
            format!("{} ({:.2}%)", run.throttled, 100.0 * throttled_share(run)),
            run.round_trips.to_string(),
        );
    }
    let serial_median = (!serial.is_empty()).then(|| summary(&serial).0);
    if let Some(serial) = &serial_median {
        row(
            "one-at-a-time (delegated)",
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
    let ratio = |d: Duration| d.as_secs_f64() / bound.as_secs_f64();
    for (name, runs, fast, slow) in [
        ("delegated", &delegated, d_fast, d_slow),
        ("app-only", &app_only, a_fast, a_slow),
    ] {
        let shares: Vec<String> = runs
            .iter()
            .map(|r| format!("{:.2}", 100.0 * throttled_share(r)))
            .collect();
        println!(
            "{name} runs: fastest {} ({:.3}x the bound), slowest {} ({:.3}x); throttled % per run: {}",
            secs(fast),
            ratio(fast),
            secs(slow),
            ratio(slow),
            shares.join(", ")
        );
    }
    match &serial_median {
        Some(serial) => {
            let speedup = serial.elapsed.as_secs_f64() / delegated_median.elapsed.as_secs_f64();
            println!(
                "speed-up vs one-at-a-time (delegated engine): {speedup:.1}x (target >= {SPEEDUP_TARGET}x) {}",
                pass(speedup >= SPEEDUP_TARGET)
            );
        }
        None => println!("speed-up vs one-at-a-time: not measured (BULK_SERIAL_RUNS=0)"),
    }
    let delegated_ratio = ratio(delegated_median.elapsed);
    println!(
        "delegated / lower bound:   {delegated_ratio:.3}x (target <= {LOWER_BOUND_TARGET}x) {}",
        pass(delegated_ratio <= LOWER_BOUND_TARGET)
    );
    let app_ratio = ratio(app_median.elapsed);
    let app_share = throttled_share(&app_median);
    println!(
        "app-only / lower bound:    {app_ratio:.3}x (target <= {HEADERS_BOUND_TARGET}x) {}, throttled {:.2}% (target <= {:.0}%) {}",
        pass(app_ratio <= HEADERS_BOUND_TARGET),
        100.0 * app_share,
        100.0 * HEADERS_THROTTLED_TARGET,
        pass(app_share <= HEADERS_THROTTLED_TARGET)
    );
}
