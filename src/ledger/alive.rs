//! Whether another run sharing the ledger is still running: each run that sends writes a
//! heartbeat (`run.<id>.alive` in the ledger's meta, the time in Unix seconds) every few seconds
//! and `ended` when it is done. A run that finds keys another run claimed and has not answered
//! waits for that run's answers only while its heartbeat is fresh: a run killed with -9 (or a
//! machine that went away) is not waited for, its claims stay `unknown` (doc/ledger.md). The
//! beat also names the process and host, so a run on the same machine whose process is gone is
//! known dead at once (Linux: `/proc`), not only once its beat is stale.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{now_secs, Ledger};
use crate::error::Failure;

/// How often a run says it is alive.
pub const BEAT: Duration = Duration::from_secs(5);

/// A heartbeat older than this means the run is gone (several beats missed).
pub const STALE_SECS: i64 = 20;

fn key(run: &str) -> String {
    format!("run.{run}.alive")
}

impl Ledger {
    /// Says this run is alive now: `SECS PID HOST`.
    pub fn beat(&self, api_url: &str) -> Result<(), Failure> {
        let value = format!("{} {} {}", now_secs(), std::process::id(), host());
        self.set_meta(api_url, &key(&self.run), &value)
    }

    /// Says this run is done: nobody need wait for it.
    pub fn ended(&self, api_url: &str) {
        let _ = self.set_meta(api_url, &key(&self.run), "ended");
    }

    /// Whether `run` beat recently. A ledger that cannot be read says yes (waiting a little
    /// longer is the safe side); a run that never beat (an older leadctl) says no.
    pub fn is_alive(&self, api_url: &str, run: &str) -> bool {
        match self.get_meta(api_url, &key(run)) {
            Ok(Some(v)) => beat_is_alive(&v),
            Ok(None) => false,
            Err(_) => true,
        }
    }
}

/// A beat's value read: fresh, and not a process of this host that is gone.
fn beat_is_alive(value: &str) -> bool {
    let mut parts = value.split_whitespace();
    let fresh = parts
        .next()
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|t| now_secs() - t <= STALE_SECS);
    let (pid, beat_host) = (parts.next(), parts.next());
    let gone_here = match (pid, beat_host) {
        (Some(pid), Some(h)) if h == host() && Path::new("/proc/self").exists() => {
            !Path::new("/proc").join(pid).exists()
        }
        _ => false,
    };
    fresh && !gone_here
}

/// This machine's name (Linux: the kernel's hostname), `-` where it cannot be told.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().replace(char::is_whitespace, "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "-".to_string())
}

/// Beats every `BEAT` until `stop` is set, then says the run ended. For a thread of its own.
pub fn keep_beating(ledger: &Ledger, api_url: &str, stop: &AtomicBool) {
    let mut next = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next {
            // A beat that cannot be written is no reason to stop sending: at worst another run
            // does not wait for this one's answers and calls them unknown.
            let _ = ledger.beat(api_url);
            next = Instant::now() + BEAT;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    ledger.ended(api_url);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Location;

    #[test]
    fn a_run_is_alive_while_it_beats_and_not_after() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let url = "http://x/api";
        assert!(!l.is_alive(url, &l.run), "never beat");
        l.beat(url).unwrap();
        assert!(l.is_alive(url, &l.run));
        assert!(!l.is_alive(url, "another-run"));
        l.ended(url);
        assert!(!l.is_alive(url, &l.run), "ended");
        // A process of this host that is gone: dead at once, however fresh its beat.
        let gone = format!("{} 999999999 {}", now_secs(), host());
        assert!(!beat_is_alive(&gone));
        let elsewhere = format!("{} 999999999 another-host", now_secs());
        assert!(
            beat_is_alive(&elsewhere),
            "another machine's run: its beat decides"
        );
        // A beat from long ago: gone.
        l.set_meta(
            url,
            &key(&l.run),
            &(now_secs() - STALE_SECS - 1).to_string(),
        )
        .unwrap();
        assert!(!l.is_alive(url, &l.run));
    }

    #[test]
    fn keep_beating_stops_and_says_so() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| keep_beating(&l, "u", &stop));
            let deadline = Instant::now() + Duration::from_secs(5);
            while !l.is_alive("u", &l.run) {
                assert!(Instant::now() < deadline, "no beat");
                std::thread::sleep(Duration::from_millis(10));
            }
            stop.store(true, Ordering::SeqCst);
        });
        assert!(!l.is_alive("u", &l.run));
    }
}
