//! A discrete-event simulation of the import engine as it sends: the gate, the learned rate's
//! pacing (`deliver::pace::Schedule`), the API client's pool-wide pause after a 429 and its retry
//! of the throttled request after it (on the same permit, as `create_lead_measured` does).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use super::super::*;
use super::sim::{Run, Server};
use crate::deliver::pace::Schedule;

/// How the simulated engine sends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Engine {
    /// The pool-wide pause after a 429 (the sandbox's `Retry-After: 1`).
    pub(crate) pause: f64,
    /// Pace with a [`RateLearner`] (as `auto` does).
    pub(crate) pacer: bool,
}

impl Engine {
    /// `auto`: the gate and the learned rate.
    pub(crate) fn auto() -> Engine {
        Engine {
            pause: 1.0,
            pacer: true,
        }
    }

    /// A fixed concurrency: the gate alone.
    pub(crate) fn fixed() -> Engine {
        Engine {
            pause: 1.0,
            pacer: false,
        }
    }
}

enum Ev<'a> {
    /// The permit's request leaves (or, during a pause, waits for its end).
    Send { permit: Permit<'a>, waited: bool },
    Answer {
        permit: Permit<'a>,
        sent: f64,
        latency: f64,
        class: Class,
        waited: bool,
    },
}

struct Sim<'a> {
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    events: HashMap<u64, Ev<'a>>,
    seq: u64,
}

impl<'a> Sim<'a> {
    fn at(&mut self, t: f64, ev: Ev<'a>) {
        self.queue.push(Reverse(((t * 1e9) as u64, self.seq)));
        self.events.insert(self.seq, ev);
        self.seq += 1;
    }
}

/// Runs `config` for `seconds` of simulated time against `server` with an endless supply of rows.
pub(crate) fn run_engine(
    config: Config,
    engine: Engine,
    seconds: f64,
    seed: u64,
    server: &mut Server<'_>,
) -> Run {
    let ctl = Controller::new(config);
    let mut learner = engine.pacer.then(|| RateLearner::new(ctl.config().rate));
    let mut schedule = Schedule::default();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut sim = Sim {
        queue: BinaryHeap::new(),
        events: HashMap::new(),
        seq: 0,
    };
    let (mut now, mut at_server, mut not_before) = (0.0_f64, 0_usize, 0.0_f64);
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
        rate: RateHistory::default(),
        ok_at: Vec::new(),
    };
    loop {
        // Workers take the permits the gate gives, then a slot of the learned rate.
        while let Some(permit) = (now < seconds).then(|| ctl.try_acquire()).flatten() {
            let at = match learner.as_mut() {
                Some(l) => {
                    l.sending(now);
                    l.rate(now).map_or(now, |r| schedule.reserve(now, r))
                }
                None => now,
            };
            let waited = at > now;
            sim.at(at, Ev::Send { permit, waited });
        }
        let Some(Reverse((due, id))) = sim.queue.pop() else {
            break;
        };
        now = due as f64 / 1e9;
        let Some(ev) = sim.events.remove(&id) else {
            continue;
        };
        match ev {
            Ev::Send { permit, waited } => {
                if not_before - now > 1e-6 {
                    // The client waits for the pool-wide pause to end.
                    let ev = Ev::Send { permit, waited };
                    sim.at(not_before, ev);
                    continue;
                }
                at_server += 1;
                run.sent += 1;
                let (latency, class) = server(at_server, now, &mut rng);
                let latency = latency.max(0.0);
                let ev = Ev::Answer {
                    permit,
                    sent: now,
                    latency,
                    class,
                    waited,
                };
                sim.at(now + latency, ev);
            }
            Ev::Answer {
                permit,
                sent,
                latency,
                class,
                waited,
            } => {
                at_server -= 1;
                let in_time = now <= seconds;
                let sample = Duration::from_secs_f64(latency);
                match class {
                    Class::Overload(Cause::RateLimited) => {
                        if in_time {
                            run.overloads += 1;
                        }
                        if std::env::var("SIMDEBUG").is_ok() {
                            eprintln!(
                                "429 at {now:.3} limit {} rate {:?}",
                                ctl.limit(),
                                learner.as_mut().and_then(|l| l.rate(now))
                            );
                        }
                        not_before = not_before.max(now + engine.pause);
                        // As `deliver::gate::Gate::on_429`.
                        if learner.as_ref().is_some_and(|l| l.early(now)) {
                            ctl.signal_early(Cause::RateLimited);
                        } else {
                            ctl.signal(Cause::RateLimited);
                        }
                        if let Some(l) = learner.as_mut() {
                            l.throttled(now, sent, engine.pause);
                            let debt = l.rate(now).map_or(0.0, |r| 1.0 / r);
                            schedule.defer(now + engine.pause, debt);
                        }
                        if in_time {
                            // Retried after the pause, on the same permit.
                            let ev = Ev::Send { permit, waited };
                            sim.at(not_before, ev);
                        } else {
                            permit.done(Sample::neutral(sample));
                        }
                    }
                    Class::Ok => {
                        if in_time {
                            run.ok += 1;
                            run.ok_at.push(now);
                        }
                        if let Some(l) = learner.as_mut() {
                            l.success(now);
                        }
                        permit.done(Sample::ok(sample).rate_waited(waited));
                    }
                    class => {
                        if in_time && matches!(class, Class::Overload(_)) {
                            run.overloads += 1;
                        }
                        permit.done(Sample::new(sample, class));
                    }
                }
                let limit = ctl.limit();
                assert!((1..=ctl.config().max).contains(&limit), "limit {limit}");
                run.trace.push((now, limit));
                run.changes.extend(ctl.drain_changes());
            }
        }
    }
    run.final_limit = ctl.limit();
    run.history = ctl.history();
    run.rate = learner.map(|l| l.history()).unwrap_or_default();
    run
}

/// The sandbox's `--rate-limit`: at most `limit(t)` requests decided per one-second window (a
/// window starts at the first request decided a second or more after the last one started),
/// decided after the service time (`--latency-ms`); past it 429, not counted.
pub(crate) fn windowed_limit(
    limit: impl Fn(f64) -> u32,
    service: f64,
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    jittered_window(limit, service, 0.0)
}

/// [`windowed_limit`] with service times spread over `service..service + jitter` (drawn from the
/// run's seed), as a real machine's are: which answers a window holds moves from run to run.
pub(crate) fn jittered_window(
    limit: impl Fn(f64) -> u32,
    service: f64,
    jitter: f64,
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    window_in_use(limit, service, jitter, (f64::NEG_INFINITY, 0))
}

/// [`jittered_window`] whose current window began at `used.0` (before the run's time 0) with
/// `used.1` requests already let through: an earlier run's, as the benchmark's sandbox has when
/// auto runs right after fixed 32.
pub(crate) fn window_in_use(
    limit: impl Fn(f64) -> u32,
    service: f64,
    jitter: f64,
    used: (f64, u32),
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    let (mut start, mut count) = used;
    move |_, t, rng| {
        let latency = if jitter > 0.0 {
            service + jitter * rng.f64()
        } else {
            service
        };
        let decided = t + latency;
        if decided - start >= 1.0 {
            start = decided;
            count = 0;
        }
        if count >= limit(decided) {
            (latency, Class::Overload(Cause::RateLimited))
        } else {
            count += 1;
            (latency, Class::Ok)
        }
    }
}

/// A token bucket of `rate` a second and a burst of one second's worth, decided after the
/// service time.
pub(crate) fn token_bucket(
    rate: f64,
    service: f64,
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    let (mut tokens, mut at) = (rate, 0.0_f64);
    move |_, t, _| {
        let decided = t + service;
        tokens = (tokens + (decided - at).max(0.0) * rate).min(rate);
        at = at.max(decided);
        if tokens >= 1.0 {
            tokens -= 1.0;
            (service, Class::Ok)
        } else {
            (service, Class::Overload(Cause::RateLimited))
        }
    }
}

/// The best fixed concurrency on a server (as the benchmark sweeps them, and a few more).
pub(crate) fn best_fixed_engine(
    seconds: f64,
    server: &mut dyn FnMut() -> Box<Server<'static>>,
) -> (usize, Run) {
    let mut best: Option<(usize, Run)> = None;
    for n in [1, 2, 4, 8, 9, 10, 12, 16, 32, 64] {
        let run = run_engine(
            Config::fixed(n),
            Engine::fixed(),
            seconds,
            7,
            &mut *server(),
        );
        if best.as_ref().is_none_or(|(_, b)| run.ok > b.ok) {
            best = Some((n, run));
        }
    }
    best.expect("a sweep")
}
