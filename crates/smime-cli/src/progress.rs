//! A progress bar on standard error for large inputs, only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Inputs smaller than this get no progress bar.
const MIN_BYTES: u64 = 16 * 1024 * 1024;

/// A bar for an input of `total` bytes, or a hidden one.
pub fn bar(total: Option<u64>) -> ProgressBar {
    match total {
        Some(total) if total >= MIN_BYTES && std::io::stderr().is_terminal() => {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            {
                bar.set_style(style);
            }
            bar
        }
        _ => ProgressBar::hidden(),
    }
}
