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
            sub_second_retry_after: false,
        }
    }

    /// The fraction (clamped to `0..=1`) of Graph requests answered with a
    /// random failure status instead of being run.
    pub fn failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
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
    fn retry_after_is_whole_seconds_unless_the_knob_is_set() {
        assert_eq!(Faults::new().retry_after(), 1.0);
        for (given, whole) in [(0.02, 1.0), (0.5, 1.0), (1.0, 1.0), (1.2, 2.0), (3.0, 3.0)] {
            let faults = Faults::new().retry_after_secs(given);
            assert_eq!(faults.retry_after(), whole, "{given}");
            assert_eq!(faults.sub_second_retry_after().retry_after(), given);
        }
    }
}
