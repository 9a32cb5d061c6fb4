//! The controller against simulated servers: it converges, backs off within a few samples,
//! never leaves its bounds, recovers after a storm.

use super::super::*;
use super::sim::*;

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
    // 8 → 32 in well under ten seconds of a 100 ms server (three round trips: see below).
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
    let mut both = with_wall(fifo_pool(20, 0.1), 30);
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
        run.changes
            .iter()
            .all(|c| matches!(c.reason, Reason::Increase | Reason::SlowStart)),
        "{:?}",
        run.changes
    );
    assert_eq!(run.history.lowest, DEFAULT_INITIAL);
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

#[test]
fn a_short_run_ramps_one_step_a_round_trip() {
    // The benchmark's 800 rows at 100 ms take about 3 s at 32: 8 → 16 → 24 → 32 in three
    // round trips, each step judged on the first answers sent under it.
    let run = simulate(Config::auto(32), 3.0, 1, usize::MAX, &mut constant(0.1));
    let steps: Vec<(usize, usize)> = run.changes.iter().map(|c| (c.from, c.to)).collect();
    assert_eq!(steps, [(8, 16), (16, 24), (24, 32)]);
    assert_eq!(run.limit_at(0.0999), 8);
    assert_eq!(run.limit_at(0.1001), 16);
    assert_eq!(run.limit_at(0.2001), 24);
    assert_eq!(run.limit_at(0.3001), 32);
    let (n, best) = best_fixed(3.0, &mut constant(0.1));
    let ratio = run.throughput() / best;
    eprintln!("3 s, no limit: {ratio:.3} of best fixed {n}");
    assert!(ratio >= 0.9, "{ratio}");
    // In front of the sandbox's pool of 20 with 546 past 30, the short run meets no 546.
    let mut both = with_wall(fifo_pool(20, 0.1), 30);
    let run = simulate(Config::auto(32), 3.5, 1, 30, &mut both);
    eprintln!(
        "3.5 s, pool of 20 + 546 past 30: {} 546s ({})",
        run.overloads,
        summarize(&run.history)
    );
    assert_eq!(run.overloads, 0);
}

#[test]
fn short_runs_in_front_of_a_pool_of_20_with_546_past_30_meet_no_546() {
    // The benchmark's fourth profile with the arrival order left to chance (the workers'
    // requests reach the pool up to 1 ms apart, service 100-104 ms): whichever requests of a
    // slow-start step queue, the step is judged on them. Forty short runs.
    use std::cmp::Reverse;
    for seed in 0..40 {
        let mut slots: std::collections::BinaryHeap<Reverse<u64>> =
            (0..20).map(|_| Reverse(0)).collect();
        let mut server = move |n: usize, t: f64, rng: &mut fastrand::Rng| {
            let sent = (t * 1e9) as u64;
            let arrival = sent + rng.u64(0..1_000_000);
            let service = ((0.1 + rng.f64() * 0.004) * 1e9) as u64;
            let free = slots.pop().map_or(arrival, |Reverse(f)| f);
            let done = free.max(arrival) + service;
            slots.push(Reverse(done));
            let class = if n > 30 {
                Class::Overload(Cause::WorkerLimit)
            } else {
                Class::Ok
            };
            ((done - sent) as f64 / 1e9, class)
        };
        let run = simulate(Config::auto(32), 4.0, seed, 30, &mut server);
        assert_eq!(
            run.overloads,
            0,
            "seed {seed}: {:?}",
            run.changes.iter().map(|c| c.to).collect::<Vec<_>>()
        );
    }
}
