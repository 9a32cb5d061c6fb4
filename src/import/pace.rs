//! `--rate`: a token bucket shared by the workers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}
