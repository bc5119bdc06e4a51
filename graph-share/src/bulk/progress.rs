//! The progress bar of a bulk run, on stderr and only when stderr is a
//! terminal (scripts, pipes and tests see none). Its position counts the
//! rows whose outcome is recorded: the bar never shows more than the
//! journal holds.

use std::io::IsTerminal;
use std::time::Duration;

use graph_core::bulk::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for about `rows` rows.
pub fn bar(rows: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(rows), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// What the engine says beside the count: retries and waits.
pub fn show(bar: &ProgressBar, progress: &Progress) {
    bar.set_message(format!(
        "retried {}, waiting {}",
        progress.retried, progress.waiting
    ));
}
