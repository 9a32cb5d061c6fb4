//! Slow start: the limit doubles (by at most `SLOW_START_STEP`) per round trip while the latency
//! stays flat and nothing pushes back, judged on the answers to the requests that left when the
//! new limit was set, its top slots among them (one round trip a step); it ends at the first
//! window that is not flat, the first decrease, or a remembered wall. Fed latencies and
//! answers; no clock.

use std::time::Duration;

use super::super::*;

/// One round trip at the current limit: every free slot is taken, then all are answered with
/// `ms` of latency. Returns the limit after it.
fn round_trip(ctl: &Controller, ms: u64) -> usize {
    let permits: Vec<_> = (0..ctl.limit()).filter_map(|_| ctl.try_acquire()).collect();
    for p in permits {
        p.done(Sample::ok(Duration::from_millis(ms)));
    }
    ctl.limit()
}

/// The limits after each of `n` round trips at `ms`.
fn limits(ctl: &Controller, n: usize, ms: u64) -> Vec<usize> {
    (0..n).map(|_| round_trip(ctl, ms)).collect()
}

#[test]
fn flat_latency_doubles_the_limit_by_at_most_eight_a_round_trip() {
    // From the default 8: one step a round trip, 8 → 32 in three.
    let ctl = Controller::new(Config::auto(32));
    assert_eq!(limits(&ctl, 4, 100), [16, 24, 32, 32]);
    assert_eq!(ctl.last_good(), 32);
    // From 4 (a resume's last good value): 4 → 32 in four.
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 6, 100), [8, 16, 24, 32, 32, 32]);
    let changes: Vec<String> = ctl
        .drain_changes()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        changes,
        [
            "concurrency 4 → 8: slow start: latency flat, every request slot in use, no overload yet",
            "concurrency 8 → 16: slow start: latency flat, every request slot in use, no overload yet",
            "concurrency 16 → 24: slow start: latency flat, every request slot in use, no overload yet",
            "concurrency 24 → 32: slow start: latency flat, every request slot in use, no overload yet",
        ]
    );
    assert_eq!(ctl.last_good(), 32);
}

#[test]
fn a_rise_in_latency_ends_slow_start_without_backing_off() {
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 2, 100), [8, 16]);
    // 1.2 × the baseline: below the back-off's 1.3, but no longer flat: one at a time from here.
    assert_eq!(limits(&ctl, 1, 120), [17]);
    assert_eq!(limits(&ctl, 3, 100), [18, 19, 20]);
}

#[test]
fn an_overload_answer_ends_slow_start() {
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 2, 100), [8, 16]);
    let p = ctl.try_acquire().expect("free");
    p.done(Sample::overload(
        Cause::WorkerLimit,
        Duration::from_millis(100),
    ));
    assert_eq!(ctl.limit(), 8);
    assert_eq!(limits(&ctl, 3, 100), [9, 10, 11]);
    // The wall: one below where the storm began.
    assert_eq!(ctl.wall(), Some(15));
}

#[test]
fn answers_to_requests_sent_under_the_old_limit_do_not_judge_the_new_one() {
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 1, 100), [8]);
    let ok = |ms| Sample::ok(Duration::from_millis(ms));
    // The eight that leave at 8 judge it; four more sent under 8 as the first four answered
    // are still in flight when it doubles.
    let mut batch: Vec<_> = (0..8).filter_map(|_| ctl.try_acquire()).collect();
    assert_eq!(batch.len(), 8);
    let rest = batch.split_off(4);
    batch.into_iter().for_each(|p| p.done(ok(100)));
    let stale: Vec<_> = (0..4).filter_map(|_| ctl.try_acquire()).collect();
    assert_eq!(stale.len(), 4);
    rest.into_iter().for_each(|p| p.done(ok(100)));
    assert_eq!(ctl.limit(), 16, "one round trip after 8 was set");
    // The twelve slots 16 added leave at once. The four stale ones answer late and slow (they
    // queued under the old limit); were they judged, the window at 16 would be 1.25 × the
    // baseline and slow start would end.
    let fresh: Vec<_> = (0..12).filter_map(|_| ctl.try_acquire()).collect();
    assert_eq!(fresh.len(), 12);
    stale.into_iter().for_each(|p| p.done(ok(200)));
    fresh.into_iter().for_each(|p| p.done(ok(100)));
    assert_eq!(ctl.limit(), 24, "judged on the answers sent under 16 only");
}

#[test]
fn a_step_is_judged_on_its_batch_and_on_its_top_slots() {
    let changes = |ctl: &Controller| -> Vec<String> {
        ctl.drain_changes()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    // A server that slows down past 20 in flight (latency × in flight / 20), as a pool of 20
    // workers sharing their time does: the requests sent into 24's top slots meet it.
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 3, 100), [8, 16, 24]);
    let permits: Vec<_> = (0..24).filter_map(|_| ctl.try_acquire()).collect();
    assert_eq!(permits.len(), 24);
    for (i, p) in permits.into_iter().enumerate() {
        let in_flight = (i + 1) as u64;
        p.done(Sample::ok(Duration::from_millis(
            100 * in_flight.max(20) / 20,
        )));
    }
    // The top four answered in 105..120 ms: 1.125 × the baseline, not flat. (All 24 answers
    // together are 1.02 ×, which would have doubled it to 32, past a wall at 30.)
    assert_eq!(ctl.limit(), 25);
    assert_eq!(
        changes(&ctl).last().map(String::as_str),
        Some("concurrency 24 → 25: latency near its baseline, every request slot in use")
    );
    // A pool of 20 that queues the last to arrive, which need not be the top slots (the
    // workers' requests reach it in any order): four of the batch wait a whole service time.
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 3, 100), [8, 16, 24]);
    let permits: Vec<_> = (0..24).filter_map(|_| ctl.try_acquire()).collect();
    for (i, p) in permits.into_iter().enumerate() {
        let queued = (8..12).contains(&i);
        p.done(Sample::ok(Duration::from_millis(if queued {
            200
        } else {
            100
        })));
    }
    // 1.17 × the baseline over the batch: not flat, though the top slots were.
    assert_eq!(ctl.limit(), 25);
    assert_eq!(
        changes(&ctl).last().map(String::as_str),
        Some("concurrency 24 → 25: latency near its baseline, every request slot in use")
    );
}

#[test]
fn a_remembered_wall_stops_slow_start_and_holds_it() {
    let ctl = Controller::new(Config::auto(32).starting_at(4).with_wall(Some(20)));
    assert_eq!(ctl.wall(), Some(20));
    assert_eq!(limits(&ctl, 4, 100), [8, 16, 20, 20]);
    // At the wall: held for the probe hold, not grown at each flat window.
    assert_eq!(limits(&ctl, 10, 100), [20; 10]);
    // A fixed concurrency has no wall.
    assert_eq!(Config::fixed(8).with_wall(Some(20)).wall, None);
}

#[test]
fn a_resume_starts_at_the_last_good_value_in_slow_start() {
    let ctl = Controller::new(Config::auto(32).starting_at(12));
    assert_eq!(limits(&ctl, 3, 100), [20, 28, 32]);
}

#[test]
fn a_pool_that_never_reaches_its_top_slots_is_still_judged() {
    // A slow reader keeps 4 in flight under a limit of 8: the top slots never fill, so the
    // window closes on a round trip's worth of answers instead; it does not grow (unsaturated),
    // and a rise in latency still backs off.
    let ctl = Controller::new(Config::auto(32).starting_at(4));
    assert_eq!(limits(&ctl, 1, 100), [8]);
    let four = |ms| {
        let permits: Vec<_> = (0..4).filter_map(|_| ctl.try_acquire()).collect();
        assert_eq!(permits.len(), 4);
        permits
            .into_iter()
            .for_each(|p| p.done(Sample::ok(Duration::from_millis(ms))));
    };
    (0..4).for_each(|_| four(100));
    assert_eq!(ctl.limit(), 8, "not saturated: no growth");
    (0..2).for_each(|_| four(200));
    assert!(ctl.limit() < 8, "{}", ctl.limit());
    let changes: Vec<String> = ctl
        .drain_changes()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        changes
            .last()
            .is_some_and(|c| c.starts_with("concurrency 8 → 4: latency rose to")),
        "{changes:?}"
    );
}

#[test]
fn a_429_in_the_first_second_cuts_but_neither_ends_slow_start_nor_marks_a_wall() {
    // Told by `signal_early` (the window it met may have begun before the run): × 0.7, and slow
    // start goes on from there.
    let ctl = Controller::new(Config::auto(32));
    ctl.signal_early(Cause::RateLimited);
    assert_eq!((ctl.limit(), ctl.wall()), (5, None));
    let after = limits(&ctl, 6, 100);
    assert_eq!(after.last(), Some(&32), "{after:?}");
    assert_eq!(ctl.history().backoffs_rate_limited, 1);
    // The same 429 told by `signal`: a wall one below 8, held; one at a time up to it.
    let ctl = Controller::new(Config::auto(32));
    ctl.signal(Cause::RateLimited);
    assert_eq!((ctl.limit(), ctl.wall()), (5, Some(7)));
    let after = limits(&ctl, 12, 100);
    assert!(after.iter().all(|l| *l <= 7), "{after:?}");
    assert_eq!(after.last(), Some(&7), "{after:?}");
}
