//! Whether another run sharing the ledger is still running: each run that sends writes a
//! heartbeat (`run.<id>.alive` in the ledger's meta) every few seconds and `ended` when it is
//! done. A run that finds keys another run claimed and has not answered waits for that run's
//! answers only while it is alive; a run that is not alive is dead, and its claims are unknown
//! (settled by the server's leads or by time), never "being sent by another run"; a live run's
//! claim is never taken over (doc/ledger.md, "Live and dead runs").
//!
//! The beat is `SECS PID HOST START`: the time on the ledger's clock (`clock.rs`: the
//! database's for PostgreSQL), the process id, the host's identity (the kernel's boot id and
//! this PID namespace, so two containers with one hostname are two hosts, and a reboot is
//! another host) and the process's start time (so a reused process id is not the run). A run on
//! this same host is alive exactly while its process is (a stopped process too: it goes on when
//! continued); a run of another host while its beat is fresh on the ledger's clock.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Entry, Ledger, State};
use crate::error::Failure;

/// How often a run says it is alive.
pub const BEAT: Duration = Duration::from_secs(5);

/// A heartbeat older than this (on the ledger's clock) means the run is gone (several beats
/// missed).
pub const STALE_SECS: i64 = 20;

fn key(run: &str) -> String {
    format!("run.{run}.alive")
}

impl Ledger {
    /// Says this run is alive now: `SECS PID HOST START`.
    pub fn beat(&self, api_url: &str) -> Result<(), Failure> {
        self.measure_clock();
        let pid = std::process::id();
        let start = start_of(&pid.to_string()).unwrap_or_else(|| "-".into());
        let value = format!("{} {pid} {} {start}", self.now(), host());
        self.set_meta(api_url, &key(&self.run), &value)?;
        *self.beaten.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// What must be on disk before this run's first claim: its first beat (a claim another run
    /// meets before its owner ever beat would read as a dead run's) and its sent notes file
    /// (`sent.rs`). A run calls it while its first read is at the server, so neither costs it
    /// time; the pipeline calls it again before it starts, which writes nothing when the beat
    /// is fresh. A beat that cannot be written is no reason not to send: at worst another run
    /// does not wait for this one's answers and calls them unknown.
    pub fn ready_to_send(&self, api_url: &str) {
        if self.since_beat().is_none_or(|d| d >= BEAT) {
            let _ = self.beat(api_url);
        }
        self.notes_ready();
    }

    /// How long ago this run last beat (None: never).
    fn since_beat(&self) -> Option<Duration> {
        self.beaten
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|at| at.elapsed())
    }

    /// Says this run is done: nobody need wait for it. Its heartbeat row goes, and so do those
    /// of other runs that are not alive (ended, or dead: killed, or a stale beat of another
    /// host): a missing beat reads exactly as a dead one, so no decision changes, and the meta
    /// table does not grow by a row per run for good. A row is removed only while it still holds
    /// the value read (a run beating meanwhile keeps its row).
    pub fn ended(&self, api_url: &str) {
        let mine = key(&self.run);
        if self
            .call("cannot write", |s| s.set_meta(api_url, &mine, "ended"))
            .is_err()
        {
            return;
        }
        let Ok(beats) = self.call("cannot read", |s| s.meta_starting(api_url, "run.")) else {
            return;
        };
        let now = self.now();
        for (k, value) in beats {
            if k.ends_with(".alive") && !beat_is_alive(&value, now) {
                let _ = self.call("cannot write", |s| s.remove_meta_if(api_url, &k, &value));
            }
        }
        self.prune_notes();
    }

    /// Whether `run` is alive. A ledger that cannot be read says yes (waiting a little
    /// longer is the safe side); a run that never beat (an older leadctl) says no.
    pub fn is_alive(&self, api_url: &str, run: &str) -> bool {
        match self.get_meta(api_url, &key(run)) {
            Ok(Some(v)) => beat_is_alive(&v, self.now()),
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// Whether the key is claimed (`sending`) by a run that is alive: this one, or another
    /// that may still be waiting for its answer. Such a claim is never taken over.
    pub fn claim_is_live(&self, api_url: &str, e: &Entry) -> bool {
        e.state == State::Sending
            && e.run
                .as_deref()
                .is_some_and(|r| r == self.run || self.is_alive(api_url, r))
    }
}

/// A beat's value read at `now` (the ledger's clock): a run of this host whose process is
/// there, or a run of another host whose beat is fresh.
fn beat_is_alive(value: &str, now: i64) -> bool {
    let mut parts = value.split_whitespace();
    let at = parts.next().and_then(|t| t.parse::<i64>().ok());
    let (pid, beat_host, start) = (parts.next(), parts.next(), parts.next());
    let Some(at) = at else {
        return false; // `ended`, or not a beat
    };
    if let (Some(pid), Some(h)) = (pid, beat_host) {
        if h == host() && Path::new("/proc/self").exists() {
            return match start_of(pid) {
                None => false,
                Some(now_start) => start.is_none_or(|s| s == "-" || s == now_start),
            };
        }
    }
    now - at <= STALE_SECS
}

/// This host's identity: Linux's boot id and PID namespace (`BOOT/pid:[N]`), else the
/// hostname, `-` where neither can be told.
pub(super) fn host() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(read_host).clone()
}

/// [`host`] as read from `/proc` (once a process: neither changes while it runs).
fn read_host() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|h| h.trim().replace(char::is_whitespace, "_"))
            .filter(|h| !h.is_empty())
    };
    let ns = std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|p| p.to_string_lossy().replace(char::is_whitespace, "_"));
    match (read("/proc/sys/kernel/random/boot_id"), ns) {
        (Some(boot), Some(ns)) => format!("{boot}/{ns}"),
        _ => read("/proc/sys/kernel/hostname").unwrap_or_else(|| "-".to_string()),
    }
}

/// Whether process `pid`, started at `start`, of host `h` is known to be gone: `h` is this boot
/// and PID namespace (a hostname is not: it outlives a reboot), `/proc` answers, and no process
/// with that id and start time exists. False whenever it cannot be told.
pub(super) fn gone_here(pid: &str, h: &str, start: &str) -> bool {
    let me = std::process::id().to_string();
    let boot_form = h.contains("/pid:[");
    boot_form && h == host() && start_of(&me).is_some() && start_of(pid).is_none_or(|s| s != start)
}

/// When process `pid` of this host started (clock ticks since boot, `/proc/PID/stat` field
/// 22), None when there is no such process (or no `/proc`).
pub(super) fn start_of(pid: &str) -> Option<String> {
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let stat = std::fs::read_to_string(Path::new("/proc").join(pid).join("stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

/// Beats every `BEAT` after the run's last beat until `stop` is set, then says the run ended.
/// The first beat is the caller's ([`Ledger::ready_to_send`]), written before the run's first
/// claim. For a thread of its own: whoever sets `stop` unparks the thread, so the run's end
/// never waits for a beat's pause.
pub fn keep_beating(ledger: &Ledger, api_url: &str, stop: &AtomicBool) {
    let mut next = Instant::now() + BEAT.saturating_sub(ledger.since_beat().unwrap_or(BEAT));
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= next {
            // A beat that cannot be written is no reason to stop sending: at worst another run
            // does not wait for this one's answers and calls them unknown.
            let _ = ledger.beat(api_url);
            next = Instant::now() + BEAT;
            continue;
        }
        std::thread::park_timeout(next - now);
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
        let now = l.now();
        // A process of this host that is gone: dead at once, however fresh its beat.
        let gone = format!("{now} 999999999 {} 1", host());
        assert!(!beat_is_alive(&gone, now));
        // This process, with another start time: its id was reused, the run is gone.
        let me = std::process::id();
        assert!(!beat_is_alive(&format!("{now} {me} {} 0", host()), now));
        // This process, its beat long stale (stopped, say): alive while the process is.
        let mine = start_of(&me.to_string()).unwrap();
        assert!(beat_is_alive(
            &format!("{} {me} {} {mine}", now - 600, host()),
            now
        ));
        // Another machine's run (or another PID namespace with the same hostname): its beat
        // decides, on the ledger's clock.
        let elsewhere = format!("{now} 999999999 another-host 1");
        assert!(
            beat_is_alive(&elsewhere, now),
            "a fresh beat of another host"
        );
        assert!(
            !beat_is_alive(&elsewhere, now + STALE_SECS + 1),
            "a stale one"
        );
        let other_ns = format!("{now} 999999999 {}-other-ns 1", host());
        assert!(beat_is_alive(&other_ns, now), "another PID namespace");
        // An older leadctl's beat (`SECS PID HOSTNAME`): its time decides.
        assert!(beat_is_alive(&format!("{now} 999999999 somehost"), now));
        // A beat from long ago: gone.
        l.set_meta(url, &key(&l.run), &(now - STALE_SECS - 1).to_string())
            .unwrap();
        assert!(!l.is_alive(url, &l.run));
    }

    #[test]
    fn a_run_that_ends_prunes_the_beats_of_runs_that_are_not_alive() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let url = "http://x/api";
        let now = l.now();
        let fresh = format!("{now} 999999999 another-host 1");
        l.set_meta(url, "run.live.alive", &fresh).unwrap();
        l.set_meta(
            url,
            "run.stale.alive",
            &format!("{} 999999999 another-host 1", now - 600),
        )
        .unwrap();
        l.set_meta(url, "run.done.alive", "ended").unwrap();
        l.set_meta(
            url,
            "run.killed.alive",
            &format!("{now} 999999999 {} 1", host()),
        )
        .unwrap();
        l.set_meta(url, "concurrency.last_good", "4").unwrap();
        l.set_meta("http://other/api", "run.done.alive", "ended")
            .unwrap();
        l.beat(url).unwrap();
        l.ended(url);
        let left = l.call("cannot read", |s| s.meta_starting(url, "")).unwrap();
        assert_eq!(
            left,
            vec![
                ("concurrency.last_good".to_string(), "4".to_string()),
                ("run.live.alive".to_string(), fresh),
            ]
        );
        assert!(!l.is_alive(url, &l.run), "ended");
        // Another API URL's rows are its own runs' to prune.
        assert_eq!(
            l.get_meta("http://other/api", "run.done.alive")
                .unwrap()
                .as_deref(),
            Some("ended")
        );
    }

    #[test]
    fn the_host_identity_names_the_boot_and_the_pid_namespace() {
        let h = host();
        if Path::new("/proc/self/ns/pid").exists() {
            assert!(h.contains("/pid:["), "{h}");
        }
        assert!(!h.contains(char::is_whitespace));
    }

    #[test]
    fn keep_beating_stops_and_says_so() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let stop = AtomicBool::new(false);
        // The first beat, as a run writes it before any claim.
        l.ready_to_send("u");
        assert!(l.is_alive("u", &l.run));
        let stopped = std::thread::scope(|s| {
            let beats = s.spawn(|| keep_beating(&l, "u", &stop));
            std::thread::sleep(Duration::from_millis(20));
            assert!(l.is_alive("u", &l.run), "alive while beating");
            // As the pipeline ends it: the flag set, the thread woken from its pause.
            stop.store(true, Ordering::SeqCst);
            beats.thread().unpark();
            Instant::now()
        });
        assert!(!l.is_alive("u", &l.run));
        assert!(
            stopped.elapsed() < BEAT / 2,
            "the end waited for the pause: {:?}",
            stopped.elapsed()
        );
    }
}
