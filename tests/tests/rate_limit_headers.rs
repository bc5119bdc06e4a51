//! The `$batch` engine paces by SharePoint's `RateLimit-*` headers: the same
//! bulk run against the same rate limit, once with a user's token (no
//! headers: the engine finds the quota by its 429s) and once with an app-only
//! token (headers once 80% of the quota is spent: the engine slows before it
//! runs out). Counted in 429s, not in time.

use std::time::Duration;

use graph_core::Client;
use graph_core::bulk::ShareJob;
use graph_emulator::{EmulatorHandle, RateLimit, seed};
use tests::{Setup, app_client, batch_inner_requests, share_job};

/// Invitations per run: 200 on each of four items.
const PER_ITEM: usize = 200;

/// The emulator: a quota of 500 refilled at 100 a second, below what even
/// a debug build sends (its 80% mark
/// leaves 100, more than the engine's 4 batches of 20 in flight, as on
/// Graph, where 20% of a minute's quota is far more than a client has on
/// the wire), 2–3 ms per HTTP request, and exact sub-second waits.
async fn emulator() -> (EmulatorHandle, Client) {
    Setup::new()
        .rate_limit(
            RateLimit::per_second(100)
                .burst(500)
                .sub_second_retry_after(),
        )
        .latency(Duration::from_millis(2), Duration::from_millis(3))
        .start()
        .await
}

fn jobs() -> Vec<ShareJob> {
    let items = [
        (seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        (seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
        (seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID),
        (seed::SITE_DRIVE_ID, seed::SITE_HANDBOOK_ID),
    ];
    items
        .iter()
        .flat_map(|(drive, item)| {
            (0..PER_ITEM)
                .map(move |n| share_job(drive, item, &format!("guest{n}@fabrikam.example")))
        })
        .collect()
}

/// Runs every job with `client`, each tried until granted (a job throttled
/// time and again must not end the run early); all are granted. Returns the
/// throttled inner answers and all inner answers the emulator gave.
async fn run(emulator: &EmulatorHandle, client: &Client) -> (usize, usize) {
    let report = client.bulk_share(jobs()).max_attempts(1_000).run().await;
    assert_eq!(
        report.granted(),
        4 * PER_ITEM,
        "{:?}",
        report.jobs.iter().find(|j| !j.outcome.is_granted())
    );
    let inner = batch_inner_requests(emulator);
    let throttled = inner.iter().filter(|r| r.status == 429).count();
    (throttled, inner.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ratelimit_headers_the_engine_slows_before_the_quota_runs_out() {
    let (delegated, user) = emulator().await;
    let (throttled_without, _) = run(&delegated, &user).await;
    let (app_only, _) = emulator().await;
    let app = app_client(&app_only, seed::CLIENT_SECRET);
    let (throttled_with, answers_with) = run(&app_only, &app).await;
    assert!(
        throttled_without >= 20,
        "without headers the quota is found by 429s: {throttled_without}"
    );
    assert!(
        throttled_with * 100 <= answers_with,
        "with them, at most 1% throttled: {throttled_with} of {answers_with} (without: {throttled_without})"
    );
}
