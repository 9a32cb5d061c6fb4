//! Runs that share a ledger and import the same file at once (work sharing, doc/ledger.md) race
//! for each row's claim; walking the file in the same order, about every other claim is lost to
//! the other run and costs a round trip to the ledger before the worker's slot is filled. Once a
//! run has lost a claim to another live run, it takes the rows of its own parity first (the run
//! whose id sorts first the even rows, the other the odd ones) and the rest in a second pass over
//! the file, where the other run's claims and answers decide them as before. The claim stays what
//! makes each row sent once; this only keeps the runs out of each other's way.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use crate::ledger::{Entry, State};

/// Which other runs took rows of this run's input, and how many: a row whose key another run
/// claimed or created since this run began (less [`Shared::SLACK`], for runs started together),
/// when that run was alive as this one met it (not a run killed before), is that run's, so this
/// run's count and the others' add up to the rows they shared.
#[derive(Default)]
pub struct Shared {
    /// When this run began, on the ledger's clock (0: not yet).
    started: AtomicI64,
    took: Mutex<BTreeMap<String, u64>>,
    /// Each other run met, and whether it was alive then (it shares this run's work).
    met: Mutex<BTreeMap<String, bool>>,
}

impl Shared {
    /// Runs started this long before this one still share its work.
    pub const SLACK: i64 = 60;

    /// Notes when this run began (the first call counts).
    pub fn start(&self, now: i64) {
        let _ = self
            .started
            .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// A row this run did not send because of `e`, the key's entry: counted for the run that
    /// claimed it, when that is another run of this run's time (`alive` asked once per run).
    pub fn saw(&self, e: &Entry, own: &str, alive: impl FnOnce(&str) -> bool) {
        let Some(run) = e.run.as_deref().filter(|r| !r.is_empty() && *r != own) else {
            return;
        };
        let started = self.started.load(Ordering::SeqCst);
        let at = e.sent_at.unwrap_or(e.updated_at);
        if started == 0 || at < started - Shared::SLACK || e.state == State::Failed {
            return;
        }
        let sharing = *self
            .met
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(run.to_string())
            .or_insert_with(|| alive(run));
        if !sharing {
            return;
        }
        *self
            .took
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(run.to_string())
            .or_default() += 1;
    }

    /// The other runs and how many rows each took, by run id.
    pub fn others(&self) -> Vec<(String, u64)> {
        let took = self.took.lock().unwrap_or_else(|p| p.into_inner());
        took.iter().map(|(r, n)| (r.clone(), *n)).collect()
    }
}

/// The first other run this one lost a claim to.
#[derive(Default)]
pub struct Split {
    rival: Mutex<Option<String>>,
}

impl Split {
    /// A claim was lost to `run` (the run recorded on the key).
    pub fn met(&self, run: Option<&str>) {
        let Some(run) = run.filter(|r| !r.is_empty()) else {
            return;
        };
        let mut rival = self.rival.lock().unwrap_or_else(|p| p.into_inner());
        if rival.is_none() {
            *rival = Some(run.to_string());
        }
    }

    /// Which rows this run (`own`) takes first once it has met another run: those whose number
    /// has this remainder by 2. None before.
    pub fn parity(&self, own: &str) -> Option<u64> {
        let rival = self.rival.lock().unwrap_or_else(|p| p.into_inner());
        rival
            .as_deref()
            .filter(|r| *r != own)
            .map(|r| u64::from(own > r))
    }
}

/// Whether `row` is one of this run's first pass.
pub fn first_pass(row: u64, parity: u64) -> bool {
    row % 2 == parity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_runs_take_complementary_rows_once_they_have_met() {
        let (a, b) = (Split::default(), Split::default());
        assert_eq!(a.parity("run-a"), None, "alone: every row in order");
        a.met(Some("run-b"));
        b.met(Some("run-a"));
        let (pa, pb) = (a.parity("run-a").unwrap(), b.parity("run-b").unwrap());
        assert_ne!(pa, pb);
        for row in 1..=10 {
            assert!(
                first_pass(row, pa) != first_pass(row, pb),
                "row {row}: exactly one"
            );
        }
        // The first rival met decides; its own id or none never does.
        a.met(Some("run-c"));
        assert_eq!(a.parity("run-a"), Some(pa));
        let c = Split::default();
        c.met(None);
        c.met(Some(""));
        assert_eq!(c.parity("x"), None);
        c.met(Some("x"));
        assert_eq!(c.parity("x"), None);
    }
}
