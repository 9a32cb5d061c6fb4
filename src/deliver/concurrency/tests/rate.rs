//! The learned rate in the simulated engine: against a rate-limited server it converges near the
//! limit with few 429s, it recovers when the limit rises, and it changes nothing on a server that
//! never throttles.

use super::super::*;
use super::engine::*;
use super::sim::*;

fn report(name: &str, auto: &Run, best: (usize, &Run)) -> (f64, f64) {
    let ratio = auto.ok as f64 / best.1.ok as f64;
    let share = auto.overload_share();
    eprintln!(
        "{name}: auto {:.1}/s = {ratio:.3} of best fixed {} ({:.1}/s, {:.2} % 429s), \
         {} 429s of {} ({:.2} %), final {} ({}; {:?})",
        auto.throughput(),
        best.0,
        best.1.throughput(),
        best.1.overload_share() * 100.0,
        auto.overloads,
        auto.sent,
        share * 100.0,
        auto.final_limit,
        summarize(&auto.history),
        auto.rate,
    );
    (ratio, share)
}

#[test]
fn the_sandboxs_rate_limit_is_paced_near_it_with_few_429s() {
    // `sandbox serve --latency-ms 100 --rate-limit 100`, as the benchmark runs it (15 s), and
    // longer.
    for seconds in [15.0, 60.0, 180.0] {
        let server = || windowed_limit(|_| 100, 100.0 * MS);
        let auto = run_engine(Config::auto(32), Engine::auto(), seconds, 1, &mut server());
        let (n, best) = best_fixed_engine(seconds, &mut || Box::new(server()));
        let (ratio, share) = report(&format!("rate limit 100, {seconds} s"), &auto, (n, &best));
        assert!(ratio >= 0.9, "{seconds} s: {ratio}");
        // Two storms of about a concurrency's worth of 429s each: the first, within a second
        // of the first send, is not learned from (the server's window may not be this run's own).
        let most = if seconds < 30.0 { 0.025 } else { 0.02 };
        assert!(share <= most, "{seconds} s: {share}");
        assert!(auto.rate.throttles >= 1);
        // Near the limit: over the last third, at least 90 % of it.
        let late = auto.throughput_between(seconds * 2.0 / 3.0, seconds);
        eprintln!("  {late:.1}/s over the last third");
        assert!(late >= 90.0, "{seconds} s: {late}/s late in the run");
    }
    // A token bucket (a burst of one second) and other limits at other latencies.
    for (rate, service) in [(100.0, 0.1), (40.0, 0.05), (300.0, 0.05)] {
        let server = move || token_bucket(rate, service);
        let auto = run_engine(Config::auto(32), Engine::auto(), 60.0, 2, &mut server());
        let (n, best) = best_fixed_engine(60.0, &mut || Box::new(server()));
        let name = format!("token bucket {rate}/s at {service} s");
        let (ratio, share) = report(&name, &auto, (n, &best));
        assert!(ratio >= 0.9, "{name}: {ratio}");
        assert!(share <= 0.02, "{name}: {share}");
    }
}

#[test]
fn a_rising_limit_is_followed_and_a_falling_one_too() {
    // 100/s for 30 s, then 200/s: the probes find the new limit.
    let mut rising = windowed_limit(|t| if t < 30.0 { 100 } else { 200 }, 100.0 * MS);
    let run = run_engine(Config::auto(32), Engine::auto(), 120.0, 3, &mut rising);
    let (before, after) = (
        run.throughput_between(5.0, 30.0),
        run.throughput_between(90.0, 120.0),
    );
    eprintln!(
        "rising limit: {before:.1}/s before, {after:.1}/s after; {} 429s of {} ({}; {:?})",
        run.overloads,
        run.sent,
        summarize(&run.history),
        run.rate
    );
    assert!(before >= 85.0, "{before}");
    assert!(after >= 180.0, "{after}");
    assert!(run.overload_share() <= 0.02);
    // 200/s for 20 s, then 50/s: the first 429s after the fall set the rate down (below the new
    // limit: the measurement spans their pauses), and the probes climb back to it.
    let mut falling = windowed_limit(|t| if t < 20.0 { 200 } else { 50 }, 100.0 * MS);
    let run = run_engine(Config::auto(32), Engine::auto(), 80.0, 4, &mut falling);
    let after = run.throughput_between(30.0, 80.0);
    eprintln!(
        "falling limit: {after:.1}/s after; {} 429s of {} ({:?})",
        run.overloads, run.sent, run.rate
    );
    assert!(after >= 37.5, "{after}");
    assert!(
        run.rate.plateau.is_some_and(|p| (45.0..50.0).contains(&p)),
        "{:?}",
        run.rate
    );
    assert!(run.overload_share() <= 0.02);
}

#[test]
fn a_server_that_never_throttles_sees_no_difference() {
    type Make = Box<dyn Fn() -> Box<Server<'static>>>;
    let servers: Vec<(&str, Make)> = vec![
        ("no limit", Box::new(|| Box::new(constant(100.0 * MS)))),
        (
            "capacity 20",
            Box::new(|| Box::new(capacity(20, 100.0 * MS))),
        ),
        ("FIFO pool of 20", Box::new(|| Box::new(fifo_pool(20, 0.1)))),
    ];
    for (name, server) in servers {
        let paced = run_engine(Config::auto(32), Engine::auto(), 30.0, 5, &mut *server());
        let unpaced = Engine {
            pacer: false,
            ..Engine::auto()
        };
        let plain = run_engine(Config::auto(32), unpaced, 30.0, 5, &mut *server());
        assert_eq!(paced.ok, plain.ok, "{name}");
        assert_eq!(paced.trace, plain.trace, "{name}");
        assert_eq!(paced.rate, RateHistory::default(), "{name}");
    }
}

#[test]
fn passing_429_bursts_leave_no_lasting_pace() {
    // Four 0.1 s bursts of 429 during the ramp-up, then no limit: the rate learned from them is
    // released once the probes pass it, and the limit reaches 32.
    let mut server = |_: usize, t: f64, _: &mut fastrand::Rng| {
        if t < 12.0 && t % 3.0 >= 1.0 && t % 3.0 < 1.1 {
            (5.0 * MS, Class::Overload(Cause::RateLimited))
        } else {
            (100.0 * MS, Class::Ok)
        }
    };
    let run = run_engine(Config::auto(32), Engine::auto(), 120.0, 6, &mut server);
    let late = run.throughput_between(90.0, 120.0);
    eprintln!(
        "passing bursts: {late:.0}/s late, final {} ({}; {:?})",
        run.final_limit,
        summarize(&run.history),
        run.rate
    );
    assert!(run.rate.released, "{:?}", run.rate);
    assert_eq!(run.final_limit, 32);
    assert!(late >= 300.0, "{late}");
}

#[test]
fn an_800_row_import_against_the_sandboxs_rate_limit_keeps_pace_with_fixed_8() {
    // The benchmark's third profile (`scripts/bench.sh auto-sweep`): 800 rows, `sandbox serve
    // --latency-ms 100 --rate-limit 100`, where fixed 8 (80 requests a second) is the best fixed
    // and never meets a 429. Service times 100-102 ms up to 100-132 ms, forty seeds, half of them
    // with the server's window begun before the run with up to 95 requests in it (the sweep runs
    // auto right after fixed 32 against the same sandbox). Auto meets the limit in its first
    // second (slow start), learns it from the storm after that one's pause (the first may have
    // met a window that was not its own), and is paced just below it: at least 0.95 of fixed 8,
    // most runs above it. A measurement over the last two seconds learned 68-81/s on the benchmark when
    // the second storm's span took in part of the first window (0.78-0.91 of fixed 8); one
    // learned from the first storm read 54/s behind an earlier run's window.
    let rows = 800;
    let time_to = |run: &Run| run.ok_at.get(rows - 1).copied().unwrap_or(f64::INFINITY);
    let mut worst = f64::INFINITY;
    for seed in 0..40 {
        let jitter = [0.002, 0.012, 0.022, 0.032][seed as usize % 4];
        let used = if seed % 2 == 1 {
            (-0.1 * (seed % 10) as f64, 95 - 2 * (seed as u32 % 10))
        } else {
            (f64::NEG_INFINITY, 0)
        };
        let server = || window_in_use(|_| 100, 0.1, jitter, used);
        let fixed = run_engine(Config::fixed(8), Engine::fixed(), 20.0, seed, &mut server());
        let auto = run_engine(Config::auto(32), Engine::auto(), 20.0, seed, &mut server());
        let ratio = time_to(&fixed) / time_to(&auto);
        worst = worst.min(ratio);
        let plateau = auto.rate.plateau.unwrap_or(0.0);
        eprintln!(
            "seed {seed} ({used:?} used): fixed 8 {:.2} s, auto {:.2} s = {ratio:.3}, {} 429s, \
             paced at {plateau:.0}/s",
            time_to(&fixed),
            time_to(&auto),
            auto.overloads,
        );
        assert!(ratio >= 0.95, "seed {seed}: {ratio}");
        assert!(
            (80.0..=100.0).contains(&plateau),
            "seed {seed}: {:?}",
            auto.rate
        );
    }
    eprintln!("worst: {worst:.3} of fixed 8");
}
