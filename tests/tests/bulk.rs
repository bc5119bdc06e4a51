//! Bulk runs against the emulator: sharing (a chaos run with faults on every
//! status and a rate limit, cancellation, stream input, jobs that break a
//! rule) and any other job type (revokes and updates of permissions under
//! faults, with typed outcomes).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use graph_core::bulk::{Outcome, ShareJob, ShareOutcome};
use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, PermissionUpdate, Role};
use graph_core::retry::RetryPolicy;
use graph_core::{Client, Error};
use graph_emulator::{EmulatorHandle, FaultKind, Faults, Injection, RateLimit, seed};
use tests::{
    Setup, alex_plan, batch_inner_requests, batch_requests, inner_attempts, quick_retries_builder,
    share_job as job, start,
};

/// Items in three drives, each shared with `per_item` external people.
fn pairs(per_item: usize) -> Vec<(&'static str, &'static str, String)> {
    let items = [
        (seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        (seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
        (seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID),
        (seed::SITE_DRIVE_ID, seed::SITE_HANDBOOK_ID),
    ];
    items
        .iter()
        .flat_map(|(drive, item)| {
            (0..per_item).map(move |n| (*drive, *item, format!("guest{n}@fabrikam.example")))
        })
        .collect()
}

/// An emulator answering each HTTP request after 20–30 ms, so a run lasts long enough to interrupt.
async fn slow_emulator() -> (EmulatorHandle, Client) {
    Setup::new()
        .latency(Duration::from_millis(20), Duration::from_millis(30))
        .start()
        .await
}

fn jobs(pairs: &[(&str, &str, String)]) -> Vec<ShareJob> {
    pairs.iter().map(|(d, i, e)| job(d, i, e)).collect()
}

fn grants_for(emulator: &EmulatorHandle, drive: &str, item: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    // Direct grants only: a folder's grant also shows on the items below it,
    // as an inherited copy (`inheritedFrom`), which is not a second grant.
    for permission in emulator.permissions(drive, item) {
        if !permission["inheritedFrom"].is_null() {
            continue;
        }
        if let Some(email) = permission["invitation"]["email"].as_str() {
            *counts.entry(email.to_owned()).or_default() += 1;
        }
    }
    counts
}

/// Panics anywhere in this test binary since the hook was set: the engine
/// catches a panicking batch task (and reports its jobs unknown), so only
/// a hook sees one.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

/// The faults whose answer a client cannot read, though the request may
/// have run (all but a reset before read did).
const UNREADABLE: [FaultKind; 4] = [
    FaultKind::ResetBeforeRead,
    FaultKind::ResetAfterRun,
    FaultKind::Hung,
    FaultKind::Poisoned,
];

/// One time the emulator saw a share's (item, recipient): as an inner
/// request (`ran`), or as a place in a `$batch` that did not run (failed
/// whole, or reset before it was read).
#[derive(Debug, Clone, Copy)]
struct Sighting {
    ran: bool,
    status: u16,
    fault: Option<FaultKind>,
}

impl Sighting {
    /// Whether the client could not read what came of this send.
    fn unreadable(&self) -> bool {
        self.fault.is_some_and(|f| UNREADABLE.contains(&f))
    }

    /// Whether the invite ran in full: an inner request that succeeded
    /// (its answer read or not), so a grant was made or updated and its
    /// recipient may have been notified.
    fn executed(&self) -> bool {
        self.ran && (200..300).contains(&self.status)
    }
}

/// Every sighting of each (item id, recipient), in log order.
fn sightings(log: &[graph_emulator::LoggedRequest]) -> HashMap<(String, String), Vec<Sighting>> {
    let key = |url: &str, body: &serde_json::Value| {
        let item = url
            .trim_end_matches("/invite")
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let email = body["recipients"][0]["email"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (item, email)
    };
    let mut seen: HashMap<(String, String), Vec<Sighting>> = HashMap::new();
    for entry in log {
        let body: serde_json::Value = serde_json::from_str(&entry.body).unwrap_or_default();
        if entry.is_batch_inner() {
            seen.entry(key(&entry.path, &body))
                .or_default()
                .push(Sighting {
                    ran: true,
                    status: entry.status,
                    fault: entry.fault,
                });
        // A `$batch` refused whole is a sighting of each request in it, but
        // not one refused for its revoked token whose 401 the client read:
        // it sends that again within the same attempt, with a new token. A
        // 401 lost to a reset or a hang is a send of unknown fate to the
        // client, one attempt of its own.
        } else if entry.path.ends_with("/$batch")
            && entry.status != 200
            && !(entry.status == 401 && entry.fault.is_none())
        {
            for request in body["requests"].as_array().into_iter().flatten() {
                let url = request["url"].as_str().unwrap_or_default();
                seen.entry(key(url, &request["body"]))
                    .or_default()
                    .push(Sighting {
                        ran: false,
                        status: entry.status,
                        fault: entry.fault,
                    });
            }
        }
    }
    seen
}

/// Checks that each outcome of a share run tells the truth about the
/// emulator's state and log, and returns the indices of the jobs of
/// unknown fate.
fn check_outcomes(
    emulator: &EmulatorHandle,
    jobs: &[graph_core::bulk::ShareJobReport],
    pairs: &[(&str, &str, String)],
) -> Vec<usize> {
    let seen = sightings(&emulator.requests());
    let mut grants: HashMap<(&str, &str), HashMap<String, usize>> = HashMap::new();
    for (drive, item, _) in pairs {
        grants
            .entry((drive, item))
            .or_insert_with(|| grants_for(emulator, drive, item));
    }
    let granted = |drive: &str, item: &str, email: &str| {
        grants[&(drive, item)].get(email).copied().unwrap_or(0)
    };
    let mut unknown = Vec::new();
    for (job, (drive, item, email)) in jobs.iter().zip(pairs) {
        let sent = seen
            .get(&(item.to_string(), email.clone()))
            .cloned()
            .unwrap_or_default();
        let what = format!(
            "job {} ({item}, {email}): {:?} after {:?}",
            job.index, job.outcome, sent
        );
        // Attempts are exactly the emulator's sightings: nothing sent twice unseen.
        assert_eq!(job.attempts as usize, sent.len(), "{what}");
        // The invite ran more than once only when the client could not read
        // what came of the earlier runs: nothing Graph answered readably is
        // sent again (the emulator updates an existing grant, so the grant
        // count alone could not tell).
        let runs: Vec<&Sighting> = sent.iter().filter(|s| s.executed()).collect();
        if let Some((_, earlier)) = runs.split_last() {
            assert!(
                earlier.iter().all(|s| s.unreadable()),
                "sent again after it ran: {what}"
            );
        }
        let grants = granted(drive, item, email);
        match &job.outcome {
            ShareOutcome::Granted(_) | ShareOutcome::PartiallyGranted(_) => {
                assert_eq!(grants, 1, "{what}");
                let last = sent.last().expect("sent");
                assert!(
                    last.ran && last.status == 200 && last.fault.is_none(),
                    "{what}"
                );
            }
            ShareOutcome::Failed(_) => {
                assert_eq!(grants, 0, "{what}");
                assert!(
                    !sent.iter().any(Sighting::unreadable),
                    "a job that may have run is never failed: {what}"
                );
            }
            ShareOutcome::Unknown(_) => {
                assert!(grants <= 1, "{what}");
                assert!(
                    sent.iter().any(Sighting::unreadable),
                    "unknown only when it was: {what}"
                );
                unknown.push(job.index);
            }
            other => panic!("{other:?}: {what}"),
        }
        // An answer Graph gave but the client could not read is never sent
        // again: it ran, and the job's fate is unknown.
        if let Some(n) = sent
            .iter()
            .position(|s| s.fault == Some(FaultKind::Poisoned))
        {
            assert!(matches!(job.outcome, ShareOutcome::Unknown(_)), "{what}");
            assert_eq!(n + 1, sent.len(), "{what}");
        }
    }
    unknown
}

/// The faults of the chaos run: 30% random failures on every status, resets
/// before and after the request was read, answers that hang past the
/// client's timeout, inner answers whose status or id is spoiled after they
/// ran, under a rate limit.
async fn chaos_emulator() -> EmulatorHandle {
    Setup::new()
        .seed(7)
        .faults(
            Faults::new()
                .failure_rate(0.30)
                .retry_after_secs(0.02)
                .resets(0.05, 0.05)
                .hangs(0.03, Duration::from_secs(4))
                .poisoned_replies(0.01)
                .poisoned_ids(0.01)
                .sub_second_retry_after(),
        )
        .rate_limit(
            RateLimit::per_second(700)
                .burst(50)
                .sub_second_retry_after(),
        )
        .start_emulator()
        .await
}

/// Batches in flight in the gated passes: few, so a gate that does not hold
/// shows as more `$batch`es than could have been on the wire.
const GATED_CONCURRENCY: usize = 2;

/// A run of 200 fresh shares (`tag` names their guests) whose first answer
/// for Alex's plan is a 429 asking for `retry_after` seconds, with the run
/// told to wait up to 2 s. Tried again with new guests while the client
/// could not read that answer (a fault of its batch hid it), at most five
/// times. Returns the pairs, the report and when the 429 was answered.
async fn gated_pass(
    emulator: &EmulatorHandle,
    client: &Client,
    retry_after: &str,
    tag: &str,
) -> (
    Vec<(&'static str, &'static str, String)>,
    graph_core::bulk::ShareReport,
    std::time::SystemTime,
) {
    for attempt in 0..5 {
        let pairs: Vec<_> = pairs(50)
            .into_iter()
            .map(|(d, i, e)| (d, i, format!("{tag}{attempt}-{e}")))
            .collect();
        emulator.inject(
            Injection::status(429)
                .retry_after(retry_after)
                .path_contains(seed::ALEX_PLAN_ID),
        );
        let report = client
            .bulk_share(jobs(&pairs))
            .concurrency(GATED_CONCURRENCY)
            .max_attempts(40)
            .backoff(fast_backoff())
            .wait_for_retry_after(Duration::from_secs(2))
            .run()
            .await;
        assert_eq!(emulator.pending_injections(), 0);
        let log = emulator.requests();
        let answered = log.iter().find(|r| {
            r.is_batch_inner()
                && r.status == 429
                && r.fault == Some(FaultKind::Scripted)
                && r.body.contains(&format!("{tag}{attempt}-"))
        });
        if let Some(answered) = answered {
            return (pairs, report, answered.received_at);
        }
        // The 429's batch was reset, hung or its answer spoiled: the client never read it.
        check_outcomes(emulator, &report.jobs, &pairs);
    }
    panic!("five runs, and the client never read the injected 429");
}

/// `$batch` requests that arrived in `window` after `from`.
fn batches_within(
    emulator: &EmulatorHandle,
    from: std::time::SystemTime,
    window: Duration,
) -> usize {
    batch_requests(emulator)
        .iter()
        .filter(|r| r.received_at > from && r.received_at < from + window)
        .count()
}

/// The chaos test, second edition. 2,000 shares through 30% random faults
/// on every status and a rate limit, and also connections reset before
/// and after the request was read, answers that hang past the client's
/// timeout, inner answers whose status or id is spoiled after they ran,
/// and one `Retry-After` longer than the policy waits (the run is told to
/// wait it out). Every outcome must tell the truth, checked against the
/// emulator's log and state; then a second pass sends only the jobs of
/// unknown fate again, as a careful caller would, and every pair holds
/// exactly one grant. A quarter of the way in, the app's token is revoked:
/// Graph answers the next `$batch` 401 and the client sends it again with a
/// new token, so no job sees it (unless a reset or a hang hides that 401:
/// then the send is an attempt of unknown fate). Then two gated passes: one
/// whose long `Retry-After` the run waits out (nothing is sent inside the
/// gate), one whose `Retry-After` is beyond what the run waits (the jobs it
/// holds back end unsent, and nothing more is sent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_second_edition_every_outcome_tells_the_truth_and_every_pair_ends_granted_once() {
    count_panics();
    let emulator = chaos_emulator().await;
    // Answers that hang for 4 s outlast a 2 s timeout; every other exchange
    // has 2 s to be answered, even on a loaded machine.
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(tests::credentials(&emulator, seed::CLIENT_SECRET))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    // Bounded: a run that stopped making progress fails here instead of hanging CI.
    tokio::time::timeout(Duration::from_secs(240), chaos(&emulator, &client))
        .await
        .expect("the chaos run ends in bounded time");
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "something panicked");
}

async fn chaos(emulator: &EmulatorHandle, client: &Client) {
    // One Retry-After beyond the 100 ms the backoff policy waits.
    emulator.inject(
        Injection::status(429)
            .retry_after("0.3")
            .path_contains(seed::GROUP_LAUNCH_ID),
    );
    let pairs = pairs(500);
    assert_eq!(pairs.len(), 2000);

    let run = client
        .bulk_share(jobs(&pairs))
        .concurrency(4)
        .max_attempts(40)
        .backoff(fast_backoff())
        .wait_for_retry_after(Duration::from_secs(2))
        .start();
    // A run that ended early goes on to the checks instead of waiting here forever.
    while run.progress().done < 500 && !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    emulator.revoke_tokens();
    let report = run.report().await;

    // One outcome per input, in order.
    assert_eq!(report.jobs.len(), 2000);
    for (index, (job, (_, item, _))) in report.jobs.iter().zip(&pairs).enumerate() {
        assert_eq!(job.index, index);
        assert!(matches!(&job.item, ItemLocator::Drive { item_id, .. } if item_id == item));
    }

    // The run met every fault, the long Retry-After included (its entry
    // may be marked by a later fault of its batch: a reset, a hang).
    let log = emulator.requests();
    for kind in UNREADABLE.into_iter().chain([FaultKind::Random]) {
        assert!(
            log.iter().any(|r| r.fault == Some(kind)),
            "no {kind:?} in the run"
        );
    }
    assert_eq!(emulator.pending_injections(), 0);
    assert!(log.iter().any(|r| r.is_batch_inner()
        && r.status == 429
        && r.path.contains(seed::GROUP_LAUNCH_ID)
        && !matches!(r.fault, Some(FaultKind::Random | FaultKind::RateLimited))));

    // Each outcome tells the truth about the emulator's state and log.
    let unknown = check_outcomes(emulator, &report.jobs, &pairs);
    assert!(
        !unknown.is_empty(),
        "poisoned replies leave some fates unknown"
    );

    // The revoked token was refused, and replaced: every `$batch` whose
    // 401 the client read was sent again at once (no job saw it; one whose
    // 401 a reset or a hang hid was an attempt, checked above).
    let outer = batch_requests(emulator);
    let refused = outer.iter().filter(|r| r.status == 401).count();
    assert!(refused >= 1, "the revoked token reached Graph");
    assert!(tests::token_requests(emulator).len() >= 2);

    // What the emulator saw is what the engine reports.
    let inner = batch_inner_requests(emulator);
    // `$batch` requests sent, the one refused for its token and the resend
    // included.
    assert_eq!(outer.len() as u64, report.round_trips);
    let answered = inner
        .iter()
        .filter(|r| !matches!(r.fault, Some(FaultKind::ResetAfterRun | FaultKind::Hung)))
        .count();
    assert_eq!(answered as u64, report.requests_answered);
    let statuses: std::collections::BTreeSet<u16> = inner
        .iter()
        .filter(|r| r.fault == Some(FaultKind::Random))
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.is_superset(&[429, 500, 502, 503, 504, 507].into()),
        "{statuses:?}"
    );

    // A careful caller sends again only the jobs whose fate is unknown,
    // until none is left.
    let mut left: Vec<usize> = unknown;
    for _ in 0..6 {
        if left.is_empty() {
            break;
        }
        let again: Vec<_> = left.iter().map(|&i| pairs[i].clone()).collect();
        let report = client
            .bulk_share(jobs(&again))
            .max_attempts(40)
            .backoff(fast_backoff())
            .wait_for_retry_after(Duration::from_secs(2))
            .run()
            .await;
        left = report
            .jobs
            .iter()
            .filter(|j| !j.outcome.is_granted())
            .map(|j| {
                assert!(
                    matches!(j.outcome, ShareOutcome::Unknown(_)),
                    "{:?}",
                    j.outcome
                );
                left[j.index]
            })
            .collect();
    }
    assert!(left.is_empty(), "{} jobs still of unknown fate", left.len());
    // Nothing lost, nothing doubled: exactly one grant per pair.
    let mut grants: HashMap<(&str, &str), HashMap<String, usize>> = HashMap::new();
    for (drive, item, email) in &pairs {
        let grants = grants
            .entry((drive, item))
            .or_insert_with(|| grants_for(emulator, drive, item));
        assert_eq!(grants.get(email), Some(&1), "{item} / {email}");
    }

    // A Retry-After of 1.5 s, beyond the policy but within what the run
    // waits: once the client has read it, nothing is sent for 1.5 s. What
    // arrives in that time was on the wire, or sent before the answer was
    // read (a batch or two), or the resend of a batch refused for its
    // token; a run that went on would send a batch every few tens of ms.
    let (waited, report, asked_at) = gated_pass(emulator, client, "1.5", "waited").await;
    check_outcomes(emulator, &report.jobs, &waited);
    let inside = batches_within(emulator, asked_at, Duration::from_millis(1500));
    assert!(
        inside <= GATED_CONCURRENCY + 2,
        "{inside} batches arrived inside the 1.5 s gate"
    );
    assert!(
        report.jobs.iter().all(|j| !matches!(
            &j.outcome,
            ShareOutcome::Failed(Error::Batch(graph_core::BatchError::HeldBack { .. }))
        )),
        "a wait the run allows holds nothing back"
    );

    // A Retry-After of 60 s, beyond the 2 s the run waits: every job it
    // holds back ends unsent with it, and nothing is sent after it but
    // what was already on its way.
    let (held, report, asked_at) = gated_pass(emulator, client, "60", "held").await;
    check_outcomes(emulator, &report.jobs, &held);
    let after = batches_within(emulator, asked_at, Duration::from_secs(3600));
    assert!(
        after <= GATED_CONCURRENCY + 2,
        "{after} batches arrived after the long Retry-After"
    );
    let held_back = report
        .jobs
        .iter()
        .filter(|j| {
            matches!(&j.outcome, ShareOutcome::Failed(e @ Error::Batch(graph_core::BatchError::HeldBack { .. }))
                if e.retry_after() == Some("60") && e.status() == Some(429))
        })
        .count();
    assert!(
        held_back > 0,
        "{:?}",
        report.jobs.iter().map(|j| &j.outcome).collect::<Vec<_>>()
    );
}

/// A `$batch` Graph refuses for its revoked token, whose connection is
/// then reset: the client never reads the 401, so it can neither tell that
/// nothing ran nor send it again with a new token. The send counts as an
/// attempt and the job's fate is unknown; the emulator's log shows that send
/// (the chaos run meets this when a reset or a hang falls on a `$batch`
/// refused for the token revoked in its middle).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refusal_the_client_never_read_is_an_attempt_of_unknown_fate() {
    let emulator = Setup::new()
        .faults(Faults::new().resets(0.0, 1.0))
        .start_emulator()
        .await;
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(tests::credentials(&emulator, seed::CLIENT_SECRET))
        .build()
        .unwrap();
    // A first run gets the token (the token endpoint is never reset); its
    // invite ran, and its answer was lost with the connection.
    let first = vec![pairs(1).swap_remove(0)];
    let report = client.bulk_share(jobs(&first)).max_attempts(1).run().await;
    assert_eq!(check_outcomes(&emulator, &report.jobs, &first), [0]);

    emulator.revoke_tokens();
    let (drive, item) = (seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID);
    let refused = vec![(drive, item, "refused@fabrikam.example".to_owned())];
    let report = client
        .bulk_share(jobs(&refused))
        .max_attempts(1)
        .run()
        .await;
    let unread: Vec<_> = batch_requests(&emulator)
        .into_iter()
        .filter(|r| r.status == 401)
        .collect();
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert_eq!(unread[0].fault, Some(FaultKind::ResetAfterRun));
    let job = &report.jobs[0];
    assert_eq!(job.attempts, 1);
    assert!(
        matches!(&job.outcome, ShareOutcome::Unknown(e) if e.is_fate_unknown()),
        "{:?}",
        job.outcome
    );
    // Nothing ran: the token was refused before the invite.
    assert_eq!(grants_for(&emulator, drive, item).get(&refused[0].2), None);
    assert_eq!(check_outcomes(&emulator, &report.jobs, &refused), [0]);
}

/// 80 jobs go out as one round of four `$batch`es of 20, into a bucket of
/// 76 that refills two tokens a second. They can all pass only if they
/// arrive spread over two seconds or more, so the limit binds by count
/// whatever the machine's speed; the four jobs over it are throttled, wait
/// and are sent again, one token at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_that_must_bind_is_honoured_and_nothing_is_lost() {
    let (emulator, client) = Setup::new()
        .rate_limit(RateLimit::per_second(2).burst(76))
        .start()
        .await;
    let pairs = pairs(20);
    assert_eq!(pairs.len(), 80);
    let report = client
        .bulk_share(jobs(&pairs))
        .concurrency(4)
        .max_attempts(50)
        .run()
        .await;
    assert_eq!(
        report.granted(),
        80,
        "{:?}",
        report.jobs.iter().find(|j| !j.outcome.is_granted())
    );
    // How long the gate holds jobs back is checked on a paused clock in
    // graph-core's engine tests; here, against a real rate limit, that
    // honouring it loses nothing and keeps throttling small.
    let throttled: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.status == 429)
        .collect();
    assert!(!throttled.is_empty(), "the rate limit was reached");
    assert!(
        throttled
            .iter()
            .all(|r| r.fault == Some(FaultKind::RateLimited)),
        "every 429 came from the limiter"
    );
    // Honouring Retry-After keeps throttled answers few: resent when the
    // bucket has a token again, the four jobs over it meet 4 + 3 + 2 + 1 of
    // them (fewer on a slow machine, whose resends find more tokens); twice
    // that is allowed. A client that came back early would meet one per
    // attempt for as long as the bucket stays blocked.
    assert!(
        throttled.len() <= 20,
        "{} throttled answers for 80 jobs",
        throttled.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_stops_cleanly_and_reports_what_finished() {
    let (emulator, client) = slow_emulator().await;
    let pairs = pairs(250);
    let run = client.bulk_share(jobs(&pairs)).concurrency(2).start();
    // A run that ended early fails the count below instead of hanging here.
    while run.progress().done < 40 && !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    run.cancel_handle().cancel();
    let report = run.report().await;
    assert!(report.cancelled);
    let granted = report.granted();
    let cancelled = report.cancelled_jobs();
    assert!(granted >= 40, "granted {granted}");
    assert_eq!(
        report.jobs.len(),
        granted + cancelled,
        "every job taken is accounted for"
    );
    // Jobs never taken from the input are not in the report: by position, they never started.
    assert!(
        report.jobs.len() < 500,
        "the engine stopped taking jobs: {}",
        report.jobs.len()
    );
    // Granted jobs are in the emulator; cancelled ones never reached it.
    for job in &report.jobs {
        let ItemLocator::Drive { drive_id, item_id } = &job.item else {
            unreachable!()
        };
        let (_, _, email) = &pairs[job.index];
        let stored = grants_for(&emulator, drive_id, item_id).contains_key(email);
        match job.outcome {
            ShareOutcome::Granted(_) => assert!(stored, "{email}"),
            ShareOutcome::Cancelled => {
                assert_eq!(job.attempts, 0);
                assert!(!stored, "{email}");
            }
            _ => panic!("unexpected {:?}", job.outcome),
        }
    }
}

/// A channel as a stream, as an application feeding jobs while it reads them.
struct Jobs(tokio::sync::mpsc::Receiver<ShareJob>);

impl futures_core::Stream for Jobs {
    type Item = ShareJob;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ShareJob>> {
        self.0.poll_recv(cx)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_can_arrive_from_a_stream_while_the_engine_runs() {
    let (_emulator, client) = start().await;
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let run = client.bulk_share_stream(Jobs(rx)).start();
    for (drive, item, email) in pairs(15) {
        tx.send(job(drive, item, &email)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(tx);
    let report = run.report().await;
    assert_eq!(report.jobs.len(), 60);
    assert_eq!(report.granted(), 60);
}

#[tokio::test]
async fn a_job_that_breaks_a_rule_fails_without_being_sent() {
    let (emulator, client) = start().await;
    // No recipient: a documented rule ("recipients" is the one invite
    // parameter the CSDL marks Nullable="false").
    let bad = ShareJob::new(alex_plan(), InviteBody::new(Vec::<DriveRecipient>::new()));
    let good = job(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID, seed::ADELE_EMAIL);
    let undeliverable = ShareJob::new(
        ItemLocator::me(seed::ME_Q3_ID),
        InviteBody::new([DriveRecipient::email(seed::UNDELIVERABLE_EMAIL)])
            .with_roles([Role::Read])
            .with_send_invitation(true),
    );
    let missing = job(seed::ALEX_DRIVE_ID, "01NOPE", seed::LEE_EMAIL);
    let report = client
        .bulk_share([bad, good, undeliverable, missing])
        .run()
        .await;
    assert!(
        matches!(&report.jobs[0].outcome, ShareOutcome::Failed(Error::Validation(e)) if e.field() == "recipients")
    );
    assert_eq!(report.jobs[0].attempts, 0);
    assert!(matches!(report.jobs[1].outcome, ShareOutcome::Granted(_)));
    assert!(
        matches!(&report.jobs[2].outcome, ShareOutcome::PartiallyGranted(r) if r.notification_failures().count() == 1)
    );
    assert!(matches!(&report.jobs[3].outcome, ShareOutcome::Failed(e) if e.status() == Some(404)));
    assert_eq!(report.jobs[3].attempts, 1, "a 404 is not retried");
    let inner = batch_inner_requests(&emulator).len();
    assert_eq!(inner, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_longer_than_the_policy_allows_ends_the_jobs_it_holds_back_unsent() {
    let (emulator, client) = start().await;
    // Larger than any Duration: the engine must neither overflow nor wait.
    emulator.inject(
        Injection::status(429)
            .retry_after("99999999999999999999")
            .path_contains(seed::ALEX_PLAN_ID),
    );
    let pairs = pairs(10);
    // One batch at a time: the first batch's answer closes the gate before the next is sent.
    let report = client
        .bulk_share(jobs(&pairs))
        .concurrency(1)
        .batch_size(5)
        .run()
        .await;
    assert_eq!(report.jobs.len(), 40);
    // The first batch: Alex's plan, five guests; the injection hit one.
    let throttled: Vec<_> = report.jobs[..5]
        .iter()
        .filter(|j| matches!(&j.outcome, ShareOutcome::Failed(e) if e.status() == Some(429)))
        .collect();
    assert_eq!(
        throttled.len(),
        1,
        "{:?}",
        report.jobs[..5]
            .iter()
            .map(|j| &j.outcome)
            .collect::<Vec<_>>()
    );
    assert_eq!(throttled[0].attempts, 1, "not sent again");
    assert_eq!(
        report.jobs[..5]
            .iter()
            .filter(|j| j.outcome.is_granted())
            .count(),
        4
    );
    // Every later job ends unsent, with the Retry-After that held it back.
    for job in &report.jobs[5..] {
        match &job.outcome {
            ShareOutcome::Failed(error @ Error::Batch(graph_core::BatchError::HeldBack { .. })) => {
                assert_eq!(error.retry_after(), Some("99999999999999999999"));
                assert_eq!(error.status(), Some(429));
            }
            other => panic!("job {}: {other:?}", job.index),
        }
        assert_eq!(job.attempts, 0);
    }
    assert_eq!(
        batch_requests(&emulator).len(),
        1,
        "nothing more went into the throttle"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_told_to_wait_as_long_as_asked_survives_a_retry_after_too_large_for_the_clock() {
    let (emulator, client) = start().await;
    emulator.inject(
        Injection::status(429)
            .retry_after("99999999999999999999")
            .path_contains(seed::ALEX_PLAN_ID),
    );
    let report = client
        .bulk_share(jobs(&pairs(5)))
        .concurrency(1)
        .batch_size(5)
        .wait_for_retry_after(Duration::MAX)
        .run()
        .await;
    // One outcome per input: the run neither panicked nor waited a century.
    assert_eq!(report.jobs.len(), 20);
    assert_eq!(report.granted(), 4, "{report:?}");
    for job in &report.jobs[5..] {
        assert!(
            matches!(
                &job.outcome,
                ShareOutcome::Failed(Error::Batch(graph_core::BatchError::HeldBack { .. }))
            ),
            "job {}: {:?}",
            job.index,
            job.outcome
        );
    }
    assert_eq!(batch_requests(&emulator).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_told_to_wait_waits_out_a_retry_after_beyond_the_policy() {
    let (emulator, client) = start().await;
    emulator.inject(
        Injection::status(503)
            .retry_after("0.3")
            .path_contains(seed::ALEX_PLAN_ID),
    );
    let short = || {
        quick_retries_builder()
            .max_delay(Duration::from_millis(100))
            .build()
            .unwrap()
    };
    // Without waiting: 0.3 s is beyond the 100 ms the policy waits.
    let report = client
        .bulk_share(jobs(&pairs(2)))
        .backoff(short())
        .run()
        .await;
    assert_eq!(report.failed(), 1, "{report:?}");
    emulator.inject(
        Injection::status(503)
            .retry_after("0.3")
            .path_contains(seed::ALEX_PLAN_ID),
    );
    let report = client
        .bulk_share(jobs(&pairs(2)))
        .backoff(short())
        .wait_for_retry_after(Duration::from_secs(1))
        .run()
        .await;
    assert_eq!(report.granted(), 8, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_run_stops_it() {
    let (emulator, client) = slow_emulator().await;
    let run = client.bulk_share(jobs(&pairs(250))).concurrency(1).start();
    // A run that ended early fails the count below instead of hanging here.
    while run.progress().done < 20 && !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(run);
    let at_drop = batch_requests(&emulator).len();
    // One batch at a time: only the one on the wire may still land, however
    // late; a bound instead of a settling time, so a slow machine cannot
    // fail it. An engine that kept going would send one every 20-30 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let batches = batch_requests(&emulator).len();
    assert!(
        batches <= at_drop + 1,
        "the engine kept sending after its run was dropped: {at_drop} batches, then {batches}"
    );
    assert!(batches < 25, "{batches} of the 50 batches were sent");
}

/// Shares Alex's plan with `count` guests, through whatever faults the
/// emulator has, and returns the new permissions' ids in guest order.
async fn grant_guests(client: &Client, count: usize) -> Vec<String> {
    let shares: Vec<_> = (0..count)
        .map(|n| {
            let email = format!("guest{n}@fabrikam.example");
            job(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID, &email)
        })
        .collect();
    let report = client
        .bulk_share(shares)
        .max_attempts(40)
        .backoff(fast_backoff())
        .run()
        .await;
    report
        .jobs
        .iter()
        .map(|job| match &job.outcome {
            ShareOutcome::Granted(granted) => granted.value[0].id.clone().unwrap(),
            other => panic!("guest {} not granted: {other:?}", job.index),
        })
        .collect()
}

/// Quick retries whose backoff also stays short: at most 100 ms.
fn fast_backoff() -> RetryPolicy {
    quick_retries_builder()
        .max_delay(Duration::from_millis(100))
        .build()
        .unwrap()
}

/// How many times each permission id was attempted by a `DELETE`, by
/// [`inner_attempts`].
fn deletes_seen(log: &[graph_emulator::LoggedRequest]) -> HashMap<String, u32> {
    let mut seen = HashMap::new();
    for attempt in inner_attempts(log) {
        if attempt.method == "DELETE" {
            let id = attempt
                .url
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            *seen.entry(id).or_insert(0) += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_revokes_under_faults_remove_every_permission_and_account_for_every_attempt() {
    let (emulator, client) = Setup::new()
        .seed(9)
        .faults(
            Faults::new()
                .failure_rate(0.30)
                .retry_after_secs(0.02)
                .sub_second_retry_after(),
        )
        .rate_limit(
            RateLimit::per_second(1500)
                .burst(40)
                .sub_second_retry_after(),
        )
        .start()
        .await;
    let ids = grant_guests(&client, 300).await;
    emulator.clear_requests();

    let item = alex_plan();
    let revokes: Vec<_> = ids
        .iter()
        .map(|id| item.delete_permission(id.as_str()))
        .collect();
    let report = client
        .bulk(revokes)
        .max_attempts(40)
        .backoff(fast_backoff())
        .run()
        .await;

    assert_eq!(report.jobs.len(), 300);
    assert_eq!(
        report.succeeded(),
        300,
        "{:?}",
        report.jobs.iter().find(|j| !j.outcome.is_success())
    );
    for (index, job) in report.jobs.iter().enumerate() {
        assert_eq!(job.index, index);
        assert!(
            matches!(job.outcome, Outcome::Succeeded(())),
            "{:?}",
            job.outcome
        );
    }
    let left: Vec<_> = emulator
        .permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        .into_iter()
        .filter(|p| ids.iter().any(|id| p["id"] == id.as_str()))
        .collect();
    assert!(left.is_empty(), "{} revoked permissions remain", left.len());

    // What the emulator saw is what the run reports, job by job.
    let log = emulator.requests();
    let outer = batch_requests(&emulator).len() as u64;
    let inner = batch_inner_requests(&emulator).len() as u64;
    assert_eq!(
        (outer, inner),
        (report.round_trips, report.requests_answered)
    );
    let faulted = log.iter().filter(|r| r.fault_injected()).count();
    assert!(faulted > 50, "the run met real faults: {faulted}");
    let seen = deletes_seen(&log);
    for (job, id) in report.jobs.iter().zip(&ids) {
        assert_eq!(job.attempts, seen[id], "job {} ({id})", job.index);
    }
}

#[tokio::test]
async fn each_bulk_job_ends_with_its_typed_response_or_its_own_error() {
    let (emulator, client) = start().await;
    let ids = grant_guests(&client, 2).await;
    let item = alex_plan();
    let updates = [
        item.update_permission(ids[0].as_str(), PermissionUpdate::new([Role::Write])),
        item.update_permission("no-such-permission", PermissionUpdate::new([Role::Write])),
        // An empty permission id cannot be sent (an empty path segment).
        item.update_permission("", PermissionUpdate::new([Role::Write])),
        item.update_permission(ids[1].as_str(), PermissionUpdate::new([Role::Write])),
    ];
    emulator.clear_requests();
    let report = client.bulk(updates).run().await;

    match &report.jobs[0].outcome {
        Outcome::Succeeded(permission) => {
            assert_eq!(permission.id.as_deref(), Some(ids[0].as_str()));
            assert_eq!(permission.roles, [Role::Write]);
        }
        other => panic!("expected the updated permission, got {other:?}"),
    }
    assert!(
        matches!(&report.jobs[1].outcome, Outcome::Failed(e) if e.status() == Some(404)),
        "{:?}",
        report.jobs[1].outcome
    );
    assert_eq!(report.jobs[1].attempts, 1, "a 404 is not sent again");
    assert!(
        matches!(&report.jobs[2].outcome, Outcome::Failed(graph_core::Error::Validation(e)) if e.field() == "permission_id")
    );
    assert_eq!(
        report.jobs[2].attempts, 0,
        "a job that breaks a rule is not sent"
    );
    assert!(report.jobs[3].outcome.is_success());
    assert_eq!((report.succeeded(), report.failed()), (2, 2));
    let inner = batch_inner_requests(&emulator).len();
    assert_eq!(inner, 3);
    let stored = emulator.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    for id in &ids {
        let permission = stored.iter().find(|p| p["id"] == id.as_str()).unwrap();
        assert_eq!(permission["roles"], serde_json::json!(["write"]), "{id}");
    }
}
