//! The scheduler driven by a scripted transport, on Tokio's paused clock:
//! every wait is exact and nothing touches the network.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde_json::value::RawValue;

use super::*;
use crate::batch::decide::Scope;
use crate::error::Answered;
use crate::retry::RetryPolicy;
use crate::{Method, Request};

const MS: Duration = Duration::from_millis(1);

/// How the script answers one request, or a whole batch.
#[derive(Debug, Clone)]
enum Reply {
    /// An inner answer: status and `Retry-After`.
    Inner(u16, Option<&'static str>),
    /// The reply leaves this id out.
    Missing,
    /// The whole `$batch` is answered with this status and `Retry-After`.
    Whole(u16, Option<&'static str>),
    /// The whole `$batch` is a 200 whose body cannot be read.
    Unreadable,
    /// No token for the whole `$batch`: the token endpoint answered this
    /// status, or (`None`) could not be reached. Nothing goes to Graph.
    NoToken(Option<u16>),
    /// The round trip takes this long, then answers 200.
    Slow(Duration),
    /// The task sending the batch panics.
    Panic,
    /// An inner answer with this id that cannot be read: Graph ran it.
    Garbled,
    /// The reply answers this id twice: Graph ran it.
    Duplicated,
    /// The reply answers this request 201 under an id that is a number, not
    /// a string: read by the wire format, it answers no requested id.
    IdSpoiled,
    /// The transport hands back no answer at all for this job (a shorter list).
    Dropped,
}

/// One `$batch` the script received: when, and the paths in it.
#[derive(Debug, Clone)]
struct Sent {
    at: tokio::time::Instant,
    paths: Vec<String>,
}

/// Answers each path with its scripted replies in turn, then 200.
#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<HashMap<String, VecDeque<Reply>>>>,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Script {
    fn on(self, path: &str, replies: impl IntoIterator<Item = Reply>) -> Self {
        self.replies
            .lock()
            .unwrap()
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
        self
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// When each `$batch` carrying `path` was sent, from the start of the test.
    fn sends_of(&self, path: &str, start: tokio::time::Instant) -> Vec<Duration> {
        self.sent()
            .iter()
            .filter(|s| s.paths.iter().any(|p| p == path))
            .map(|s| s.at - start)
            .collect()
    }

    fn next(&self, path: &str) -> Option<Reply> {
        self.replies.lock().unwrap().get_mut(path)?.pop_front()
    }

    /// A batch answered whole uses only the reply that answered it: the
    /// other jobs' replies stay for their next send.
    fn put_back_all_but_the_first_whole(&self, paths: &[String], replies: &[Option<Reply>]) {
        let Some(first) = replies.iter().position(|r| {
            matches!(
                r,
                Some(Reply::Whole(..) | Reply::Unreadable | Reply::NoToken(_))
            )
        }) else {
            return;
        };
        let mut all = self.replies.lock().unwrap();
        for (n, (path, reply)) in paths.iter().zip(replies).enumerate() {
            if let (true, Some(reply)) = (n != first, reply) {
                all.entry(path.clone())
                    .or_default()
                    .push_front(reply.clone());
            }
        }
    }
}

fn whole(status: u16, retry_after: Option<&str>) -> Error {
    Error::from_answer(Answered {
        status,
        content_type: Some("application/json"),
        body: br#"{"error":{"code":"scripted"}}"#,
        request_id: None,
        client_request_id: None,
        date: None,
        retry_after: retry_after.map(str::to_owned),
        attempts: 1,
    })
}

fn no_token(status: Option<u16>) -> Error {
    let auth = match status {
        Some(status) => crate::error::AuthError::refused(
            status,
            crate::error::AnswerHeaders::default(),
            br#"{"error":"temporarily_unavailable"}"#,
        ),
        None => crate::error::AuthError::unreachable(None),
    };
    Error::Auth(Box::new(auth))
}

fn inner(status: u16, retry_after: Option<&str>) -> InnerReply {
    let mut headers = HashMap::new();
    if let Some(value) = retry_after {
        headers.insert("Retry-After".to_owned(), value.into());
    }
    InnerReply {
        status,
        headers,
        body: RawValue::from_string(r#"{"ok":true}"#.to_owned()).ok(),
    }
}

impl Transport for Script {
    async fn round_trip<'a>(
        &'a self,
        requests: &'a [(String, &'a Request)],
    ) -> Result<ChunkReply, Error> {
        let paths: Vec<String> = requests
            .iter()
            .map(|(_, r)| r.path_and_query().to_owned())
            .collect();
        let replies: Vec<Option<Reply>> = paths.iter().map(|p| self.next(p)).collect();
        self.put_back_all_but_the_first_whole(&paths, &replies);
        // Without a token the batch never leaves: Graph sees nothing.
        if let Some(Reply::NoToken(status)) = replies
            .iter()
            .flatten()
            .find(|r| matches!(r, Reply::NoToken(_)))
        {
            return Err(no_token(*status));
        }
        self.sent.lock().unwrap().push(Sent {
            at: tokio::time::Instant::now(),
            paths: paths.clone(),
        });
        for reply in replies.iter().flatten() {
            match reply {
                Reply::Whole(status, retry_after) => return Err(whole(*status, *retry_after)),
                Reply::Unreadable => {
                    let source = serde_json::from_str::<u8>("{").unwrap_err();
                    return Err(Error::decode(200, None, b"{", source));
                }
                Reply::Slow(wait) => tokio::time::sleep(*wait).await,
                Reply::Panic => panic!("scripted panic"),
                _ => {}
            }
        }
        if replies.iter().any(|r| matches!(r, Some(Reply::IdSpoiled))) {
            return Ok(spoiled_ids(requests, &replies));
        }
        let answers = requests
            .iter()
            .zip(replies)
            .filter(|(_, reply)| !matches!(reply, Some(Reply::Dropped)))
            .map(|((id, _), reply)| {
                let answer = match reply {
                    Some(Reply::Inner(status, retry_after)) => Ok(inner(status, retry_after)),
                    Some(Reply::Missing) => Err(BatchError::Missing { id: id.clone() }),
                    Some(Reply::Duplicated) => Err(BatchError::Duplicated { id: id.clone() }),
                    Some(Reply::Garbled) => Err(BatchError::Unreadable {
                        id: id.clone(),
                        reason: "the status \"200\" is no HTTP status".to_owned(),
                        request_id: Some("r-1".to_owned()),
                        snippet: r#"{"status":"200"}"#.to_owned(),
                    }),
                    _ => Ok(inner(200, None)),
                };
                (id.clone(), answer)
            })
            .collect();
        Ok(ChunkReply {
            answers,
            outer_attempts: 1,
        })
    }
}

/// A reply as Graph's JSON, read by the wire format: each request answered
/// 200 under its id, but those scripted `IdSpoiled`, answered 201 under
/// their id as a number.
fn spoiled_ids(requests: &[(String, &Request)], replies: &[Option<Reply>]) -> ChunkReply {
    let responses: Vec<serde_json::Value> = requests
        .iter()
        .zip(replies)
        .map(|((id, _), reply)| match reply {
            Some(Reply::IdSpoiled) => {
                serde_json::json!({"id": id.parse::<u64>().unwrap(), "status": 201, "body": {}})
            }
            _ => serde_json::json!({"id": id, "status": 200, "body": {}}),
        })
        .collect();
    let reply = serde_json::from_value(serde_json::json!({ "responses": responses })).unwrap();
    let ids: Vec<String> = requests.iter().map(|(id, _)| id.clone()).collect();
    ChunkReply {
        answers: crate::batch::wire::match_ids(&ids, reply),
        outer_attempts: 1,
    }
}

fn request(path: &str) -> Request {
    Request::new(Method::Delete, "/x/<id>", path.to_owned(), Vec::new(), None)
}

/// Paths `/j0`, `/j1`, … as the engine's input, tagged with their number.
fn jobs(count: usize) -> Source<usize> {
    Source::Iter(Box::new((0..count).map(|n| Entry {
        tag: n,
        request: Ok(request(&format!("/j{n}"))),
    })))
}

fn policy() -> RetryPolicy {
    RetryPolicy::builder()
        .base_delay(100 * MS)
        .max_delay(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn settings(scope: Scope, concurrency: usize, batch_size: usize) -> Settings {
    Settings {
        concurrency,
        batch_size,
        rules: Rules::new(scope, &policy(), 8),
    }
}

async fn run_script(
    script: &Script,
    source: Source<usize>,
    settings: Settings,
) -> Finished<usize, Answer> {
    run(
        script.clone(),
        source,
        settings,
        Ok,
        Arc::default(),
        Arc::default(),
    )
    .await
}

fn done(finished: &Finished<usize, Answer>) -> usize {
    finished
        .jobs
        .iter()
        .filter(|j| matches!(j.end, End::Done(_)))
        .count()
}

#[test]
fn a_batch_is_full_while_the_input_may_have_more_then_takes_what_is_due() {
    assert_eq!(batch_wanted(20, false, 0), 20);
    assert_eq!(batch_wanted(20, true, 5), 5);
    assert_eq!(batch_wanted(20, true, 45), 20);
    assert_eq!(batch_wanted(7, true, 0), 0);
}

#[test]
fn due_jobs_are_taken_first_queued_first_and_the_rest_keep_their_order() {
    let now = Instant::now();
    let job = |index: usize, wait: Option<Duration>| Job {
        index,
        request: request("/x"),
        history: History::default(),
        not_before: wait.map(|w| now + w),
        last_error: None,
        maybe_ran: false,
        mark: 0,
    };
    let mut queue: VecDeque<Job> = [
        job(0, Some(MS)),
        job(1, None),
        job(2, Some(Duration::ZERO)),
        job(3, None),
        job(4, Some(MS)),
        job(5, None),
    ]
    .into();
    let taken = take_due(&mut queue, now, 3);
    assert_eq!(taken.iter().map(|j| j.index).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(queue.iter().map(|j| j.index).collect::<Vec<_>>(), [0, 4, 5]);
    let later = take_due(&mut queue, now + MS, 20);
    assert_eq!(later.iter().map(|j| j.index).collect::<Vec<_>>(), [0, 4, 5]);
    assert!(queue.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_holds_back_every_job_for_as_long_as_it_asks() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::Inner(429, Some("2"))]);
    // Batches of three, one at a time: /j3 goes in the batch after /j0's.
    // One throttled answer in three is no congestion: no pacing, the gate only.
    let finished = run_script(&script, jobs(6), settings(Scope::Transient, 1, 3)).await;
    assert_eq!(done(&finished), 6);
    assert_eq!(
        script.sends_of("/j0", start),
        [Duration::ZERO, 2000 * MS],
        "resent after exactly its Retry-After"
    );
    assert_eq!(
        script.sends_of("/j3", start),
        [2000 * MS],
        "the next batch is held by the gate"
    );
    assert_eq!(finished.jobs[0].attempts, 2);
    assert_eq!(finished.jobs[3].attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_policy_ends_every_job_it_holds_back_unsent() {
    let script = Script::default()
        .on("/j0", [Reply::Inner(429, Some("99999999999999999999"))])
        .on("/j1", [Reply::Missing]);
    // One at a time: /j1 is unanswered first, then waits to be sent again behind the gate.
    let finished = run_script(&script, jobs(5), settings(Scope::Transient, 1, 1)).await;
    assert!(
        matches!(&finished.jobs[0].end, End::Failed(e) if e.status() == Some(429)
            && e.retry_after() == Some("99999999999999999999")),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 1);
    // /j1 was sent once before the long answer came back... no: one at a
    // time, /j0's batch came first, so /j1 was never sent.
    for job in &finished.jobs[1..] {
        match &job.end {
            End::Failed(Error::Batch(BatchError::HeldBack {
                status,
                retry_after,
            })) => {
                assert_eq!(
                    (*status, retry_after.as_str()),
                    (429, "99999999999999999999")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(job.attempts, 0);
    }
    assert_eq!(
        script.sent().len(),
        1,
        "nothing more is sent into the throttle"
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_held_back_after_a_send_that_may_have_run_ends_unknown() {
    let script = Script::default()
        .on("/j0", [Reply::Missing])
        .on("/j1", [Reply::Inner(503, Some("3600"))]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 1, 2)).await;
    assert!(
        matches!(
            &finished.jobs[0].end,
            End::Unknown(Error::Batch(BatchError::Missing { .. }))
        ),
        "{:?}",
        finished.jobs[0]
    );
    assert!(matches!(&finished.jobs[1].end, End::Failed(e) if e.status() == Some(503)));
    assert!(matches!(
        &finished.jobs[2].end,
        End::Failed(Error::Batch(BatchError::HeldBack { status: 503, .. }))
    ));
    assert_eq!([0, 1, 2].map(|n| finished.jobs[n].attempts), [1, 1, 0]);
    assert_eq!(script.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_run_told_to_wait_waits_out_a_long_retry_after_with_every_job() {
    let start = tokio::time::Instant::now();
    // The policy waits at most 10 s; the run is told to wait up to a minute.
    let script = Script::default().on("/j0", [Reply::Inner(429, Some("20"))]);
    let mut settings = settings(Scope::Transient, 1, 1);
    settings.rules = settings.rules.waiting_up_to(Duration::from_secs(60));
    let finished = run_script(&script, jobs(3), settings).await;
    assert_eq!(done(&finished), 3);
    // Nothing is sent before the gate opens; then each job once more (the
    // pace, set by that congested batch of one, spaces them).
    let sends: Vec<Duration> = script.sent().iter().map(|s| s.at - start).collect();
    assert_eq!(sends.len(), 4, "{sends:?}");
    assert_eq!(sends[0], Duration::ZERO);
    assert!(
        sends[1..].iter().all(|at| *at >= Duration::from_secs(20)),
        "{sends:?}"
    );
    assert_eq!([0, 1, 2].map(|n| finished.jobs[n].attempts), [2, 1, 1]);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_honours_the_retry_after_of_a_504_alone() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::Inner(504, Some("3"))]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 1, 1)).await;
    assert_eq!(done(&finished), 3);
    assert_eq!(
        script.sends_of("/j0", start),
        [Duration::ZERO, Duration::from_secs(3)],
        "after its Retry-After, not the 100 ms backoff"
    );
    assert!(
        script.sends_of("/j1", start)[0] < Duration::from_secs(1),
        "a 504 closes no gate"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_inner_answer_ends_its_job_unknown_and_only_it() {
    let script = Script::default().on("/j1", [Reply::Garbled]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 4, 20)).await;
    assert!(matches!(finished.jobs[0].end, End::Done(_)));
    assert!(matches!(finished.jobs[2].end, End::Done(_)));
    match &finished.jobs[1].end {
        End::Unknown(e @ Error::Batch(batch)) => {
            assert!(batch.is_fate_unknown());
            assert_eq!(e.request_id(), Some("r-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(finished.jobs[1].attempts, 1);
    assert_eq!(script.sent().len(), 1, "Graph ran it: not sent again");
    assert_eq!(finished.totals.requests_answered, 3);
}

#[tokio::test(start_paused = true)]
async fn an_id_answered_twice_ran_and_is_never_sent_again() {
    let script = Script::default().on("/j0", [Reply::Duplicated]);
    let finished = run_script(&script, jobs(2), settings(Scope::Transient, 1, 20)).await;
    assert!(
        matches!(
            &finished.jobs[0].end,
            End::Unknown(Error::Batch(BatchError::Duplicated { id })) if id == "1"
        ),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 1);
    assert_eq!(script.sent().len(), 1, "Graph ran it: not sent again");
    assert_eq!(finished.totals.requests_answered, 2, "both were answered");
}

#[tokio::test(start_paused = true)]
async fn an_answer_whose_id_is_spoiled_may_be_the_left_over_job_s_and_is_never_sent_again() {
    let script = Script::default().on("/j0", [Reply::IdSpoiled]);
    let finished = run_script(&script, jobs(2), settings(Scope::Transient, 1, 20)).await;
    match &finished.jobs[0].end {
        End::Unknown(Error::Batch(BatchError::Unreadable { id, reason, .. })) => {
            assert_eq!(id, "1");
            assert!(reason.contains("may be its own"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(finished.jobs[1].end, End::Done(_)));
    assert_eq!(finished.jobs[0].attempts, 1);
    assert_eq!(script.sent().len(), 1, "Graph ran it: not sent again");
}

#[tokio::test(start_paused = true)]
async fn a_job_the_transport_hands_back_no_answer_for_is_unanswered_not_lost() {
    let start = tokio::time::Instant::now();
    // /j1 is the last of its batch: a list one short leaves it out.
    let script = Script::default().on("/j1", [Reply::Dropped]);
    let finished = run_script(&script, jobs(2), settings(Scope::Transient, 1, 20)).await;
    assert_eq!(done(&finished), 2, "{:?}", finished.jobs);
    assert_eq!(finished.jobs[1].attempts, 2, "sent, unanswered, sent again");
    assert_eq!(script.sends_of("/j1", start).len(), 2);
    // In the throttling scope it ends unknown: it was sent.
    let script = Script::default().on("/j1", [Reply::Dropped]);
    let finished = run_script(&script, jobs(2), Settings::new(Rules::of_client(&policy()))).await;
    assert!(
        matches!(
            &finished.jobs[1].end,
            End::Unknown(Error::Batch(BatchError::Missing { .. }))
        ),
        "{:?}",
        finished.jobs[1]
    );
    assert_eq!(finished.jobs[1].attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn a_run_told_to_wait_as_long_as_asked_survives_a_retry_after_too_large_for_the_clock() {
    // An inner 429, and a whole-batch 503, each asking for longer than the clock can tell.
    let cases = [
        Reply::Inner(429, Some("99999999999999999999")),
        Reply::Whole(503, Some("18446744073709551615")),
    ];
    for reply in cases {
        let script = Script::default().on("/j0", [reply.clone()]);
        let mut settings = settings(Scope::Transient, 1, 1);
        settings.rules = settings.rules.waiting_up_to(Duration::MAX);
        let finished = run_script(&script, jobs(3), settings).await;
        // Beyond a century: held back, as a run that does not wait holds it.
        assert!(
            matches!(&finished.jobs[0].end, End::Failed(e) if e.retry_after().is_some()),
            "{reply:?}: {:?}",
            finished.jobs[0]
        );
        for job in &finished.jobs[1..] {
            assert!(
                matches!(
                    &job.end,
                    End::Failed(Error::Batch(BatchError::HeldBack { .. }))
                ),
                "{reply:?}: {job:?}"
            );
        }
        assert_eq!(script.sent().len(), 1, "{reply:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_run_told_to_wait_as_long_as_asked_waits_out_a_long_retry_after() {
    let start = tokio::time::Instant::now();
    // A day is well within what `Duration::MAX` waits for.
    let script = Script::default().on("/j0", [Reply::Inner(429, Some("86400"))]);
    let mut settings = settings(Scope::Transient, 1, 1);
    settings.rules = settings.rules.waiting_up_to(Duration::MAX);
    let finished = run_script(&script, jobs(1), settings).await;
    assert_eq!(done(&finished), 1);
    // Sent again once the gate opens, at the pace that congested batch set
    // (its floor: one batch of one a second).
    assert_eq!(
        script.sends_of("/j0", start),
        [Duration::ZERO, Duration::from_secs(86401)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_final_failure_after_a_send_that_may_have_run_is_unknown_not_failed() {
    let script = Script::default().on("/j0", [Reply::Missing, Reply::Inner(404, None)]);
    let finished = run_script(&script, jobs(1), settings(Scope::Transient, 1, 1)).await;
    assert!(
        matches!(&finished.jobs[0].end, End::Unknown(e) if e.status() == Some(404)),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn a_body_that_is_not_one_json_value_fails_its_job_unsent() {
    let script = Script::default();
    let smuggler = Request::new(
        Method::Post,
        "/x/<id>",
        "/smuggler".to_owned(),
        Vec::new(),
        Some(br#"1, {"id":"9","method":"DELETE","url":"/x/victim"}"#.to_vec()),
    );
    let entries = vec![
        Entry {
            tag: 0,
            request: Ok(request("/j0")),
        },
        Entry {
            tag: 1,
            request: Ok(smuggler),
        },
    ];
    let finished = run_script(
        &script,
        Source::Iter(Box::new(entries.into_iter())),
        settings(Scope::Transient, 1, 20),
    )
    .await;
    assert!(matches!(finished.jobs[0].end, End::Done(_)));
    assert!(
        matches!(&finished.jobs[1].end, End::Failed(Error::Validation(v)) if v.field() == "body"),
        "{:?}",
        finished.jobs[1]
    );
    assert_eq!(finished.jobs[1].attempts, 0);
    let sent: Vec<String> = script.sent().into_iter().flat_map(|s| s.paths).collect();
    assert_eq!(sent, ["/j0"]);
}

#[tokio::test(start_paused = true)]
async fn a_batch_task_that_panics_counts_the_send_after_the_ones_before() {
    let script = Script::default().on("/j0", [Reply::Inner(500, None), Reply::Panic]);
    let finished = run_script(&script, jobs(1), settings(Scope::Transient, 1, 1)).await;
    assert!(matches!(&finished.jobs[0].end, End::Unknown(Error::Batch(b)) if b.is_fate_unknown()));
    assert_eq!(finished.jobs[0].attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn a_decoding_that_panics_ends_its_job_unknown_not_the_run() {
    fn panicking(_: Answer) -> Result<(), Error> {
        panic!("a bug in the caller's type");
    }
    let finished = run(
        Script::default(),
        jobs(3),
        settings(Scope::Transient, 1, 20),
        panicking,
        Arc::default(),
        Arc::default(),
    )
    .await;
    assert_eq!(finished.jobs.len(), 3);
    for job in &finished.jobs {
        assert!(matches!(
            &job.end,
            End::Unknown(Error::Batch(BatchError::Unreadable { .. }))
        ));
    }
}

#[tokio::test(start_paused = true)]
async fn batches_refused_whole_are_congestion_and_pace_what_follows() {
    let start = tokio::time::Instant::now();
    let refused = Reply::Whole(503, Some("0.05"));
    let script = Script::default().on("/j0", vec![refused; 4]);
    let finished = run_script(&script, jobs(1), settings(Scope::Transient, 1, 1)).await;
    assert_eq!(done(&finished), 1);
    let sends = script.sends_of("/j0", start);
    assert_eq!(sends[..4], [0, 50, 100, 150].map(|ms| ms * MS));
    // Four refusals in four batches: congestion. Nothing got through, so
    // the pace is at its floor, one batch (of one) a second, from when the
    // gate opens.
    assert_eq!(sends[4], 1200 * MS, "{sends:?}");
}

#[tokio::test(start_paused = true)]
async fn without_retry_after_each_job_backs_off_on_its_own() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on(
        "/j0",
        [
            Reply::Inner(500, None),
            Reply::Inner(502, None),
            Reply::Inner(503, None),
        ],
    );
    let finished = run_script(&script, jobs(2), settings(Scope::Transient, 4, 20)).await;
    assert_eq!(done(&finished), 2);
    let sends = script.sends_of("/j0", start);
    assert_eq!(sends.len(), 4);
    // 100 ms · 2ⁿ, plus up to as much again of jitter.
    for (n, pair) in sends.windows(2).enumerate() {
        let wait = pair[1] - pair[0];
        let base = 100 * MS * (1 << n);
        assert!(wait >= base && wait <= 2 * base, "retry {n}: {wait:?}");
    }
    assert_eq!(
        script.sends_of("/j1", start).len(),
        1,
        "only /j0 is sent again"
    );
}

#[tokio::test(start_paused = true)]
async fn the_throttling_scope_stops_at_server_errors_and_unanswered_ids() {
    let script = Script::default()
        .on("/j0", [Reply::Inner(500, None)])
        .on("/j1", [Reply::Missing])
        .on("/j2", [Reply::Inner(503, Some("0.05"))]);
    let rules = Rules::of_client(&policy());
    let finished = run_script(&script, jobs(3), Settings::new(rules)).await;
    assert!(matches!(&finished.jobs[0].end, End::Failed(e) if e.status() == Some(500)));
    assert!(matches!(
        &finished.jobs[1].end,
        End::Unknown(Error::Batch(BatchError::Missing { id })) if id == "2"
    ));
    assert!(matches!(finished.jobs[2].end, End::Done(_)));
    assert_eq!([0, 1, 2].map(|n| finished.jobs[n].attempts), [1, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_batch_refused_whole_is_retried_for_every_job_in_it() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::Whole(429, Some("0.5"))]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 4, 20)).await;
    assert_eq!(done(&finished), 3);
    assert!(finished.jobs.iter().all(|j| j.attempts == 2));
    assert_eq!(finished.totals.round_trips, 2);
    assert_eq!(
        finished.totals.requests_answered, 3,
        "the refused batch answered none"
    );
    // A batch throttled whole is congestion: nothing got through, so the
    // pace starts at its floor, 20 jobs a second, from when the gate opens:
    // the three jobs go 150 ms after it.
    assert_eq!(script.sends_of("/j2", start), [Duration::ZERO, 650 * MS]);
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_success_ends_its_jobs_unknown_and_sends_nothing_again() {
    let script = Script::default().on("/j1", [Reply::Unreadable]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 4, 20)).await;
    for job in &finished.jobs {
        assert!(
            matches!(&job.end, End::Unknown(e) if e.status() == Some(200)),
            "{job:?}"
        );
        assert_eq!(job.attempts, 1);
    }
    assert_eq!(script.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_batch_task_that_panics_ends_its_jobs_unknown_and_the_run_goes_on() {
    let script = Script::default().on("/j0", [Reply::Panic]);
    let finished = run_script(&script, jobs(3), settings(Scope::Transient, 4, 1)).await;
    assert!(
        matches!(&finished.jobs[0].end, End::Unknown(e @ Error::Batch(_)) if e.is_fate_unknown()),
        "{:?}",
        finished.jobs[0]
    );
    assert!(matches!(finished.jobs[1].end, End::Done(_)));
    assert!(matches!(finished.jobs[2].end, End::Done(_)));
}

#[tokio::test(start_paused = true)]
async fn a_request_that_cannot_be_built_ends_failed_unsent_in_its_place() {
    let script = Script::default();
    let entries = (0..3).map(|n| Entry {
        tag: n,
        request: if n == 1 {
            Err(Error::from(crate::ValidationError::new("roles", "empty")))
        } else {
            Ok(request(&format!("/j{n}")))
        },
    });
    let finished = run_script(
        &script,
        Source::Iter(Box::new(entries)),
        settings(Scope::Transient, 4, 20),
    )
    .await;
    assert_eq!(
        finished.jobs.iter().map(|j| j.tag).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(matches!(
        &finished.jobs[1].end,
        End::Failed(Error::Validation(_))
    ));
    assert_eq!(finished.jobs[1].attempts, 0);
    assert_eq!(script.sent()[0].paths, ["/j0", "/j2"]);
}

#[tokio::test(start_paused = true)]
async fn cancelling_lets_the_batch_on_the_wire_finish_and_sends_nothing_more() {
    let script = Script::default().on("/j0", [Reply::Slow(Duration::from_secs(1))]);
    let cancel = Arc::new(Cancel::default());
    let counters = Arc::new(Counters::default());
    let handle = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(500 * MS).await;
            cancel.cancel();
        })
    };
    let finished = run(
        script.clone(),
        jobs(100),
        settings(Scope::Transient, 1, 20),
        Ok,
        counters.clone(),
        cancel,
    )
    .await;
    handle.await.unwrap();
    assert!(finished.totals.cancelled);
    assert_eq!(script.sent().len(), 1, "nothing sent after the cancel");
    assert_eq!(done(&finished), 20, "the batch on the wire finished");
    let cancelled: Vec<_> = finished
        .jobs
        .iter()
        .filter(|j| matches!(j.end, End::Cancelled))
        .collect();
    assert!(!cancelled.is_empty() && cancelled.iter().all(|j| j.attempts == 0));
    assert_eq!(
        finished.jobs.len(),
        20 + cancelled.len(),
        "one end per input taken"
    );
    assert!(
        finished.jobs.len() < 100,
        "the input was read ahead only so far"
    );
    let progress = counters.snapshot();
    assert_eq!(
        (
            progress.done,
            progress.failed,
            progress.cancelled,
            progress.submitted
        ),
        (20, 0, cancelled.len() as u64, finished.jobs.len() as u64),
        "cancelled jobs are counted apart from failed ones, as the report counts them"
    );
    assert_eq!(progress.finished(), progress.submitted);
}

/// Seeded faults of every kind on every job: each still ends once, in
/// order, and its attempts are exactly the times the script saw it.
#[tokio::test(start_paused = true)]
async fn under_random_faults_every_input_ends_once_and_every_send_is_counted() {
    let mut rng = fastrand::Rng::with_seed(11);
    let mut script = Script::default();
    for n in 0..300 {
        let faults: Vec<Reply> = (0..rng.usize(0..4))
            .map(|_| match rng.usize(0..6) {
                0 => Reply::Inner(429, Some("0.05")),
                1 => Reply::Inner(503, None),
                2 => Reply::Inner(500, None),
                3 => Reply::Missing,
                4 => Reply::Whole(503, Some("0.02")),
                _ => Reply::Whole(502, None),
            })
            .collect();
        script = script.on(&format!("/j{n}"), faults);
    }
    let mut settings = settings(Scope::Transient, 4, 20);
    // Enough for a job that shares batches refused whole because of others.
    settings.rules = Rules::new(Scope::Transient, &policy(), 100);
    let finished = run_script(&script, jobs(300), settings).await;
    assert_eq!(finished.jobs.len(), 300);
    let mut seen: HashMap<String, u32> = HashMap::new();
    for sent in script.sent() {
        for path in sent.paths {
            *seen.entry(path).or_default() += 1;
        }
    }
    for (n, job) in finished.jobs.iter().enumerate() {
        assert_eq!(job.tag, n, "input order");
        assert!(matches!(job.end, End::Done(_)), "{job:?}");
        assert_eq!(job.attempts, seen[&format!("/j{n}")], "job {n}");
    }
    assert_eq!(finished.totals.round_trips, script.sent().len() as u64);
}

/// The rules of `send_all` under the test policy: 100 ms base, 10 s at most per wait.
fn client_settings() -> Settings {
    Settings::new(Rules::of_client(&policy()))
}

#[tokio::test(start_paused = true)]
async fn send_all_backs_off_a_429_without_retry_after_as_the_client_does() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::Inner(429, None)]);
    let finished = run_script(&script, jobs(1), client_settings()).await;
    assert!(matches!(finished.jobs[0].end, End::Done(_)));
    let sends = script.sends_of("/j0", start);
    assert_eq!(sends.len(), 2);
    // The policy's first backoff: 100 ms plus up to as much again of jitter.
    let wait = sends[1] - sends[0];
    assert!(wait >= 100 * MS && wait <= 200 * MS, "{wait:?}");
}

#[tokio::test(start_paused = true)]
async fn send_all_honours_the_retry_after_of_a_504() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::Inner(504, Some("2"))]);
    let finished = run_script(&script, jobs(1), client_settings()).await;
    assert!(matches!(finished.jobs[0].end, End::Done(_)));
    assert_eq!(script.sends_of("/j0", start), [Duration::ZERO, 2000 * MS]);
}

#[tokio::test(start_paused = true)]
async fn send_all_stops_a_504_asking_longer_than_the_policy_waits() {
    let script = Script::default().on("/j0", [Reply::Inner(504, Some("600"))]);
    let finished = run_script(&script, jobs(1), client_settings()).await;
    assert!(
        matches!(&finished.jobs[0].end, End::Failed(e) if e.status() == Some(504)),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 1);
    assert_eq!(script.sent().len(), 1);
}

#[test]
fn every_answer_s_retry_after_is_read_and_only_throttling_closes_the_gate() {
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let heard =
        |scope, status, retry_after| heard_of_answer(scope, &inner(status, retry_after), wall);
    assert_eq!(
        heard(Scope::Throttling, 429, None),
        Heard::Answered {
            status: 429,
            throttle: None,
            asked: None
        }
    );
    assert_eq!(
        heard(Scope::Throttling, 504, Some("2")),
        Heard::Answered {
            status: 504,
            throttle: None,
            asked: Some(2000 * MS)
        }
    );
    assert_eq!(
        heard(Scope::Throttling, 504, Some("600")),
        Heard::Answered {
            status: 504,
            throttle: None,
            asked: Some(Duration::from_secs(600))
        }
    );
    assert_eq!(
        heard(Scope::Transient, 429, None),
        Heard::Answered {
            status: 429,
            throttle: Some(1000 * MS),
            asked: None
        }
    );
}

fn auth_kind(end: &End<Answer>) -> Option<(crate::AuthErrorKind, Option<u16>)> {
    match end {
        End::Failed(Error::Auth(auth)) => Some((auth.kind(), auth.status())),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_throttled_token_endpoint_fails_send_all_jobs_unsent_and_closes_no_gate() {
    let start = tokio::time::Instant::now();
    let script = Script::default().on("/j0", [Reply::NoToken(Some(429))]);
    let mut settings = client_settings();
    (settings.concurrency, settings.batch_size) = (1, 1);
    let finished = run_script(&script, jobs(2), settings).await;
    assert_eq!(
        auth_kind(&finished.jobs[0].end),
        Some((crate::AuthErrorKind::Refused, Some(429))),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 0, "nothing reached Graph");
    assert!(matches!(finished.jobs[1].end, End::Done(_)));
    assert_eq!(
        script.sends_of("/j1", start),
        [Duration::ZERO],
        "the token endpoint's 429 is not Graph's: no gate"
    );
    assert_eq!(finished.totals.round_trips, 1, "only /j1's batch left");
    assert_eq!(finished.totals.requests_answered, 1);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_tries_again_when_the_token_endpoint_was_unreachable() {
    let script = Script::default().on("/j0", [Reply::NoToken(None), Reply::NoToken(Some(503))]);
    let finished = run_script(&script, jobs(1), settings(Scope::Transient, 1, 1)).await;
    assert!(
        matches!(finished.jobs[0].end, End::Done(_)),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(
        finished.jobs[0].attempts, 1,
        "only the send that left counts"
    );
    assert_eq!(script.sent().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_refused_a_token_fails_unsent_and_is_not_tried_again() {
    let script = Script::default().on("/j0", [Reply::NoToken(Some(400))]);
    let finished = run_script(&script, jobs(1), settings(Scope::Transient, 1, 1)).await;
    assert_eq!(
        auth_kind(&finished.jobs[0].end),
        Some((crate::AuthErrorKind::Refused, Some(400))),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 0);
    assert!(script.sent().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_whose_token_never_comes_ends_within_its_attempts() {
    let script = Script::default().on("/j0", vec![Reply::NoToken(None); 20]);
    let mut settings = settings(Scope::Transient, 1, 1);
    settings.rules = Rules::new(Scope::Transient, &policy(), 3);
    let finished = run_script(&script, jobs(1), settings).await;
    assert_eq!(
        auth_kind(&finished.jobs[0].end),
        Some((crate::AuthErrorKind::Unreachable, None)),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 0);
    assert_eq!(
        script.replies.lock().unwrap()["/j0"].len(),
        17,
        "three tries in all"
    );
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_unanswered_on_its_last_attempt_ends_unknown() {
    let script = Script::default().on("/j0", [Reply::Missing, Reply::Missing]);
    let mut settings = settings(Scope::Transient, 1, 1);
    settings.rules = Rules::new(Scope::Transient, &policy(), 2);
    let finished = run_script(&script, jobs(1), settings).await;
    assert!(
        matches!(
            &finished.jobs[0].end,
            End::Unknown(Error::Batch(BatchError::Missing { .. }))
        ),
        "{:?}",
        finished.jobs[0]
    );
    assert_eq!(finished.jobs[0].attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn a_cancel_ends_jobs_waiting_to_be_sent_again_by_what_their_last_send_heard() {
    // /j0 and /j1 wait for their retries (100 ms at least) while /j2 is on the wire.
    let script = Script::default()
        .on("/j0", [Reply::Missing])
        .on("/j1", [Reply::Inner(500, None)])
        .on("/j2", [Reply::Slow(Duration::from_secs(1))]);
    let cancel = Arc::new(Cancel::default());
    let counters = Arc::new(Counters::default());
    let handle = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(50 * MS).await;
            cancel.cancel();
        })
    };
    let finished = run(
        script.clone(),
        jobs(4),
        settings(Scope::Transient, 1, 2),
        Ok,
        counters.clone(),
        cancel,
    )
    .await;
    handle.await.unwrap();
    assert!(finished.totals.cancelled);
    assert_eq!(script.sent().len(), 2, "the retries never went");
    assert!(
        matches!(
            &finished.jobs[0].end,
            End::Unknown(Error::Batch(BatchError::Missing { .. }))
        ),
        "sent, never answered: {:?}",
        finished.jobs[0]
    );
    assert!(
        matches!(&finished.jobs[1].end, End::Failed(e) if e.status() == Some(500)),
        "answered 500: {:?}",
        finished.jobs[1]
    );
    assert_eq!(
        [finished.jobs[0].attempts, finished.jobs[1].attempts],
        [1, 1]
    );
    assert!(matches!(finished.jobs[2].end, End::Done(_)));
    assert!(matches!(finished.jobs[3].end, End::Done(_)));
    let progress = counters.snapshot();
    assert_eq!(
        (progress.unknown, progress.failed, progress.done),
        (1, 1, 2)
    );
}

#[tokio::test(start_paused = true)]
async fn a_concurrency_of_usize_max_runs_without_overflow() {
    let script = Script::default().on("/j0", [Reply::Inner(429, Some("0.1"))]);
    let finished = run_script(&script, jobs(45), settings(Scope::Transient, usize::MAX, 1)).await;
    assert_eq!(done(&finished), 45);
    assert_eq!(finished.jobs[0].attempts, 2);
}

#[tokio::test]
async fn a_connection_never_made_sent_nothing_and_other_transport_errors_may_have() {
    // A loopback port just closed: the connection is refused, nothing is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let source = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(source.is_connect());
    let refused = Error::Transport {
        attempts: 1,
        source,
    };
    let wall = SystemTime::now();
    assert_eq!(
        heard_of_failure(Scope::Transient, &refused, wall),
        Heard::NotSent { passing: true }
    );
    let missing = Error::Batch(BatchError::Missing { id: "1".into() });
    assert_eq!(
        heard_of_failure(Scope::Transient, &missing, wall),
        Heard::NoAnswer
    );
    let rejected = whole(401, None);
    assert!(matches!(
        heard_of_failure(Scope::Throttling, &rejected, wall),
        Heard::Answered { status: 401, .. }
    ));
}

/// An input that counts how many jobs the engine has taken from it.
fn counted_jobs(count: usize, pulled: Arc<std::sync::atomic::AtomicUsize>) -> Source<usize> {
    Source::Iter(Box::new((0..count).map(move |n| {
        pulled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Entry {
            tag: n,
            request: Ok(request(&format!("/j{n}"))),
        }
    })))
}

/// Starts a streamed run of `source` on the script; its ends come out of the receiver.
fn stream(
    script: &Script,
    source: Source<usize>,
    settings: Settings,
    cancel: Arc<Cancel>,
) -> (
    tokio::task::JoinHandle<Totals>,
    mpsc::Receiver<Out<usize, Answer>>,
) {
    let (out, ends) = mpsc::channel(channel_room(&settings));
    let task = tokio::spawn(run_streaming(
        script.clone(),
        source,
        settings,
        Ok,
        Arc::default(),
        cancel,
        out,
    ));
    (task, ends)
}

#[tokio::test(start_paused = true)]
async fn a_streamed_run_hands_out_one_end_per_input_each_with_its_own_tag() {
    let script = Script::default()
        .on("/j3", [Reply::Inner(503, Some("1"))])
        .on("/j7", [Reply::Inner(404, None)]);
    let (task, mut ends) = stream(
        &script,
        jobs(1_000),
        settings(Scope::Transient, 4, 20),
        Arc::default(),
    );
    let mut seen = vec![0u32; 1_000];
    while let Some((index, ended)) = ends.recv().await {
        assert_eq!(ended.tag, index, "the end carries its own input's tag");
        seen[index] += 1;
        match index {
            3 => assert!(matches!(ended.end, End::Done(_)) && ended.attempts == 2),
            7 => assert!(matches!(ended.end, End::Failed(_))),
            _ => assert!(matches!(ended.end, End::Done(_)), "{index}: {ended:?}"),
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "exactly one end per input");
    let totals = task.await.unwrap();
    assert!(!totals.cancelled);
    assert_eq!(totals.requests_answered, 1_001, "one retry");
}

/// A caller that takes each end slowly holds the engine back: it never
/// holds more than a bounded number of jobs taken and not handed out,
/// however long the input.
#[tokio::test(start_paused = true)]
async fn a_slow_caller_holds_the_engine_back_to_a_bounded_number_of_jobs() {
    const JOBS: usize = 10_000;
    let settings = settings(Scope::Transient, 4, 20);
    let room = held_room(&settings);
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let script = Script::default();
    let (task, mut ends) = stream(
        &script,
        counted_jobs(JOBS, pulled.clone()),
        settings,
        Arc::default(),
    );
    let (mut received, mut most_held) = (0usize, 0usize);
    while let Some((index, _)) = ends.recv().await {
        received += 1;
        let held = pulled.load(std::sync::atomic::Ordering::SeqCst) - received;
        most_held = most_held.max(held);
        // The caller writes each end down before taking the next.
        if index % 7 == 0 {
            tokio::time::sleep(MS).await;
        }
    }
    task.await.unwrap();
    assert_eq!(received, JOBS);
    // Read ahead (a queue of `room`, one more batch), on the wire (`room`),
    // ends kept (`room`, and what one more round of batches adds) and the
    // channel (`room`): a few times `room`, whatever the input's length.
    assert!(
        most_held <= 6 * room,
        "held {most_held} jobs at once (room {room})"
    );
    assert!(
        most_held >= room,
        "the bound is reached, so the test measures it"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_streamed_run_still_ends_every_input_it_took_once() {
    let script = Script::default().on("/j0", [Reply::Slow(Duration::from_secs(1))]);
    let cancel = Arc::new(Cancel::default());
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (task, mut ends) = stream(
        &script,
        counted_jobs(1_000, pulled.clone()),
        settings(Scope::Transient, 1, 20),
        cancel.clone(),
    );
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(500 * MS).await;
        cancel.cancel();
    });
    let mut seen = std::collections::BTreeMap::new();
    while let Some((index, ended)) = ends.recv().await {
        *seen.entry(index).or_insert(0) += 1;
        if index >= 20 {
            assert!(matches!(ended.end, End::Cancelled), "{index}: {ended:?}");
            assert_eq!(ended.attempts, 0);
        } else {
            assert!(matches!(ended.end, End::Done(_)), "{index}: {ended:?}");
        }
    }
    canceller.await.unwrap();
    assert!(task.await.unwrap().cancelled);
    let taken = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(taken < 1_000, "the input was read ahead only so far");
    assert_eq!(seen.len(), taken, "every input taken has an end");
    assert!(seen.values().all(|&n| n == 1), "and only one");
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        (0..taken).collect::<Vec<_>>()
    );
}
