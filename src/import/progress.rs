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
        }
    }

    pub fn update(&mut self, counts: &Counts) {
        let done = counts.done();
        match &mut self.mode {
            Mode::Hidden => {}
            Mode::Bar(bar) => {
                bar.set_position(done);
                bar.set_message(counts.describe());
            }
            Mode::Lines { last, every } => {
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
                    let rate = done as f64 / elapsed;
                    let of = if self.total > 0 {
                        format!(
                            "/{} ({:.0}%)",
                            self.total,
                            done as f64 * 100.0 / self.total as f64
                        )
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "leadctl: {done}{of} rows, {rate:.0} rows/s, {}",
                        counts.describe()
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
