//! Random fault injection: failure rate, per-method statuses, latency.

use std::collections::BTreeMap;
use std::time::Duration;

/// Random failures and latency, drawn from the emulator's seeded generator,
/// so a run with the same seed and the same sequence of requests fails the
/// same requests with the same statuses.
///
/// A fault-injected answer never changes state.
///
/// ```
/// use std::time::Duration;
/// use graph_emulator::Faults;
///
/// let faults = Faults::new()
///     .failure_rate(0.30)
///     .statuses("GET", &[503])
///     .retry_after_secs(0.05)
///     .latency(Duration::from_millis(1), Duration::from_millis(5));
/// assert_eq!(faults.statuses_for("GET"), &[503]);
/// assert_eq!(faults.retry_after(), 1.0); // whole seconds unless asked otherwise
/// assert_eq!(faults.clone().sub_second_retry_after().retry_after(), 0.05);
/// assert_eq!(faults.statuses_for("DELETE"), &[429, 500, 502, 503, 504, 507]);
/// ```
#[derive(Debug, Clone)]
pub struct Faults {
    failure_rate: f64,
    statuses: BTreeMap<String, Vec<u16>>,
    latency: Option<(Duration, Duration)>,
    retry_after_secs: f64,
    sub_second_retry_after: bool,
    reset_before_read: f64,
    reset_after_run: f64,
    hang_rate: f64,
    hang_for: Duration,
    poison_rate: f64,
    id_poison_rate: f64,
}

/// What happens to the connection of one request that arrived over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    /// Dropped before the request is run: it never runs, nothing is answered.
    ResetBeforeRead,
    /// The request runs, then the connection is dropped instead of answered.
    ResetAfterRun,
    /// The request runs, and its answer is held back this long.
    Hang(Duration),
}

/// How an inner answer of a `$batch` is made unreadable after its request ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Poison {
    /// The status as a JSON string (`"200"`), not a number.
    StatusAsText,
    /// A status no HTTP status can be (`1000`).
    StatusOutOfRange,
    /// The id as a JSON number (`1`), not a string: it names no request.
    IdAsNumber,
    /// No id at all.
    IdLeftOut,
}

/// Clamps a rate to `0..=1`, NaN to 0.
fn rate(rate: f64) -> f64 {
    if rate.is_nan() {
        0.0
    } else {
        rate.clamp(0.0, 1.0)
    }
}

const READ_STATUSES: &[u16] = &[429, 500, 502, 503, 504];
const WRITE_STATUSES: &[u16] = &[429, 500, 502, 503, 504, 507];

impl Default for Faults {
    fn default() -> Self {
        Self::new()
    }
}

impl Faults {
    /// No failures, no latency, `Retry-After: 1` on injected 429/503.
    pub fn new() -> Self {
        Self {
            failure_rate: 0.0,
            statuses: BTreeMap::new(),
            latency: None,
            retry_after_secs: 1.0,
            reset_before_read: 0.0,
            reset_after_run: 0.0,
            hang_rate: 0.0,
            hang_for: Duration::ZERO,
            poison_rate: 0.0,
            id_poison_rate: 0.0,
            sub_second_retry_after: false,
        }
    }

    /// Drops the connection of that fraction (each clamped to `0..=1`) of
    /// Graph requests arriving over HTTP (an outer `$batch` included, the
    /// token endpoint never): `before_read` before the request runs (it
    /// never runs), `after_run` after it ran (its changes stay; its answer
    /// is never sent). The client sees the connection end without an
    /// answer. Logged with [`FaultKind::ResetBeforeRead`](crate::FaultKind::ResetBeforeRead)
    /// (status 0) or [`FaultKind::ResetAfterRun`](crate::FaultKind::ResetAfterRun)
    /// (the status it would have answered; for a `$batch`, on its inner requests too).
    ///
    /// ```
    /// use graph_emulator::Faults;
    ///
    /// let faults = Faults::new().resets(0.01, 0.02);
    /// assert_eq!(faults.reset_rates(), (0.01, 0.02));
    /// ```
    pub fn resets(mut self, before_read: f64, after_run: f64) -> Self {
        self.reset_before_read = rate(before_read);
        self.reset_after_run = rate(after_run);
        self
    }

    /// Runs that fraction of Graph requests arriving over HTTP, then holds
    /// their answer back for `hold` (longer than a client's timeout, to
    /// test one). Logged with [`FaultKind::Hung`](crate::FaultKind::Hung),
    /// for a `$batch` on its inner requests too.
    ///
    /// ```
    /// use std::time::Duration;
    /// use graph_emulator::Faults;
    ///
    /// let faults = Faults::new().hangs(0.01, Duration::from_secs(3));
    /// assert_eq!(faults.hang(), (0.01, Duration::from_secs(3)));
    /// ```
    pub fn hangs(mut self, rate_of: f64, hold: Duration) -> Self {
        self.hang_rate = rate(rate_of);
        self.hang_for = hold;
        self
    }

    /// Makes that fraction of inner answers of a `$batch` unreadable after
    /// their request ran: the status sent as text (`"200"`) or out of range
    /// (`1000`). The id stays, so a client can tell which request it was.
    /// Logged with [`FaultKind::Poisoned`](crate::FaultKind::Poisoned) and the real status.
    ///
    /// ```
    /// use graph_emulator::Faults;
    ///
    /// assert_eq!(Faults::new().poisoned_replies(0.05).poison_rate(), 0.05);
    /// ```
    pub fn poisoned_replies(mut self, rate_of: f64) -> Self {
        self.poison_rate = rate(rate_of);
        self
    }

    /// Makes that fraction of inner answers of a `$batch` lose their id
    /// after their request ran: the id sent as a number (`1`, where the
    /// batch format has a string) or left out. The status and body stay,
    /// but no answer says which request it was: a client can only tell
    /// that some answer may be the one its request is missing. Logged with
    /// [`FaultKind::Poisoned`](crate::FaultKind::Poisoned) and the real
    /// status, as [`poisoned_replies`](Faults::poisoned_replies).
    ///
    /// ```
    /// use graph_emulator::Faults;
    ///
    /// assert_eq!(Faults::new().poisoned_ids(0.05).id_poison_rate(), 0.05);
    /// ```
    pub fn poisoned_ids(mut self, rate_of: f64) -> Self {
        self.id_poison_rate = rate(rate_of);
        self
    }

    /// The rate of [`poisoned_ids`](Faults::poisoned_ids).
    pub fn id_poison_rate(&self) -> f64 {
        self.id_poison_rate
    }

    /// The rates of [`resets`](Faults::resets): before read, after run.
    pub fn reset_rates(&self) -> (f64, f64) {
        (self.reset_before_read, self.reset_after_run)
    }

    /// The rate and hold of [`hangs`](Faults::hangs).
    pub fn hang(&self) -> (f64, Duration) {
        (self.hang_rate, self.hang_for)
    }

    /// The rate of [`poisoned_replies`](Faults::poisoned_replies).
    pub fn poison_rate(&self) -> f64 {
        self.poison_rate
    }

    /// Draws what happens to one request's connection. Draws nothing when
    /// no connection fault is configured, so seeds keep their meaning.
    pub(crate) fn draw_network(&self, rng: &mut fastrand::Rng) -> Option<Network> {
        if self.reset_before_read + self.reset_after_run + self.hang_rate <= 0.0 {
            return None;
        }
        let roll = rng.f64();
        if roll < self.reset_before_read {
            Some(Network::ResetBeforeRead)
        } else if roll < self.reset_before_read + self.reset_after_run {
            Some(Network::ResetAfterRun)
        } else if roll < self.reset_before_read + self.reset_after_run + self.hang_rate {
            Some(Network::Hang(self.hang_for))
        } else {
            None
        }
    }

    /// Draws whether one inner answer is poisoned, and how. Draws nothing
    /// when poisoning is off, and the same as before ids could be poisoned
    /// while they are not, so seeds keep their meaning.
    pub(crate) fn draw_poison(&self, rng: &mut fastrand::Rng) -> Option<Poison> {
        if self.poison_rate + self.id_poison_rate <= 0.0 {
            return None;
        }
        let roll = rng.f64();
        let first = rng.bool();
        if roll < self.poison_rate {
            Some(if first {
                Poison::StatusAsText
            } else {
                Poison::StatusOutOfRange
            })
        } else if roll < self.poison_rate + self.id_poison_rate {
            Some(if first {
                Poison::IdAsNumber
            } else {
                Poison::IdLeftOut
            })
        } else {
            None
        }
    }

    /// The fraction (clamped to `0..=1`) of Graph requests answered with a
    /// random failure status instead of being run.
    pub fn failure_rate(mut self, failures: f64) -> Self {
        self.failure_rate = rate(failures);
        self
    }

    /// Overrides the statuses drawn for one HTTP method (case-insensitive).
    /// Defaults: GET/PATCH (and other reads) 429, 500, 502, 503, 504;
    /// POST/PUT/DELETE those and 507. An empty set disables faults for it.
    pub fn statuses(mut self, method: &str, statuses: &[u16]) -> Self {
        self.statuses
            .insert(method.to_ascii_uppercase(), statuses.to_vec());
        self
    }

    /// Delays every Graph answer by a uniformly drawn time in `min..=max`.
    pub fn latency(mut self, min: Duration, max: Duration) -> Self {
        self.latency = Some(if min <= max { (min, max) } else { (max, min) });
        self
    }

    /// The `Retry-After` value sent with random 429 and 503 answers, in
    /// seconds. It is sent rounded up to whole seconds (at least 1), as Graph
    /// sends it and as HTTP's delay-seconds are written (RFC 9110 §10.2.3),
    /// unless [`Faults::sub_second_retry_after`] is set.
    pub fn retry_after_secs(mut self, secs: f64) -> Self {
        self.retry_after_secs = if secs.is_finite() { secs.max(0.0) } else { 1.0 };
        self
    }

    /// Test knob: send [`Faults::retry_after_secs`] as given, fractions as
    /// decimals (`0.05`), so fast tests need not wait a second per retry.
    /// Graph never sends fractions; clients that read delay-seconds strictly
    /// (Kiota's) misread them.
    pub fn sub_second_retry_after(mut self) -> Self {
        self.sub_second_retry_after = true;
        self
    }

    /// The configured failure rate.
    pub fn rate(&self) -> f64 {
        self.failure_rate
    }

    /// The statuses a random failure of `method` is drawn from.
    pub fn statuses_for(&self, method: &str) -> &[u16] {
        let method = method.to_ascii_uppercase();
        if let Some(set) = self.statuses.get(&method) {
            return set;
        }
        match method.as_str() {
            "POST" | "PUT" | "DELETE" => WRITE_STATUSES,
            _ => READ_STATUSES,
        }
    }

    /// The `Retry-After` value of random 429/503 answers, in seconds: whole
    /// (rounded up, at least 1) unless [`Faults::sub_second_retry_after`] is set.
    pub fn retry_after(&self) -> f64 {
        if self.sub_second_retry_after {
            self.retry_after_secs
        } else {
            self.retry_after_secs.ceil().max(1.0)
        }
    }

    /// Draws whether this request fails, and with which status. Always
    /// draws the same amount of randomness so runs stay comparable.
    pub(crate) fn draw(&self, rng: &mut fastrand::Rng, method: &str) -> Option<u16> {
        let roll = rng.f64();
        let pick = rng.u32(..);
        if self.failure_rate <= 0.0 || roll >= self.failure_rate {
            return None;
        }
        let set = self.statuses_for(method);
        if set.is_empty() {
            return None;
        }
        set.get(pick as usize % set.len()).copied()
    }

    /// Draws the latency of one answer, if latency is configured.
    pub(crate) fn draw_latency(&self, rng: &mut fastrand::Rng) -> Option<Duration> {
        let (min, max) = self.latency?;
        let span = max.saturating_sub(min).as_micros() as u64;
        let extra = if span == 0 { 0 } else { rng.u64(0..=span) };
        Some(min + Duration::from_micros(extra))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let faults = Faults::new().failure_rate(0.5);
        let draw = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..50)
                .map(|_| faults.draw(&mut rng, "POST"))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert!(draw(7).iter().any(Option::is_some));
        assert!(draw(7).iter().any(Option::is_none));
    }

    #[test]
    fn zero_rate_never_fails_and_full_rate_always_does() {
        let mut rng = fastrand::Rng::with_seed(1);
        assert!((0..100).all(|_| Faults::new().draw(&mut rng, "GET").is_none()));
        let all = Faults::new().failure_rate(1.0).statuses("get", &[503]);
        assert!((0..100).all(|_| all.draw(&mut rng, "GET") == Some(503)));
    }

    #[test]
    fn connection_and_reply_faults_draw_by_seed_and_not_at_all_when_off() {
        let faults = Faults::new()
            .resets(0.2, 0.2)
            .hangs(0.2, Duration::from_secs(1))
            .poisoned_replies(0.3)
            .poisoned_ids(0.3);
        let draw = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..200)
                .map(|_| (faults.draw_network(&mut rng), faults.draw_poison(&mut rng)))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        let drawn = draw(3);
        for kind in [
            Network::ResetBeforeRead,
            Network::ResetAfterRun,
            Network::Hang(Duration::from_secs(1)),
        ] {
            assert!(drawn.iter().any(|(n, _)| *n == Some(kind)), "{kind:?}");
        }
        for kind in [
            Poison::StatusAsText,
            Poison::StatusOutOfRange,
            Poison::IdAsNumber,
            Poison::IdLeftOut,
        ] {
            assert!(drawn.iter().any(|(_, p)| *p == Some(kind)), "{kind:?}");
        }
        assert!(drawn.iter().any(|(n, p)| n.is_none() && p.is_none()));
        // Off: no draw, so the generator is left as it was.
        let mut rng = fastrand::Rng::with_seed(9);
        assert_eq!(Faults::new().draw_network(&mut rng), None);
        assert_eq!(Faults::new().draw_poison(&mut rng), None);
        assert_eq!(rng.u64(..), fastrand::Rng::with_seed(9).u64(..));
        assert_eq!(
            Faults::new().resets(f64::NAN, 7.0).reset_rates(),
            (0.0, 1.0)
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_unless_the_knob_is_set() {
        assert_eq!(Faults::new().retry_after(), 1.0);
        for (given, whole) in [(0.02, 1.0), (0.5, 1.0), (1.0, 1.0), (1.2, 2.0), (3.0, 3.0)] {
            let faults = Faults::new().retry_after_secs(given);
            assert_eq!(faults.retry_after(), whole, "{given}");
            assert_eq!(faults.sub_second_retry_after().retry_after(), given);
        }
    }
}
