//! A discrete-event simulation of the workers, the gate and a server.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use super::super::*;

pub(crate) const MS: f64 = 0.001;

/// A simulated server: (requests in flight at the server, this one included; the time in
/// seconds; a seeded rng) → (latency in seconds, class).
pub(crate) type Server<'s> = dyn FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) + 's;

#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) seconds: f64,
    pub(crate) ok: u64,
    pub(crate) sent: u64,
    pub(crate) overloads: u64,
    /// Requests sent while more than `watch` were in flight at the server (this included).
    pub(crate) sent_above_watch: u64,
    pub(crate) final_limit: usize,
    /// (time, limit) after every answer.
    pub(crate) trace: Vec<(f64, usize)>,
    pub(crate) history: History,
    pub(crate) changes: Vec<Change>,
    /// The learned rate (`engine` runs with a pacer only).
    pub(crate) rate: RateHistory,
    /// When each `Ok` answer arrived (`engine` runs only).
    pub(crate) ok_at: Vec<f64>,
}

impl Run {
    pub(crate) fn throughput(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    /// `Ok` answers a second between `from` and `to` (`engine` runs only).
    pub(crate) fn throughput_between(&self, from: f64, to: f64) -> f64 {
        let n = self
            .ok_at
            .iter()
            .filter(|t| (from..to).contains(*t))
            .count();
        n as f64 / (to - from)
    }

    /// The share of requests answered with an overload (429s, for a rate limit).
    pub(crate) fn overload_share(&self) -> f64 {
        self.overloads as f64 / self.sent.max(1) as f64
    }

    pub(crate) fn limit_at(&self, t: f64) -> usize {
        self.trace
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map_or(self.history.start, |(_, l)| *l)
    }
}

/// A discrete-event simulation: as many workers as the controller lets through, an endless
/// supply of rows, time advancing from answer to answer (no sleeping).
pub(crate) fn simulate(
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
pub(crate) fn simulate_paused(
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
        rate: RateHistory::default(),
        ok_at: Vec::new(),
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
pub(crate) fn best_fixed(seconds: f64, server: &mut Server<'_>) -> (usize, f64) {
    [1, 2, 4, 8, 12, 16, 20, 24, 28, 30, 32]
        .into_iter()
        .map(|n| {
            let run = simulate(Config::fixed(n), seconds, 7, usize::MAX, server);
            (n, run.throughput())
        })
        .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best })
}

pub(crate) fn constant(latency: f64) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    move |_, _, _| (latency, Class::Ok)
}

/// A worker pool of `capacity` with a queue: latency = service × max(1, in flight / capacity).
pub(crate) fn capacity(
    cap: usize,
    service: f64,
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    move |n, _, _| (service * (n as f64 / cap as f64).max(1.0), Class::Ok)
}

/// `server` behind the sandbox's `--overload-at wall`: a request with more than `wall` in flight
/// is answered 546 (a worker limit).
pub(crate) fn with_wall(
    mut server: impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class),
    wall: usize,
) -> impl FnMut(usize, f64, &mut fastrand::Rng) -> (f64, Class) {
    move |n, t, rng| {
        let (latency, class) = server(n, t, rng);
        let class = if n > wall {
            Class::Overload(Cause::WorkerLimit)
        } else {
            class
        };
        (latency, class)
    }
}

/// The sandbox's `--capacity`: `cap` requests processed at once in arrival order, the rest
/// waiting in a queue (each slot's next free time in a heap; a new run, at time 0, starts
/// with all free).
pub(crate) fn fifo_pool(
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
