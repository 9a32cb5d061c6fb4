//! No silent wait on a PostgreSQL ledger: a frozen network link (no reset, keepalives answered by
//! a middlebox) would leave a call waiting for as long as it lasts. The connection carries
//! `tcp_user_timeout`, keepalives every 5 s and, for the session, `statement_timeout` and
//! `lock_timeout` (the server gives up); beyond them a watchdog thread times every call: after
//! 5 s without an answer a line on stderr says the ledger is not answering, every 5 s again, and
//! after the stated total ([`total`]: `LEADCTL_LEDGER_LOCK_WAIT`, 60 s) the run stops with exit 7.
//! Only time the process runs counts: a run stopped (SIGSTOP) and continued is not stopped for
//! the time it was stopped.
//! The synchronous driver cannot abandon a call, so the watchdog ends the process itself: every
//! request that left had its claim committed first, so a row whose outcome was not written reads
//! as `sending` (unknown) to the next run, never as unsent.
#![allow(clippy::print_stderr)]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often the wait is said.
pub const SAY_EVERY: Duration = Duration::from_secs(5);

/// The ledger's connection: a keep-alive every [`SAY_EVERY`], dropped after [`total`].
pub fn keepalive() -> crate::pg::connect::Keepalive {
    crate::pg::connect::Keepalive {
        every: SAY_EVERY,
        give_up: total(),
    }
}

/// The longest a call may go unanswered: the same stated total as SQLite's lock wait.
pub fn total() -> Duration {
    crate::ledger::sqlite::wait::total()
}

/// The calls under way: (store id) → (time waited, waited when last said, the ledger as shown).
/// Time waited counts the watchdog's own ticks, each at most [`TICK_MAX`]: a process stopped
/// (SIGSTOP, Ctrl-Z) or starved does not count its stop as the ledger not answering.
type Calls = Option<HashMap<u64, (Duration, Duration, String)>>;

/// The longest one tick of the watchdog counts.
const TICK_MAX: Duration = Duration::from_secs(1);
static CALLS: Mutex<Calls> = Mutex::new(None);

fn calls() -> std::sync::MutexGuard<'static, Calls> {
    CALLS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A call under way, timed until dropped.
pub struct Timed(u64);

pub fn start(store: u64, shown: &str) -> Timed {
    static WATCHDOG: OnceLock<()> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        let _ = std::thread::Builder::new()
            .name("ledger-watchdog".into())
            .spawn(watch);
    });
    calls()
        .get_or_insert_with(HashMap::new)
        .insert(store, (Duration::ZERO, Duration::ZERO, shown.to_string()));
    Timed(store)
}

impl Drop for Timed {
    fn drop(&mut self) {
        if let Some(m) = calls().as_mut() {
            m.remove(&self.0);
        }
    }
}

/// A long call (a ledger streamed) got an answer: its wait starts again.
pub fn answered(store: u64) {
    if let Some((waited, said, _)) = calls().as_mut().and_then(|m| m.get_mut(&store)) {
        *waited = Duration::ZERO;
        *said = Duration::ZERO;
    }
}

fn watch() {
    let mut last = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let limit = total();
        let now = Instant::now();
        let tick = (now - last).min(TICK_MAX);
        last = now;
        let mut guard = calls();
        let Some(m) = guard.as_mut() else { continue };
        for (waited_so_far, said, shown) in m.values_mut() {
            *waited_so_far += tick;
            let waited = *waited_so_far;
            if waited >= limit {
                eprintln!(
                    "leadctl: error: the ledger database {shown} has not answered for {} s \
                     (the stated total): stopping the run\n  hint: the connection is frozen or \
                     the database stopped; no row is sent without its claim committed, and a \
                     row sent whose outcome was not written is unknown to the next run, which \
                     settles it: run the same command again once the database answers \
                     (LEADCTL_LEDGER_LOCK_WAIT=SECONDS waits longer)",
                    waited.as_secs()
                );
                std::process::exit(i32::from(crate::exit::NETWORK));
            }
            if waited >= SAY_EVERY && waited - *said >= SAY_EVERY {
                *said = waited;
                eprintln!(
                    "leadctl: the ledger database {shown} has not answered for {} s; waiting up \
                     to {} s in all, then stopping (exit 7)",
                    waited.as_secs(),
                    limit.as_secs()
                );
            }
        }
    }
}
