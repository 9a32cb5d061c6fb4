//! One clock for every age the ledger compares (a claim's, a heartbeat's): a shared PostgreSQL
//! ledger measures on the database's `now()`, so machines whose clocks disagree still agree on
//! how old a claim is; a SQLite file is on one machine and uses its clock. `Ledger::now` is that
//! clock; claims, outcomes and heartbeats are written with it (doc/ledger.md, "Clocks").
//!
//! `LEADCTL_TEST_CLOCK_OFFSET` (seconds, test-only, documented as such in doc/ledger.md) moves
//! this process's own clock, so the tests can run a machine whose clock is off.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

/// This machine's clock in Unix seconds (with the test-only offset).
pub fn machine_secs() -> i64 {
    static OFFSET: OnceLock<i64> = OnceLock::new();
    let offset = *OFFSET.get_or_init(|| {
        std::env::var("LEADCTL_TEST_CLOCK_OFFSET")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
    });
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + offset
}

/// The difference between the store's clock and this machine's, measured now and then.
#[derive(Debug, Default)]
pub struct Skew(AtomicI64);

impl Skew {
    /// Remembers the store's time `store_secs` (read just now), when the store has a clock.
    pub fn measured(&self, store_secs: Option<i64>) {
        if let Some(t) = store_secs {
            self.0.store(t - machine_secs(), Ordering::SeqCst);
        }
    }

    /// The store's time now.
    pub fn now(&self) -> i64 {
        machine_secs() + self.0.load(Ordering::SeqCst)
    }

    /// The store's clock minus this machine's, in seconds.
    pub fn offset(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_clock_is_the_machine_clock_plus_the_measured_difference() {
        let s = Skew::default();
        let before = machine_secs();
        assert!(
            (s.now() - before).abs() <= 1,
            "no store clock: the machine's"
        );
        s.measured(None);
        assert_eq!(s.offset(), 0);
        s.measured(Some(machine_secs() + 700));
        assert!((s.offset() - 700).abs() <= 1);
        assert!((s.now() - (machine_secs() + 700)).abs() <= 1);
    }
}
