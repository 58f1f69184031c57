//! Progress bars on stderr (indicatif): drawn only when stderr is a terminal (or when asked
//! with `--progress always`) and never under `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ProgressWhen;

/// Whether bars are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Draw bars on stderr.
    Draw,
    /// Draw nothing.
    Hidden,
}

impl Progress {
    /// Decides from the options and whether stderr is a terminal.
    pub fn resolve(when: ProgressWhen, quiet: bool) -> Progress {
        match (when, quiet) {
            (_, true) | (ProgressWhen::Never, _) => Progress::Hidden,
            (ProgressWhen::Always, _) => Progress::Draw,
            (ProgressWhen::Auto, _) if std::io::stderr().is_terminal() => Progress::Draw,
            (ProgressWhen::Auto, _) => Progress::Hidden,
        }
    }

    /// A bar counting bytes with throughput and ETA; its message shows files done.
    pub fn bytes(self, total: u64, prefix: &str) -> ProgressBar {
        let bar = self.bar(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>9} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
            )
            .expect("static template is valid"),
        );
        bar.set_prefix(prefix.to_string());
        bar
    }

    /// A spinner for work of unknown size (walking, importing).
    pub fn spinner(self, message: &str) -> ProgressBar {
        let bar = match self {
            Progress::Draw => ProgressBar::new_spinner(),
            Progress::Hidden => ProgressBar::hidden(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {msg} {bytes} {bytes_per_sec}",
            )
            .expect("static template is valid"),
        );
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    fn bar(self, total: u64) -> ProgressBar {
        match self {
            Progress::Draw => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            }
            Progress::Hidden => ProgressBar::hidden(),
        }
    }
}
