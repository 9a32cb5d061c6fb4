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
                    "{bar:30.cyan/blue} {pos}/{len} rows ({percent}%)  {rate}  ETA {eta}  {msg}"
                } else {
                    "{bar:30} {pos}/{len} rows ({percent}%)  {rate}  ETA {eta}  {msg}"
                }
            } else {
                "{spinner} {pos} rows  {rate}  {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                // Whole rows a second: `60/s`, not indicatif's `60.2098/s`.
                let style = style.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}", per_second(state.per_sec()));
                    },
                );
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

/// A rate as the bar shows it: whole rows a second.
pub fn per_second(rate: f64) -> String {
    format!("{:.0}/s", rate.max(0.0))
}

/// How long `left` rows take at `rate` a second: `ETA 7s`, `ETA 4m 12s`, `ETA 1h 05m`.
pub fn eta(left: u64, rate: f64) -> Option<String> {
    if rate <= 0.0 || left == 0 {
        return None;
    }
    let secs = (left as f64 / rate).round();
    if !secs.is_finite() || secs > 3600.0 * 99.0 {
        return None;
    }
    let secs = secs as u64;
    Some(match secs {
        0..=59 => format!("ETA {secs}s"),
        60..=3599 => format!("ETA {}m {:02}s", secs / 60, secs % 60),
        _ => format!("ETA {}h {:02}m", secs / 3600, (secs % 3600) / 60),
    })
}

/// The CI progress line, e.g.
/// `leadctl: 120/400 (30%) rows, 40 rows/s, ETA 7s, concurrency auto 12, 120 created`.
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
    let eta = eta(total.saturating_sub(done), rate)
        .map(|e| format!("{e}, "))
        .unwrap_or_default();
    let concurrency = if concurrency.is_empty() {
        String::new()
    } else {
        format!("concurrency {concurrency}, ")
    };
    format!(
        "leadctl: {done}{of} rows, {rate:.0} rows/s, {eta}{concurrency}{}",
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
                "leadctl: 120/400 (30%) rows, 40 rows/s, ETA 7s, concurrency auto 12, 120 created"
            ),
            "{l}"
        );
        assert!(line(5, 0, 1.0, &counts, "16").contains("5 rows, 5 rows/s, concurrency 16, "));
        assert!(bar_message(&counts, "auto 23").ends_with("  concurrency auto 23"));
        assert_eq!(bar_message(&counts, ""), counts.describe());
    }

    #[test]
    fn rates_are_whole_and_etas_readable() {
        assert_eq!(per_second(60.2098), "60/s");
        assert_eq!(eta(100, 10.0).as_deref(), Some("ETA 10s"));
        assert_eq!(eta(2520, 10.0).as_deref(), Some("ETA 4m 12s"));
        assert_eq!(eta(39_000, 10.0).as_deref(), Some("ETA 1h 05m"));
        assert_eq!(eta(0, 10.0), None);
        assert_eq!(eta(5, 0.0), None);
    }
}
