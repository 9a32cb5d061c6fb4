//! `--concurrency auto`: how many requests may be in flight at once, found while sending.
//!
//! A [`Controller`] is a gate shared by the blocking workers: [`Controller::acquire`] waits while
//! the requests in flight have reached the current limit and returns a [`Permit`]; the worker
//! sends one request and hands the permit back with [`Permit::done`] and a [`Sample`] (the
//! request's latency and a [`Class`]: `Ok`, `Overload` or `Neutral`). From the samples the limit
//! moves, in the manner of TCP congestion control (doc/concurrency.md has the reasoning and the
//! references):
//!
//! - one *window* is one round trip's worth of answers (`max(limit, 6)` `Ok` samples); its
//!   latency is their mean, each answer clipped at twice the baseline (so that a minority of
//!   queued requests shows, but a straggler does not rule); the *baseline* follows lower windows
//!   half-way at once and otherwise creeps up by 0.5 % a window (a low percentile of recent
//!   windows);
//! - *slow start*: from the first window, while the latency stays flat (below 1.1 × baseline) and
//!   no overload answer came, a saturated window doubles the limit, by at most
//!   [`SLOW_START_STEP`] (8 → 16 → 24 → 32 in three round trips, while a wall 8 past the last
//!   flat window is not jumped over); a step's window is the answers to the requests that left
//!   when it was set (one round trip), judged by their mean and by the mean of those sent into
//!   the limit's top slots (the requests that met the load the step added), whichever is higher;
//!   slow start ends at the first window that is not flat, the first decrease, or a wall
//!   remembered from an earlier run ([`Config::wall`]), which it does not pass;
//! - after it, a window below `tolerance` × baseline (1.3, or more when the latency is noisy) in
//!   which the pool was saturated (the requests in flight reached the limit) adds one: additive
//!   increase;
//! - a window at or above it cuts the limit in proportion to the excess (`limit × 0.9 × baseline
//!   / latency`, between × 0.5 and × 0.9): multiplicative decrease, enough to drain the server's
//!   queue so that the next windows measure the baseline again;
//! - an overload answer (429, 546, 502/503/504, a timeout, a reset) cuts it at once: × 0.7 when
//!   nothing was processed (429, 502, 503), × 0.5 when the outcome may be unknown; the limit the
//!   storm began at (the wall) is probed again only after 32 windows, twice as long after each
//!   failed probe;
//! - after a decrease, answers to requests sent before it are not judged again (a cool-down of
//!   one round trip), so one storm is one back-off, not thirty;
//! - if cutting did not lower the latency, our load is not what makes it slow: the baseline is
//!   re-based to it instead of shrinking further;
//! - `Neutral` answers (400/401/403/404, other client errors, 500) never move it.
//!
//! The limit stays within `1..=max`, and with `--rate` within what that rate can use
//! (`rate × latency × 1.5`, Little's law). A fixed `--concurrency N` is the same gate with a
//! limit that never moves, so the engine has one code path.
//!
//! A rate limit is not a concurrency problem: the send rate `auto` learns from 429s is
//! [`RateLearner`] (`rate.rs`), which the engine's `deliver::pace::Pacer` paces the workers to.
//!
//! The controller only gates: it never asks for a request to be sent again, so it probes the
//! server with fresh rows only. Time enters only through the samples' latencies (no clock is
//! read), which makes it deterministic under test.
//!
//! A blocking worker:
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use std::time::{Duration, Instant};
//! use leadctl::deliver::concurrency::{Class, Config, Controller, Sample};
//!
//! # fn send(_row: u64) -> Result<(), leadctl::api::ApiError> { Ok(()) }
//! let controller = Controller::new(Config::auto(32).with_rate(None));
//! let stop = AtomicBool::new(false);
//! std::thread::scope(|s| {
//!     for _ in 0..32 {
//!         // As many workers as the limit may reach: the gate decides how many send.
//!         s.spawn(|| {
//!             for row in 0..100 {
//!                 let Some(permit) = controller.acquire(&stop) else { return };
//!                 // (wait for the --rate limiter here, and note whether it made us wait)
//!                 let started = Instant::now();
//!                 let result = send(row);
//!                 permit.done(Sample::new(started.elapsed(), Class::of(&result)));
//!             }
//!         });
//!     }
//!     // The collecting thread: `-v` lines and the progress bar's "auto 23".
//!     for change in controller.drain_changes() {
//!         eprintln!("{change}");
//!     }
//!     let _label = format!("auto {}", controller.limit());
//! });
//! eprintln!("{}", controller.summary());
//! let _resume_from = controller.last_good();
//! # let _ = Duration::ZERO;
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The limit `auto` starts at.
pub const DEFAULT_INITIAL: usize = 8;
/// The limit `auto` never exceeds unless told (`--max-concurrency`).
pub const DEFAULT_MAX: usize = 32;
/// Slow start grows the limit by at most this much a window.
pub const SLOW_START_STEP: usize = 8;
/// Slow start goes on while a window's latency stays below this many times the baseline.
const SLOW_START_FLAT: f64 = 1.1;
/// A window is at least this many `Ok` samples.
const MIN_WINDOW: usize = 6;
/// In slow start a window also holds the answers to this many requests sent into the limit's
/// top slots (with the most in flight): they met the load the step added.
const SLOW_TOP: usize = 4;
/// How much the baseline may rise per window when no lower latency is seen.
const BASELINE_CREEP: f64 = 0.005;
/// A window's answers count at most this many times the baseline in its mean.
const CLIP: f64 = 2.0;
/// The smoothing of the noise estimate (per window).
const NOISE_ALPHA: f64 = 0.1;
/// A window backs off only beyond this many noise steps above the baseline.
const NOISE_MARGIN: f64 = 4.0;
/// `--rate` headroom over Little's law (rate × latency).
const RATE_HEADROOM: f64 = 1.5;
/// At most this many changes wait in the queue for [`Controller::drain_changes`].
const MAX_QUEUED_CHANGES: usize = 1024;
/// After an overload storm, the limit it began at is probed again only after this many windows;
/// each further storm doubles the wait, up to `MAX_PROBE_HOLD`.
const PROBE_HOLD: u32 = 32;
const MAX_PROBE_HOLD: u32 = 1024;

mod config;
mod history;
mod learn;
pub mod rate;

pub use config::{Cause, Class, Config, Sample};
pub use history::{summarize, too_few, Change, History, Reason, QUIET_BELOW};
pub use rate::{RateChange, RateHistory, RateLearner};

/// What the controller sees now (for the progress bar and `-v`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    pub limit: usize,
    pub in_flight: usize,
    /// The latency baseline (None before the first window).
    pub baseline: Option<Duration>,
    /// The last window's latency (its clipped mean).
    pub latency: Option<Duration>,
}

struct State {
    limit: usize,
    in_flight: usize,
    /// Bumped by every decrease: answers to requests sent before it are not judged again.
    epoch: u64,
    /// An answer of the current epoch arrived since the last decrease (for [`Controller::signal`]).
    fresh: bool,
    /// The requests in flight reached the limit during this window.
    reached: bool,
    window: Vec<f64>,
    window_rate_waited: usize,
    baseline: Option<f64>,
    last_latency: Option<f64>,
    /// The typical chance step between windows, relative to the baseline.
    noise: f64,
    /// The window latency that caused the last latency back-off, while no good window followed.
    backoff_latency: Option<f64>,
    last_good: usize,
    /// One below the limit the last overload storm began at (the wall): growth stops there for
    /// `hold` windows before probing past it again.
    known_bad: Option<usize>,
    hold: u32,
    /// Overload back-offs happened and no good window came since: further cuts belong to the
    /// same storm and do not move `known_bad`.
    storm: bool,
    /// The hold of the last storm: doubled when a probe past the wall fails.
    next_hold: u32,
    /// Slow start: the limit doubles each flat window (see the module's documentation).
    slow_start: bool,
    /// In slow start, how many answers sent under the current limit close its window: the
    /// requests that left at once when it was set (one round trip a step).
    slow_batch: usize,
    /// In slow start, the latencies of the window's requests sent into the limit's top slots.
    top: Vec<f64>,
    /// Samples by the limit they were sent under.
    used: BTreeMap<usize, u64>,
    history: History,
    changes: VecDeque<Change>,
}

/// The gate shared by the workers. `Sync`: share it by reference (scoped threads) or in an `Arc`.
pub struct Controller {
    config: Config,
    state: Mutex<State>,
    freed: Condvar,
}

/// One request slot; give it back with [`Permit::done`]. Dropped without `done` (the row was not
/// sent after all), it frees its slot and counts as nothing.
#[must_use = "a permit holds a request slot until done() or drop"]
pub struct Permit<'a> {
    controller: &'a Controller,
    sent: Sent,
    finished: bool,
}

/// When a permit was granted: what its answer is judged against.
#[derive(Debug, Clone, Copy)]
struct Sent {
    epoch: u64,
    /// The limit then.
    limit: usize,
    /// The requests in flight then, this one included.
    in_flight: usize,
}

impl Permit<'_> {
    /// The request was answered (or failed): frees the slot and learns from the sample.
    pub fn done(mut self, sample: Sample) {
        self.finished = true;
        self.controller.finish(self.sent, Some(sample));
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.controller.finish(self.sent, None);
        }
    }
}

impl Controller {
    pub fn new(config: Config) -> Controller {
        // The fields are public: whatever they hold, the controller keeps to its bounds.
        let max = config.fixed.unwrap_or(config.max).max(1);
        let limit = config.fixed.unwrap_or(config.initial).clamp(1, max);
        let tolerance = if config.tolerance.is_finite() && config.tolerance > 1.0 {
            config.tolerance
        } else {
            Config::auto(max).tolerance
        };
        let rate = config.rate;
        let config = Config {
            max,
            initial: limit,
            tolerance,
            ..config.with_rate(rate)
        };
        Controller {
            state: Mutex::new(State {
                limit,
                in_flight: 0,
                epoch: 0,
                fresh: true,
                reached: false,
                window: Vec::with_capacity(max.clamp(MIN_WINDOW, 1024)),
                window_rate_waited: 0,
                baseline: None,
                last_latency: None,
                noise: 0.0,
                backoff_latency: None,
                last_good: limit,
                // A wall an earlier run met is held as if this run had met it.
                known_bad: config.wall.filter(|w| config.fixed.is_none() && *w >= 1),
                hold: if config.wall.is_some() { PROBE_HOLD } else { 0 },
                storm: false,
                next_hold: PROBE_HOLD,
                slow_start: config.fixed.is_none(),
                slow_batch: limit,
                top: Vec::with_capacity(SLOW_TOP),
                used: BTreeMap::new(),
                history: History {
                    fixed: config.fixed.is_some(),
                    start: limit,
                    end: limit,
                    most_used: None,
                    lowest: limit,
                    highest: limit,
                    backoffs_latency: 0,
                    backoffs_overload: 0,
                    backoffs_rate_limited: 0,
                    rate_ceiling: 0,
                    overload_answers: 0,
                    samples: 0,
                },
                changes: VecDeque::new(),
            }),
            config,
            freed: Condvar::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a request slot; None once `stop` is set (checked at least every 50 ms; call
    /// [`Controller::wake`] after setting it to end the waits at once).
    pub fn acquire(&self, stop: &AtomicBool) -> Option<Permit<'_>> {
        let mut state = self.lock();
        loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            if state.in_flight < state.limit {
                return Some(self.grant(&mut state));
            }
            state.reached = true;
            state = match self.freed.wait_timeout(state, Duration::from_millis(50)) {
                Ok((s, _)) => s,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// A request slot if one is free now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        if state.in_flight < state.limit {
            Some(self.grant(&mut state))
        } else {
            state.reached = true;
            None
        }
    }

    fn grant(&self, state: &mut State) -> Permit<'_> {
        state.in_flight += 1;
        if state.in_flight >= state.limit {
            state.reached = true;
        }
        Permit {
            controller: self,
            sent: Sent {
                epoch: state.epoch,
                limit: state.limit,
                in_flight: state.in_flight,
            },
            finished: false,
        }
    }

    /// Wakes every waiting worker (after setting the stop flag).
    pub fn wake(&self) {
        self.freed.notify_all();
    }

    /// An overload seen outside a permit's answer (e.g. a 429 the API client retried inside one
    /// call): backs off unless a back-off happened and no answer came since.
    pub fn signal(&self, cause: Cause) {
        self.signal_as(cause, true);
    }

    /// A 429 met within the first second of sending (`RateLearner::early`): cuts as
    /// [`Controller::signal`] does, but neither ends slow start nor marks a wall. The server's
    /// window it met may have begun before this run sent anything, with another client's or an
    /// earlier run's requests in it: it says nothing of where this run's limit is (a wall at the
    /// starting 8 was held for 32 windows behind an earlier run's window).
    pub fn signal_early(&self, cause: Cause) {
        self.signal_as(cause, false);
    }

    /// An overload outside a permit's answer; `telling`: see [`Controller::cut`].
    fn signal_as(&self, cause: Cause, telling: bool) {
        let mut state = self.lock();
        state.history.overload_answers += 1;
        if self.config.fixed.is_none() && state.fresh {
            self.cut(&mut state, cause.factor(), Reason::Overload(cause), telling);
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    pub fn snapshot(&self) -> Snapshot {
        let state = self.lock();
        Snapshot {
            limit: state.limit,
            in_flight: state.in_flight,
            baseline: state
                .baseline
                .and_then(|s| Duration::try_from_secs_f64(s).ok()),
            latency: state
                .last_latency
                .and_then(|s| Duration::try_from_secs_f64(s).ok()),
        }
    }

    /// The limit of the last window that was neither slow nor overloaded: where a resume starts.
    pub fn last_good(&self) -> usize {
        self.lock().last_good
    }

    /// Where the server last pushed back (one below the limit its overload storm began at),
    /// while this run has not got two past it: the next run's slow start stops there.
    pub fn wall(&self) -> Option<usize> {
        self.lock().known_bad
    }

    /// The changes since the last call, oldest first (at most the last 1024).
    pub fn drain_changes(&self) -> Vec<Change> {
        self.lock().changes.drain(..).collect()
    }

    pub fn history(&self) -> History {
        let state = self.lock();
        let mut history = state.history.clone();
        history.end = state.limit;
        // The most used limit; a tie goes to the higher one.
        history.most_used = state
            .used
            .iter()
            .max_by_key(|&(limit, n)| (*n, *limit))
            .map(|(limit, _)| *limit);
        history
    }

    /// One line for the end of the import, e.g. `concurrency auto: 4 → 27, mostly 24; backed off
    /// 3 times on rising latency`.
    pub fn summary(&self) -> String {
        summarize(&self.history())
    }

    fn finish(&self, sent: Sent, sample: Option<Sample>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        let before = state.limit;
        if let Some(sample) = sample {
            self.learn(&mut state, sent, sample);
        }
        let grew = state.limit > before;
        drop(state);
        if grew {
            self.freed.notify_all();
        } else {
            self.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests;
