//! Pacing the workers: `--rate`'s token bucket ([`Limiter`]), and the send rate `auto` learns
//! from 429s ([`Pacer`]: a [`RateLearner`] and the [`Schedule`] that spaces sends to its rate).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::concurrency::{RateChange, RateHistory, RateLearner};

/// A token bucket for `--rate`: at most `rate` requests a second, bursts of at most one second.
pub struct Limiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    pub fn new(rate: f64) -> Limiter {
        Limiter {
            rate,
            state: Mutex::new((1.0, Instant::now())),
        }
    }

    /// Waits for a token; false when `stop` was set meanwhile.
    pub fn acquire(&self, stop: &AtomicBool) -> bool {
        self.acquire_waited(stop).is_some()
    }

    /// Waits for a token: whether it had to wait (the rate, not the server, held the request
    /// back: `--concurrency auto` does not grow on that), or None when `stop` was set meanwhile.
    pub fn acquire_waited(&self, stop: &AtomicBool) -> Option<bool> {
        let mut waited = false;
        loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let capacity = self.rate.max(1.0);
                s.0 = (s.0 + now.duration_since(s.1).as_secs_f64() * self.rate).min(capacity);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return Some(waited);
                }
                // A tiny --rate (1e-300) makes this too long for a Duration: wait in steps.
                Duration::try_from_secs_f64((1.0 - s.0) / self.rate).unwrap_or(Duration::MAX)
            };
            waited = true;
            std::thread::sleep(wait.min(Duration::from_millis(50)));
        }
    }
}

/// Sends that may leave at once after an idle spell, in intervals of the paced rate.
const BURST: f64 = 2.0;

/// Spaces sends at a rate (GCRA's virtual scheduling), time in seconds: each send reserves the
/// next slot, so waiting workers leave in turn, one interval apart.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Schedule {
    /// The next free slot.
    next: f64,
}

impl Schedule {
    /// Reserves a slot at `rate` a second: when the send may leave (`now` or later).
    pub fn reserve(&mut self, now: f64, rate: f64) -> f64 {
        let interval = 1.0 / rate.max(1e-9);
        let at = self.next.max(now - BURST * interval);
        self.next = at + interval;
        at.max(now)
    }

    /// Nothing leaves before `until` (a pool-wide pause), and `debt` seconds of slots are taken
    /// (the retry of a throttled request, which leaves without a slot).
    pub fn defer(&mut self, until: f64, debt: f64) {
        self.next = self.next.max(until) + debt.max(0.0);
    }
}

/// The learned send rate of `--concurrency auto`, shared by the workers: [`Pacer::acquire_waited`]
/// before each send, [`Pacer::success`] for each successful answer, [`Pacer::throttled`] for each
/// 429 as the client meets it.
pub struct Pacer {
    origin: Instant,
    state: Mutex<(RateLearner, Schedule)>,
}

impl Pacer {
    /// `ceiling`: `--rate`, which the learned rate never exceeds.
    pub fn new(ceiling: Option<f64>) -> Pacer {
        Pacer {
            origin: Instant::now(),
            state: Mutex::new((RateLearner::new(ceiling), Schedule::default())),
        }
    }

    /// Paced from the start at `rate`, an earlier run's learned rate (`RateLearner::resume_at`).
    pub fn resuming(self, rate: Option<f64>) -> Pacer {
        if let Some(rate) = rate {
            let now = self.now();
            self.lock().0.resume_at(rate, now);
        }
        self
    }

    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (RateLearner, Schedule)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the send's slot: whether it had to wait, or None when `stop` was set meanwhile.
    /// Returns at once while no rate was learned.
    pub fn acquire_waited(&self, stop: &AtomicBool) -> Option<bool> {
        let at = {
            let mut s = self.lock();
            let now = self.now();
            s.0.sending(now);
            match s.0.rate(now) {
                None => return (!stop.load(Ordering::SeqCst)).then_some(false),
                Some(rate) => s.1.reserve(now, rate),
            }
        };
        let mut waited = false;
        loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            let left = at - self.now();
            if left <= 0.0 {
                return Some(waited);
            }
            waited = true;
            std::thread::sleep(Duration::from_secs_f64(left.min(0.05)));
        }
    }

    /// A successful answer arrived.
    pub fn success(&self) {
        let now = self.now();
        self.lock().0.success(now);
    }

    /// A 429 arrived to the request sent at `sent`; the client pauses the pool for `pause` and
    /// then retries the request. True when it came within the first second of sending
    /// (`RateLearner::early`: not learned from).
    pub fn throttled(&self, sent: Instant, pause: Duration) -> bool {
        let now = self.now();
        let sent = sent.saturating_duration_since(self.origin).as_secs_f64();
        let mut s = self.lock();
        let (learner, schedule) = &mut *s;
        let early = learner.early(now);
        learner.throttled(now, sent, pause.as_secs_f64());
        let debt = learner.rate(now).map_or(0.0, |r| 1.0 / r);
        schedule.defer(now + pause.as_secs_f64(), debt);
        early
    }

    pub fn history(&self) -> RateHistory {
        self.lock().0.history()
    }

    /// The rate's changes since the last call, for `-v`.
    pub fn drain_changes(&self) -> Vec<RateChange> {
        self.lock().0.drain_changes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_rate_waits_instead_of_panicking() {
        let l = Limiter::new(1e-300);
        let stop = AtomicBool::new(false);
        assert!(l.acquire(&stop), "the first token is there at once");
        let started = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(120));
                stop.store(true, Ordering::SeqCst);
            });
            assert!(
                !l.acquire(&stop),
                "the next one never comes; stop ends the wait"
            );
        });
        assert!(started.elapsed() >= Duration::from_millis(100));
    }

    #[test]
    fn the_limiter_says_when_it_made_a_request_wait() {
        let l = Limiter::new(10.0);
        let stop = AtomicBool::new(false);
        assert_eq!(l.acquire_waited(&stop), Some(false), "the burst token");
        assert_eq!(
            l.acquire_waited(&stop),
            Some(true),
            "the next one waits ~100 ms"
        );
        stop.store(true, Ordering::SeqCst);
        assert_eq!(l.acquire_waited(&stop), None);
    }

    #[test]
    fn the_limiter_paces() {
        let l = Limiter::new(20.0);
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        for _ in 0..11 {
            assert!(l.acquire(&stop));
        }
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn the_schedule_spaces_sends_and_defers_after_a_pause() {
        let mut s = Schedule::default();
        // After an idle spell, a burst of three, then one every 10 ms.
        let at: Vec<f64> = (0..5).map(|_| s.reserve(10.0, 100.0)).collect();
        assert_eq!(&at[..3], &[10.0, 10.0, 10.0]);
        assert!((at[3] - 10.01).abs() < 1e-9 && (at[4] - 10.02).abs() < 1e-9);
        // A pause to 11 s and one retry's slot: the next fresh send leaves at 11.01.
        s.defer(11.0, 0.01);
        assert!((s.reserve(10.5, 100.0) - 11.01).abs() < 1e-9);
    }

    #[test]
    fn the_pacer_waits_only_once_a_rate_was_learned() {
        let p = Pacer::new(None);
        let stop = AtomicBool::new(false);
        for _ in 0..50 {
            assert_eq!(p.acquire_waited(&stop), Some(false));
            p.success();
        }
        // A 429 within the first second of sending: told as early (the gate's `signal_early`),
        // nothing learned from it, nothing paced.
        assert!(p.throttled(Instant::now(), Duration::ZERO), "early");
        assert_eq!(p.history().throttles, 0);
        assert_eq!(p.acquire_waited(&stop), Some(false));
        // The answers so far out of the second the rate is measured over.
        std::thread::sleep(Duration::from_millis(1100));
        for _ in 0..7 {
            p.success();
        }
        // A 429 with no pause: paced from now on, at a rate learned from 7 answers in the last
        // second (paced from 4.9 a second): sends about 200 ms apart, so that a loaded machine
        // pausing this thread between two sends (tens of ms) does not let one leave without
        // waiting.
        assert!(
            !p.throttled(Instant::now(), Duration::ZERO),
            "past the first second"
        );
        assert_eq!(p.history().throttles, 1);
        let waits: Vec<_> = (0..8).map(|_| p.acquire_waited(&stop)).collect();
        // The throttled request's retry took the first slot: every send waits for its own.
        assert_eq!(waits, [Some(true); 8]);
        assert_eq!(p.drain_changes().len(), 1);
        stop.store(true, Ordering::SeqCst);
        assert_eq!(p.acquire_waited(&stop), None);
    }
}
