//! Benchmark 2: one request, and 64 concurrent requests, over loopback to the
//! in-process emulator: this client (`Client::send`, typed decoding) against
//! bare `reqwest` sending the same bytes and decoding the same type.
//! Target: this client's overhead at most 3% in both cases, and at most 3%
//! more CPU time at 64 concurrent requests.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-bench23 cargo bench -p benchmarks --bench loopback
//! ```
//!
//! The request is `GET /me/drive/items/{Documents}/permissions/{Adele's grant}`
//! against the default tenant: the server does the same work on every call
//! and no state grows (the emulator's request log is cleared before each
//! sample, outside the timed region). Emulator and clients share one
//! multi-thread Tokio runtime (one worker per core; criterion's `block_on`
//! drives the single-request case from the main thread). The 64 concurrent
//! requests are 64 spawned tasks, joined.
//!
//! Both sides send the same method, URL and headers (`Accept`, `User-Agent`,
//! `client-request-id`, `Authorization`, added in the same order; names and
//! values are checked once against the emulator's request log before
//! timing) and decode the body into `graph_core::drive::Permission` with
//! `serde_json`; the two decoded values are checked equal. The baseline's
//! `client-request-id` is a counter formatted as a UUID-shaped string, the
//! cheapest way to send a fresh 36-character id, and its fixed headers are
//! built once, so the baseline is as lean as bare `reqwest` can be: whatever
//! this client does beyond that (building the request from the endpoint, a
//! random v4 UUID, the tracing span, the token provider and `Bearer` header,
//! the per-request timeout, the response bookkeeping) counts as its overhead.
//! The baseline has no per-request timeout, as bare `reqwest` has none by
//! default.
//!
//! Criterion reports each case as usual. Then the four cases run again
//! interleaved (blocks of ~100 ms of this client and of the baseline taking
//! turns, order alternating, 40 rounds): the median of the per-round
//! wall-time ratios is the verdict, and the process CPU time per iteration
//! (client and emulator together, from `/proc/self/stat`) is shown beside
//! it. On a small VM, loopback latency depends on whether idle vCPUs must be
//! woken (about 110 µs a request when the machine is otherwise idle, about
//! 40 µs when something else keeps the cores busy), so run it on a quiet
//! machine and compare runs made under the same conditions.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use benchmarks::{client_for, human, is_benchmarking, median, process_cpu, turns, verdict};
use criterion::Criterion;
use graph_core::Client;
use graph_core::ToRequest;
use graph_core::drive::{GetPermission, ItemLocator, Permission};
use graph_emulator::{Emulator, EmulatorHandle, LoggedRequest, seed};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, USER_AGENT};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// Requests in flight at once in the concurrent case.
const CONCURRENT: usize = 64;
/// Criterion samples per case.
const SAMPLES: usize = 50;
/// Rounds of the interleaved comparison.
const PAIRED_ROUNDS: usize = 40;
/// Time one block of the interleaved comparison aims at.
const PAIRED_BLOCK: Duration = Duration::from_millis(100);
/// The largest accepted ratio, ours / bare, of wall time (both cases) and of
/// CPU time (64 concurrent requests).
const TARGET: f64 = 1.03;

/// Everything both sides need, built once.
struct Fixture {
    emulator: EmulatorHandle,
    client: Client,
    endpoint: GetPermission,
    http: reqwest::Client,
    url: String,
    accept: HeaderValue,
    user_agent: HeaderValue,
    bearer: HeaderValue,
    counter: AtomicU64,
}

impl Fixture {
    async fn start() -> Arc<Self> {
        let emulator = Emulator::start().await.expect("start the emulator");
        let client = client_for(&emulator);
        let endpoint =
            ItemLocator::me(seed::ME_DOCUMENTS_ID).permission(seed::ME_DOCUMENTS_GRANT_ID);
        let request = endpoint.to_request().expect("build the request");
        let url = format!("{}{}", emulator.base_url(), request.path_and_query());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the reqwest client");
        Arc::new(Self {
            emulator,
            client,
            endpoint,
            http,
            url,
            accept: HeaderValue::from_static("application/json"),
            // Replaced by what this client really sends, in `check_same_bytes`.
            user_agent: HeaderValue::from_static("unset"),
            bearer: HeaderValue::try_from(format!("Bearer {}", seed::ACCESS_TOKEN))
                .expect("a header value"),
            counter: AtomicU64::new(0),
        })
    }

    /// This client: build, send, check the status, decode.
    async fn ours(&self) -> Permission {
        self.client
            .send(&self.endpoint)
            .await
            .expect("graph-core request")
    }

    /// Bare reqwest: the same bytes, the same decoding.
    async fn bare(&self) -> Permission {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("00000000-0000-4000-8000-{n:012x}");
        let answer = self
            .http
            .get(self.url.as_str())
            .header(ACCEPT, self.accept.clone())
            .header(USER_AGENT, self.user_agent.clone())
            .header("client-request-id", request_id)
            .header(AUTHORIZATION, self.bearer.clone())
            .send()
            .await
            .expect("reqwest request");
        assert!(answer.status().is_success(), "{}", answer.status());
        let bytes = answer.bytes().await.expect("reqwest body");
        serde_json::from_slice(&bytes).expect("decode the permission")
    }
}

/// The two sides compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Ours = 0,
    Bare = 1,
}

impl Side {
    async fn once(self, fixture: &Fixture) -> Permission {
        match self {
            Side::Ours => fixture.ours().await,
            Side::Bare => fixture.bare().await,
        }
    }

    /// `CONCURRENT` requests as spawned tasks, all joined.
    async fn concurrent(self, fixture: &Arc<Fixture>) {
        let mut tasks = JoinSet::new();
        for _ in 0..CONCURRENT {
            let fixture = fixture.clone();
            tasks.spawn(async move { self.once(&fixture).await });
        }
        while let Some(done) = tasks.join_next().await {
            black_box(done.expect("request task"));
        }
    }

    /// `iters` iterations of one case; the emulator's log is emptied first, untimed.
    async fn run(self, fixture: &Arc<Fixture>, concurrency: usize, iters: u64) -> Duration {
        fixture.emulator.clear_requests();
        let start = Instant::now();
        for _ in 0..iters {
            if concurrency == 1 {
                black_box(self.once(fixture).await);
            } else {
                self.concurrent(fixture).await;
            }
        }
        start.elapsed()
    }
}

/// Sends one request each way and checks that the emulator saw the same
/// method, path, query, header names and values (the `client-request-id`
/// value aside) and that both decoded the same permission.
async fn check_same_bytes(fixture: &mut Arc<Fixture>) {
    fixture.emulator.clear_requests();
    let ours = fixture.ours().await;
    let log = fixture.emulator.requests();
    let user_agent = log[0]
        .header("user-agent")
        .expect("a User-Agent")
        .to_owned();
    Arc::get_mut(fixture).expect("not shared yet").user_agent =
        HeaderValue::try_from(user_agent).expect("a header value");

    fixture.emulator.clear_requests();
    let bare = fixture.bare().await;
    let bare_log = fixture.emulator.requests();
    let comparable = |r: &LoggedRequest| {
        let mut headers = r.headers.clone();
        let id = headers
            .remove("client-request-id")
            .expect("a client-request-id");
        assert_eq!(id.len(), 36, "UUID-shaped: {id}");
        (
            r.method.clone(),
            r.path.clone(),
            r.query.clone(),
            headers,
            r.body.clone(),
        )
    };
    assert_eq!(comparable(&log[0]), comparable(&bare_log[0]));
    assert_eq!(ours, bare, "both decode the same permission");
    assert_eq!(ours.id.as_deref(), Some(seed::ME_DOCUMENTS_GRANT_ID));
    fixture.emulator.clear_requests();
}

/// Per-case timings recorded from inside criterion's routine: (iterations, time).
type Records = Arc<Mutex<Vec<(u64, Duration)>>>;

fn name(side: Side) -> &'static str {
    match side {
        Side::Ours => "graph_core",
        Side::Bare => "reqwest",
    }
}

fn criterion_cases(
    criterion: &mut Criterion,
    runtime: &Runtime,
    fixture: &Arc<Fixture>,
) -> Vec<((usize, Side), Records)> {
    let mut recorded = Vec::new();
    for concurrency in [1, CONCURRENT] {
        let mut group = criterion.benchmark_group(format!("loopback_{concurrency}"));
        group.sample_size(SAMPLES);
        if concurrency > 1 {
            group.measurement_time(Duration::from_secs(10));
        }
        for side in [Side::Ours, Side::Bare] {
            let records: Records = Arc::default();
            group.bench_function(name(side), |b| {
                b.to_async(runtime).iter_custom(|iters| {
                    let fixture = fixture.clone();
                    let records = records.clone();
                    async move {
                        let took = side.run(&fixture, concurrency, iters).await;
                        records.lock().expect("records").push((iters, took));
                        took
                    }
                });
            });
            recorded.push(((concurrency, side), records));
        }
        group.finish();
    }
    recorded
}

/// Criterion's mean per iteration (mean over samples of time / iterations),
/// from the last `SAMPLES` calls of the routine: those after warm-up.
fn criterion_mean(records: &Records) -> Option<Duration> {
    let records = records.lock().expect("records");
    if records.len() < SAMPLES {
        return None;
    }
    let samples = &records[records.len() - SAMPLES..];
    let mean = samples
        .iter()
        .map(|(iters, took)| took.as_secs_f64() / *iters as f64)
        .sum::<f64>()
        / samples.len() as f64;
    Some(Duration::from_secs_f64(mean))
}

/// One side of the interleaved comparison: wall and CPU time per iteration.
#[derive(Debug, Clone, Copy, Default)]
struct Paired {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Blocks of each side taking turns; returns each side's wall and CPU time
/// per iteration (the CPU of client and emulator together: they share the
/// process), and the median of the per-round wall-time ratios ours / bare.
async fn paired(fixture: &Arc<Fixture>, concurrency: usize) -> (Paired, Paired, f64) {
    // Calibrate the block so it lasts about `PAIRED_BLOCK`.
    let probe = Side::Bare.run(fixture, concurrency, 20).await / 20;
    let iters = (PAIRED_BLOCK.as_secs_f64() / probe.as_secs_f64())
        .ceil()
        .max(5.0) as u64;
    let mut wall = [Duration::ZERO; 2];
    let mut cpu = [Some(Duration::ZERO); 2];
    let mut ratios = Vec::with_capacity(PAIRED_ROUNDS);
    for round in 0..PAIRED_ROUNDS {
        let mut took = [Duration::ZERO; 2];
        for i in turns(round) {
            let side = [Side::Ours, Side::Bare][i];
            let cpu_before = process_cpu();
            took[i] = side.run(fixture, concurrency, iters).await;
            cpu[i] = match (cpu[i], cpu_before, process_cpu()) {
                (Some(sum), Some(before), Some(after)) => Some(sum + (after - before)),
                _ => None,
            };
            wall[i] += took[i];
        }
        ratios.push(took[0].as_secs_f64() / took[1].as_secs_f64());
    }
    let median = median(ratios);
    let runs = (iters * PAIRED_ROUNDS as u64) as u32;
    let side = |i: usize| Paired {
        wall: wall[i] / runs,
        cpu: cpu[i].map(|c| c / runs),
    };
    (side(0), side(1), median)
}

fn main() {
    // A fixed amount of work and nothing else, for instruction counts
    // (`valgrind --tool=callgrind`): `LOOPBACK_FIXED=ours|bare,CONCURRENCY,ITERS`.
    // Two runs with different ITERS, subtracted, give the cost per request
    // with start-up cancelled out.
    if let Ok(spec) = std::env::var("LOOPBACK_FIXED") {
        let parts: Vec<&str> = spec.split(',').collect();
        let side = match parts.first() {
            Some(&"bare") => Side::Bare,
            _ => Side::Ours,
        };
        let concurrency = parts.get(1).and_then(|c| c.parse().ok()).unwrap_or(1);
        let iters = parts.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
        // One thread: the instruction count then does not depend on how
        // work happened to be spread over workers.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let mut fixture = runtime.block_on(Fixture::start());
        runtime.block_on(check_same_bytes(&mut fixture));
        runtime.block_on(side.run(&fixture, concurrency, 100));
        println!(
            "future sizes: ours {} (Client::send {}), bare {}; Permission {}",
            std::mem::size_of_val(&fixture.ours()),
            std::mem::size_of_val(&fixture.client.send(&fixture.endpoint)),
            std::mem::size_of_val(&fixture.bare()),
            std::mem::size_of::<Permission>(),
        );
        let took = runtime.block_on(side.run(&fixture, concurrency, iters));
        println!("{} x{concurrency} x{iters}: {}", name(side), human(took));
        return;
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut fixture = runtime.block_on(Fixture::start());
    runtime.block_on(check_same_bytes(&mut fixture));
    // Open the connections of both pools before anything is timed.
    runtime.block_on(async {
        Side::Ours.concurrent(&fixture).await;
        Side::Bare.concurrent(&fixture).await;
    });

    let mut criterion = Criterion::default().configure_from_args();
    let recorded = criterion_cases(&mut criterion, &runtime, &fixture);
    criterion.final_summary();

    // The comparison runs when criterion benchmarks, only under `cargo bench`.
    if !is_benchmarking() {
        return;
    }
    let mean = |concurrency, side| {
        recorded
            .iter()
            .find(|(case, _)| *case == (concurrency, side))
            .and_then(|(_, records)| criterion_mean(records))
    };

    println!();
    println!(
        "loopback, GET one permission; nproc={}; 'paired' = {PAIRED_ROUNDS} interleaved rounds, median ratio",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<12} {:>11} {:>11} {:>6} | {:>11} {:>11} {:>6} {:>7} {:>6} | {:>9} {:>9} {:>6} {:>6}",
        "case",
        "crit. ours",
        "crit. bare",
        "ratio",
        "paired ours",
        "paired bare",
        "ratio",
        "target",
        "result",
        "CPU ours",
        "CPU bare",
        "ratio",
        "result"
    );
    for concurrency in [1, CONCURRENT] {
        let (ours, bare) = (mean(concurrency, Side::Ours), mean(concurrency, Side::Bare));
        let (p_ours, p_bare, p_ratio) = runtime.block_on(paired(&fixture, concurrency));
        let (c_ours, c_bare, c_ratio) = match (ours, bare) {
            (Some(o), Some(b)) => (
                human(o),
                human(b),
                format!("{:.3}", o.as_secs_f64() / b.as_secs_f64()),
            ),
            _ => ("-".into(), "-".into(), "-".into()),
        };
        let (cpu_ours, cpu_bare, cpu_ratio, cpu_verdict) = match (p_ours.cpu, p_bare.cpu) {
            (Some(o), Some(b)) => {
                let ratio = o.as_secs_f64() / b.as_secs_f64();
                // The CPU target is set for the concurrent case only.
                let verdict = if concurrency > 1 {
                    verdict(ratio, TARGET)
                } else {
                    "-"
                };
                (human(o), human(b), format!("{ratio:.3}"), verdict)
            }
            _ => ("-".into(), "-".into(), "-".into(), "-"),
        };
        println!(
            "{:<12} {:>11} {:>11} {:>6} | {:>11} {:>11} {:>6.3} {:>7} {:>6} | {:>9} {:>9} {:>6} {:>6}",
            format!(
                "{concurrency} request{}",
                if concurrency == 1 { "" } else { "s" }
            ),
            c_ours,
            c_bare,
            c_ratio,
            human(p_ours.wall),
            human(p_bare.wall),
            p_ratio,
            format!("<={TARGET}"),
            verdict(p_ratio, TARGET),
            cpu_ours,
            cpu_bare,
            cpu_ratio,
            cpu_verdict
        );
    }
}
