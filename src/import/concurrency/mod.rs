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
//! - a window below `tolerance` × baseline (1.3, or more when the latency is noisy) in which the
//!   pool was saturated (the requests in flight reached the limit) adds one: additive increase;
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
//! The controller only gates: it never asks for a request to be sent again, so it probes the
//! server with fresh rows only. Time enters only through the samples' latencies (no clock is
//! read), which makes it deterministic under test.
//!
//! A blocking worker:
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use std::time::{Duration, Instant};
//! use leadctl::import::concurrency::{Class, Config, Controller, Sample};
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
pub const DEFAULT_INITIAL: usize = 4;
/// The limit `auto` never exceeds unless told (`--max-concurrency`).
pub const DEFAULT_MAX: usize = 32;
/// A window is at least this many `Ok` samples.
const MIN_WINDOW: usize = 6;
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

pub use config::{Cause, Class, Config, Sample};
pub use history::{summarize, Change, History, Reason};

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
    epoch: u64,
    limit: usize,
    finished: bool,
}

impl Permit<'_> {
    /// The request was answered (or failed): frees the slot and learns from the sample.
    pub fn done(mut self, sample: Sample) {
        self.finished = true;
        self.controller.finish(self.epoch, self.limit, Some(sample));
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.controller.finish(self.epoch, self.limit, None);
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
                known_bad: None,
                hold: 0,
                storm: false,
                next_hold: PROBE_HOLD,
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
            epoch: state.epoch,
            limit: state.limit,
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
        let mut state = self.lock();
        state.history.overload_answers += 1;
        if self.config.fixed.is_none() && state.fresh {
            self.decrease(&mut state, cause.factor(), Reason::Overload(cause));
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

    fn finish(&self, epoch: u64, limit: usize, sample: Option<Sample>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        let before = state.limit;
        if let Some(sample) = sample {
            self.learn(&mut state, epoch, limit, sample);
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
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    const MS: f64 = 0.001;

    /// A simulated server: (requests in flight at the server, this one included; the time in
    /// seconds; a seeded rng) → (latency in seconds, class).
    type Server<'s> = dyn FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) + 's;

    #[derive(Debug)]
    struct Run {
        seconds: f64,
        ok: u64,
        sent: u64,
        overloads: u64,
        /// Requests sent while more than `watch` were in flight at the server (this included).
        sent_above_watch: u64,
        final_limit: usize,
        /// (time, limit) after every answer.
        trace: Vec<(f64, usize)>,
        history: History,
        changes: Vec<Change>,
    }

    impl Run {
        fn throughput(&self) -> f64 {
            self.ok as f64 / self.seconds
        }

        fn limit_at(&self, t: f64) -> usize {
            self.trace
                .iter()
                .take_while(|(at, _)| *at <= t)
                .last()
                .map_or(self.history.start, |(_, l)| *l)
        }
    }

    /// A discrete-event simulation: as many workers as the controller lets through, an endless
    /// supply of rows, time advancing from answer to answer (no sleeping).
    fn simulate(
        config: Config,
        seconds: f64,
        seed: u64,
        watch: usize,
        server: &mut Server<'_>,
    ) -> Run {
        simulate_paused(config, seconds, seed, watch, 0.0, server)
    }

    /// `simulate`, with the API client's pool-wide pause: after a 429 answer, nothing is sent for
    /// `pause` seconds (the sandbox's `Retry-After: 1`).
    fn simulate_paused(
        config: Config,
        seconds: f64,
        seed: u64,
        watch: usize,
        pause: f64,
        server: &mut Server<'_>,
    ) -> Run {
        let ctl = Controller::new(config.clone());
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut queue: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
        let mut pending: HashMap<u64, (Permit<'_>, f64, Class)> = HashMap::new();
        let (mut now, mut seq, mut at_server) = (0.0_f64, 0_u64, 0_usize);
        let mut not_before = 0.0_f64;
        let mut run = Run {
            seconds,
            ok: 0,
            sent: 0,
            overloads: 0,
            sent_above_watch: 0,
            final_limit: 0,
            trace: Vec::new(),
            history: ctl.history(),
            changes: Vec::new(),
        };
        loop {
            // Send all that the gate lets through (time stands still meanwhile).
            let sending = now < seconds && now >= not_before;
            while let Some(permit) = sending.then(|| ctl.try_acquire()).flatten() {
                assert!(ctl.snapshot().in_flight <= ctl.config().max);
                at_server += 1;
                run.sent += 1;
                if at_server > watch {
                    run.sent_above_watch += 1;
                }
                let (latency, class) = server(at_server, now, &mut rng);
                let due = now + latency.max(0.0);
                queue.push(Reverse(((due * 1e9) as u64, seq)));
                pending.insert(seq, (permit, latency, class));
                seq += 1;
            }
            let next = queue.peek().map(|Reverse((due, _))| *due as f64 / 1e9);
            if not_before > now && next.is_none_or(|t| t > not_before) {
                // Paused with nothing due before the pause ends: wake up then.
                now = not_before;
                continue;
            }
            let Some(Reverse((due, id))) = queue.pop() else {
                break;
            };
            now = due as f64 / 1e9;
            at_server -= 1;
            let Some((permit, latency, class)) = pending.remove(&id) else {
                continue;
            };
            if class == Class::Overload(Cause::RateLimited) {
                not_before = not_before.max(now + pause);
            }
            if now <= seconds {
                match class {
                    Class::Ok => run.ok += 1,
                    Class::Overload(_) => run.overloads += 1,
                    Class::Neutral => {}
                }
            }
            permit.done(Sample::new(
                Duration::from_secs_f64(latency.max(0.0)),
                class,
            ));
            let limit = ctl.limit();
            assert!(
                (1..=ctl.config().max).contains(&limit),
                "limit {limit} out of bounds"
            );
            run.trace.push((now, limit));
            run.changes.extend(ctl.drain_changes());
        }
        run.final_limit = ctl.limit();
        run.history = ctl.history();
        run
    }

    /// The best throughput of a fixed limit on the same server.
    fn best_fixed(seconds: f64, server: &mut Server<'_>) -> (usize, f64) {
        [1, 2, 4, 8, 12, 16, 20, 24, 28, 30, 32]
            .into_iter()
            .map(|n| {
                let run = simulate(Config::fixed(n), seconds, 7, usize::MAX, server);
                (n, run.throughput())
            })
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best })
    }

    fn constant(latency: f64) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
        move |_, _, _| (latency, Class::Ok)
    }

    /// A worker pool of `capacity` with a queue: latency = service × max(1, in flight / capacity).
    fn capacity(
        cap: usize,
        service: f64,
    ) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
        move |n, _, _| (service * (n as f64 / cap as f64).max(1.0), Class::Ok)
    }

    #[test]
    fn no_limit_converges_to_max() {
        let run = simulate(
            Config::auto(32),
            30.0,
            1,
            usize::MAX,
            &mut constant(100.0 * MS),
        );
        eprintln!(
            "no limit: {} ({})",
            run.final_limit,
            summarize(&run.history)
        );
        assert_eq!(run.final_limit, 32);
        assert_eq!(run.history.backoffs_latency, 0);
        // 4 → 32 in well under ten seconds of a 100 ms server.
        assert_eq!(run.limit_at(8.0), 32);
        // The new user's case: 20,000 rows at 100 ms with no flags in well under 90 s.
        let run = simulate(
            Config::auto(DEFAULT_MAX),
            65.0,
            1,
            usize::MAX,
            &mut constant(0.1),
        );
        assert!(run.ok >= 20_000, "{}", run.ok);
        // With ±20 % jitter it still gets (nearly) there.
        let mut jitter = |_: usize, _: f64, rng: &mut fastrand::Rng| {
            (100.0 * MS * (0.8 + 0.4 * rng.f64()), Class::Ok)
        };
        let run = simulate(Config::auto(32), 30.0, 2, usize::MAX, &mut jitter);
        eprintln!(
            "no limit, jitter: {} ({})",
            run.final_limit,
            summarize(&run.history)
        );
        assert!(run.final_limit >= 28, "{run:?}");
    }

    #[test]
    fn capacity_20_ends_near_20_with_best_throughput() {
        let run = simulate(
            Config::auto(32),
            60.0,
            3,
            usize::MAX,
            &mut capacity(20, 100.0 * MS),
        );
        let (n, best) = best_fixed(60.0, &mut capacity(20, 100.0 * MS));
        let ratio = run.throughput() / best;
        eprintln!(
            "capacity 20: final {}, {:.0}/s vs best fixed {n} {best:.0}/s = {ratio:.3} ({})",
            run.final_limit,
            run.throughput(),
            summarize(&run.history)
        );
        assert!((16..=26).contains(&run.final_limit), "{}", run.final_limit);
        assert!(ratio >= 0.9, "{ratio}");
        assert!(run.history.backoffs_latency > 0);
        let mostly = run.history.most_used.unwrap_or(0);
        assert!((16..=26).contains(&mostly), "{mostly}");
    }

    /// The sandbox's `--capacity`: `cap` requests processed at once in arrival order, the rest
    /// waiting in a queue (each slot's next free time in a heap; a new run, at time 0, starts
    /// with all free).
    fn fifo_pool(
        cap: usize,
        service: f64,
    ) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
        let mut slots: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
        let mut last = f64::INFINITY;
        move |_, t, _| {
            if t < last {
                slots = (0..cap).map(|_| Reverse(0)).collect();
            }
            last = t;
            let arrival = (t * 1e9) as u64;
            let free = slots.pop().map_or(arrival, |Reverse(f)| f);
            let done = free.max(arrival) + (service * 1e9) as u64;
            slots.push(Reverse(done));
            ((done - arrival) as f64 / 1e9, Class::Ok)
        }
    }

    #[test]
    fn a_fifo_pool_of_20_is_found_too() {
        let run = simulate(
            Config::auto(32),
            60.0,
            15,
            usize::MAX,
            &mut fifo_pool(20, 0.1),
        );
        let (n, best) = best_fixed(60.0, &mut fifo_pool(20, 0.1));
        let ratio = run.throughput() / best;
        eprintln!(
            "FIFO pool of 20: final {}, {ratio:.3} of best fixed {n} ({})",
            run.final_limit,
            summarize(&run.history)
        );
        assert!((16..=28).contains(&run.final_limit), "{}", run.final_limit);
        assert!(ratio >= 0.9, "{ratio}");
        // With the sandbox's `--overload-at 30` behind it: no 546, as with fixed 4.
        let mut pool = fifo_pool(20, 0.1);
        let mut both = move |n: usize, t: f64, rng: &mut fastrand::Rng| {
            let (latency, class) = pool(n, t, rng);
            let class = if n > 30 {
                Class::Overload(Cause::WorkerLimit)
            } else {
                class
            };
            (latency, class)
        };
        let run = simulate(Config::auto(32), 60.0, 16, 30, &mut both);
        eprintln!(
            "FIFO pool of 20 + overload at 30: {} 546s of {} ({})",
            run.overloads,
            run.sent,
            summarize(&run.history)
        );
        assert_eq!(run.overloads, 0);
    }

    #[test]
    fn backs_off_on_a_429_burst_and_recovers() {
        // 100 ms answers; every request sent between 10 s and 12 s gets a quick 429.
        let mut server = |_: usize, t: f64, _: &mut fastrand::Rng| {
            if (10.0..12.0).contains(&t) {
                (5.0 * MS, Class::Overload(Cause::RateLimited))
            } else {
                (100.0 * MS, Class::Ok)
            }
        };
        let run = simulate(Config::auto(32), 40.0, 4, usize::MAX, &mut server);
        eprintln!(
            "429 burst: {} before, {} during, {} after; {} 429s of {} ({})",
            run.limit_at(9.9),
            run.limit_at(12.0),
            run.final_limit,
            run.overloads,
            run.sent,
            summarize(&run.history)
        );
        assert_eq!(run.limit_at(9.9), 32);
        // The first 429 answers (sent at 10 s) arrive at 10.1 s; the first one cuts.
        let first = run
            .changes
            .iter()
            .position(|c| c.reason == Reason::Overload(Cause::RateLimited));
        assert_eq!(first.map(|i| run.changes[i].to), Some(22));
        assert!(run.limit_at(10.11) <= 22);
        assert!(run.limit_at(12.0) <= 4, "{}", run.limit_at(12.0));
        // One back-off per round trip, not one per answer.
        assert!(run.history.backoffs_rate_limited < 20, "{:?}", run.history);
        assert!(run.final_limit >= 30, "{}", run.final_limit);
        assert!(run.limit_at(25.0) >= 30, "{}", run.limit_at(25.0));
    }

    #[test]
    fn passing_429_bursts_do_not_cap_it_for_long() {
        // Four short bursts of 429 during the ramp-up, then a server with no limit.
        let mut server = |_: usize, t: f64, _: &mut fastrand::Rng| {
            if t < 12.0 && t % 3.0 >= 1.0 && t % 3.0 < 1.1 {
                (5.0 * MS, Class::Overload(Cause::RateLimited))
            } else {
                (100.0 * MS, Class::Ok)
            }
        };
        let run = simulate_paused(Config::auto(32), 60.0, 18, usize::MAX, 0.5, &mut server);
        let at = |t| run.limit_at(t);
        eprintln!(
            "429 bursts: {} {} {} {} at 1, 4, 7, 10 s; {} at 20 s, {} at 30 s ({})",
            at(1.0),
            at(4.0),
            at(7.0),
            at(10.0),
            at(20.0),
            at(30.0),
            summarize(&run.history)
        );
        assert_eq!(at(30.0), 32);
    }

    #[test]
    fn overload_at_30_stays_below_it() {
        // 100 ms answers; past 30 in flight, 546 WORKER_LIMIT (some after processing).
        let mut server = |n: usize, _: f64, _: &mut fastrand::Rng| {
            if n > 30 {
                (100.0 * MS, Class::Overload(Cause::WorkerLimit))
            } else {
                (100.0 * MS, Class::Ok)
            }
        };
        let run = simulate(Config::auto(64), 60.0, 5, 30, &mut server);
        let above = run.sent_above_watch as f64 / run.sent as f64;
        let share = run.overloads as f64 / run.sent as f64;
        let (n, best) = best_fixed(60.0, &mut server);
        eprintln!(
            "overload at 30: final {}, {} of {} answers 546 ({:.2} %), {:.2} % sent above 30, \
             {:.3} of best fixed {n} ({})",
            run.final_limit,
            run.overloads,
            run.sent,
            share * 100.0,
            above * 100.0,
            run.throughput() / best,
            summarize(&run.history)
        );
        assert!(above < 0.02, "{above}");
        assert!(share < 0.02, "{share}");
        assert!(run.final_limit <= 31);

        // In front of a capacity-20 pool (the benchmark's fourth profile) the latency warns
        // first: no 546 at all, like fixed 4, at the best throughput.
        let mut both = |n: usize, t: f64, rng: &mut fastrand::Rng| {
            let (latency, class) = capacity(20, 100.0 * MS)(n, t, rng);
            (
                latency,
                if n > 30 {
                    Class::Overload(Cause::WorkerLimit)
                } else {
                    class
                },
            )
        };
        let run = simulate(Config::auto(32), 60.0, 6, 30, &mut both);
        let (n, best) = best_fixed(60.0, &mut both);
        let ratio = run.throughput() / best;
        eprintln!(
            "capacity 20 + overload at 30: final {}, {} 546s, {ratio:.3} of best fixed {n} ({})",
            run.final_limit,
            run.overloads,
            summarize(&run.history)
        );
        assert_eq!(run.overloads, 0);
        assert!(ratio >= 0.9, "{ratio}");
    }

    #[test]
    fn never_leaves_its_bounds() {
        let mut rng = fastrand::Rng::with_seed(99);
        for round in 0..40 {
            let max = rng.usize(1..=64);
            let mut config = Config::auto(max).starting_at(rng.usize(0..=80));
            if rng.bool() {
                config = config.with_rate(Some(rng.f64() * 200.0));
            }
            let mut server = |_: usize, _: f64, rng: &mut fastrand::Rng| {
                let latency = match rng.u8(0..4) {
                    0 => rng.f64() * 2.0 * MS,
                    1 => rng.f64() * 5.0,
                    _ => 50.0 * MS + rng.f64() * 100.0 * MS,
                };
                let class = match rng.u8(0..20) {
                    0 => Class::Overload(Cause::RateLimited),
                    1 => Class::Overload(Cause::Timeout),
                    2 | 3 => Class::Neutral,
                    _ => Class::Ok,
                };
                (latency, class)
            };
            // `simulate` checks 1 <= limit <= max after every answer, in flight <= max always.
            let run = simulate(config.clone(), 20.0, round, usize::MAX, &mut server);
            assert!((1..=max).contains(&run.final_limit));
            assert!((1..=max).contains(&run.history.lowest));
            assert!(run.history.highest <= max);
            for c in &run.changes {
                assert!((1..=max).contains(&c.to) && c.from != c.to, "{c:?}");
            }
        }
        assert_eq!(Controller::new(Config::auto(0)).limit(), 1);
        assert_eq!(Controller::new(Config::fixed(0)).limit(), 1);
        // Odd field values are kept in bounds too.
        let odd = Config {
            fixed: Some(40),
            max: 8,
            tolerance: f64::NAN,
            rate: Some(f64::NAN),
            ..Config::auto(8)
        };
        let ctl = Controller::new(odd);
        assert_eq!(
            (ctl.limit(), ctl.config().max, ctl.config().rate),
            (40, 40, None)
        );
        assert_eq!(ctl.config().tolerance, 1.3);
        let huge = Controller::new(Config::auto(usize::MAX).starting_at(usize::MAX));
        assert_eq!(huge.limit(), usize::MAX);
        huge.try_acquire()
            .expect("free")
            .done(Sample::ok(Duration::from_millis(1)));
        assert_eq!(huge.history().most_used, Some(usize::MAX));
    }

    #[test]
    fn neutral_answers_never_shrink_it() {
        // Half the answers are 4xx, some instant, some very slow: none of it is congestion.
        let mut server = |_: usize, _: f64, rng: &mut fastrand::Rng| {
            if rng.bool() {
                let latency = if rng.bool() { 0.1 * MS } else { 1.0 };
                (
                    latency,
                    Class::from_status([400, 401, 403, 404, 422][rng.usize(0..5)]),
                )
            } else {
                (100.0 * MS, Class::Ok)
            }
        };
        let run = simulate(Config::auto(32), 40.0, 8, usize::MAX, &mut server);
        assert_eq!(run.final_limit, 32);
        assert!(
            run.changes.iter().all(|c| c.reason == Reason::Increase),
            "{:?}",
            run.changes
        );
        assert_eq!(run.history.lowest, 4);
        assert_eq!(Class::from_status(500), Class::Neutral);
    }

    #[test]
    fn rate_ceiling_caps_it() {
        // --rate 50 at 100 ms: Little's law says 5 in flight; with headroom 8.
        let config = Config::auto(32).with_rate(Some(50.0));
        let run = simulate(config, 20.0, 9, usize::MAX, &mut constant(100.0 * MS));
        assert_eq!(run.final_limit, 8);
        // Started above what a tiny rate can use: lowered to it.
        let config = Config::auto(32).with_rate(Some(1.0));
        let run = simulate(config, 20.0, 9, usize::MAX, &mut constant(100.0 * MS));
        assert_eq!(run.final_limit, 1);
        assert_eq!(run.history.rate_ceiling, 1);
        assert!(summarize(&run.history).ends_with("held down by --rate"));
    }

    #[test]
    fn a_server_rate_limit_is_found_with_few_429s() {
        // The sandbox's `--rate-limit 100`: 100 requests a second (bursts of one second), 429
        // with `Retry-After: 1` past it, which pauses the whole pool for a second.
        fn server() -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
            let (mut tokens, mut at) = (100.0_f64, 0.0_f64);
            move |_, t, _| {
                tokens = (tokens + (t - at) * 100.0).min(100.0);
                at = t;
                if tokens >= 1.0 {
                    tokens -= 1.0;
                    (100.0 * MS, Class::Ok)
                } else {
                    (2.0 * MS, Class::Overload(Cause::RateLimited))
                }
            }
        }
        let run = simulate_paused(Config::auto(32), 120.0, 12, usize::MAX, 1.0, &mut server());
        let best = [1, 2, 4, 8, 10, 12, 16, 32]
            .into_iter()
            .map(|n| {
                let fixed =
                    simulate_paused(Config::fixed(n), 120.0, 12, usize::MAX, 1.0, &mut server());
                (n, fixed.throughput())
            })
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
        let ratio = run.throughput() / best.1;
        let share = run.overloads as f64 / run.sent as f64;
        eprintln!(
            "rate limit 100: final {}, {:.1}/s = {ratio:.3} of best fixed {} ({:.1}/s), {} 429s of {} ({:.2} %) ({})",
            run.final_limit,
            run.throughput(),
            best.0,
            best.1,
            run.overloads,
            run.sent,
            share * 100.0,
            summarize(&run.history)
        );
        assert!(ratio >= 0.9, "{ratio}");
        assert!(share <= 0.02, "{share}");
    }

    #[test]
    fn rate_limited_waits_are_not_saturation() {
        let ctl = Controller::new(Config::auto(32));
        for _ in 0..200 {
            let permits: Vec<_> = (0..ctl.limit()).filter_map(|_| ctl.try_acquire()).collect();
            for p in permits {
                p.done(Sample::ok(Duration::from_millis(100)).rate_waited(true));
            }
        }
        assert_eq!(ctl.limit(), 4);
    }

    #[test]
    fn an_unsaturated_pool_does_not_grow() {
        // Only two rows at a time come (a slow reader): no evidence for more than 4.
        let ctl = Controller::new(Config::auto(32));
        for _ in 0..500 {
            let a = ctl.try_acquire().expect("free");
            let b = ctl.try_acquire().expect("free");
            a.done(Sample::ok(Duration::from_millis(100)));
            b.done(Sample::ok(Duration::from_millis(100)));
        }
        assert_eq!(ctl.limit(), 4);
        assert_eq!(ctl.last_good(), 4);
    }

    #[test]
    fn a_lasting_latency_shift_is_rebased_not_chased_to_1() {
        // 100 ms, then from 10 s on 300 ms whatever the load (a slower server, not congestion).
        let mut server = |_: usize, t: f64, _: &mut fastrand::Rng| {
            (if t < 10.0 { 100.0 * MS } else { 300.0 * MS }, Class::Ok)
        };
        let run = simulate(Config::auto(32), 60.0, 10, usize::MAX, &mut server);
        let lowest = run
            .trace
            .iter()
            .filter(|(t, _)| *t > 10.0)
            .map(|(_, l)| *l)
            .min();
        eprintln!(
            "latency shift: lowest {lowest:?} ({})",
            summarize(&run.history)
        );
        assert!(lowest >= Some(16), "{lowest:?}");
        assert_eq!(run.final_limit, 32);
    }

    #[test]
    fn fixed_mode_never_moves() {
        let mut server = |n: usize, _: f64, _: &mut fastrand::Rng| {
            let class = if n > 3 {
                Class::Overload(Cause::WorkerLimit)
            } else {
                Class::Ok
            };
            (100.0 * MS * n as f64, class)
        };
        let run = simulate(Config::fixed(8), 10.0, 11, usize::MAX, &mut server);
        assert_eq!(run.final_limit, 8);
        assert!(run.changes.is_empty());
        assert!(run.history.overload_answers > 0);
        assert_eq!(summarize(&run.history), "concurrency 8 (fixed)");
        assert_eq!(Config::fixed(8).starting_at(2), Config::fixed(8));
    }

    #[test]
    fn summary_and_changes_read_well() {
        let h = History {
            fixed: false,
            start: 4,
            end: 27,
            most_used: Some(24),
            lowest: 4,
            highest: 30,
            backoffs_latency: 3,
            backoffs_overload: 0,
            backoffs_rate_limited: 0,
            rate_ceiling: 0,
            overload_answers: 0,
            samples: 1000,
        };
        assert_eq!(
            summarize(&h),
            "concurrency auto: 4 → 27, mostly 24; backed off 3 times on rising latency"
        );
        let h2 = History {
            backoffs_overload: 1,
            backoffs_rate_limited: 2,
            ..h.clone()
        };
        assert_eq!(
            summarize(&h2),
            "concurrency auto: 4 → 27, mostly 24; backed off 3 times on rising latency, \
             1 on overload answers, 2 on 429 rate limiting"
        );
        let h3 = History {
            backoffs_latency: 0,
            backoffs_overload: 1,
            ..h
        };
        assert_eq!(
            summarize(&h3),
            "concurrency auto: 4 → 27, mostly 24; backed off 1 time on overload answers"
        );
        let ctl = Controller::new(Config::auto(32));
        assert_eq!(ctl.summary(), "concurrency auto: 4 → 4; never backed off");
        let p = ctl.try_acquire().expect("free");
        p.done(Sample::overload(
            Cause::WorkerLimit,
            Duration::from_millis(50),
        ));
        let changes = ctl.drain_changes();
        assert_eq!(
            changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["concurrency 4 → 2: the server is overloaded (546 WORKER_LIMIT)"]
        );
        assert!(ctl.drain_changes().is_empty());
        assert_eq!(
            ctl.summary(),
            "concurrency auto: 4 → 2, mostly 4; backed off 1 time on overload answers"
        );
    }

    #[test]
    fn last_good_and_resume() {
        let ctl = Controller::new(Config::auto(32).starting_at(20));
        assert_eq!(ctl.limit(), 20);
        // A good window at 20, then an overload cut: the resume value stays 20...
        let permits: Vec<_> = (0..20).filter_map(|_| ctl.try_acquire()).collect();
        for p in permits {
            p.done(Sample::ok(Duration::from_millis(100)));
        }
        assert_eq!(ctl.limit(), 21);
        assert_eq!(ctl.last_good(), 20);
        let p = ctl.try_acquire().expect("free");
        p.done(Sample::overload(Cause::Timeout, Duration::from_secs(30)));
        assert_eq!(ctl.limit(), 10);
        assert_eq!(ctl.last_good(), 20);
        assert_eq!(Config::auto(32).starting_at(99).initial, 32);
        assert_eq!(Config::auto(32).starting_at(0).initial, 1);
    }

    #[test]
    fn cooldown_judges_one_storm_once() {
        let ctl = Controller::new(Config::auto(32).starting_at(16));
        let permits: Vec<_> = (0..16).filter_map(|_| ctl.try_acquire()).collect();
        assert!(ctl.try_acquire().is_none());
        for p in permits {
            p.done(Sample::overload(
                Cause::GatewayTimeout,
                Duration::from_secs(150),
            ));
        }
        assert_eq!(ctl.limit(), 8);
        assert_eq!(ctl.history().backoffs_overload, 1);
        assert_eq!(ctl.history().overload_answers, 16);
        // An out-of-band 429 right after: no answer came since the cut, so no second cut.
        ctl.signal(Cause::RateLimited);
        assert_eq!(ctl.limit(), 8);
        // After a fresh answer it counts.
        ctl.try_acquire()
            .expect("free")
            .done(Sample::ok(Duration::from_millis(100)));
        ctl.signal(Cause::RateLimited);
        assert_eq!(ctl.limit(), 5);
        // A permit dropped without done frees its slot and teaches nothing.
        let p = ctl.try_acquire().expect("free");
        drop(p);
        assert_eq!(ctl.snapshot().in_flight, 0);
        assert_eq!(ctl.limit(), 5);
    }

    #[test]
    fn shareable_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Controller>();
        send_sync::<Permit<'_>>();
        send_sync::<std::sync::Arc<Controller>>();
    }

    #[test]
    fn real_threads_share_the_gate() {
        let ctl = Controller::new(Config::auto(6));
        let stop = AtomicBool::new(false);
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..10 {
                s.spawn(|| {
                    for _ in 0..25 {
                        let Some(permit) = ctl.acquire(&stop) else {
                            return;
                        };
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(1));
                        now.fetch_sub(1, Ordering::SeqCst);
                        permit.done(Sample::ok(Duration::from_millis(1)));
                    }
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 6);
        assert_eq!(ctl.snapshot().in_flight, 0);
        assert_eq!(ctl.history().samples, 250);

        // A worker waiting for a slot gives up when the run stops.
        let ctl = Controller::new(Config::fixed(1));
        let held = ctl.acquire(&stop).expect("free");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| ctl.acquire(&stop).is_none());
            std::thread::sleep(Duration::from_millis(5));
            stop.store(true, Ordering::SeqCst);
            ctl.wake();
            assert!(waiter.join().unwrap_or(false));
        });
        drop(held);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn jitter_does_not_pass_for_congestion() {
        // Service times spread uniformly ±j around 100 ms, with and without a capacity.
        for (j, cap) in [(0.2, 5), (0.2, 20), (0.5, 20), (0.5, 1000)] {
            let server = move |n: usize, _: f64, rng: &mut fastrand::Rng| {
                let base = 100.0 * MS * (n as f64 / cap as f64).max(1.0);
                (base * (1.0 - j + 2.0 * j * rng.f64()), Class::Ok)
            };
            let run = simulate(Config::auto(32), 60.0, 13, usize::MAX, &mut server.clone());
            let (n, best) = best_fixed(60.0, &mut server.clone());
            let ratio = run.throughput() / best;
            eprintln!(
                "jitter ±{j} capacity {cap}: final {}, {ratio:.3} of best fixed {n} ({})",
                run.final_limit,
                summarize(&run.history)
            );
            assert!(ratio >= 0.9, "±{j} capacity {cap}: {ratio}");
        }
        // A heavy tail: one answer in ten takes five times as long.
        let mut tail = |n: usize, _: f64, rng: &mut fastrand::Rng| {
            let base = 100.0 * MS * (n as f64 / 20.0).max(1.0);
            let slow = if rng.u8(0..10) == 0 { 5.0 } else { 1.0 };
            (base * slow, Class::Ok)
        };
        let run = simulate(Config::auto(32), 60.0, 17, usize::MAX, &mut tail);
        let (n, best) = best_fixed(60.0, &mut tail);
        let ratio = run.throughput() / best;
        eprintln!(
            "tail (10 % × 5) capacity 20: final {}, {ratio:.3} of best fixed {n} ({})",
            run.final_limit,
            summarize(&run.history)
        );
        assert!(ratio >= 0.9, "tail: {ratio}");
        // And with the 546 cliff behind a capacity of 20, ±20 %: still far fewer 546s than answers.
        let mut both = |n: usize, _: f64, rng: &mut fastrand::Rng| {
            let latency = 100.0 * MS * (n as f64 / 20.0).max(1.0) * (0.8 + 0.4 * rng.f64());
            let class = if n > 30 {
                Class::Overload(Cause::WorkerLimit)
            } else {
                Class::Ok
            };
            (latency, class)
        };
        let run = simulate(Config::auto(32), 60.0, 14, 30, &mut both);
        eprintln!(
            "jitter ±0.2 capacity 20 + overload at 30: final {}, {} 546s of {} ({})",
            run.final_limit,
            run.overloads,
            run.sent,
            summarize(&run.history)
        );
        assert!(run.overloads * 200 < run.sent, "{}", run.overloads);
    }
}
