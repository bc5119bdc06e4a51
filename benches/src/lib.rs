//! Shared helpers for the benchmarks in `benches/`: the client they all point
//! at the emulator, when to print a verdict, and the small statistics and
//! measurements their reports are made of.

use std::time::Duration;

use graph_core::Client;
use graph_core::auth::StaticToken;
use graph_emulator::{EmulatorHandle, seed};

/// A graph-core client for `emulator`, signed in with the seed tenant's token,
/// with every other setting at its default.
pub fn client_for(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .build()
        .expect("build the client")
}

/// Whether this process runs as a benchmark with its report: `cargo bench`
/// passes `--bench`; `cargo test --benches` (`--test`), `--list` and
/// criterion's `--profile-time` run no analysis, so no figures then.
pub fn is_benchmarking() -> bool {
    benchmarking(std::env::args())
}

fn benchmarking(args: impl IntoIterator<Item = String>) -> bool {
    let args: Vec<String> = args.into_iter().collect();
    args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| a == "--test" || a == "--list" || a.starts_with("--profile-time"))
}

/// `"pass"` when `ratio` is at most `target`, else `"FAIL"`.
pub fn verdict(ratio: f64, target: f64) -> &'static str {
    if ratio <= target { "pass" } else { "FAIL" }
}

/// The median of `values` (the upper one of an even count).
///
/// # Panics
///
/// When `values` is empty: a benchmark that measured nothing has no figure.
pub fn median<T: PartialOrd>(mut values: Vec<T>) -> T {
    assert!(!values.is_empty(), "the median of nothing");
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.swap_remove(values.len() / 2)
}

/// Which side goes first in round `round` of an interleaved comparison:
/// `[0, 1]` in even rounds and `[1, 0]` in odd ones, so that neither side
/// always runs on a machine the other has just warmed (or disturbed).
pub fn turns(round: usize) -> [usize; 2] {
    if round.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    }
}

/// CPU time this process has used (all threads, user and system), from
/// `/proc/self/stat` in clock ticks of 10 ms; `None` off Linux.
pub fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The 1, 5 and 15 minute load averages as `/proc/loadavg` shows them
/// (empty off Linux), to print beside figures taken on a shared machine.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A duration in the unit that suits it: `73.6 µs`, `6.228 ms` or `2.174 s`.
pub fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1e6 {
        format!("{:.3} s", us / 1e6)
    } else if us >= 1000.0 {
        format!("{:.3} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn only_cargo_bench_runs_the_report() {
        assert!(benchmarking(args(&["bench", "--bench"])));
        assert!(!benchmarking(args(&["bench"])));
        assert!(!benchmarking(args(&["bench", "--bench", "--test"])));
        assert!(!benchmarking(args(&["bench", "--bench", "--list"])));
        assert!(!benchmarking(args(&[
            "bench",
            "--bench",
            "--profile-time=5"
        ])));
    }

    #[test]
    fn medians_verdicts_and_turns() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4, 1, 3, 2]), 3);
        assert_eq!(
            median(vec![Duration::from_secs(2), Duration::from_secs(1)]),
            Duration::from_secs(2)
        );
        assert_eq!(verdict(1.03, 1.03), "pass");
        assert_eq!(verdict(1.031, 1.03), "FAIL");
        assert_eq!((turns(0), turns(1), turns(2)), ([0, 1], [1, 0], [0, 1]));
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(human(Duration::from_nanos(73_600)), "73.6 µs");
        assert_eq!(human(Duration::from_micros(6_228)), "6.228 ms");
        assert_eq!(human(Duration::from_millis(2_174)), "2.174 s");
    }
}
