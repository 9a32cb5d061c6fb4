//! Progress of a bulk run on stderr: an indicatif bar on a terminal; a plain line every few
//! seconds when stderr is not a terminal (CI logs: no `\r`); nothing with `-q`.
#![allow(clippy::print_stderr)]

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::report::Counts;

enum Mode {
    Hidden,
    Bar(ProgressBar),
    Lines { last: Instant, every: Duration },
}

pub struct Progress {
    mode: Mode,
    total: u64,
    started: Instant,
    /// The current concurrency as shown: "auto 23" or "16" (empty: not shown).
    concurrency: String,
}

impl Progress {
    /// `total` rows are expected (0 when unknown, e.g. stdin).
    pub fn new(total: u64, quiet: bool, color: bool) -> Progress {
        let mode = if quiet {
            Mode::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = if total > 0 {
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8))
            } else {
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8))
            };
            let template = if total > 0 {
                if color {
                    "{bar:30.cyan/blue} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}"
                } else {
                    "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}"
                }
            } else {
                "{spinner} {pos} rows  {per_sec}  {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            Mode::Bar(bar)
        } else {
            Mode::Lines {
                last: Instant::now(),
                every: Duration::from_secs(5),
            }
        };
        Progress {
            mode,
            total,
            started: Instant::now(),
            concurrency: String::new(),
        }
    }

    /// The concurrency to show from now on: "auto 23" or "16".
    pub fn set_concurrency(&mut self, label: String) {
        self.concurrency = label;
    }

    pub fn update(&mut self, counts: &Counts) {
        let done = counts.done();
        match &mut self.mode {
            Mode::Hidden => {}
            Mode::Bar(bar) => {
                bar.set_position(done);
                bar.set_message(bar_message(counts, &self.concurrency));
            }
            Mode::Lines { last, every } => {
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    let elapsed = self.started.elapsed().as_secs_f64();
                    eprintln!(
                        "{}",
                        line(done, self.total, elapsed, counts, &self.concurrency)
                    );
                }
            }
        }
    }

    /// Prints a line above the bar (or plainly), so messages and the bar do not tangle.
    pub fn println(&self, line: &str) {
        match &self.mode {
            Mode::Bar(bar) => bar.suspend(|| eprintln!("{line}")),
            _ => eprintln!("{line}"),
        }
    }

    pub fn finish(&mut self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
        self.mode = Mode::Hidden;
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// The bar's message: the counts, then the concurrency.
fn bar_message(counts: &Counts, concurrency: &str) -> String {
    if concurrency.is_empty() {
        counts.describe()
    } else {
        format!("{}  concurrency {concurrency}", counts.describe())
    }
}

/// The CI progress line, e.g.
/// `leadctl: 120/400 (30%) rows, 40 rows/s, concurrency auto 12, 120 created`.
pub fn line(
    done: u64,
    total: u64,
    elapsed_secs: f64,
    counts: &Counts,
    concurrency: &str,
) -> String {
    let rate = done as f64 / elapsed_secs.max(0.001);
    let of = if total > 0 {
        format!("/{total} ({:.0}%)", done as f64 * 100.0 / total as f64)
    } else {
        String::new()
    };
    let concurrency = if concurrency.is_empty() {
        String::new()
    } else {
        format!("concurrency {concurrency}, ")
    };
    format!(
        "leadctl: {done}{of} rows, {rate:.0} rows/s, {concurrency}{}",
        counts.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_and_the_bar_show_the_concurrency() {
        let counts = Counts {
            created: 120,
            ..Counts::default()
        };
        let l = line(120, 400, 3.0, &counts, "auto 12");
        assert!(
            l.starts_with(
                "leadctl: 120/400 (30%) rows, 40 rows/s, concurrency auto 12, 120 created"
            ),
            "{l}"
        );
        assert!(line(5, 0, 1.0, &counts, "16").contains("5 rows, 5 rows/s, concurrency 16, "));
        assert!(bar_message(&counts, "auto 23").ends_with("  concurrency auto 23"));
        assert_eq!(bar_message(&counts, ""), counts.describe());
    }
}
