//! Per-row results in row order, and which rows a shard takes.

use std::collections::{BTreeMap, VecDeque};

use super::report::{Outcome, RowResult};

/// Whether a row belongs to this shard: (K, N) takes rows with (row - 1) mod N == K - 1.
pub fn in_shard(row: u64, shard: Option<(u64, u64)>) -> bool {
    match shard {
        None => true,
        Some((k, n)) => (row - 1) % n == k - 1,
    }
}

/// Collects results and emits them in row order. Rows after an unknown one are held back until
/// the end, so that reconciling can settle it before anything is printed.
pub struct Orderer {
    order: VecDeque<u64>,
    held: BTreeMap<u64, RowResult>,
    hold_unknown: bool,
    blocked: bool,
}

impl Orderer {
    pub fn new(hold_unknown: bool) -> Orderer {
        Orderer {
            order: VecDeque::new(),
            held: BTreeMap::new(),
            hold_unknown,
            blocked: false,
        }
    }

    pub fn dispatched(&mut self, row: u64) {
        self.order.push_back(row);
    }

    /// Adds a result; returns those now ready, in order.
    pub fn push(&mut self, r: RowResult) -> Vec<RowResult> {
        self.held.insert(r.row, r);
        if self.blocked {
            return Vec::new();
        }
        self.flow()
    }

    /// The results ready in order from the front, up to the first held unknown row (which
    /// blocks the flow until [`Orderer::release`]).
    fn flow(&mut self) -> Vec<RowResult> {
        let mut ready = Vec::new();
        while let Some(&next) = self.order.front() {
            let Some(r) = self.held.get(&next) else { break };
            if self.hold_unknown && r.outcome == Outcome::Unknown {
                self.blocked = true;
                break;
            }
            self.order.pop_front();
            if let Some(r) = self.held.remove(&next) {
                ready.push(r);
            }
        }
        ready
    }

    /// Everything still held, in order (at the end).
    pub fn drain(&mut self) -> Vec<RowResult> {
        self.order.clear();
        std::mem::take(&mut self.held).into_values().collect()
    }

    /// Marks a held unknown row as settled: `Created` (found by reconciling) or `Skipped`
    /// (created by another run sharing the ledger).
    pub fn settle(&mut self, row: u64, lead_id: &str, outcome: Outcome) -> bool {
        self.settle_with(row, lead_id, outcome, None)
    }

    /// Marks a held unknown row as not sent (proven never created: it may be sent again).
    pub fn unsent(&mut self, row: u64, note: String) -> bool {
        match self.held.get_mut(&row) {
            Some(r) if r.outcome == Outcome::Unknown => {
                r.outcome = Outcome::NotSent;
                r.lead_id = None;
                r.error = Some(note);
                true
            }
            _ => false,
        }
    }

    /// Lets results out again after held unknown rows were settled during the run; returns
    /// those now ready, in order.
    pub fn release(&mut self) -> Vec<RowResult> {
        self.blocked = false;
        self.flow()
    }

    /// As `settle`, with a note on the row (what settled it).
    pub fn settle_with(
        &mut self,
        row: u64,
        lead_id: &str,
        outcome: Outcome,
        note: Option<String>,
    ) -> bool {
        match self.held.get_mut(&row) {
            Some(r) if r.outcome == Outcome::Unknown => {
                r.outcome = outcome;
                r.lead_id = Some(lead_id.to_string());
                r.error = note;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(row: u64, outcome: Outcome) -> RowResult {
        RowResult::new(row, outcome)
    }

    #[test]
    fn results_come_out_in_row_order() {
        let mut o = Orderer::new(false);
        for row in [1, 2, 3] {
            o.dispatched(row);
        }
        assert!(o.push(r(2, Outcome::Created)).is_empty());
        assert!(o.push(r(3, Outcome::Failed)).is_empty());
        let ready: Vec<u64> = o
            .push(r(1, Outcome::Created))
            .iter()
            .map(|r| r.row)
            .collect();
        assert_eq!(ready, [1, 2, 3]);
    }

    #[test]
    fn unknown_rows_hold_the_rest_until_settled() {
        let mut o = Orderer::new(true);
        for row in [1, 2, 3] {
            o.dispatched(row);
        }
        assert_eq!(o.push(r(1, Outcome::Created)).len(), 1);
        assert!(o.push(r(2, Outcome::Unknown)).is_empty());
        assert!(o.push(r(3, Outcome::Created)).is_empty());
        assert!(o.settle(2, "L2", Outcome::Created));
        let rest = o.drain();
        assert_eq!(
            rest.iter().map(|r| (r.row, r.outcome)).collect::<Vec<_>>(),
            [(2, Outcome::Created), (3, Outcome::Created)]
        );
    }

    #[test]
    fn shards_split_rows() {
        let rows: Vec<u64> = (1..=7).filter(|&r| in_shard(r, Some((2, 3)))).collect();
        assert_eq!(rows, [2, 5]);
        assert!((1..=7).all(|r| in_shard(r, None)));
    }
}
