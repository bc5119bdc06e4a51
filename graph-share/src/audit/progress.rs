//! The audit's progress bar on stderr (items audited, items/s, folders
//! left), drawn only when stderr is a terminal: scripts and logs get none.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::store::Counts;

/// The bar, or nothing when stderr is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Starts the bar from what the journal already holds.
    pub fn start(counts: &Counts) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(
            Some(counts.items_done + counts.items_pending),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {pos}/{len} items audited ({per_sec}) {msg}")
        {
            bar.set_style(style);
        }
        bar.set_position(counts.items_done);
        bar.set_message(format!("{} folders left", counts.folders_left));
        Self(Some(bar))
    }

    /// A page named `children` more items to audit.
    pub fn listed(&self, children: usize) {
        if let Some(bar) = &self.0 {
            bar.inc_length(u64::try_from(children).unwrap_or_default());
        }
    }

    /// One more item's permissions recorded.
    pub fn audited(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// How many folders are still to list.
    pub fn folders_left(&self, left: u64) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("{left} folders left"));
        }
    }

    /// Clears the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
