//! How fast the `$batch` engine may go. Pure: the caller passes the time in.
//!
//! Three limits together:
//! * a shared gate: after a throttling answer nobody sends before its
//!   `Retry-After`, whatever else is decided;
//! * a send rate, unset until a batch comes back congested (at least half its
//!   answers throttling: the quota ran out while it was served). It is then
//!   set to the rate that was getting through; at each further congested
//!   batch it is cut by 15%, but never below what got through in the last
//!   quarter second; once half a second has passed without congestion it
//!   grows by 20% a quarter second, up to a ceiling of 13,000 jobs a second
//!   (`MAX_RATE`): the engine slows to what Graph takes, then speeds back
//!   up, and a long calm never makes the rate too large to cut. Changes are
//!   at least a quarter second apart, so one burst counts once. A batch
//!   refused whole with 429 is congestion: Graph throttled all of it. One
//!   refused with 5xx is congestion when at least half of the last
//!   second's batches, four or more, were refused: a run of refusals slows
//!   the engine, a stray 502 among answered batches does not. A refusal
//!   is never calm, and neither is a batch that failed without an answer
//!   about the quota (a reset, a timeout, a 4xx to the whole batch): the
//!   rate never grows on them;
//! * at most `max_in_flight` batches on the wire;
//! * a quota budget, while answers carry `RateLimit-*` headers (see
//!   [`quota`](super::quota) for when Graph sends them): what is left
//!   (`Remaining`, less the jobs sent after the batch that reported it, which
//!   it may not count yet) is spent evenly until `Reset`, and never more
//!   before it; a later report replaces it. At the reset, or once a batch
//!   sent after the report comes back without the headers (the quota is
//!   below 80% spent again), the budget ends and the other limits alone
//!   apply. This is the SharePoint blog's advice ("Prevent throttling in
//!   your application by using RateLimit headers in SharePoint Online"):
//!   slow down before the quota runs out instead of halting on 429s.
//!
//! Judging congestion per batch, not per answer, keeps scattered 429s (a
//! fault, another app's burst) from collapsing the rate: they still close
//! the gate for their `Retry-After`, but they do not slow the engine down.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::quota::Quota;

/// The window over which answers are counted.
const WINDOW: Duration = Duration::from_secs(1);
/// The shortest span a measurement is spread over, so one early batch does not read as a huge rate.
const MIN_SPAN: Duration = Duration::from_millis(100);
/// The least time between two changes of the rate.
const ADJUST_EVERY: Duration = Duration::from_millis(250);
/// What the rate is cut by at a congested batch.
const DECREASE: f64 = 0.85;
/// What the rate grows by at each adjustment once `CALM` has passed without congestion.
const INCREASE: f64 = 1.20;
/// How long without a congested batch before the rate grows again.
const CALM: Duration = Duration::from_millis(500);
/// The fewest batches in the window before refusals are judged as
/// congestion: one or two refused batches of a few (a stray 502, a slow
/// start) say nothing about the quota.
const REFUSALS_JUDGED: usize = 4;
/// The highest send rate, in jobs per second: Graph's global limit for
/// one app, 130,000 requests per 10 seconds across all tenants (Microsoft
/// Graph docs, "Microsoft Graph service-specific throttling limits",
/// global limits). Growing past what Graph ever accepts would only make
/// the next cut take longer to bite.
pub(crate) const MAX_RATE: f64 = 13_000.0;

/// One batch's answers, for the window.
#[derive(Debug, Clone, Copy)]
struct Answers {
    at: Instant,
    /// Jobs answered without throttling.
    through: u32,
    /// Whether at least half its answers were throttling.
    congested: bool,
    /// Whether Graph refused the whole batch.
    refused: bool,
}

/// What one batch says about the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vote {
    /// It was throttled (or refused as part of a run of refusals).
    Congested,
    /// It was answered without congestion: the rate may grow.
    Calm,
    /// Neither: a refusal on its own, which is no sign of room.
    Neither,
}

/// The engine's speed controller.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    max_in_flight: usize,
    batch_size: usize,
    started: Instant,
    gate_until: Option<Instant>,
    /// Jobs per second, once Graph has throttled.
    rate: Option<f64>,
    allowance: f64,
    refilled_at: Instant,
    /// Recent answers, for the shares and the rate getting through.
    window: VecDeque<Answers>,
    adjusted_at: Option<Instant>,
    /// Jobs sent so far: a batch's mark is this count just after it was sent.
    sent_total: u64,
    /// The quota the headers last reported, while it lasts.
    budget: Option<Budget>,
}

/// What the `RateLimit-*` headers allow until their reset.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// The reset: the budget ends then.
    until: Instant,
    /// Jobs that may still go before `until`.
    left: f64,
    /// Jobs a second: `left` spread evenly until `until`.
    rate: f64,
    /// Jobs earned so far and not yet sent, at most one batch.
    allowance: f64,
    earned_at: Instant,
    /// The most saved up: one batch.
    batch_size: f64,
    /// The mark of the batch that reported it: only later batches' answers replace it.
    mark: u64,
}

impl Pace {
    /// Full speed: no rate, `max_in_flight` batches of `batch_size` at once.
    pub fn new(max_in_flight: usize, batch_size: usize, now: Instant) -> Self {
        Self {
            max_in_flight: max_in_flight.max(1),
            batch_size: batch_size.max(1),
            started: now,
            gate_until: None,
            rate: None,
            allowance: 0.0,
            refilled_at: now,
            window: VecDeque::new(),
            adjusted_at: None,
            sent_total: 0,
            budget: None,
        }
    }

    /// The mark of a batch just sent: the jobs sent so far, it included.
    pub fn mark(&self) -> u64 {
        self.sent_total
    }

    /// A batch with mark `mark` came back with answers; `quota` is the
    /// tightest that its answers' `RateLimit-*` headers reported, if any did.
    pub fn quota(&mut self, now: Instant, mark: u64, quota: Option<Quota>) {
        if self.budget.is_some_and(|b| mark <= b.mark) {
            // Older news than the budget's.
            return;
        }
        let Some(quota) = quota else {
            // Sent after the report, and answered without the headers: the
            // quota is below 80% spent again.
            self.budget = None;
            return;
        };
        // Jobs sent after this batch may be spent already and not counted in it.
        let unaccounted = self.sent_total.saturating_sub(mark);
        let left = quota.remaining.saturating_sub(unaccounted) as f64;
        let span = quota.reset.as_secs_f64();
        let allowance = self.budget.map_or(0.0, |b| b.allowance_at(now));
        self.budget = Some(Budget {
            until: super::engine::far(now, quota.reset),
            left,
            // A reset of zero: the quota is whole again now, the budget ends at once.
            rate: if span > 0.0 { left / span } else { 0.0 },
            allowance: allowance.min(left),
            earned_at: now,
            batch_size: self.batch_size as f64,
            mark,
        });
    }

    /// The budget, while it lasts at `now`.
    fn budget_at(&self, now: Instant) -> Option<Budget> {
        self.budget.filter(|b| b.until > now)
    }

    /// The send rate in jobs per second, once one is set.
    #[cfg(test)]
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Whether `want` jobs may go now with `in_flight` batches out.
    pub fn may_send(&mut self, now: Instant, in_flight: usize, want: usize) -> bool {
        if want == 0 || in_flight >= self.max_in_flight || self.gate(now).is_some() {
            return false;
        }
        if let Some(budget) = self.budget.as_mut().filter(|b| b.until > now) {
            budget.refill(now);
            if !budget.allows(now, want) {
                return false;
            }
        }
        if self.rate.is_none() {
            return true;
        }
        self.refill(now);
        // A hair of slack, so the instant `next_chance` names is enough despite rounding.
        self.allowance + 1e-6 >= want as f64
    }

    /// Takes `jobs` from the allowance once they are sent.
    pub fn sent(&mut self, jobs: usize) {
        self.sent_total = self.sent_total.saturating_add(jobs as u64);
        if self.rate.is_some() {
            self.allowance -= jobs as f64;
        }
        if let Some(budget) = &mut self.budget {
            budget.spend(jobs as f64);
        }
    }

    /// When `want` jobs may next go (ignoring the in-flight limit), if not now.
    pub fn next_chance(&self, now: Instant, want: usize) -> Option<Instant> {
        if let Some(gate) = self.gate(now) {
            return Some(gate);
        }
        let budgeted = self.budget_at(now).and_then(|b| b.next_chance(now, want));
        let paced = self.rate.and_then(|rate| {
            let missing = want as f64 - self.allowance_at(now);
            (missing > 0.0).then(|| now + Duration::from_secs_f64(missing / rate))
        });
        budgeted.max(paced)
    }

    /// When the shared gate opens, if it is closed at `now`.
    pub fn gate(&self, now: Instant) -> Option<Instant> {
        self.gate_until.filter(|until| *until > now)
    }

    /// A batch came back: `through` jobs answered without throttling, out of
    /// `answers` answers of which `throttled` were throttling; `retry_after` is
    /// the longest wait they asked for.
    pub fn answered(
        &mut self,
        now: Instant,
        through: u32,
        answers: u32,
        throttled: u32,
        retry_after: Option<Duration>,
    ) {
        let congested = answers > 0 && throttled * 2 >= answers;
        let vote = if congested {
            Vote::Congested
        } else {
            Vote::Calm
        };
        self.heard(now, through, vote, false, retry_after);
    }

    /// A batch was refused whole with `status` (429, or 5xx); `retry_after`
    /// is the wait it asked for. Never calm.
    pub fn refused(&mut self, now: Instant, status: u16, retry_after: Option<Duration>) {
        self.prune(now);
        let refused = 1 + self.window.iter().filter(|a| a.refused).count();
        let batches = self.window.len() + 1;
        let congested = status == 429 || (batches >= REFUSALS_JUDGED && refused * 2 >= batches);
        let vote = if congested {
            Vote::Congested
        } else {
            Vote::Neither
        };
        self.heard(now, 0, vote, true, retry_after);
    }

    /// A batch failed without saying anything about the quota (a reset, a
    /// timeout, a 4xx to the whole batch): its `retry_after` closes the
    /// gate, and nothing else changes.
    pub fn neutral(&mut self, now: Instant, retry_after: Option<Duration>) {
        self.close_gate(now, retry_after);
    }

    fn close_gate(&mut self, now: Instant, retry_after: Option<Duration>) {
        if let Some(wait) = retry_after {
            let until = super::engine::far(now, wait);
            self.gate_until = Some(self.gate_until.map_or(until, |current| current.max(until)));
        }
    }

    /// Drops answers older than the window.
    fn prune(&mut self, now: Instant) {
        while self
            .window
            .front()
            .is_some_and(|a| now.duration_since(a.at) > WINDOW)
        {
            self.window.pop_front();
        }
    }

    fn heard(
        &mut self,
        now: Instant,
        through: u32,
        vote: Vote,
        refused: bool,
        retry_after: Option<Duration>,
    ) {
        self.close_gate(now, retry_after);
        let congested = vote == Vote::Congested;
        self.window.push_back(Answers {
            at: now,
            through,
            congested,
            refused,
        });
        self.prune(now);
        if self
            .adjusted_at
            .is_some_and(|at| now.duration_since(at) < ADJUST_EVERY)
        {
            return;
        }
        let calm = vote == Vote::Calm
            && !self
                .window
                .iter()
                .any(|a| a.congested && now.duration_since(a.at) < CALM)
            && self
                .adjusted_at
                .is_some_and(|at| now.duration_since(at) >= ADJUST_EVERY);
        let next = match (congested, self.rate) {
            (true, None) => Some(self.measured(now)),
            // Congested while paced: what gets through now is the quota; cut
            // towards it, never below it.
            (true, Some(rate)) => Some((rate * DECREASE).max(self.recent(now)).min(rate)),
            (false, Some(rate)) if calm => Some(rate * INCREASE),
            _ => None,
        };
        if let Some(rate) = next {
            // At least one batch a second, so the engine always moves; at
            // most the ceiling, so a cut always bites.
            self.rate = Some(rate.max(self.batch_size as f64).min(MAX_RATE));
            self.adjusted_at = Some(now);
            if congested {
                self.allowance = 0.0;
                self.refilled_at = self.gate_until.unwrap_or(now).max(now);
            }
        }
    }

    /// Jobs per second answered without throttling over the last window.
    fn measured(&self, now: Instant) -> f64 {
        let through: u32 = self.window.iter().map(|a| a.through).sum();
        let span = now
            .saturating_duration_since(self.started)
            .clamp(MIN_SPAN, WINDOW);
        f64::from(through) / span.as_secs_f64()
    }

    /// Jobs per second answered without throttling over the last `ADJUST_EVERY`.
    fn recent(&self, now: Instant) -> f64 {
        let through: u32 = self
            .window
            .iter()
            .filter(|a| now.duration_since(a.at) <= ADJUST_EVERY)
            .map(|a| a.through)
            .sum();
        let span = now
            .saturating_duration_since(self.started)
            .clamp(MIN_SPAN.min(ADJUST_EVERY), ADJUST_EVERY);
        f64::from(through) / span.as_secs_f64()
    }

    fn allowance_at(&self, now: Instant) -> f64 {
        let Some(rate) = self.rate else { return 0.0 };
        let earned = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64()
            * rate;
        // A short burst at most: one batch per batch allowed in flight
        // (saturating: `max_in_flight` is the caller's value).
        let burst = self.batch_size.saturating_mul(self.max_in_flight);
        (self.allowance + earned).min(burst as f64)
    }

    fn refill(&mut self, now: Instant) {
        if now > self.refilled_at {
            self.allowance = self.allowance_at(now);
            self.refilled_at = now;
        }
    }
}

impl Budget {
    /// Earned by `now` and not yet sent: at most one batch is saved up,
    /// never more than is left.
    fn allowance_at(&self, now: Instant) -> f64 {
        let earned = now.saturating_duration_since(self.earned_at).as_secs_f64() * self.rate;
        (self.allowance + earned)
            .min(self.left)
            .min(self.batch_size)
    }

    fn refill(&mut self, now: Instant) {
        if now > self.earned_at {
            self.allowance = self.allowance_at(now);
            self.earned_at = now;
        }
    }

    fn allows(&self, now: Instant, want: usize) -> bool {
        // A hair of slack, so the instant `next_chance` names is enough despite rounding.
        self.allowance_at(now) + 1e-6 >= want as f64
    }

    fn spend(&mut self, jobs: f64) {
        self.allowance -= jobs;
        self.left = (self.left - jobs).max(0.0);
    }

    /// When `want` jobs may go under the budget, if not at `now`: the reset
    /// when too little is left before it.
    fn next_chance(&self, now: Instant, want: usize) -> Option<Instant> {
        if self.allows(now, want) {
            return None;
        }
        let want = want as f64;
        if self.left + 1e-6 < want || self.batch_size + 1e-6 < want || self.rate <= 0.0 {
            return Some(self.until);
        }
        let missing = want - self.allowance_at(now);
        let at = now + Duration::from_secs_f64((missing / self.rate).clamp(0.0, 1e9));
        Some(at.min(self.until))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn before_any_throttling_only_the_in_flight_limit_applies() {
        let now = Instant::now();
        let mut pace = Pace::new(2, 20, now);
        assert!(pace.may_send(now, 0, 20));
        assert!(pace.may_send(now, 1, 20));
        assert!(!pace.may_send(now, 2, 20));
        assert_eq!(pace.next_chance(now, 20), None);
    }

    #[test]
    fn any_number_of_batches_in_flight_is_taken_without_overflow() {
        let now = Instant::now();
        let mut pace = Pace::new(usize::MAX, 20, now);
        assert!(pace.may_send(now, 1000, 20));
        // Congested: a rate is set, and the allowance (capped by the burst) counts.
        pace.answered(now, 0, 20, 20, Some(100 * MS));
        let open = now + 100 * MS;
        assert!(pace.next_chance(open, 20).is_some());
        assert!(pace.may_send(open + Duration::from_secs(1), 1000, 20));
    }

    #[test]
    fn any_retry_after_closes_the_gate_for_every_worker() {
        let now = Instant::now();
        let mut pace = Pace::new(4, 20, now);
        pace.answered(now, 19, 20, 1, Some(100 * MS));
        assert!(!pace.may_send(now, 0, 1));
        assert_eq!(pace.gate(now), Some(now + 100 * MS));
        assert_eq!(pace.next_chance(now, 20), Some(now + 100 * MS));
        assert!(
            pace.may_send(now + 100 * MS, 0, 20),
            "one stray 429 sets no rate"
        );
        assert_eq!(pace.rate(), None);
    }

    #[test]
    fn a_congested_batch_paces_at_the_rate_getting_through() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        // 400 jobs a second get through...
        for n in 1..=20 {
            pace.answered(start + 50 * MS * n, 20, 20, 0, None);
        }
        // ...then the quota runs out in the middle of a batch.
        let now = start + 1000 * MS;
        pace.answered(now, 5, 20, 15, Some(100 * MS));
        let rate = pace.rate().unwrap();
        assert!((400.0..=410.0).contains(&rate), "{rate}");
        let open = now + 100 * MS;
        assert!(
            !pace.may_send(open, 0, 20),
            "no allowance saved up while gated"
        );
        let ready = pace.next_chance(open, 20).unwrap();
        let wait = ready - open;
        assert!(wait >= 45 * MS && wait <= 55 * MS, "{wait:?}");
        assert!(pace.may_send(ready, 0, 20));
        pace.sent(20);
        assert!(
            !pace.may_send(ready, 1, 20),
            "that batch used the allowance"
        );
    }

    #[test]
    fn a_shorter_retry_after_never_reopens_a_longer_gate() {
        let now = Instant::now();
        let mut pace = Pace::new(4, 20, now);
        pace.answered(now, 0, 1, 1, Some(Duration::from_secs(2)));
        pace.answered(now, 0, 1, 1, Some(10 * MS));
        assert!(!pace.may_send(now + Duration::from_secs(1), 0, 1));
    }

    #[test]
    fn scattered_throttles_and_failed_batches_leave_the_rate_alone() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        // Two or three throttled answers in twenty, as random faults give...
        for n in 1..=200 {
            pace.answered(start + 5 * MS * n, 17, 20, 3, Some(Duration::ZERO));
        }
        // ...and whole batches refused with 429.
        pace.answered(start + 1001 * MS, 0, 0, 0, Some(Duration::ZERO));
        assert_eq!(pace.rate(), None);
    }

    #[test]
    fn the_rate_drops_while_batches_are_congested_and_grows_back_once_calm() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        let mut now = start;
        for _ in 0..4 {
            now += 100 * MS;
            pace.answered(now, 10, 20, 10, Some(Duration::ZERO));
        }
        let first = pace.rate().unwrap();
        // Worse congestion: less gets through, so the cuts are not held up by it.
        for _ in 0..12 {
            now += 100 * MS;
            pace.answered(now, 4, 20, 16, Some(Duration::ZERO));
        }
        let slower = pace.rate().unwrap();
        assert!(slower < first * 0.9, "{first} then {slower}");
        // Changes are a quarter second apart: 1.2 s of congestion is a few cuts, not twelve.
        assert!(slower > first * DECREASE.powi(6), "{first} then {slower}");
        for _ in 0..30 {
            now += 100 * MS;
            pace.answered(now, 20, 20, 0, None);
        }
        assert!(
            pace.rate().unwrap() > slower * 1.3,
            "{slower} then {:?}",
            pace.rate()
        );
    }

    #[test]
    fn a_cut_never_goes_below_what_is_getting_through() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        pace.answered(start + 100 * MS, 10, 20, 10, Some(Duration::ZERO));
        let first = pace.rate().unwrap();
        // Still congested, but as much gets through as the rate allows: no cut.
        for n in 2..=8 {
            pace.answered(start + 100 * MS * n, 10, 20, 10, Some(Duration::ZERO));
        }
        assert_eq!(pace.rate(), Some(first));
    }

    #[test]
    fn the_rate_never_drops_below_one_batch_a_second() {
        let now = Instant::now();
        let mut pace = Pace::new(4, 20, now);
        pace.answered(now, 0, 20, 20, Some(Duration::ZERO));
        assert_eq!(pace.rate(), Some(20.0));
    }

    #[test]
    fn a_long_calm_never_takes_the_rate_past_its_ceiling_and_a_cut_still_bites() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        pace.answered(start + 100 * MS, 10, 20, 10, Some(Duration::ZERO));
        let mut now = start + 100 * MS;
        // An hour of calm: ×1.2 a quarter second would overflow to infinity.
        for _ in 0..12_000 {
            now += 300 * MS;
            pace.answered(now, 20, 20, 0, None);
        }
        let calm = pace.rate().unwrap();
        assert!(calm.is_finite() && calm <= MAX_RATE, "{calm}");
        assert_eq!(calm, MAX_RATE);
        now += 300 * MS;
        pace.answered(now, 2, 20, 18, Some(Duration::ZERO));
        let cut = pace.rate().unwrap();
        assert!(cut < calm * 0.9, "{calm} then {cut}");
    }

    #[test]
    fn a_retry_after_too_large_for_the_clock_closes_the_gate_without_overflow() {
        let now = Instant::now();
        let mut pace = Pace::new(4, 20, now);
        pace.answered(now, 0, 1, 1, Some(Duration::MAX));
        assert!(
            pace.gate(now + Duration::from_secs(3600 * 24 * 365))
                .is_some()
        );
        assert_eq!(pace.next_chance(now, 20), pace.gate(now));
    }

    #[test]
    fn refused_batches_hold_the_rate_and_cut_it_once_they_are_half_the_batches() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        pace.answered(start + 100 * MS, 10, 20, 10, Some(Duration::ZERO));
        let set = pace.rate().unwrap();
        let mut now = start + 100 * MS;
        // A refused batch among answered ones: no cut.
        for n in 0..40 {
            now += 100 * MS;
            if n % 4 == 0 {
                pace.refused(now, 503, None);
            } else {
                pace.answered(now, 20, 20, 0, None);
            }
        }
        assert!(pace.rate().unwrap() >= set, "{set} then {:?}", pace.rate());
        let before = pace.rate().unwrap();
        // Refusals only: congestion, the rate is cut.
        for _ in 0..12 {
            now += 100 * MS;
            pace.refused(now, 503, None);
        }
        assert!(
            pace.rate().unwrap() < before,
            "{before} then {:?}",
            pace.rate()
        );
    }

    /// A pace whose rate was set to 100 jobs a second by a congested batch.
    fn paced_at_100(start: Instant) -> Pace {
        let mut pace = Pace::new(4, 20, start);
        pace.answered(start + 1000 * MS, 100, 200, 100, None);
        assert_eq!(pace.rate(), Some(100.0));
        pace
    }

    #[test]
    fn a_batch_refused_whole_never_counts_as_calm() {
        let start = Instant::now();
        // Fewer than four batches a second, each refused with 503: no
        // congestion to judge, and no calm either.
        let mut pace = paced_at_100(start);
        let mut now = start + 1000 * MS;
        for _ in 0..40 {
            now += 1100 * MS;
            pace.refused(now, 503, Some(Duration::from_secs(1)));
        }
        assert_eq!(pace.rate(), Some(100.0));
        // Refused with 429: throttled whole, congestion however few.
        let mut pace = paced_at_100(start);
        let mut now = start + 1000 * MS;
        for _ in 0..40 {
            now += 1100 * MS;
            pace.refused(now, 429, Some(Duration::from_secs(1)));
        }
        assert_eq!(pace.rate(), Some(20.0), "cut to one batch a second");
    }

    #[test]
    fn a_failure_that_says_nothing_about_the_quota_never_grows_the_rate() {
        let start = Instant::now();
        let mut pace = paced_at_100(start);
        let mut now = start + 1000 * MS;
        for _ in 0..40 {
            now += 300 * MS;
            pace.neutral(now, None);
        }
        assert_eq!(pace.rate(), Some(100.0));
        pace.neutral(now, Some(Duration::from_secs(2)));
        assert_eq!(pace.gate(now), Some(now + Duration::from_secs(2)));
    }

    #[test]
    fn refusals_older_than_the_window_are_not_counted() {
        let start = Instant::now();
        let mut pace = paced_at_100(start);
        for ms in [2000, 2010, 2020] {
            pace.refused(start + ms * MS, 503, None);
        }
        assert_eq!(
            pace.rate(),
            Some(100.0),
            "three refusals are too few to judge"
        );
        // A second later those three are out of the window: this refusal is alone.
        pace.refused(start + 3100 * MS, 503, None);
        assert_eq!(pace.rate(), Some(100.0));
    }

    /// A report of `remaining` of 100 left, resetting in `reset`.
    fn report(remaining: u64, reset: Duration) -> Option<Quota> {
        Some(Quota {
            limit: 100,
            remaining,
            reset,
        })
    }

    /// Sends a batch of `jobs` if the pace allows it at `now`; its mark if sent.
    fn send(pace: &mut Pace, now: Instant, jobs: usize) -> Option<u64> {
        pace.may_send(now, 0, jobs).then(|| {
            pace.sent(jobs);
            pace.mark()
        })
    }

    #[test]
    fn a_reported_quota_is_spent_evenly_until_its_reset_and_never_more() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        let mark = send(&mut pace, start, 20).unwrap();
        // 80 left, resetting in 400 ms: 200 jobs a second, a batch each 100 ms.
        pace.quota(start, mark, report(80, 400 * MS));
        assert!(!pace.may_send(start, 0, 20), "nothing saved up yet");
        assert_eq!(pace.next_chance(start, 20), Some(start + 100 * MS));
        let mut sent = Vec::new();
        let mut now = start;
        while now < start + 400 * MS {
            if send(&mut pace, now, 20).is_some() {
                sent.push(now - start);
            }
            now += MS;
        }
        // Earned from nothing at the report: the fourth batch's share is
        // earned at the reset itself. Never more than the 80 before it.
        assert_eq!(sent, [100 * MS, 200 * MS, 300 * MS]);
        // At the reset the budget ends: full speed again.
        assert!(pace.may_send(start + 400 * MS, 0, 20));
        assert_eq!(pace.rate(), None, "no 429, no congestion rate");
    }

    #[test]
    fn jobs_sent_after_the_reporting_batch_count_against_what_it_reported() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        let first = send(&mut pace, start, 20).unwrap();
        for _ in 0..3 {
            send(&mut pace, start, 20).unwrap();
        }
        // 70 left when the first was answered; 60 went after it.
        pace.quota(start + 5 * MS, first, report(70, 100 * MS));
        assert_eq!(
            pace.next_chance(start + 5 * MS, 20),
            Some(start + 105 * MS),
            "10 left: no full batch before the reset"
        );
    }

    #[test]
    fn a_later_batch_without_the_headers_ends_the_budget_and_an_earlier_one_does_not() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        let early = send(&mut pace, start, 20).unwrap();
        let reporting = send(&mut pace, start, 20).unwrap();
        pace.quota(start, reporting, report(0, Duration::from_secs(10)));
        assert!(!pace.may_send(start, 0, 20));
        // The batch sent before the report says nothing newer.
        pace.quota(start, early, None);
        assert!(!pace.may_send(start, 0, 20));
        pace.quota(start, early, report(100, Duration::ZERO));
        assert!(!pace.may_send(start, 0, 20));
        // A batch sent later (the report let a few through) came back without them.
        pace.quota(start + MS, reporting + 1, None);
        assert!(pace.may_send(start + MS, 0, 20));
    }

    #[test]
    fn a_new_report_replaces_the_last_and_keeps_what_was_earned() {
        let start = Instant::now();
        let mut pace = Pace::new(4, 20, start);
        let mark = send(&mut pace, start, 20).unwrap();
        pace.quota(start, mark, report(100, Duration::from_secs(1)));
        // 100 a second: 15 earned by 150 ms, then a tighter report.
        pace.quota(start + 150 * MS, mark + 1, report(20, 100 * MS));
        // 20 over 100 ms is 200 a second: the 5 missing take 25 ms.
        assert_eq!(
            pace.next_chance(start + 150 * MS, 20),
            Some(start + 175 * MS)
        );
    }

    #[test]
    fn the_gate_and_the_in_flight_limit_still_hold_under_a_budget() {
        let start = Instant::now();
        let mut pace = Pace::new(1, 20, start);
        let mark = send(&mut pace, start, 20).unwrap();
        pace.quota(start, mark, report(100, 100 * MS));
        let later = start + 50 * MS;
        assert!(!pace.may_send(later, 1, 20), "one batch in flight at most");
        pace.answered(later, 19, 20, 1, Some(200 * MS));
        assert_eq!(pace.next_chance(later, 20), Some(later + 200 * MS));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            /// Any sequence of batches, calm or congested, at any spacing:
            /// the rate stays a finite number between one batch a second
            /// and the ceiling, and every question to the pace has an answer.
            #[test]
            fn any_sequence_of_batches_keeps_the_rate_within_bounds(
                batch_size in 1usize..=20,
                max_in_flight in prop_oneof![1usize..8, Just(usize::MAX)],
                steps in prop::collection::vec(
                    (0u64..2_000, 0u32..=20, 0u32..=20, 0u32..=20, prop::option::of(0u64..5_000)),
                    0..200,
                ),
            ) {
                let start = Instant::now();
                let mut pace = Pace::new(max_in_flight, batch_size, start);
                let mut now = start;
                for (dt, through, answers, throttled, retry_after) in steps {
                    now += Duration::from_millis(dt);
                    let answers = answers.max(through);
                    let throttled = throttled.min(answers - through);
                    let retry_after = retry_after.map(Duration::from_millis);
                    if answers == 0 {
                        let status = if through % 2 == 0 { 429 } else { 503 };
                        pace.refused(now, status, retry_after);
                    } else {
                        pace.answered(now, through, answers, throttled, retry_after);
                    }
                    if let Some(rate) = pace.rate() {
                        prop_assert!(rate.is_finite(), "{}", rate);
                        prop_assert!(rate >= batch_size as f64 && rate <= MAX_RATE, "{}", rate);
                    }
                    if dt % 3 == 0 {
                        let quota = Quota { limit: 100, remaining: u64::from(through), reset: Duration::from_millis(dt) };
                        pace.quota(now, pace.mark().saturating_sub(u64::from(throttled)), (dt % 2 == 0).then_some(quota));
                    }
                    if pace.may_send(now, 0, batch_size) {
                        pace.sent(batch_size);
                    }
                    if let Some(at) = pace.next_chance(now, batch_size) {
                        prop_assert!(at >= now);
                    }
                }
            }
        }
    }
}
