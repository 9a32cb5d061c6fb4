//! Runs that share a ledger and import the same file at once (work sharing, doc/ledger.md) race
//! for each row's claim; walking the file in the same order, about every other claim is lost to
//! the other run and costs a round trip to the ledger before the worker's slot is filled. Once a
//! run has lost a claim to another live run, it takes the rows of its own parity first (the run
//! whose id sorts first the even rows, the other the odd ones) and the rest in a second pass over
//! the file, where the other run's claims and answers decide them as before. The claim stays what
//! makes each row sent once; this only keeps the runs out of each other's way.

use std::sync::Mutex;

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
