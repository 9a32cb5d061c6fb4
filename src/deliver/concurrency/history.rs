//! How the limit moved: each `Change` and its `Reason`, and the run's `History` in one line
//! (`summarize`).

use std::fmt;

use super::Cause;

/// Why the limit moved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Latency near its baseline while every permit was in use.
    Increase,
    /// Slow start: latency flat while every permit was in use, no overload yet.
    SlowStart,
    /// A window's latency was `ratio` times the baseline.
    RisingLatency { ratio: f64 },
    /// An overload answer.
    Overload(Cause),
    /// Above what `--rate` can use.
    RateCeiling,
}

/// One move of the limit, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub from: usize,
    pub to: usize,
    pub reason: Reason,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "concurrency {} → {}: ", self.from, self.to)?;
        match self.reason {
            Reason::Increase => write!(f, "latency near its baseline, every request slot in use"),
            Reason::SlowStart => write!(
                f,
                "slow start: latency flat, every request slot in use, no overload yet"
            ),
            Reason::RisingLatency { ratio } => {
                write!(f, "latency rose to {ratio:.1}× its baseline")
            }
            Reason::Overload(cause) => write!(f, "the server is overloaded ({})", cause.describe()),
            Reason::RateCeiling => write!(f, "more than --rate can use"),
        }
    }
}

/// How the limit moved over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub fixed: bool,
    pub start: usize,
    pub end: usize,
    /// The limit most requests were sent under (None before the first answer).
    pub most_used: Option<usize>,
    pub lowest: usize,
    pub highest: usize,
    pub backoffs_latency: u32,
    pub backoffs_overload: u32,
    pub backoffs_rate_limited: u32,
    /// Times the `--rate` ceiling lowered it.
    pub rate_ceiling: u32,
    /// Answers classed `Overload` (counted in fixed mode too).
    pub overload_answers: u64,
    pub samples: u64,
}

/// Below this many answers a run is too small to adapt: the summary says where it was and no
/// more (`-v` still logs each change).
pub const QUIET_BELOW: u64 = 50;

/// Whether the run had too few answers for its history to mean much.
pub fn too_few(h: &History) -> bool {
    !h.fixed && h.samples < QUIET_BELOW
}

/// The summary line of a [`History`].
pub fn summarize(h: &History) -> String {
    if h.fixed {
        return format!("concurrency {} (fixed)", h.start);
    }
    if too_few(h) {
        let at = h.most_used.unwrap_or(h.end);
        return format!("concurrency auto: {at} (too few requests to adapt)");
    }
    let mut line = format!("concurrency auto: {} → {}", h.start, h.end);
    if let Some(m) = h.most_used {
        line.push_str(&format!(", mostly {m}"));
    }
    let parts: Vec<String> = [
        (h.backoffs_latency, "rising latency"),
        (h.backoffs_overload, "overload answers"),
        (h.backoffs_rate_limited, "429 rate limiting"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .enumerate()
    // Only the first says "times": "backed off 3 times on rising latency, 1 on 429 ...".
    .map(|(i, (n, what))| match (i, n) {
        (0, 1) => format!("1 time on {what}"),
        (0, _) => format!("{n} times on {what}"),
        _ => format!("{n} on {what}"),
    })
    .collect();
    if parts.is_empty() {
        line.push_str("; never backed off");
    } else {
        line.push_str("; backed off ");
        line.push_str(&parts.join(", "));
    }
    if h.rate_ceiling > 0 {
        line.push_str("; held down by --rate");
    }
    line
}
