//! What becomes of one job after one answer: done, sent again after a wait,
//! or stopped. Pure: the caller passes in the time and the jitter.

use std::time::{Duration, SystemTime};

use super::engine::CENTURY;
use crate::retry::{Decision, RetryAfter, RetryPolicy};

/// Which failures are worth sending again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// What the client's [`RetryPolicy`] retries for one request: 429, 503
    /// and 504. `send_all` and `send_batch` use it.
    Throttling,
    /// Throttling, server trouble that may pass (5xx but 501 and 505, which a
    /// retry cannot change), and batches or ids that got no answer. Bulk
    /// runs use it: their jobs are sent again until they get a final answer.
    Transient,
}

/// The retry rules of one run.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub scope: Scope,
    /// Sends of one job, the first included; at least 1.
    pub max_attempts: u32,
    /// The longest `Retry-After` the run waits for; one beyond it stops
    /// the job that got it and closes the gate past what the run waits, so
    /// the jobs it holds back end too. The policy's longest single delay,
    /// or longer in a bulk run told to wait ([`Rules::waiting_up_to`]).
    pub max_throttle: Duration,
    /// The most one job may wait over all its retries: the policy's in the
    /// throttling scope, unbounded in the bulk scope (bulk jobs are bounded
    /// by their attempts).
    max_total_delay: Duration,
    /// The policy: its backoff formula, and in the throttling scope its whole decision.
    policy: RetryPolicy,
}

impl Rules {
    /// The rules a [`RetryPolicy`] gives: its delays, its caps (in the bulk
    /// scope its single-delay cap only) and `max_attempts` sends of each job.
    pub fn new(scope: Scope, policy: &RetryPolicy, max_attempts: u32) -> Self {
        Self {
            scope,
            max_attempts: max_attempts.max(1),
            max_throttle: policy.max_delay(),
            max_total_delay: match scope {
                Scope::Throttling => policy.max_total_delay(),
                Scope::Transient => Duration::MAX,
            },
            policy: policy.clone(),
        }
    }

    /// The rules of `send_all`: the client's own policy, one send plus its retries.
    pub fn of_client(policy: &RetryPolicy) -> Self {
        Self::new(
            Scope::Throttling,
            policy,
            policy.max_retries().saturating_add(1),
        )
    }

    /// In the bulk scope: a `Retry-After` up to `up_to` is waited out by
    /// the whole run, even beyond the policy's longest single delay.
    /// `Duration::MAX` means as long as Graph asks: `up_to` is clamped to a
    /// century ([`CENTURY`]), the longest wait the engine's clock tells
    /// apart from never, so a `Retry-After` beyond it (one too large for the
    /// clock) ends the jobs it holds back instead of a wait that cannot be told.
    pub fn waiting_up_to(mut self, up_to: Duration) -> Self {
        if self.scope == Scope::Transient {
            self.max_throttle = self.max_throttle.max(up_to.min(CENTURY));
        }
        self
    }

    /// The backoff before retry number `retries + 1`; `jitter` in `0..=1`.
    fn backoff(&self, retries: u32, jitter: f64) -> Duration {
        self.policy.backoff_delay(retries, jitter)
    }
}

/// What came back for one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heard {
    /// An answer with a status: the job's own inner answer, or the answer to
    /// the whole `$batch` when that failed. `throttle` is how long it closes
    /// the shared gate for everyone ([`throttle_wait`]); `asked` is the wait
    /// its `Retry-After` asks for, whatever the status, if it has a usable one.
    Answered {
        status: u16,
        throttle: Option<Duration>,
        asked: Option<Duration>,
    },
    /// No answer for this job though it was sent: the `$batch` failed before
    /// answering (a reset, a timeout) or its reply left this id out (with
    /// no other answer that might be its own). Graph may have run it.
    NoAnswer,
    /// Nothing reached Graph: no token could be had (the token endpoint
    /// refused, could not be reached, or gave no usable token), the
    /// connection could not be made, or the `$batch` could not be encoded.
    /// The job is not counted as sent. `passing`: the trouble may pass (the
    /// token endpoint or Graph unreachable, the token endpoint throttling or
    /// in trouble), so a bulk job tries again.
    NotSent { passing: bool },
    /// Graph ran the job, but what it did is not known: the `$batch` was
    /// answered with a success whose body could not be read, or the job's
    /// own answer could not be read, was given twice, or may be one of the
    /// reply's answers without a usable id. Never sent again.
    Unreadable,
}

/// A job's history so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct History {
    /// Sends so far, the one just answered included.
    pub attempts: u32,
    /// Retries scheduled so far.
    pub retries: u32,
    /// Time spent waiting before its retries so far.
    pub waited: Duration,
}

/// The decision for one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A success: the job is done.
    Done,
    /// Send it again after this wait.
    Retry(Duration),
    /// The answer is final: the job failed.
    Stop,
    /// The job may have run; nothing more is known. Not sent again: its
    /// success could not be read, or its last send got no answer.
    Unknown,
}

/// Decides what becomes of a job after `heard`.
///
/// `gate` is how long the shared gate still holds every job back (after
/// this batch's own throttled answers were counted): a job held by it waits
/// that long whatever it asked for, and the wait counts against its total.
pub(crate) fn decide(
    rules: &Rules,
    heard: Heard,
    history: History,
    gate: Duration,
    jitter: f64,
) -> Verdict {
    let own = match heard {
        Heard::Answered { status, .. } if (200..300).contains(&status) => return Verdict::Done,
        Heard::Unreadable => return Verdict::Unknown,
        // What the client's policy decides for one request, exactly: its
        // statuses, its reading of `Retry-After` (for 504 too), its backoff
        // without one, and its caps.
        Heard::Answered { status, asked, .. } if rules.scope == Scope::Throttling => {
            if history.attempts >= rules.max_attempts {
                return Verdict::Stop;
            }
            match rules.policy.decide_requested(
                status,
                asked,
                history.retries,
                history.waited,
                jitter,
            ) {
                Decision::Retry { delay, .. } => delay,
                Decision::Stop(_) => return Verdict::Stop,
            }
        }
        Heard::Answered {
            status,
            throttle,
            asked,
        } => {
            if !worth_retrying(rules.scope, status) {
                return Verdict::Stop;
            }
            // What everyone was asked to wait, else what this answer asked
            // (a 504's `Retry-After` too), else the backoff.
            match own_wait(rules, throttle.or(asked), history, jitter) {
                Some(wait) => wait,
                None => return Verdict::Stop,
            }
        }
        // Sent and not answered: if it is not sent again, its fate is unknown.
        Heard::NoAnswer if rules.scope == Scope::Transient => {
            match own_wait(rules, None, history, jitter) {
                Some(wait) => wait,
                None => return Verdict::Unknown,
            }
        }
        Heard::NoAnswer => return Verdict::Unknown,
        // Tries that sent nothing count against the attempts too (as
        // retries), so a token endpoint that stays down ends the job.
        Heard::NotSent { passing: true } if rules.scope == Scope::Transient => {
            if history.retries.saturating_add(1) >= rules.max_attempts {
                return Verdict::Stop;
            }
            rules.backoff(history.retries, jitter)
        }
        Heard::NotSent { .. } => return Verdict::Stop,
    };
    let wait = own.max(gate).min(rules.max_throttle);
    if history.waited.saturating_add(wait) > rules.max_total_delay {
        return match heard {
            Heard::NoAnswer => Verdict::Unknown,
            _ => Verdict::Stop,
        };
    }
    Verdict::Retry(wait)
}

/// The wait a bulk job asks for itself: what Graph asked (`asked`), else
/// the policy's backoff. `None`: stop, because Graph asked for longer than
/// the run waits, or this was the last attempt.
fn own_wait(
    rules: &Rules,
    asked: Option<Duration>,
    history: History,
    jitter: f64,
) -> Option<Duration> {
    if asked.is_some_and(|wait| wait > rules.max_throttle) || history.attempts >= rules.max_attempts
    {
        return None;
    }
    Some(asked.unwrap_or_else(|| rules.backoff(history.retries, jitter)))
}

/// Whether a token endpoint that answered `status` may give a token later:
/// it throttled (429) or was in trouble (5xx). A refusal (400, 401: a wrong
/// secret, an unknown tenant) stays.
pub(crate) fn token_trouble_may_pass(status: Option<u16>) -> bool {
    status.is_some_and(|status| status == 429 || (500..600).contains(&status))
}

/// Whether a failed status may pass when the job is sent again.
fn worth_retrying(scope: Scope, status: u16) -> bool {
    match scope {
        Scope::Throttling => RetryPolicy::is_retryable_status(status),
        Scope::Transient => {
            status == 429 || ((500..600).contains(&status) && !matches!(status, 501 | 505))
        }
    }
}

/// The wait an answer's `Retry-After` asks for, read as the client reads it
/// (seconds or an HTTP date, relative to `now`); `None` without a usable one.
pub(crate) fn asked_wait(retry_after: Option<&str>, now: SystemTime) -> Option<Duration> {
    retry_after.and_then(|value| RetryAfter::parse(value).map(|r| r.delay_from(now)))
}

/// How long everyone waits after an answer whose `Retry-After` asked for
/// `asked`: a 429 or a 503 for what it asked. In the bulk scope a 429
/// without `Retry-After` closes the gate for 1 s; in the throttling scope
/// it closes none, as the client's policy then backs off that request alone.
/// Other answers close no gate.
pub(crate) fn throttle_wait(
    scope: Scope,
    status: u16,
    asked: Option<Duration>,
) -> Option<Duration> {
    match (status, asked, scope) {
        (429 | 503, Some(asked), _) => Some(asked),
        (429, None, Scope::Transient) => Some(Duration::from_secs(1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn rules(scope: Scope, max_attempts: u32) -> Rules {
        let policy = RetryPolicy::builder()
            .base_delay(10 * MS)
            .max_delay(Duration::from_secs(2))
            .max_total_delay(Duration::from_secs(3))
            .build()
            .unwrap();
        Rules::new(scope, &policy, max_attempts)
    }

    fn answered(status: u16, throttle: Option<Duration>) -> Heard {
        Heard::Answered {
            status,
            throttle,
            asked: throttle,
        }
    }

    fn first() -> History {
        History {
            attempts: 1,
            ..History::default()
        }
    }

    #[test]
    fn successes_are_done_and_unreadable_successes_are_unknown() {
        for scope in [Scope::Throttling, Scope::Transient] {
            let rules = rules(scope, 4);
            for status in [200, 201, 204] {
                assert_eq!(
                    decide(&rules, answered(status, None), first(), MS, 0.0),
                    Verdict::Done
                );
            }
            assert_eq!(
                decide(&rules, Heard::Unreadable, first(), ZERO, 0.0),
                Verdict::Unknown
            );
        }
    }

    const ZERO: Duration = Duration::ZERO;

    #[test]
    fn each_scope_retries_its_own_statuses() {
        let throttling = rules(Scope::Throttling, 4);
        let transient = rules(Scope::Transient, 4);
        for status in [429, 503, 504] {
            assert!(matches!(
                decide(&throttling, answered(status, None), first(), ZERO, 0.0),
                Verdict::Retry(_)
            ));
        }
        for status in [500, 502, 507] {
            assert_eq!(
                decide(&throttling, answered(status, None), first(), ZERO, 0.0),
                Verdict::Stop
            );
            assert!(matches!(
                decide(&transient, answered(status, None), first(), ZERO, 0.0),
                Verdict::Retry(_)
            ));
        }
        for status in [400, 401, 403, 404, 409, 501, 505] {
            for rules in [&throttling, &transient] {
                assert_eq!(
                    decide(rules, answered(status, None), first(), ZERO, 0.0),
                    Verdict::Stop,
                    "{status}"
                );
            }
        }
        assert_eq!(
            decide(&throttling, Heard::NoAnswer, first(), ZERO, 0.0),
            Verdict::Unknown,
            "sent, not answered, not sent again"
        );
        assert!(matches!(
            decide(&transient, Heard::NoAnswer, first(), ZERO, 0.0),
            Verdict::Retry(_)
        ));
    }

    #[test]
    fn the_wait_is_what_graph_asked_or_the_backoff_and_never_shorter_than_the_gate() {
        let rules = rules(Scope::Transient, 8);
        let throttled = answered(429, Some(300 * MS));
        assert_eq!(
            decide(&rules, throttled, first(), ZERO, 0.9),
            Verdict::Retry(300 * MS),
            "Retry-After is honoured exactly, without jitter"
        );
        assert_eq!(
            decide(&rules, throttled, first(), 500 * MS, 0.9),
            Verdict::Retry(500 * MS),
            "held back by the gate another job closed"
        );
        let third = History {
            attempts: 3,
            retries: 2,
            waited: ZERO,
        };
        assert_eq!(
            decide(&rules, answered(500, None), third, ZERO, 0.5),
            Verdict::Retry(60 * MS),
            "10 ms · 2² · 1.5"
        );
    }

    #[test]
    fn a_job_stops_at_its_last_attempt_or_when_graph_asks_for_too_long() {
        let rules = rules(Scope::Transient, 3);
        let last = History {
            attempts: 3,
            retries: 2,
            waited: ZERO,
        };
        assert_eq!(
            decide(&rules, answered(503, None), last, ZERO, 0.0),
            Verdict::Stop
        );
        assert_eq!(
            decide(&rules, Heard::NoAnswer, last, ZERO, 0.0),
            Verdict::Unknown,
            "its last send may have run"
        );
        assert_eq!(
            decide(&rules, Heard::NotSent { passing: true }, last, ZERO, 0.0),
            Verdict::Stop,
            "nothing was sent: it failed"
        );
        let too_long = answered(429, Some(Duration::from_secs(2) + MS));
        assert_eq!(decide(&rules, too_long, first(), ZERO, 0.0), Verdict::Stop);
        let at_the_cap = answered(429, Some(Duration::from_secs(2)));
        assert_eq!(
            decide(&rules, at_the_cap, first(), ZERO, 0.0),
            Verdict::Retry(Duration::from_secs(2))
        );
    }

    #[test]
    fn bulk_jobs_are_bounded_by_their_attempts_not_by_a_total_delay() {
        // The default policy: at most 180 s in all for one request.
        let rules = Rules::new(Scope::Transient, &RetryPolicy::new(), 8);
        let fifth = History {
            attempts: 5,
            retries: 4,
            waited: Duration::from_secs(170),
        };
        let asked = answered(429, Some(Duration::from_secs(30)));
        assert_eq!(
            decide(&rules, asked, fifth, ZERO, 0.0),
            Verdict::Retry(Duration::from_secs(30))
        );
        // The client's own rules do stop at the total: 200 s > 180 s.
        let policy = RetryPolicy::builder().max_retries(10).build().unwrap();
        let client = Rules::of_client(&policy);
        assert_eq!(decide(&client, asked, fifth, ZERO, 0.0), Verdict::Stop);
    }

    #[test]
    fn waits_held_by_the_gate_count_against_the_total() {
        let rules = rules(Scope::Throttling, 10);
        // 3 s in total: 2.5 s waited so far, then a 20 ms request under a 600 ms gate.
        let history = History {
            attempts: 2,
            retries: 1,
            waited: 2500 * MS,
        };
        let asked = answered(429, Some(20 * MS));
        assert_eq!(
            decide(&rules, asked, history, ZERO, 0.0),
            Verdict::Retry(20 * MS)
        );
        assert_eq!(decide(&rules, asked, history, 600 * MS, 0.0), Verdict::Stop);
    }

    #[test]
    fn the_client_policy_gives_one_send_plus_its_retries() {
        let policy = RetryPolicy::builder().max_retries(3).build().unwrap();
        let rules = Rules::of_client(&policy);
        assert_eq!((rules.scope, rules.max_attempts), (Scope::Throttling, 4));
        let disabled = Rules::of_client(&RetryPolicy::disabled());
        assert_eq!(
            decide(&disabled, answered(429, Some(ZERO)), first(), ZERO, 0.0),
            Verdict::Stop
        );
    }

    #[test]
    fn throttling_answers_close_the_gate_for_what_they_ask() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(asked_wait(Some("2"), now), Some(2000 * MS));
        assert_eq!(asked_wait(Some("0.05"), now), Some(50 * MS));
        assert_eq!(asked_wait(Some("soon"), now), None);
        assert_eq!(asked_wait(None, now), None);
        for scope in [Scope::Transient, Scope::Throttling] {
            assert_eq!(throttle_wait(scope, 429, Some(2000 * MS)), Some(2000 * MS));
            assert_eq!(throttle_wait(scope, 503, Some(3000 * MS)), Some(3000 * MS));
            assert_eq!(throttle_wait(scope, 503, None), None);
            assert_eq!(throttle_wait(scope, 504, Some(3000 * MS)), None);
            assert_eq!(throttle_wait(scope, 500, Some(3000 * MS)), None);
        }
        assert_eq!(
            throttle_wait(Scope::Transient, 429, None),
            Some(1000 * MS),
            "bulk: a bare 429 holds everyone a second"
        );
        assert_eq!(
            throttle_wait(Scope::Throttling, 429, None),
            None,
            "send_all: a bare 429 is that request's own backoff"
        );
    }
}
