//! The gate's own rules: bounds, summaries, the cool-down, last good, threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::super::*;
use super::sim::*;

#[test]
fn rate_limited_waits_are_not_saturation() {
    let ctl = Controller::new(Config::auto(32));
    for _ in 0..200 {
        let permits: Vec<_> = (0..ctl.limit()).filter_map(|_| ctl.try_acquire()).collect();
        for p in permits {
            p.done(Sample::ok(Duration::from_millis(100)).rate_waited(true));
        }
    }
    assert_eq!(ctl.limit(), DEFAULT_INITIAL);
}

#[test]
fn an_unsaturated_pool_does_not_grow() {
    // Only two rows at a time come (a slow reader): no evidence for more than 8.
    let ctl = Controller::new(Config::auto(32));
    for _ in 0..500 {
        let a = ctl.try_acquire().expect("free");
        let b = ctl.try_acquire().expect("free");
        a.done(Sample::ok(Duration::from_millis(100)));
        b.done(Sample::ok(Duration::from_millis(100)));
    }
    assert_eq!(ctl.limit(), 8);
    assert_eq!(ctl.last_good(), 8);
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
        ..h.clone()
    };
    assert_eq!(
        summarize(&h3),
        "concurrency auto: 4 → 27, mostly 24; backed off 1 time on overload answers"
    );
    // Too few answers to adapt: where it was, and no more.
    let h4 = History {
        samples: QUIET_BELOW - 1,
        ..h.clone()
    };
    assert_eq!(
        summarize(&h4),
        "concurrency auto: 24 (too few requests to adapt)"
    );
    assert!(summarize(&History {
        samples: QUIET_BELOW,
        ..h.clone()
    })
    .contains("backed off"));
    let ctl = Controller::new(Config::auto(32));
    assert_eq!(
        ctl.summary(),
        "concurrency auto: 8 (too few requests to adapt)"
    );
    let p = ctl.try_acquire().expect("free");
    p.done(Sample::overload(
        Cause::WorkerLimit,
        Duration::from_millis(50),
    ));
    let changes = ctl.drain_changes();
    assert_eq!(
        changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["concurrency 8 → 4: the server is overloaded (546 WORKER_LIMIT)"]
    );
    assert!(ctl.drain_changes().is_empty());
    assert_eq!(
        ctl.summary(),
        "concurrency auto: 8 (too few requests to adapt)"
    );
    assert_eq!(ctl.history().backoffs_overload, 1, "counted all the same");
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
    // (slow start from the remembered value: doubling, by at most 8)
    assert_eq!(ctl.limit(), 28);
    assert_eq!(ctl.last_good(), 20);
    let p = ctl.try_acquire().expect("free");
    p.done(Sample::overload(Cause::Timeout, Duration::from_secs(30)));
    assert_eq!(ctl.limit(), 14);
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
