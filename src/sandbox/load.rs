//! `--capacity` and `--overload-at` (doc/sandbox.md, "Capacity and overload"): how many API
//! requests are processed at once, the first-come-first-served queue in front of them, and the
//! 546 `WORKER_LIMIT` answers past the in-flight limit. Also the in-flight and processing peaks
//! of `/__sandbox/stats`, counted with or without the flags.
//!
//! A request is *in flight* from the moment it arrives (its body read) until its answer is
//! decided; it is *processing* while it holds a slot: the `--latency-ms` service time, the
//! fault draw and the action. With `--capacity N` at most N hold a slot; the others wait for one
//! in arrival order (ticket numbers: a counting semaphore that is fair, so latency grows in
//! steps of the service time, as a real worker pool's does).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use serde_json::json;

use super::http::Response;
use super::lock;

/// The two flags, as plain values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LoadConfig {
    /// At most this many API requests processing at once (`None`: no limit).
    pub capacity: Option<usize>,
    /// Past this many API requests in flight, 546 `WORKER_LIMIT` (`None`: never).
    pub overload_at: Option<usize>,
}

/// What the overload rule decided for an arriving request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Within the limit: processed and answered as usual.
    Admitted,
    /// 546 at once, not processed (nothing ran).
    RefusedBefore,
    /// Processed like any other (the action ran, a lead may exist), then answered 546: for
    /// the client, an unknown outcome.
    RefusedAfter,
}

/// The overload rule: of the overload answers since the start (or the last
/// `/__sandbox/reset`), numbered 1, 2, 3, ..., the 3rd, 6th and 9th of every ten come after
/// processing, the rest before: exactly 30 % of a storm, and a lone overload never has an
/// unknown outcome. A counter, not a random draw, so it repeats with or without `--seed`.
pub(crate) fn after_processing(nth_overload: u64) -> bool {
    matches!(nth_overload % 10, 3 | 6 | 9)
}

/// The platform's answer past the limit: doc/api.md, "Platform errors" (status and
/// `sb-error-code`); the body is in the platform's `{code, message}` shape, as the sandbox's
/// `BOOT_ERROR` is, with the emulator's assumption for the wording.
pub(crate) fn worker_limit() -> Response {
    let body = json!({
        "code": "WORKER_LIMIT",
        "message": "Function failed due to not having enough compute resources (please check logs)",
    });
    Response::json(546, &body).with_header("sb-error-code", "WORKER_LIMIT")
}

/// The load figures of `/__sandbox/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LoadStats {
    /// The API requests in flight now (queued or processing).
    pub in_flight: usize,
    /// The most API requests in flight at once (queued or processing; a request refused at once
    /// counts for that moment).
    pub in_flight_peak: usize,
    /// The most API requests processing at once (never above `--capacity`).
    pub processing_peak: usize,
    /// 546 answers before processing.
    pub overloaded_before: u64,
    /// 546 answers after processing.
    pub overloaded_after: u64,
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    processing: usize,
    /// The next ticket to hand out, and the ticket whose turn it is to take a slot.
    next_ticket: u64,
    serving: u64,
    /// Overload decisions since the start or the last reset (numbers the rule's answers).
    overloads: u64,
    stats: LoadStats,
}

pub(crate) struct Load {
    cfg: LoadConfig,
    state: Mutex<State>,
    /// Signalled whenever a slot is freed or a turn is taken.
    turn: Condvar,
}

/// One request in flight; leaving (drop) counts its overload answer, if any.
pub(crate) struct InFlight<'a> {
    load: &'a Load,
    pub admission: Admission,
}

/// A processing slot; dropping it frees the slot for the next in line.
pub(crate) struct Slot<'a> {
    load: &'a Load,
}

impl Load {
    pub fn new(cfg: LoadConfig) -> Self {
        Load {
            cfg,
            state: Mutex::new(State::default()),
            turn: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// An API request arrives: it joins the requests in flight and the overload rule decides.
    pub fn arrive(&self) -> InFlight<'_> {
        let mut s = self.state();
        s.in_flight += 1;
        s.stats.in_flight_peak = s.stats.in_flight_peak.max(s.in_flight);
        let admission = match self.cfg.overload_at {
            Some(limit) if s.in_flight > limit => {
                s.overloads += 1;
                if after_processing(s.overloads) {
                    Admission::RefusedAfter
                } else {
                    Admission::RefusedBefore
                }
            }
            _ => Admission::Admitted,
        };
        InFlight {
            load: self,
            admission,
        }
    }

    /// Waits for a processing slot, in arrival order (immediately without `--capacity`).
    pub fn slot(&self) -> Slot<'_> {
        let mut s = self.state();
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        let capacity = self.cfg.capacity.unwrap_or(usize::MAX);
        while s.serving != ticket || s.processing >= capacity {
            s = self.turn.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        s.serving += 1;
        s.processing += 1;
        s.stats.processing_peak = s.stats.processing_peak.max(s.processing);
        drop(s);
        // The next ticket may be able to go too (a slot is still free).
        self.turn.notify_all();
        Slot { load: self }
    }

    pub fn stats(&self) -> LoadStats {
        let s = self.state();
        LoadStats {
            in_flight: s.in_flight,
            ..s.stats
        }
    }

    /// `/__sandbox/reset`: counters cleared; the peaks start again from what is in flight now.
    pub fn reset(&self) {
        let mut s = self.state();
        s.overloads = 0;
        s.stats = LoadStats {
            in_flight_peak: s.in_flight,
            processing_peak: s.processing,
            ..LoadStats::default()
        };
    }

    /// How many service times the requests in flight now need to be answered: 1 without
    /// `--capacity` or with nothing queued, else ceil(in flight / capacity) (for the bounded wait
    /// at shutdown).
    pub fn waves(&self) -> u32 {
        let in_flight = self.state().in_flight;
        let waves = match self.cfg.capacity {
            Some(n) if n > 0 => in_flight.div_ceil(n),
            _ => 1,
        };
        u32::try_from(waves.max(1)).unwrap_or(u32::MAX)
    }

    #[cfg(test)]
    fn waiting(&self) -> u64 {
        let s = self.state();
        s.next_ticket - s.serving
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut s = self.load.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        match self.admission {
            Admission::Admitted => {}
            Admission::RefusedBefore => s.stats.overloaded_before += 1,
            Admission::RefusedAfter => s.stats.overloaded_after += 1,
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        {
            let mut s = self.load.state();
            s.processing = s.processing.saturating_sub(1);
        }
        self.load.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    fn load(capacity: Option<usize>, overload_at: Option<usize>) -> Load {
        Load::new(LoadConfig {
            capacity,
            overload_at,
        })
    }

    #[test]
    fn three_in_ten_overloads_come_after_processing() {
        let after: Vec<u64> = (1..=20).filter(|&n| after_processing(n)).collect();
        assert_eq!(after, [3, 6, 9, 13, 16, 19]);
        assert_eq!((1..=1000).filter(|&n| after_processing(n)).count(), 300);
        assert!(!after_processing(1) && !after_processing(2));
    }

    #[test]
    fn past_the_limit_arrivals_are_refused_and_counted() {
        let l = load(None, Some(2));
        let admitted: Vec<_> = (0..2).map(|_| l.arrive()).collect();
        assert!(admitted.iter().all(|f| f.admission == Admission::Admitted));
        let refused: Vec<Admission> = (0..10).map(|_| l.arrive().admission).collect();
        // Each refused one leaves at once, so every one of them is the third in flight.
        assert_eq!(
            refused
                .iter()
                .filter(|&&a| a == Admission::RefusedAfter)
                .count(),
            3
        );
        assert!(!refused.contains(&Admission::Admitted));
        let held = l.arrive();
        assert_eq!(held.admission, Admission::RefusedBefore); // the 11th
        assert_eq!(l.arrive().admission, Admission::RefusedBefore); // the 12th: 4 in flight
        drop(held);
        drop(admitted);
        assert_eq!(l.arrive().admission, Admission::Admitted);
        let stats = l.stats();
        assert_eq!((stats.overloaded_before, stats.overloaded_after), (9, 3));
        assert_eq!(stats.in_flight_peak, 4);
        l.reset();
        assert_eq!(l.stats(), LoadStats::default());
        assert_eq!(l.arrive().admission, Admission::Admitted);
    }

    #[test]
    fn without_flags_nothing_waits_or_is_refused() {
        let l = load(None, None);
        let flights: Vec<_> = (0..100).map(|_| l.arrive()).collect();
        let slots: Vec<_> = flights.iter().map(|_| l.slot()).collect();
        assert!(flights.iter().all(|f| f.admission == Admission::Admitted));
        assert_eq!(l.stats().processing_peak, 100);
        assert_eq!(l.waves(), 1);
        drop(slots);
    }

    /// With capacity 1 and the slot held, waiters enter strictly in the order they queued.
    #[test]
    fn slots_are_handed_out_first_come_first_served() {
        let l = Arc::new(load(Some(1), None));
        let first = l.slot();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for i in 0..6u64 {
            let (l2, order2) = (Arc::clone(&l), Arc::clone(&order));
            handles.push(thread::spawn(move || {
                let _slot = l2.slot();
                lock(&order2).push(i);
            }));
            // Wait until this thread holds its ticket (i + 1 waiting) before starting the next.
            let deadline = Instant::now() + Duration::from_secs(5);
            while l.waiting() < i + 1 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            assert_eq!(l.waiting(), i + 1);
        }
        drop(first);
        for h in handles {
            h.join().expect("join");
        }
        assert_eq!(*lock(&order), [0, 1, 2, 3, 4, 5]);
        assert_eq!(l.stats().processing_peak, 1);
    }

    #[test]
    fn capacity_bounds_the_slots_held_at_once() {
        let l = Arc::new(load(Some(3), None));
        let flights: Vec<_> = (0..7).map(|_| l.arrive()).collect();
        assert_eq!(l.waves(), 3); // 7 in flight, 3 at a time
        drop(flights);
        let handles: Vec<_> = (0..12)
            .map(|_| {
                let l = Arc::clone(&l);
                thread::spawn(move || {
                    let _slot = l.slot();
                    thread::sleep(Duration::from_millis(5));
                })
            })
            .collect();
        for h in handles {
            h.join().expect("join");
        }
        assert_eq!(l.stats().processing_peak, 3);
    }
}
