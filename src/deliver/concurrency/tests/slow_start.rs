//! Slow start: the limit doubles (by at most `SLOW_START_STEP`) per round trip while the latency
//! stays flat and nothing pushes back, judged on answers sent under the new limit only; it ends
//! at the first window that is not flat, the first decrease, or a remembered wall. Fed
//! latencies and answers; no clock.

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
    let ctl = Controller::new(Config::auto(32));
    // A window is at least 6 answers: at 4 it takes two round trips.
    assert_eq!(limits(&ctl, 6, 100), [4, 8, 16, 24, 32, 32]);
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
    let ctl = Controller::new(Config::auto(32));
    assert_eq!(limits(&ctl, 3, 100), [4, 8, 16]);
    // 1.2 × the baseline: below the back-off's 1.3, but no longer flat: one at a time from here.
    assert_eq!(limits(&ctl, 1, 120), [17]);
    assert_eq!(limits(&ctl, 3, 100), [18, 19, 20]);
}

#[test]
fn an_overload_answer_ends_slow_start() {
    let ctl = Controller::new(Config::auto(32));
    assert_eq!(limits(&ctl, 3, 100), [4, 8, 16]);
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
    let ctl = Controller::new(Config::auto(32));
    assert_eq!(limits(&ctl, 2, 100), [4, 8]);
    let ok = |ms| Sample::ok(Duration::from_millis(ms));
    // Four requests sent under 8 stay in flight while eight others make the window: 16.
    let stale: Vec<_> = (0..4).filter_map(|_| ctl.try_acquire()).collect();
    for _ in 0..2 {
        let batch: Vec<_> = (0..4).filter_map(|_| ctl.try_acquire()).collect();
        assert_eq!(batch.len(), 4);
        batch.into_iter().for_each(|p| p.done(ok(100)));
    }
    assert_eq!(ctl.limit(), 16);
    // The four answer late and slow (they queued under the old limit); were they judged, the
    // window at 16 would be 1.25 × the baseline and slow start would end.
    let fresh: Vec<_> = (0..12).filter_map(|_| ctl.try_acquire()).collect();
    assert_eq!(fresh.len(), 12);
    stale.into_iter().for_each(|p| p.done(ok(200)));
    fresh.into_iter().for_each(|p| p.done(ok(100)));
    let more: Vec<_> = (0..4).filter_map(|_| ctl.try_acquire()).collect();
    more.into_iter().for_each(|p| p.done(ok(100)));
    assert_eq!(ctl.limit(), 24, "judged on the answers sent under 16 only");
}

#[test]
fn a_remembered_wall_stops_slow_start_and_holds_it() {
    let ctl = Controller::new(Config::auto(32).with_wall(Some(20)));
    assert_eq!(ctl.wall(), Some(20));
    assert_eq!(limits(&ctl, 4, 100), [4, 8, 16, 20]);
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
